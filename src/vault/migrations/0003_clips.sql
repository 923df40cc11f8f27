-- Schema version 3: de-identified clips cut from recordings.
CREATE TABLE clips (
    id TEXT PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id),
    from_frame INTEGER NOT NULL,
    to_frame INTEGER NOT NULL,
    -- ClipSettings as JSON: what was covered, how, what happened to the sound.
    settings TEXT NOT NULL,
    -- Where the de-identified file was written, and its SHA-256 then.
    out_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    reviewed INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id)
);
CREATE INDEX clips_by_recording ON clips(recording_id);
