package extract_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/extract"
	"sentry/backend/jobtest"
	"sentry/backend/sqlite"
	"sentry/backend/task"
)

// engine is a controllable extractor: it can fail, block, or find a task.
type engine struct {
	fails   atomic.Int32 // internal failures to produce first
	block   chan struct{}
	calls   atomic.Int32
	started chan struct{}
	once    sync.Once
}

func (e *engine) Name() string { return "test" }

func (e *engine) Extract(ctx context.Context, text string, opt core.ExtractOptions) ([]core.ExtractedTask, error) {
	e.calls.Add(1)
	if e.started != nil {
		e.once.Do(func() { close(e.started) })
	}
	if e.block != nil {
		select {
		case <-e.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if e.fails.Load() > 0 {
		e.fails.Add(-1)
		return nil, errors.New("engine: temporarily unavailable")
	}
	i := strings.Index(text, "Send")
	if i < 0 {
		return nil, nil
	}
	return []core.ExtractedTask{{Title: "Send the report", Type: "task", Evidence: core.Evidence{Sentence: text[i:], Start: i, End: len(text)}}}, nil
}

func open(t *testing.T, path string) (*sqlite.DB, *core.User) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u, err := db.FindUserByEmail(context.Background(), "x@example.com")
	if err != nil {
		u = &core.User{Email: "x@example.com"}
		if err := db.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	return db, u
}

func wait(t *testing.T, db *sqlite.DB, id string, want string) *core.Extraction {
	t.Helper()
	var run *core.Extraction
	jobtest.Wait(t, "extraction "+want, func() (bool, string) {
		var err error
		if run, err = db.FindExtractionByID(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		return run.Status == want, jobtest.State(run.Status, run.Stage, run.Progress, run.Attempts, run.Error)
	})
	return run
}

func TestQueuedAndInterruptedRunsResumeAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, u := open(t, path)
	// A run queued and one left "running" by a crash, before any worker.
	queued := &core.Extraction{UserID: u.ID, Source: core.SourceExtractedText, Status: core.RunQueued, Engine: "test", Input: "Send the report.", Now: time.Now()}
	crashed := &core.Extraction{UserID: u.ID, Source: core.SourceExtractedText, Status: core.RunRunning, Engine: "test", Input: "Send the report.", Now: time.Now(), Review: true}
	for _, r := range []*core.Extraction{queued, crashed} {
		if err := db.CreateExtraction(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	db2, _ := open(t, path) // the restart
	svc := extract.NewService(db2, task.NewService(db2, nil, nil), []core.TaskExtractor{&engine{}}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); svc.Wait() }()
	if err := svc.Start(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{queued.ID, crashed.ID} {
		run := wait(t, db2, id, core.RunDone)
		// Both find the task; whichever ran second sees the first's copy.
		if len(run.Tasks) != 1 || run.Input != "" || run.Tasks[0].Status == "" {
			t.Fatalf("resumed run %+v", run)
		}
	}
}

func TestTransientFailuresAreRetried(t *testing.T) {
	db, u := open(t, filepath.Join(t.TempDir(), "s.db"))
	eng := &engine{}
	eng.fails.Store(2)
	svc := extract.NewService(db, task.NewService(db, nil, nil), []core.TaskExtractor{eng}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); svc.Wait() }()
	svc.Start(ctx, 1)
	run := &core.Extraction{UserID: u.ID, Source: core.SourceExtractedText, Input: "Send the report.", Now: time.Now()}
	if err := svc.Enqueue(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	done := wait(t, db, run.ID, core.RunDone)
	if done.Attempts != 3 || eng.calls.Load() != 3 {
		t.Fatalf("attempts %d, calls %d", done.Attempts, eng.calls.Load())
	}

	// Failing every attempt ends in failed, with a user-safe message.
	eng.fails.Store(10)
	run2 := &core.Extraction{UserID: u.ID, Source: core.SourceExtractedText, Input: "Send it.", Now: time.Now()}
	svc.Enqueue(context.Background(), run2)
	failed := wait(t, db, run2.ID, core.RunFailed)
	if failed.Attempts != extract.MaxAttempts || strings.Contains(failed.Error, "engine:") {
		t.Fatalf("failed run %+v", failed)
	}
}

func TestCancelStopsARunningRun(t *testing.T) {
	db, u := open(t, filepath.Join(t.TempDir(), "s.db"))
	eng := &engine{block: make(chan struct{}), started: make(chan struct{})}
	svc := extract.NewService(db, task.NewService(db, nil, nil), []core.TaskExtractor{eng}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); svc.Wait() }()
	svc.Start(ctx, 1)
	run := &core.Extraction{UserID: u.ID, Source: core.SourceExtractedText, Input: "Send the report.", Now: time.Now()}
	svc.Enqueue(context.Background(), run)
	<-eng.started
	userCtx := core.NewContextWithUser(context.Background(), u)
	if _, err := svc.Cancel(core.NewContextWithUser(context.Background(), &core.User{ID: "someone-else"}), run.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("another user cancelled: %v", err)
	}
	if _, err := svc.Cancel(userCtx, run.ID); err != nil {
		t.Fatal(err)
	}
	got := wait(t, db, run.ID, core.RunCancelled)
	if len(got.Tasks) != 0 {
		t.Fatal("a cancelled run created tasks")
	}
	list, _, _ := db.FindTasks(context.Background(), core.TaskFilter{UserID: u.ID})
	if len(list) != 0 {
		t.Fatal("tasks were created")
	}
}

func TestShutdownRequeuesInsteadOfCancelling(t *testing.T) {
	db, u := open(t, filepath.Join(t.TempDir(), "s.db"))
	eng := &engine{block: make(chan struct{}), started: make(chan struct{})}
	svc := extract.NewService(db, task.NewService(db, nil, nil), []core.TaskExtractor{eng}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	svc.Start(ctx, 1)
	run := &core.Extraction{UserID: u.ID, Source: core.SourceExtractedText, Input: "Send the report.", Now: time.Now()}
	svc.Enqueue(context.Background(), run)
	<-eng.started
	cancel() // the app is closing
	svc.Wait()
	got, _ := db.FindExtractionByID(context.Background(), run.ID)
	if got.Status != core.RunQueued || got.Input == "" {
		t.Fatalf("after shutdown: %s (input kept: %v)", got.Status, got.Input != "")
	}
}

func TestEvidenceGetsPageAudioAndRegion(t *testing.T) {
	db, u := open(t, filepath.Join(t.TempDir(), "s.db"))
	text := "Intro line.\nSend the report."
	start := strings.Index(text, "Send")
	load := func(ctx context.Context, run *core.Extraction, progress func(string, float64)) (*core.Source, error) {
		progress("reading", 0.5)
		return &core.Source{Text: text,
			Pages: []core.Span{{Start: 0, End: start, Page: 1}, {Start: start, End: len(text), Page: 2}},
			Audio: []core.Span{{Start: start, End: start + 4, AudioStart: 12.5, AudioEnd: 13}, {Start: start + 5, End: len(text), AudioStart: 13, AudioEnd: 14.25}},
			Regions: []core.Span{{Start: start, End: start + 4, Region: &core.Region{X: 10, Y: 20, W: 30, H: 10}},
				{Start: start + 5, End: len(text), Region: &core.Region{X: 45, Y: 18, W: 60, H: 14}}},
		}, nil
	}
	svc := extract.NewService(db, task.NewService(db, nil, nil), []core.TaskExtractor{&engine{}}, load, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); svc.Wait() }()
	svc.Start(ctx, 1)
	run := &core.Extraction{UserID: u.ID, UploadID: "upload-1", Source: core.SourceExtractedAudio, Now: time.Now(), Review: true}
	svc.Enqueue(context.Background(), run)
	got := wait(t, db, run.ID, core.RunDone)
	ev := got.Tasks[0].Evidence
	if ev.Page != 2 || ev.AudioStart == nil || *ev.AudioStart != 12.5 || *ev.AudioEnd != 14.25 || ev.UploadID != "upload-1" {
		t.Fatalf("evidence %+v", ev)
	}
	if r := ev.Region; r == nil || r.X != 10 || r.Y != 18 || r.W != 95 || r.H != 14 {
		t.Fatalf("region %+v", ev.Region)
	}
}
