package notebook_test

import (
	"context"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/notebook"
	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/sync/hlc"
)

// BenchmarkHybridSearchPostgres: the hybrid search of a notebook of
// SENTRY_BENCH_CHUNKS chunks (default 10,000) of 768-d vectors of synthetic
// Zipf text on PostgreSQL, with the built-in deterministic embedder (no
// model needed), and its two lists alone: BM25 over the tsvector (pruned to
// the text budget, as the search runs it) and the exact vector scan over
// the vectors held in memory. Each reports p50 and p95 of its calls.
//
//	SENTRY_BENCH_CHUNKS=100000 scripts/with-postgres go test ./backend/notebook \
//	  -run '^$' -bench HybridSearchPostgres -benchtime 200x -timeout 60m
//
// It needs SENTRY_TEST_DATABASE_URL (scripts/with-postgres) and skips
// without it; the notebook lives in a schema of its own.
func BenchmarkHybridSearchPostgres(b *testing.B) {
	url, schema := pgtest.Schema(b)
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("SENTRY_BENCH_CHUNKS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, Clock: hlc.New(nil)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	e := newEnvOn(b, db, b.TempDir())

	r := rand.New(rand.NewPCG(3, 4))
	z := rand.NewZipf(r, 1.1, 1, 19999)
	vocab := vocabulary(20000)
	emb := notebook.HashEmbedder{}
	fill := time.Now()
	for done := 0; done < n; {
		d := &core.NotebookDocument{UserID: e.nb.UserID, NotebookID: e.nb.ID, Filename: "synthetic.txt", Kind: "txt", Status: core.DocIndexing}
		if err := db.CreateNotebookDocument(ctx, d); err != nil {
			b.Fatal(err)
		}
		k := min(2000, n-done)
		chunks := make([]*core.Chunk, k)
		texts := make([]string, k)
		for i := range chunks {
			texts[i] = synthetic(r, z, vocab, 200)
			chunks[i] = &core.Chunk{Ord: i, Text: texts[i], Page: 1, End: len(texts[i]), Model: emb.Model(), Dim: emb.Dim()}
		}
		vecs, _ := emb.Embed(ctx, texts)
		if err := db.ReplaceChunks(ctx, d, chunks, vecs); err != nil {
			b.Fatal(err)
		}
		done += k
	}
	b.Logf("%d chunks written in %s", n, time.Since(fill).Round(time.Second))
	queries := make([]string, 200)
	for i := range queries {
		queries[i] = synthetic(r, z, vocab, 8)
	}
	qvecs, _ := emb.Embed(ctx, queries)
	// The first vector search loads the notebook's vectors into memory;
	// that is paid once per notebook and version, not per query.
	load := time.Now()
	if _, err := db.SearchChunksVector(ctx, e.nb.ID, emb.Model(), qvecs[0], 10); err != nil {
		b.Fatal(err)
	}
	b.Logf("vectors loaded into memory in %s", time.Since(load).Round(time.Millisecond))
	run := func(name string, fn func(i int) error) {
		b.Run(name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			for b.Loop() {
				t0 := time.Now()
				if err := fn(i); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				i++
			}
			sort.Slice(lat, func(a, c int) bool { return lat[a] < lat[c] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(n), "chunks")
		})
	}
	run("bm25-pruned", func(i int) error {
		m, err := e.svc.TextQuery(ctx, queries[i%len(queries)])
		if err != nil {
			return err
		}
		_, err = db.SearchChunksText(ctx, e.nb.ID, m, 50)
		return err
	})
	run("vector", func(i int) error {
		_, err := db.SearchChunksVector(ctx, e.nb.ID, emb.Model(), qvecs[i%len(qvecs)], 50)
		return err
	})
	run("hybrid", func(i int) error {
		_, err := e.svc.Search(e.ctx, e.nb.ID, queries[i%len(queries)], 10)
		return err
	})
}
