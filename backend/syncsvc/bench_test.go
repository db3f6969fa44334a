package syncsvc_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/sqlite"
	"sentry/backend/syncsvc"
	"sentry/sync/hlc"
	"sentry/sync/wire"
)

// BenchmarkPushAllConflicting is the server's apply rate when every change
// conflicts: batches of 100 title edits, each made without having seen the
// value on the server (each wins, so each row is written too), on a real SQLite file. It reports changes per
// second and checks that every one was recorded as a conflict.
func BenchmarkPushAllConflicting(b *testing.B) {
	ctx := context.Background()
	clock := hlc.New(nil)
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "sentry.db"), sqlite.Options{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u := &core.User{Email: "bench@example.com"}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	ctx = core.NewContextWithUser(ctx, u)
	svc := syncsvc.NewService(db, db, clock, nil)
	const rows = 100
	ids := make([]string, rows)
	for i := range ids {
		t := &core.Task{UserID: u.ID, Title: fmt.Sprint("Task ", i), Status: "todo", Priority: "medium", TaskType: "task", Source: "sentry"}
		if err := db.CreateTask(ctx, t); err != nil {
			b.Fatal(err)
		}
		ids[i] = t.ID
	}
	n := 0
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ps := make([]wire.Patch, rows)
		for j, id := range ids {
			n++
			// A new clock and no base: concurrent with the server's
			// value, and winning over it (the row is written, the old
			// value kept as a conflict).
			c := fmt.Sprintf("%016d-%06d@bench-device", time.Now().UnixMilli(), n%1000000)
			ps[j] = wire.Patch{Table: "tasks", ScopeID: u.ID, RowID: id, Fields: map[string]any{"title": fmt.Sprint("Edit ", n)},
				Clocks: map[string]string{"title": c}, Base: map[string]string{}, ChangeIDs: []string{fmt.Sprint("change-", n)}}
		}
		res, err := svc.Push(ctx, &wire.PushRequest{Protocol: 1, SchemaVersion: 1, DeviceID: "bench-device", BatchID: fmt.Sprint("batch-", i), Patches: ps})
		if err != nil {
			b.Fatal(err)
		}
		if res.Conflicts != rows || len(res.Rejected) != 0 {
			b.Fatalf("batch %d: %d conflicts, %d rejected", i, res.Conflicts, len(res.Rejected))
		}
	}
	b.ReportMetric(float64(b.N*rows)/time.Since(start).Seconds(), "changes/s")
}
