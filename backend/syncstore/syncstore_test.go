package syncstore

import (
	"slices"
	"testing"

	"sentry/backend/core"
	"sentry/sync/hlc"
	"sentry/sync/schema"
)

func tasks(t *testing.T) *schema.Table {
	t.Helper()
	tb, ok := schema.Lookup("tasks")
	if !ok {
		t.Fatal("tasks is not a synced table")
	}
	return tb
}

// A local edit records the clocks its fields had as its base and stamps
// only those fields, each after the clock it replaces even when the
// writer's clock is behind.
func TestStampKeepsBaseAndSortsAfter(t *testing.T) {
	tb := tasks(t)
	ahead := hlc.Timestamp{Wall: 2_000_000_000_000}.String()
	behind := hlc.Timestamp{Wall: 1_000_000_000_000}.String()
	r := &Row{Clocks: map[string]string{"title": ahead + "@other", "priority": behind + "@other"}, Exists: true}
	base := r.Stamp(tb, core.OpUpdate, map[string]any{"title": "New"}, behind, "me")
	if len(base) != 1 || base["title"] != ahead+"@other" {
		t.Fatalf("base %v, want only the title's clock", base)
	}
	if r.Clocks["priority"] != behind+"@other" {
		t.Fatalf("an unwritten field was stamped: %v", r.Clocks["priority"])
	}
	if got := r.Clocks["title"]; got <= ahead+"@other" || got[len(got)-3:] != "@me" {
		t.Fatalf("title clock %q does not sort after %q as this device's", got, ahead)
	}
	if !r.Dirty {
		t.Fatal("a stamped row is not marked dirty")
	}
	// A delete stamps deleted_at; an insert every synced field.
	if got := ChangedFields(tb, core.OpDelete, nil); !slices.Equal(got, []string{"deleted_at"}) {
		t.Fatalf("delete stamps %v", got)
	}
	if got := ChangedFields(tb, core.OpInsert, nil); !slices.Equal(got, SyncedNames("tasks")) || len(got) < 5 {
		t.Fatalf("insert stamps %v", got)
	}
}

// A write is filed under the row's scope, else a task's team, else its owner.
func TestScopeOf(t *testing.T) {
	if got := (&Row{Scope: "team-a"}).ScopeOf("tasks", "ana", map[string]any{"team_id": "team-b"}); got != "team-a" {
		t.Fatalf("row scope: %q", got)
	}
	if got := (&Row{}).ScopeOf("tasks", "ana", map[string]any{"team_id": "team-b"}); got != "team-b" {
		t.Fatalf("new team task: %q", got)
	}
	if got := (&Row{}).ScopeOf("notebooks", "ana", map[string]any{"team_id": "team-b"}); got != "ana" {
		t.Fatalf("not a task: %q", got)
	}
}

// Change ids merged before are superseded and left out of the patch to
// apply; the caller's patch keeps its ids; a patch of only old ids is done.
func TestFreshAndOutcome(t *testing.T) {
	res := &core.PushResult{ScopesSeq: map[string]int64{}}
	seen := map[string]bool{"a": true}
	p := &core.PushPatch{ScopeID: "s", ChangeIDs: []string{"a", "b"}}
	q, ok := Fresh(p, seen, res)
	if !ok || !slices.Equal(q.ChangeIDs, []string{"b"}) || !slices.Equal(p.ChangeIDs, []string{"a", "b"}) {
		t.Fatalf("fresh %v ok %v, caller's %v", q, ok, p.ChangeIDs)
	}
	if !slices.Equal(res.Superseded, []string{"a"}) {
		t.Fatalf("superseded %v", res.Superseded)
	}
	if got := Outcome(q, true, res, seen); got != "applied" || !seen["b"] || !slices.Equal(res.Applied, []string{"b"}) {
		t.Fatalf("outcome %q, seen %v, applied %v", got, seen, res.Applied)
	}
	if _, ok := res.ScopesSeq["s"]; !ok {
		t.Fatal("an applied patch's scope is not reported")
	}
	if _, ok := Fresh(p, seen, res); ok {
		t.Fatal("a patch of ids all merged before is applied again")
	}
}

// A transaction's queued entries: a stamped insert needs no read and no
// write-back, an update of a stored row reads it once and bases on its
// clocks, a later edit of the same row bases on the first edit's clocks,
// and a remote entry keeps its scope and base.
func TestStampPending(t *testing.T) {
	ts1 := hlc.Timestamp{Wall: 1_000_000_000_000}.String()
	ts2 := hlc.Timestamp{Wall: 2_000_000_000_000}.String()
	old := hlc.Timestamp{Wall: 500_000_000_000}.String() + "@other"
	ins := Local("c1", "ana", "tasks", "new", core.OpInsert, ts1, map[string]any{"title": "A"})
	ins.Stamped = true
	pending := []Pending{
		ins,
		Local("c2", "ana", "tasks", "old", core.OpUpdate, ts1, map[string]any{"title": "B"}),
		Local("c3", "ana", "tasks", "old", core.OpUpdate, ts2, map[string]any{"title": "C"}),
		Remote("c4", "ana", "team-r", "tasks", "far", core.OpUpdate, ts2, nil, map[string]string{"title": old}),
	}
	reads := 0
	dirty, err := StampPending(pending, "me", func(tb *schema.Table, id string) (*Row, error) {
		reads++
		if id != "old" {
			t.Fatalf("read %s", id)
		}
		return &Row{Clocks: map[string]string{"title": old}, Scope: "team-t", Exists: true}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if reads != 1 {
		t.Fatalf("%d reads, want the stored row read once", reads)
	}
	if p := pending[0]; p.Scope != "ana" || len(p.Base) != 0 {
		t.Fatalf("insert: scope %q base %v", p.Scope, p.Base)
	}
	if p := pending[1]; p.Scope != "team-t" || p.Base["title"] != old {
		t.Fatalf("first edit: scope %q base %v", p.Scope, p.Base)
	}
	if p := pending[2]; p.Base["title"] != ts1+"@me" {
		t.Fatalf("second edit: base %v, want the first edit's clock", p.Base)
	}
	if p := pending[3]; p.Scope != "team-r" || p.Base["title"] != old || p.Origin() != "remote" || p.Fields == nil {
		t.Fatalf("remote: %+v", p)
	}
	if len(dirty) != 1 || dirty[0].ID != "old" || dirty[0].Clocks["title"] != ts2+"@me" {
		t.Fatalf("dirty rows %+v, want the stored row at the second edit's clock", dirty)
	}
	if c := InsertClocks("tasks", ts1+"@me"); len(c) != len(SyncedNames("tasks")) || c["title"] != ts1+"@me" {
		t.Fatalf("insert clocks %v", c)
	}
}
