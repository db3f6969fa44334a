package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/sync/hlc"
	"sentry/sync/schema"
)

// postgresOnly are the columns the Postgres store adds to a synced table
// beside the registry's: the per-field clocks the sync merge fills, and a
// task's search words (SQLite keeps those in an index table).
var postgresOnly = map[string]bool{"field_clocks": true, "search": true}

// Every column of a synced table on Postgres is in the sync registry (or
// is one of the store's own), and every registry field is a column: the
// two stores' synced tables cannot drift apart from each other or from
// sync/schema.
func TestSyncedColumnsClassified(t *testing.T) {
	url, sch := pgtest.Schema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, postgres.Options{Schema: sch, MaxConns: 2, Clock: hlc.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, tb := range schema.Tables {
		rows, err := conn.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`, sch, tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		have, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if len(have) == 0 {
			t.Errorf("%s: no such table", tb.Name)
			continue
		}
		known := map[string]bool{}
		for _, c := range tb.Columns() {
			known[c] = true
		}
		for _, c := range have {
			if postgresOnly[c] {
				continue
			}
			if !known[c] {
				t.Errorf("%s.%s is not in sync/schema: add it as a field (LocalOnly if it is this device's state)", tb.Name, c)
			}
			delete(known, c)
		}
		for c := range known {
			t.Errorf("sync/schema lists %s.%s, which the Postgres table does not have", tb.Name, c)
		}
	}
}
