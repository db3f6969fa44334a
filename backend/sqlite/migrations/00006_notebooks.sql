-- +goose Up
-- Notebooks: documents a user asks questions about. Documents double as the
-- durable indexing queue (queued → indexing → ready | failed). Chunks are
-- derived data (rebuilt from the upload), indexed twice: FTS5 for BM25 and
-- sqlite-vec for vectors, both keyed by the chunk's integer rowid.
CREATE TABLE notebooks (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    hlc         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notebooks_user_idx ON notebooks(user_id, created_at) WHERE deleted_at IS NULL;

CREATE TABLE notebook_documents (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    notebook_id TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
    upload_id   TEXT NOT NULL DEFAULT '',
    filename    TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('queued','indexing','ready','failed')),
    stage       TEXT NOT NULL DEFAULT '',
    progress    REAL NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    chunk_count INTEGER NOT NULL DEFAULT 0,
    page_count  INTEGER NOT NULL DEFAULT 0,
    model       TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    indexed_at  TEXT,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    hlc         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notebook_documents_notebook_idx ON notebook_documents(notebook_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX notebook_documents_queue_idx ON notebook_documents(status, created_at) WHERE status IN ('queued','indexing') AND deleted_at IS NULL;

CREATE TABLE notebook_chunks (
    num          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    notebook_id  TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
    document_id  TEXT NOT NULL REFERENCES notebook_documents(id) ON DELETE CASCADE,
    ord          INTEGER NOT NULL,
    heading      TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL,
    page         INTEGER NOT NULL DEFAULT 0,
    page_end     INTEGER NOT NULL DEFAULT 0,
    start_offset INTEGER NOT NULL,
    end_offset   INTEGER NOT NULL,
    tokens       INTEGER NOT NULL DEFAULT 0,
    model        TEXT NOT NULL DEFAULT '',
    dim          INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL
);
CREATE INDEX notebook_chunks_document_idx ON notebook_chunks(document_id, ord);
CREATE INDEX notebook_chunks_notebook_idx ON notebook_chunks(notebook_id, model);

CREATE VIRTUAL TABLE notebook_chunks_fts USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2');
-- Partitioned by notebook and embedding model together ("notebook_id model"),
-- so a KNN scans only that notebook's vectors of one model (a metadata
-- filter on model measured ~9 ms slower at 10k chunks). Vectors are unit
-- length, so L2 order is cosine order.
CREATE VIRTUAL TABLE notebook_chunk_vecs USING vec0(
    part TEXT PARTITION KEY,
    embedding FLOAT[768]
);

-- The same vectors quantised to one bit per dimension: a coarse Hamming
-- KNN over these, reranked with the float vectors, serves large notebooks
-- (exact float KNN without SIMD grows too slow past ~10k chunks).
CREATE VIRTUAL TABLE notebook_chunk_bits USING vec0(
    part TEXT PARTITION KEY,
    embedding BIT[768]
);

-- The float vectors again in a plain table, for the rerank: reading 400
-- rows by rowid from vec0 cost ~22 ms at 10k chunks, from here well under 1.
CREATE TABLE notebook_chunk_floats (
    num       INTEGER PRIMARY KEY REFERENCES notebook_chunks(num) ON DELETE CASCADE,
    embedding BLOB NOT NULL
);

-- Whatever removes a chunk (a re-index, a deleted document, notebook or
-- account through the cascades) removes its index entries too.
-- +goose StatementBegin
CREATE TRIGGER notebook_chunks_ad AFTER DELETE ON notebook_chunks BEGIN
    DELETE FROM notebook_chunks_fts WHERE rowid = old.num;
    DELETE FROM notebook_chunk_vecs WHERE rowid = old.num;
    DELETE FROM notebook_chunk_bits WHERE rowid = old.num;
END;
-- +goose StatementEnd

CREATE TABLE notebook_messages (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    notebook_id TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('user','assistant')),
    content     TEXT NOT NULL,
    citations   TEXT NOT NULL DEFAULT '[]',
    engine      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    hlc         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notebook_messages_notebook_idx ON notebook_messages(notebook_id, created_at) WHERE deleted_at IS NULL;

-- +goose Down
-- Forward-only.
