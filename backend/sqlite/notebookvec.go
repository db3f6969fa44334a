package sqlite

import (
	"container/heap"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"time"
)

// Vector search paths, by the number of a notebook's chunks of one model
// (figures: 768 dimensions on a 2-core machine, docs/NOTEBOOKS.md):
//
//   - up to SlabMinChunks: sqlite-vec's exact KNN (a few ms at that size,
//     no memory held);
//   - above it: an exact scan of an in-memory float32 copy of the vectors
//     (the "slab"), split over the CPUs — ~12 ms at 100,000 chunks where
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

// vectorCache holds the slabs of recently searched large notebooks and the
// per-model chunk counts of every recently searched notebook, each tagged
// with the notebook's index version.
type vectorCache struct {
	mu      sync.Mutex
	entries map[string]*nbVectors
	bytes   int64
}

// nbVectors is one notebook's cached state at one index version.
type nbVectors struct {
	mu      sync.Mutex // held while loading, so one query loads and the rest wait
	version int64
	loaded  bool
	counts  map[string]int // chunks per model
	slabs   map[string]*slab
	bytes   int64
	used    time.Time
}

// slab is n unit vectors of VectorDim floats, row i belonging to chunk nums[i].
type slab struct {
	nums []int64
	vecs []float32
}

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
func (db *DB) notebookVectors(ctx context.Context, notebookID string) (*nbVectors, error) {
	v, err := db.notebookVersion(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	c := &db.vectors
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*nbVectors{}
	}
	e := c.entries[notebookID]
	if e == nil || e.version != v {
		if e != nil {
			c.bytes -= e.bytes
		}
		e = &nbVectors{version: v}
		c.entries[notebookID] = e
	}
	e.used = time.Now()
	c.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.loaded {
		return e, nil
	}
	if err := db.loadVectors(ctx, notebookID, e); err != nil {
		return nil, err
	}
	e.loaded = true
	c.mu.Lock()
	if c.entries[notebookID] == e {
		c.bytes += e.bytes
		c.evict(notebookID)
	}
	c.mu.Unlock()
	return e, nil
}

// evict drops the least recently used slabs (not keep's) while over budget.
func (c *vectorCache) evict(keep string) {
	for c.bytes > VectorCacheBytes {
		var oldest string
		var at time.Time
		for id, e := range c.entries {
			if id != keep && e.bytes > 0 && (oldest == "" || e.used.Before(at)) {
				oldest, at = id, e.used
			}
		}
		if oldest == "" {
			return
		}
		c.bytes -= c.entries[oldest].bytes
		delete(c.entries, oldest)
	}
}

// loadVectors reads the counts per model and, for models with more than
// SlabMinChunks chunks, the vectors — in one read transaction, so they
// match the version the entry carries (re-read inside it).
func (db *DB) loadVectors(ctx context.Context, notebookID string, e *nbVectors) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: load notebook vectors: %w", err)
	}
	defer tx.Rollback()
	var v int64
	if err := tx.QueryRowContext(ctx, `SELECT version FROM notebook_index_versions WHERE notebook_id = ?`, notebookID).Scan(&v); err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("sqlite: load notebook vectors: %w", err)
	}
	e.version = v
	e.counts, e.slabs = map[string]int{}, map[string]*slab{}
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
		e.counts[m] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: load notebook vectors: %w", err)
	}
	for m, n := range e.counts {
		size := int64(n) * (VectorDim*4 + 8)
		if n <= SlabMinChunks || size > VectorCacheBytes {
			continue
		}
		s, err := db.loadSlab(ctx, tx, notebookID, m, n)
		if err != nil {
			return err
		}
		e.slabs[m] = s
		e.bytes += size
	}
	return nil
}

// loadSlab reads the float vectors of a notebook's chunks of one model.
func (db *DB) loadSlab(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, notebookID, model string, n int) (*slab, error) {
	s := &slab{nums: make([]int64, 0, n), vecs: make([]float32, 0, n*VectorDim)}
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
		if len(blob) != VectorDim*4 {
			continue
		}
		s.nums = append(s.nums, num)
		for i := 0; i < VectorDim; i++ {
			s.vecs = append(s.vecs, math.Float32frombits(binary.LittleEndian.Uint32(blob[4*i:])))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: load notebook vectors: %w", err)
	}
	return s, nil
}

// DropVectorCache forgets every cached slab and count (tests and
// benchmarks that change SlabMinChunks or VectorCacheBytes call it).
func (db *DB) DropVectorCache() {
	db.vectors.mu.Lock()
	db.vectors.entries, db.vectors.bytes = nil, 0
	db.vectors.mu.Unlock()
}

// scored is a chunk number with its cosine distance.
type scored struct {
	num  int64
	dist float32
}

// worst-first heap of the best k so far.
type topK []scored

func (h topK) Len() int           { return len(h) }
func (h topK) Less(i, j int) bool { return h[i].dist > h[j].dist }
func (h topK) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topK) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *topK) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// search is an exact scan: the k chunks with the largest dot product with
// the unit vector q (cosine, as stored vectors are unit length), best first.
func (s *slab) search(q []float32, k int) []scored {
	n := len(s.nums)
	parts := min(runtime.GOMAXPROCS(0), max(1, n/20_000))
	tops := make([]topK, parts)
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			h := make(topK, 0, k+1)
			for i := p * n / parts; i < (p+1)*n/parts; i++ {
				d := 1 - dot(q, s.vecs[i*VectorDim:(i+1)*VectorDim])
				if len(h) < k {
					heap.Push(&h, scored{s.nums[i], d})
				} else if d < h[0].dist {
					h[0] = scored{s.nums[i], d}
					heap.Fix(&h, 0)
				}
			}
			tops[p] = h
		}(p)
	}
	wg.Wait()
	var all []scored
	for _, h := range tops {
		all = append(all, h...)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].dist != all[j].dist {
			return all[i].dist < all[j].dist
		}
		return all[i].num < all[j].num
	})
	return all[:min(k, len(all))]
}

// dot is unrolled by four with separate sums: the compiler does not
// vectorise, and independent sums keep the FPU pipelines full.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+3 < len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
