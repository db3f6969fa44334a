-- +goose Up
-- The auth throttle's attempts, shared by every server on the database:
-- one row per attempt and key, in flight (failed false) until it ends as a
-- failure or is deleted. expires_at is when a row stops counting: an
-- attempt whose server died is forgotten a minute on, a failure when its
-- window has passed.
CREATE TABLE auth_attempts (
    id          text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL,
    failed      boolean NOT NULL,
    at          timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (id, key)
);
CREATE INDEX auth_attempts_key ON auth_attempts (key, at);
CREATE INDEX auth_attempts_expires ON auth_attempts (expires_at);

-- +goose Down
-- Forward-only: no down migration.
