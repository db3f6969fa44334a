-- +goose Up
-- The per-user API rate limit's token buckets, shared by every server on
-- the database: a row per user holding the tokens left at time at. Servers
-- take tokens from it a few at a time and spend them locally.
CREATE TABLE api_rate_tokens (
    user_id  text COLLATE "C" PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tokens   double precision NOT NULL,
    taken    integer NOT NULL DEFAULT 0,
    at       timestamptz NOT NULL
);

-- +goose Down
-- Forward-only: no down migration.
