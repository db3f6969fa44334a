package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"sentry/sync/wire"
)

// syncDevice is a test device speaking protocol 1 to the backend.
type syncDevice struct {
	b      *testBackend
	acc    account
	id     string
	cursor string
	n      int
}

func (b *testBackend) bindDevice(acc account, id string) *syncDevice {
	b.t.Helper()
	res, body := b.do("POST", "/api/sync/devices", acc.Access, map[string]any{"device_id": id, "name": "laptop", "schema_version": 1})
	if res.StatusCode != 200 {
		b.t.Fatalf("bind %s: %d %s", id, res.StatusCode, body)
	}
	var d wire.DeviceResponse
	if err := json.Unmarshal(body, &d); err != nil || d.UserID != acc.ID || d.DatabaseID == "" || d.Epoch != 1 || len(d.Scopes) == 0 || d.Scopes[0].ID != acc.ID {
		b.t.Fatalf("bind %s: %v %s", id, err, body)
	}
	return &syncDevice{b: b, acc: acc, id: id}
}

// clock is a field clock of this device at wall time now+skew, with a
// logical counter so every call is distinct.
func (d *syncDevice) clock(skew time.Duration) string {
	d.n++
	return fmt.Sprintf("%016d-%06d@%s", time.Now().Add(skew).UnixMilli(), d.n, d.id)
}

func (d *syncDevice) push(batch string, patches ...map[string]any) (int, wire.PushResponse, []byte) {
	d.b.t.Helper()
	res, body := d.b.do("POST", "/api/sync/push", d.acc.Access, map[string]any{"protocol": 1, "schema_version": 1, "device_id": d.id,
		"batch_id": batch, "patches": patches})
	var out wire.PushResponse
	if res.StatusCode == 200 {
		if err := json.Unmarshal(body, &out); err != nil {
			d.b.t.Fatal(err)
		}
	}
	return res.StatusCode, out, body
}

func (d *syncDevice) mustPush(batch string, patches ...map[string]any) wire.PushResponse {
	d.b.t.Helper()
	st, out, body := d.push(batch, patches...)
	if st != 200 {
		d.b.t.Fatalf("push %s: %d %s", batch, st, body)
	}
	return out
}

func (d *syncDevice) pull() wire.PullResponse {
	d.b.t.Helper()
	var all wire.PullResponse
	for {
		res, body := d.b.do("GET", "/api/sync/pull?device_id="+url.QueryEscape(d.id)+"&limit=2&cursor="+url.QueryEscape(d.cursor), d.acc.Access, nil)
		if res.StatusCode != 200 {
			d.b.t.Fatalf("pull: %d %s", res.StatusCode, body)
		}
		var page wire.PullResponse
		if err := json.Unmarshal(body, &page); err != nil {
			d.b.t.Fatal(err)
		}
		all.Entries = append(all.Entries, page.Entries...)
		all.Control = append(all.Control, page.Control...)
		d.cursor = page.Cursor
		if !page.HasMore {
			return all
		}
	}
}

func entryFor(es []wire.Entry, rowID string) *wire.Entry {
	var out *wire.Entry
	for i := range es {
		if es[i].RowID == rowID {
			if out != nil {
				panic("row " + rowID + " twice in one pull")
			}
			out = &es[i]
		}
	}
	return out
}

func newRowID(n int) string { return fmt.Sprintf("0193a2b4-0000-7000-8000-%012d", n) }

// taskPatch is a new task with every field a device sends on insert.
func (d *syncDevice) taskPatch(scope, id, title, change string) map[string]any {
	c := d.clock(0)
	fields := map[string]any{"title": title, "status": "todo", "priority": "medium", "task_type": "task", "source": "sentry", "description": "",
		"tags": []string{"sync"}, "estimated_hours": 1.5, "can_delegate": true, "deadline": "2026-12-24T17:00:00.000Z", "team_id": "",
		"created_at": "2026-12-01T09:00:00.000Z"}
	if scope != d.acc.ID {
		fields["team_id"] = scope
	}
	clocks := map[string]string{}
	for f := range fields {
		clocks[f] = c
	}
	return map[string]any{"table": "tasks", "scope_id": scope, "row_id": id, "fields": fields, "clocks": clocks, "base": map[string]string{}, "change_ids": []string{change}}
}

