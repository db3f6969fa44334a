package postgres

import (
	"context"
	"fmt"
)

// SigningSecret returns the token signing secret every server on this
// database shares. The first server to ask stores candidate; every later
// one (and that one) reads back what was stored, so all of them sign and
// check tokens with one key. It lives in meta beside the device id: anyone
// who can read the database can already read every account, so it adds no
// exposure a separate file would avoid.
func (db *DB) SigningSecret(ctx context.Context, candidate string) (string, error) {
	if _, err := db.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('signing_secret', $1) ON CONFLICT (key) DO NOTHING`, candidate); err != nil {
		return "", fmt.Errorf("postgres: store signing secret: %w", err)
	}
	var s string
	if err := db.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'signing_secret'`).Scan(&s); err != nil {
		return "", fmt.Errorf("postgres: read signing secret: %w", err)
	}
	return s, nil
}
