package storetest

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"sentry/backend/core"
)

const vecDim = 768

// axis is a unit vector along dimension i (and a little along j).
func axis(i, j int) []float32 {
	v := make([]float32, vecDim)
	v[i] = 1
	v[j] += 0.25
	return v
}

func mustNotebook(t *testing.T, s Stores, userID, name string) *core.Notebook {
	t.Helper()
	n := &core.Notebook{UserID: userID, Name: name}
	if err := s.Notebooks.CreateNotebook(ctx, n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustDocument(t *testing.T, s Stores, n *core.Notebook, filename string) *core.NotebookDocument {
	t.Helper()
	d := &core.NotebookDocument{UserID: n.UserID, NotebookID: n.ID, UploadID: "up-" + filename, Filename: filename, Kind: "text"}
	if err := s.Notebooks.CreateNotebookDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	return d
}

// Notebooks, documents and messages: names unique per user ignoring ASCII
// case, documents in order, deletes that take chunks and messages along.
func testNotebooks(t *testing.T, s Stores) {
	u := mustUser(t, s, "nb@example.com")
	other := mustUser(t, s, "nb2@example.com")
	nb := s.Notebooks
	n := mustNotebook(t, s, u.ID, "Plans")
	err := nb.CreateNotebook(ctx, &core.Notebook{UserID: u.ID, Name: "PLANS"})
	wantCode(t, "same name, other case", err, core.ECONFLICT)
	if core.ErrorField(err) != "name" {
		t.Fatalf("conflict field %q", core.ErrorField(err))
	}
	mustNotebook(t, s, u.ID, "Pläns")     // not ASCII case: another name
	mustNotebook(t, s, other.ID, "plans") // another user
	err = nb.CreateNotebook(ctx, &core.Notebook{UserID: ghostID, Name: "x"})
	wantCode(t, "notebook of nobody", err, core.ENOTFOUND)
	list, err := nb.FindNotebooks(ctx, u.ID)
	if err != nil || len(list) != 2 || list[1].ID != n.ID || !isMs(list[1].CreatedAt) || list[1].Version != 1 {
		t.Fatalf("notebooks: %d %v", len(list), err)
	}
	d1 := mustDocument(t, s, n, "a.txt")
	d2 := mustDocument(t, s, n, "b.txt")
	docs, err := nb.FindNotebookDocuments(ctx, n.ID)
	if err != nil || len(docs) != 2 || docs[0].ID != d1.ID || docs[0].Status != core.DocQueued || docs[0].IndexedAt != nil {
		t.Fatalf("documents: %d %v", len(docs), err)
	}
	d1.Status, d1.Stage, d1.Progress, d1.PageCount = core.DocFailed, "failed", 0.5, 3
	d1.Error = "Could not read it."
	if err := nb.UpdateNotebookDocument(ctx, d1); err != nil {
		t.Fatal(err)
	}
	got, err := nb.FindNotebookDocumentByID(ctx, d1.ID)
	if err != nil || got.Status != core.DocFailed || got.Error != "Could not read it." || got.Progress != 0.5 || got.PageCount != 3 || got.Version != 2 {
		t.Fatalf("updated document: %+v %v", got, err)
	}
	err = nb.UpdateNotebookDocument(ctx, &core.NotebookDocument{ID: ghostID, UserID: u.ID, Status: core.DocReady})
	wantCode(t, "update unknown document", err, core.ENOTFOUND)
	if err := nb.ReplaceChunks(ctx, d2, []*core.Chunk{{Ord: 0, Text: "hello", Start: 0, End: 5, Model: "m", Dim: vecDim}}, [][]float32{axis(0, 1)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := nb.CreateNotebookMessage(ctx, &core.NotebookMessage{UserID: u.ID, NotebookID: n.ID, Role: "user", Content: fmt.Sprint("q", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := nb.CreateNotebookMessage(ctx, &core.NotebookMessage{UserID: u.ID, NotebookID: n.ID, Role: "assistant", Content: "a",
		Citations: []core.Citation{{N: 1, DocumentID: d2.ID, Filename: "b.txt", Text: "hello", Page: 1, End: 5, Score: 0.5}}}); err != nil {
		t.Fatal(err)
	}
	msgs, err := nb.FindNotebookMessages(ctx, n.ID, 2)
	if err != nil || len(msgs) != 2 || msgs[0].Content != "q2" || msgs[1].Role != "assistant" || len(msgs[1].Citations) != 1 ||
		msgs[1].Citations[0].Score != 0.5 || msgs[0].Citations == nil || !isMs(msgs[0].CreatedAt) {
		t.Fatalf("messages: %+v %v", msgs, err)
	}
	uploads, err := nb.DeleteNotebook(ctx, n.ID)
	sort.Strings(uploads)
	if err != nil || fmt.Sprint(uploads) != "[up-a.txt up-b.txt]" {
		t.Fatalf("delete notebook: %v %v", uploads, err)
	}
	_, err = nb.FindNotebookByID(ctx, n.ID)
	wantCode(t, "deleted notebook", err, core.ENOTFOUND)
	_, err = nb.FindNotebookDocumentByID(ctx, d2.ID)
	wantCode(t, "document of a deleted notebook", err, core.ENOTFOUND)
	if cs, err := nb.FindChunks(ctx, d2.ID); err != nil || len(cs) != 0 {
		t.Fatalf("chunks of a deleted notebook: %d %v", len(cs), err)
	}
	if msgs, err := nb.FindNotebookMessages(ctx, n.ID, 10); err != nil || len(msgs) != 0 {
		t.Fatalf("messages of a deleted notebook: %d %v", len(msgs), err)
	}
	_, err = nb.DeleteNotebook(ctx, n.ID)
	wantCode(t, "deleted twice", err, core.ENOTFOUND)
	mustNotebook(t, s, u.ID, "plans") // the name is free again
}

// Text and vector search find the same passages on every store: stems
// match (running finds run), phrases and AND/OR work, a deleted
// document's passages are gone, vectors rank by cosine, re-embedding
// moves passages to their new model.
func testNotebookSearch(t *testing.T, s Stores) {
	u := mustUser(t, s, "search@example.com")
	nb := s.Notebooks
	n := mustNotebook(t, s, u.ID, "Research")
	d := mustDocument(t, s, n, "paper.txt")
	texts := []string{
		"The dogs were running across the field in the morning.",
		"Quarterly budget review: the finance team approved the budget.",
		"Café owners reported that patients prefer herbal tea.",
		"An unrelated passage about mountains and rivers.",
	}
	chunks := make([]*core.Chunk, len(texts))
	vecs := make([][]float32, len(texts))
	for i, tx := range texts {
		chunks[i] = &core.Chunk{Ord: i, Text: tx, Heading: "Section", Page: i + 1, PageEnd: i + 1, Start: i * 100, End: i*100 + len(tx), Tokens: 10, Model: "m1", Dim: vecDim}
		vecs[i] = axis(i, i+1)
	}
	chunks[1].AudioStart, chunks[1].AudioEnd = 1.5, 4.25
	if err := nb.ReplaceChunks(ctx, d, chunks, vecs); err != nil {
		t.Fatal(err)
	}
	if d.Status != core.DocReady || d.ChunkCount != 4 || d.IndexedAt == nil {
		t.Fatalf("document after indexing: %+v", d)
	}
	other := mustDocument(t, s, n, "other.txt")
	if err := nb.ReplaceChunks(ctx, other, []*core.Chunk{{Ord: 0, Text: "Budget notes that are going away.", Start: 0, End: 33, Model: "m1", Dim: vecDim}},
		[][]float32{axis(1, 2)}); err != nil {
		t.Fatal(err)
	}
	if err := nb.DeleteNotebookDocument(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	search := func(match string) []string {
		t.Helper()
		hits, err := nb.SearchChunksText(ctx, n.ID, match, 10)
		if err != nil {
			t.Fatal(match, err)
		}
		var out []string
		for _, h := range hits {
			if h.Filename != "paper.txt" || h.NotebookID != n.ID || h.Num == 0 {
				t.Fatalf("%s: hit %+v", match, h)
			}
			out = append(out, fmt.Sprint(h.Ord))
		}
		return out
	}
	for match, want := range map[string]string{
		`"run"`:                  "[0]",
		`"running" OR "budgets"`: "[1 0]", // two budget hits outrank one
		`"budget" AND "finance"`: "[1]",
		`"budget" AND "dogs"`:    "[]",
		`"cafe"`:                 "[2]",
		`"patient"`:              "[2]",
		`"budget review"`:        "[1]",
		`"review budget"`:        "[]",
		`"section"`:              "[0 1 2 3]", // the heading is indexed with each passage
		`"going"`:                "[]",        // only in the deleted document
		`"zebra" OR "mountains"`: "[3]",
		`"" OR "!!"`:             "[]",
	} {
		got := fmt.Sprint(search(match))
		if want == "[0 1 2 3]" {
			hits := search(match)
			sort.Strings(hits)
			got = fmt.Sprint(hits)
		}
		if got != want {
			t.Errorf("search %s: got %s, want %s", match, got, want)
		}
	}
	if n, err := nb.CountChunkTextMatches(ctx, `"budget"`, 100); err != nil || n != 1 {
		t.Fatalf("count: %d %v", n, err)
	}
	if n, err := nb.CountChunkTextMatches(ctx, `"section"`, 2); err != nil || n != 2 {
		t.Fatalf("count stops at the limit: %d %v", n, err)
	}
	hits, err := nb.SearchChunksVector(ctx, n.ID, "m1", axis(2, 3), 2)
	if err != nil || len(hits) != 2 || hits[0].Ord != 2 || hits[0].Score > 1e-6 || hits[1].Ord != 1 && hits[1].Ord != 3 ||
		hits[0].Page != 3 || hits[0].Heading != "Section" || hits[0].Model != "m1" {
		t.Fatalf("vector search: %+v %v", hits, err)
	}
	if hits, err := nb.SearchChunksVector(ctx, n.ID, "other-model", axis(2, 3), 2); err != nil || len(hits) != 0 {
		t.Fatalf("another model: %v %v", hits, err)
	}
	if models, err := nb.NotebookModels(ctx, n.ID); err != nil || fmt.Sprint(models) != "[m1]" {
		t.Fatalf("models: %v %v", models, err)
	}
	stored, err := nb.FindChunks(ctx, d.ID)
	if err != nil || len(stored) != 4 || stored[1].AudioEnd != 4.25 || stored[3].Text != texts[3] || stored[0].Num != chunks[0].Num {
		t.Fatalf("chunks: %v", err)
	}
	todo, err := nb.FindDocumentsToReembed(ctx, "m2", 10)
	if err != nil || len(todo) != 1 || todo[0].ID != d.ID {
		t.Fatalf("to re-embed: %d %v", len(todo), err)
	}
	// Re-embed with m2; the vectors turn around, so the order does too.
	re := make([][]float32, 4)
	for i := range re {
		re[i] = axis(3-i, (4-i)%vecDim)
	}
	if err := nb.ReplaceVectors(ctx, d.ID, "m2", vecDim, stored, re); err != nil {
		t.Fatal(err)
	}
	if models, _ := nb.NotebookModels(ctx, n.ID); fmt.Sprint(models) != "[m2]" {
		t.Fatalf("models after re-embedding: %v", models)
	}
	hits, err = nb.SearchChunksVector(ctx, n.ID, "m2", axis(3, 4), 1)
	if err != nil || len(hits) != 1 || hits[0].Ord != 0 {
		t.Fatalf("vector search after re-embedding: %+v %v", hits, err)
	}
	if todo, _ := nb.FindDocumentsToReembed(ctx, "m2", 10); len(todo) != 0 {
		t.Fatalf("still to re-embed: %d", len(todo))
	}
	err = nb.ReplaceChunks(ctx, &core.NotebookDocument{ID: ghostID}, nil, nil)
	wantCode(t, "chunks of an unknown document", err, core.ENOTFOUND)
	if err := nb.ReplaceChunks(ctx, d, chunks[:1], [][]float32{{1, 2}}); err == nil {
		t.Fatal("a vector of the wrong width was stored")
	}
}

// The indexing queue: oldest first, each document to one of several
// workers claiming it together, and requeued after a crash.
func testNotebookQueue(t *testing.T, s Stores) {
	u := mustUser(t, s, "queue-nb@example.com")
	n := mustNotebook(t, s, u.ID, "Queue")
	const docs = 8
	var ids []string
	for i := 0; i < docs; i++ {
		ids = append(ids, mustDocument(t, s, n, fmt.Sprint(i, ".txt")).ID)
	}
	if got, err := s.Notebooks.FindUnfinishedNotebookDocuments(ctx); err != nil || fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("unfinished documents, oldest first: %v %v", got, err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range ids {
				d, err := s.Notebooks.ClaimNotebookDocumentByID(ctx, id, time.Now().Add(-time.Hour))
				if core.ErrorCode(err) == core.ECONFLICT {
					continue
				} else if err != nil {
					t.Error(err)
					return
				}
				if d.Status != core.DocIndexing || d.Attempts != 1 {
					t.Errorf("claimed %+v", d)
				}
				mu.Lock()
				seen[d.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != docs {
		t.Fatalf("%d documents claimed, want %d", len(seen), docs)
	}
	if n, err := s.Notebooks.RequeueIndexing(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("requeue of live documents: %d %v", n, err)
	}
	if n, err := s.Notebooks.RequeueIndexing(ctx, core.MaxTime); err != nil || n != docs {
		t.Fatalf("requeue: %d %v", n, err)
	}
	d, err := s.Notebooks.ClaimNotebookDocumentByID(ctx, ids[0], time.Now())
	if err != nil || d.Filename != "0.txt" || d.Attempts != 2 {
		t.Fatalf("claim again: %+v %v", d, err)
	}
	_, err = s.Notebooks.ClaimNotebookDocumentByID(ctx, ids[0], time.Now().Add(-time.Hour))
	wantCode(t, "claim of a live document", err, core.ECONFLICT)
	if err := s.Notebooks.DeleteNotebookDocument(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	_, err = s.Notebooks.ClaimNotebookDocumentByID(ctx, ids[1], core.MaxTime)
	wantCode(t, "claim of a deleted document", err, core.ENOTFOUND)
}

// Keys no store can hold (NUL, bad UTF-8) name nothing: every lookup by
// one answers what a lookup of an unknown key answers.
func testHostileKeys(t *testing.T, s Stores) {
	u := mustUser(t, s, "keys@example.com")
	for _, h := range hostile {
		k := h.s
		_, err := s.Notebooks.FindNotebookByID(ctx, k)
		wantCode(t, h.name+": notebook", err, core.ENOTFOUND)
		_, err = s.Notebooks.FindNotebookDocumentByID(ctx, k)
		wantCode(t, h.name+": document", err, core.ENOTFOUND)
		_, err = s.Notebooks.DeleteNotebook(ctx, k)
		wantCode(t, h.name+": delete notebook", err, core.ENOTFOUND)
		if docs, err := s.Notebooks.FindNotebookDocuments(ctx, k); err != nil || len(docs) != 0 {
			t.Fatalf("%s: documents %v %v", h.name, docs, err)
		}
		if hits, err := s.Notebooks.SearchChunksText(ctx, k, `"x"`, 5); err != nil || len(hits) != 0 {
			t.Fatalf("%s: text search %v", h.name, err)
		}
		_, err = s.Uploads.FindUploadByID(ctx, k)
		wantCode(t, h.name+": upload", err, core.ENOTFOUND)
		_, err = s.Uploads.FindUploadSession(ctx, k)
		wantCode(t, h.name+": session", err, core.ENOTFOUND)
		_, err = s.Uploads.FindUploadBySHA(ctx, u.ID, k)
		wantCode(t, h.name+": sha", err, core.ENOTFOUND)
		err = s.Uploads.DeleteUpload(ctx, k)
		wantCode(t, h.name+": delete upload", err, core.ENOTFOUND)
		_, err = s.Extractions.FindExtractionByID(ctx, k)
		wantCode(t, h.name+": extraction", err, core.ENOTFOUND)
		if runs, err := s.Extractions.FindExtractions(ctx, k, 5); err != nil || len(runs) != 0 {
			t.Fatalf("%s: extractions %v", h.name, err)
		}
		_, err = s.Workloads.FindRecommendationByID(ctx, k)
		wantCode(t, h.name+": recommendation", err, core.ENOTFOUND)
		_, err = s.Workloads.FindProfile(ctx, k)
		wantCode(t, h.name+": profile", err, core.ENOTFOUND)
		_, err = s.Integrations.FindIntegration(ctx, u.ID, k)
		wantCode(t, h.name+": integration", err, core.ENOTFOUND)
		_, err = s.Integrations.TakeIntegrationFlow(ctx, k)
		wantCode(t, h.name+": flow", err, core.ENOTFOUND)
	}
}
