package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sentry/backend/config"
	"sentry/backend/postgres"
)

// sharedSecret is the signing secret of a server on PostgreSQL: SENTRY_SECRET
// when set, else the one kept in the database, so that every server on it
// accepts the tokens of the others. The first server stores it: the
// secret.key of its data folder when there is one (a server that ran alone
// before keeps its users signed in and its integration tokens readable),
// else a new random one. Nothing is written to the data folder.
func sharedSecret(ctx context.Context, cfg config.Config, pg *postgres.DB) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	candidate := ""
	if b, err := os.ReadFile(filepath.Join(cfg.DataDir, SecretFile)); err == nil && len(strings.TrimSpace(string(b))) >= 64 {
		candidate = strings.TrimSpace(string(b))
	} else {
		var raw [48]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return nil, fmt.Errorf("app: generate secret: %w", err)
		}
		candidate = hex.EncodeToString(raw[:])
	}
	s, err := pg.SigningSecret(ctx, candidate)
	if err != nil {
		return nil, err
	}
	if len(s) < 64 {
		return nil, fmt.Errorf("app: the signing secret in the database is damaged (too short); delete the meta row signing_secret to generate a new one (this signs everyone out)")
	}
	return []byte(s), nil
}
