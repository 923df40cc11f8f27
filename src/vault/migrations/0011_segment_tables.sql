-- Schema version 11: each sealed segment of a recording being captured gets
-- its frame table as soon as it is sealed (read behind the stream's first
-- `ftyp`/`moov`), so Stop only has to read the last segment.
ALTER TABLE media_segments ADD COLUMN frame_table BLOB;
