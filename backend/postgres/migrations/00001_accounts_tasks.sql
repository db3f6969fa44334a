-- +goose Up
-- Users, accounts and tasks, shaped like the SQLite store's tables (same
-- column names and meaning) with PostgreSQL types:
--   ids are text COLLATE "C": the same ids as SQLite's, ordered bytewise as
--     there (keyset pagination breaks ties by id);
--   times are timestamptz, written to the millisecond by the store;
--   JSON is jsonb, string lists text[].
-- Every user-owned row carries hlc (the clock of its last write) and
-- field_clocks (per-field clocks for the sync merge, filled by sync).

CREATE TABLE users (
    id             text COLLATE "C" PRIMARY KEY,
    email          text NOT NULL,
    password_hash  text NOT NULL DEFAULT '',
    first_name     text NOT NULL DEFAULT '',
    last_name      text NOT NULL DEFAULT '',
    email_verified boolean NOT NULL DEFAULT false,
    is_local       boolean NOT NULL DEFAULT false,
    token_version  integer NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    deleted_at     timestamptz,
    version        bigint NOT NULL DEFAULT 1,
    hlc            text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks   jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX users_email_idx ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX users_local_idx ON users (created_at) WHERE is_local AND deleted_at IS NULL;

CREATE TABLE auth_providers (
    id               text COLLATE "C" PRIMARY KEY,
    user_id          text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider         text NOT NULL,
    provider_user_id text NOT NULL,
    email            text NOT NULL DEFAULT '',
    email_verified   boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    deleted_at       timestamptz,
    version          bigint NOT NULL DEFAULT 1,
    hlc              text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks     jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX auth_providers_identity_idx ON auth_providers (provider, provider_user_id) WHERE deleted_at IS NULL;
CREATE INDEX auth_providers_user_idx ON auth_providers (user_id);

CREATE TABLE refresh_tokens (
    id                text COLLATE "C" PRIMARY KEY,
    user_id           text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id         text COLLATE "C" NOT NULL,
    token_hash        text NOT NULL UNIQUE,
    device_name       text NOT NULL DEFAULT '',
    ip                text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    used_at           timestamptz,
    revoked_at        timestamptz,
    family_created_at timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE auth_codes (
    id               text COLLATE "C" PRIMARY KEY,
    user_id          text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose          text NOT NULL CHECK (purpose IN ('verify_email','reset_password','oauth_login')),
    code_hash        text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    client_challenge text NOT NULL DEFAULT ''
);
CREATE INDEX auth_codes_user_idx ON auth_codes (user_id, purpose);
CREATE UNIQUE INDEX auth_codes_hash_idx ON auth_codes (code_hash);

CREATE TABLE oauth_flows (
    state_hash       text PRIMARY KEY,
    provider         text NOT NULL,
    code_verifier    text NOT NULL,
    nonce            text NOT NULL DEFAULT '',
    redirect_uri     text NOT NULL,
    return_to        text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    client_challenge text NOT NULL DEFAULT ''
);
CREATE INDEX oauth_flows_expiry_idx ON oauth_flows (expires_at);

CREATE TABLE audit_log (
    id         text COLLATE "C" PRIMARY KEY,
    user_id    text COLLATE "C",
    event      text NOT NULL,
    ip         text NOT NULL DEFAULT '',
    user_agent text NOT NULL DEFAULT '',
    details    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL
);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, created_at);

CREATE TABLE tasks (
    id                 text COLLATE "C" PRIMARY KEY,
    user_id            text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title              text NOT NULL,
    description        text NOT NULL DEFAULT '',
    status             text NOT NULL DEFAULT 'todo'
                       CHECK (status IN ('todo','in_progress','done','cancelled')),
    priority           text NOT NULL DEFAULT 'medium'
                       CHECK (priority IN ('low','medium','high','urgent')),
    priority_rank      integer NOT NULL DEFAULT 2,
    task_type          text NOT NULL DEFAULT 'task' CHECK (task_type IN ('task','meeting')),
    source             text NOT NULL DEFAULT 'sentry',
    source_id          text NOT NULL DEFAULT '',
    deadline           timestamptz,
    start_time         timestamptz,
    end_time           timestamptz,
    location           text NOT NULL DEFAULT '',
    meeting_url        text NOT NULL DEFAULT '',
    attendees          text[] NOT NULL DEFAULT '{}',
    estimated_hours    double precision CHECK (estimated_hours IS NULL OR estimated_hours >= 0),
    actual_hours       double precision CHECK (actual_hours IS NULL OR actual_hours >= 0),
    can_delegate       boolean NOT NULL DEFAULT false,
    is_optional        boolean NOT NULL DEFAULT false,
    is_recurring       boolean NOT NULL DEFAULT false,
    recurrence_rule    text NOT NULL DEFAULT '',
    tags               text[] NOT NULL DEFAULT '{}',
    parent_id          text COLLATE "C" NOT NULL DEFAULT '',
    google_task_id     text NOT NULL DEFAULT '',
    google_tasklist_id text NOT NULL DEFAULT '',
    zoom_meeting_id    text NOT NULL DEFAULT '',
    evidence           jsonb NOT NULL DEFAULT '{}',
    completed_at       timestamptz,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    deleted_at         timestamptz,
    version            bigint NOT NULL DEFAULT 1,
    hlc                text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks       jsonb NOT NULL DEFAULT '{}',
    -- The words of title and description as the store tokenises them
    -- (letters and digits, folded like SQLite's unicode61 with
    -- remove_diacritics), so search matches what SQLite's FTS5 matches.
    search             tsvector NOT NULL DEFAULT ''
);
-- Keyset pagination: one index per sort order, live rows only. Tasks without
-- a deadline sort after every dated one.
CREATE INDEX tasks_user_deadline_idx ON tasks (user_id, coalesce(deadline, timestamptz '9999-12-31 23:59:59.999+00'), id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_priority_idx ON tasks (user_id, priority_rank, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_created_idx ON tasks (user_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_updated_idx ON tasks (user_id, updated_at, id);
CREATE INDEX tasks_google_idx ON tasks (user_id, google_task_id) WHERE google_task_id <> '';
CREATE INDEX tasks_search_idx ON tasks USING gin (search);

-- Scopes order the change log: a user's personal data, later a team. The
-- row lock taken to bump last_seq numbers a scope's entries without gaps,
-- in commit order.
CREATE TABLE sync_scopes (
    id          text COLLATE "C" PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('user','team')),
    last_seq    bigint NOT NULL DEFAULT 0,
    horizon_seq bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL
);

-- The change log: one entry per write to a user's data, written in the same
-- transaction; seq is the server's order within the scope.
CREATE TABLE changes (
    scope_id   text COLLATE "C" NOT NULL,
    seq        bigint NOT NULL,
    id         text COLLATE "C" NOT NULL UNIQUE,
    user_id    text COLLATE "C" NOT NULL,
    table_name text NOT NULL,
    row_id     text COLLATE "C" NOT NULL,
    op         text NOT NULL CHECK (op IN ('insert','update','delete')),
    fields     jsonb NOT NULL DEFAULT '{}',
    hlc        text COLLATE "C" NOT NULL,
    device_id  text NOT NULL,
    created_at timestamptz NOT NULL,
    pushed_at  timestamptz,
    PRIMARY KEY (scope_id, seq)
);
CREATE INDEX changes_user_hlc_idx ON changes (user_id, hlc, seq);
CREATE INDEX changes_row_idx ON changes (table_name, row_id);

-- Small key/value facts about this installation (device id, settings).
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- +goose Down
-- Forward-only: no down migration.
