package postgres

import (
	"context"
	"fmt"
	"sync"
)

// BM25 needs, per query, the notebook's passage count and mean length and
// each term's document frequency. Reading them with one pass over the
// notebook's passages (count(*) FILTER (WHERE tsv @@ term) per term) reads
// every passage's tsvector: seconds at 100,000 passages. Instead the
// count and mean length are kept in memory per notebook under its index
// version (which moves with every change to its chunks, whichever server
// writes), and each term's frequency is counted through the GIN index,
// which visits only the passages holding it.

type corpusStats struct {
	version int64
	total   int64
	avgLen  float64
}

type corpusCache struct {
	mu sync.Mutex
	m  map[string]corpusStats
}

// maxCorpusEntries bounds the cache (a few dozen bytes per notebook).
const maxCorpusEntries = 4096

// chunkTextStats returns the notebook's passage count and mean length and
// each tsquery's document frequency, in the order given.
func (db *DB) chunkTextStats(ctx context.Context, notebookID string, tsqueries []string) (int64, float64, []int64, error) {
	// One statement, one snapshot: the version and the frequencies agree.
	sel := `SELECT coalesce((SELECT version FROM notebook_index_versions WHERE notebook_id = $1), 0)`
	args := []any{notebookID}
	for _, q := range tsqueries {
		args = append(args, q)
		sel += fmt.Sprintf(`, (SELECT count(*) FROM notebook_chunks WHERE notebook_id = $1 AND tsv @@ $%d::tsquery)`, len(args))
	}
	var version int64
	dfs := make([]int64, len(tsqueries))
	dest := make([]any, 1+len(dfs))
	dest[0] = &version
	for i := range dfs {
		dest[1+i] = &dfs[i]
	}
	if err := db.pool.QueryRow(ctx, sel, args...).Scan(dest...); err != nil {
		return 0, 0, nil, formatError(err, "search chunk text", onViolation{})
	}
	db.corpus.mu.Lock()
	st, ok := db.corpus.m[notebookID]
	db.corpus.mu.Unlock()
	if ok && st.version == version {
		return st.total, st.avgLen, dfs, nil
	}
	st = corpusStats{}
	if err := db.pool.QueryRow(ctx, `SELECT coalesce((SELECT version FROM notebook_index_versions WHERE notebook_id = $1), 0),
		count(*), coalesce(avg(words), 0)::float8 FROM notebook_chunks WHERE notebook_id = $1`, notebookID).Scan(&st.version, &st.total, &st.avgLen); err != nil {
		return 0, 0, nil, formatError(err, "search chunk text", onViolation{})
	}
	db.corpus.mu.Lock()
	if db.corpus.m == nil || len(db.corpus.m) >= maxCorpusEntries {
		db.corpus.m = map[string]corpusStats{}
	}
	db.corpus.m[notebookID] = st
	db.corpus.mu.Unlock()
	return st.total, st.avgLen, dfs, nil
}
