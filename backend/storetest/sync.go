package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/sync/schema"
)

// A store's own writes are the sync feed: every synced field of a new row
// gets the writer's clock "<hlc>@<device>", an update moves only the
// changed fields' clocks, a delete is a deleted_at write; each row comes
// once, at its last change, in the scope it belongs to (a team task in its
// team's, never its creator's); local-only fields never travel.
func testSyncWritePath(t *testing.T, s Stores) {
	ana := mustUser(t, s, "ana@example.com")
	team := &core.Team{Name: "Design"}
	if err := s.Teams.CreateTeam(ctx, team, ana.ID); err != nil {
		t.Fatal(err)
	}
	own := mustTask(t, s, newTask(ana.ID, "Own task"))
	shared := newTask(ana.ID, "Team task")
	shared.TeamID = team.ID
	mustTask(t, s, shared)
	feed := func(scope string, after int64) []*core.FeedEntry {
		t.Helper()
		es, err := s.Sync.ReadFeed(ctx, scope, after, 100, 1)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	es := feed(ana.ID, 0)
	if len(es) != 1 || es[0].RowID != own.ID || es[0].Table != "tasks" || es[0].ScopeID != ana.ID || es[0].Deleted {
		t.Fatalf("personal feed: %+v", es)
	}
	created := es[0]
	for _, f := range []string{"title", "status", "deadline", "tags", "team_id", "created_at", "deleted_at"} {
		if c := created.Clocks[f]; !strings.HasSuffix(c, "@"+s.DeviceID) || len(c) < 24 {
			t.Fatalf("clock of %s: %q (clocks %v)", f, c, created.Clocks)
		}
	}
	if _, ok := created.Fields["priority_rank"]; ok {
		t.Fatalf("a local-only field is in the feed: %v", created.Fields)
	}
	if created.Fields["title"] != "Own task" || created.Fields["status"] != "todo" || created.Fields["deadline"] != nil {
		t.Fatalf("state: %v", created.Fields)
	}
	if ts := feed(team.ID, 0); len(ts) != 1 || ts[0].RowID != shared.ID || ts[0].Fields["team_id"] != team.ID {
		t.Fatalf("team feed: %+v", ts)
	}
	title := "Own task, renamed"
	if _, err := s.Tasks.UpdateTask(ctx, own.ID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	es = feed(ana.ID, created.Seq)
	if len(es) != 1 || es[0].Fields["title"] != title || es[0].Seq <= created.Seq {
		t.Fatalf("after update: %+v", es)
	}
	if es[0].Clocks["title"] <= created.Clocks["title"] || es[0].Clocks["status"] != created.Clocks["status"] {
		t.Fatalf("clocks after update: %v, before %v", es[0].Clocks, created.Clocks)
	}
	if err := s.Tasks.DeleteTask(ctx, own.ID); err != nil {
		t.Fatal(err)
	}
	es = feed(ana.ID, 0)
	if len(es) != 1 || !es[0].Deleted || es[0].Fields["deleted_at"] == nil || es[0].Clocks["deleted_at"] <= created.Clocks["deleted_at"] {
		t.Fatalf("after delete, one entry for the row: %+v", es)
	}
	seqs, err := s.Sync.ScopeSeqs(ctx, []string{ana.ID, team.ID, ghostID})
	if err != nil || seqs[ana.ID] != es[0].Seq || seqs[team.ID] == 0 || seqs[ghostID] != 0 {
		t.Fatalf("scope seqs %v %v", seqs, err)
	}
}

// applyAll is a decide that takes every field at its pushed clock (the
// real decisions are the sync feature's).
func applyAll(p *core.PushPatch, cur *core.ServerRow) (*core.SyncWrite, *core.Error, bool) {
	w := &core.SyncWrite{Fields: map[string]any{}, Clocks: map[string]string{}}
	for f, c := range cur.Clocks {
		w.Clocks[f] = c
	}
	for f, v := range p.Fields {
		if p.Clocks[f] > cur.Clocks[f] {
			w.Fields[f], w.Clocks[f] = v, p.Clocks[f]
		}
	}
	return w, nil, false
}

func syncClock(device string, n int) string {
	return fmt.Sprintf("%016d-%06d@%s", time.Now().UnixMilli(), n, device)
}

// A push is one transaction: new rows are the pusher's, values of every
// registry type come back as sent (from the feed and the store's own
// reads), a retried batch returns its stored result, a change id is merged
// once, a refusal leaves nothing behind, and conflicts are kept and
// withdrawn by (row, field, losing clock).
func testSyncApplyPush(t *testing.T, s Stores) {
	ana, bo := mustUser(t, s, "ana@example.com"), mustUser(t, s, "bo@example.com")
	d, err := s.Sync.BindSyncDevice(ctx, &core.SyncDevice{ID: "ana-laptop", UserID: ana.ID, Name: "Laptop", SchemaVersion: 1})
	if err != nil || d.UserID != ana.ID || d.Name != "Laptop" {
		t.Fatalf("bind %+v %v", d, err)
	}
	_, err = s.Sync.BindSyncDevice(ctx, &core.SyncDevice{ID: "ana-laptop", UserID: bo.ID, SchemaVersion: 1})
	wantCode(t, "another's device", err, core.EFORBIDDEN)
	_, err = s.Sync.FindSyncDevice(ctx, "nobody's")
	wantCode(t, "unknown device", err, core.ENOTFOUND)
	dbID, epoch, err := s.Sync.SyncIdentity(ctx)
	if err != nil || dbID == "" || epoch != 1 {
		t.Fatalf("identity %q %d %v", dbID, epoch, err)
	}

	taskID, nbID := "0193a2b4-0000-7000-8000-000000000001", "0193a2b4-0000-7000-8000-000000000002"
	c := syncClock("ana-laptop", 1)
	num := func(s string) json.Number { return json.Number(s) }
	taskFields := map[string]any{"title": "Pushed", "description": "from the laptop", "status": "in_progress", "priority": "high",
		"task_type": "task", "source": "sentry", "deadline": "2026-12-24T17:00:00.000Z", "estimated_hours": num("2.5"),
		"can_delegate": true, "tags": []any{"a", "b"}, "attendees": []any{}, "evidence": map[string]any{"k": []any{num("1"), "x"}},
		"team_id": "", "created_at": "2026-12-01T09:00:00.000Z"}
	clocks := func(fields map[string]any, c string) map[string]string {
		out := map[string]string{}
		for f := range fields {
			out[f] = c
		}
		return out
	}
	nbFields := map[string]any{"name": "Research", "description": "papers", "created_at": "2026-12-01T09:00:00.000Z"}
	ps := []core.PushPatch{
		{Table: "tasks", ScopeID: ana.ID, RowID: taskID, Fields: taskFields, Clocks: clocks(taskFields, c), Base: map[string]string{}, ChangeIDs: []string{"c1"}},
		{Table: "notebooks", ScopeID: ana.ID, RowID: nbID, Fields: nbFields, Clocks: clocks(nbFields, c), Base: map[string]string{}, ChangeIDs: []string{"c2"}},
		// No title: the column refuses it, and only this patch is refused.
		{Table: "tasks", ScopeID: ana.ID, RowID: "0193a2b4-0000-7000-8000-000000000003", Fields: map[string]any{"status": "todo"},
			Clocks: map[string]string{"status": c}, ChangeIDs: []string{"c3"}},
	}
	res, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", "b1", ps, applyAll)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Applied, ",") != "c1,c2" || len(res.Rejected) != 1 || res.Rejected[0].Code != core.EINVALID ||
		res.Rejected[0].ChangeIDs[0] != "c3" || res.ScopesSeq[ana.ID] == 0 {
		t.Fatalf("push: %+v", res)
	}
	got, err := s.Tasks.FindTaskByID(ctx, taskID)
	if err != nil || got.UserID != ana.ID || got.Title != "Pushed" || got.Status != "in_progress" || got.EstimatedHours == nil || *got.EstimatedHours != 2.5 ||
		!got.CanDelegate || strings.Join(got.Tags, ",") != "a,b" || got.Deadline == nil || !got.Deadline.Equal(time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC)) ||
		!got.Deadline.Equal(time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("pushed task as the store reads it: %+v %v", got, err)
	}
	// Derived columns follow: the pushed task sorts as high and is found
	// by its words.
	list, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: ana.ID, Query: "laptop", Limit: 10})
	if err != nil || len(list) != 1 || list[0].ID != taskID {
		t.Fatalf("search for a pushed task: %+v %v", list, err)
	}
	medium := mustTask(t, s, newTask(ana.ID, "A medium one"))
	list, _, err = s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: ana.ID, Sort: "-priority", Limit: 10})
	if err != nil || len(list) != 2 || list[0].ID != taskID || list[1].ID != medium.ID {
		t.Fatalf("by priority, the pushed high task first: %+v %v", list, err)
	}
	es, err := s.Sync.ReadFeed(ctx, ana.ID, 0, 100, 1)
	if err != nil || len(es) != 3 {
		t.Fatalf("feed %+v %v", es, err)
	}
	for _, e := range es[:2] {
		want := taskFields
		if e.Table == "notebooks" {
			want = nbFields
		}
		for f, v := range want {
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(e.Fields[f])
			if string(a) != string(b) || e.Clocks[f] != c {
				t.Errorf("%s.%s: %s at %s, pushed %s at %s", e.Table, f, b, e.Clocks[f], a, c)
			}
		}
	}
	// A row the table's unique keys refuse (a second live notebook of the
	// same name) is a rejection, not a failed push.
	dupName := map[string]any{"name": "RESEARCH", "description": "", "created_at": "2026-12-01T09:00:00.000Z"}
	clash, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", "b-clash", []core.PushPatch{{Table: "notebooks", ScopeID: ana.ID,
		RowID: "0193a2b4-0000-7000-8000-000000000004", Fields: dupName, Clocks: clocks(dupName, c), ChangeIDs: []string{"c4"}}}, applyAll)
	if err != nil || len(clash.Rejected) != 1 || clash.Rejected[0].Code != core.ECONFLICT || len(clash.Applied) != 0 {
		t.Fatalf("unique clash: %+v %v", clash, err)
	}
	// The same batch again: its stored answer, nothing applied twice.
	again, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", "b1", ps, applyAll)
	if err != nil || !again.Replayed || strings.Join(again.Applied, ",") != "c1,c2" || again.ScopesSeq[ana.ID] != res.ScopesSeq[ana.ID] {
		t.Fatalf("replay: %+v %v", again, err)
	}
	// The same change in a new batch: superseded without a merge.
	called := false
	dup, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", "b2", ps[:1], func(p *core.PushPatch, cur *core.ServerRow) (*core.SyncWrite, *core.Error, bool) {
		called = true
		return applyAll(p, cur)
	})
	if err != nil || called || len(dup.Applied) != 0 || strings.Join(dup.Superseded, ",") != "c1" {
		t.Fatalf("duplicate change: %+v %v (decide called: %v)", dup, err, called)
	}
	// A refusal writes nothing.
	seqs, _ := s.Sync.ScopeSeqs(ctx, []string{ana.ID})
	refused, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", "b3", []core.PushPatch{{Table: "tasks", ScopeID: ana.ID, RowID: taskID,
		Fields: map[string]any{"title": "no"}, Clocks: map[string]string{"title": syncClock("ana-laptop", 5)}, ChangeIDs: []string{"c5"}}},
		func(*core.PushPatch, *core.ServerRow) (*core.SyncWrite, *core.Error, bool) {
			return nil, core.Errorf(core.EFORBIDDEN, "No."), true
		})
	after, _ := s.Sync.ScopeSeqs(ctx, []string{ana.ID})
	if err != nil || len(refused.Rejected) != 1 || refused.Rejected[0].Row == nil || refused.Rejected[0].Row.Fields["title"] != "Pushed" || after[ana.ID] != seqs[ana.ID] {
		t.Fatalf("refused: %+v %v, seq %d → %d", refused, err, seqs[ana.ID], after[ana.ID])
	}
	// Conflicts: kept once per (row, field, losing clock), listed by
	// scope, withdrawn when a writer had seen the losing value.
	loser := syncClock("ana-desk", 9)
	conflicted := func(p *core.PushPatch, cur *core.ServerRow) (*core.SyncWrite, *core.Error, bool) {
		w, _, _ := applyAll(p, cur)
		w.Conflicts = []core.SyncConflict{{Field: "title", LoserValue: "desk title", LoserClock: loser, WinnerValue: "Pushed", WinnerClock: c}}
		return w, nil, false
	}
	for i, batch := range []string{"b4", "b5"} {
		if _, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", batch, []core.PushPatch{{Table: "tasks", ScopeID: ana.ID, RowID: taskID,
			Fields: map[string]any{"title": "Pushed"}, Clocks: map[string]string{"title": c}, ChangeIDs: []string{fmt.Sprint("k", i)}}}, conflicted); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := s.Sync.FindSyncConflicts(ctx, []string{ana.ID}, 10)
	if err != nil || len(cs) != 1 || cs[0].LoserValue != "desk title" || cs[0].LoserClock != loser || cs[0].WinnerValue != "Pushed" || cs[0].RowID != taskID {
		t.Fatalf("conflicts %+v %v", cs, err)
	}
	if others, err := s.Sync.FindSyncConflicts(ctx, []string{bo.ID}, 10); err != nil || len(others) != 0 {
		t.Fatalf("another scope's conflicts %+v %v", others, err)
	}
	withdraw := func(p *core.PushPatch, cur *core.ServerRow) (*core.SyncWrite, *core.Error, bool) {
		w, _, _ := applyAll(p, cur)
		w.Withdrawn = []core.SyncConflict{{Field: "title", LoserClock: loser}}
		return w, nil, false
	}
	if _, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", "b6", []core.PushPatch{{Table: "tasks", ScopeID: ana.ID, RowID: taskID,
		Fields: map[string]any{"title": "Settled"}, Clocks: map[string]string{"title": syncClock("ana-laptop", 10)}, ChangeIDs: []string{"w1"}}}, withdraw); err != nil {
		t.Fatal(err)
	}
	if cs, err := s.Sync.FindSyncConflicts(ctx, []string{ana.ID}, 10); err != nil || len(cs) != 0 {
		t.Fatalf("after withdrawal %+v %v", cs, err)
	}
	// One batch whose third patch the columns refuse after two patches to
	// one row, the first keeping a conflict: the refused patch is undone
	// alone, the second patch saw the first's write, the conflict is kept
	// once and the log has one entry for each applied patch.
	mixedID := "0193a2b4-0000-7000-8000-000000000005"
	before, _ := s.Sync.ScopeSeqs(ctx, []string{ana.ID})
	mixedLoser := syncClock("ana-desk", 11)
	mixed := func(p *core.PushPatch, cur *core.ServerRow) (*core.SyncWrite, *core.Error, bool) {
		w, _, _ := applyAll(p, cur)
		if p.ChangeIDs[0] == "m1" {
			w.Conflicts = []core.SyncConflict{{Field: "title", LoserValue: "lost", LoserClock: mixedLoser, WinnerValue: "First", WinnerClock: c}}
		}
		if p.ChangeIDs[0] == "m2" && (!cur.Exists || cur.Fields["title"] != "First") {
			return nil, core.Errorf(core.EINVALID, "the second patch did not see the first: %+v", cur), false
		}
		return w, nil, false
	}
	first := map[string]any{"title": "First", "status": "todo", "priority": "low", "task_type": "task", "source": "sentry",
		"team_id": "", "created_at": "2026-12-01T09:00:00.000Z"}
	mres, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", "b-mixed", []core.PushPatch{
		{Table: "tasks", ScopeID: ana.ID, RowID: mixedID, Fields: first, Clocks: clocks(first, syncClock("ana-laptop", 11)), ChangeIDs: []string{"m1"}},
		{Table: "tasks", ScopeID: ana.ID, RowID: mixedID, Fields: map[string]any{"title": "Second"},
			Clocks: map[string]string{"title": syncClock("ana-laptop", 12)}, ChangeIDs: []string{"m2"}},
		{Table: "tasks", ScopeID: ana.ID, RowID: "0193a2b4-0000-7000-8000-000000000006", Fields: map[string]any{"status": "todo"},
			Clocks: map[string]string{"status": syncClock("ana-laptop", 13)}, ChangeIDs: []string{"m3"}},
	}, mixed)
	if err != nil || strings.Join(mres.Applied, ",") != "m1,m2" || len(mres.Rejected) != 1 || mres.Rejected[0].ChangeIDs[0] != "m3" || mres.Conflicts != 1 {
		t.Fatalf("mixed batch: %+v %v", mres, err)
	}
	if got, err := s.Tasks.FindTaskByID(ctx, mixedID); err != nil || got.Title != "Second" || got.Priority != "low" {
		t.Fatalf("mixed batch's row: %+v %v", got, err)
	}
	if after, _ := s.Sync.ScopeSeqs(ctx, []string{ana.ID}); after[ana.ID] != before[ana.ID]+2 {
		t.Fatalf("mixed batch logged %d entries, want 2", after[ana.ID]-before[ana.ID])
	}
	if cs, err := s.Sync.FindSyncConflicts(ctx, []string{ana.ID}, 10); err != nil || len(cs) != 1 || cs[0].LoserClock != mixedLoser {
		t.Fatalf("mixed batch's conflicts %+v %v", cs, err)
	}
	// The device's progress.
	if err := s.Sync.MarkSyncPulled(ctx, "ana-laptop", map[string]int64{ana.ID: 7}); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Sync.FindSyncDevices(ctx, ana.ID)
	if err != nil || len(ds) != 1 || ds[0].LastSeqs[ana.ID] != 7 || ds[0].LastPullAt == nil || ds[0].LastPushAt == nil {
		t.Fatalf("devices %+v %v", ds, err)
	}
	if ds, err := s.Sync.FindSyncDevices(ctx, bo.ID); err != nil || len(ds) != 0 {
		t.Fatalf("bo's devices %+v %v", ds, err)
	}
}

