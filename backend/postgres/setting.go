package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// GetSetting reads an installation setting ("" when unset).
func (db *DB) GetSetting(ctx context.Context, key string) (string, error) {
	if !storable(key) {
		return "", nil
	}
	var v string
	err := db.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, "setting:"+key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", formatError(err, "get setting "+key, onViolation{})
	}
	return v, nil
}

// SetSetting stores an installation setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		"setting:"+key, value); err != nil {
		return formatError(err, "set setting "+key, onViolation{})
	}
	return nil
}
