package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"sentry/backend/core"
	"sentry/backend/sqlite"
	"sentry/sync/wire"
)

// bindTest connects a fresh device database to a made-up server.
func bindTest(t *testing.T, db *sqlite.DB, local *core.User, scopes ...core.SyncScope) *core.SyncBinding {
	t.Helper()
	b := &core.SyncBinding{ServerURL: "http://127.0.0.1:1", RemoteUserID: "0193aaaa-0000-7000-8000-000000000001",
		LocalUserID: local.ID, DatabaseID: "db1", Epoch: 1, DeviceID: db.DeviceID}
	if err := db.BindSync(context.Background(), b, scopes); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSyncOutboxCoalescesPerRowAndKeepsItsBatchID(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "outbox@example.com")
	if _, err := db.SyncOutbox(ctx, 500, 1<<20); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("outbox before binding: %v, want not_found", err)
	}
	a, c := newTask(u.ID, "first"), newTask(u.ID, "second")
	for _, task := range []*core.Task{a, c} {
		if err := db.CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	title := "first, renamed"
	if _, err := db.UpdateTask(ctx, a.ID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	var clockAfterInsert string
	if err := db.QueryRowForTest(`SELECT base FROM changes WHERE row_id = ? AND op = 'update'`, a.ID).Scan(&clockAfterInsert); err != nil {
		t.Fatal(err)
	}
	b := bindTest(t, db, u)

	batch, err := db.SyncOutbox(ctx, 500, 1<<20)
	if err != nil || batch == nil {
		t.Fatalf("outbox: %v %v", batch, err)
	}
	if len(batch.Patches) != 2 {
		t.Fatalf("%d patches, want one per row (2)", len(batch.Patches))
	}
	p := batch.Patches[0]
	if p.RowID != a.ID || len(p.ChangeIDs) != 2 || p.ScopeID != b.RemoteUserID {
		t.Fatalf("patch %+v: want row %s, its 2 changes, the server's personal scope", p, a.ID)
	}
	if p.Fields["title"] != title || p.Fields["status"] != core.StatusTodo {
		t.Fatalf("patch fields %v: want the row's current values", p.Fields)
	}
	if p.Clocks["title"] == "" || p.Clocks["title"] == p.Clocks["status"] {
		t.Fatalf("clocks %v: the rename has its own clock", p.Clocks)
	}
	if p.Base["title"] != "" {
		t.Fatalf("base %v: the earliest change (the insert) had seen nothing", p.Base)
	}
	if _, ok := p.Fields["priority_rank"]; ok {
		t.Fatal("a local-only field went into a patch")
	}
	// Unanswered, the same batch comes back under the same id.
	again, err := db.SyncOutbox(ctx, 500, 1<<20)
	if err != nil || again.BatchID != batch.BatchID || len(again.Patches) != 2 {
		t.Fatalf("retry: %+v %v, want batch %s again", again, err, batch.BatchID)
	}
	st, _ := db.SyncClientState(ctx)
	if st.Pending != 3 {
		t.Fatalf("pending %d, want 3 changes", st.Pending)
	}
	res := &core.SyncPushResult{BatchID: batch.BatchID, Applied: batch.Patches[0].ChangeIDs, Superseded: batch.Patches[1].ChangeIDs}
	if err := db.MarkSyncPushed(ctx, res); err != nil {
		t.Fatal(err)
	}
	if next, err := db.SyncOutbox(ctx, 500, 1<<20); err != nil || next != nil {
		t.Fatalf("outbox after the answer: %+v %v, want empty", next, err)
	}
	if st, _ := db.SyncClientState(ctx); st.Pending != 0 || st.LastPushAt == nil {
		t.Fatalf("state %+v: want nothing pending and a push time", st)
	}
	// A batch is split at the patch limit.
	for i := 0; i < 5; i++ {
		if err := db.CreateTask(ctx, newTask(u.ID, "bulk")); err != nil {
			t.Fatal(err)
		}
	}
	small, err := db.SyncOutbox(ctx, 2, 1<<20)
	if err != nil || len(small.Patches) != 2 {
		t.Fatalf("limited batch: %+v %v", small, err)
	}
}

func TestSyncPullMergesRemoteRowsAndNeverEchoesThem(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "pull@example.com")
	team := "0193bbbb-0000-7000-8000-000000000002"
	b := bindTest(t, db, u)
	rowID := "0193cccc-0000-7000-8000-000000000003"
	clock := "0001764000000000-000001@other-device"
	state := map[string]any{"title": "Team plan", "status": "todo", "priority": "high", "team_id": team,
		"created_at": "2026-12-01T10:00:00.000Z", "deleted_at": nil, "tags": []any{"q1"}, "estimated_hours": json.Number("1.5"),
		"can_delegate": true, "attendees": []any{}}
	clocks := map[string]string{}
	for f := range state {
		clocks[f] = clock
	}
	page := &core.SyncPage{Cursor: "c1",
		Control: []core.SyncControl{{Type: core.SyncScopeAdded, ScopeID: team, Kind: wire.ScopeTeam, Name: "Design"}},
		Entries: []core.SyncEntry{{ScopeID: team, Table: "tasks", RowID: rowID, SyncRowState: core.SyncRowState{State: state, Clocks: clocks}}}}
	applied, err := db.ApplySyncPage(ctx, page)
	if err != nil || len(applied) != 1 || applied[0].Op != core.OpInsert {
		t.Fatalf("applied %+v %v", applied, err)
	}
	got, err := db.FindTaskByID(ctx, rowID)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != u.ID || got.TeamID != team || got.Title != "Team plan" || !got.CanDelegate || *got.EstimatedHours != 1.5 || !slices.Equal(got.Tags, []string{"q1"}) {
		t.Fatalf("pulled task %+v", got)
	}
	list, _, err := db.FindTasks(ctx, core.TaskFilter{UserID: u.ID, TeamIDs: []string{team}, Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("the team task is not in the local list: %v %v", list, err)
	}
	if m, err := db.FindTeamMember(ctx, team, u.ID); err != nil || m.Role == "" {
		t.Fatalf("local membership of the pulled team: %+v %v", m, err)
	}
	if batch, err := db.SyncOutbox(ctx, 500, 1<<20); err != nil || batch != nil {
		t.Fatalf("a pulled row went into the outbox: %+v %v", batch, err)
	}
	// A local edit newer than the server's value survives an older pull.
	title := "Team plan v2"
	if _, err := db.UpdateTask(ctx, rowID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	older := map[string]any{"title": "Server title", "status": "done"}
	page2 := &core.SyncPage{Cursor: "c2", Entries: []core.SyncEntry{{ScopeID: team, Table: "tasks", RowID: rowID,
		SyncRowState: core.SyncRowState{State: older, Clocks: map[string]string{"title": "0001764000000001-000000@other-device", "status": "0001764000000001-000000@other-device"}}}}}
	if _, err := db.ApplySyncPage(ctx, page2); err != nil {
		t.Fatal(err)
	}
	got, _ = db.FindTaskByID(ctx, rowID)
	if got.Title != title || got.Status != "done" {
		t.Fatalf("after the pull: title %q status %q; want the newer local title and the pulled status", got.Title, got.Status)
	}
	st, _ := db.SyncClientState(ctx)
	if st.Cursor != "c2" || st.Pending != 1 || st.LastPullAt == nil {
		t.Fatalf("state %+v: want cursor c2 and the one local edit pending", st)
	}
	// The team goes away: its rows leave, the pending edit is refused.
	if _, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "c3", Control: []core.SyncControl{{Type: core.SyncScopeRevoked, ScopeID: team}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindTaskByID(ctx, rowID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("team task still here after revocation: %v", err)
	}
	rej, err := db.RejectedChanges(ctx, 10)
	if err != nil || len(rej) != 1 || rej[0].Code != core.EFORBIDDEN || rej[0].Fields["title"] != title {
		t.Fatalf("rejected %+v %v: want the edit kept, forbidden, with its value", rej, err)
	}
	_ = b
}

// A pull page's rows are logged as changes from the server — one entry a
// row, in the page's order, already pushed — even when the page is long
// enough to be logged in several statements, and none goes out again.
func TestSyncPullLogsEveryRowOfALongPageOnce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "pulllog@example.com")
	b := bindTest(t, db, u)
	clock := "0001764000000000-000001@other-device"
	var entries []core.SyncEntry
	for i := 0; i < 101; i++ { // 64 + 32 + 4 + 1
		entries = append(entries, core.SyncEntry{ScopeID: b.RemoteUserID, Table: "tasks", RowID: fmt.Sprintf("0193eeee-0000-7000-8000-%012d", i),
			SyncRowState: core.SyncRowState{State: map[string]any{"title": fmt.Sprintf("Pulled %d", i), "created_at": "2026-12-01T10:00:00.000Z"},
				Clocks: map[string]string{"title": clock, "created_at": clock}}})
	}
	applied, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "long", Entries: entries})
	if err != nil || len(applied) != len(entries) {
		t.Fatalf("applied %d rows, %v; want %d", len(applied), err, len(entries))
	}
	var got string
	if err := db.QueryRowForTest(`SELECT group_concat(line, char(10)) FROM (SELECT row_id || ' ' || op || ' ' || fields || ' ' || hlc || ' ' ||
		device_id || ' ' || (pushed_at IS NOT NULL) || ' ' || scope_id AS line FROM changes WHERE origin = 'remote' ORDER BY seq)`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i, e := range entries {
		want = append(want, fmt.Sprintf(`%s insert {"created_at":"2026-12-01T10:00:00.000Z","title":"Pulled %d"} 0001764000000000-000001 other-device 1 %s`, e.RowID, i, u.ID))
	}
	if got != strings.Join(want, "\n") {
		t.Fatalf("the change log of the pulled page:\n%s\nwant one entry a row, in the page's order, pushed, in the personal scope:\n%s", got, strings.Join(want, "\n"))
	}
	if batch, err := db.SyncOutbox(ctx, 500, 1<<20); err != nil || batch != nil {
		t.Fatalf("pulled rows went into the outbox: %+v %v", batch, err)
	}
}

