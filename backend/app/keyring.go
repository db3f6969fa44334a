package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"sentry/backend/config"
)

// keyringService names the desktop's entries in the OS keyring.
const keyringService = "Sentry AI"

// desktopSecret keeps the desktop's token signing secret in the OS
// keyring (one per data folder). Without a usable keyring — no session
// bus, none installed, locked — it falls back to the 0600 file and says so.
func desktopSecret(cfg config.Config, logger *slog.Logger) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	if !keyringReachable(cfg) {
		logger.Warn("no OS keyring; the signing secret is kept in a 0600 file in the data folder",
			slog.String("hint", "install and unlock a Secret Service (gnome-keyring or KWallet) to keep it in the keyring"))
		return loadSecret(cfg)
	}
	user := "signing-secret " + filepath.Clean(cfg.DataDir)
	// A locked keyring may ask for a password in a dialog; don't let the
	// app's start wait on it for long.
	s, err := withTimeout(func() (string, error) { return keyring.Get(keyringService, user) })
	if err == nil && len(s) >= 64 {
		return []byte(s), nil
	}
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		logger.Warn("OS keyring unavailable; the signing secret is kept in a 0600 file", slog.Any("error", err))
		return loadSecret(cfg)
	}
	// Move a secret made before the keyring was available, so sessions survive.
	if b, err := os.ReadFile(filepath.Join(cfg.DataDir, SecretFile)); err == nil && len(b) >= 64 {
		s = strings.TrimSpace(string(b))
	} else {
		var raw [48]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return nil, fmt.Errorf("app: generate secret: %w", err)
		}
		s = hex.EncodeToString(raw[:])
	}
	if _, err := withTimeout(func() (string, error) { return "", keyring.Set(keyringService, user, s) }); err != nil {
		logger.Warn("OS keyring refused the secret; it is kept in a 0600 file", slog.Any("error", err))
		return loadSecret(cfg)
	}
	_ = os.Remove(filepath.Join(cfg.DataDir, SecretFile))
	return []byte(s), nil
}

// keyringReachable avoids starting a bus: the keyring is tried only in a
// desktop session that already has one.
func keyringReachable(cfg config.Config) bool { return cfg.HasSessionBus() }

var errKeyringTimeout = errors.New("the OS keyring did not answer in time (locked?)")

func withTimeout(f func() (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := f()
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-time.After(3 * time.Second):
		return "", errKeyringTimeout
	}
}
