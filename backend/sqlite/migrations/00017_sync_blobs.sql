-- +goose Up
-- Synced files (SYNC.md §7). On a server: the whole files it holds per
-- scope, and the chunks of uploads still arriving (their bytes are in the
-- file store, never here). On a device: the queue of files to send to or
-- fetch from its server, which survives restarts.
CREATE TABLE sync_blobs (
    scope_id    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    storage_key TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (scope_id, sha256)
);

CREATE TABLE sync_blob_parts (
    scope_id    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    offset_bytes INTEGER NOT NULL,
    size_bytes  INTEGER NOT NULL,
    total_bytes INTEGER NOT NULL,
    storage_key TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (scope_id, sha256, offset_bytes)
);

CREATE TABLE blob_transfers (
    direction   TEXT NOT NULL CHECK (direction IN ('up', 'down')),
    scope_id    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    done_bytes  INTEGER NOT NULL DEFAULT 0,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    eager       INTEGER NOT NULL DEFAULT 1,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (direction, scope_id, sha256)
);
CREATE INDEX blob_transfers_due_idx ON blob_transfers(next_at) WHERE state = 'pending';
