package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sentry/backend/core"
)

// Group commit on real database files: batches form, members fail alone,
// a failed COMMIT fails every member, and cancellation never wedges the
// group. Batches are formed deterministically by holding the group lock
// and waiting until the wanted callers are in line (no sleeps).

func openGC(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "gc.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func gcUser(t *testing.T, db *DB) *core.User {
	t.Helper()
	u := &core.User{Email: NewID() + "@example.com", FirstName: "G", LastName: "C", PasswordHash: "x"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func gcTask(userID, title string) *core.Task {
	return &core.Task{UserID: userID, Title: title, Status: core.StatusTodo, Priority: core.PriorityMedium,
		TaskType: core.TaskTypeTask, Source: core.SourceSentry}
}

// waitInLine waits until n callers wait for the group lock, bounded by a
// generous outer limit only.
func waitInLine(t *testing.T, g *group, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for g.Waiting() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d callers in line, want %d", g.Waiting(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// recordBatches collects the size of every batch committed from now on.
func recordBatches(db *DB) func() []int {
	var mu sync.Mutex
	var sizes []int
	db.group.SetStats(func(n int) { mu.Lock(); sizes = append(sizes, n); mu.Unlock() })
	return func() []int { mu.Lock(); defer mu.Unlock(); return append([]int(nil), sizes...) }
}

func taskExists(t *testing.T, db *DB, id string) bool {
	t.Helper()
	var n int
	if err := db.read.QueryRow(`SELECT count(*) FROM tasks WHERE id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func countRows(t *testing.T, db *DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.read.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGroupCommitParallelWriters(t *testing.T) {
	db := openGC(t)
	u := gcUser(t, db)
	batches := recordBatches(db)
	const writers, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := db.CreateTask(context.Background(), gcTask(u.ID, fmt.Sprintf("w%d-%d", w, i))); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM tasks WHERE user_id = ?`, u.ID); n != writers*each {
		t.Fatalf("%d tasks, want %d", n, writers*each)
	}
	// Every task has its change log entry: the savepoints kept them together.
	if n := countRows(t, db, `SELECT count(*) FROM changes WHERE user_id = ? AND table_name = 'tasks'`, u.ID); n != writers*each {
		t.Fatalf("%d change log entries, want %d", n, writers*each)
	}
	total := 0
	for _, n := range batches() {
		if n < 1 || n > maxBatch {
			t.Fatalf("batch of %d members", n)
		}
		total += n
	}
	if total != writers*each {
		t.Fatalf("batches hold %d members, want %d", total, writers*each)
	}
}

// A batch formed on purpose: A holds the lock while B, C and D line up.
// B fails inside its savepoint and rolls back; the others are kept.
func TestGroupCommitOneMemberFailsAlone(t *testing.T) {
	db := openGC(t)
	u := gcUser(t, db)
	batches := recordBatches(db)
	ctx := context.Background()

	a, err := db.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ta := gcTask(u.ID, "A")
	if err := a.createTask(ctx, ta); err != nil {
		t.Fatal(err)
	}

	type result struct {
		name string
		id   string
		err  error
	}
	results := make(chan result, 3)
	// B: its insert works, a second statement fails, it rolls back.
	go func() {
		tx, err := db.BeginTx(ctx)
		if err != nil {
			results <- result{"B", "", err}
			return
		}
		defer tx.Rollback()
		tb := gcTask(u.ID, "B")
		if err := tx.createTask(ctx, tb); err != nil {
			results <- result{"B", tb.ID, err}
			return
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tasks (id) VALUES (NULL)`) // NOT NULL columns
		results <- result{"B", tb.ID, err}
	}()
	waitInLine(t, db.group, 1)
	// C: a store call whose constraint fails (no such user).
	go func() {
		tc := gcTask(NewID(), "C")
		err := db.CreateTask(ctx, tc)
		results <- result{"C", tc.ID, err}
	}()
	waitInLine(t, db.group, 2)
	// D: a plain store call that succeeds.
	go func() {
		td := gcTask(u.ID, "D")
		err := db.CreateTask(ctx, td)
		results <- result{"D", td.ID, err}
	}()
	waitInLine(t, db.group, 3)

	aDone := make(chan error, 1)
	go func() { aDone <- a.Commit() }()
	got := map[string]result{}
	for range 3 {
		r := <-results
		got[r.name] = r
	}
	if err := <-aDone; err != nil {
		t.Fatalf("A: %v", err)
	}
	if got["B"].err == nil {
		t.Fatal("B's bad insert succeeded")
	}
	if core.ErrorCode(got["C"].err) != core.EINVALID && core.ErrorCode(got["C"].err) != core.ENOTFOUND {
		t.Fatalf("C: %v (%s)", got["C"].err, core.ErrorCode(got["C"].err))
	}
	if got["D"].err != nil {
		t.Fatalf("D: %v", got["D"].err)
	}
	if !taskExists(t, db, ta.ID) || !taskExists(t, db, got["D"].id) {
		t.Fatal("a committed member's task is missing")
	}
	if taskExists(t, db, got["B"].id) || taskExists(t, db, got["C"].id) {
		t.Fatal("a rolled back member's task was kept")
	}
	if n := countRows(t, db, `SELECT count(*) FROM changes WHERE row_id IN (?, ?)`, got["B"].id, got["C"].id); n != 0 {
		t.Fatalf("%d change log entries of rolled back members", n)
	}
	if b := batches(); len(b) != 1 || b[0] != 4 {
		t.Fatalf("batches %v, want one of 4 members", b)
	}
}

// A COMMIT that fails (a deferred foreign key checked only at COMMIT) fails
// every member of the batch, and the group goes on.
func TestGroupCommitFailedCommitFailsTheBatch(t *testing.T) {
	db := openGC(t)
	u := gcUser(t, db)
	ctx := context.Background()
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE gc_parent (id INTEGER PRIMARY KEY);
		CREATE TABLE gc_child (pid INTEGER REFERENCES gc_parent(id) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	a, err := db.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ta := gcTask(u.ID, "A")
	if err := a.createTask(ctx, ta); err != nil {
		t.Fatal(err)
	}
	type result struct {
		id  string
		err error
	}
	good := make(chan result, 1)
	go func() {
		tb := gcTask(u.ID, "B")
		good <- result{tb.ID, db.CreateTask(ctx, tb)}
	}()
	waitInLine(t, db.group, 1)
	bad := make(chan error, 1)
	go func() {
		tx, err := db.BeginTx(ctx)
		if err != nil {
			bad <- err
			return
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `INSERT INTO gc_child (pid) VALUES (42)`); err != nil {
			bad <- err
			return
		}
		bad <- tx.Commit() // its savepoint is fine; the COMMIT is not
	}()
	waitInLine(t, db.group, 2)
	aErr := make(chan error, 1)
	go func() { aErr <- a.Commit() }()
	for name, err := range map[string]error{"A": <-aErr, "B": (<-good).err, "C": <-bad} {
		if err == nil {
			t.Errorf("%s was told its write is kept, but the batch's COMMIT failed", name)
		}
	}
	if taskExists(t, db, ta.ID) {
		t.Fatal("A's task is there after a failed COMMIT")
	}
	if n := countRows(t, db, `SELECT count(*) FROM tasks WHERE user_id = ?`, u.ID); n != 0 {
		t.Fatalf("%d tasks after a failed COMMIT", n)
	}
	// The next write has a batch of its own and succeeds.
	tn := gcTask(u.ID, "after")
	if err := db.CreateTask(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if !taskExists(t, db, tn.ID) {
		t.Fatal("write after a failed batch is missing")
	}
}

func TestGroupCommitCancelledWaiterLeavesTheGroup(t *testing.T) {
	db := openGC(t)
	u := gcUser(t, db)
	ctx := context.Background()
	a, err := db.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ta := gcTask(u.ID, "A")
	if err := a.createTask(ctx, ta); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	gone := make(chan error, 1)
	go func() { gone <- db.CreateTask(cctx, gcTask(u.ID, "cancelled")) }()
	waitInLine(t, db.group, 1)
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	if n := db.group.Waiting(); n != 0 {
		t.Fatalf("%d waiting after the cancel", n)
	}
	// A finds nobody waiting and commits by itself.
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if !taskExists(t, db, ta.ID) {
		t.Fatal("A's task is missing")
	}
	if n := countRows(t, db, `SELECT count(*) FROM tasks WHERE title = 'cancelled'`); n != 0 {
		t.Fatal("the cancelled write was kept")
	}
}

// A member whose context ends halfway fails its own next statement and
// rolls back; the member in the same batch is untouched.
func TestGroupCommitCancelInsideAMember(t *testing.T) {
	db := openGC(t)
	u := gcUser(t, db)
	ctx := context.Background()
	cctx, cancel := context.WithCancel(ctx)
	a, err := db.BeginTx(cctx)
	if err != nil {
		t.Fatal(err)
	}
	ta := gcTask(u.ID, "A")
	if err := a.createTask(cctx, ta); err != nil {
		t.Fatal(err)
	}
	bDone := make(chan error, 1)
	tb := gcTask(u.ID, "B")
	go func() { bDone <- db.CreateTask(ctx, tb) }()
	waitInLine(t, db.group, 1)
	cancel()
	if _, err := a.ExecContext(cctx, `UPDATE tasks SET title = 'A2' WHERE id = ?`, ta.ID); !errors.Is(err, context.Canceled) {
		t.Fatalf("statement after cancel: %v", err)
	}
	if err := a.QueryRowContext(cctx, `SELECT 1`).Scan(new(int)); !errors.Is(err, context.Canceled) {
		t.Fatalf("query after cancel: %v", err)
	}
	if err := a.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-bDone; err != nil {
		t.Fatalf("B: %v", err)
	}
	if taskExists(t, db, ta.ID) || !taskExists(t, db, tb.ID) {
		t.Fatal("wrong tasks kept after a member's cancel")
	}
	if err := a.Commit(); !errors.Is(err, sql.ErrTxDone) {
		t.Fatalf("commit after rollback: %v", err)
	}
}

// Many writers with contexts that end at random points, beside direct
// writes on the writer connection: every write reported kept is there, and
// the group still works afterwards.
func TestGroupCommitCancellationStress(t *testing.T) {
	db := openGC(t)
	u := gcUser(t, db)
	var mu sync.Mutex
	kept := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 12 {
		wg.Go(func() {
			for i := range 40 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration((w*40+i)%7)*100*time.Microsecond)
				tk := gcTask(u.ID, fmt.Sprintf("s%d-%d", w, i))
				err := db.CreateTask(ctx, tk)
				cancel()
				mu.Lock()
				kept[tk.ID] = err == nil
				mu.Unlock()
				if i%10 == 0 {
					if err := db.SetSetting(context.Background(), fmt.Sprintf("w%d", w), fmt.Sprint(i)); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	for id, ok := range kept {
		if got := taskExists(t, db, id); got != ok {
			t.Fatalf("task %s: reported kept %v, in the database %v", id, ok, got)
		}
	}
	if n := db.group.Waiting(); n != 0 {
		t.Fatalf("%d still waiting", n)
	}
	tn := gcTask(u.ID, "after")
	if err := db.CreateTask(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
}
