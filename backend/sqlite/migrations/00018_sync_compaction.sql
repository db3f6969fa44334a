-- +goose Up
-- Compaction of the sync log (see SYNC.md §3.5).
--
-- Server side: a scope's horizon is the highest seq of a tombstone entry
-- compaction removed; a device whose cursor is below it downloads the
-- scope again. compacted_seq and purged_seq are how far compaction has
-- looked (superseded entries, expired tombstones), so the hourly run reads
-- only what is new since.
CREATE TABLE sync_horizons (
    scope_id      TEXT PRIMARY KEY,
    horizon_seq   INTEGER NOT NULL DEFAULT 0,
    compacted_seq INTEGER NOT NULL DEFAULT 0,
    purged_seq    INTEGER NOT NULL DEFAULT 0
);

-- Device side: while a scope is downloaded again from the start, the rows
-- this device held in it when it began; each row the download brings is
-- struck off, and at its end the rows left (the server no longer has
-- them) are dropped unless they hold changes not yet acknowledged.
CREATE TABLE sync_resync_rows (
    scope_id   TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_id     TEXT NOT NULL,
    PRIMARY KEY (table_name, row_id)
);
CREATE INDEX sync_resync_rows_scope_idx ON sync_resync_rows(scope_id);

-- +goose Down
-- Forward-only: no down migration.
