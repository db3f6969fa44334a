-- +goose Up
-- Integrations (Google Tasks, Google Calendar, Zoom). The integrations table
-- of 00001 keeps sealed tokens and one cursor per provider; it gains the
-- state a user sees (connected or needs_reconnect, the last error). Two new
-- tables: connect flows in progress (state → user, provider, PKCE verifier),
-- and links between a provider's objects and local tasks, which remember
-- both sides as they were at the last sync so a sync can tell which side
-- changed (tasks.google_task_id alone cannot).

ALTER TABLE integrations ADD COLUMN status TEXT NOT NULL DEFAULT 'connected'
    CHECK (status IN ('connected','needs_reconnect'));
ALTER TABLE integrations ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE integrations ADD COLUMN last_error_at TEXT;

CREATE TABLE integration_flows (
    state_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    return_to     TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);

CREATE TABLE integration_links (
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider       TEXT NOT NULL,
    remote_id      TEXT NOT NULL,
    remote_list_id TEXT NOT NULL DEFAULT '',
    task_id        TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    remote_updated TEXT NOT NULL DEFAULT '',
    local_version  INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (user_id, provider, remote_id)
);
CREATE INDEX integration_links_task_idx ON integration_links(task_id);

-- +goose Down
-- Forward-only.
