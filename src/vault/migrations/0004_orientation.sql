-- Schema version 4: how a recording is turned for display (a phone's display
-- matrix). width and height are stored as shown; recordings imported before
-- this version were probed without it and keep the identity.
ALTER TABLE recordings ADD COLUMN orientation TEXT NOT NULL DEFAULT 'identity';
