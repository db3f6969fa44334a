package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"sentry/backend/syncstore"
	"sentry/backend/txgroup"
)

// Group commit (backend/txgroup has the group lock and the batches).
//
// SQLite has one writer, and with WAL every COMMIT appends the pages its
// transaction dirtied to the log: the same table, index and full-text pages
// again for every small write. Writes that arrive while a transaction is
// open therefore join it instead of queueing for a transaction of their own,
// each in its own SAVEPOINT, and the last one of the batch commits for
// everyone.
//
//   - BeginTx waits for the group lock, begins the outer transaction if
//     none is open and opens the caller's savepoint.
//   - Rollback undoes the caller's savepoint only; the others' work stays.
//   - Commit releases the savepoint, hands the lock to the next waiting
//     caller and returns only once the outer COMMIT has been made, with its
//     result: no caller is told "done" before its write is in the log, and a
//     failed COMMIT fails every member of that batch.
//
// The lock is held from BeginTx to Commit or Rollback, as the single writer
// connection was before, so store code between them is unchanged.
// Statements inside a Tx do not watch the caller's context once they have
// started: interrupting a write inside a transaction makes SQLite roll the
// whole transaction back, and that would be the other members' work too. A
// context that is already done fails the next statement, and cancelling a
// wait for the lock leaves the group as it was.

// maxBatch bounds how many callers share one COMMIT, so the first of them
// does not wait for an endless stream of later ones.
const maxBatch = txgroup.DefaultMax

// memberSavepoint names every member's savepoint: members never overlap,
// each one's is released before the next one begins.
const memberSavepoint = "sentry_member"

type group struct {
	txgroup.Group
	write *sql.DB
	stmts stmtCache // prepared on the writer pool (stmtcache.go)
	// cur is the last batch opened; it is the open one while the group's
	// current batch is its own (touched by the lock holder only).
	cur *batch
}

// batch is one outer transaction and the members that joined it.
type batch struct {
	*txgroup.Batch
	conn  *sql.Conn
	tx    *sql.Tx // the outer transaction, on conn
	stmts map[string]*sql.Stmt
}

// open returns the open batch, beginning one if needed. The caller holds
// the lock.
func (g *group) open(ctx context.Context) (*batch, error) {
	if g.cur != nil && g.Current() == g.cur.Batch {
		return g.cur, nil
	}
	g.prepareWanted(ctx)
	// The caller's context bounds the wait for the connection (a direct
	// write may be using it); the transaction itself belongs to the batch
	// (BEGIN IMMEDIATE: the writer pool's _txlock).
	conn, err := g.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		_, _ = conn.ExecContext(context.Background(), `ROLLBACK`)
		conn.Close()
		return nil, err
	}
	b := &batch{conn: conn, tx: tx}
	b.Batch = g.Start(b.finish)
	g.cur = b
	return b, nil
}

// finish commits the batch (or rolls it back if it is broken), returns the
// connection and gives the members' answer.
func (b *batch) finish(err error) error {
	if err == nil {
		if cerr := b.tx.Commit(); cerr != nil {
			err = fmt.Errorf("sqlite: commit: %w", cerr)
		}
	} else {
		_ = b.tx.Rollback()
	}
	if err != nil {
		// After a failed COMMIT the transaction may still be open; the
		// connection must go back to the pool without it.
		_, _ = b.conn.ExecContext(context.Background(), `ROLLBACK`)
	}
	b.conn.Close()
	return err
}

// Tx is one caller's write transaction: a savepoint inside the group's
// outer transaction. It knows its time and can log changes. Use it as a
// *sql.Tx: begin, defer Rollback, Commit.
type Tx struct {
	db    *DB
	b     *batch
	now   time.Time
	stmts []*sql.Stmt
	done  bool
	// pending change log entries, written just before Commit releases
	// the savepoint (see change.go).
	pending []syncstore.Pending
}

