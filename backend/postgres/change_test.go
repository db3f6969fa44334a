package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/sync/hlc"
)

// A local edit of a field whose clock is ahead of this store's (its
// writer's clock was beyond what Observe accepts) still sorts after the
// value it replaces, so it is not lost to it without a conflict.
func TestLocalEditSortsAfterAFieldClockAheadOfTheStore(t *testing.T) {
	url, schema := pgtest.Schema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, MaxConns: 4, Clock: hlc.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &core.User{Email: "drift@example.com", FirstName: "Test", LastName: "User", PasswordHash: "x"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	task := &core.Task{UserID: u.ID, Title: "written by a device ahead", Status: core.StatusTodo, Priority: core.PriorityMedium,
		TaskType: core.TaskTypeTask, Source: core.SourceSentry, Attendees: []string{}, Tags: []string{}}
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET search_path = `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	ahead := hlc.Timestamp{Wall: time.Now().Add(10 * time.Minute).UnixMilli(), Logical: 3}.String()
	if _, err := conn.Exec(ctx, `UPDATE tasks SET field_clocks = jsonb_set(field_clocks, '{title}', to_jsonb($1::text)) WHERE id = $2`,
		ahead+"@other-device", task.ID); err != nil {
		t.Fatal(err)
	}

	title := "edited by a device behind"
	if _, err := db.UpdateTask(ctx, task.ID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := conn.QueryRow(ctx, `SELECT field_clocks->>'title' FROM tasks WHERE id = $1`, task.ID).Scan(&got); err != nil {
		t.Fatal(err)
	}
	h, dev, _ := strings.Cut(got, "@")
	if h <= ahead || dev != db.DeviceID {
		t.Fatalf("the edit's clock %s does not sort after the replaced %s under this store %s", got, ahead, db.DeviceID)
	}
	if _, err := hlc.Parse(h); err != nil {
		t.Fatal(err)
	}
}
