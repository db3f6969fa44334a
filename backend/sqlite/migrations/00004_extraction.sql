-- +goose Up
-- Extraction runs double as the durable job queue: queued runs are
-- claimed by workers; runs left running by a crash are re-queued at start.
CREATE TABLE extraction_runs (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    upload_id   TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('queued','running','done','failed','cancelled')),
    stage       TEXT NOT NULL DEFAULT '',
    progress    REAL NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    engine      TEXT NOT NULL DEFAULT '',
    review      INTEGER NOT NULL DEFAULT 0,
    input       TEXT NOT NULL DEFAULT '',
    now         TEXT NOT NULL,
    timezone    TEXT NOT NULL DEFAULT 'UTC',
    tasks       TEXT NOT NULL DEFAULT '[]',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    hlc         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX extraction_runs_user_idx ON extraction_runs(user_id, created_at);
CREATE INDEX extraction_runs_queue_idx ON extraction_runs(status, created_at) WHERE status IN ('queued','running');

CREATE TABLE upload_sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX upload_sessions_user_idx ON upload_sessions(user_id);

-- +goose Down
-- Forward-only.
