package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"sentry/backend/core"
)

// logChange records one change log entry inside tx and returns its HLC,
// which callers store on the row.
func (tx *Tx) logChange(ctx context.Context, userID, table, rowID, op string, fields map[string]any) (string, error) {
	if fields == nil {
		fields = map[string]any{}
	}
	buf, err := json.Marshal(fields)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode change of %s %s: %w", table, rowID, err)
	}
	ts := tx.db.hlc()
	if _, err := tx.ExecContext(ctx, `INSERT INTO changes (id, user_id, table_name, row_id, op, fields, hlc, device_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		NewID(), userID, table, rowID, op, string(buf), ts, tx.db.DeviceID, formatTime(tx.now)); err != nil {
		return "", fmt.Errorf("sqlite: log change of %s %s: %w", table, rowID, err)
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
