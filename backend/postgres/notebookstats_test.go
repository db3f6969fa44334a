package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"sentry/backend/core"
	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/sync/hlc"
)

// BM25's corpus figures are cached per notebook under its index version:
// after another server adds passages, a search on this one scores exactly
// as a server with nothing cached does.
func TestChunkTextStatsFollowTheIndexVersion(t *testing.T) {
	ctx := context.Background()
	url, schema := pgtest.Schema(t)
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, MaxConns: 2, Clock: hlc.New(nil)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	u := &core.User{Email: "stats@example.com"}
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	nb := &core.Notebook{UserID: u.ID, Name: "Stats"}
	if err := a.CreateNotebook(ctx, nb); err != nil {
		t.Fatal(err)
	}
	add := func(db *postgres.DB, texts ...string) {
		d := &core.NotebookDocument{UserID: u.ID, NotebookID: nb.ID, Filename: "d.txt", Kind: "txt", Status: core.DocIndexing}
		if err := db.CreateNotebookDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		chunks := make([]*core.Chunk, len(texts))
		vecs := make([][]float32, len(texts))
		for i, tx := range texts {
			chunks[i] = &core.Chunk{Ord: i, Text: tx, Page: 1, End: len(tx), Model: "m", Dim: postgres.VectorDim}
			vecs[i] = make([]float32, postgres.VectorDim)
			vecs[i][i%postgres.VectorDim] = 1
		}
		if err := db.ReplaceChunks(ctx, d, chunks, vecs); err != nil {
			t.Fatal(err)
		}
	}
	scores := func(db *postgres.DB) string {
		hits, err := db.SearchChunksText(ctx, nb.ID, `"alpha" OR "gamma"`, 10)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(len(hits), " ", func() []float64 {
			var s []float64
			for _, h := range hits {
				s = append(s, h.Score)
			}
			return s
		}())
	}
	add(a, "alpha beta", "beta gamma delta", "alpha alpha epsilon")
	before := scores(a)
	// Another server adds passages: fewer of them hold "alpha" in
	// proportion, so alpha's weight moves.
	add(b, "zeta eta", "theta iota", "kappa alpha", "lambda mu nu")
	after := scores(a)
	fresh := scores(open())
	if after != fresh {
		t.Fatalf("after another server's write: %s, a server with nothing cached: %s", after, fresh)
	}
	if after == before {
		t.Fatalf("scores did not move with the corpus: %s", after)
	}
}
