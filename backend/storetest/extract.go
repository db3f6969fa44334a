package storetest

import (
	"sync"
	"testing"
	"time"

	"sentry/backend/core"
)

func newRun(userID, input string) *core.Extraction {
	return &core.Extraction{UserID: userID, Source: core.SourceSentry, Kind: "note", Status: core.RunQueued, Engine: "rules",
		Input: input, Now: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC), Timezone: "Europe/Paris"}
}

// Runs round-trip, list newest first, finish with a time, keep their
// source text, and are claimed oldest first; runs left running requeue.
func testExtractionRuns(t *testing.T, s Stores) {
	u := mustUser(t, s, "runs@example.com")
	x := s.Extractions
	r1 := newRun(u.ID, "Send the report by Friday")
	if err := x.CreateExtraction(ctx, r1); err != nil {
		t.Fatal(err)
	}
	r2 := newRun(u.ID, "second")
	if err := x.CreateExtraction(ctx, r2); err != nil {
		t.Fatal(err)
	}
	err := x.CreateExtraction(ctx, newRun(ghostID, "x"))
	wantCode(t, "run of nobody", err, core.ENOTFOUND)
	got, err := x.FindExtractionByID(ctx, r1.ID)
	if err != nil || got.Input != r1.Input || got.Status != core.RunQueued || got.Timezone != "Europe/Paris" || !got.Now.Equal(r1.Now) ||
		got.Tasks == nil || len(got.Tasks) != 0 || got.FinishedAt != nil || !isMs(got.CreatedAt) {
		t.Fatalf("run: %+v %v", got, err)
	}
	list, err := x.FindExtractions(ctx, u.ID, 10)
	if err != nil || len(list) != 2 || list[0].ID != r2.ID {
		t.Fatalf("runs: %d %v", len(list), err)
	}
	ids, err := x.FindUnfinishedExtractions(ctx)
	if err != nil || len(ids) != 2 || ids[0] != r1.ID || ids[1] != r2.ID {
		t.Fatalf("unfinished runs, oldest first: %v %v", ids, err)
	}
	claimed, err := x.ClaimExtractionByID(ctx, r1.ID, time.Now().Add(-time.Hour))
	if err != nil || claimed.ID != r1.ID || claimed.Status != core.RunRunning || claimed.Attempts != 1 {
		t.Fatalf("claim: %+v %v", claimed, err)
	}
	// Held by a live worker: conflict, until it has been silent long enough.
	_, err = x.ClaimExtractionByID(ctx, r1.ID, time.Now().Add(-time.Hour))
	wantCode(t, "claim of a live run", err, core.ECONFLICT)
	_, err = x.ClaimExtractionByID(ctx, ghostID, time.Now())
	wantCode(t, "claim of an unknown run", err, core.ENOTFOUND)
	due := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	claimed.Status, claimed.Stage, claimed.Progress = core.RunDone, "done", 1
	claimed.Tasks = []core.ExtractedTask{{ID: "t1", Title: "Send the report", Due: &due, Type: "task", Confidence: 0.9, Status: core.ExtractedDraft,
		Evidence: core.Evidence{Sentence: "Send the report by Friday", Start: 0, End: 25, Page: 2, Region: &core.Region{X: 1, Y: 2, W: 3, H: 4}}}}
	if err := x.UpdateExtraction(ctx, claimed); err != nil || claimed.FinishedAt == nil {
		t.Fatal(err)
	}
	_, err = x.ClaimExtractionByID(ctx, r1.ID, core.MaxTime)
	wantCode(t, "claim of a finished run", err, core.ENOTFOUND)
	if ids, err := x.FindUnfinishedExtractions(ctx); err != nil || len(ids) != 1 || ids[0] != r2.ID {
		t.Fatalf("unfinished runs after one finished: %v %v", ids, err)
	}
	got, err = x.FindExtractionByID(ctx, r1.ID)
	if err != nil || got.Status != core.RunDone || got.FinishedAt == nil || !isMs(*got.FinishedAt) || len(got.Tasks) != 1 ||
		!got.Tasks[0].Due.Equal(due) || got.Tasks[0].Evidence.Region.W != 3 || got.Tasks[0].Evidence.Page != 2 {
		t.Fatalf("finished run: %+v %v", got, err)
	}
	if err := x.SaveExtractionSource(ctx, r1.ID, "Send the report by Friday\n"); err != nil {
		t.Fatal(err)
	}
	if text, err := x.FindExtractionSource(ctx, r1.ID); err != nil || text != "Send the report by Friday\n" {
		t.Fatalf("source: %q %v", text, err)
	}
	if text, err := x.FindExtractionSource(ctx, r2.ID); err != nil || text != "" {
		t.Fatalf("no source: %q %v", text, err)
	}
	err = x.SaveExtractionSource(ctx, ghostID, "x")
	wantCode(t, "source of nobody", err, core.ENOTFOUND)
	_, err = x.FindExtractionSource(ctx, ghostID)
	wantCode(t, "find source of nobody", err, core.ENOTFOUND)
	err = x.UpdateExtraction(ctx, &core.Extraction{ID: ghostID, UserID: u.ID, Status: core.RunFailed})
	wantCode(t, "update unknown run", err, core.ENOTFOUND)
	_, err = x.FindExtractionByID(ctx, ghostID)
	wantCode(t, "unknown run", err, core.ENOTFOUND)

	// A crash leaves r2 running: requeue puts it back.
	if c, err := x.ClaimExtractionByID(ctx, r2.ID, time.Now()); err != nil || c.ID != r2.ID {
		t.Fatal(err)
	}
	// A run touched since the cut-off is alive (another server's): kept.
	if err := x.TouchExtraction(ctx, r2.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := x.RequeueRunning(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("requeue of a live run: %d %v", n, err)
	}
	if n, err := x.RequeueRunning(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("requeue: %d %v", n, err)
	}
	if err := x.TouchExtraction(ctx, ghostID); err != nil {
		t.Fatalf("touch of an unknown run: %v", err)
	}
	if c, err := x.ClaimExtractionByID(ctx, r2.ID, time.Now().Add(-time.Hour)); err != nil || c.ID != r2.ID || c.Attempts != 2 {
		t.Fatalf("claim again: %+v %v", c, err)
	}
	// A worker that died: its run is claimed again once silent since the
	// cut-off, without a requeue.
	if c, err := x.ClaimExtractionByID(ctx, r2.ID, time.Now().Add(time.Hour)); err != nil || c.Attempts != 3 {
		t.Fatalf("take over a silent run: %+v %v", c, err)
	}
}

// Workers claiming the same runs together: each run goes to one of them,
// the others get conflict.
func testExtractionQueueShared(t *testing.T, s Stores) {
	u := mustUser(t, s, "queue@example.com")
	const runs = 12
	var ids []string
	for i := 0; i < runs; i++ {
		r := newRun(u.ID, "x")
		if err := s.Extractions.CreateExtraction(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range ids {
				e, err := s.Extractions.ClaimExtractionByID(ctx, id, time.Now().Add(-time.Hour))
				if core.ErrorCode(err) == core.ECONFLICT {
					continue
				} else if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[e.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != runs {
		t.Fatalf("%d runs claimed, want %d", len(seen), runs)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("run %s claimed %d times", id, n)
		}
	}
}
