package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"sentry/backend/core"
	"sentry/backend/syncstore"
	"sentry/sync/schema"
)

// The write path of sync.
//
// Every write to a user's data logs a change through logChange, in the
// same transaction. The entry is queued on the Tx and written just before
// the caller's savepoint is released (flushChanges, from Commit), because
// logChange is often called before an inserted row exists: by then every
// row the transaction touched is in place, so the store can read each
// row's field clocks once, record them on the entry as its base (what the
// writer had seen), stamp the changed fields with "<hlc>@<device_id>", and
// file the entry under its scope (a team task's team, else the owner).
//
// Writes the sync code applies (a pull on a device, a push on the server)
// come through logRemoteChange instead: their clocks are already on the
// row and their entry is origin 'remote', so they never go back out in
// this device's outbox, yet on a server they are the scope's pull feed.

// logChange records one change log entry inside tx and returns its HLC,
// which callers store on the row.
func (tx *Tx) logChange(ctx context.Context, userID, table, rowID, op string, fields map[string]any) (string, error) {
	ts := tx.db.hlc()
	tx.pending = append(tx.pending, syncstore.Local(NewID(), userID, table, rowID, op, ts, fields))
	return ts, nil
}

// logInsert logs the insert of a synced row and returns its HLC and the
// field clocks to write with the row: every synced field stamped with the
// insert's clock, as flushChanges would stamp them.
func (tx *Tx) logInsert(ctx context.Context, userID, table, rowID string, fields map[string]any) (string, string, error) {
	ts, err := tx.logChange(ctx, userID, table, rowID, core.OpInsert, fields)
	if err != nil {
		return "", "", err
	}
	buf, err := encodeFieldClocks(table, syncstore.InsertClocks(table, ts+"@"+tx.db.DeviceID))
	if err != nil {
		return "", "", fmt.Errorf("sqlite: encode clocks of %s %s: %w", table, rowID, err)
	}
	tx.pending[len(tx.pending)-1].Stamped = true
	return ts, string(buf), nil
}

// logRemoteChange records a write applied by the sync code: the row and
// its field_clocks are written by the caller; the entry names the scope
// and the base the remote writer had seen, and is not this device's to
// push. It returns the entry's id.
func (tx *Tx) logRemoteChange(userID, scopeID, table, rowID, op, ts string, fields map[string]any, base map[string]string) string {
	id := NewID()
	tx.pending = append(tx.pending, syncstore.Remote(id, userID, scopeID, table, rowID, op, ts, fields, base))
	return id
}

// flushChanges writes the queued entries and the rows' new field clocks.
// It runs inside the caller's savepoint, before it is released.
func (tx *Tx) flushChanges(ctx context.Context) error {
	if len(tx.pending) == 0 {
		return nil
	}
	pending := tx.pending
	tx.pending = nil
	dirty, err := syncstore.StampPending(pending, tx.db.DeviceID, func(tb *schema.Table, id string) (*syncstore.Row, error) {
		return tx.readRowClocks(ctx, tb, id)
	})
	if err != nil {
		return err
	}
	for i := range pending {
		p := &pending[i]
		fb, err := json.Marshal(p.Fields)
		if err != nil {
			return fmt.Errorf("sqlite: encode change of %s %s: %w", p.Table, p.RowID, err)
		}
		bb, err := json.Marshal(p.Base)
		if err != nil {
			return fmt.Errorf("sqlite: encode change of %s %s: %w", p.Table, p.RowID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO changes (id, user_id, scope_id, table_name, row_id, op, fields, base, origin, hlc, device_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.UserID, p.Scope, p.Table, p.RowID, p.Op, string(fb), string(bb), p.Origin(), p.HLC, tx.db.DeviceID, formatTime(tx.now)); err != nil {
			return fmt.Errorf("sqlite: log change of %s %s: %w", p.Table, p.RowID, err)
		}
	}
	for _, d := range dirty {
		buf, err := encodeFieldClocks(d.Table, d.Clocks)
		if err != nil {
			return fmt.Errorf("sqlite: encode clocks of %s %s: %w", d.Table, d.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+d.Table+` SET field_clocks = ? WHERE id = ?`, string(buf), d.ID); err != nil {
			return fmt.Errorf("sqlite: stamp clocks of %s %s: %w", d.Table, d.ID, err)
		}
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
	var raw, scope string
	err := tx.QueryRowContext(ctx, `SELECT field_clocks, `+team+` FROM `+tb.Name+` WHERE id = ?`, id).Scan(&raw, &scope)
	if errors.Is(err, sql.ErrNoRows) {
		return &syncstore.Row{Clocks: map[string]string{}}, nil
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: read clocks of %s %s: %w", tb.Name, id, err)
	}
	rc := &syncstore.Row{Scope: scope, Exists: true}
	if rc.Clocks, err = DecodeFieldClocks(tb.Name, raw); err != nil {
		// Unreadable clocks are the zero clock: the write stamps its
		// fields afresh instead of failing.
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
	q := `SELECT id, user_id, table_name, row_id, op, fields, hlc, device_id, created_at FROM changes WHERE user_id = ?`
	args := []any{f.UserID}
	if f.Table != "" {
		q += ` AND table_name = ?`
		args = append(args, f.Table)
	}
	if f.RowID != "" {
		q += ` AND row_id = ?`
		args = append(args, f.RowID)
	}
	if f.After != "" {
		q += ` AND hlc > ?`
		args = append(args, f.After)
	}
	q += ` ORDER BY hlc, seq LIMIT ?`
	args = append(args, f.Limit)
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find changes: %w", err)
	}
	defer rows.Close()
	var out []*core.Change
	for rows.Next() {
		var c core.Change
		var fields, created string
		if err := rows.Scan(&c.ID, &c.UserID, &c.Table, &c.RowID, &c.Op, &fields, &c.HLC, &c.DeviceID, &created); err != nil {
			return nil, fmt.Errorf("sqlite: scan change: %w", err)
		}
		if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
			return nil, fmt.Errorf("sqlite: decode change %s: %w", c.ID, err)
		}
		if c.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}
