-- +goose Up
-- A refused upload keeps a record of what was tried and why it failed.
ALTER TABLE uploads ADD COLUMN error TEXT NOT NULL DEFAULT '';

-- +goose Down
-- Forward-only.
