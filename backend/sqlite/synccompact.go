package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sentry/backend/core"
	"sentry/sync/schema"
)

// Compaction of the sync log (SYNC.md §3.5). The feed sends each row's
// current state read from its table, at the seq of the row's last log
// entry, so only that entry matters: older ones are superseded. A deleted
// row's last entry (its tombstone) goes too once it is older than the
// retention; the scope's horizon then rises to its seq, and a device whose
// cursor is below the horizon downloads the scope again. The row itself
// stays in its table as a skeleton (id, deleted_at, clocks), so a late
// edit from a device that was away cannot bring it back.

// SyncHorizons returns each scope's horizon (absent for none).
func (db *DB) SyncHorizons(ctx context.Context, scopes []string) (map[string]int64, error) {
	out := make(map[string]int64, len(scopes))
	if len(scopes) == 0 {
		return out, nil
	}
	args := make([]any, len(scopes))
	for i, s := range scopes {
		args[i] = s
	}
	rows, err := db.read.QueryContext(ctx, `SELECT scope_id, horizon_seq FROM sync_horizons WHERE scope_id IN (?`+strings.Repeat(", ?", len(scopes)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sync horizons: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var h int64
		if err := rows.Scan(&s, &h); err != nil {
			return nil, fmt.Errorf("sqlite: sync horizons: %w", err)
		}
		out[s] = h
	}
	return out, rows.Err()
}

// CompactSyncLog compacts every scope's log, one transaction per scope.
// Only a folder that serves devices (and is not itself one) is compacted:
// on a device the log is the outbox, whose every change is sent as
// written (a row's first change names all its fields), and the history of
// what was pulled.
func (db *DB) CompactSyncLog(ctx context.Context, purgeBefore time.Time) (*core.SyncCompaction, error) {
	out := &core.SyncCompaction{}
	var serves, bound bool
	if err := db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sync_devices), EXISTS (SELECT 1 FROM sync_client)`).Scan(&serves, &bound); err != nil {
		return nil, fmt.Errorf("sqlite: compact: %w", err)
	}
	if !serves || bound {
		return out, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT scope_id FROM changes WHERE scope_id <> ''`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: compact: scopes: %w", err)
	}
	var scopes []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: compact: scopes: %w", err)
		}
		scopes = append(scopes, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: compact: scopes: %w", err)
	}
	for _, s := range scopes {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		superseded, purged, err := db.compactScope(ctx, s, purgeBefore)
		if err != nil {
			return out, err
		}
		out.Scopes++
		out.Superseded += superseded
		out.Tombstones += purged
	}
	return out, nil
}

func (db *DB) compactScope(ctx context.Context, scope string, purgeBefore time.Time) (superseded, purged int64, err error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM changes WHERE scope_id = ? AND table_name IN (`+syncedTableList+`)
		AND seq < (SELECT max(c.seq) FROM changes c WHERE c.table_name = changes.table_name AND c.row_id = changes.row_id AND c.scope_id = changes.scope_id)`, scope)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: compact %s: %w", scope, err)
	}
	superseded, _ = res.RowsAffected()
	cutoff := formatTime(purgeBefore)
	var horizon int64
	for _, t := range schema.Tables {
		// The last entry of a row that is deleted (or gone) and older
		// than the retention.
		rows, err := tx.QueryContext(ctx, `DELETE FROM changes WHERE scope_id = ? AND table_name = ? AND created_at < ?
			AND NOT EXISTS (SELECT 1 FROM `+t.Name+` r WHERE r.id = changes.row_id AND r.deleted_at IS NULL)
			AND seq = (SELECT max(c.seq) FROM changes c WHERE c.table_name = changes.table_name AND c.row_id = changes.row_id AND c.scope_id = changes.scope_id)
			RETURNING seq`, scope, t.Name, cutoff)
		if err != nil {
			return 0, 0, fmt.Errorf("sqlite: purge tombstones of %s in %s: %w", t.Name, scope, err)
		}
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				rows.Close()
				return 0, 0, fmt.Errorf("sqlite: purge tombstones: %w", err)
			}
			purged++
			horizon = max(horizon, seq)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, 0, fmt.Errorf("sqlite: purge tombstones of %s in %s: %w", t.Name, scope, err)
		}
	}
	if horizon > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_horizons (scope_id, horizon_seq) VALUES (?, ?)
			ON CONFLICT(scope_id) DO UPDATE SET horizon_seq = max(horizon_seq, excluded.horizon_seq)`, scope, horizon); err != nil {
			return 0, 0, fmt.Errorf("sqlite: raise horizon of %s: %w", scope, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("sqlite: compact %s: commit: %w", scope, err)
	}
	return superseded, purged, nil
}
