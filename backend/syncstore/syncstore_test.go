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
