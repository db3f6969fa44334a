-- +goose Up
-- Compaction of the sync log (see SYNC.md §3.5): sync_scopes.horizon_seq
-- (already there) is the highest seq of a tombstone entry compaction
-- removed; compacted_seq and purged_seq are how far compaction has looked
-- (superseded entries, expired tombstones), so the hourly run reads only
-- what is new since.
ALTER TABLE sync_scopes ADD COLUMN compacted_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE sync_scopes ADD COLUMN purged_seq bigint NOT NULL DEFAULT 0;

-- +goose Down
-- Forward-only: no down migration.
