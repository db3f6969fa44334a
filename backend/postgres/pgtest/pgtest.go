// Package pgtest gives tests a PostgreSQL of their own in the throw-away
// cluster of scripts/with-postgres ($SENTRY_TEST_DATABASE_URL): an empty
// schema or database per test, dropped when the test ends. Stores migrate
// themselves when they open, so a test opens its store on the URL it gets.
// Without the variable the helpers skip the test, so `go test` runs
// anywhere. Only tests import it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the variable scripts/with-postgres sets to its cluster's URL.
const Env = "SENTRY_TEST_DATABASE_URL"

// URL is the test cluster's URL, "" when there is none.
func URL() string { return os.Getenv(Env) }

// MustURL is the test cluster's URL; without one the test is skipped.
func MustURL(tb testing.TB) string {
	tb.Helper()
	base := URL()
	if base == "" {
		tb.Skip(Env + " is not set: run the test under scripts/with-postgres")
	}
	return base
}

// Schema makes an empty schema of the test's own in the test cluster and
// drops it when the test ends; url is the cluster's (its search path
// unchanged), for stores that take the schema as an option.
func Schema(tb testing.TB) (base, schema string) {
	tb.Helper()
	base = MustURL(tb)
	schema = Name("t")
	mustExec(tb, base, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize())
	tb.Cleanup(func() { mustExec(tb, base, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`) })
	return base, schema
}

// SchemaURL is the URL of an empty schema of the test's own: the cluster's
// URL with that schema as its search path, so every connection made from
// it (several servers' pools, a command-line server) lands there.
func SchemaURL(tb testing.TB) string {
	tb.Helper()
	base, schema := Schema(tb)
	u, err := WithSearchPath(base, schema)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// Database makes an empty database of the test's own (a copy of template
// when that is not "") and drops it when the test ends, ending any
// connection still open to it; it returns its URL and name. A database
// rather than a schema is for tests that close it to connections or end
// them.
func Database(tb testing.TB, template string) (dsn, name string) {
	tb.Helper()
	base := MustURL(tb)
	name = Name("t")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := CreateDatabase(ctx, base, name, template); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := DropDatabase(context.Background(), base, name); err != nil {
			tb.Error(err)
		}
	})
	dsn, err := WithDatabase(base, name)
	if err != nil {
		tb.Fatal(err)
	}
	return dsn, name
}

// CreateDatabase makes database name on the cluster of base, a copy of
// template when that is not "". For set-up done outside any one test;
// the caller drops it with DropDatabase.
func CreateDatabase(ctx context.Context, base, name, template string) error {
	stmt := `CREATE DATABASE ` + pgx.Identifier{name}.Sanitize()
	if template != "" {
		stmt += ` TEMPLATE ` + pgx.Identifier{template}.Sanitize()
	}
	return Exec(ctx, base, stmt)
}

// DropDatabase drops database name on the cluster of base if it is there,
// ending the connections still open to it.
func DropDatabase(ctx context.Context, base, name string) error {
	return Exec(ctx, base, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
}

// Exec runs one statement on its own connection to dsn, within a minute.
func Exec(ctx context.Context, dsn, stmt string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

func mustExec(tb testing.TB, dsn, stmt string) {
	tb.Helper()
	if err := Exec(context.Background(), dsn, stmt); err != nil {
		tb.Fatal(err)
	}
}

// Name is prefix, an underscore and twelve random hex digits: a schema or
// database name no other test takes.
func Name(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// WithSearchPath is dsn with schema as the search path of its connections.
func WithSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("%s is not a URL", Env)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// WithDatabase is dsn naming database name on the same cluster.
func WithDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("%s is not a URL", Env)
	}
	u.Path = "/" + name
	return u.String(), nil
}
