-- +goose Up
-- The outbox: a device's local changes not yet acknowledged nor refused.
-- The change log keeps growing (it is also the activity history); the sync
-- client reads the outbox on every push and counts it for the status line,
-- so it gets its own small index.
CREATE INDEX changes_outbox_idx ON changes(seq) WHERE origin = 'local' AND pushed_at IS NULL AND rejected_at IS NULL;