// BeginTx starts a write transaction. It joins the transaction that is open
// if there is one (group commit, see groupcommit.go).
func (db *DB) BeginTx(ctx context.Context) (*Tx, error) {
	g := db.group
	if err := g.Acquire(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	b, err := g.open(ctx)
	if err != nil {
		g.Release()
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	if _, err := b.exec(context.Background(), db.group, `SAVEPOINT `+memberSavepoint); err != nil {
		err = fmt.Errorf("sqlite: begin: %w", err)
		b.Fail(err)
		g.Release()
		return nil, err
	}
	b.Members++
	return &Tx{db: db, b: b, now: db.Now().UTC().Truncate(time.Millisecond)}, nil
}

// stmtCtx is the context a statement runs under: one already done fails the
// statement before it starts; otherwise the statement is not interrupted
// halfway (see the package comment above).
func stmtCtx(ctx context.Context) context.Context {
	if ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx.done {
		return nil, sql.ErrTxDone
	}
	return tx.b.exec(stmtCtx(ctx), tx.db.group, query, args...)
}

// exec runs a statement in the batch's transaction, prepared if it can be.
func (b *batch) exec(ctx context.Context, g *group, query string, args ...any) (sql.Result, error) {
	if st := b.stmt(g, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return b.tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx.done {
		return nil, sql.ErrTxDone
	}
	if st := tx.b.stmt(tx.db.group, query); st != nil {
		return st.QueryContext(stmtCtx(ctx), args...)
	}
	return tx.b.tx.QueryContext(stmtCtx(ctx), query, args...)
}

// QueryRowContext runs a query that returns at most one row in the
// transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if tx.done {
		// A Row carrying the error: the read pool refuses a done context
		// before it touches a connection.
		return tx.db.read.QueryRowContext(doneCtx, query, args...)
	}
	if st := tx.b.stmt(tx.db.group, query); st != nil {
		return st.QueryRowContext(stmtCtx(ctx), args...)
	}
	return tx.b.tx.QueryRowContext(stmtCtx(ctx), query, args...)
}

// PrepareContext prepares a statement for use in the transaction; it is
// closed with the transaction at the latest.
func (tx *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if tx.done {
		return nil, sql.ErrTxDone
	}
	st, err := tx.b.tx.PrepareContext(stmtCtx(ctx), query)
	if err == nil {
		tx.stmts = append(tx.stmts, st)
	}
	return st, err
}

// Commit keeps the caller's work and returns once the batch holding it has
// been committed, with that COMMIT's result.
func (tx *Tx) Commit() error {
	if tx.done {
		return sql.ErrTxDone
	}
	if err := tx.flushChanges(context.Background()); err != nil {
		_ = tx.Rollback()
		return err
	}
	tx.end()
	b := tx.b
	if _, err := b.exec(context.Background(), tx.db.group, `RELEASE `+memberSavepoint); err != nil {
		b.Fail(fmt.Errorf("sqlite: release savepoint: %w", err))
	}
	tx.db.group.Release()
	return b.Wait()
}

// Rollback undoes the caller's work only. After Commit it does nothing and
// returns sql.ErrTxDone, like *sql.Tx.
func (tx *Tx) Rollback() error {
	if tx.done {
		return sql.ErrTxDone
	}
	tx.end()
	b := tx.b
	bg := context.Background()
	_, err := b.exec(bg, tx.db.group, `ROLLBACK TO `+memberSavepoint)
	if err == nil {
		_, err = b.exec(bg, tx.db.group, `RELEASE `+memberSavepoint)
	}
	if err != nil {
		// The outer transaction's state is unknown (SQLite rolls a whole
		// transaction back after some errors): nobody in it may be told
		// their write is kept.
		b.Fail(fmt.Errorf("sqlite: roll back savepoint: %w", err))
	}
	tx.db.group.Release()
	return nil
}

func (tx *Tx) end() {
	tx.done = true
	for _, st := range tx.stmts {
		st.Close()
	}
	tx.stmts = nil
}

// doneCtx is a context that has ended, for answering statements on a
// finished Tx with an error.
var doneCtx = func() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(sql.ErrTxDone)
	return ctx
}()
