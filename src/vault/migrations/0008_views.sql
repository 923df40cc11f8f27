-- Schema version 8: camera views. A recording holds 1-4 views. Its own row is
-- the reference view; every other view is a row of its own here (its own
-- media file, key and frame table, so viewing, verifying and shredding work
-- as for any recording) with `view_of` naming the recording it belongs to.
-- A view's mapping onto the reference: the view's time at reference time 0
-- (`sync_offset_ns`) and its clock's drift (`drift_ppm`), with what set it.
-- Recordings from before this version are single-view recordings unchanged.
ALTER TABLE recordings ADD COLUMN view_of TEXT REFERENCES recordings(id);
ALTER TABLE recordings ADD COLUMN sync_offset_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN drift_ppm REAL NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN sync_source TEXT NOT NULL DEFAULT 'reference';
ALTER TABLE recordings ADD COLUMN sync_score REAL;
CREATE INDEX recordings_view_of ON recordings(view_of);
-- Every mapping a view ever had, newest last (the audit log has the same
-- changes; this table is what undo and the history panel read).
CREATE TABLE view_sync_history (
    id INTEGER PRIMARY KEY,
    view_id TEXT NOT NULL REFERENCES recordings(id),
    offset_ns INTEGER NOT NULL,
    drift_ppm REAL NOT NULL,
    source TEXT NOT NULL,
    score REAL,
    detail TEXT,
    set_by INTEGER REFERENCES users(id),
    set_at TEXT NOT NULL
);
CREATE INDEX view_sync_history_view ON view_sync_history(view_id, id);
