package sqlite_test

import (
	"context"
	"testing"

	"sentry/backend/core"
)

// A page whose middle row does not fit this device, after a row that was
// already written: the page is applied again row by row, so both tasks
// are kept once each (one remote change log entry each, not two) and only
// the odd row is skipped.
func TestSyncPullRedoesAPageRowByRowWhenARowDoesNotFit(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "redo@example.com")
	b := bindTest(t, db, u)
	clock := "0001764000000000-000001@other-device"
	task := func(id, title string) core.SyncEntry {
		return core.SyncEntry{ScopeID: b.RemoteUserID, Table: "tasks", RowID: id,
			SyncRowState: core.SyncRowState{State: map[string]any{"title": title, "created_at": "2026-12-01T10:00:00.000Z"},
				Clocks: map[string]string{"title": clock, "created_at": clock}}}
	}
	first, second := task("0193dddd-0000-7000-8000-000000000011", "Before the odd row"), task("0193dddd-0000-7000-8000-000000000013", "After it")
	odd := core.SyncEntry{ScopeID: b.RemoteUserID, Table: "notebook_messages", RowID: "0193dddd-0000-7000-8000-000000000012",
		SyncRowState: core.SyncRowState{State: map[string]any{"role": "narrator", "content": "x", "created_at": "2026-12-01T10:00:00.000Z"},
			Clocks: map[string]string{"role": clock, "content": clock, "created_at": clock}}}
	applied, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "redo", Entries: []core.SyncEntry{first, odd, second}})
	if err != nil || len(applied) != 2 || applied[0].RowID != first.RowID || applied[1].RowID != second.RowID {
		t.Fatalf("page with a row that does not fit in the middle: %+v %v", applied, err)
	}
	for _, e := range []core.SyncEntry{first, second} {
		got, err := db.FindTaskByID(ctx, e.RowID)
		if err != nil || got.Title != e.State["title"] {
			t.Fatalf("task %s: %+v %v", e.RowID, got, err)
		}
		cs, err := db.FindChanges(ctx, core.ChangeFilter{UserID: u.ID, Table: "tasks", RowID: e.RowID})
		if err != nil || len(cs) != 1 {
			t.Fatalf("task %s has %d change log entries, want 1 (%v)", e.RowID, len(cs), err)
		}
	}
	if st, _ := db.SyncClientState(ctx); st.Cursor != "redo" || st.Pending != 0 {
		t.Fatalf("cursor %q, %d pending: the page was not saved as pulled", st.Cursor, st.Pending)
	}
}
