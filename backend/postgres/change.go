package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
	"sentry/backend/syncstore"
	"sentry/sync/schema"
)

// The write path of sync, as in the SQLite store (see its change.go).
//
// logChange queues the entry on the Tx; Commit writes the queue just before
// COMMIT: it reads each touched row's field clocks once, records them on
// the entry as its base, stamps the changed fields with
// "<hlc>@<device_id>", and files the entry under its scope (a team task's
// team, else the owner). The entries' seqs come from their scopes' rows,
// locked in id order until the transaction ends, so a scope's entries are
// numbered without gaps in commit order and two writers never wait on
// each other's scopes in opposite orders.

// logChange records one change log entry inside tx and returns its HLC,
// which callers store on the row.
func (tx *Tx) logChange(ctx context.Context, userID, table, rowID, op string, fields map[string]any) (string, error) {
	ts := tx.db.hlc()
	tx.pending = append(tx.pending, syncstore.Local(NewID(), userID, table, rowID, op, ts, fields))
	return ts, nil
}

// logInsert logs the insert of a synced row and returns its HLC and the
// field clocks to write with the row: every synced field stamped with the
// insert's clock, as Commit would stamp them.
func (tx *Tx) logInsert(ctx context.Context, userID, table, rowID string, fields map[string]any) (string, string, error) {
	ts, err := tx.logChange(ctx, userID, table, rowID, core.OpInsert, fields)
	if err != nil {
		return "", "", err
	}
	buf, err := json.Marshal(syncstore.InsertClocks(table, ts+"@"+tx.db.DeviceID))
	if err != nil {
		return "", "", fmt.Errorf("postgres: encode clocks of %s %s: %w", table, rowID, err)
	}
	tx.pending[len(tx.pending)-1].Stamped = true
	return ts, string(buf), nil
}

// logRemoteChange records a write applied by the sync code, whose clocks
// the caller wrote on the row; it returns the entry's id.
func (tx *Tx) logRemoteChange(userID, scopeID, table, rowID, op, ts string, fields map[string]any, base map[string]string) string {
	id := NewID()
	tx.pending = append(tx.pending, syncstore.Remote(id, userID, scopeID, table, rowID, op, ts, fields, base))
	return id
}

// Commit writes the queued change log entries, then commits. A member of
// a group (groupcommit.go) returns once its batch has committed.
func (tx *Tx) Commit(ctx context.Context) error {
	if tx.member != nil {
		return tx.commitMember(ctx)
	}
	if err := tx.flushChanges(ctx); err != nil {
		tx.rollback()
		return err
	}
	return tx.Tx.Commit(ctx)
}

// logEntry is a change log entry ready to be filed: its scope and base
// are worked out (syncstore.StampPending), now is its transaction's time.
type logEntry struct {
	syncstore.Pending
	now time.Time
}

func (tx *Tx) flushChanges(ctx context.Context) error {
	if len(tx.pending) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	entries, what, err := tx.stampChanges(ctx, b, nil)
	if err != nil {
		return err
	}
	if what, err = queueEntries(b, what, entries, tx.db.DeviceID); err != nil {
		return err
	}
	return sendBatch(ctx, tx, b, what)
}

// stampChanges takes the queued entries off tx, queues on b the new field
// clocks of the rows they touch and returns the entries, ready to be
// filed, and each queued statement's name (what, extended) for its error.
func (tx *Tx) stampChanges(ctx context.Context, b *pgx.Batch, what []string) ([]logEntry, []string, error) {
	pending := tx.pending
	tx.pending = nil
	dirty, err := syncstore.StampPending(pending, tx.db.DeviceID, func(tb *schema.Table, id string) (*syncstore.Row, error) {
		return tx.readRowClocks(ctx, tb, id)
	})
	if err != nil {
		return nil, nil, err
	}
	entries := make([]logEntry, len(pending))
	for i, p := range pending {
		entries[i] = logEntry{Pending: p, now: tx.now}
	}
	for _, d := range dirty {
		buf, err := json.Marshal(d.Clocks)
		if err != nil {
			return nil, nil, fmt.Errorf("postgres: encode clocks of %s %s: %w", d.Table, d.ID, err)
		}
		b.Queue(`UPDATE `+d.Table+` SET field_clocks = $1 WHERE id = $2`, string(buf), d.ID)
		what = append(what, "stamp clocks of "+d.Table+" "+d.ID)
	}
	return entries, what, nil
}

