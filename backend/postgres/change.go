package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"sentry/backend/core"
)

// logChange records one change log entry inside tx and returns its HLC,
// which callers store on the row. The entry's seq comes from the scope's
// row, locked until the transaction ends, so a scope's entries are
// numbered without gaps in commit order. The scope of a user's own data
// is the user.
func (tx *Tx) logChange(ctx context.Context, userID, table, rowID, op string, fields map[string]any) (string, error) {
	if fields == nil {
		fields = map[string]any{}
	}
	buf, err := json.Marshal(fields)
	if err != nil {
		return "", fmt.Errorf("postgres: encode change of %s %s: %w", table, rowID, err)
	}
	var seq int64
	if err := tx.QueryRow(ctx, `INSERT INTO sync_scopes (id, kind, last_seq, created_at) VALUES ($1, 'user', 1, $2)
		ON CONFLICT (id) DO UPDATE SET last_seq = sync_scopes.last_seq + 1 RETURNING last_seq`, userID, tx.now).Scan(&seq); err != nil {
		return "", formatError(err, "log change of "+table+" "+rowID+": scope", onViolation{})
	}
	ts := tx.db.hlc()
	if _, err := tx.Exec(ctx, `INSERT INTO changes (scope_id, seq, id, user_id, table_name, row_id, op, fields, hlc, device_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		userID, seq, NewID(), userID, table, rowID, op, string(buf), ts, tx.db.DeviceID, tx.now); err != nil {
		return "", formatError(err, "log change of "+table+" "+rowID, onViolation{})
	}
	return ts, nil
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
