package activity_test

import (
	"context"
	"path/filepath"
	"testing"

	"sentry/backend/activity"
	"sentry/backend/core"
	"sentry/backend/sqlite"
)

func TestFindIsTheCallersHistoryPageByPage(t *testing.T) {
	bg := context.Background()
	db, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "a.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	me, other := &core.User{Email: "me@example.com"}, &core.User{Email: "o@example.com"}
	for _, u := range []*core.User{me, other} {
		if err := db.CreateUser(bg, u); err != nil {
			t.Fatal(err)
		}
	}
	ctx := core.NewContextWithUser(bg, me)
	for _, title := range []string{"One", "Two", "Three"} {
		if err := db.CreateTask(ctx, &core.Task{UserID: me.ID, Title: title, Status: core.StatusTodo,
			Priority: core.PriorityMedium, TaskType: core.TaskTypeTask, Source: core.SourceSentry}); err != nil {
			t.Fatal(err)
		}
	}
	svc := activity.NewService(db)

	all, err := svc.Find(ctx, core.ChangeFilter{UserID: me.ID, Table: "tasks"})
	if err != nil || len(all) != 3 {
		t.Fatalf("whole history: %d entries, %v", len(all), err)
	}
	first, err := svc.Find(ctx, core.ChangeFilter{UserID: me.ID, Table: "tasks", Limit: 2})
	if err != nil || len(first) != 2 {
		t.Fatalf("first page: %d entries, %v", len(first), err)
	}
	rest, err := svc.Find(ctx, core.ChangeFilter{UserID: me.ID, Table: "tasks", Limit: 2, After: first[1].HLC})
	if err != nil || len(rest) != 1 || rest[0].ID != all[2].ID {
		t.Fatalf("second page: %+v, %v", rest, err)
	}
	none, err := svc.Find(ctx, core.ChangeFilter{UserID: me.ID, Table: "notebooks"})
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("empty history: %#v, %v", none, err)
	}

	for _, c := range []struct {
		name  string
		ctx   context.Context
		f     core.ChangeFilter
		code  string
		field string
	}{
		{"no caller", bg, core.ChangeFilter{UserID: me.ID}, core.EUNAUTHORIZED, ""},
		{"someone else's", ctx, core.ChangeFilter{UserID: other.ID}, core.EFORBIDDEN, ""},
		{"negative limit", ctx, core.ChangeFilter{UserID: me.ID, Limit: -1}, core.EINVALID, "limit"},
		{"limit too large", ctx, core.ChangeFilter{UserID: me.ID, Limit: activity.MaxLimit + 1}, core.EINVALID, "limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.Find(c.ctx, c.f)
			if core.ErrorCode(err) != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			if ce, ok := err.(*core.Error); c.field != "" && (!ok || ce.Field != c.field) {
				t.Fatalf("got %#v, want field %q", err, c.field)
			}
		})
	}
}
