package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
)

// A server that finds nothing to migrate takes no advisory lock, so one
// behind a pooler in transaction mode never holds one: it opens even while
// another session holds the migration lock.
func TestOpenWithNothingToMigrateTakesNoLock(t *testing.T) {
	url, schema := pgtest.Schema(t)
	first, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	first.Close()

	ctx := context.Background()
	holder, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	if _, err := holder.Exec(ctx, `SET search_path TO `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended('sentry.migrate.' || current_schema(), 0))`); err != nil {
		t.Fatal(err)
	}
	// A generous bound: a server that waited for the lock would wait for ever.
	octx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	second, err := postgres.Open(octx, url, postgres.Options{Schema: schema, MaxConns: 2})
	if err != nil {
		t.Fatalf("open with the lock held elsewhere and nothing to migrate: %v", err)
	}
	second.Close()
}
