-- +goose Up
-- Purged: the stored file has been removed from disk.
ALTER TABLE uploads ADD COLUMN purged_at TEXT;
CREATE INDEX uploads_expiry_idx ON uploads(expires_at) WHERE purged_at IS NULL;

-- +goose Down
-- Forward-only.
