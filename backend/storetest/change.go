package storetest

import (
	"testing"

	"sentry/backend/core"
)

// Every write records one change log entry in the same transaction: in
// clock order, with the changed fields only, on the store's device; a
// refused write leaves none.
func testChangeLog(t *testing.T, s Stores) {
	u := mustUser(t, s, "log@example.com")
	other := mustUser(t, s, "log2@example.com")
	task := mustTask(t, s, newTask(u.ID, "first"))
	if _, err := s.Tasks.UpdateTask(ctx, task.ID, core.TaskUpdate{Title: ptr("second")}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Tasks.DeleteTask(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	mustTask(t, s, newTask(other.ID, "not in u's log"))
	changes, err := s.Changes.FindChanges(ctx, core.ChangeFilter{UserID: u.ID, Table: "tasks"})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 3 {
		t.Fatalf("got %d task changes, want 3", len(changes))
	}
	if changes[0].Op != core.OpInsert || changes[1].Op != core.OpUpdate || changes[2].Op != core.OpDelete {
		t.Fatalf("ops %s %s %s", changes[0].Op, changes[1].Op, changes[2].Op)
	}
	if changes[0].Fields["title"] != "first" || changes[0].Fields["deadline"] != nil || changes[0].Fields["status"] != "todo" {
		t.Fatalf("insert fields %v", changes[0].Fields)
	}
	if changes[1].Fields["title"] != "second" || len(changes[1].Fields) != 1 {
		t.Fatalf("update fields %v, want only title", changes[1].Fields)
	}
	if len(changes[2].Fields) != 0 {
		t.Fatalf("delete fields %v", changes[2].Fields)
	}
	for i, c := range changes {
		if c.DeviceID != s.DeviceID || c.HLC == "" || c.RowID != task.ID || c.UserID != u.ID || c.Table != "tasks" ||
			!core.ValidID(c.ID) || !isMs(c.CreatedAt) {
			t.Fatalf("change %d incomplete: %+v", i, c)
		}
		if i > 0 && c.HLC <= changes[i-1].HLC {
			t.Fatalf("hlc not increasing: %s then %s", changes[i-1].HLC, c.HLC)
		}
	}
	all, err := s.Changes.FindChanges(ctx, core.ChangeFilter{UserID: u.ID})
	if err != nil || len(all) != 4 || all[0].Table != "users" || all[0].Op != core.OpInsert || all[0].Fields["email"] != "log@example.com" {
		t.Fatalf("all of u's changes: %d %v", len(all), err)
	}
	after, err := s.Changes.FindChanges(ctx, core.ChangeFilter{UserID: u.ID, After: changes[0].HLC, Limit: 1})
	if err != nil || len(after) != 1 || after[0].ID != changes[1].ID {
		t.Fatalf("after the insert, one: %v %v", after, err)
	}
	byRow, err := s.Changes.FindChanges(ctx, core.ChangeFilter{UserID: u.ID, RowID: u.ID})
	if err != nil || len(byRow) != 1 || byRow[0].Table != "users" {
		t.Fatalf("by row: %v %v", byRow, err)
	}
	_, err = s.Changes.FindChanges(ctx, core.ChangeFilter{})
	wantCode(t, "no user", err, core.EINVALID)
	if none, err := s.Changes.FindChanges(ctx, core.ChangeFilter{UserID: ghostID}); err != nil || len(none) != 0 {
		t.Fatalf("nobody's changes: %v %v", none, err)
	}

	// Refused writes leave neither the row nor an entry.
	if err := s.Tasks.CreateTask(ctx, newTask(ghostID, "orphan")); err == nil {
		t.Fatal("a task for a missing user was stored")
	}
	if orphan, _ := s.Changes.FindChanges(ctx, core.ChangeFilter{UserID: ghostID}); len(orphan) != 0 {
		t.Fatalf("a failed insert left %d change entries", len(orphan))
	}
	err = s.Users.CreateUser(ctx, &core.User{Email: "LOG@example.com"})
	wantCode(t, "duplicate user", err, core.ECONFLICT)
	if _, err := s.Tasks.UpdateTask(ctx, mustTask(t, s, newTask(u.ID, "x")).ID, core.TaskUpdate{Title: ptr("a\x00")}, nil); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("hostile update: %v", err)
	}
	if again, _ := s.Changes.FindChanges(ctx, core.ChangeFilter{UserID: u.ID}); len(again) != 5 {
		t.Fatalf("refused writes logged changes: %d entries, want 5", len(again))
	}
}
