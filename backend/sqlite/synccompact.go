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
	"sentry/backend/syncstore"
)

// Compaction of the sync log: backend/syncstore's Compact runs it, this
// file gives it SQLite's statements. A row whose entries are removed stays
// in its table as a skeleton (id, deleted_at, clocks).

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
	return syncstore.Compact(ctx, compactLog{db}, purgeBefore)
}

// compactLog is the SQL of compaction (syncstore.CompactLog).
type compactLog struct{ db *DB }

func (l compactLog) Scopes(ctx context.Context) ([]string, error) {
	db := l.db
	var serves, bound bool
	if err := db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sync_devices), EXISTS (SELECT 1 FROM sync_client)`).Scan(&serves, &bound); err != nil {
		return nil, fmt.Errorf("sqlite: compact: %w", err)
	}
	if !serves || bound {
		return nil, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT scope_id FROM changes WHERE scope_id <> ''`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: compact: scopes: %w", err)
	}
	defer rows.Close()
	var scopes []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("sqlite: compact: scopes: %w", err)
		}
		scopes = append(scopes, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: compact: scopes: %w", err)
	}
	return scopes, nil
}

func (l compactLog) Begin(ctx context.Context, scope string) (syncstore.CompactScope, error) {
	tx, err := l.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	return &compactTx{tx: tx, scope: scope}, nil
}

// compactTx is one scope's compaction transaction.
type compactTx struct {
	tx    *Tx
	scope string
}

func (c *compactTx) Marks(ctx context.Context) (m syncstore.Marks, ok bool, err error) {
	if err := c.tx.QueryRowContext(ctx, `SELECT ifnull((SELECT max(seq) FROM changes WHERE scope_id = ?1), 0),
		ifnull((SELECT compacted_seq FROM sync_horizons WHERE scope_id = ?1), 0), ifnull((SELECT purged_seq FROM sync_horizons WHERE scope_id = ?1), 0),
		ifnull((SELECT horizon_seq FROM sync_horizons WHERE scope_id = ?1), 0)`, c.scope).Scan(&m.Last, &m.Compacted, &m.Purged, &m.Horizon); err != nil {
		return m, false, fmt.Errorf("sqlite: compact %s: %w", c.scope, err)
	}
	return m, true, nil
}

func (c *compactTx) DropSuperseded(ctx context.Context, after, upTo int64) (int64, error) {
	return c.tx.compactRows(ctx, c.scope, after, upTo)
}

func (c *compactTx) FirstYoung(ctx context.Context, after, upTo int64, before time.Time) (int64, bool, error) {
	var young int64
	err := c.tx.QueryRowContext(ctx, `SELECT seq FROM changes WHERE scope_id = ? AND seq > ? AND seq <= ? AND created_at >= ? ORDER BY seq LIMIT 1`,
		c.scope, after, upTo, formatTime(before)).Scan(&young)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("sqlite: compact %s: %w", c.scope, err)
	}
	return young, true, nil
}

func (c *compactTx) PurgeTombstones(ctx context.Context, table string, after, upTo int64) (n, high int64, err error) {
	rows, err := c.tx.QueryContext(ctx, `DELETE FROM changes WHERE scope_id = ?1 AND seq > ?2 AND seq <= ?3 AND table_name = ?4
		AND NOT EXISTS (SELECT 1 FROM `+table+` r WHERE r.id = changes.row_id AND r.deleted_at IS NULL)
		AND seq = (SELECT max(c.seq) FROM changes c WHERE c.table_name = changes.table_name AND c.row_id = changes.row_id AND c.scope_id = changes.scope_id)
		RETURNING seq`, c.scope, after, upTo, table)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: purge tombstones of %s in %s: %w", table, c.scope, err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return 0, 0, fmt.Errorf("sqlite: purge tombstones: %w", err)
		}
		n++
		high = max(high, seq)
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("sqlite: purge tombstones of %s in %s: %w", table, c.scope, err)
	}
	return n, high, nil
}

func (c *compactTx) Save(ctx context.Context, m syncstore.Marks) error {
	if _, err := c.tx.ExecContext(ctx, `INSERT INTO sync_horizons (scope_id, horizon_seq, compacted_seq, purged_seq) VALUES (?, ?, ?, ?)
		ON CONFLICT(scope_id) DO UPDATE SET horizon_seq = max(horizon_seq, excluded.horizon_seq),
			compacted_seq = max(compacted_seq, excluded.compacted_seq), purged_seq = max(purged_seq, excluded.purged_seq)`,
		c.scope, m.Horizon, m.Compacted, m.Purged); err != nil {
		return fmt.Errorf("sqlite: compact %s: %w", c.scope, err)
	}
	return nil
}

func (c *compactTx) Commit(context.Context) error {
	if err := c.tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: compact %s: commit: %w", c.scope, err)
	}
	return nil
}

func (c *compactTx) Rollback() { _ = c.tx.Rollback() }

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
