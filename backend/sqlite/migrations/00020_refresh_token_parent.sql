-- +goose Up
-- The token a refresh token was rotated from ('' for a sign-in's first).
-- A refresh whose answer was lost may present the spent parent again for a
-- short while: its unused child is then replaced by a new one.
ALTER TABLE refresh_tokens ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
CREATE INDEX refresh_tokens_parent_idx ON refresh_tokens(parent_id) WHERE parent_id != '';

-- +goose Down
-- Forward-only: no down migration.
