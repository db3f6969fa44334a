package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
)

// A deadlock between a batch of task writes and a transaction outside the
// group, on the real PostgreSQL. The outside transaction stands in for a
// sync push: it holds task B's row, a later member of the batch waits for
// it, and the outside transaction then waits for task A, which an earlier
// member of the same batch holds until the batch commits. The server
// breaks the cycle by failing the member's statement (40P01); the member
// is rolled back to its savepoint and begun again, and succeeds once the
// outside transaction has committed. Without the retry the member's edit
// fails with the deadlock.
func TestGroupCommitMemberRetriedAfterDeadlock(t *testing.T) {
	db := openGC(t)
	ctx := context.Background()
	u := gcUser(t, db, "deadlock@example.com")
	a, b := gcTask(u.ID, "A"), gcTask(u.ID, "B")
	for _, tk := range []*core.Task{a, b} {
		if err := db.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	retried := countRetries(t)

	// The outside transaction, on a connection of its own. It checks for
	// deadlocks only after the member has: the member is the one failed.
	other := lockTaskOutside(t, db, b.ID)

	// Two members of one batch: the first edits A (and keeps its lock until
	// the batch commits), the second edits B and waits for the outside
	// transaction.
	if err := db.group.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for i, tk := range []*core.Task{a, b} {
		go func() {
			title := "edited in the batch " + tk.Title
			_, err := db.UpdateTask(ctx, tk.ID, core.TaskUpdate{Title: &title}, nil)
			errs <- err
		}()
		waitInLine(t, db, i+1)
	}
	db.group.Release()

	// Wait for the second member to wait for B's row, then close the cycle.
	deadline := time.Now().Add(time.Minute)
	for countOf(t, db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the second member never waited for the outside transaction's row")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := other.Exec(ctx, `UPDATE tasks SET title = 'by the other' WHERE id = $1`, a.ID); err != nil {
		t.Fatalf("the outside transaction was the one failed: %v", err)
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a member failed: %v (%s)", err, core.ErrorCode(err))
		}
	}
	if retried.Load() == 0 {
		t.Fatal("no write was begun again: the deadlock did not happen as arranged")
	}
	gotA, err := db.FindTaskByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	gotB, err := db.FindTaskByID(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A: the batch's edit, then the outside one; B: the retried edit.
	if gotA.Title != "by the other" || gotB.Title != "edited in the batch B" || gotB.Version != 2 {
		t.Fatalf("A %q, B %q version %d", gotA.Title, gotB.Title, gotB.Version)
	}
	if n := countOf(t, db, `SELECT count(*) FROM changes WHERE row_id = $1`, b.ID); n != 2 {
		t.Fatalf("B has %d change log entries, want 2 (its insert and the one kept edit)", n)
	}
	checkSeqs(t, db)
}

// A write still deadlocked after its last try tells the client to try
// again (unavailable), not an internal error.
func TestGroupedWriteGivesUpAsUnavailable(t *testing.T) {
	db := openGC(t)
	ctx := context.Background()
	tries := 0
	err := db.grouped(ctx, func(tx *Tx) error {
		tries++
		_, err := tx.Exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'stand-in' USING ERRCODE = 'deadlock_detected'; END $$`)
		return err
	})
	if tries != groupTries || core.ErrorCode(err) != core.EUNAVAILABLE || core.ErrorRetryAfter(err) <= 0 {
		t.Fatalf("%d tries, %v (%s)", tries, err, core.ErrorCode(err))
	}
	// The group is free again.
	if err := db.CreateTask(ctx, gcTask(gcUser(t, db, "after@example.com").ID, "after")); err != nil {
		t.Fatal(err)
	}
}

// The other side: a push that the server fails to break a deadlock is
// begun again. An outside transaction holds a task's row; the push locks
// its device (the advisory lock pushes of one device take turns on) and
// waits for that row; the outside transaction then asks for the device's
// lock. It checks for deadlocks only after the push has, so the push is the
// one failed; tried again, it applies once the other has committed.
func TestSyncPushRetriedAfterDeadlock(t *testing.T) {
	db := openGC(t)
	ctx := context.Background()
	u := gcUser(t, db, "push@example.com")
	tk := gcTask(u.ID, "before the push")
	if err := db.CreateTask(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if _, err := db.BindSyncDevice(ctx, &core.SyncDevice{ID: "push-laptop", UserID: u.ID, Name: "Laptop", SchemaVersion: 1}); err != nil {
		t.Fatal(err)
	}
	retried := countRetries(t)
	other := lockTaskOutside(t, db, tk.ID)

	clock := fmt.Sprintf("%016d-%06d@push-laptop", time.Now().Add(time.Second).UnixMilli(), 1)
	ps := []core.PushPatch{{Table: "tasks", ScopeID: u.ID, RowID: tk.ID, Fields: map[string]any{"title": "pushed"},
		Clocks: map[string]string{"title": clock}, Base: map[string]string{}, ChangeIDs: []string{"c1"}}}
	takeNewer := func(p *core.PushPatch, cur *core.ServerRow) (*core.SyncWrite, *core.Error, bool) {
		w := &core.SyncWrite{Fields: map[string]any{}, Clocks: map[string]string{}}
		for f, c := range cur.Clocks {
			w.Clocks[f] = c
		}
		for f, v := range p.Fields {
			if p.Clocks[f] > cur.Clocks[f] {
				w.Fields[f], w.Clocks[f] = v, p.Clocks[f]
			}
		}
		return w, nil, false
	}
	type answer struct {
		res *core.PushResult
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := db.ApplyPush(ctx, u.ID, "push-laptop", "b1", ps, takeNewer)
		done <- answer{res, err}
	}()
	deadline := time.Now().Add(time.Minute)
	for countOf(t, db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the push never waited for the outside transaction's row")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := other.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('sync_device:' || $1, 0))`, "push-laptop"); err != nil {
		t.Fatalf("the outside transaction was the one failed: %v", err)
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	a := <-done
	if a.err != nil {
		t.Fatalf("the push failed: %v (%s)", a.err, core.ErrorCode(a.err))
	}
	if retried.Load() == 0 {
		t.Fatal("the push was not begun again: the deadlock did not happen as arranged")
	}
	if len(a.res.Applied) != 1 {
		t.Fatalf("push result %+v", a.res)
	}
	got, err := db.FindTaskByID(ctx, tk.ID)
	if err != nil || got.Title != "pushed" {
		t.Fatalf("after the push: %+v %v", got, err)
	}
	checkSeqs(t, db)
}

// countRetries counts the group's retries for the rest of the test.
func countRetries(t *testing.T) *atomic.Int32 {
	var n atomic.Int32
	groupRetried = func() { n.Add(1) }
	t.Cleanup(func() { groupRetried = nil })
	return &n
}

// lockTaskOutside begins a transaction outside the group, on a connection
// of its own, holding the task's row. It checks for deadlocks late, so the
// group's side, which waits first, is the one the server fails.
func lockTaskOutside(t *testing.T, db *DB, taskID string) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Release)
	if _, err := conn.Exec(ctx, `SET deadlock_timeout = '30s'`); err != nil {
		t.Logf("deadlock_timeout not raised (%v); relying on the group's side waiting first", err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(ctx) })
	if _, err := tx.Exec(ctx, `SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE`, taskID); err != nil {
		t.Fatal(err)
	}
	return tx
}
