-- Schema version 9: recording straight into the vault (issue 17).
-- A capture is a recording being made. Its views (one per camera; the first
-- is the reference and its id becomes the recording's) keep their age
-- identity here until the capture is sealed, when the recordings rows are
-- written and the identities move to recording_keys. A capture still
-- 'recording' whose recorder is gone (its lock file free) is recovered at the
-- next unlock.
CREATE TABLE captures (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    purpose TEXT NOT NULL,
    started_at TEXT NOT NULL,
    started_by INTEGER REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('recording', 'sealed', 'recovered', 'empty')),
    detail TEXT
);
CREATE TABLE capture_views (
    id TEXT PRIMARY KEY,
    capture_id TEXT NOT NULL REFERENCES captures(id),
    position INTEGER NOT NULL,
    camera TEXT,
    -- What was recorded from: 'test', a V4L2 device, 'rtsp' (never an address or credentials).
    source TEXT NOT NULL,
    identity TEXT,
    -- The shared clock's running time at the view's stream time 0 (ns), once its first frame came.
    clock_base_ns INTEGER
);
CREATE INDEX capture_views_capture ON capture_views(capture_id, position);
-- The sealed segments of captured media, in order: consecutive pieces of one
-- fragmented MP4 stream, each its own age file media/<id>.<seq>.age.
CREATE TABLE media_segments (
    recording_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    sealed_at TEXT NOT NULL,
    recovered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (recording_id, seq)
);