func TestSyncRejectionRebuildsTheRowAndKeepsTheChange(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "reject@example.com")
	task := newTask(u.ID, "server title")
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	bindTest(t, db, u)
	first, _ := db.SyncOutbox(ctx, 500, 1<<20)
	if err := db.MarkSyncPushed(ctx, &core.SyncPushResult{BatchID: first.BatchID, Applied: first.Patches[0].ChangeIDs}); err != nil {
		t.Fatal(err)
	}
	bad, good := "refused title", core.PriorityHigh
	if _, err := db.UpdateTask(ctx, task.ID, core.TaskUpdate{Title: &bad}, nil); err != nil {
		t.Fatal(err)
	}
	batch, _ := db.SyncOutbox(ctx, 500, 1<<20)
	if _, err := db.UpdateTask(ctx, task.ID, core.TaskUpdate{Priority: &good}, nil); err != nil {
		t.Fatal(err)
	}
	server := first.Patches[0]
	res := &core.SyncPushResult{BatchID: batch.BatchID, Rejected: []core.SyncRejection{{ChangeIDs: batch.Patches[0].ChangeIDs,
		Table: "tasks", RowID: task.ID, Code: core.EFORBIDDEN, Message: "Only the team's admins can rename this task.",
		Row: &core.SyncRowState{State: server.Fields, Clocks: server.Clocks}}}}
	if err := db.MarkSyncPushed(ctx, res); err != nil {
		t.Fatal(err)
	}
	got, _ := db.FindTaskByID(ctx, task.ID)
	if got.Title != "server title" || got.Priority != core.PriorityHigh {
		t.Fatalf("rebuilt row: title %q priority %q; want the server's title and the later pending priority", got.Title, got.Priority)
	}
	rej, _ := db.RejectedChanges(ctx, 10)
	if len(rej) != 1 || rej[0].Message == "" || rej[0].Fields["title"] != bad {
		t.Fatalf("rejected %+v", rej)
	}
	next, err := db.SyncOutbox(ctx, 500, 1<<20)
	if err != nil || next == nil || len(next.Patches) != 1 || next.BatchID == batch.BatchID {
		t.Fatalf("next batch %+v %v: want only the priority change, in a new batch", next, err)
	}
	if _, ok := next.Patches[0].Fields["title"]; ok || next.Patches[0].Fields["priority"] != core.PriorityHigh {
		t.Fatalf("the refused title was sent again: %v", next.Patches[0].Fields)
	}
}

