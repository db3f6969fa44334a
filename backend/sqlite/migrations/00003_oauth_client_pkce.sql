-- +goose Up
-- A native client (the desktop, RFC 8252) proves with its own PKCE pair
-- that it is the one redeeming the login code it asked for.
ALTER TABLE oauth_flows ADD COLUMN client_challenge TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_codes ADD COLUMN client_challenge TEXT NOT NULL DEFAULT '';

-- +goose Down
-- Forward-only.
