package app_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/postgres/pgtest"
)

// The team server compacts its sync log as a periodic job — in this
// process on SQLite, through River on PostgreSQL: superseded entries go at
// once, a deleted row's entry once it is older than the retention, which
// raises the scope's horizon.
func TestSyncLogCompactionJob(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testSyncLogCompactionJob(t, "") })
	t.Run("postgres", func(t *testing.T) { testSyncLogCompactionJob(t, pgtest.SchemaURL(t)) })
}

func testSyncLogCompactionJob(t *testing.T, dbURL string) {
	ctx := context.Background()
	every := app.SyncCompactEvery
	app.SyncCompactEvery = 200 * time.Millisecond
	t.Cleanup(func() { app.SyncCompactEvery = every })
	var ahead atomic.Int64 // how far the server's clock is moved on
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = dbURL
	cfg.SyncRetentionDays = 30
	a, err := app.New(ctx, app.Options{Config: cfg, BcryptCost: 4, Now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ss, ok := a.Store.(core.SyncServerStore)
	if !ok || a.Sync == nil {
		t.Skip("this store does not serve sync")
	}
	u := &core.User{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", PasswordHash: "x"}
	if err := a.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := ss.BindSyncDevice(ctx, &core.SyncDevice{ID: "ada-laptop", UserID: u.ID, SchemaVersion: 1}); err != nil {
		t.Fatal(err)
	}
	newTask := func(title string) *core.Task {
		tk := &core.Task{UserID: u.ID, Title: title, Status: core.StatusTodo, Priority: core.PriorityMedium, TaskType: core.TaskTypeTask,
			Source: core.SourceSentry, Attendees: []string{}, Tags: []string{}}
		if err := a.Store.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
		return tk
	}
	kept, gone := newTask("Kept"), newTask("Gone")
	for _, title := range []string{"Kept 2", "Kept 3"} {
		if _, err := a.Store.UpdateTask(ctx, kept.ID, core.TaskUpdate{Title: &title}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Store.DeleteTask(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	entries := func(id string) int {
		cs, err := a.Store.FindChanges(ctx, core.ChangeFilter{UserID: u.ID, Table: "tasks", RowID: id, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the compaction job did not run: %s", what)
			}
		}
	}
	waitFor("superseded entries", func() bool { return entries(kept.ID) == 1 && entries(gone.ID) == 1 })
	if hs, err := ss.SyncHorizons(ctx, []string{u.ID}); err != nil || hs[u.ID] != 0 {
		t.Fatalf("horizon %v %v before the retention ran out", hs, err)
	}
	// 31 days on, the tombstone has outlived the 30 days of retention.
	ahead.Store(int64(31 * 24 * time.Hour))
	waitFor("the expired tombstone", func() bool { return entries(gone.ID) == 0 })
	if hs, err := ss.SyncHorizons(ctx, []string{u.ID}); err != nil || hs[u.ID] == 0 {
		t.Fatalf("horizon %v %v after the tombstone expired", hs, err)
	}
	if entries(kept.ID) != 1 {
		t.Fatal("the live row's entry went with the tombstone")
	}
}