func TestKeepSyncValueIsALocalEditThatGoesOut(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "keep@example.com")
	task := newTask(u.ID, "winner title")
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	bindTest(t, db, u)
	first, _ := db.SyncOutbox(ctx, 500, 1<<20)
	if err := db.MarkSyncPushed(ctx, &core.SyncPushResult{BatchID: first.BatchID, Applied: first.Patches[0].ChangeIDs}); err != nil {
		t.Fatal(err)
	}
	if err := db.KeepSyncValue(ctx, "tasks", task.ID, "title", "loser title"); err != nil {
		t.Fatal(err)
	}
	got, _ := db.FindTaskByID(ctx, task.ID)
	if got.Title != "loser title" {
		t.Fatalf("title %q after keeping the loser", got.Title)
	}
	next, err := db.SyncOutbox(ctx, 500, 1<<20)
	if err != nil || next == nil || next.Patches[0].Fields["title"] != "loser title" {
		t.Fatalf("the kept value is not in the outbox: %+v %v", next, err)
	}
	p := next.Patches[0]
	if p.Base["title"] != first.Patches[0].Clocks["title"] || p.Clocks["title"] <= p.Base["title"] {
		t.Fatalf("clock %q base %q: the kept value must be a newer edit over the value it replaced (%q)", p.Clocks["title"], p.Base["title"], first.Patches[0].Clocks["title"])
	}
	if err := db.KeepSyncValue(ctx, "tasks", task.ID, "priority_rank", json.Number("1")); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("a local-only field: %v, want invalid", err)
	}
}

