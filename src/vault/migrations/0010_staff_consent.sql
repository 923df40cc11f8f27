-- Schema version 10: the rules before the first frame (issue 17).
-- Standing staff consent: team members of the unit who opted in to being
-- recorded, until an expiry date. Before recording, the recorder ticks who
-- is present; recording starts only when each of them has it.
CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    team_role TEXT NOT NULL,
    opted_in_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    withdrawn_at TEXT,
    recorded_by INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX staff_current_name ON staff(name) WHERE withdrawn_at IS NULL;
-- Who was present (staff ids, JSON), and under deferred consent the day by
-- which the patient's or family's consent must be recorded or the recording
-- is crypto-shredded.
ALTER TABLE captures ADD COLUMN present TEXT;
ALTER TABLE captures ADD COLUMN consent_deadline TEXT;
ALTER TABLE recordings ADD COLUMN consent_deadline TEXT;
