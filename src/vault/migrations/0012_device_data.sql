-- Schema version 12: device data beside the video (issue 18).
-- A data source is one imported device file (monitor CSV, EDF+) of a
-- recording: its samples live age-encrypted in media/<id>.age, its key in
-- data_keys (deleted when the recording is shredded), and its alignment to
-- the recording's timeline here, every change kept in data_align_history.
CREATE TABLE data_sources (
    id TEXT PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id),
    -- The file's name as imported (shown in the app; never logged).
    label TEXT NOT NULL,
    format TEXT NOT NULL,
    -- JSON: [{name, unit, kind, rate_hz, samples}]
    signals TEXT NOT NULL,
    events INTEGER NOT NULL,
    -- The device clock at data time 0, as the file gave it.
    start_clock TEXT,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    source_sha256 TEXT NOT NULL,
    -- data time = offset + recording time × (1 + ppm / 10⁶)
    offset_ns INTEGER NOT NULL,
    drift_ppm REAL NOT NULL,
    sync_source TEXT NOT NULL,
    -- JSON: residual per pair, ms
    residuals TEXT,
    imported_at TEXT NOT NULL,
    imported_by INTEGER REFERENCES users(id),
    shredded_at TEXT
);
CREATE INDEX data_sources_recording ON data_sources(recording_id);
CREATE TABLE data_keys (
    source_id TEXT PRIMARY KEY REFERENCES data_sources(id),
    identity TEXT NOT NULL
);
CREATE TABLE data_align_history (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES data_sources(id),
    offset_ns INTEGER NOT NULL,
    drift_ppm REAL NOT NULL,
    sync_source TEXT NOT NULL,
    residuals TEXT,
    changed_at TEXT NOT NULL,
    changed_by INTEGER REFERENCES users(id)
);
