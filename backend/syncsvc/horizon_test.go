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

// A download from the start is never sent back to the start, however the
// log is compacted meanwhile; a cursor left below the horizon gets one
// resync_scope, then the scope from seq 0 — one entry per row the log
// still holds — and the download ends (no loop of resyncs).
func TestPullBelowTheHorizonResyncsOnceAndEnds(t *testing.T) {
	ctx := context.Background()
	clock := hlc.New(nil)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sentry.db"), sqlite.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &core.User{Email: "ana@example.com", FirstName: "Ana", LastName: "Lima", PasswordHash: "x"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := db.BindSyncDevice(ctx, &core.SyncDevice{ID: "ana-phone", UserID: u.ID, SchemaVersion: 1}); err != nil {
		t.Fatal(err)
	}
	svc := syncsvc.NewService(db, db, clock, nil)
	uctx := core.NewContextWithUser(ctx, u)
	var ids []string
	for i := range 30 {
		tk := &core.Task{UserID: u.ID, Title: fmt.Sprintf("Task %d", i), Status: core.StatusTodo, Priority: core.PriorityMedium,
			TaskType: core.TaskTypeTask, Source: core.SourceSentry, Attendees: []string{}, Tags: []string{}}
		if err := db.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	remove := func(ids []string) {
		for _, id := range ids {
			if err := db.DeleteTask(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(5 * time.Millisecond) // older than the retention below
	}
	pull := func(cursor string) *wire.PullResponse {
		t.Helper()
		res, err := svc.Pull(uctx, syncsvc.PullRequest{Cursor: cursor, Limit: 7, DeviceID: "ana-phone"})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	resyncs := func(res *wire.PullResponse) int {
		n := 0
		for _, c := range res.Control {
			if c.Type == wire.ResyncScope {
				if c.ScopeID != u.ID || c.Reason != wire.BelowHorizon {
					t.Fatalf("resync %+v", c)
				}
				n++
			}
		}
		return n
	}
	// download pulls pages until the end; it counts resyncs and the rows
	// received last (by id: deleted or not).
	download := func(cursor string, compactAfter int) (string, int, map[string]bool) {
		t.Helper()
		got, n := map[string]bool{}, 0
		for page := 0; ; page++ {
			if page > 30 {
				t.Fatal("the download does not end")
			}
			res := pull(cursor)
			if r := resyncs(res); r > 0 {
				n += r
				got = map[string]bool{}
			}
			for _, e := range res.Entries {
				got[e.RowID] = e.Deleted
			}
			cursor = res.Cursor
			if page == compactAfter {
				if err := svc.Compact(ctx, time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
			if !res.HasMore {
				return cursor, n, got
			}
		}
	}

	remove(ids[:10])
	// A first download; midway the log is compacted and the ten
	// tombstones expire.
	cursor, n, got := download("", 0)
	if n != 0 {
		t.Fatalf("a download from the start was sent %d resyncs", n)
	}
	for _, id := range ids[10:] {
		if deleted, ok := got[id]; !ok || deleted {
			t.Fatalf("row %s missing from the first download", id)
		}
	}
	// Away: five more go, and expire; the device comes back.
	remove(ids[10:15])
	if err := svc.Compact(ctx, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	cursor, n, got = download(cursor, -1)
	if n != 1 {
		t.Fatalf("%d resyncs for a cursor below the horizon, want 1", n)
	}
	if len(got) != 15 {
		t.Fatalf("the scope came again with %d rows, want the 15 live ones: %v", len(got), got)
	}
	for _, id := range ids[15:] {
		if deleted, ok := got[id]; !ok || deleted {
			t.Fatalf("row %s missing after the resync", id)
		}
	}
	if res := pull(cursor); len(res.Entries) != 0 || len(res.Control) != 0 || res.HasMore {
		t.Fatalf("after the resync: %+v", res)
	}
}
