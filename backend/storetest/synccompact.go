package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sentry/backend/core"
)

// compactClock numbers the test's pushed clocks, so each is above the
// last whatever the goroutine.
var compactClock atomic.Int64

func nextClock(device string) string {
	return syncClock(device, int(compactClock.Add(1)%1000000))
}

// logOf is a row's change log entries.
func logOf(t *testing.T, s Stores, userID, rowID string) []*core.Change {
	t.Helper()
	cs, err := s.Changes.FindChanges(ctx, core.ChangeFilter{UserID: userID, Table: "tasks", RowID: rowID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// feedJSON is a scope's whole feed after a seq, as JSON (seqs, states and
// clocks), to compare before and after a compaction.
func feedJSON(t *testing.T, s Stores, scope string, after int64) string {
	t.Helper()
	var all []*core.FeedEntry
	for {
		es, err := s.Sync.ReadFeed(ctx, scope, after, 1000, 1)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, es...)
		if len(es) < 1000 {
			break
		}
		after = es[len(es)-1].Seq
	}
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Compaction keeps exactly the latest log entry of each row, and the feed
// from any cursor is the same before and after; tombstones older than the
// retention go, the scope's horizon rises to the last of them, and the
// deleted row stays as a skeleton that a late edit does not bring back.
func testSyncCompaction(t *testing.T, s Stores) {
	ana := mustUser(t, s, "ana@example.com")
	team := &core.Team{Name: "Design"}
	if err := s.Teams.CreateTeam(ctx, team, ana.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync.BindSyncDevice(ctx, &core.SyncDevice{ID: "ana-laptop", UserID: ana.ID, Name: "Laptop", SchemaVersion: 1}); err != nil {
		t.Fatal(err)
	}
	rename := func(id string, titles ...string) {
		t.Helper()
		for _, title := range titles {
			if _, err := s.Tasks.UpdateTask(ctx, id, core.TaskUpdate{Title: &title}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	kept := mustTask(t, s, newTask(ana.ID, "Kept"))
	rename(kept.ID, "Kept 2", "Kept 3", "Kept 4")
	gone := mustTask(t, s, newTask(ana.ID, "Gone"))
	rename(gone.ID, "Gone 2")
	if err := s.Tasks.DeleteTask(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	shared := newTask(ana.ID, "Shared")
	shared.TeamID = team.ID
	mustTask(t, s, shared)
	rename(shared.ID, "Shared 2")
	pushedID := "0193a2b4-0000-7000-8000-0000000000c1"
	for i, title := range []string{"Pushed", "Pushed 2"} {
		c := nextClock("ana-laptop")
		fields := map[string]any{"title": title}
		if i == 0 {
			fields = map[string]any{"title": title, "status": "todo", "priority": "medium", "task_type": "task", "source": "sentry", "team_id": ""}
		}
		clocks := map[string]string{}
		for f := range fields {
			clocks[f] = c
		}
		res, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", fmt.Sprintf("compact-%d", i),
			[]core.PushPatch{{Table: "tasks", ScopeID: ana.ID, RowID: pushedID, Fields: fields, Clocks: clocks, Base: map[string]string{}, ChangeIDs: []string{fmt.Sprintf("pc-%d", i)}}}, applyAll)
		if err != nil || len(res.Applied) != 1 {
			t.Fatalf("push %d: %+v %v", i, res, err)
		}
	}
	rows := map[string]int{kept.ID: 4, gone.ID: 3, shared.ID: 2, pushedID: 2}
	last := map[string]string{}
	for id, n := range rows {
		cs := logOf(t, s, ana.ID, id)
		if len(cs) != n {
			t.Fatalf("row %s has %d log entries before compaction, want %d", id, len(cs), n)
		}
		last[id] = cs[len(cs)-1].HLC
	}
	first := feedJSON(t, s, ana.ID, 0)
	var es []*core.FeedEntry
	if err := json.Unmarshal([]byte(first), &es); err != nil || len(es) != 3 {
		t.Fatalf("personal feed before: %s %v", first, err)
	}
	seqOf := map[string]int64{}
	for _, e := range es {
		seqOf[e.RowID] = e.Seq
	}
	type cursor struct {
		scope string
		after int64
		feed  string
	}
	before := []*cursor{{scope: ana.ID}, {scope: ana.ID, after: seqOf[kept.ID] - 1}, {scope: ana.ID, after: seqOf[gone.ID]}, {scope: team.ID}}
	for _, c := range before {
		c.feed = feedJSON(t, s, c.scope, c.after)
	}

	res, err := s.Sync.CompactSyncLog(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if res.Superseded < 7 || res.Tombstones != 0 || res.Scopes < 2 {
		t.Fatalf("compaction %+v: want at least the 7 superseded entries, no tombstone", res)
	}
	for id := range rows {
		cs := logOf(t, s, ana.ID, id)
		if len(cs) != 1 || cs[0].HLC != last[id] {
			t.Fatalf("row %s after compaction: %d entries (%+v), want only the latest (hlc %s)", id, len(cs), cs, last[id])
		}
	}
	for _, c := range before {
		if got := feedJSON(t, s, c.scope, c.after); got != c.feed {
			t.Fatalf("feed of %s after %d changed by compaction:\n%s\nwant\n%s", c.scope, c.after, got, c.feed)
		}
	}
	hs, err := s.Sync.SyncHorizons(ctx, []string{ana.ID, team.ID})
	if err != nil || hs[ana.ID] != 0 || hs[team.ID] != 0 {
		t.Fatalf("horizons %v %v: nothing expired yet", hs, err)
	}
	if again, err := s.Sync.CompactSyncLog(ctx, time.Now().Add(-time.Hour)); err != nil || again.Superseded != 0 || again.Tombstones != 0 {
		t.Fatalf("second compaction %+v %v: nothing left to do", again, err)
	}

	// The tombstone expires.
	res, err = s.Sync.CompactSyncLog(ctx, time.Now().Add(time.Minute))
	if err != nil || res.Tombstones != 1 {
		t.Fatalf("purge %+v %v: want the one tombstone", res, err)
	}
	if cs := logOf(t, s, ana.ID, gone.ID); len(cs) != 0 {
		t.Fatalf("the expired tombstone is still logged: %+v", cs)
	}
	if err := json.Unmarshal([]byte(feedJSON(t, s, ana.ID, 0)), &es); err != nil || len(es) != 2 || es[0].RowID == gone.ID || es[1].RowID == gone.ID {
		t.Fatalf("personal feed after the purge: %+v %v", es, err)
	}
	hs, err = s.Sync.SyncHorizons(ctx, []string{ana.ID, team.ID})
	if err != nil || hs[ana.ID] != seqOf[gone.ID] || hs[team.ID] != 0 {
		t.Fatalf("horizons %v %v: want %s at %d", hs, err, ana.ID, seqOf[gone.ID])
	}
	seqs, err := s.Sync.ScopeSeqs(ctx, []string{ana.ID})
	if err != nil || seqs[ana.ID] < seqOf[gone.ID] {
		t.Fatalf("scope seqs %v %v: below the horizon %d", seqs, err, seqOf[gone.ID])
	}
	if feedJSON(t, s, team.ID, 0) != before[3].feed {
		t.Fatal("the team's feed changed by another scope's purge")
	}

	// A device back after months edits the deleted row: the skeleton
	// takes the edit and the row stays deleted.
	c := nextClock("ana-old-phone")
	late, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", "late-edit", []core.PushPatch{{Table: "tasks", ScopeID: ana.ID, RowID: gone.ID,
		Fields: map[string]any{"title": "Gone, edited late"}, Clocks: map[string]string{"title": c}, Base: map[string]string{}, ChangeIDs: []string{"late-1"}}}, applyAll)
	if err != nil || len(late.Applied) != 1 {
		t.Fatalf("late edit %+v %v", late, err)
	}
	es, err = s.Sync.ReadFeed(ctx, ana.ID, hs[ana.ID], 100, 1)
	if err != nil || len(es) == 0 {
		t.Fatalf("feed after the late edit: %v", err)
	}
	if e := es[len(es)-1]; e.RowID != gone.ID || !e.Deleted || e.Fields["deleted_at"] == nil || e.Fields["title"] != "Gone, edited late" {
		t.Fatalf("the deleted row after a late edit: %+v", e)
	}
}

// Compaction (with tombstones expiring at once) running while pushes go
// on loses no acknowledged write: every row ends with the last value its
// writer was told was applied, deleted rows stay deleted, and the log
// holds at most one entry per row.
func testSyncCompactionWithPushes(t *testing.T, s Stores) {
	ana := mustUser(t, s, "ana@example.com")
	if _, err := s.Sync.BindSyncDevice(ctx, &core.SyncDevice{ID: "ana-laptop", UserID: ana.ID, SchemaVersion: 1}); err != nil {
		t.Fatal(err)
	}
	const writers, rowsEach, edits = 3, 4, 5
	type want struct {
		title   string
		deleted bool
	}
	var mu sync.Mutex
	wants := map[string]want{}
	done := make(chan struct{})
	var compactions atomic.Int64
	compactErr := make(chan error, 1)
	go func() {
		defer close(compactErr)
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			purge := time.Now().Add(-time.Hour)
			if i%2 == 1 {
				purge = time.Now().Add(time.Minute)
			}
			if _, err := s.Sync.CompactSyncLog(ctx, purge); err != nil {
				compactErr <- err
				return
			}
			compactions.Add(1)
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			push := func(row string, fields map[string]any) (bool, error) {
				n++
				c := nextClock("ana-laptop")
				clocks := map[string]string{}
				for f := range fields {
					clocks[f] = c
				}
				id := fmt.Sprintf("w%d-%d", w, n)
				res, err := s.Sync.ApplyPush(ctx, ana.ID, "ana-laptop", "batch-"+id, []core.PushPatch{{Table: "tasks", ScopeID: ana.ID, RowID: row,
					Fields: fields, Clocks: clocks, Base: map[string]string{}, ChangeIDs: []string{id}}}, applyAll)
				if err != nil {
					return false, err
				}
				return len(res.Applied) == 1, nil
			}
			for r := range rowsEach {
				row := fmt.Sprintf("0193a2b4-%04x-7000-8000-%012x", w, r)
				for e := range edits {
					title := fmt.Sprintf("w%d r%d e%d", w, r, e)
					fields := map[string]any{"title": title}
					if e == 0 {
						fields = map[string]any{"title": title, "status": "todo", "priority": "medium", "task_type": "task", "source": "sentry", "team_id": ""}
					}
					ok, err := push(row, fields)
					if err != nil {
						errs <- err
						return
					}
					if ok {
						mu.Lock()
						wants[row] = want{title: title}
						mu.Unlock()
					}
				}
				if r%2 == 1 {
					ok, err := push(row, map[string]any{"deleted_at": time.Now().UTC().Format("2006-01-02T15:04:05.000Z")})
					if err != nil {
						errs <- err
						return
					}
					if ok {
						mu.Lock()
						wants[row] = want{title: wants[row].title, deleted: true}
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	if err := <-compactErr; err != nil {
		t.Fatalf("compaction during pushes: %v", err)
	}
	close(errs)
	for err := range errs {
		t.Fatalf("push during compaction: %v", err)
	}
	if compactions.Load() == 0 {
		t.Fatal("no compaction ran during the pushes")
	}
	if _, err := s.Sync.CompactSyncLog(ctx, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if len(wants) != writers*rowsEach {
		t.Fatalf("%d rows acknowledged, want %d", len(wants), writers*rowsEach)
	}
	var es []*core.FeedEntry
	if err := json.Unmarshal([]byte(feedJSON(t, s, ana.ID, 0)), &es); err != nil {
		t.Fatal(err)
	}
	got := map[string]*core.FeedEntry{}
	for _, e := range es {
		got[e.RowID] = e
	}
	for row, w := range wants {
		if n := len(logOf(t, s, ana.ID, row)); n > 1 {
			t.Fatalf("row %s has %d log entries after compaction", row, n)
		}
		e := got[row]
		switch {
		case w.deleted && e != nil && !e.Deleted:
			t.Fatalf("row %s was deleted and is back: %+v", row, e.Fields)
		case !w.deleted && (e == nil || e.Deleted || e.Fields["title"] != w.title):
			t.Fatalf("row %s: %+v, want the acknowledged title %q", row, e, w.title)
		}
	}
}
