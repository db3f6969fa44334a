package postgres_test

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"testing"

	"sentry/backend/core"
	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/sync/hlc"
)

// Servers that start together on an empty database take turns migrating
// under the advisory lock: every one opens, and the schema is whole.
func TestServersStartingTogetherMigrateOnce(t *testing.T) {
	url, schema := pgtest.Schema(t)
	const n = 4
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = postgres.Open(context.Background(), url, postgres.Options{Schema: schema, MaxConns: 2})
		}()
	}
	wg.Wait()
	var device string
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("server %d: %v", i, errs[i])
		}
		defer dbs[i].Close()
		v, err := dbs[i].MigrationVersion(context.Background())
		if err != nil || v < 1 {
			t.Fatalf("server %d: version %d %v", i, v, err)
		}
		if i == 0 {
			device = dbs[i].DeviceID
		} else if dbs[i].DeviceID != device {
			t.Fatalf("servers disagree on the device id: %s, %s", device, dbs[i].DeviceID)
		}
	}
	var applied int
	if err := dbs[0].PoolForTest().QueryRow(context.Background(), `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if files, _ := postgresMigrations(); applied != files {
		t.Fatalf("%d migrations recorded, %d files", applied, files)
	}
}

func postgresMigrations() (int, error) {
	entries, err := fs.ReadDir(postgres.Migrations(), ".")
	return len(entries), err
}

func TestHealthReportsServerAndPool(t *testing.T) {
	db := MustOpenDB(t)
	h, err := db.Health(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if h.ServerVersion == "" || h.TotalConns < 1 || h.MaxConns != 4 || h.AcquiredConns < 0 || h.IdleConns < 0 {
		t.Fatalf("health: %+v", h)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A scope's change log is numbered 1, 2, 3 … without gaps or repeats in
// commit order, however many writes race.
func TestChangeSeqIsGapFreePerScope(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	users := make([]*core.User, 2)
	for i := range users {
		users[i] = &core.User{Email: fmt.Sprintf("seq%d@example.com", i)}
		if err := db.CreateUser(ctx, users[i]); err != nil {
			t.Fatal(err)
		}
	}
	const per = 15
	var wg sync.WaitGroup
	errs := make(chan error, 2*per)
	for _, u := range users {
		for i := range per {
			wg.Add(1)
			go func() {
				defer wg.Done()
				task := &core.Task{UserID: u.ID, Title: fmt.Sprint("t", i), Status: core.StatusTodo, Priority: core.PriorityLow,
					TaskType: core.TaskTypeTask, Source: core.SourceSentry}
				errs <- db.CreateTask(ctx, task)
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range users {
		rows, err := db.PoolForTest().Query(ctx, `SELECT seq FROM changes WHERE scope_id = $1 ORDER BY seq`, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var want int64 = 1
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				t.Fatal(err)
			}
			if seq != want {
				t.Fatalf("seq %d where %d was due", seq, want)
			}
			want++
		}
		rows.Close()
		var last int64
		if err := db.PoolForTest().QueryRow(ctx, `SELECT last_seq FROM sync_scopes WHERE id = $1`, u.ID).Scan(&last); err != nil {
			t.Fatal(err)
		}
		if want-1 != per+1 || last != per+1 {
			t.Fatalf("%d entries, last_seq %d, want %d", want-1, last, per+1)
		}
	}
}

// Times come back in UTC even when the server's zone is another.
func TestTimesReadBackInUTC(t *testing.T) {
	url, schema := pgtest.Schema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url+"&options=-c%20timezone%3DAsia/Kolkata", postgres.Options{Schema: schema, Clock: hlc.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &core.User{Email: "tz@example.com"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindUserByID(ctx, u.ID)
	if err != nil || got.CreatedAt.Location().String() != "UTC" || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("created_at %v, want %v (%v)", got.CreatedAt, u.CreatedAt, err)
	}
}
