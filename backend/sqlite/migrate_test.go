package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"sentry/backend/sqlite"
)

// A database written by a newer version (its schema is past the newest
// embedded migration) is refused with a message that says what to do, and
// the file is left exactly as it was.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sentry.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	known, err := db.MigrationVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustUser(t, db, "newer@example.com")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// What a newer version leaves behind: one more applied migration.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, known+1); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	db2, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err == nil {
		db2.Close()
		t.Fatal("opened a database with a newer schema")
	}
	var newer *sqlite.NewerSchemaError
	if !errors.As(err, &newer) || newer.Have != known+1 || newer.Known != known {
		t.Fatalf("error %v (%T), want a NewerSchemaError with %d > %d", err, err, known+1, known)
	}
	for _, want := range []string{"written by a newer Sentry AI", "install the newer version"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the refused database file was changed")
	}

	// The same database still opens once its schema is one this build knows.
	raw, err = sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `DELETE FROM goose_db_version WHERE version_id = ?`, known+1); err != nil {
		t.Fatal(err)
	}
	db3 := mustOpenAt(t, path)
	if _, err := db3.FindUserByEmail(ctx, "newer@example.com"); err != nil {
		t.Fatalf("data after the refusal: %v", err)
	}
}
