package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sentry/backend/config"
)

// The database URL comes from the file (database_url), the environment
// (SENTRY_DATABASE_URL) or --database-url, in that rising order.
func TestDatabaseURLPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(file, []byte(`{"database_url":"postgres://file@db/sentry"}`), 0o600)
	c, err := load(t, []string{"--config", file}, nil)
	if err != nil || c.DatabaseURL != "postgres://file@db/sentry" || !c.Postgres() {
		t.Fatalf("file: %q %v", c.DatabaseURL, err)
	}
	c, _ = load(t, []string{"--config", file}, map[string]string{"SENTRY_DATABASE_URL": "postgres://env@db/sentry"})
	if c.DatabaseURL != "postgres://env@db/sentry" {
		t.Fatalf("env: %q", c.DatabaseURL)
	}
	c, _ = load(t, []string{"--config", file, "--database-url", "postgresql://flag@db/sentry"}, map[string]string{"SENTRY_DATABASE_URL": "postgres://env@db/sentry"})
	if c.DatabaseURL != "postgresql://flag@db/sentry" {
		t.Fatalf("flag: %q", c.DatabaseURL)
	}
	if c, _ := load(t, nil, nil); c.Postgres() {
		t.Fatal("SQLite is the default")
	}
}

// Validation accepts PostgreSQL URLs with a host (or socket directory) and
// a database, refuses the rest without quoting the URL (it may hold a
// password), and keeps the desktop on SQLite.
func TestDatabaseURLValidation(t *testing.T) {
	base := config.Default()
	base.DataDir = "/tmp/x"
	for _, ok := range []string{"", "postgres://sentry:pw@db.internal:5432/sentry?sslmode=verify-full", "postgresql://u@/sentry?host=/run/postgresql"} {
		c := base
		c.DatabaseURL = ok
		if err := c.Validate(); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"mysql://u:secretpw@h/db", "postgres://u:secretpw@h", "postgres://u:secretpw@/db", "postgres://u:secretpw@h:bad port/db", "secretpw"} {
		c := base
		c.DatabaseURL = bad
		err := c.Validate()
		if err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), "secretpw") {
			t.Errorf("%q: the error quotes the URL: %v", bad, err)
		}
	}
	c := base
	c.DatabaseURL, c.Desktop = "postgres://u@h/db", true
	if err := c.Validate(); err == nil {
		t.Error("the desktop accepted a PostgreSQL database")
	}
}
