package notebook_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sentry/backend/audio"
	"sentry/backend/blob"
	"sentry/backend/core"
	"sentry/backend/docparse"
	"sentry/backend/ingest"
	"sentry/backend/jobtest"
	"sentry/backend/notebook"
	"sentry/backend/sqlite"
	"sentry/backend/upload"
	"sentry/sync/hlc"
)

type env struct {
	db *sqlite.DB // nil on PostgreSQL
	// store is the store under test, SQLite (db) or PostgreSQL.
	store core.Stores
	svc   *notebook.Service
	ctx   context.Context
	nb    *core.Notebook
}

func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "sentry.db"), sqlite.Options{Clock: hlc.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := newEnvOn(t, db, dir)
	e.db = db
	return e
}

// newEnvOn is newEnv on any store; files go under dir.
func newEnvOn(t testing.TB, db core.Stores, dir string) *env {
	t.Helper()
	u := &core.User{Email: "nb@example.com", FirstName: "N", LastName: "B"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	detect := func(head []byte, name string) (string, string, bool) {
		k, m, ok := docparse.Detect(head, name)
		return string(k), m, ok
	}
	ups := upload.NewService(db, &blob.Store{Root: filepath.Join(dir, "files")}, detect, nil)
	svc := notebook.NewService(db, ups, db, nil)
	ctx := core.NewContextWithUser(context.Background(), u)
	nb, err := svc.Create(ctx, "Research", "")
	if err != nil {
		t.Fatal(err)
	}
	return &env{store: db, svc: svc, ctx: ctx, nb: nb}
}

func (e *env) add(t testing.TB, name, text string) *core.NotebookDocument {
	t.Helper()
	d, err := e.svc.Upload(e.ctx, e.nb.ID, upload.Put{Filename: name, Body: strings.NewReader(text)})
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return d
}

const solar = `# Solar panels

Photovoltaic panels convert sunlight into electricity. Their efficiency is usually between 15 and 22 percent.

## Maintenance

Panels should be cleaned twice a year. Dust can reduce output by up to 5 percent. Inverters typically last ten to fifteen years and need replacing before the panels do.
`

const bees = `Honey bees pollinate about one third of the crops we eat. A colony has one queen, thousands of workers and a few hundred drones.

The queen lays up to 2,000 eggs a day in spring. Worker bees live about six weeks in summer.`

func TestIndexAndAskWithCitations(t *testing.T) {
	e := newEnv(t)
	d1 := e.add(t, "solar.md", solar)
	e.add(t, "bees.txt", bees)
	if d1.Status != core.DocQueued {
		t.Fatalf("status %s", d1.Status)
	}
	// While documents are queued, chat reports progress instead of answering.
	a, err := e.svc.Ask(e.ctx, e.nb.ID, notebook.ChatRequest{Query: "How long do inverters last?"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Engine != "indexing" || a.Indexing == nil || !strings.Contains(a.Answer, "0 of 2") {
		t.Fatalf("while indexing: %+v", a)
	}
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	docs, err := e.svc.Documents(e.ctx, e.nb.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if d.Status != core.DocReady || d.Progress != 1 || d.ChunkCount == 0 || d.Model != "sentry-hash-v1" {
			t.Fatalf("document %+v", d)
		}
	}
	a, err = e.svc.Ask(e.ctx, e.nb.ID, notebook.ChatRequest{Query: "How long do inverters last?"})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Found || a.Engine != "extractive" || !strings.Contains(a.Answer, "panels do [1].") {
		t.Fatalf("answer %+v", a)
	}
	c := a.Citations[0]
	if c.N != 1 || c.DocumentID != d1.ID || c.Filename != "solar.md" || c.Page != 1 || !strings.Contains(c.Text, "Inverters") {
		t.Fatalf("citation %+v", c)
	}
	// Offsets point into the document's text.
	if c.Start < 0 || c.End <= c.Start || c.End-c.Start != len(c.Text) {
		t.Fatalf("offsets %d..%d for %d bytes", c.Start, c.End, len(c.Text))
	}
	a, err = e.svc.Ask(e.ctx, e.nb.ID, notebook.ChatRequest{Query: "What is the capital of Mongolia?"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Found || a.Answer != notebook.NotFound || len(a.Citations) != 0 {
		t.Fatalf("should abstain: %+v", a)
	}
	msgs, err := e.svc.Messages(e.ctx, e.nb.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 6 || msgs[0].Role != "user" || msgs[3].Role != "assistant" || len(msgs[3].Citations) == 0 {
		t.Fatalf("conversation: %d messages", len(msgs))
	}
}

func TestBadQueries(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{"", "   ", strings.Repeat("why ", 2000)} {
		_, err := e.svc.Ask(e.ctx, e.nb.ID, notebook.ChatRequest{Query: q})
		if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != "query" {
			t.Fatalf("query of %d bytes: %v", len(q), err)
		}
	}
	// FTS5 syntax in a question is just words.
	e.add(t, "bees.txt", bees)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`queen" OR NEAR(`, `* AND -`, `bees:"drones"`, `NOT`} {
		if _, err := e.svc.Ask(e.ctx, e.nb.ID, notebook.ChatRequest{Query: q}); err != nil {
			t.Fatalf("%q: %v", q, err)
		}
	}
}

func TestFailedDocumentDoesNotBlockTheRest(t *testing.T) {
	e := newEnv(t)
	bad := e.add(t, "broken.pdf", "%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage garbage")
	e.add(t, "bees.txt", bees)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.Document(e.ctx, e.nb.ID, bad.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != core.DocFailed || d.Error == "" {
		t.Fatalf("broken pdf: %+v", d)
	}
	a, err := e.svc.Ask(e.ctx, e.nb.ID, notebook.ChatRequest{Query: "How many eggs does the queen lay?"})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Found || !strings.Contains(a.Answer, "2,000 eggs") {
		t.Fatalf("answer %+v", a)
	}
}

func TestDeleteRemovesChunksAndVectors(t *testing.T) {
	e := newEnv(t)
	d := e.add(t, "bees.txt", bees)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := e.db.QueryRowForTest(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count(`SELECT count(*) FROM notebook_chunk_vecs`) == 0 || count(`SELECT count(*) FROM notebook_chunks_fts`) == 0 {
		t.Fatal("nothing indexed")
	}
	if err := e.svc.DeleteDocument(e.ctx, e.nb.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`SELECT count(*) FROM notebook_chunks`, `SELECT count(*) FROM notebook_chunk_vecs`, `SELECT count(*) FROM notebook_chunks_fts`} {
		if n := count(q); n != 0 {
			t.Fatalf("%s: %d left", q, n)
		}
	}
	if n := count(`SELECT count(*) FROM uploads WHERE deleted_at IS NULL`); n != 0 {
		t.Fatalf("%d live uploads", n)
	}
	e.add(t, "bees.txt", bees)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Delete(e.ctx, e.nb.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM notebook_chunk_vecs`); n != 0 {
		t.Fatalf("%d vectors left", n)
	}
	if _, err := e.svc.Get(e.ctx, e.nb.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("deleted notebook: %v", err)
	}
	if n := count(`SELECT count(*) FROM changes WHERE table_name IN ('notebooks','notebook_documents')`); n < 5 {
		t.Fatalf("change log has %d notebook entries", n)
	}
}

func TestOtherUsersNotebookIsNotFound(t *testing.T) {
	e := newEnv(t)
	other := &core.User{Email: "other@example.com", FirstName: "O", LastName: "U"}
	if err := e.db.CreateUser(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	octx := core.NewContextWithUser(context.Background(), other)
	if _, err := e.svc.Get(octx, e.nb.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("get: %v", err)
	}
	if _, err := e.svc.Ask(octx, e.nb.ID, notebook.ChatRequest{Query: "bees"}); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("ask: %v", err)
	}
	if err := e.svc.Delete(octx, e.nb.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("delete: %v", err)
	}
}

// A document left indexing by a crash is queued again at start and
// indexed by the workers; the workers stop with their context.
func TestRequeueOnRestart(t *testing.T) {
	e := newEnv(t)
	d := e.add(t, "bees.txt", bees)
	claimed, err := e.db.ClaimNotebookDocumentByID(e.ctx, d.ID, core.MaxTime)
	if err != nil || claimed.ID != d.ID || claimed.Status != core.DocIndexing {
		t.Fatalf("claim: %+v %v", claimed, err)
	}
	// "Crash": nobody finishes it. A restart re-queues and indexes it.
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	if err := e.svc.Start(ctx, 2); err != nil {
		t.Fatal(err)
	}
	jobtest.Wait(t, "re-queued document indexed", func() (bool, string) {
		got, err := e.svc.Document(e.ctx, e.nb.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == core.DocReady && got.Attempts != 2 {
			t.Fatalf("attempts %d", got.Attempts)
		}
		return got.Status == core.DocReady, jobtest.State(got.Status, got.Stage, got.Progress, got.Attempts)
	})
	cancel()
	e.svc.Wait()
}

// Chunks keep the model that embedded them; a query searches each model's
// vectors with that model, and a model that is not available now leaves
// its chunks to BM25 instead of failing.
func TestVectorsKeepTheirModel(t *testing.T) {
	e := newEnv(t)
	e.svc.Embedder = fakeEmbedder{}
	e.add(t, "bees.txt", bees)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	var model string
	var dim int
	if err := e.db.QueryRowForTest(`SELECT model, dim FROM notebook_chunks LIMIT 1`).Scan(&model, &dim); err != nil || model != "fake" || dim != 768 {
		t.Fatalf("chunk model %q dim %d err %v", model, dim, err)
	}
	res, err := e.svc.Search(e.ctx, e.nb.ID, "queen eggs", 3)
	if err != nil || len(res) == 0 || res[0].VectorRank == 0 {
		t.Fatalf("with the model: %+v %v", res, err)
	}
	e.svc.Embedder = notebook.HashEmbedder{} // the model went away
	res, err = e.svc.Search(e.ctx, e.nb.ID, "queen eggs", 3)
	if err != nil || len(res) == 0 || res[0].VectorRank != 0 || res[0].TextRank != 1 {
		t.Fatalf("without the model: %+v %v", res, err)
	}
}

type fakeEmbedder struct{}

func (fakeEmbedder) Model() string { return "fake" }
func (fakeEmbedder) Dim() int      { return 768 }
func (fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return notebook.HashEmbedder{}.Embed(ctx, texts)
}

// Changing the embedding model re-embeds only the documents that need it,
// in place, and they stay searchable.
func TestReembedOnModelChange(t *testing.T) {
	e := newEnv(t)
	e.add(t, "bees.txt", bees)
	e.add(t, "solar.md", solar)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.svc.Embedder = fakeEmbedder{}
	n, err := e.svc.Reembed(e.ctx)
	if err != nil || n != 2 {
		t.Fatalf("re-embedded %d: %v", n, err)
	}
	if n, err := e.svc.Reembed(e.ctx); err != nil || n != 0 {
		t.Fatalf("second pass re-embedded %d: %v", n, err)
	}
	var stale, vecs, chunks int
	_ = e.db.QueryRowForTest(`SELECT count(*) FROM notebook_chunks WHERE model <> 'fake'`).Scan(&stale)
	_ = e.db.QueryRowForTest(`SELECT count(*) FROM notebook_chunk_vecs`).Scan(&vecs)
	_ = e.db.QueryRowForTest(`SELECT count(*) FROM notebook_chunks`).Scan(&chunks)
	if stale != 0 || vecs != chunks {
		t.Fatalf("%d stale chunks, %d vectors for %d chunks", stale, vecs, chunks)
	}
	docs, _ := e.svc.Documents(e.ctx, e.nb.ID)
	for _, d := range docs {
		if d.Status != core.DocReady || d.Model != "fake" {
			t.Fatalf("%+v", d)
		}
	}
	res, err := e.svc.Search(e.ctx, e.nb.ID, "inverters", 3)
	if err != nil || len(res) == 0 || res[0].VectorRank == 0 || res[0].Filename != "solar.md" {
		t.Fatalf("%+v %v", res, err)
	}
}

// Every vector path finds what sqlite-vec's exact KNN finds on a small
// notebook: the in-memory slab exactly, the coarse path after its rerank.
func TestVectorPathsAgree(t *testing.T) {
	e := newEnv(t)
	e.add(t, "bees.txt", bees)
	e.add(t, "solar.md", solar)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	q, _ := notebook.HashEmbedder{}.Embed(e.ctx, []string{"how long do inverters last"})
	exact, err := e.db.SearchChunksVectorVia(e.ctx, sqlite.VectorSQLiteExact, e.nb.ID, "sentry-hash-v1", q[0], 3)
	if err != nil || len(exact) == 0 {
		t.Fatalf("exact: %v %v", exact, err)
	}
	for _, path := range []sqlite.VectorPath{sqlite.VectorSlab, sqlite.VectorCoarse, sqlite.VectorAuto} {
		got, err := e.db.SearchChunksVectorVia(e.ctx, path, e.nb.ID, "sentry-hash-v1", q[0], 3)
		if err != nil || len(got) != len(exact) {
			t.Fatalf("path %d: %v %v", path, got, err)
		}
		for i := range exact {
			if got[i].Num != exact[i].Num || math.Abs(got[i].Score-exact[i].Score) > 1e-5 || got[i].Filename != exact[i].Filename || got[i].Text != exact[i].Text {
				t.Fatalf("path %d rank %d: got %d (%f), exact %d (%f)", path, i, got[i].Num, got[i].Score, exact[i].Num, exact[i].Score)
			}
		}
	}
}

// A notebook above SlabMinChunks is searched from its in-memory slab; the
// slab follows every change to the notebook's chunks (new documents,
// deleted ones), also when another connection makes it.
func TestVectorSlabFollowsChanges(t *testing.T) {
	saved := sqlite.SlabMinChunks
	sqlite.SlabMinChunks = 0
	t.Cleanup(func() { sqlite.SlabMinChunks = saved })
	e := newEnv(t)
	e.db.DropVectorCache()
	bees := e.add(t, "bees.txt", bees)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	emb := notebook.HashEmbedder{}
	q, _ := emb.Embed(e.ctx, []string{"how long do inverters last"})
	search := func() []core.ChunkHit {
		t.Helper()
		hits, err := e.db.SearchChunksVector(e.ctx, e.nb.ID, emb.Model(), q[0], 2)
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}
	if hits := search(); len(hits) == 0 || hits[0].Filename != "bees.txt" {
		t.Fatalf("before: %+v", hits)
	}
	e.add(t, "solar.md", solar)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	if hits := search(); len(hits) == 0 || hits[0].Filename != "solar.md" {
		t.Fatalf("after adding solar.md the cached slab was not refreshed: %+v", hits)
	}
	if err := e.svc.DeleteDocument(e.ctx, e.nb.ID, bees.ID); err != nil {
		t.Fatal(err)
	}
	for _, h := range search() {
		if h.Filename == "bees.txt" {
			t.Fatalf("deleted document still found: %+v", h)
		}
	}
	// Another process's write (here a second handle on the same file) is
	// seen too: the version lives in the database.
	other, err := sqlite.Open(e.ctx, e.db.Path(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	d := &core.NotebookDocument{UserID: e.nb.UserID, NotebookID: e.nb.ID, Filename: "other.txt", Kind: "txt", Status: core.DocIndexing}
	if err := other.CreateNotebookDocument(e.ctx, d); err != nil {
		t.Fatal(err)
	}
	text := "Inverters last how long? Inverters last about twelve years."
	v, _ := emb.Embed(e.ctx, []string{text})
	if err := other.ReplaceChunks(e.ctx, d, []*core.Chunk{{Text: text, Page: 1, End: len(text), Model: emb.Model(), Dim: emb.Dim()}}, v); err != nil {
		t.Fatal(err)
	}
	if hits := search(); len(hits) == 0 || hits[0].Filename != "other.txt" {
		t.Fatalf("a chunk written by another connection is not searched: %+v", hits)
	}
}

// BM25 ranks at most about TextBudget matching passages: the commonest
// words of a question are left out first, and a question made only of
// very common words searches for passages holding all of them.
func TestTextQueryPrunesCommonWords(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 12; i++ {
		text := "The report covers the budget for the quarter."
		if i < 2 {
			text += " It also mentions the zeppelin hangar."
		}
		if i < 5 {
			text += " Travel costs rose."
		}
		e.add(t, "doc"+strconv.Itoa(i)+".txt", text)
	}
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.svc.TextBudget = 0
	if m, _ := e.svc.TextQuery(e.ctx, "report budget zeppelin"); m != `"report" OR "budget" OR "zeppelin"` {
		t.Fatalf("no budget: %s", m)
	}
	e.svc.TextBudget = 100
	if m, _ := e.svc.TextQuery(e.ctx, "report budget zeppelin"); m != `"report" OR "budget" OR "zeppelin"` {
		t.Fatalf("within budget: %s", m)
	}
	e.svc.TextBudget = 8
	if m, _ := e.svc.TextQuery(e.ctx, "report budget zeppelin travel"); m != `"zeppelin" OR "travel"` {
		t.Fatalf("over budget: %s", m)
	}
	if m, _ := e.svc.TextQuery(e.ctx, "report budget quarter travel"); m != `"travel"` {
		t.Fatalf("over budget: %s", m)
	}
	e.svc.TextBudget = 4
	// (counts stop at the budget, so above it the words tie: all three ANDed)
	if m, _ := e.svc.TextQuery(e.ctx, "report budget travel"); strings.Count(m, " AND ") != 2 {
		t.Fatalf("all common: %s", m)
	}
	res, err := e.svc.Search(e.ctx, e.nb.ID, "report budget zeppelin", 3)
	if err != nil || len(res) == 0 || res[0].TextRank != 1 || !strings.Contains(res[0].Text, "zeppelin") {
		t.Fatalf("%+v %v", res, err)
	}
}

// A recording's passages keep where they were said; the speech engine is
// absent here, so a transcriber stands in for it with a timed transcript.
func TestRecordingChunksKeepTimes(t *testing.T) {
	e := newEnv(t)
	e.svc.Reader = ingest.New(ingest.Engines{Audio: audio.Decoder{}, Speech: timedSpeech{}})
	wav, err := os.ReadFile("../audio/testdata/speech.wav")
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.Upload(e.ctx, e.nb.ID, upload.Put{Filename: "memo.wav", Body: bytes.NewReader(wav)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	chunks, err := e.db.FindChunks(e.ctx, d.ID)
	if err != nil || len(chunks) != 1 || chunks[0].AudioStart != 1.5 || chunks[0].AudioEnd != 7.5 {
		t.Fatalf("%+v %v", chunks, err)
	}
	a, err := e.svc.Ask(e.ctx, e.nb.ID, notebook.ChatRequest{Query: "Who will email the printers?"})
	if err != nil || len(a.Citations) == 0 || a.Citations[0].AudioEnd != 7.5 {
		t.Fatalf("%+v %v", a, err)
	}
}

// timedSpeech is a core.Transcriber that "hears" two utterances.
type timedSpeech struct{}

func (timedSpeech) Ready(context.Context) error { return nil }

func (timedSpeech) Transcribe(ctx context.Context, pcm *core.PCM, progress func(float64)) (*core.Transcript, error) {
	return &core.Transcript{Segments: []core.TranscriptSegment{
		{Text: "We agreed to move the launch", Start: 1.5, End: 3.25},
		{Text: "Priya will email the printers on Friday", Start: 4, End: 7.5},
	}}, nil
}

// A model chosen while the app runs applies at once: new documents and
// questions use it, and the documents embedded before get its vectors in
// the background, with progress; a model that cannot embed says so.
func TestUseEmbedderWhileRunning(t *testing.T) {
	e := newEnv(t)
	e.add(t, "bees.txt", bees)
	e.add(t, "solar.md", solar)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	if st := e.svc.ReembedProgress(); st.Model != "sentry-hash-v1" || st.State != "" {
		t.Fatalf("before a switch: %+v", st)
	}
	wait := func(want string) notebook.ReembedStatus {
		t.Helper()
		for range 500 {
			if st := e.svc.ReembedProgress(); st.State == want {
				return st
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("re-embedding never %s: %+v", want, e.svc.ReembedProgress())
		return notebook.ReembedStatus{}
	}
	e.svc.UseEmbedder(fakeEmbedder{})
	if st := wait("done"); st.Model != "fake" || st.Done != 2 || st.Total != 2 {
		t.Fatalf("after the switch: %+v", st)
	}
	var stale int
	_ = e.db.QueryRowForTest(`SELECT count(*) FROM notebook_chunks WHERE model <> 'fake'`).Scan(&stale)
	if stale != 0 {
		t.Fatalf("%d chunks keep the old model's vectors", stale)
	}
	// A document added now is embedded with the new model, and questions
	// search its vectors.
	e.add(t, "notes.txt", "The hive inspection is on Thursday morning.")
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	docs, _ := e.svc.Documents(e.ctx, e.nb.ID)
	for _, d := range docs {
		if d.Model != "fake" {
			t.Fatalf("%s is embedded with %q", d.Filename, d.Model)
		}
	}
	res, err := e.svc.Search(e.ctx, e.nb.ID, "inverters", 3)
	if err != nil || len(res) == 0 || res[0].VectorRank == 0 {
		t.Fatalf("%+v %v", res, err)
	}
	// A model that fails leaves the documents as they were and says so.
	e.svc.UseEmbedder(brokenEmbedder{})
	if st := wait("failed"); st.Model != "broken" || st.Done != 0 || st.Total != 3 || st.Error == "" {
		t.Fatalf("a failing model: %+v", st)
	}
	res, err = e.svc.Search(e.ctx, e.nb.ID, "inverters", 3)
	if err != nil || len(res) == 0 || res[0].VectorRank == 0 {
		t.Fatalf("the earlier model's vectors are no longer searched: %+v %v", res, err)
	}
	e.svc.Wait()
}

// A model whose vectors are wider than the index says so, and the
// documents keep their vectors.
func TestUseEmbedderOfAnotherWidth(t *testing.T) {
	e := newEnv(t)
	e.add(t, "bees.txt", bees)
	if err := e.svc.IndexNow(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.svc.UseEmbedder(wideEmbedder{})
	var st notebook.ReembedStatus
	for range 500 {
		if st = e.svc.ReembedProgress(); st.State == "failed" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st.State != "failed" || !strings.Contains(st.Error, "wide makes vectors of 1024 numbers, and notebooks take 768") || st.Done != 0 {
		t.Fatalf("%+v", st)
	}
	docs, _ := e.svc.Documents(e.ctx, e.nb.ID)
	if len(docs) != 1 || docs[0].Model != "sentry-hash-v1" || docs[0].Status != core.DocReady {
		t.Fatalf("%+v", docs[0])
	}
	e.svc.Wait()
}

// wideEmbedder claims the index's width but makes wider vectors, as a
// 1024-wide model behind the adapter does.
type wideEmbedder struct{}

func (wideEmbedder) Model() string { return "ollama:wide" }
func (wideEmbedder) Dim() int      { return 768 }
func (wideEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = make([]float32, 1024)
		out[i][0] = 1
	}
	return out, nil
}

type brokenEmbedder struct{}

func (brokenEmbedder) Model() string { return "broken" }
func (brokenEmbedder) Dim() int      { return 768 }
func (brokenEmbedder) Embed(context.Context, []string) ([][]float32, error) {
	return nil, errors.New("the model server is gone")
}