func edit(table, scope, id string, field string, value any, clock, base, change string) map[string]any {
	return map[string]any{"table": table, "scope_id": scope, "row_id": id, "fields": map[string]any{field: value},
		"clocks": map[string]string{field: clock}, "base": map[string]string{field: base}, "change_ids": []string{change}}
}

// A row pushed by one device reaches the user's other device with its
// clocks; a retried batch gets the same answer and changes nothing; a
// change id seen before is not merged again; an edit through the REST
// routes is in the next pull, once.
func TestSyncPushPullRoundTrip(t *testing.T) {
	b := newBackend(t, false)
	ana := b.signUp("ana@example.com")
	laptop, desk := b.bindDevice(ana, "ana-laptop"), b.bindDevice(ana, "ana-desk")
	id := newRowID(1)
	p := laptop.taskPatch(ana.ID, id, "Write the sync server", "c-1")
	first := laptop.mustPush("batch-1", p)
	if len(first.Applied) != 1 || first.Applied[0] != "c-1" || len(first.Rejected) != 0 || first.ScopesSeq[ana.ID] == 0 {
		t.Fatalf("push: %+v", first)
	}
	// The same batch again (its answer was lost): the stored result.
	again := laptop.mustPush("batch-1", p)
	if fmt.Sprint(again.Applied, again.Superseded, again.ScopesSeq) != fmt.Sprint(first.Applied, first.Superseded, first.ScopesSeq) {
		t.Fatalf("retry: %+v, first %+v", again, first)
	}
	// The same change in a new batch: superseded, not merged again.
	if dup := laptop.mustPush("batch-2", p); len(dup.Applied) != 0 || len(dup.Superseded) != 1 {
		t.Fatalf("duplicate change: %+v", dup)
	}

	got := desk.pull()
	e := entryFor(got.Entries, id)
	if e == nil || e.State["title"] != "Write the sync server" || e.Clocks["title"] != p["clocks"].(map[string]string)["title"] || e.Deleted {
		t.Fatalf("pull: %+v", got)
	}
	if _, ok := e.State["priority_rank"]; ok {
		t.Fatalf("a local-only field travelled: %v", e.State)
	}
	if len(got.Control) != 1 || got.Control[0].Type != wire.ScopeAdded || got.Control[0].ScopeID != ana.ID {
		t.Fatalf("controls: %+v", got.Control)
	}
	// The row is a task like any other to the REST routes.
	res, body := b.do("GET", "/api/tasks/"+ana.ID+"/"+id, ana.Access, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"estimated_hours":1.5`) || !strings.Contains(string(body), `"tags":["sync"]`) {
		t.Fatalf("REST read of a pushed task: %d %s", res.StatusCode, body)
	}
	// The pushed write is logged as applied by sync (never this server's
	// own outbox), in the pusher's scope, with the base it was sent with.
	var origin, scope string
	if err := b.queryRow(`SELECT origin, scope_id FROM changes WHERE table_name = 'tasks' AND row_id = ? ORDER BY seq LIMIT 1`, id).Scan(&origin, &scope); err != nil || origin != "remote" || scope != ana.ID {
		t.Fatalf("the push's log entry: %q %q %v", origin, scope, err)
	}
	// A REST edit: in the next pull, with a newer clock.
	if res, body := b.do("PUT", "/api/tasks/"+ana.ID+"/"+id, ana.Access, map[string]any{"title": "Ship the sync server"}); res.StatusCode != 200 {
		t.Fatalf("REST edit: %d %s", res.StatusCode, body)
	}
	var base string
	if err := b.queryRow(`SELECT origin, base FROM changes WHERE table_name = 'tasks' AND row_id = ? ORDER BY seq DESC LIMIT 1`, id).Scan(&origin, &base); err != nil ||
		origin != "local" || !strings.Contains(base, p["clocks"].(map[string]string)["title"]) {
		t.Fatalf("the REST edit's log entry: %q base %s %v", origin, base, err)
	}
	got = desk.pull()
	e = entryFor(got.Entries, id)
	if e == nil || e.State["title"] != "Ship the sync server" || e.Clocks["title"] <= p["clocks"].(map[string]string)["title"] {
		t.Fatalf("pull after REST edit: %+v", got)
	}
	if e.Clocks["status"] != p["clocks"].(map[string]string)["status"] {
		t.Fatalf("an untouched field's clock moved: %v", e.Clocks)
	}
	// Caught up: nothing more.
	if again := desk.pull(); len(again.Entries) != 0 {
		t.Fatalf("pulled twice: %+v", again.Entries)
	}
	// A sequential edit from the laptop (it had seen the REST title).
	laptop.mustPush("batch-3", edit("tasks", ana.ID, id, "status", "done", laptop.clock(0), e.Clocks["status"], "c-2"))
	got = desk.pull()
	if e := entryFor(got.Entries, id); e == nil || e.State["status"] != "done" || e.State["title"] != "Ship the sync server" {
		t.Fatalf("pull after push: %+v", got)
	}
	// The device state shows both devices, caught up or not.
	res, body = b.do("GET", "/api/sync/state", ana.Access, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"device_id":"ana-laptop"`) || !strings.Contains(string(body), `"device_id":"ana-desk"`) {
		t.Fatalf("state: %d %s", res.StatusCode, body)
	}
	var st struct {
		Devices []struct {
			DeviceID string `json:"device_id"`
			Lag      int64  `json:"lag"`
		} `json:"devices"`
	}
	_ = json.Unmarshal(body, &st)
	for _, d := range st.Devices {
		if d.DeviceID == "ana-desk" && d.Lag != 0 || d.DeviceID == "ana-laptop" && d.Lag == 0 {
			t.Fatalf("lag: %s", body)
		}
	}
}