func TestSyncEpochChangedSendsRecentChangesAgain(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "epoch@example.com")
	old, recent := newTask(u.ID, "before the backup"), newTask(u.ID, "after the backup")
	if err := db.CreateTask(ctx, old); err != nil {
		t.Fatal(err)
	}
	bindTest(t, db, u)
	b1, _ := db.SyncOutbox(ctx, 500, 1<<20)
	if err := db.MarkSyncPushed(ctx, &core.SyncPushResult{BatchID: b1.BatchID, Applied: b1.Patches[0].ChangeIDs}); err != nil {
		t.Fatal(err)
	}
	var high string
	if err := db.QueryRowForTest(`SELECT hlc FROM changes WHERE row_id = ?`, old.ID).Scan(&high); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateTask(ctx, recent); err != nil {
		t.Fatal(err)
	}
	b2, _ := db.SyncOutbox(ctx, 500, 1<<20)
	if err := db.MarkSyncPushed(ctx, &core.SyncPushResult{BatchID: b2.BatchID, Applied: b2.Patches[0].ChangeIDs}); err != nil {
		t.Fatal(err)
	}
	// The server was restored from a backup holding everything up to high.
	if _, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "c", Control: []core.SyncControl{{Type: core.SyncEpochChanged, Epoch: 2, RestoredHighHLC: high}}}); err != nil {
		t.Fatal(err)
	}
	again, err := db.SyncOutbox(ctx, 500, 1<<20)
	if err != nil || again == nil || len(again.Patches) != 1 || again.Patches[0].RowID != recent.ID {
		t.Fatalf("after the restore: %+v %v, want only the task written after the backup", again, err)
	}
	if b, _ := db.SyncBinding(ctx); b.Epoch != 2 {
		t.Fatalf("epoch %d, want 2", b.Epoch)
	}
}

func TestSyncBindingToAnotherServerSendsEverythingAgain(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "rebind@example.com")
	if err := db.CreateTask(ctx, newTask(u.ID, "one")); err != nil {
		t.Fatal(err)
	}
	b := bindTest(t, db, u)
	first, _ := db.SyncOutbox(ctx, 500, 1<<20)
	if err := db.MarkSyncPushed(ctx, &core.SyncPushResult{BatchID: first.BatchID, Applied: first.Patches[0].ChangeIDs}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "old-cursor"}); err != nil {
		t.Fatal(err)
	}
	// The same server again: nothing to resend, the cursor stays.
	if err := db.BindSync(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.SyncClientState(ctx); st.Pending != 0 || st.Cursor != "old-cursor" {
		t.Fatalf("rebinding the same server: %+v", st)
	}
	other := *b
	other.DatabaseID = "db2"
	if err := db.BindSync(ctx, &other, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := db.SyncClientState(ctx); st.Pending != 1 || st.Cursor != "" {
		t.Fatalf("binding another database: %+v, want the change pending again and no cursor", st)
	}
}

func TestSyncPullSkipsARowThisDeviceCannotKeep(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "skip@example.com")
	b := bindTest(t, db, u)
	clock := "0001764000000000-000001@other-device"
	// A message with a role this device's schema does not allow: the row
	// cannot be stored, and must not block the page.
	run := core.SyncEntry{ScopeID: b.RemoteUserID, Table: "notebook_messages", RowID: "0193dddd-0000-7000-8000-000000000004",
		SyncRowState: core.SyncRowState{State: map[string]any{"role": "narrator", "content": "x", "created_at": "2026-12-01T10:00:00.000Z"},
			Clocks: map[string]string{"role": clock, "content": clock, "created_at": clock}}}
	task := core.SyncEntry{ScopeID: b.RemoteUserID, Table: "tasks", RowID: "0193dddd-0000-7000-8000-000000000005",
		SyncRowState: core.SyncRowState{State: map[string]any{"title": "After the odd row", "created_at": "2026-12-01T10:00:00.000Z"},
			Clocks: map[string]string{"title": clock, "created_at": clock}}}
	applied, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "after", Entries: []core.SyncEntry{run, task}})
	if err != nil || len(applied) != 1 || applied[0].Table != "tasks" {
		t.Fatalf("page with a row that does not fit: %+v %v", applied, err)
	}
	if got, err := db.FindTaskByID(ctx, task.RowID); err != nil || got.Title != "After the odd row" {
		t.Fatalf("the task after it: %+v %v", got, err)
	}
	if st, _ := db.SyncClientState(ctx); st.Cursor != "after" {
		t.Fatalf("cursor %q: the page was not saved", st.Cursor)
	}
}

