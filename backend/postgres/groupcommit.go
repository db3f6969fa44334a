package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"sentry/backend/txgroup"
)

// Group commit of task writes (backend/txgroup has the lock and batches).
//
// Every write of a user's data logs its change under the scope's row in
// sync_scopes, locked from the seq upsert until COMMIT, through the commit's
// WAL flush: one scope's writes run one at a time, bounded by the disk's
// sync rate. Task creates, edits and deletions of one server therefore join
// one transaction when they arrive while one is open: the members take
// turns on its connection, each in its own SAVEPOINT, and the last member
// of the batch files every member's change log entries (the scopes locked
// in id order, one upsert per scope) and commits, in two round trips. A
// batch pays one scope lock and one flush for all its members. The last
// member hands the group lock on before it files and commits (txgroup's
// Overlap): the next batch begins on another connection while this one
// commits, and its scope upserts wait for this COMMIT, so commits stay in
// order and each scope's log stays gap-free.
//
//   - A member's own writes and the new field clocks of its rows run in
//     its savepoint; a failure undoes that savepoint only and the member
//     alone gets the error.
//   - Its change log entries are filed at the batch's end, in the same
//     transaction as its writes.
//   - Commit returns once the batch has committed, with the COMMIT's
//     result: no caller is told "done" before its write is durable, and a
//     failed COMMIT (or filing) fails every member of the batch.
//
// Statements of a member do not watch the caller's context once started:
// cancelling one would break the connection the others' work is on. A
// context that has already ended fails the next statement before it is
// sent, and cancelling a wait for the group lock leaves the group as it was.
//
// The batch's row locks (a task being edited, an assignee's membership)
// are held until the batch commits, so a writer outside the group waits
// for the whole batch, and one that holds a row a later member needs while
// waiting for an earlier member's row is a deadlock the server breaks by
// failing one side: if it is the batch's, the write is begun again in the
// next batch (groupretry.go).

// groupSavepoint names every member's savepoint: members never overlap,
// each one's is released before the next one begins.
const groupSavepoint = "sentry_member"

// maxMembers bounds a batch: its members' savepoints nest (memberTx), and
// the server keeps up to 64 subtransactions of a transaction in its
// snapshot cache before others' snapshots get slower.
const maxMembers = 32

// taskGroup is the store's group of task writers.
type taskGroup struct {
	txgroup.Group
	// cur is the last batch opened; it is the open one while the group's
	// current batch is its own (touched by the lock holder only).
	cur *pgBatch
}

// pgBatch is one outer transaction and what its members left to file.
type pgBatch struct {
	*txgroup.Batch
	tx      pgx.Tx
	db      *DB
	entries []logEntry // the kept members' change log entries
}

// beginGrouped starts a task write as a member of the open batch, or of a
// new one.
func (db *DB) beginGrouped(ctx context.Context) (*Tx, error) {
	g := &db.group
	if err := g.Acquire(ctx); err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	b := g.cur
	if b == nil || g.Current() != b.Batch {
		tx, err := db.pool.Begin(ctx)
		if err != nil {
			g.Release()
			return nil, fmt.Errorf("postgres: begin: %w", err)
		}
		b = &pgBatch{tx: tx, db: db}
		b.Batch = g.Start(b.finish)
		g.cur = b
	}
	b.Members++
	m := &memberTx{Tx: b.tx, b: b, g: g}
	return &Tx{Tx: m, db: db, now: db.now(), member: m}, nil
}

// finish files the members' change log entries and commits, or rolls the
// batch back if it failed; it returns every member's answer.
func (b *pgBatch) finish(err error) error {
	ctx := context.Background()
	if err == nil && len(b.entries) > 0 {
		q := &pgx.Batch{}
		var what []string
		if what, err = queueEntries(q, nil, b.entries, b.db.DeviceID); err == nil {
			err = sendBatch(ctx, b.tx, q, what)
		}
	}
	if err == nil {
		if cerr := b.tx.Commit(ctx); cerr != nil {
			err = formatError(cerr, "commit", onViolation{})
		}
	}
	if err != nil {
		_ = b.tx.Rollback(ctx) // returns the connection, whatever its state
	}
	return err
}

// memberTx is one member's view of the batch's transaction.
//
// Its savepoint is opened with its first statement, in the same round
// trip, and is not released when the member commits: the next member's
// nests inside it (at most Max deep, under the server's cache of
// subtransactions), so a create costs the batch one round trip. Undoing
// a member rolls back to its own savepoint, the innermost one, and
// releases it.
type memberTx struct {
	pgx.Tx
	b    *pgBatch
	g    *taskGroup
	open bool // the savepoint is taken
	done bool
}

