package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
	"sentry/backend/syncstore"
)

// Compaction of the sync log: backend/syncstore's Compact runs it, this
// file gives it PostgreSQL's statements. The scope's marks and horizon are
// on its row of sync_scopes.
//
// Pushes go on meanwhile: they append entries under their scope's row
// lock, and a statement here only removes an entry when a later entry of
// the same row is committed, or when the row is deleted and its entry is
// the last. The horizon rises in the transaction that removes the
// tombstones, so a pull that no longer finds one sees the new horizon.
// The scope's row is updated only at the end, so a push to the scope
// waits (on its lock) for a moment at most.

// compactLock keeps compactions one at a time on a database that several
// servers share (the job queue runs one tick at a time already).
const compactLock = `SELECT pg_advisory_xact_lock(hashtextextended('sentry_sync_compaction', 0))`

// SyncHorizons returns each scope's horizon (absent for none).
func (db *DB) SyncHorizons(ctx context.Context, scopes []string) (map[string]int64, error) {
	out := make(map[string]int64, len(scopes))
	if len(scopes) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id, horizon_seq FROM sync_scopes WHERE id = ANY($1) AND horizon_seq > 0`, scopes)
	if err != nil {
		return nil, formatError(err, "sync horizons", onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var h int64
		if err := rows.Scan(&s, &h); err != nil {
			return nil, fmt.Errorf("postgres: sync horizons: %w", err)
		}
		out[s] = h
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "sync horizons", onViolation{})
	}
	return out, nil
}

// CompactSyncLog compacts every scope's log, one transaction per scope.
func (db *DB) CompactSyncLog(ctx context.Context, purgeBefore time.Time) (*core.SyncCompaction, error) {
	return syncstore.Compact(ctx, compactLog{db}, purgeBefore)
}

// compactLog is the SQL of compaction (syncstore.CompactLog).
type compactLog struct{ db *DB }

func (l compactLog) Scopes(ctx context.Context) ([]string, error) {
	rows, err := l.db.pool.Query(ctx, `SELECT id FROM sync_scopes ORDER BY id`)
	if err != nil {
		return nil, formatError(err, "compact: scopes", onViolation{})
	}
	defer rows.Close()
	var scopes []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("postgres: compact: scopes: %w", err)
		}
		scopes = append(scopes, s)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "compact: scopes", onViolation{})
	}
	return scopes, nil
}

// Begin takes the compaction lock. Seqs are given under the scope's row
// lock and committed in order, so every entry up to the highest seq read
// in the transaction is committed and visible.
func (l compactLog) Begin(ctx context.Context, scope string) (syncstore.CompactScope, error) {
	tx, err := l.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, compactLock); err != nil {
		tx.rollback()
		return nil, formatError(err, "compact: lock", onViolation{})
	}
	return &compactTx{tx: tx, scope: scope}, nil
}

// compactTx is one scope's compaction transaction.
type compactTx struct {
	tx    *Tx
	scope string
}

// Marks reads the scope's marks; the horizon is raised with greatest, so
// it starts from none.
func (c *compactTx) Marks(ctx context.Context) (m syncstore.Marks, ok bool, err error) {
	if err := c.tx.QueryRow(ctx, `SELECT coalesce((SELECT max(seq) FROM changes WHERE scope_id = $1), 0), compacted_seq, purged_seq
		FROM sync_scopes WHERE id = $1`, c.scope).Scan(&m.Last, &m.Compacted, &m.Purged); errors.Is(err, pgx.ErrNoRows) {
		return m, false, nil // the scope went (its account was deleted)
	} else if err != nil {
		return m, false, formatError(err, "compact "+c.scope, onViolation{})
	}
	return m, true, nil
}

func (c *compactTx) DropSuperseded(ctx context.Context, after, upTo int64) (int64, error) {
	tag, err := c.tx.Exec(ctx, `DELETE FROM changes c USING (
			SELECT DISTINCT table_name, row_id FROM changes WHERE scope_id = $1 AND seq > $2 AND seq <= $3 AND table_name = ANY($4)) n
		WHERE c.scope_id = $1 AND c.table_name = n.table_name AND c.row_id = n.row_id
		AND c.seq < (SELECT max(d.seq) FROM changes d WHERE d.scope_id = $1 AND d.table_name = n.table_name AND d.row_id = n.row_id)`,
		c.scope, after, upTo, syncedTableNames)
	if err != nil {
		return 0, formatError(err, "compact "+c.scope, onViolation{})
	}
	return tag.RowsAffected(), nil
}

func (c *compactTx) FirstYoung(ctx context.Context, after, upTo int64, before time.Time) (int64, bool, error) {
	var young int64
	err := c.tx.QueryRow(ctx, `SELECT seq FROM changes WHERE scope_id = $1 AND seq > $2 AND seq <= $3 AND created_at >= $4 ORDER BY seq LIMIT 1`,
		c.scope, after, upTo, before).Scan(&young)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, formatError(err, "compact "+c.scope, onViolation{})
	}
	return young, true, nil
}

func (c *compactTx) PurgeTombstones(ctx context.Context, table string, after, upTo int64) (n, high int64, err error) {
	if err := c.tx.QueryRow(ctx, `WITH gone AS (
			DELETE FROM changes c WHERE c.scope_id = $1 AND c.seq > $2 AND c.seq <= $3 AND c.table_name = $4
			AND NOT EXISTS (SELECT 1 FROM `+table+` r WHERE r.id = c.row_id AND r.deleted_at IS NULL)
			AND c.seq = (SELECT max(d.seq) FROM changes d WHERE d.scope_id = c.scope_id AND d.table_name = c.table_name AND d.row_id = c.row_id)
			RETURNING c.seq)
		SELECT count(*), coalesce(max(seq), 0) FROM gone`, c.scope, after, upTo, table).Scan(&n, &high); err != nil {
		return 0, 0, formatError(err, "purge tombstones of "+table, onViolation{})
	}
	return n, high, nil
}

// Save raises the marks on the scope's row, updated only now so that a
// push to the scope waits (on its lock) for a moment at most.
func (c *compactTx) Save(ctx context.Context, m syncstore.Marks) error {
	if _, err := c.tx.Exec(ctx, `UPDATE sync_scopes SET horizon_seq = greatest(horizon_seq, $2), compacted_seq = greatest(compacted_seq, $3),
		purged_seq = greatest(purged_seq, $4) WHERE id = $1`, c.scope, m.Horizon, m.Compacted, m.Purged); err != nil {
		return formatError(err, "compact "+c.scope, onViolation{})
	}
	return nil
}

func (c *compactTx) Commit(ctx context.Context) error { return c.tx.commit(ctx, "compact "+c.scope) }

func (c *compactTx) Rollback() { c.tx.rollback() }
