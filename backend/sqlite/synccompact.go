package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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

// compactScope compacts one scope in one transaction. After a run every
// row of the scope has at most one entry up to compacted_seq, so the next
// run looks only at rows with an entry after it; and every entry up to
// purged_seq has been judged as a tombstone once it was old enough, so
// the next run judges only the entries after it that have aged since.
func (db *DB) compactScope(ctx context.Context, scope string, purgeBefore time.Time) (superseded, purged int64, err error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	var last, compacted, purgedTo, horizon int64
	if err := tx.QueryRowContext(ctx, `SELECT ifnull((SELECT max(seq) FROM changes WHERE scope_id = ?1), 0),
		ifnull((SELECT compacted_seq FROM sync_horizons WHERE scope_id = ?1), 0), ifnull((SELECT purged_seq FROM sync_horizons WHERE scope_id = ?1), 0),
		ifnull((SELECT horizon_seq FROM sync_horizons WHERE scope_id = ?1), 0)`, scope).Scan(&last, &compacted, &purgedTo, &horizon); err != nil {
		return 0, 0, fmt.Errorf("sqlite: compact %s: %w", scope, err)
	}
	if last <= compacted && last <= purgedTo {
		return 0, 0, nil // nothing new
	}
	// The older entries of the rows written since the last run.
	if superseded, err = tx.compactRows(ctx, scope, compacted, last); err != nil {
		return 0, 0, err
	}
	// The entries after purged_seq written before purgeBefore: up to the
	// first younger one (entries are numbered in the order written).
	cutoff := formatTime(purgeBefore)
	to := last
	var young int64
	err = tx.QueryRowContext(ctx, `SELECT seq FROM changes WHERE scope_id = ? AND seq > ? AND seq <= ? AND created_at >= ? ORDER BY seq LIMIT 1`,
		scope, purgedTo, last, cutoff).Scan(&young)
	switch {
	case err == nil:
		to = young - 1
	case !errors.Is(err, sql.ErrNoRows):
		return 0, 0, fmt.Errorf("sqlite: compact %s: %w", scope, err)
	}
	if to > purgedTo {
		for _, t := range schema.Tables {
			// The last entry of a row that is deleted (or gone).
			rows, err := tx.QueryContext(ctx, `DELETE FROM changes WHERE scope_id = ?1 AND seq > ?2 AND seq <= ?3 AND table_name = ?4
				AND NOT EXISTS (SELECT 1 FROM `+t.Name+` r WHERE r.id = changes.row_id AND r.deleted_at IS NULL)
				AND seq = (SELECT max(c.seq) FROM changes c WHERE c.table_name = changes.table_name AND c.row_id = changes.row_id AND c.scope_id = changes.scope_id)
				RETURNING seq`, scope, purgedTo, to, t.Name)
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
		purgedTo = to
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sync_horizons (scope_id, horizon_seq, compacted_seq, purged_seq) VALUES (?, ?, ?, ?)
		ON CONFLICT(scope_id) DO UPDATE SET horizon_seq = max(horizon_seq, excluded.horizon_seq),
			compacted_seq = max(compacted_seq, excluded.compacted_seq), purged_seq = max(purged_seq, excluded.purged_seq)`,
		scope, horizon, last, purgedTo); err != nil {
		return 0, 0, fmt.Errorf("sqlite: compact %s: %w", scope, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("sqlite: compact %s: commit: %w", scope, err)
	}
	return superseded, purged, nil
}

// compactRows removes the older entries of each row with an entry in
// (after, upTo], 500 rows a statement.
func (tx *Tx) compactRows(ctx context.Context, scope string, after, upTo int64) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT table_name, row_id FROM changes WHERE scope_id = ? AND seq > ? AND seq <= ? AND table_name IN (`+syncedTableList+`)`,
		scope, after, upTo)
	if err != nil {
		return 0, fmt.Errorf("sqlite: compact %s: %w", scope, err)
	}
	byTable := map[string][]string{}
	for rows.Next() {
		var table, id string
		if err := rows.Scan(&table, &id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlite: compact %s: %w", scope, err)
		}
		byTable[table] = append(byTable[table], id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlite: compact %s: %w", scope, err)
	}
	var n int64
	for table, ids := range byTable {
		for len(ids) > 0 {
			k := min(len(ids), 500)
			list, err := json.Marshal(ids[:k])
			if err != nil {
				return n, err
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM changes WHERE table_name = ?1 AND row_id IN (SELECT value FROM json_each(?2)) AND scope_id = ?3
				AND seq < (SELECT max(d.seq) FROM changes d WHERE d.table_name = ?1 AND d.row_id = changes.row_id AND d.scope_id = ?3)`,
				table, string(list), scope)
			if err != nil {
				return n, fmt.Errorf("sqlite: compact %s: %w", scope, err)
			}
			m, _ := res.RowsAffected()
			n += m
			ids = ids[k:]
		}
	}
	return n, nil
}
