-- +goose Up
-- Quota held by uploads being written, shared by every server on the
-- database: a row per upload in flight, taken under a per-user lock and
-- removed when the upload is recorded or refused. expires_at is when a row
-- stops counting: the upload renews it while it runs, so the reservations
-- of a server that died free themselves.
CREATE TABLE upload_reservations (
    id          text COLLATE "C" PRIMARY KEY,
    user_id     text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bytes       bigint NOT NULL CHECK (bytes >= 0),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX upload_reservations_user ON upload_reservations (user_id, expires_at);

-- +goose Down
-- Forward-only: no down migration.
