-- +goose Up
-- The device side of sync: which team server this folder is bound to, the
-- pull cursor, and what became of each local change sent to it.
--
-- One binding per data folder (id = 1). Binding to another server or
-- database resets the cursor and makes every local change pending again.
CREATE TABLE sync_client (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    server_url      TEXT NOT NULL,
    remote_user_id  TEXT NOT NULL,
    local_user_id   TEXT NOT NULL,
    database_id     TEXT NOT NULL,
    epoch           INTEGER NOT NULL DEFAULT 0,
    device_id       TEXT NOT NULL,
    cursor          TEXT NOT NULL DEFAULT '',
    bound_at        TEXT NOT NULL,
    last_push_at    TEXT,
    last_pull_at    TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    last_error_at   TEXT,
    conflicts       INTEGER NOT NULL DEFAULT 0
);

-- Teams this device learnt from the server (a scope), with their names.
CREATE TABLE sync_scopes (
    scope_id  TEXT PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('user', 'team')),
    name      TEXT NOT NULL DEFAULT ''
);

-- Conflicts the person has settled here ("Keep this one"): hidden from the
-- list, whatever the server still reports.
CREATE TABLE sync_conflicts_settled (
    id          TEXT PRIMARY KEY,
    settled_at  TEXT NOT NULL
);

-- A push batch is recorded on its changes before it is sent, so a retry
-- after a crash or a lost answer sends the same batch id. A rejected change
-- is kept with the server's reason: shown, never re-sent blindly, never
-- dropped.
ALTER TABLE changes ADD COLUMN batch_id TEXT;
ALTER TABLE changes ADD COLUMN rejected_at TEXT;
ALTER TABLE changes ADD COLUMN reject_code TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN reject_message TEXT NOT NULL DEFAULT '';
CREATE INDEX changes_batch_idx ON changes(batch_id) WHERE batch_id IS NOT NULL AND pushed_at IS NULL;
CREATE INDEX changes_rejected_idx ON changes(rejected_at) WHERE rejected_at IS NOT NULL;
