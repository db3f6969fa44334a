package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/postgres"
	"sentry/backend/storetest"
	"sentry/sync/hlc"
)

// testURL is the throw-away server of scripts/with-postgres; without it the
// tests skip, so `go test ./...` runs anywhere.
func testURL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("SENTRY_TEST_DATABASE_URL")
	if url == "" {
		tb.Skip("SENTRY_TEST_DATABASE_URL is not set; run the tests under scripts/with-postgres")
	}
	return url
}

// MustCreateSchema makes an empty schema of its own for the test and
// drops it afterwards, so tests and test packages never share tables.
func MustCreateSchema(tb testing.TB) (url, schema string) {
	tb.Helper()
	url = testURL(tb)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "t_" + hex.EncodeToString(b[:])
	admin := func(sql string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			tb.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			tb.Fatal(err)
		}
	}
	admin(`CREATE SCHEMA ` + schema)
	tb.Cleanup(func() { admin(`DROP SCHEMA ` + schema + ` CASCADE`) })
	return url, schema
}

// MustOpenDB opens a migrated store in a fresh schema.
func MustOpenDB(tb testing.TB) *postgres.DB {
	tb.Helper()
	url, schema := MustCreateSchema(tb)
	db, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema, MaxConns: 4, Clock: hlc.New(nil)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		db := MustOpenDB(t)
		return storetest.Stores{Users: db, Accounts: db, Tasks: db, Changes: db, Workloads: db, Extractions: db, Uploads: db,
			Integrations: db, Notebooks: db, Teams: db, Sync: db, DeviceID: db.DeviceID}
	})
}