// Two devices overwrite the same field without having seen each other's
// write: the higher clock wins on the server and the other value is kept
// as a conflict — the same record whichever device pushes first.
func TestSyncConflictWhicheverOrder(t *testing.T) {
	for _, order := range []string{"laptop first", "desk first"} {
		t.Run(order, func(t *testing.T) {
			b := newBackend(t, false)
			ana := b.signUp("ana@example.com")
			laptop, desk := b.bindDevice(ana, "ana-laptop"), b.bindDevice(ana, "ana-desk")
			id := newRowID(2)
			p := laptop.taskPatch(ana.ID, id, "Plan the offsite", "c-0")
			laptop.mustPush("b0", p)
			base := p["clocks"].(map[string]string)["title"]
			lc := laptop.clock(0)
			dc := desk.clock(time.Millisecond) // later: the desk wins
			le := edit("tasks", ana.ID, id, "title", "Plan the offsite (laptop)", lc, base, "c-laptop")
			de := edit("tasks", ana.ID, id, "title", "Plan the offsite (desk)", dc, base, "c-desk")
			var r1, r2 wire.PushResponse
			if order == "laptop first" {
				r1, r2 = laptop.mustPush("b1", le), desk.mustPush("b2", de)
			} else {
				r1, r2 = desk.mustPush("b2", de), laptop.mustPush("b1", le)
			}
			if r1.Conflicts != 0 || r2.Conflicts != 1 {
				t.Fatalf("conflicts reported: %d then %d", r1.Conflicts, r2.Conflicts)
			}
			res, body := b.do("GET", "/api/sync/conflicts", ana.Access, nil)
			var cs struct{ Conflicts []wire.Conflict }
			_ = json.Unmarshal(body, &cs)
			if res.StatusCode != 200 || len(cs.Conflicts) != 1 {
				t.Fatalf("conflicts: %d %s", res.StatusCode, body)
			}
			c := cs.Conflicts[0]
			if c.RowID != id || c.Field != "title" || c.LoserValue != "Plan the offsite (laptop)" || c.LoserClock != lc ||
				c.WinnerValue != "Plan the offsite (desk)" || c.WinnerClock != dc || c.ScopeID != ana.ID {
				t.Fatalf("conflict: %+v", c)
			}
			got := laptop.pull()
			if e := entryFor(got.Entries, id); e == nil || e.State["title"] != "Plan the offsite (desk)" {
				t.Fatalf("winner: %+v", got.Entries)
			}
		})
	}
}

