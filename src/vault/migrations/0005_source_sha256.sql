-- Schema version 5: the SHA-256 of the file a recording was imported from, so
-- importing the same file into the same case again is refused (a retried
-- import whose first report was lost must not make a second copy).
-- Recordings imported before this version have none.
ALTER TABLE recordings ADD COLUMN source_sha256 TEXT;
CREATE INDEX recordings_by_source ON recordings(case_id, source_sha256);
