-- +goose Up
-- A counter per notebook that moves whenever its chunks change. Large
-- notebooks' vectors are also held in memory for search (an exact scan of
-- a float32 slab is ~10x faster than sqlite-vec's KNN without SIMD); the
-- copy is checked against this counter on every query. Triggers keep it,
-- so every writer moves it: this process, the command line in another
-- process, a cascade from a deleted account.
CREATE TABLE notebook_index_versions (
    notebook_id TEXT PRIMARY KEY,
    version     INTEGER NOT NULL
);
INSERT INTO notebook_index_versions (notebook_id, version) SELECT id, 1 FROM notebooks;

-- +goose StatementBegin
CREATE TRIGGER notebook_chunks_version_ai AFTER INSERT ON notebook_chunks BEGIN
    INSERT INTO notebook_index_versions (notebook_id, version) VALUES (new.notebook_id, 1)
    ON CONFLICT (notebook_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd

-- Deletes and model changes only update (never insert), so a cascade that
-- removes the notebook itself cannot leave a row behind.
-- +goose StatementBegin
CREATE TRIGGER notebook_chunks_version_ad AFTER DELETE ON notebook_chunks BEGIN
    UPDATE notebook_index_versions SET version = version + 1 WHERE notebook_id = old.notebook_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER notebook_chunks_version_au AFTER UPDATE OF model ON notebook_chunks BEGIN
    UPDATE notebook_index_versions SET version = version + 1 WHERE notebook_id = new.notebook_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER notebooks_version_ad AFTER DELETE ON notebooks BEGIN
    DELETE FROM notebook_index_versions WHERE notebook_id = old.id;
END;
-- +goose StatementEnd

-- Passages of a transcribed recording keep where they are in it (seconds).
ALTER TABLE notebook_chunks ADD COLUMN audio_start REAL NOT NULL DEFAULT 0;
ALTER TABLE notebook_chunks ADD COLUMN audio_end REAL NOT NULL DEFAULT 0;

-- +goose Down
-- Forward-only.
