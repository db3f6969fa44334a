package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
	"sentry/sync/schema"
)

// Compaction of the sync log, as in the SQLite store's synccompact.go: the
// feed sends each row's current state at the seq of its last entry, so
// older entries are removed; a deleted row's last entry goes too once it
// is older than the retention, and the scope's horizon (sync_scopes)
// rises to its seq. Rows stay in their tables as skeletons.
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
	out := &core.SyncCompaction{}
	rows, err := db.pool.Query(ctx, `SELECT id FROM sync_scopes ORDER BY id`)
	if err != nil {
		return nil, formatError(err, "compact: scopes", onViolation{})
	}
	var scopes []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: compact: scopes: %w", err)
		}
		scopes = append(scopes, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "compact: scopes", onViolation{})
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

// compactScope compacts one scope in one transaction, looking only at
// what is new since the last run (sync_scopes.compacted_seq, purged_seq),
// as the SQLite store does. Seqs are given under the scope's row lock and
// committed in order, so every entry up to the highest seq read here is
// committed and visible.
func (db *DB) compactScope(ctx context.Context, scope string, purgeBefore time.Time) (superseded, purged int64, err error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.rollback()
	if _, err := tx.Exec(ctx, compactLock); err != nil {
		return 0, 0, formatError(err, "compact: lock", onViolation{})
	}
	var last, compacted, purgedTo int64
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT max(seq) FROM changes WHERE scope_id = $1), 0), compacted_seq, purged_seq
		FROM sync_scopes WHERE id = $1`, scope).Scan(&last, &compacted, &purgedTo); errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, nil // the scope went (its account was deleted)
	} else if err != nil {
		return 0, 0, formatError(err, "compact "+scope, onViolation{})
	}
	if last <= compacted && last <= purgedTo {
		return 0, 0, nil // nothing new
	}
	// The older entries of the rows written since the last run.
	tag, err := tx.Exec(ctx, `DELETE FROM changes c USING (
			SELECT DISTINCT table_name, row_id FROM changes WHERE scope_id = $1 AND seq > $2 AND seq <= $3 AND table_name = ANY($4)) n
		WHERE c.scope_id = $1 AND c.table_name = n.table_name AND c.row_id = n.row_id
		AND c.seq < (SELECT max(d.seq) FROM changes d WHERE d.scope_id = $1 AND d.table_name = n.table_name AND d.row_id = n.row_id)`,
		scope, compacted, last, syncedTableNames)
	if err != nil {
		return 0, 0, formatError(err, "compact "+scope, onViolation{})
	}
	superseded = tag.RowsAffected()
	// The entries after purged_seq written before purgeBefore: up to the
	// first younger one (entries are numbered in the order written).
	to := last
	var young int64
	err = tx.QueryRow(ctx, `SELECT seq FROM changes WHERE scope_id = $1 AND seq > $2 AND seq <= $3 AND created_at >= $4 ORDER BY seq LIMIT 1`,
		scope, purgedTo, last, purgeBefore).Scan(&young)
	switch {
	case err == nil:
		to = young - 1
	case !errors.Is(err, pgx.ErrNoRows):
		return 0, 0, formatError(err, "compact "+scope, onViolation{})
	}
	var horizon int64
	if to > purgedTo {
		for _, t := range schema.Tables {
			var n, high int64
			// The last entry of a row that is deleted (or gone).
			if err := tx.QueryRow(ctx, `WITH gone AS (
					DELETE FROM changes c WHERE c.scope_id = $1 AND c.seq > $2 AND c.seq <= $3 AND c.table_name = $4
					AND NOT EXISTS (SELECT 1 FROM `+t.Name+` r WHERE r.id = c.row_id AND r.deleted_at IS NULL)
					AND c.seq = (SELECT max(d.seq) FROM changes d WHERE d.scope_id = c.scope_id AND d.table_name = c.table_name AND d.row_id = c.row_id)
					RETURNING c.seq)
				SELECT count(*), coalesce(max(seq), 0) FROM gone`, scope, purgedTo, to, t.Name).Scan(&n, &high); err != nil {
				return 0, 0, formatError(err, "purge tombstones of "+t.Name, onViolation{})
			}
			purged += n
			horizon = max(horizon, high)
		}
		purgedTo = to
	}
	if _, err := tx.Exec(ctx, `UPDATE sync_scopes SET horizon_seq = greatest(horizon_seq, $2), compacted_seq = greatest(compacted_seq, $3),
		purged_seq = greatest(purged_seq, $4) WHERE id = $1`, scope, horizon, last, purgedTo); err != nil {
		return 0, 0, formatError(err, "compact "+scope, onViolation{})
	}
	if err := tx.commit(ctx, "compact "+scope); err != nil {
		return 0, 0, err
	}
	return superseded, purged, nil
}