// savepoint opens the member's savepoint before a statement that cannot
// carry it. A context already done opens nothing: the statement it was
// for fails alone.
func (m *memberTx) savepoint(ctx context.Context) error {
	if m.open {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.open = true
	if _, err := m.Tx.Exec(context.Background(), `SAVEPOINT `+groupSavepoint); err != nil {
		err = formatError(err, "savepoint", onViolation{})
		m.b.Fail(err)
		return err
	}
	return nil
}

// stmtCtx is the context a member's statement runs under: one already done
// fails the statement before it is sent; otherwise the statement is not
// interrupted halfway (see above).
func stmtCtx(ctx context.Context) context.Context {
	if ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

func (m *memberTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if m.done {
		return pgconn.CommandTag{}, pgx.ErrTxClosed
	}
	if m.open {
		return m.Tx.Exec(stmtCtx(ctx), sql, args...)
	}
	if err := ctx.Err(); err != nil {
		return pgconn.CommandTag{}, err
	}
	// The savepoint and the statement in one round trip.
	q := &pgx.Batch{}
	q.Queue(`SAVEPOINT ` + groupSavepoint)
	q.Queue(sql, args...)
	m.open = true
	br := m.Tx.SendBatch(context.Background(), q)
	if _, err := br.Exec(); err != nil {
		br.Close()
		err = formatError(err, "savepoint", onViolation{})
		m.b.Fail(err)
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (m *memberTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if m.done {
		return nil, pgx.ErrTxClosed
	}
	if err := m.savepoint(ctx); err != nil {
		return nil, err
	}
	return m.Tx.Query(stmtCtx(ctx), sql, args...)
}

func (m *memberTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if m.done {
		return errRow{pgx.ErrTxClosed}
	}
	if err := m.savepoint(ctx); err != nil {
		return errRow{err}
	}
	return m.Tx.QueryRow(stmtCtx(ctx), sql, args...)
}

func (m *memberTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	// A savepoint that failed has failed the batch, and a context already
	// done fails the statements before they are sent.
	_ = m.savepoint(ctx)
	return m.Tx.SendBatch(stmtCtx(ctx), b)
}

func (m *memberTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := m.savepoint(ctx); err != nil {
		return nil, err
	}
	return m.Tx.Begin(stmtCtx(ctx))
}

func (m *memberTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if err := m.savepoint(ctx); err != nil {
		return 0, err
	}
	return m.Tx.CopyFrom(stmtCtx(ctx), table, cols, src)
}

// Commit is not for members: Tx.Commit files the member's changes and
// waits for its batch (commitMember).
func (m *memberTx) Commit(ctx context.Context) error {
	return fmt.Errorf("postgres: a group member commits through its Tx")
}

// Rollback undoes the member's work only. After its commit it does nothing
// and returns pgx.ErrTxClosed, like pgx.Tx.
func (m *memberTx) Rollback(ctx context.Context) error {
	if m.done {
		return pgx.ErrTxClosed
	}
	m.done = true
	m.undo()
	m.g.Release()
	return nil
}

// undo rolls the member's savepoint back. If that fails, what the batch's
// transaction holds is unknown and nobody in it may be told their write
// was kept.
func (m *memberTx) undo() {
	if !m.open {
		return // nothing was written
	}
	if _, err := m.Tx.Exec(context.Background(), `ROLLBACK TO SAVEPOINT `+groupSavepoint+`; RELEASE SAVEPOINT `+groupSavepoint); err != nil {
		m.b.Fail(formatError(err, "roll back savepoint", onViolation{}))
	}
}

// commitMember stamps the member's rows' field clocks (in one round trip;
// none for a create, whose row has them), hands its change log entries to
// the batch and returns once the batch has committed.
func (tx *Tx) commitMember(ctx context.Context) error {
	m := tx.member
	if m.done {
		return pgx.ErrTxClosed
	}
	q := &pgx.Batch{}
	var entries []logEntry
	var what []string
	var err error
	if len(tx.pending) > 0 {
		entries, what, err = tx.stampChanges(ctx, q, nil)
	}
	if err == nil {
		err = sendBatch(ctx, m, q, what)
	}
	m.done = true
	if err != nil {
		m.undo()
		m.g.Release()
		return err
	}
	m.b.entries = append(m.b.entries, entries...)
	m.g.Release()
	return m.b.Wait()
}

// errRow is a row that only carries an error.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