// Every synced table takes a pushed row through the same generic code:
// each registry type is written and read back as sent (or the row is
// refused with a code, when the table's own rules want other values) —
// never an internal error, on either store.
func testSyncEveryTable(t *testing.T, s Stores) {
	ana := mustUser(t, s, "ana@example.com")
	if _, err := s.Sync.BindSyncDevice(ctx, &core.SyncDevice{ID: "ana-laptop", UserID: ana.ID, SchemaVersion: 1}); err != nil {
		t.Fatal(err)
	}
	// The values the tables' own rules want; every other field gets its
	// type's sample value.
	wants := map[string]map[string]any{
		"tasks":             {"status": "todo", "priority": "medium", "task_type": "task", "source": "sentry"},
		"notebook_messages": {"role": "user"},
		"burnout_analyses":  {"level": "low"},
		"recommendations":   {"kind": "delegate", "status": "open"},
	}
	// Children name their notebook (pushed first, in registry order).
	for i, tb := range schema.Tables {
		if tb.Name == "notebooks" {
			id := fmt.Sprintf("0193a2b4-0000-7000-8000-%012d", 500+i)
			wants["notebook_documents"] = map[string]any{"notebook_id": id}
			wants["notebook_messages"] = map[string]any{"notebook_id": id, "role": "user"}
		}
	}
	values := map[string]any{"text": "value", "uuid": "", "int": json.Number("3"), "real": json.Number("1.5"), "bool": true,
		"time_ms": "2026-12-01T09:00:00.000Z", "json": []any{}}
	c := syncClock("ana-laptop", 1)
	var ps []core.PushPatch
	for i, tb := range schema.Tables {
		fields, clocks := map[string]any{}, map[string]string{}
		for _, f := range tb.Synced(schema.Version) {
			fields[f.Name], clocks[f.Name] = values[string(f.Type)], c
		}
		for f, v := range wants[tb.Name] {
			fields[f] = v
		}
		fields["deleted_at"] = nil
		ps = append(ps, core.PushPatch{Table: tb.Name, ScopeID: ana.ID, RowID: fmt.Sprintf("0193a2b4-0000-7000-8000-%012d", 500+i),
			Fields: fields, Clocks: clocks, ChangeIDs: []string{"t-" + tb.Name}})
	}
	// As the sync feature does: a new document is queued for indexing
	// here, a run arrives finished.
	withLocal := func(p *core.PushPatch, cur *core.ServerRow) (*core.SyncWrite, *core.Error, bool) {
		w, _, _ := applyAll(p, cur)
		w.Local = map[string]map[string]any{"notebook_documents": {"status": "queued"}, "extraction_runs": {"status": "done"}}[p.Table]
		return w, nil, false
	}
	res, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", "every-table", ps, withLocal)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rejected {
		if r.Code == core.EINTERNAL || r.Code == "" {
			t.Errorf("%s: %s %s", r.Table, r.Code, r.Message)
		}
	}
	for _, r := range res.Rejected {
		t.Logf("%s refused the generic row: %s %s", r.Table, r.Code, r.Message)
	}
	if len(res.Applied) != len(ps) {
		t.Fatalf("only %d of %d tables took a generic row: %+v", len(res.Applied), len(ps), res.Rejected)
	}
	es, err := s.Sync.ReadFeed(ctx, ana.ID, 0, 100, schema.Version)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != len(res.Applied) {
		t.Fatalf("feed has %d rows, %d applied", len(es), len(res.Applied))
	}
	for _, e := range es {
		var p *core.PushPatch
		for i := range ps {
			if ps[i].RowID == e.RowID {
				p = &ps[i]
			}
		}
		for f, v := range p.Fields {
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(e.Fields[f])
			if string(a) != string(b) {
				t.Errorf("%s.%s: pushed %s, read %s", e.Table, f, a, b)
			}
		}
	}
}
