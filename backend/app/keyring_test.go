package app_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"sentry/backend/app"
	"sentry/backend/config"
)

// TestDesktopSecretInKeyring runs against the real Secret Service (make
// test starts gnome-keyring in a private D-Bus session for it).
func TestDesktopSecretInKeyring(t *testing.T) {
	if os.Getenv("SENTRY_KEYRING_TEST") == "" {
		t.Skip("skipped: set SENTRY_KEYRING_TEST=1 inside a D-Bus session with an unlocked keyring (make test does)")
	}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	start := func() *app.App {
		a, err := app.New(context.Background(), app.Options{Config: cfg, Desktop: true, BcryptCost: 4})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := start()
	u, err := a.LocalUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Auth.IssueAccessToken(u)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if _, err := os.Stat(filepath.Join(cfg.DataDir, app.SecretFile)); !os.IsNotExist(err) {
		t.Fatalf("the secret was written to a file: %v", err)
	}
	b := start()
	defer b.Close()
	if _, err := b.Auth.Authenticate(context.Background(), tok); err != nil {
		t.Fatalf("a token from before the restart: %v", err)
	}
}

func TestDesktopSecretFallsBackWithoutKeyring(t *testing.T) {
	if os.Getenv("SENTRY_KEYRING_TEST") != "" {
		t.Skip("a keyring is running")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, err := app.New(context.Background(), app.Options{Config: cfg, Desktop: true, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	fi, err := os.Stat(filepath.Join(cfg.DataDir, app.SecretFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("fallback secret file: %v %v", fi, err)
	}
}
