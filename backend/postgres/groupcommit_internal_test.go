package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/postgres/pgtest"
	"sentry/sync/hlc"
)

// Group commit of task writes on the real PostgreSQL: batches form,
// members fail alone, every entry is logged with its change, gap-free.
// Batches are formed deterministically by holding the group lock while
// the members line up.

func openGC(t *testing.T) *DB {
	t.Helper()
	url, schema := pgtest.Schema(t)
	db, err := Open(context.Background(), url, Options{Schema: schema, MaxConns: 6, Clock: hlc.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func gcUser(t *testing.T, db *DB, email string) *core.User {
	t.Helper()
	u := &core.User{Email: email, FirstName: "Group", LastName: "Commit", PasswordHash: "x"}
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
func waitInLine(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for db.group.Waiting() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d callers in line, want %d", db.group.Waiting(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// recordBatches collects the size of every batch ended from now on.
func recordBatches(db *DB) func() []int {
	var mu sync.Mutex
	var sizes []int
	db.group.SetStats(func(n int) { mu.Lock(); sizes = append(sizes, n); mu.Unlock() })
	return func() []int { mu.Lock(); defer mu.Unlock(); return append([]int(nil), sizes...) }
}

func countOf(t *testing.T, db *DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkSeqs fails unless every scope's entries are numbered 1..n.
func checkSeqs(t *testing.T, db *DB) {
	t.Helper()
	if n := countOf(t, db, `SELECT count(*) FROM (SELECT scope_id FROM changes GROUP BY scope_id
		HAVING count(*) <> max(seq) OR min(seq) <> 1 OR count(DISTINCT seq) <> count(*)) s`); n != 0 {
		t.Fatalf("%d scopes whose change log is not numbered 1..n", n)
	}
	if n := countOf(t, db, `SELECT count(*) FROM sync_scopes s WHERE last_seq <> (SELECT count(*) FROM changes c WHERE c.scope_id = s.id)`); n != 0 {
		t.Fatalf("%d scopes whose last_seq is not their entry count", n)
	}
}

// Of many concurrent task writes in one batch, the ones that fail (an
// insert the database refuses, an edit whose check refuses it after the
// row was locked, an edit of a missing task) fail alone: every other
// member commits with its change log entry, and the failed ones leave
// nothing behind.
func TestGroupCommitOneOfManyFailsAlone(t *testing.T) {
	db := openGC(t)
	ctx := context.Background()
	a, b := gcUser(t, db, "a@example.com"), gcUser(t, db, "b@example.com")
	edited := gcTask(a.ID, "to edit")
	if err := db.CreateTask(ctx, edited); err != nil {
		t.Fatal(err)
	}
	batches := recordBatches(db)

	if err := db.group.Acquire(ctx); err != nil { // hold the lock: the members line up
		t.Fatal(err)
	}
	const writers = 12
	type result struct {
		id  string
		err error
	}
	results := make([]result, writers)
	refused := errors.New("refused by the check")
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			switch {
			case i == 3: // a user that does not exist: the INSERT fails on the server
				tk := gcTask(NewID(), "nobody's")
				results[i] = result{tk.ID, db.CreateTask(ctx, tk)}
			case i == 6: // the check refuses after the row is locked
				title := "refused"
				_, err := db.UpdateTask(ctx, edited.ID, core.TaskUpdate{Title: &title}, func(*core.Task) error { return refused })
				results[i] = result{edited.ID, err}
			case i == 9: // a missing task
				title := "missing"
				_, err := db.UpdateTask(ctx, NewID(), core.TaskUpdate{Title: &title}, nil)
				results[i] = result{"", err}
			case i == 10: // an edit that is kept
				title := "edited in a batch"
				_, err := db.UpdateTask(ctx, edited.ID, core.TaskUpdate{Title: &title}, nil)
				results[i] = result{edited.ID, err}
			default:
				owner := a.ID
				if i%2 == 1 {
					owner = b.ID
				}
				tk := gcTask(owner, fmt.Sprintf("member %d", i))
				results[i] = result{tk.ID, db.CreateTask(ctx, tk)}
			}
		})
		waitInLine(t, db, i+1) // in this order
	}
	db.group.Release()
	wg.Wait()

	if got := batches(); len(got) != 1 || got[0] != writers {
		t.Fatalf("batches %v, want one of %d members", got, writers)
	}
	for i, r := range results {
		switch i {
		case 3:
			if core.ErrorCode(r.err) != core.ENOTFOUND {
				t.Fatalf("member %d: %v (%s), want not_found", i, r.err, core.ErrorCode(r.err))
			}
			if n := countOf(t, db, `SELECT count(*) FROM tasks WHERE id = $1`, r.id); n != 0 {
				t.Fatalf("the refused insert left its row")
			}
		case 6:
			if !errors.Is(r.err, refused) {
				t.Fatalf("member %d: %v, want the check's error", i, r.err)
			}
		case 9:
			if core.ErrorCode(r.err) != core.ENOTFOUND {
				t.Fatalf("member %d: %v, want not_found", i, r.err)
			}
		default:
			if r.err != nil {
				t.Fatalf("member %d: %v", i, r.err)
			}
			if n := countOf(t, db, `SELECT count(*) FROM changes WHERE row_id = $1`, r.id); i != 10 && n != 1 || i == 10 && n != 2 {
				t.Fatalf("member %d: %d change log entries of its row", i, n)
			}
		}
	}
	if n := countOf(t, db, `SELECT count(*) FROM tasks WHERE title LIKE 'member %'`); n != writers-4 {
		t.Fatalf("%d members' tasks committed, want %d", n, writers-4)
	}
	got, err := db.FindTaskByID(ctx, edited.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "edited in a batch" || got.Version != 2 {
		t.Fatalf("the kept edit: %q version %d", got.Title, got.Version)
	}
	checkSeqs(t, db)
}

// Many writers at once, creates and edits of two users' tasks, batches
// formed by the load itself: every write is answered after its commit,
// kept and logged, and each scope's log stays numbered without gaps.
func TestGroupCommitParallelWriters(t *testing.T) {
	db := openGC(t)
	ctx := context.Background()
	users := []*core.User{gcUser(t, db, "p1@example.com"), gcUser(t, db, "p2@example.com")}
	batches := recordBatches(db)
	const writers, each = 16, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			u := users[w%2]
			for i := range each {
				tk := gcTask(u.ID, fmt.Sprintf("w%d-%d", w, i))
				if err := db.CreateTask(ctx, tk); err != nil {
					errs <- err
					return
				}
				// Answered only after its batch's COMMIT: another
				// connection sees the row at once.
				var n int
				if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE id = $1`, tk.ID).Scan(&n); err != nil || n != 1 {
					errs <- fmt.Errorf("create of %s answered, but the row is not committed (%d rows, %v)", tk.ID, n, err)
					return
				}
				title := tk.Title + " edited"
				if _, err := db.UpdateTask(ctx, tk.ID, core.TaskUpdate{Title: &title}, nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := countOf(t, db, `SELECT count(*) FROM tasks WHERE title LIKE 'w% edited'`); n != writers*each {
		t.Fatalf("%d tasks edited, want %d", n, writers*each)
	}
	if n := countOf(t, db, `SELECT count(*) FROM changes WHERE table_name = 'tasks'`); n != 2*writers*each {
		t.Fatalf("%d change log entries, want %d", n, 2*writers*each)
	}
	total, most := 0, 0
	for _, n := range batches() {
		total += n
		most = max(most, n)
	}
	if total != 2*writers*each {
		t.Fatalf("batches hold %d members, want %d", total, 2*writers*each)
	}
	t.Logf("%d writes in %d batches, the largest of %d", total, len(batches()), most)
	checkSeqs(t, db)
}

// A caller whose context ends while it waits for the group lock leaves
// the group as it was, and one whose context has ended inside its batch
// fails alone.
func TestGroupCommitCancelledMembers(t *testing.T) {
	db := openGC(t)
	ctx := context.Background()
	u := gcUser(t, db, "c@example.com")
	if err := db.group.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	waited := make(chan error, 1)
	go func() { waited <- db.CreateTask(wctx, gcTask(u.ID, "never")) }()
	waitInLine(t, db, 1)
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled wait: %v", err)
	}
	db.group.Release()

	// Inside the batch: the first member's context ends before its
	// statement, the second goes on.
	if err := db.group.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	dctx, dcancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var first, second error
	kept := gcTask(u.ID, "kept")
	wg.Go(func() {
		tx, err := db.beginGrouped(dctx)
		if err != nil {
			first = err
			return
		}
		defer tx.rollback()
		dcancel()
		first = tx.createTask(dctx, gcTask(u.ID, "cancelled"))
		if first == nil {
			first = tx.commit(dctx, "create task")
		}
	})
	waitInLine(t, db, 1)
	wg.Go(func() { second = db.CreateTask(ctx, kept) })
	waitInLine(t, db, 2)
	db.group.Release()
	wg.Wait()
	if first == nil {
		t.Fatal("a member whose context ended committed")
	}
	if second != nil {
		t.Fatalf("the other member: %v", second)
	}
	if n := countOf(t, db, `SELECT count(*) FROM tasks WHERE user_id = $1`, u.ID); n != 1 {
		t.Fatalf("%d tasks, want only the kept one", n)
	}
	checkSeqs(t, db)
}
