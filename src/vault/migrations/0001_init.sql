-- Schema version 1: the first vault.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('instructor', 'provider')),
    recipient TEXT NOT NULL,
    created_at TEXT NOT NULL,
    removed_at TEXT
);
CREATE TABLE codebooks (
    id TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    bundled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    case_date TEXT,
    unit TEXT,
    context TEXT,
    codebook_id TEXT NOT NULL REFERENCES codebooks(id),
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id)
);
CREATE TABLE participants (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    name TEXT NOT NULL,
    team_role TEXT,
    user_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    purpose TEXT NOT NULL,
    camera TEXT,
    offset_ns INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    frames INTEGER NOT NULL,
    fps_num INTEGER NOT NULL,
    fps_den INTEGER NOT NULL,
    vfr INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    video_codec TEXT NOT NULL,
    audio_codec TEXT,
    container TEXT NOT NULL,
    frame_table BLOB NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by INTEGER REFERENCES users(id),
    shredded_at TEXT,
    shred_reason TEXT
);
-- A recording's age identity lives only here: deleting the row crypto-shreds the media.
CREATE TABLE recording_keys (
    recording_id TEXT PRIMARY KEY REFERENCES recordings(id),
    identity TEXT NOT NULL
);
CREATE TABLE consent_events (
    id INTEGER PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participants(id),
    stage TEXT NOT NULL CHECK (stage IN ('before-recording', 'after-recording', 'before-review-use')),
    status TEXT NOT NULL CHECK (status IN ('granted', 'refused', 'withdrawn')),
    method TEXT CHECK (method IN ('verbal', 'written')),
    note TEXT,
    recorded_by INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE TABLE annotations (
    id TEXT PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id),
    code TEXT NOT NULL,
    start_frame INTEGER NOT NULL,
    end_frame INTEGER,
    start_pts_ns INTEGER NOT NULL,
    end_pts_ns INTEGER,
    rating REAL,
    note TEXT,
    private_note BLOB,
    author INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    edited_at TEXT,
    deleted_at TEXT
);
CREATE TABLE annotation_history (
    id INTEGER PRIMARY KEY,
    annotation_id TEXT NOT NULL,
    recording_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    before TEXT,
    after TEXT,
    changed_by INTEGER NOT NULL REFERENCES users(id),
    changed_at TEXT NOT NULL,
    -- 0: done, 1: undone (can be redone), 2: undone and superseded.
    undone INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT,
    detail TEXT,
    mac BLOB NOT NULL
);
