package notebook_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/notebook"
	"sentry/backend/sqlite"
	"sentry/backend/upload"
)

// synthetic makes Zipf-distributed text over a fixed made-up vocabulary.
func synthetic(r *rand.Rand, z *rand.Zipf, vocab []string, words int) string {
	var b strings.Builder
	for i := 0; i < words; i++ {
		b.WriteString(vocab[z.Uint64()])
		if i%15 == 14 {
			b.WriteString(". ")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func vocabulary(n int) []string {
	v := make([]string, n)
	for i := range v {
		v[i] = "w" + strconv.FormatInt(int64(i)*7919%1000003, 36)
	}
	return v
}

// BenchmarkIngest: one op uploads and indexes 100 abstract-sized documents
// with the built-in embedder (the PubMedQA evaluation does 1,000 real ones).
func BenchmarkIngest(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, 1.1, 1, 19999)
	vocab := vocabulary(20000)
	texts := make([]string, 100)
	for i := range texts {
		texts[i] = synthetic(r, z, vocab, 250)
	}
	e := newEnv(b)
	b.ResetTimer()
	for b.Loop() {
		for i, t := range texts {
			if _, err := e.svc.Upload(e.ctx, e.nb.ID, upload.Put{Filename: fmt.Sprintf("d%d.txt", i), Body: strings.NewReader(t)}); err != nil {
				b.Fatal(err)
			}
		}
		if err := e.svc.IndexNow(e.ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/100, "ms/doc")
}

// BenchmarkHybridSearch: BM25 (pruned to the text budget), vector search
// along each path, and the whole hybrid search over a notebook of
// SENTRY_BENCH_CHUNKS chunks (default 10,000) of 768-d vectors of
// synthetic Zipf text. It logs each approximate path's recall@10 against
// exact search and the heap the in-memory slab takes.
func BenchmarkHybridSearch(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("SENTRY_BENCH_CHUNKS")); err == nil && v > 0 {
		n = v
	}
	r := rand.New(rand.NewPCG(3, 4))
	z := rand.NewZipf(r, 1.1, 1, 19999)
	vocab := vocabulary(20000)
	e := newEnv(b)
	ctx := context.Background()
	emb := notebook.HashEmbedder{}
	for done := 0; done < n; {
		d := &core.NotebookDocument{UserID: e.nb.UserID, NotebookID: e.nb.ID, Filename: "synthetic.txt", Kind: "txt", Status: core.DocIndexing}
		if err := e.db.CreateNotebookDocument(ctx, d); err != nil {
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
		if err := e.db.ReplaceChunks(ctx, d, chunks, vecs); err != nil {
			b.Fatal(err)
		}
		done += k
	}
	queries := make([]string, 200)
	for i := range queries {
		queries[i] = synthetic(r, z, vocab, 8)
	}
	qvecs, _ := emb.Embed(ctx, queries)
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
	// Recall@10 of each path against sqlite-vec's exact KNN.
	recall := func(path sqlite.VectorPath) float64 {
		found, total := 0, 0
		for _, v := range qvecs[:50] {
			ex, err := e.db.SearchChunksVectorVia(ctx, sqlite.VectorSQLiteExact, e.nb.ID, emb.Model(), v, 10)
			if err != nil {
				b.Fatal(err)
			}
			got, err := e.db.SearchChunksVectorVia(ctx, path, e.nb.ID, emb.Model(), v, 10)
			if err != nil {
				b.Fatal(err)
			}
			want := map[int64]bool{}
			for _, h := range ex {
				want[h.Num] = true
			}
			for _, h := range got {
				if want[h.Num] {
					found++
				}
			}
			total += len(ex)
		}
		return float64(found) / float64(total)
	}
	savedMin := sqlite.SlabMinChunks
	defer func() { sqlite.SlabMinChunks = savedMin; e.db.DropVectorCache() }()
	sqlite.SlabMinChunks = 0 // cache a slab whatever the size, to measure it
	e.db.DropVectorCache()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := e.db.SearchChunksVector(ctx, e.nb.ID, emb.Model(), qvecs[0], 10); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.Logf("%d chunks: slab heap %.0f MB; recall@10 vs exact: slab %.3f, SimHash coarse ×%d %.3f",
		n, float64(int64(after.HeapInuse)-int64(before.HeapInuse))/(1<<20), recall(sqlite.VectorSlab), sqlite.CoarseFactor, recall(sqlite.VectorCoarse))
	for _, p := range []struct {
		name string
		path sqlite.VectorPath
	}{{"vector-sqlite-exact", sqlite.VectorSQLiteExact}, {"vector-slab", sqlite.VectorSlab}, {"vector-coarse", sqlite.VectorCoarse}} {
		run(p.name, func(i int) error {
			_, err := e.db.SearchChunksVectorVia(ctx, p.path, e.nb.ID, emb.Model(), qvecs[i%len(qvecs)], 50)
			return err
		})
	}
	sqlite.SlabMinChunks = savedMin
	e.db.DropVectorCache()
	run("bm25-all-terms", func(i int) error {
		_, err := e.db.SearchChunksText(ctx, e.nb.ID, notebook.FTSQuery(queries[i%len(queries)]), 50)
		return err
	})
	run("bm25-pruned", func(i int) error {
		m, err := e.svc.TextQuery(ctx, queries[i%len(queries)])
		if err != nil {
			return err
		}
		_, err = e.db.SearchChunksText(ctx, e.nb.ID, m, 50)
		return err
	})
	run("hybrid", func(i int) error {
		_, err := e.svc.Search(e.ctx, e.nb.ID, queries[i%len(queries)], 10)
		return err
	})
	runtime.ReadMemStats(&after)
	b.Logf("heap in use after the hybrid runs: %d MB", after.HeapInuse>>20)
}
