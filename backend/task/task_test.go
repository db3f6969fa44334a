package task_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"sentry/backend/core"
	"sentry/backend/sqlite"
	"sentry/backend/task"
)

type recorder struct {
	mu     sync.Mutex
	events []core.Event
}

func (r *recorder) Publish(_ context.Context, e core.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func setup(t *testing.T) (*task.Service, *recorder, context.Context, *core.User, *core.User) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	me, other := &core.User{Email: "me@example.com"}, &core.User{Email: "o@example.com"}
	db.CreateUser(context.Background(), me)
	db.CreateUser(context.Background(), other)
	rec := &recorder{}
	return task.NewService(db, rec, nil), rec, core.NewContextWithUser(context.Background(), me), me, other
}

func TestServiceEmitsEventsWithChangedFields(t *testing.T) {
	svc, rec, ctx, me, _ := setup(t)
	created, err := svc.Create(ctx, me.ID, &core.Task{Title: "  Plan the offsite  "})
	if err != nil {
		t.Fatal(err)
	}
	if created.Title != "Plan the offsite" || created.Status != "todo" || created.Source != "sentry" {
		t.Fatalf("created %+v", created)
	}
	done := core.StatusDone
	if _, err := svc.Update(ctx, me.ID, created.ID, core.TaskUpdate{Status: &done}); err != nil {
		t.Fatal(err)
	}
	same := core.StatusDone
	if _, err := svc.Update(ctx, me.ID, created.ID, core.TaskUpdate{Status: &same}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, me.ID, created.ID); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range rec.events {
		types = append(types, e.Type)
		if e.UserID != me.ID {
			t.Fatalf("event for wrong user: %+v", e)
		}
	}
	if len(types) != 3 || types[0] != core.EventTaskCreated || types[1] != core.EventTaskUpdated || types[2] != core.EventTaskDeleted {
		t.Fatalf("events %v (a no-op update must not emit)", types)
	}
	if f := rec.events[1].Fields; len(f) != 1 || f[0] != "status" {
		t.Fatalf("updated fields %v", f)
	}
}

func TestServiceOwnership(t *testing.T) {
	svc, rec, ctx, me, other := setup(t)
	otherCtx := core.NewContextWithUser(context.Background(), other)
	theirs, err := svc.Create(otherCtx, other.ID, &core.Task{Title: "theirs"})
	if err != nil {
		t.Fatal(err)
	}
	rec.events = nil
	if _, err := svc.Create(ctx, other.ID, &core.Task{Title: "x"}); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("create for other: %v", err)
	}
	if _, err := svc.Get(ctx, me.ID, theirs.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("get other's: %v", err)
	}
	title := "mine now"
	if _, err := svc.Update(ctx, me.ID, theirs.ID, core.TaskUpdate{Title: &title}); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("update other's: %v", err)
	}
	if err := svc.Delete(ctx, me.ID, theirs.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("delete other's: %v", err)
	}
	if _, err := svc.Create(context.Background(), me.ID, &core.Task{Title: "x"}); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("anonymous: %v", err)
	}
	if len(rec.events) != 0 {
		t.Fatalf("refused calls emitted %d events", len(rec.events))
	}
	got, _ := svc.Get(otherCtx, other.ID, theirs.ID)
	if got.Title != "theirs" {
		t.Fatal("other's task changed")
	}
}
