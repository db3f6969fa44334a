-- +goose Up
-- Synced files (SYNC.md §7), as in the SQLite store's migration 00017: the
-- whole files the server holds per scope, and the chunks of uploads still
-- arriving. Their bytes are in the file store, never in the database.
CREATE TABLE sync_blobs (
    scope_id    text COLLATE "C" NOT NULL,
    sha256      text COLLATE "C" NOT NULL,
    size_bytes  bigint NOT NULL,
    storage_key text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (scope_id, sha256)
);

CREATE TABLE sync_blob_parts (
    scope_id     text COLLATE "C" NOT NULL,
    sha256       text COLLATE "C" NOT NULL,
    offset_bytes bigint NOT NULL,
    size_bytes   bigint NOT NULL,
    total_bytes  bigint NOT NULL,
    storage_key  text NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (scope_id, sha256, offset_bytes)
);

-- +goose Down
-- Forward-only: no down migration.
