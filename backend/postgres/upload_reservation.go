package postgres

import (
	"context"
	"fmt"
	"time"

	"sentry/backend/core"
)

var _ core.UploadReservationStore = (*DB)(nil)

// ReserveUploadBytes serializes a user's reservations with a
// transaction-scoped advisory lock on the user, so that two servers
// reserving at once each see the other's row: what is free is the quota
// less live uploads and unexpired reservations.
func (db *DB) ReserveUploadBytes(ctx context.Context, userID string, want, quota int64, now, expires time.Time) (string, int64, error) {
	if !storable(userID) {
		return "", 0, core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return "", 0, fmt.Errorf("postgres: reserve upload bytes: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('sentry.upload.' || current_schema() || '.' || $1, 0))`, userID); err != nil {
		return "", 0, fmt.Errorf("postgres: reserve upload bytes: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM upload_reservations WHERE user_id = $1 AND expires_at <= $2`, userID, ms(now)); err != nil {
		return "", 0, fmt.Errorf("postgres: reserve upload bytes: prune: %w", err)
	}
	var stored, reserved int64
	if err := tx.QueryRow(ctx, `SELECT
		(SELECT coalesce(sum(size_bytes), 0)::bigint FROM uploads WHERE user_id = $1 AND deleted_at IS NULL AND status <> 'failed'),
		(SELECT coalesce(sum(bytes), 0)::bigint FROM upload_reservations WHERE user_id = $1)`, userID).Scan(&stored, &reserved); err != nil {
		return "", 0, fmt.Errorf("postgres: reserve upload bytes: %w", err)
	}
	n := max(min(want, quota-stored-reserved), 0)
	if n == 0 {
		return "", 0, nil
	}
	id := NewID()
	if _, err := tx.Exec(ctx, `INSERT INTO upload_reservations (id, user_id, bytes, expires_at) VALUES ($1, $2, $3, $4)`,
		id, userID, n, ms(expires)); err != nil {
		return "", 0, formatError(err, "reserve upload bytes", userMissing)
	}
	if err := tx.Commit(ctx); err != nil {
		return "", 0, fmt.Errorf("postgres: reserve upload bytes: commit: %w", err)
	}
	return id, n, nil
}

// UpdateUploadReservation sets a reservation's bytes and expiry.
func (db *DB) UpdateUploadReservation(ctx context.Context, id string, bytes int64, expires time.Time) error {
	if _, err := db.pool.Exec(ctx, `UPDATE upload_reservations SET bytes = $2, expires_at = $3 WHERE id = $1`, id, max(bytes, 0), ms(expires)); err != nil {
		return fmt.Errorf("postgres: update upload reservation %s: %w", id, err)
	}
	return nil
}

// ReleaseUploadReservation removes a reservation.
func (db *DB) ReleaseUploadReservation(ctx context.Context, id string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM upload_reservations WHERE id = $1`, id); err != nil {
		return fmt.Errorf("postgres: release upload reservation %s: %w", id, err)
	}
	return nil
}
