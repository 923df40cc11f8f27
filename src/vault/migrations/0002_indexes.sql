-- Schema version 2: indexes for large annotation sets, and the last unlock per user.
CREATE INDEX annotations_by_recording ON annotations(recording_id, start_frame);
CREATE INDEX history_by_user ON annotation_history(recording_id, changed_by, undone);
CREATE INDEX participants_by_case ON participants(case_id);
CREATE INDEX participants_by_user ON participants(user_id);
CREATE INDEX consent_by_participant ON consent_events(participant_id);
CREATE INDEX recordings_by_case ON recordings(case_id);
ALTER TABLE users ADD COLUMN last_unlock_at TEXT;
