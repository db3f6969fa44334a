package syncsvc_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/backend/sqlite"
	"sentry/backend/syncsvc"
	"sentry/sync/hlc"
	"sentry/sync/wire"
)

// benchStore is what the benchmarks need of a store.
type benchStore interface {
	core.SyncServerStore
	syncsvc.Teams
	CreateUser(ctx context.Context, u *core.User) error
	CreateTask(ctx context.Context, t *core.Task) error
	Close() error
}

// benchStores runs fn on a fresh SQLite file and, under
// scripts/with-postgres, on a schema of its own in PostgreSQL.
func benchStores(b *testing.B, fn func(b *testing.B, open func() (benchStore, *hlc.Clock))) {
	b.Run("sqlite", func(b *testing.B) {
		fn(b, func() (benchStore, *hlc.Clock) {
			clock := hlc.New(nil)
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "sentry.db"), sqlite.Options{Clock: clock})
			if err != nil {
				b.Fatal(err)
			}
			return db, clock
		})
	})
	b.Run("postgres", func(b *testing.B) {
		pgtest.MustURL(b)
		fn(b, func() (benchStore, *hlc.Clock) {
			clock := hlc.New(nil)
			base, schema := pgtest.Schema(b)
			db, err := postgres.Open(context.Background(), base, postgres.Options{Clock: clock, Schema: schema})
			if err != nil {
				b.Fatal(err)
			}
			return db, clock
		})
	})
}

// BenchmarkPushAllConflicting is the server's apply rate when every change
// conflicts: batches of 100 title edits, each made without having seen the
// value on the server (each wins, so each row is written too), on a real SQLite file. It reports changes per
// second and checks that every one was recorded as a conflict.
func BenchmarkPushAllConflicting(b *testing.B) { benchStores(b, benchPushAllConflicting) }

func benchPushAllConflicting(b *testing.B, open func() (benchStore, *hlc.Clock)) {
	ctx := context.Background()
	db, clock := open()
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
	start, cpu := time.Now(), cpuTime()
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
	// Processor time per change (this process: the store's and the
	// service's work; PostgreSQL's own is not in it) is steadier than wall
	// time on a busy machine.
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N*rows), "cpu-µs/change")
}

// BenchmarkTenThousandOfflineChanges is the server's share of "10,000
// changes made offline on one device reach a second device": one device
// pushes 10,000 new tasks in batches of wire.MaxPatches, then another
// device of the same user pulls every page (limit 1000) until caught up.
// Each iteration runs on a fresh store; it checks every row arrived.
func BenchmarkTenThousandOfflineChanges(b *testing.B) { benchStores(b, benchTenThousandOfflineChanges) }

func benchTenThousandOfflineChanges(b *testing.B, open func() (benchStore, *hlc.Clock)) {
	const total = 10_000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ctx := context.Background()
		db, clock := open()
		u := &core.User{Email: "bench@example.com"}
		if err := db.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		ctx = core.NewContextWithUser(ctx, u)
		svc := syncsvc.NewService(db, db, clock, nil)
		var batches [][]wire.Patch
		for n := 0; n < total; n++ {
			if n%wire.MaxPatches == 0 {
				batches = append(batches, nil)
			}
			c := fmt.Sprintf("%016d-%06d@offline-laptop", time.Now().Add(-time.Minute).UnixMilli(), n)
			fields := map[string]any{"title": fmt.Sprint("Offline task ", n), "status": "todo", "priority": "medium", "task_type": "task",
				"source": "sentry", "description": "written on the train", "team_id": "", "created_at": "2026-12-01T09:00:00.000Z"}
			clocks := map[string]string{}
			for f := range fields {
				clocks[f] = c
			}
			batches[len(batches)-1] = append(batches[len(batches)-1], wire.Patch{Table: "tasks", ScopeID: u.ID,
				RowID: fmt.Sprintf("0193a2b4-0000-7000-8000-%012d", n), Fields: fields, Clocks: clocks, Base: map[string]string{}, ChangeIDs: []string{fmt.Sprint("c", n)}})
		}
		b.StartTimer()
		start, cpu := time.Now(), cpuTime()
		for j, ps := range batches {
			res, err := svc.Push(ctx, &wire.PushRequest{Protocol: 1, SchemaVersion: 1, DeviceID: "offline-laptop", BatchID: fmt.Sprint("b", j), Patches: ps})
			if err != nil || len(res.Applied) != len(ps) {
				b.Fatalf("push %d: %v %+v", j, err, res)
			}
		}
		pushed, pushCPU := time.Since(start), cpuTime()-cpu
		got, cursor := 0, ""
		for {
			page, err := svc.Pull(ctx, syncsvc.PullRequest{Cursor: cursor, Limit: 1000, DeviceID: "office-desk"})
			if err != nil {
				b.Fatal(err)
			}
			got += len(page.Entries)
			cursor = page.Cursor
			if !page.HasMore {
				break
			}
		}
		b.StopTimer()
		b.ReportMetric(pushed.Seconds(), "push-s")
		b.ReportMetric(time.Since(start).Seconds()-pushed.Seconds(), "pull-s")
		b.ReportMetric(pushCPU.Seconds(), "push-cpu-s")
		b.ReportMetric((cpuTime() - cpu - pushCPU).Seconds(), "pull-cpu-s")
		if got != total {
			b.Fatalf("pulled %d of %d", got, total)
		}
		db.Close()
		b.StartTimer()
	}
}
