-- Schema version 7: how a decoded picture is matched to its frame:
-- 'timestamps' (the frame table's PTS) or 'counted' (from the keyframe
-- decoding started at: AVI with B-frames). Recordings probed before this
-- version used timestamps.
ALTER TABLE recordings ADD COLUMN frame_order TEXT NOT NULL DEFAULT 'timestamps';