// A person removed from a team while their device was away (perhaps
// before its first pull named the team) loses it at the next bind: the
// server no longer names it, so its rows leave and pending edits to them
// are refused, as a revocation in a pull would do.
func TestSyncBindDropsTeamsTheServerNoLongerNames(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "left@example.com")
	team := "0193bbbb-0000-7000-8000-000000000002"
	b := bindTest(t, db, u, core.SyncScope{ID: team, Kind: wire.ScopeTeam, Name: "Design"})
	rowID := "0193cccc-0000-7000-8000-000000000003"
	clock := "0001764000000000-000001@other-device"
	state := map[string]any{"title": "Team plan", "status": "todo", "priority": "high", "team_id": team,
		"created_at": "2026-12-01T10:00:00.000Z", "deleted_at": nil, "tags": []any{}, "attendees": []any{}}
	clocks := map[string]string{}
	for f := range state {
		clocks[f] = clock
	}
	if _, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "c1",
		Entries: []core.SyncEntry{{ScopeID: team, Table: "tasks", RowID: rowID, SyncRowState: core.SyncRowState{State: state, Clocks: clocks}}}}); err != nil {
		t.Fatal(err)
	}
	title := "Team plan v2"
	if _, err := db.UpdateTask(ctx, rowID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	// The same server binds again and names no team.
	again := *b
	if err := db.BindSync(ctx, &again, []core.SyncScope{{ID: b.RemoteUserID, Kind: wire.ScopeUser}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindTaskByID(ctx, rowID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("the team's task is still here after a bind that did not name the team: %v", err)
	}
	st, err := db.SyncClientState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range st.Scopes {
		if sc.ID == team {
			t.Fatalf("the team is still a scope: %+v", st.Scopes)
		}
	}
	if st.Cursor != "c1" {
		t.Fatalf("cursor %q: rebinding the same server keeps it", st.Cursor)
	}
	rej, err := db.RejectedChanges(ctx, 10)
	if err != nil || len(rej) != 1 || rej[0].Code != core.EFORBIDDEN || rej[0].Fields["title"] != title {
		t.Fatalf("rejected %+v %v: want the edit kept, forbidden, with its value", rej, err)
	}
}

// An extraction run made on another device arrives with its device-only
// job state set as finished (the column has no default), so it is kept.
func TestSyncPullKeepsAnExtractionRunFromAnotherDevice(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "runs@example.com")
	b := bindTest(t, db, u)
	clock := "0001764000000000-000001@other-device"
	run := core.SyncEntry{ScopeID: b.RemoteUserID, Table: "extraction_runs", RowID: "0193dddd-0000-7000-8000-000000000006",
		SyncRowState: core.SyncRowState{State: map[string]any{"source": "text", "kind": "text", "now": "2026-12-01T10:00:00.000Z",
			"tasks": []any{map[string]any{"title": "Call the landlord"}}, "created_at": "2026-12-01T10:00:00.000Z"},
			Clocks: map[string]string{"source": clock, "kind": clock, "now": clock, "tasks": clock, "created_at": clock}}}
	applied, err := db.ApplySyncPage(ctx, &core.SyncPage{Cursor: "c1", Entries: []core.SyncEntry{run}})
	if err != nil || len(applied) != 1 || applied[0].Table != "extraction_runs" {
		t.Fatalf("pulled run: %+v %v", applied, err)
	}
	got, err := db.FindExtractionByID(ctx, run.RowID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "done" || got.UserID != u.ID || len(got.Tasks) != 1 || got.Tasks[0].Title != "Call the landlord" {
		t.Fatalf("the run here: %+v", got)
	}
}
