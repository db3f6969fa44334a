-- +goose Up
-- The rest of a user's data, shaped like the SQLite store's tables (same
-- column names and meaning; see 00001 for the type rules): workload and
-- burnout, extraction runs (also the extraction queue), uploads and upload
-- sessions, integrations with their connect flows and links, notebooks
-- with their documents (also the indexing queue), chunks and messages.
-- File bytes stay on the server's disk; only their metadata lives here.

CREATE TABLE user_profiles (
    id            text COLLATE "C" PRIMARY KEY,
    user_id       text COLLATE "C" NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    role          text NOT NULL DEFAULT '',
    department    text NOT NULL DEFAULT '',
    timezone      text NOT NULL DEFAULT 'UTC',
    working_hours jsonb NOT NULL DEFAULT '{"start":"09:00","end":"17:00"}',
    working_days  jsonb NOT NULL DEFAULT '[1,2,3,4,5]',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz,
    version       bigint NOT NULL DEFAULT 1,
    hlc           text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks  jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE user_preferences (
    id                  text COLLATE "C" PRIMARY KEY,
    user_id             text COLLATE "C" NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    focus_block_minutes integer NOT NULL DEFAULT 120,
    meeting_preferences jsonb NOT NULL DEFAULT '{}',
    notifications       jsonb NOT NULL DEFAULT '{}',
    settings            jsonb NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    deleted_at          timestamptz,
    version             bigint NOT NULL DEFAULT 1,
    hlc                 text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks        jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE user_constraints (
    id                text COLLATE "C" PRIMARY KEY,
    user_id           text COLLATE "C" NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    max_weekly_hours  double precision NOT NULL DEFAULT 40 CHECK (max_weekly_hours >= 0),
    days_off          jsonb NOT NULL DEFAULT '[]',
    fixed_commitments jsonb NOT NULL DEFAULT '[]',
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    deleted_at        timestamptz,
    version           bigint NOT NULL DEFAULT 1,
    hlc               text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks      jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE user_behavioral_profiles (
    id                  text COLLATE "C" PRIMARY KEY,
    user_id             text COLLATE "C" NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    estimate_accuracy   double precision,
    completion_rate     double precision,
    avg_daily_completed double precision,
    peak_hours          jsonb NOT NULL DEFAULT '[]',
    samples             integer NOT NULL DEFAULT 0,
    data                jsonb NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    deleted_at          timestamptz,
    version             bigint NOT NULL DEFAULT 1,
    hlc                 text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks        jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE burnout_analyses (
    id           text COLLATE "C" PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    score        double precision NOT NULL CHECK (score >= 0 AND score <= 100),
    level        text NOT NULL CHECK (level IN ('low','moderate','high','critical')),
    factors      jsonb NOT NULL DEFAULT '[]',
    metrics      jsonb NOT NULL DEFAULT '{}',
    forecast     jsonb NOT NULL DEFAULT '[]',
    trend        jsonb NOT NULL DEFAULT '{}',
    run_trigger  text NOT NULL DEFAULT 'manual',
    analyzed_at  timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    hlc          text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX burnout_analyses_user_idx ON burnout_analyses (user_id, analyzed_at);

CREATE TABLE qualitative_data (
    id           text COLLATE "C" PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL DEFAULT 'checkin',
    content      text NOT NULL DEFAULT '',
    answers      jsonb NOT NULL DEFAULT '{}',
    sentiment    double precision,
    recorded_at  timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    hlc          text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX qualitative_data_user_idx ON qualitative_data (user_id, recorded_at);
CREATE INDEX qualitative_data_kind_idx ON qualitative_data (user_id, kind, recorded_at);

CREATE TABLE recommendations (
    id           text COLLATE "C" PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('delegate','reschedule','skip_meeting','focus_block','split')),
    title        text NOT NULL,
    explanation  text NOT NULL DEFAULT '',
    tasks        jsonb NOT NULL DEFAULT '[]',
    slot         jsonb,
    hours_freed  double precision NOT NULL DEFAULT 0 CHECK (hours_freed >= 0),
    rec_key      text NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open','accepted','dismissed','superseded')),
    helpful      boolean,
    feedback_at  timestamptz,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    hlc          text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX recommendations_user_idx ON recommendations (user_id, status, created_at) WHERE deleted_at IS NULL;

-- Extraction runs double as the durable job queue: servers claim queued
-- runs with FOR UPDATE SKIP LOCKED, so several share it.
CREATE TABLE extraction_runs (
    id           text COLLATE "C" PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    upload_id    text COLLATE "C" NOT NULL DEFAULT '',
    source       text NOT NULL,
    kind         text NOT NULL DEFAULT '',
    status       text NOT NULL CHECK (status IN ('queued','running','done','failed','cancelled')),
    stage        text NOT NULL DEFAULT '',
    progress     double precision NOT NULL DEFAULT 0,
    error        text NOT NULL DEFAULT '',
    engine       text NOT NULL DEFAULT '',
    review       boolean NOT NULL DEFAULT false,
    input        text NOT NULL DEFAULT '',
    now          timestamptz NOT NULL,
    timezone     text NOT NULL DEFAULT 'UTC',
    tasks        jsonb NOT NULL DEFAULT '[]',
    attempts     integer NOT NULL DEFAULT 0,
    source_text  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    deleted_at   timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    hlc          text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX extraction_runs_user_idx ON extraction_runs (user_id, created_at);
CREATE INDEX extraction_runs_queue_idx ON extraction_runs (status, created_at) WHERE status IN ('queued','running');

CREATE TABLE upload_sessions (
    id         text COLLATE "C" PRIMARY KEY,
    user_id    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    deleted_at timestamptz
);
CREATE INDEX upload_sessions_user_idx ON upload_sessions (user_id);

CREATE TABLE uploads (
    id           text COLLATE "C" PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id   text COLLATE "C" NOT NULL DEFAULT '',
    filename     text NOT NULL,
    content_type text NOT NULL DEFAULT '',
    kind         text NOT NULL DEFAULT '',
    size_bytes   bigint NOT NULL DEFAULT 0,
    sha256       text NOT NULL DEFAULT '',
    storage_path text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'stored',
    error        text NOT NULL DEFAULT '',
    is_temporary boolean NOT NULL DEFAULT false,
    expires_at   timestamptz,
    purged_at    timestamptz,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    hlc          text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX uploads_user_idx ON uploads (user_id, created_at);
CREATE INDEX uploads_sha_idx ON uploads (user_id, sha256);
CREATE INDEX uploads_session_idx ON uploads (session_id);
CREATE INDEX uploads_expiry_idx ON uploads (expires_at) WHERE purged_at IS NULL;

-- Sealed third-party tokens: this installation's secrets, never logged as
-- changes.
CREATE TABLE integrations (
    id                text COLLATE "C" PRIMARY KEY,
    user_id           text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider          text NOT NULL,
    access_token_enc  bytea,
    refresh_token_enc bytea,
    token_expires_at  timestamptz,
    scopes            text NOT NULL DEFAULT '',
    settings          jsonb NOT NULL DEFAULT '{}',
    sync_cursor       text NOT NULL DEFAULT '',
    last_synced_at    timestamptz,
    status            text NOT NULL DEFAULT 'connected' CHECK (status IN ('connected','needs_reconnect')),
    last_error        text NOT NULL DEFAULT '',
    last_error_at     timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    deleted_at        timestamptz,
    version           bigint NOT NULL DEFAULT 1,
    hlc               text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX integrations_user_provider_idx ON integrations (user_id, provider) WHERE deleted_at IS NULL;

CREATE TABLE integration_flows (
    state_hash    text PRIMARY KEY,
    user_id       text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider      text NOT NULL,
    code_verifier text NOT NULL,
    redirect_uri  text NOT NULL,
    return_to     text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX integration_flows_expiry_idx ON integration_flows (expires_at);

CREATE TABLE integration_links (
    user_id        text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider       text NOT NULL,
    remote_id      text COLLATE "C" NOT NULL,
    remote_list_id text NOT NULL DEFAULT '',
    task_id        text COLLATE "C" NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    remote_updated text NOT NULL DEFAULT '',
    local_version  bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (user_id, provider, remote_id)
);
CREATE INDEX integration_links_task_idx ON integration_links (task_id);

-- Notebooks. A user's live notebooks have distinct names ignoring ASCII
-- case, as SQLite's NOCASE compares them (lower() would fold more).
CREATE TABLE notebooks (
    id           text COLLATE "C" PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    hlc          text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX notebooks_user_idx ON notebooks (user_id, created_at) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX notebooks_user_name_idx ON notebooks (user_id, translate(name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'))
    WHERE deleted_at IS NULL;

-- Documents double as the durable indexing queue, claimed with SKIP LOCKED.
CREATE TABLE notebook_documents (
    id           text COLLATE "C" PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notebook_id  text COLLATE "C" NOT NULL REFERENCES notebooks (id) ON DELETE CASCADE,
    upload_id    text COLLATE "C" NOT NULL DEFAULT '',
    filename     text NOT NULL DEFAULT '',
    kind         text NOT NULL DEFAULT '',
    status       text NOT NULL CHECK (status IN ('queued','indexing','ready','failed')),
    stage        text NOT NULL DEFAULT '',
    progress     double precision NOT NULL DEFAULT 0,
    error        text NOT NULL DEFAULT '',
    chunk_count  integer NOT NULL DEFAULT 0,
    page_count   integer NOT NULL DEFAULT 0,
    model        text NOT NULL DEFAULT '',
    attempts     integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    indexed_at   timestamptz,
    deleted_at   timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    hlc          text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX notebook_documents_notebook_idx ON notebook_documents (notebook_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX notebook_documents_queue_idx ON notebook_documents (status, created_at) WHERE status IN ('queued','indexing') AND deleted_at IS NULL;

-- Chunks are derived data (rebuilt from the upload). Their words, made by
-- the store as SQLite's FTS5 porter/unicode61 tokenizer makes them, with
-- positions, are in tsv (GIN), ranked by BM25 as FTS5 ranks; their unit vectors are little-endian
-- float32 bytes, the same bytes as SQLite's notebook_chunk_floats, scanned
-- exactly in memory (package vecscan).
CREATE TABLE notebook_chunks (
    num          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           text COLLATE "C" NOT NULL UNIQUE,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notebook_id  text COLLATE "C" NOT NULL REFERENCES notebooks (id) ON DELETE CASCADE,
    document_id  text COLLATE "C" NOT NULL REFERENCES notebook_documents (id) ON DELETE CASCADE,
    ord          integer NOT NULL,
    heading      text NOT NULL DEFAULT '',
    text         text NOT NULL,
    page         integer NOT NULL DEFAULT 0,
    page_end     integer NOT NULL DEFAULT 0,
    start_offset integer NOT NULL,
    end_offset   integer NOT NULL,
    tokens       integer NOT NULL DEFAULT 0,
    audio_start  double precision NOT NULL DEFAULT 0,
    audio_end    double precision NOT NULL DEFAULT 0,
    model        text NOT NULL DEFAULT '',
    dim          integer NOT NULL DEFAULT 0,
    embedding    bytea NOT NULL,
    tsv          tsvector NOT NULL DEFAULT '',
    words        integer NOT NULL DEFAULT 0, -- tsv's word count, for BM25's length norm
    created_at   timestamptz NOT NULL
);
CREATE INDEX notebook_chunks_document_idx ON notebook_chunks (document_id, ord);
CREATE INDEX notebook_chunks_notebook_idx ON notebook_chunks (notebook_id, model);
CREATE INDEX notebook_chunks_tsv_idx ON notebook_chunks USING gin (tsv);

-- A counter per notebook that moves whenever its chunks change, so every
-- server's in-memory copy of the vectors is checked against it on each
-- query. Statement triggers keep it, whoever writes (a cascade included).
CREATE TABLE notebook_index_versions (
    notebook_id text COLLATE "C" PRIMARY KEY REFERENCES notebooks (id) ON DELETE CASCADE,
    version     bigint NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION notebook_chunks_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO notebook_index_versions (notebook_id, version)
        SELECT DISTINCT notebook_id, 1 FROM new_rows
        ON CONFLICT (notebook_id) DO UPDATE SET version = notebook_index_versions.version + 1;
    ELSE
        UPDATE notebook_index_versions SET version = version + 1
        WHERE notebook_id IN (SELECT notebook_id FROM old_rows);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER notebook_chunks_version_ai AFTER INSERT ON notebook_chunks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notebook_chunks_bump();
CREATE TRIGGER notebook_chunks_version_ad AFTER DELETE ON notebook_chunks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION notebook_chunks_bump();
CREATE TRIGGER notebook_chunks_version_au AFTER UPDATE ON notebook_chunks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION notebook_chunks_bump();

CREATE TABLE notebook_messages (
    id           text COLLATE "C" PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notebook_id  text COLLATE "C" NOT NULL REFERENCES notebooks (id) ON DELETE CASCADE,
    role         text NOT NULL CHECK (role IN ('user','assistant')),
    content      text NOT NULL,
    citations    jsonb NOT NULL DEFAULT '[]',
    engine       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    hlc          text COLLATE "C" NOT NULL DEFAULT '',
    field_clocks jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX notebook_messages_notebook_idx ON notebook_messages (notebook_id, created_at) WHERE deleted_at IS NULL;

-- +goose Down
-- Forward-only: no down migration.