// Every bad push is a clear 4xx or a per-patch rejection naming the change
// — never a 500 — and a rejected patch blocks nothing after it.
func TestSyncPushRejections(t *testing.T) {
	b := newBackend(t, false)
	ana, bo := b.signUp("ana@example.com"), b.signUp("bo@example.com")
	laptop, bos := b.bindDevice(ana, "ana-laptop"), b.bindDevice(bo, "bo-phone")
	bosRow := newRowID(9)
	bos.mustPush("bo-1", bos.taskPatch(bo.ID, bosRow, "Bo's private task", "bo-c1"))
	res, body := b.do("POST", "/api/teams", bo.Access, map[string]any{"name": "Bo's team"})
	if res.StatusCode != 201 {
		t.Fatalf("team: %d %s", res.StatusCode, body)
	}
	var team struct{ ID string }
	_ = json.Unmarshal(body, &team)

	c := laptop.clock(0)
	bad := func(p map[string]any, mut func(map[string]any)) map[string]any {
		mut(p)
		return p
	}
	cases := []struct {
		name  string
		patch map[string]any
		code  string
		says  string
	}{
		{"unknown table", bad(laptop.taskPatch(ana.ID, newRowID(10), "x", "r1"), func(p map[string]any) { p["table"] = "sessions" }), "invalid", "not a synced table"},
		{"unknown field", edit("tasks", ana.ID, newRowID(11), "colour", "red", c, "", "r2"), "invalid", "not a synced field"},
		{"local-only field", edit("tasks", ana.ID, newRowID(12), "google_task_id", "g1", c, "", "r3"), "invalid", "not a synced field"},
		{"wrong type", edit("tasks", ana.ID, newRowID(13), "title", 42, c, "", "r4"), "invalid", "title must be a string"},
		{"someone else's row", edit("tasks", ana.ID, bosRow, "title", "mine now", c, "", "r5"), "not_found", ""},
		{"someone else's scope", edit("tasks", bo.ID, bosRow, "title", "mine now", c, "", "r6"), "forbidden", ""},
		{"a team not joined", laptop.taskPatch(team.ID, newRowID(14), "into bo's team", "r7"), "forbidden", ""},
		{"invalid status", bad(laptop.taskPatch(ana.ID, newRowID(15), "x", "r8"), func(p map[string]any) { p["fields"].(map[string]any)["status"] = "someday" }), "invalid", "Status must be one of"},
		{"no title", bad(laptop.taskPatch(ana.ID, newRowID(16), " ", "r9"), func(p map[string]any) {}), "invalid", "Title is required"},
		{"bad clock", edit("tasks", ana.ID, newRowID(17), "title", "x", "yesterday", "", "r10"), "invalid", "clock"},
		{"bad row id", edit("tasks", ana.ID, "../etc", "title", "x", c, "", "r11"), "invalid", "row_id"},
		{"NUL in text", bad(laptop.taskPatch(ana.ID, newRowID(18), "a\x00b", "r12"), func(p map[string]any) {}), "invalid", ""},
	}
	patches := []map[string]any{}
	for _, tc := range cases {
		patches = append(patches, tc.patch)
	}
	good := laptop.taskPatch(ana.ID, newRowID(19), "A good one after the bad", "ok-1")
	patches = append(patches, good)
	out := laptop.mustPush("bad-batch", patches...)
	if len(out.Applied) != 1 || out.Applied[0] != "ok-1" || len(out.Rejected) != len(cases) {
		t.Fatalf("push: %+v", out)
	}
	for i, tc := range cases {
		r := out.Rejected[i]
		if r.Code != tc.code || !strings.Contains(r.Message, tc.says) || len(r.ChangeIDs) != 1 || r.ChangeIDs[0] != tc.patch["change_ids"].([]string)[0] {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
	// Personal data never enters a team, even the caller's own.
	res, body = b.do("POST", "/api/teams", ana.Access, map[string]any{"name": "Ana's team"})
	var mine struct{ ID string }
	_ = json.Unmarshal(body, &mine)
	out = laptop.mustPush("personal", edit("burnout_analyses", mine.ID, newRowID(20), "level", "high", c, "", "p1"))
	if len(out.Rejected) != 1 || out.Rejected[0].Code != "forbidden" || !strings.Contains(out.Rejected[0].Message, "personal") {
		t.Fatalf("personal row in a team: %+v", out)
	}
	// Bo's row is as it was; nothing of the refused patches reached a pull.
	got := bos.pull()
	if e := entryFor(got.Entries, bosRow); e == nil || e.State["title"] != "Bo's private task" {
		t.Fatalf("bo's row: %+v", got.Entries)
	}
	got = laptop.pull()
	if len(got.Entries) != 1 || got.Entries[0].RowID != newRowID(19) {
		t.Fatalf("ana's pull: %+v", got.Entries)
	}

	tooMany := make([]map[string]any, wire.MaxPatches+1)
	for i := range tooMany {
		tooMany[i] = edit("tasks", ana.ID, newRowID(100+i), "title", "x", c, "", fmt.Sprint("m", i))
	}
	huge := laptop.taskPatch(ana.ID, newRowID(30), strings.Repeat("x", wire.ServerBatchBytes), "h1")
	pushAs := func(acc account, device string, protocol, schemaVersion int, patches ...map[string]any) (*wireResult, []byte) {
		res, body := b.do("POST", "/api/sync/push", acc.Access, map[string]any{"protocol": protocol, "schema_version": schemaVersion,
			"device_id": device, "batch_id": "x", "patches": patches})
		return &wireResult{res.StatusCode}, body
	}
	for _, tc := range []struct {
		name    string
		acc     account
		device  string
		proto   int
		schema  int
		patches []map[string]any
		status  int
		code    string
	}{
		{"protocol too old", ana, "ana-laptop", 0, 1, nil, 426, "upgrade_required"},
		{"schema too old", ana, "ana-laptop", 1, 0, nil, 426, "upgrade_required"},
		{"app newer than the server", ana, "ana-laptop", 1, 99, nil, 409, "conflict"},
		{"another user's device", bo, "ana-laptop", 1, 1, nil, 403, "forbidden"},
		{"too many patches", ana, "ana-laptop", 1, 1, tooMany, 413, "too_large"},
		{"over 4 MiB", ana, "ana-laptop", 1, 1, []map[string]any{huge}, 413, "too_large"},
		{"clock far ahead", ana, "ana-laptop", 1, 1, []map[string]any{edit("tasks", ana.ID, newRowID(31), "title", "x", laptop.clock(time.Hour), "", "s1")}, 409, "clock_skew"},
		{"no device id", ana, "", 1, 1, nil, 400, "invalid"},
	} {
		if tc.patches == nil {
			tc.patches = []map[string]any{}
		}
		r, body := pushAs(tc.acc, tc.device, tc.proto, tc.schema, tc.patches...)
		if r.status != tc.status {
			t.Errorf("%s: %d, want %d: %.300s", tc.name, r.status, tc.status, body)
			continue
		}
		if code, _ := errorOf(t, body); code != tc.code {
			t.Errorf("%s: code %s, want %s", tc.name, code, tc.code)
		}
	}
	// Malformed bodies.
	for _, raw := range []string{`{"protocol":1}`, `[]`, `{"protocol":1,"schema_version":1,"device_id":"d","batch_id":"b","patches":[{"table":1}]}`,
		`{"protocol":1,"schema_version":1,"device_id":"d","batch_id":"b","patches":[],"extra":1}`} {
		res, body := b.do("POST", "/api/sync/push", ana.Access, raw)
		if res.StatusCode != 400 {
			t.Errorf("%s: %d %s", raw, res.StatusCode, body)
		}
	}
	for _, q := range []string{"cursor=***", "cursor=bm90IGpzb24", "limit=0", "limit=5000", "wait=60", "wait=x"} {
		res, body := b.do("GET", "/api/sync/pull?"+q, ana.Access, nil)
		if res.StatusCode != 400 {
			t.Errorf("pull %s: %d %s", q, res.StatusCode, body)
		}
	}
}

type wireResult struct{ status int }

// A team task syncs to every member's device; a member removed from the
// team gets scope_revoked at the next pull and none of its rows after.
func TestSyncTeamScopeAddedAndRevoked(t *testing.T) {
	b := newBackend(t, false)
	ana, bo := b.signUp("ana@example.com"), b.signUp("bo@example.com")
	res, body := b.do("POST", "/api/teams", ana.Access, map[string]any{"name": "Design"})
	if res.StatusCode != 201 {
		t.Fatalf("team: %d %s", res.StatusCode, body)
	}
	var team struct{ ID string }
	_ = json.Unmarshal(body, &team)
	if res, body := b.do("POST", "/api/teams/"+team.ID+"/members", ana.Access, map[string]any{"email": "bo@example.com"}); res.StatusCode != 201 {
		t.Fatalf("add bo: %d %s", res.StatusCode, body)
	}
	anas, bos := b.bindDevice(ana, "ana-laptop"), b.bindDevice(bo, "bo-phone")
	// A team task from a device, and one through the REST routes.
	pushed := newRowID(40)
	if out := anas.mustPush("t1", anas.taskPatch(team.ID, pushed, "Pick the fonts", "t-c1")); len(out.Applied) != 1 {
		t.Fatalf("team push: %+v", out)
	}
	rest := b.createTask(ana, map[string]any{"title": "Review the mockups", "team_id": team.ID})["id"].(string)
	got := bos.pull()
	added := map[string]bool{}
	for _, c := range got.Control {
		if c.Type == wire.ScopeAdded {
			added[c.ScopeID] = true
		}
	}
	if !added[team.ID] || !added[bo.ID] {
		t.Fatalf("controls: %+v", got.Control)
	}
	for _, id := range []string{pushed, rest} {
		if e := entryFor(got.Entries, id); e == nil || e.ScopeID != team.ID || e.State["team_id"] != team.ID {
			t.Fatalf("bo's pull lacks team task %s: %+v", id, got.Entries)
		}
	}
	// Bo edits the team task from the phone; Ana's device gets it.
	e := entryFor(got.Entries, pushed)
	bos.mustPush("t2", edit("tasks", team.ID, pushed, "status", "in_progress", bos.clock(0), e.Clocks["status"], "bo-c2"))
	if got := anas.pull(); entryFor(got.Entries, pushed) == nil || entryFor(got.Entries, pushed).State["status"] != "in_progress" {
		t.Fatalf("ana's pull: %+v", got.Entries)
	}
	// A plain member deletes only the team tasks they made.
	if out := bos.mustPush("t2b", edit("tasks", team.ID, pushed, "deleted_at", "2026-12-05T10:00:00.000Z", bos.clock(0), "", "bo-del")); len(out.Rejected) != 1 ||
		out.Rejected[0].Code != "forbidden" || out.Rejected[0].Row == nil || out.Rejected[0].Row.Deleted {
		t.Fatalf("member deletes another's team task: %+v", out)
	}
	// Bo is removed: revoked at the next pull, nothing of the team after.
	if res, body := b.do("DELETE", "/api/teams/"+team.ID+"/members/"+bo.ID, ana.Access, nil); res.StatusCode != 204 {
		t.Fatalf("remove bo: %d %s", res.StatusCode, body)
	}
	b.createTask(ana, map[string]any{"title": "After Bo left", "team_id": team.ID})
	got = bos.pull()
	if len(got.Control) != 1 || got.Control[0].Type != wire.ScopeRevoked || got.Control[0].ScopeID != team.ID || len(got.Entries) != 0 {
		t.Fatalf("after removal: %+v", got)
	}
	if out := bos.mustPush("t3", edit("tasks", team.ID, pushed, "title", "still mine?", bos.clock(0), "", "bo-c3")); len(out.Rejected) != 1 || out.Rejected[0].Code != "forbidden" {
		t.Fatalf("push after removal: %+v", out)
	}
	if again := bos.pull(); len(again.Control) != 0 || len(again.Entries) != 0 {
		t.Fatalf("second pull after removal: %+v", again)
	}
}

// Every sync route is the caller's own: another user's device id, rows,
// conflicts and devices stay out of reach.
func TestSyncRoutesOwnership(t *testing.T) {
	b := newBackend(t, false)
	ana, bo := b.signUp("ana@example.com"), b.signUp("bo@example.com")
	anas := b.bindDevice(ana, "ana-laptop")
	id := newRowID(50)
	p := anas.taskPatch(ana.ID, id, "Ana's secret plan", "a-c1")
	anas.mustPush("a1", p)
	dc := anas.clock(time.Millisecond)
	anas.mustPush("a2", edit("tasks", ana.ID, id, "title", "Ana's plan B", dc, "", "a-c2")) // concurrent with itself: a conflict
	runScenarios(t, b, ana, bo, map[string]string{}, []scenario{
		{name: "bind another's device", method: "POST", path: "/api/sync/devices", token: "other", body: map[string]any{"device_id": "ana-laptop", "schema_version": 1}, status: 403, errCode: "forbidden"},
		{name: "pull as another's device", method: "GET", path: "/api/sync/pull?device_id=ana-laptop", token: "other", status: 403, errCode: "forbidden"},
		{name: "no token", method: "GET", path: "/api/sync/pull", token: "", status: 401},
		{name: "no token state", method: "GET", path: "/api/sync/state", token: "", status: 401},
		{name: "no token conflicts", method: "GET", path: "/api/sync/conflicts", token: "", status: 401},
		{name: "no token push", method: "POST", path: "/api/sync/push", token: "", body: map[string]any{}, status: 401},
		{name: "no token devices", method: "POST", path: "/api/sync/devices", token: "", body: map[string]any{}, status: 401},
		{name: "another's conflicts stay hidden", method: "GET", path: "/api/sync/conflicts", token: "other", status: 200, contains: []string{`"conflicts":[]`}},
		{name: "the owner sees hers", method: "GET", path: "/api/sync/conflicts", token: "me", status: 200, contains: []string{"Ana's secret plan"}},
		{name: "another's devices stay hidden", method: "GET", path: "/api/sync/state", token: "other", status: 200, contains: []string{`"devices":[]`}},
	})
	res, body := b.do("GET", "/api/sync/pull", bo.Access, nil)
	if res.StatusCode != 200 || strings.Contains(string(body), "Ana") {
		t.Fatalf("bo's pull: %d %s", res.StatusCode, body)
	}
	res, body = b.do("POST", "/api/sync/push", bo.Access, map[string]any{"protocol": 1, "schema_version": 1, "device_id": "ana-laptop", "batch_id": "a1", "patches": []any{}})
	if res.StatusCode != 403 {
		t.Fatalf("replay of another's batch: %d %s", res.StatusCode, body)
	}
}

// A waiting pull returns with the change another device pushes while it
// waits (woken in-process; the wait's bound is the protocol's 25 s).
func TestSyncLongPollWakesOnPush(t *testing.T) {
	b := newBackend(t, false)
	ana := b.signUp("ana@example.com")
	laptop, desk := b.bindDevice(ana, "ana-laptop"), b.bindDevice(ana, "ana-desk")
	desk.pull() // caught up: the next pull has nothing until a push
	type result struct {
		status int
		page   wire.PullResponse
	}
	done := make(chan result, 1)
	go func() {
		res, body := b.do("GET", "/api/sync/pull?wait=25&device_id=ana-desk&cursor="+url.QueryEscape(desk.cursor), ana.Access, nil)
		var page wire.PullResponse
		_ = json.Unmarshal(body, &page)
		done <- result{res.StatusCode, page}
	}()
	id := newRowID(60)
	laptop.mustPush("w1", laptop.taskPatch(ana.ID, id, "Woken", "w-c1"))
	r := <-done
	if r.status != 200 || entryFor(r.page.Entries, id) == nil {
		t.Fatalf("the waiting pull: %d %+v", r.status, r.page)
	}
}

// A cursor from another database (or this one before a restore) starts the
// device over with epoch_changed; a page stops near 4 MiB with has_more
// and the next page carries on exactly where it stopped.
func TestSyncPullEpochAndPageSize(t *testing.T) {
	b := newBackend(t, false)
	ana := b.signUp("ana@example.com")
	laptop := b.bindDevice(ana, "ana-laptop")
	big := strings.Repeat("x", 9000) // a task's description holds up to 10,000 characters
	var ids []string
	var batch []map[string]any
	for i := 0; i < 600; i++ {
		p := laptop.taskPatch(ana.ID, newRowID(1000+i), fmt.Sprint("Task ", i), fmt.Sprint("big-", i))
		p["fields"].(map[string]any)["description"] = big
		ids, batch = append(ids, newRowID(1000+i)), append(batch, p)
		if len(batch) == 100 {
			if out := laptop.mustPush(fmt.Sprint("big-batch-", i), batch...); len(out.Applied) != 100 {
				t.Fatalf("push: %+v", out.Rejected)
			}
			batch = nil
		}
	}
	// 600 entries of about 10 KB do not fit one page of 4 MiB.
	res, body := b.do("GET", "/api/sync/pull", ana.Access, nil)
	var page wire.PullResponse
	if err := json.Unmarshal(body, &page); err != nil || res.StatusCode != 200 {
		t.Fatalf("pull: %d %v", res.StatusCode, err)
	}
	if !page.HasMore || len(page.Entries) == 0 || len(page.Entries) >= 600 || len(body) > wire.ServerBatchBytes+64<<10 {
		t.Fatalf("first page: %d entries, %d bytes, has_more %v", len(page.Entries), len(body), page.HasMore)
	}
	got := map[string]bool{}
	for _, e := range page.Entries {
		got[e.RowID] = true
	}
	res, body = b.do("GET", "/api/sync/pull?cursor="+url.QueryEscape(page.Cursor), ana.Access, nil)
	var next wire.PullResponse
	if err := json.Unmarshal(body, &next); err != nil || res.StatusCode != 200 {
		t.Fatalf("next pull: %d %v", res.StatusCode, err)
	}
	for _, e := range next.Entries {
		if got[e.RowID] {
			t.Fatalf("%s on both pages", e.RowID)
		}
		got[e.RowID] = true
	}
	if len(got) != len(ids) || next.HasMore {
		t.Fatalf("two pages hold %d of %d rows (has_more %v)", len(got), len(ids), next.HasMore)
	}
	// A cursor naming another database.
	other := base64.RawURLEncoding.EncodeToString([]byte(`{"db":"another-database","e":3,"s":{"` + ana.ID + `":999999}}`))
	res, body = b.do("GET", "/api/sync/pull?limit=5&cursor="+other, ana.Access, nil)
	var fresh wire.PullResponse
	_ = json.Unmarshal(body, &fresh)
	if res.StatusCode != 200 || len(fresh.Control) < 1 || fresh.Control[0].Type != wire.EpochChanged || fresh.Control[0].Epoch != 1 ||
		len(fresh.Entries) != 5 || !fresh.HasMore {
		t.Fatalf("another database's cursor: %d %.400s", res.StatusCode, body)
	}
}
