package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
)

var _ core.AttemptStore = (*DB)(nil)

// ReserveAttempt serializes attempts on a key with a transaction-scoped
// advisory lock per key, taken in key order so that two attempts sharing
// keys never wait on each other in a circle.
func (db *DB) ReserveAttempt(ctx context.Context, keys []string, since, now, expires time.Time, check func(map[string]core.AttemptCount) error) (string, error) {
	keys = attemptKeys(keys)
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return "", fmt.Errorf("postgres: reserve attempt: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('sentry.auth.' || current_schema() || '.' || $1, 0))`, k); err != nil {
			return "", fmt.Errorf("postgres: reserve attempt: lock: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM auth_attempts WHERE key = ANY($1) AND expires_at <= $2`, keys, ms(now)); err != nil {
		return "", fmt.Errorf("postgres: reserve attempt: prune: %w", err)
	}
	counts, err := countAttempts(ctx, tx, keys, since, now)
	if err != nil {
		return "", err
	}
	if err := check(counts); err != nil {
		return "", err
	}
	id := NewID()
	if _, err := tx.Exec(ctx, `INSERT INTO auth_attempts (id, key, failed, at, expires_at)
		SELECT $1, k, false, $2, $3 FROM unnest($4::text[]) AS k`, id, ms(now), ms(expires), keys); err != nil {
		return "", fmt.Errorf("postgres: reserve attempt: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return "", fmt.Errorf("postgres: reserve attempt: commit: %w", err)
	}
	return id, nil
}

// EndAttempt turns the rows in flight into failures in one statement, so
// the attempt never stops counting on the way.
func (db *DB) EndAttempt(ctx context.Context, id string, failed bool, now, keep time.Time) error {
	var err error
	if failed {
		_, err = db.pool.Exec(ctx, `UPDATE auth_attempts SET failed = true, at = $2, expires_at = $3 WHERE id = $1`, id, ms(now), ms(keep))
	} else {
		_, err = db.pool.Exec(ctx, `DELETE FROM auth_attempts WHERE id = $1`, id)
	}
	if err != nil {
		return fmt.Errorf("postgres: end attempt %s: %w", id, err)
	}
	return nil
}

func (db *DB) RecordFailures(ctx context.Context, keys []string, now, keep time.Time) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO auth_attempts (id, key, failed, at, expires_at)
		SELECT $1, k, true, $2, $3 FROM unnest($4::text[]) AS k`, NewID(), ms(now), ms(keep), attemptKeys(keys)); err != nil {
		return fmt.Errorf("postgres: record failures: %w", err)
	}
	return nil
}

func (db *DB) CountAttempts(ctx context.Context, keys []string, since, now time.Time) (map[string]core.AttemptCount, error) {
	return countAttempts(ctx, db.pool, attemptKeys(keys), since, now)
}

func (db *DB) ForgetFailures(ctx context.Context, key string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM auth_attempts WHERE key = $1 AND failed`, key); err != nil {
		return fmt.Errorf("postgres: forget failures: %w", err)
	}
	return nil
}

func (db *DB) PruneAttempts(ctx context.Context, now time.Time) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM auth_attempts WHERE expires_at <= $1`, ms(now)); err != nil {
		return fmt.Errorf("postgres: prune attempts: %w", err)
	}
	return nil
}

type rowsQueryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func countAttempts(ctx context.Context, q rowsQueryer, keys []string, since, now time.Time) (map[string]core.AttemptCount, error) {
	rows, err := q.Query(ctx, `SELECT key, failed, at FROM auth_attempts
		WHERE key = ANY($1) AND (CASE WHEN failed THEN at >= $2 ELSE expires_at > $3 END)
		ORDER BY at, id`, keys, ms(since), ms(now))
	if err != nil {
		return nil, fmt.Errorf("postgres: count attempts: %w", err)
	}
	defer rows.Close()
	counts := make(map[string]core.AttemptCount, len(keys))
	for rows.Next() {
		var k string
		var failed bool
		var at time.Time
		if err := rows.Scan(&k, &failed, &at); err != nil {
			return nil, fmt.Errorf("postgres: count attempts: %w", err)
		}
		c := counts[k]
		if failed {
			c.Failures = append(c.Failures, at.UTC())
		} else {
			c.InFlight++
		}
		counts[k] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: count attempts: %w", err)
	}
	return counts, nil
}

// attemptKeys is keys sorted, without empty ones, duplicates or text the
// server cannot hold (which no attempt could have been recorded under).
func attemptKeys(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != "" && storable(k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
