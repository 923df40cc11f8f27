-- Schema version 6: clips being written. An export notes its output here
-- before it starts and forgets it when done; an export killed outright leaves
-- the row, so the next start finds the partial file it left and removes it.
CREATE TABLE pending_outputs (
    path TEXT PRIMARY KEY,
    started_at TEXT NOT NULL
);