// queueEntries queues on b the scopes' seq ranges, then the entries, and
// returns what extended with each statement's name.
//
// The scopes are locked in id order. A scope's row stays locked from its
// upsert to COMMIT and every other writer of that scope waits as long, so
// the caller sends b as the last round trip before COMMIT: nothing runs in
// between but the entries' inserts, on the server, with no round trip of
// their own. An entry's seq is its scope's last_seq after the upsert (read
// back in the same transaction) less the entries of the scope queued after
// it.
func queueEntries(b *pgx.Batch, what []string, entries []logEntry, deviceID string) ([]string, error) {
	count := map[string]int64{}
	kind := map[string]string{}
	created := map[string]time.Time{}
	for _, e := range entries {
		s := e.Scope
		if count[s] == 0 {
			created[s] = e.now
		}
		count[s]++
		if s == e.UserID {
			kind[s] = "user"
		} else if kind[s] == "" {
			kind[s] = "team"
		}
	}
	ids := make([]string, 0, len(count))
	for s := range count {
		ids = append(ids, s)
	}
	sort.Strings(ids)
	for _, s := range ids {
		b.Queue(`INSERT INTO sync_scopes (id, kind, last_seq, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET last_seq = sync_scopes.last_seq + $3`, s, kind[s], count[s], created[s])
		what = append(what, "log change: scope "+s)
	}
	later := map[string]int64{}
	for s, n := range count {
		later[s] = n - 1
	}
	for _, e := range entries {
		fb, err := json.Marshal(e.Fields)
		if err != nil {
			return nil, fmt.Errorf("postgres: encode change of %s %s: %w", e.Table, e.RowID, err)
		}
		bb, err := json.Marshal(e.Base)
		if err != nil {
			return nil, fmt.Errorf("postgres: encode change of %s %s: %w", e.Table, e.RowID, err)
		}
		s := e.Scope
		b.Queue(`INSERT INTO changes (scope_id, seq, id, user_id, table_name, row_id, op, fields, base, origin, hlc, device_id, created_at)
			VALUES ($1, (SELECT last_seq FROM sync_scopes WHERE id = $1) - $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			s, later[s], e.ID, e.UserID, e.Table, e.RowID, e.Op, string(fb), string(bb), e.Origin(), e.HLC, deviceID, e.now)
		later[s]--
		what = append(what, "log change of "+e.Table+" "+e.RowID)
	}
	return what, nil
}

// sendBatch runs b in tx in one round trip; what names each statement.
func sendBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch, what []string) error {
	if b.Len() == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, b)
	for _, w := range what {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return formatError(err, w, onViolation{})
		}
	}
	if err := br.Close(); err != nil {
		return formatError(err, "log changes", onViolation{})
	}
	return nil
}

// readRowClocks reads a synced row's field clocks and, for a task, its
// team (its scope). A row that is not there has none.
func (tx *Tx) readRowClocks(ctx context.Context, tb *schema.Table, id string) (*syncstore.Row, error) {
	team := `''`
	if tb.Name == "tasks" {
		team = `team_id`
	}
	var raw []byte
	var scope string
	err := tx.QueryRow(ctx, `SELECT field_clocks, `+team+` FROM `+tb.Name+` WHERE id = $1`, id).Scan(&raw, &scope)
	if errors.Is(err, pgx.ErrNoRows) {
		return &syncstore.Row{Clocks: map[string]string{}}, nil
	} else if err != nil {
		return nil, formatError(err, "read clocks of "+tb.Name+" "+id, onViolation{})
	}
	rc := &syncstore.Row{Scope: scope, Exists: true}
	if err := json.Unmarshal(raw, &rc.Clocks); err != nil {
		// Unreadable clocks are the zero clock: the write stamps its
		// fields afresh instead of failing.
		rc.Clocks = nil
	}
	if rc.Clocks == nil {
		rc.Clocks = map[string]string{}
	}
	return rc, nil
}

// FindChanges returns a user's change log entries in clock order.
func (db *DB) FindChanges(ctx context.Context, f core.ChangeFilter) ([]*core.Change, error) {
	if f.UserID == "" {
		return nil, core.Errorf(core.EINVALID, "A user is required.")
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	if !storable(f.UserID, f.Table, f.RowID, f.After) {
		return nil, nil
	}
	q := `SELECT id, user_id, table_name, row_id, op, fields, hlc, device_id, created_at FROM changes WHERE user_id = $1`
	args := []any{f.UserID}
	if f.Table != "" {
		args = append(args, f.Table)
		q += fmt.Sprintf(` AND table_name = $%d`, len(args))
	}
	if f.RowID != "" {
		args = append(args, f.RowID)
		q += fmt.Sprintf(` AND row_id = $%d`, len(args))
	}
	if f.After != "" {
		args = append(args, f.After)
		q += fmt.Sprintf(` AND hlc > $%d`, len(args))
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY hlc, seq LIMIT $%d`, len(args))
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, formatError(err, "find changes", onViolation{})
	}
	defer rows.Close()
	var out []*core.Change
	for rows.Next() {
		var c core.Change
		var fields []byte
		if err := rows.Scan(&c.ID, &c.UserID, &c.Table, &c.RowID, &c.Op, &fields, &c.HLC, &c.DeviceID, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("postgres: scan change: %w", err)
		}
		if err := json.Unmarshal(fields, &c.Fields); err != nil {
			return nil, fmt.Errorf("postgres: decode change %s: %w", c.ID, err)
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find changes", onViolation{})
	}
	return out, nil
}
