-- +goose Up
-- The merged schema of the seed design. Every user-owned row is sync-ready:
-- a text UUIDv7 id, user_id, created_at, updated_at, deleted_at (tombstone),
-- version (bumped on every write) and hlc (the hybrid logical clock of the
-- last write). Times are RFC 3339 UTC text with milliseconds, so they sort.

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL,
    password_hash  TEXT NOT NULL DEFAULT '',
    first_name     TEXT NOT NULL DEFAULT '',
    last_name      TEXT NOT NULL DEFAULT '',
    email_verified INTEGER NOT NULL DEFAULT 0,
    is_local       INTEGER NOT NULL DEFAULT 0,
    token_version  INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT,
    version        INTEGER NOT NULL DEFAULT 1,
    hlc            TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX users_email_idx ON users(email) WHERE deleted_at IS NULL;

CREATE TABLE auth_providers (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider         TEXT NOT NULL,
    provider_user_id TEXT NOT NULL,
    email            TEXT NOT NULL DEFAULT '',
    email_verified   INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deleted_at       TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    hlc              TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX auth_providers_identity_idx ON auth_providers(provider, provider_user_id) WHERE deleted_at IS NULL;
CREATE INDEX auth_providers_user_idx ON auth_providers(user_id);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family_id   TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    device_name TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens(user_id);

CREATE TABLE integrations (
    id                TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider          TEXT NOT NULL,
    access_token_enc  BLOB,
    refresh_token_enc BLOB,
    token_expires_at  TEXT,
    scopes            TEXT NOT NULL DEFAULT '',
    settings          TEXT NOT NULL DEFAULT '{}',
    sync_cursor       TEXT NOT NULL DEFAULT '',
    last_synced_at    TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT,
    version           INTEGER NOT NULL DEFAULT 1,
    hlc               TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX integrations_user_provider_idx ON integrations(user_id, provider) WHERE deleted_at IS NULL;

CREATE TABLE tasks (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL DEFAULT 'todo'
                       CHECK (status IN ('todo','in_progress','done','cancelled')),
    priority           TEXT NOT NULL DEFAULT 'medium'
                       CHECK (priority IN ('low','medium','high','urgent')),
    priority_rank      INTEGER NOT NULL DEFAULT 2,
    task_type          TEXT NOT NULL DEFAULT 'task' CHECK (task_type IN ('task','meeting')),
    source             TEXT NOT NULL DEFAULT 'sentry',
    source_id          TEXT NOT NULL DEFAULT '',
    deadline           TEXT,
    start_time         TEXT,
    end_time           TEXT,
    location           TEXT NOT NULL DEFAULT '',
    meeting_url        TEXT NOT NULL DEFAULT '',
    attendees          TEXT NOT NULL DEFAULT '[]',
    estimated_hours    REAL CHECK (estimated_hours IS NULL OR estimated_hours >= 0),
    actual_hours       REAL CHECK (actual_hours IS NULL OR actual_hours >= 0),
    can_delegate       INTEGER NOT NULL DEFAULT 0,
    is_optional        INTEGER NOT NULL DEFAULT 0,
    is_recurring       INTEGER NOT NULL DEFAULT 0,
    recurrence_rule    TEXT NOT NULL DEFAULT '',
    tags               TEXT NOT NULL DEFAULT '[]',
    parent_id          TEXT NOT NULL DEFAULT '',
    google_task_id     TEXT NOT NULL DEFAULT '',
    google_tasklist_id TEXT NOT NULL DEFAULT '',
    zoom_meeting_id    TEXT NOT NULL DEFAULT '',
    evidence           TEXT NOT NULL DEFAULT '{}',
    completed_at       TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    deleted_at         TEXT,
    version            INTEGER NOT NULL DEFAULT 1,
    hlc                TEXT NOT NULL DEFAULT ''
);
-- Keyset pagination: one index per sort order, live rows only. Tasks without
-- a deadline sort after every dated one.
CREATE INDEX tasks_user_deadline_idx ON tasks(user_id, ifnull(deadline, '9999-12-31T23:59:59.999Z'), id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_priority_idx ON tasks(user_id, priority_rank, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_created_idx ON tasks(user_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_updated_idx ON tasks(user_id, updated_at, id);
CREATE INDEX tasks_google_idx ON tasks(user_id, google_task_id) WHERE google_task_id != '';

-- Full-text search over titles and descriptions (BM25), kept in step by triggers.
CREATE VIRTUAL TABLE tasks_fts USING fts5(
    title, description, content='tasks', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
-- +goose StatementBegin
CREATE TRIGGER tasks_fts_ai AFTER INSERT ON tasks BEGIN
    INSERT INTO tasks_fts(rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tasks_fts_ad AFTER DELETE ON tasks BEGIN
    INSERT INTO tasks_fts(tasks_fts, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tasks_fts_au AFTER UPDATE OF title, description ON tasks BEGIN
    INSERT INTO tasks_fts(tasks_fts, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
    INSERT INTO tasks_fts(rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
-- +goose StatementEnd

CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id    TEXT NOT NULL DEFAULT '',
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL DEFAULT '',
    size_bytes    INTEGER NOT NULL DEFAULT 0,
    sha256        TEXT NOT NULL DEFAULT '',
    storage_path  TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'stored',
    is_temporary  INTEGER NOT NULL DEFAULT 0,
    expires_at    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    hlc           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX uploads_user_idx ON uploads(user_id, created_at);
CREATE INDEX uploads_sha_idx ON uploads(user_id, sha256);
CREATE INDEX uploads_session_idx ON uploads(session_id);

CREATE TABLE user_profiles (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    role          TEXT NOT NULL DEFAULT '',
    department    TEXT NOT NULL DEFAULT '',
    timezone      TEXT NOT NULL DEFAULT 'UTC',
    working_hours TEXT NOT NULL DEFAULT '{"start":"09:00","end":"17:00"}',
    working_days  TEXT NOT NULL DEFAULT '[1,2,3,4,5]',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    hlc           TEXT NOT NULL DEFAULT ''
);

CREATE TABLE user_preferences (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    focus_block_minutes INTEGER NOT NULL DEFAULT 120,
    meeting_preferences TEXT NOT NULL DEFAULT '{}',
    notifications       TEXT NOT NULL DEFAULT '{}',
    settings            TEXT NOT NULL DEFAULT '{}',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    deleted_at          TEXT,
    version             INTEGER NOT NULL DEFAULT 1,
    hlc                 TEXT NOT NULL DEFAULT ''
);

CREATE TABLE user_constraints (
    id                TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    max_weekly_hours  REAL NOT NULL DEFAULT 40 CHECK (max_weekly_hours >= 0),
    days_off          TEXT NOT NULL DEFAULT '[]',
    fixed_commitments TEXT NOT NULL DEFAULT '[]',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT,
    version           INTEGER NOT NULL DEFAULT 1,
    hlc               TEXT NOT NULL DEFAULT ''
);

CREATE TABLE user_behavioral_profiles (
    id                       TEXT PRIMARY KEY,
    user_id                  TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    estimate_accuracy        REAL,
    completion_rate          REAL,
    avg_daily_completed      REAL,
    peak_hours               TEXT NOT NULL DEFAULT '[]',
    samples                  INTEGER NOT NULL DEFAULT 0,
    data                     TEXT NOT NULL DEFAULT '{}',
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    deleted_at               TEXT,
    version                  INTEGER NOT NULL DEFAULT 1,
    hlc                      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE burnout_analyses (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    score       REAL NOT NULL CHECK (score >= 0 AND score <= 100),
    level       TEXT NOT NULL CHECK (level IN ('low','moderate','high','critical')),
    factors     TEXT NOT NULL DEFAULT '[]',
    metrics     TEXT NOT NULL DEFAULT '{}',
    forecast    TEXT NOT NULL DEFAULT '[]',
    analyzed_at TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    hlc         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX burnout_analyses_user_idx ON burnout_analyses(user_id, analyzed_at);

CREATE TABLE qualitative_data (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL DEFAULT 'checkin',
    content     TEXT NOT NULL DEFAULT '',
    answers     TEXT NOT NULL DEFAULT '{}',
    sentiment   REAL,
    recorded_at TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    hlc         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX qualitative_data_user_idx ON qualitative_data(user_id, recorded_at);

-- The change log: one entry per write to a user's data, written in the same
-- transaction. It is the activity history and the outbox of sync.
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_id     TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('insert','update','delete')),
    fields     TEXT NOT NULL DEFAULT '{}',
    hlc        TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    pushed_at  TEXT
);
CREATE INDEX changes_user_hlc_idx ON changes(user_id, hlc);
CREATE INDEX changes_row_idx ON changes(table_name, row_id);

-- Small key/value facts about this installation (device id, local profile).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
-- Forward-only: no down migration.
