package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"sentry/backend/vecscan"
)

// Vector search paths, by the number of a notebook's chunks of one model
// (figures: 768 dimensions on a 2-core machine, docs/NOTEBOOKS.md):
//
//   - up to SlabMinChunks: sqlite-vec's exact KNN (a few ms at that size,
//     no memory held);
//   - above it: an exact scan of an in-memory float32 copy of the vectors
//     (the "slab", package vecscan, which the Postgres store uses too), split over the CPUs — ~12 ms at 100,000 chunks where
//     sqlite-vec takes ~150 ms — as long as all slabs fit VectorCacheBytes;
//   - a notebook whose slab does not fit: a binary (SimHash) coarse KNN in
//     sqlite-vec of CoarseFactor×k candidates, reranked with the floats.
//
// sqlite-vec stays the store of record: the slab is a cache, rebuilt from
// the notebook_chunk_floats table when notebook_index_versions says the
// notebook's chunks changed (checked on every query, so writers in other
// processes are seen too).
var (
	SlabMinChunks    = 5_000
	VectorCacheBytes = int64(1 << 30)
	CoarseFactor     = 50
)

// notebookVersion reads the notebook's index version (0 when it has none).
func (db *DB) notebookVersion(ctx context.Context, notebookID string) (int64, error) {
	var v int64
	err := db.read.QueryRowContext(ctx, `SELECT version FROM notebook_index_versions WHERE notebook_id = ?`, notebookID).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("sqlite: notebook index version: %w", err)
	}
	return v, nil
}

// notebookVectors returns the notebook's cached counts and slabs, loading
// them when the index has changed since they were cached.
func (db *DB) notebookVectors(ctx context.Context, notebookID string) (*vecscan.Entry, error) {
	v, err := db.notebookVersion(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	return db.vectors.Get(notebookID, v, VectorCacheBytes, func(e *vecscan.Entry) error {
		return db.loadVectors(ctx, notebookID, e)
	})
}

// loadVectors reads the counts per model and, for models with more than
// SlabMinChunks chunks, the vectors — in one read transaction, so they
// match the version the entry carries (re-read inside it).
func (db *DB) loadVectors(ctx context.Context, notebookID string, e *vecscan.Entry) error {
	tx, err := db.search.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: load notebook vectors: %w", err)
	}
	defer tx.Rollback()
	var v int64
	if err := tx.QueryRowContext(ctx, `SELECT version FROM notebook_index_versions WHERE notebook_id = ?`, notebookID).Scan(&v); err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("sqlite: load notebook vectors: %w", err)
	}
	e.Version = v
	rows, err := tx.QueryContext(ctx, `SELECT model, count(*) FROM notebook_chunks WHERE notebook_id = ? GROUP BY model`, notebookID)
	if err != nil {
		return fmt.Errorf("sqlite: load notebook vectors: %w", err)
	}
	for rows.Next() {
		var m string
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: load notebook vectors: %w", err)
		}
		e.Counts[m] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: load notebook vectors: %w", err)
	}
	for m, n := range e.Counts {
		size := int64(n) * (VectorDim*4 + 8)
		if n <= SlabMinChunks || size > VectorCacheBytes {
			continue
		}
		s, err := db.loadSlab(ctx, tx, notebookID, m, n)
		if err != nil {
			return err
		}
		e.Slabs[m] = s
	}
	return nil
}

// loadSlab reads the float vectors of a notebook's chunks of one model.
func (db *DB) loadSlab(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, notebookID, model string, n int) (*vecscan.Slab, error) {
	s := vecscan.NewSlab(VectorDim, n)
	rows, err := q.QueryContext(ctx, `SELECT c.num, f.embedding FROM notebook_chunks c JOIN notebook_chunk_floats f ON f.num = c.num
		WHERE c.notebook_id = ? AND c.model = ? ORDER BY c.num`, notebookID, model)
	if err != nil {
		return nil, fmt.Errorf("sqlite: load notebook vectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var num int64
		var blob []byte
		if err := rows.Scan(&num, &blob); err != nil {
			return nil, fmt.Errorf("sqlite: load notebook vectors: %w", err)
		}
		s.AppendBlob(num, blob)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: load notebook vectors: %w", err)
	}
	return s, nil
}

// DropVectorCache forgets every cached slab and count (tests and
// benchmarks that change SlabMinChunks or VectorCacheBytes call it).
func (db *DB) DropVectorCache() { db.vectors.Drop() }
