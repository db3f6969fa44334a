package postgres_test

import (
	"context"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/backend/storetest"
	"sentry/sync/hlc"
)

// MustOpenDB opens a migrated store in a schema of the test's own (skipped
// without the PostgreSQL of scripts/with-postgres).
func MustOpenDB(tb testing.TB) *postgres.DB {
	tb.Helper()
	url, schema := pgtest.Schema(tb)
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

// A restarted server whose wall clock is behind the clocks it already
// holds resumes from the highest of them instead of issuing lower ones.
func TestReopenResumesClockFromStoredChanges(t *testing.T) {
	url, schema := pgtest.Schema(t)
	ctx := context.Background()
	ahead := time.Now().Add(time.Hour)
	db, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, MaxConns: 4, Clock: hlc.New(func() time.Time { return ahead })})
	if err != nil {
		t.Fatal(err)
	}
	u := &core.User{Email: "clock@example.com", FirstName: "Test", LastName: "User", PasswordHash: "x"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	task := &core.Task{UserID: u.ID, Title: "written an hour ahead", Status: core.StatusTodo, Priority: core.PriorityMedium,
		TaskType: core.TaskTypeTask, Source: core.SourceSentry, Attendees: []string{}, Tags: []string{}}
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, MaxConns: 4, Clock: hlc.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	changes, err := db2.FindChanges(ctx, core.ChangeFilter{UserID: u.ID, Limit: 100})
	if err != nil || len(changes) == 0 {
		t.Fatalf("changes: %d, %v", len(changes), err)
	}
	high := changes[len(changes)-1].HLC
	if next := db2.Clock.Now(); next <= high {
		t.Fatalf("reopened clock read %s, not after the stored %s", next, high)
	}
}
