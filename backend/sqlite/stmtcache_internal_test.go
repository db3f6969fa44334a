package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"sentry/backend/core"
)

// Prepared statements: the writer's and the readers' are prepared once and
// reused, answers stay right, and the cache stops growing at its bound.

func TestStatementsArePreparedAndReused(t *testing.T) {
	db := openGC(t)
	u := gcUser(t, db)
	ctx := context.Background()
	// The first create runs unprepared and notes its statements; the next
	// batch prepares them; the ones after use them.
	var ids []string
	for i := range 5 {
		task := gcTask(u.ID, fmt.Sprintf("task %d", i))
		if err := db.CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, task.ID)
	}
	if db.group.stmts.len() == 0 {
		t.Fatal("no writer statement was prepared after five creates")
	}
	// Parallel writers share batches and the prepared statements.
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Go(func() {
			errs <- db.CreateTask(ctx, gcTask(u.ID, fmt.Sprintf("parallel %d", i)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		got, _, err := db.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 37 {
			t.Fatalf("listed %d tasks, want 37", len(got))
		}
	}
	if db.read.stmts.len() == 0 {
		t.Fatal("no read statement was prepared after three lists")
	}
	for _, id := range ids {
		if !taskExists(t, db, id) {
			t.Fatalf("task %s is missing", id)
		}
	}
	// An update and a delete go through the same prepared path.
	title := "renamed"
	if _, err := db.UpdateTask(ctx, ids[0], core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteTask(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindTaskByID(ctx, ids[0]); err != nil || got.Title != title {
		t.Fatalf("after update: %v, %v", got, err)
	}
	if _, err := db.FindTaskByID(ctx, ids[1]); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("deleted task: %v", err)
	}
}

func TestStatementCacheIsBounded(t *testing.T) {
	db := openGC(t)
	ctx := context.Background()
	for i := range maxCachedStmts + 20 {
		var got int
		// Text with a value inside: a new statement every time.
		if err := db.read.QueryRowContext(ctx, fmt.Sprintf(`SELECT ? + %d`, i), 1).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != i+1 {
			t.Fatalf("SELECT ? + %d with 1 = %d", i, got)
		}
		tx, err := db.BeginTx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT ? + %d`, i), 2).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != i+2 {
			t.Fatalf("in a transaction, SELECT ? + %d with 2 = %d", i, got)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if n := db.read.stmts.len(); n > maxCachedStmts {
		t.Fatalf("%d read statements kept, bound %d", n, maxCachedStmts)
	}
	db.group.stmts.mu.RLock()
	n := len(db.group.stmts.stmts) + len(db.group.stmts.wanted)
	db.group.stmts.mu.RUnlock()
	if n > maxCachedStmts {
		t.Fatalf("%d writer statements kept or wanted, bound %d", n, maxCachedStmts)
	}
}

// A statement prepared before a schema change still answers after it
// (SQLite prepares it again by itself).
func TestPreparedStatementSurvivesSchemaChange(t *testing.T) {
	db := openGC(t)
	ctx := context.Background()
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE sc (a INTEGER)`); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM sc`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for range 2 {
		tx, err := db.BeginTx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sc (a) VALUES (?)`, 1); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
	if _, err := db.write.ExecContext(ctx, `ALTER TABLE sc ADD COLUMN b TEXT NOT NULL DEFAULT 'x'`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sc (a) VALUES (?)`, 1); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Fatalf("%d rows after the schema change, want 3", n)
	}
}
