package sqlite

import (
	"context"
	"fmt"

	"sentry/backend/core"
	"sentry/sync/schema"
)

// A device whose cursor fell below the server's horizon (its log was
// compacted past deletions this device never pulled) downloads the scope
// again from the start. startResync lists the rows this device holds in
// the scope; each pulled entry strikes its row off; at the end of the
// download finishResync drops the rows left — the server no longer has
// them — unless they hold local changes it has not acknowledged (pending,
// or refused and shown): those stay, and pending ones are pushed.

// startResync lists the scope's local rows, replacing an earlier list of
// it (a download that starts over needs all of them again).
func (tx *Tx) startResync(ctx context.Context, b *core.SyncBinding, scopeID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sync_resync_rows WHERE scope_id = ?`, scopeID); err != nil {
		return fmt.Errorf("sqlite: start resync of %s: %w", scopeID, err)
	}
	personal := scopeID == b.RemoteUserID
	for _, t := range schema.Tables {
		_, teamed := t.Field("team_id")
		var where string
		var args []any
		switch {
		case personal && teamed:
			where, args = `user_id = ? AND ifnull(team_id, '') = ''`, []any{b.LocalUserID}
		case personal:
			where, args = `user_id = ?`, []any{b.LocalUserID}
		case teamed:
			where, args = `team_id = ?`, []any{scopeID}
		default:
			continue // personal data is never in a team's scope
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO sync_resync_rows (scope_id, table_name, row_id)
			SELECT ?, ?, id FROM `+t.Name+` WHERE `+where, append([]any{scopeID, t.Name}, args...)...); err != nil {
			return fmt.Errorf("sqlite: list %s of scope %s: %w", t.Name, scopeID, err)
		}
	}
	return nil
}

// resyncing reports whether a scope is being downloaded again.
func (tx *Tx) resyncing(ctx context.Context) (bool, error) {
	var on bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sync_resync_rows)`).Scan(&on); err != nil {
		return false, fmt.Errorf("sqlite: resync state: %w", err)
	}
	return on, nil
}

// resyncSeen strikes a pulled row off the lists.
func (tx *Tx) resyncSeen(ctx context.Context, table, rowID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sync_resync_rows WHERE table_name = ? AND row_id = ?`, table, rowID); err != nil {
		return fmt.Errorf("sqlite: resync %s %s: %w", table, rowID, err)
	}
	return nil
}

// finishResync drops the listed rows the download did not bring, except
// those with local changes the server has not acknowledged.
func (tx *Tx) finishResync(ctx context.Context, b *core.SyncBinding) ([]core.SyncApplied, error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.table_name, r.row_id FROM sync_resync_rows r
		WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.table_name = r.table_name AND c.row_id = r.row_id
			AND c.origin = 'local' AND c.pushed_at IS NULL)
		ORDER BY r.table_name, r.row_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: finish resync: %w", err)
	}
	type gone struct{ table, id string }
	var drop []gone
	for rows.Next() {
		var g gone
		if err := rows.Scan(&g.table, &g.id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: finish resync: %w", err)
		}
		drop = append(drop, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: finish resync: %w", err)
	}
	var out []core.SyncApplied
	for _, g := range drop {
		t, ok := schema.Lookup(g.table)
		if !ok {
			continue
		}
		var live bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+t.Name+` WHERE id = ? AND deleted_at IS NULL)`, g.id).Scan(&live); err != nil {
			return nil, fmt.Errorf("sqlite: finish resync: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.Name+` WHERE id = ?`, g.id); err != nil {
			return nil, fmt.Errorf("sqlite: drop %s %s the server no longer has: %w", t.Name, g.id, err)
		}
		if live {
			out = append(out, core.SyncApplied{Table: t.Name, RowID: g.id, UserID: b.LocalUserID, Op: core.OpDelete})
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sync_resync_rows`); err != nil {
		return nil, fmt.Errorf("sqlite: finish resync: %w", err)
	}
	return out, nil
}
