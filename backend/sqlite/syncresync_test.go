package sqlite_test

import (
	"context"
	"testing"

	"sentry/backend/core"
	"sentry/sync/wire"
)

// A scope downloaded again after resync_scope: at the end of the download
// the rows it did not bring are dropped — not before, and not the rows
// with local changes the server has not acknowledged, nor another scope's.
func TestSyncResyncDropsOnlyRowsTheServerNoLongerHas(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "resync@example.com")
	team := "0193bbbb-0000-7000-8000-000000000002"
	b := bindTest(t, db, u)
	kept, gone, edited := newTask(u.ID, "On the server"), newTask(u.ID, "Removed on the server"), newTask(u.ID, "Edited here")
	for _, task := range []*core.Task{kept, gone, edited} {
		if err := db.CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	// All sent and acknowledged.
	batch, err := db.SyncOutbox(ctx, 500, 1<<20)
	if err != nil || batch == nil {
		t.Fatalf("outbox %v %v", batch, err)
	}
	res := &core.SyncPushResult{BatchID: batch.BatchID}
	for _, p := range batch.Patches {
		res.Applied = append(res.Applied, p.ChangeIDs...)
	}
	if err := db.MarkSyncPushed(ctx, res); err != nil {
		t.Fatal(err)
	}
	teamTask := "0193cccc-0000-7000-8000-000000000003"
	clock := "0001764000000000-000001@other-device"
	state := map[string]any{"title": "Team plan", "status": "todo", "team_id": team, "created_at": "2026-12-01T10:00:00.000Z", "deleted_at": nil}
	clocks := map[string]string{}
	for f := range state {
		clocks[f] = clock
	}
	if _, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "c1", Done: true,
		Control: []core.SyncControl{{Type: core.SyncScopeAdded, ScopeID: team, Kind: wire.ScopeTeam, Name: "Design"}},
		Entries: []core.SyncEntry{{ScopeID: team, Table: "tasks", RowID: teamTask, SyncRowState: core.SyncRowState{State: state, Clocks: clocks}}}}); err != nil {
		t.Fatal(err)
	}
	// Written while away: an edit and a new task, not sent yet.
	title := "Edited here, offline"
	if _, err := db.UpdateTask(ctx, edited.ID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	fresh := newTask(u.ID, "New here")
	if err := db.CreateTask(ctx, fresh); err != nil {
		t.Fatal(err)
	}

	// The personal scope comes again; the first page brings one row.
	entry := func(id, title string) core.SyncEntry {
		c := "0009000000000000-000001@other-device" // newer than any local write
		return core.SyncEntry{ScopeID: b.RemoteUserID, Table: "tasks", RowID: id,
			SyncRowState: core.SyncRowState{State: map[string]any{"title": title}, Clocks: map[string]string{"title": c}}}
	}
	if _, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "c2",
		Control: []core.SyncControl{{Type: core.SyncResyncScope, ScopeID: b.RemoteUserID}},
		Entries: []core.SyncEntry{entry(kept.ID, "On the server, renamed")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindTaskByID(ctx, gone.ID); err != nil {
		t.Fatalf("a row was dropped before the download ended: %v", err)
	}
	applied, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "c3", Done: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || applied[0].RowID != gone.ID || applied[0].Op != core.OpDelete {
		t.Fatalf("applied %+v: want the one removed row, deleted", applied)
	}
	var n int
	if err := db.QueryRowForTest(`SELECT count(*) FROM tasks WHERE id = ?`, gone.ID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the removed row is still held (%d) %v", n, err)
	}
	for id, want := range map[string]string{kept.ID: "On the server, renamed", edited.ID: title, fresh.ID: "New here", teamTask: "Team plan"} {
		got, err := db.FindTaskByID(ctx, id)
		if err != nil || got.Title != want {
			t.Fatalf("row %s after the resync: %+v %v, want %q", id, got, err, want)
		}
	}
	st, err := db.SyncClientState(ctx)
	if err != nil || st.Pending != 2 {
		t.Fatalf("state %+v %v: the two offline writes stay pending", st, err)
	}
	// Done: a later page drops nothing.
	if applied, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "c4", Done: true}); err != nil || len(applied) != 0 {
		t.Fatalf("a page after the resync: %+v %v", applied, err)
	}
}

// A download again that was not finished belongs to its server: bound to
// another one, the device drops nothing at that server's first pull.
func TestSyncResyncIsForgottenWithItsServer(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "rebind@example.com")
	b := bindTest(t, db, u)
	pulled := "0193cccc-0000-7000-8000-000000000004"
	c := "0009000000000000-000001@other-device"
	state := map[string]any{"title": "Pulled", "status": "todo", "team_id": "", "created_at": "2026-12-01T10:00:00.000Z", "deleted_at": nil}
	clocks := map[string]string{}
	for f := range state {
		clocks[f] = c
	}
	if _, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "c1", Done: true, Entries: []core.SyncEntry{{ScopeID: b.RemoteUserID, Table: "tasks",
		RowID: pulled, SyncRowState: core.SyncRowState{State: state, Clocks: clocks}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "c2", Control: []core.SyncControl{{Type: core.SyncResyncScope, ScopeID: b.RemoteUserID}}}); err != nil {
		t.Fatal(err)
	}
	other := *b
	other.ServerURL, other.DatabaseID = "http://127.0.0.1:2", "db2"
	if err := db.BindSync(ctx, &other, nil); err != nil {
		t.Fatal(err)
	}
	if applied, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "d1", Done: true}); err != nil || len(applied) != 0 {
		t.Fatalf("the new server's first page: %+v %v", applied, err)
	}
	if _, err := db.FindTaskByID(ctx, pulled); err != nil {
		t.Fatalf("a row was dropped by the old server's unfinished download: %v", err)
	}
}
