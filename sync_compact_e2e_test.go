package main

import (
	"context"
	"net/url"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/sync/schema"
)

// TestSyncCompactionAndResync is compaction end to end against the real
// team server: the log keeps one entry per row and devices converge as
// before; a device offline past the compaction and the tombstones'
// retention is told resync_scope, downloads its scopes again, keeps the
// writes it made offline, drops the rows removed on the server, and does
// not bring back a row deleted while it edited it — in its personal scope
// and in a team's.
func TestSyncCompactionAndResync(t *testing.T) { onBothStores(t, testSyncCompactionAndResync) }

func testSyncCompactionAndResync(t *testing.T, dbURL string) {
	ctx := context.Background()
	srv := newServingSyncServer(t, dbURL)
	w := newTeamOfTwo(t, srv)
	w.connect(t)
	aliceID, aliceToken, bobToken, team := w.aliceID, w.aliceToken, w.bobTok, w.team
	laptop, desk, bob := w.laptop, w.desk, w.bob
	keep, edited := laptop.add("Keep", ""), laptop.add("Edit me", "")
	removed, raced := laptop.add("Remove", ""), laptop.add("Delete while edited", "")
	teamKeep, teamRemoved := laptop.add("Team keep", team), laptop.add("Team remove", team)
	all := []*core.Task{keep, edited, removed, raced, teamKeep, teamRemoved}
	// Each row written several times: the log holds superseded entries.
	for _, tk := range all {
		for _, p := range []string{core.PriorityHigh, core.PriorityLow} {
			laptop.edit(tk.ID, core.TaskUpdate{Priority: &p})
		}
	}
	laptop.sync()
	desk.sync()
	bob.sync()
	if len(desk.tasks()) != 6 || len(bob.find("Team remove")) != 1 {
		t.Fatalf("before: desk %s bob %s", summary(desk.tasks()), summary(bob.tasks()))
	}

	// The desk and bob go away. The desk writes meanwhile: a new task, an
	// edit, and an edit of a task the laptop deletes.
	offline := desk.add("Written offline", "")
	deskTitle, raceTitle := "Edit me, from the desk", "Delete while edited, edited"
	desk.edit(edited.ID, core.TaskUpdate{Title: &deskTitle})
	desk.edit(raced.ID, core.TaskUpdate{Title: &raceTitle})
	deskCursor := clientCursor(t, desk)
	bobCursor := clientCursor(t, bob)
	for _, tk := range []*core.Task{removed, raced, teamRemoved} {
		if err := laptop.app.Tasks.Delete(laptop.ctx, laptop.user.ID, tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	laptop.sync()

	// Months later (a retention of a millisecond here): the server
	// compacts its log.
	time.Sleep(20 * time.Millisecond)
	if err := srv.app.Sync.Compact(ctx, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for _, tk := range all {
		cs, err := srv.app.Store.FindChanges(ctx, core.ChangeFilter{UserID: aliceID, Table: "tasks", RowID: tk.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if tk == removed || tk == raced || tk == teamRemoved {
			want = 0 // expired tombstones
		}
		if len(cs) != want {
			t.Fatalf("%q has %d log entries after compaction, want %d", tk.Title, len(cs), want)
		}
	}
	// The away devices' cursors are below the horizon now.
	wantResync(t, srv, aliceToken, deskCursor, aliceID)
	wantResync(t, srv, bobToken, bobCursor, team)

	desk.sync()
	bob.sync()
	laptop.sync()
	desk.sync()
	// What a new device is owed: one entry per row the log holds in
	// Alice's scopes. Besides the tasks, the devices' own features may
	// have logged rows by now (each device's workload analysis runs a
	// moment after its tasks change), each once.
	logged, loggedTasks := loggedRows(t, srv, aliceID)
	if loggedTasks != 5 {
		t.Fatalf("the log holds %d tasks after compaction, want 5", loggedTasks)
	}
	fresh := newDevice(t, "fresh")
	srv.connect(t, aliceEmail, alicePassword, fresh)
	r := fresh.sync()

	if got, want := summary(desk.tasks()), summary(laptop.tasks()); got != want {
		t.Fatalf("desk after resync:\n%s\nlaptop:\n%s", got, want)
	}
	if got, want := summary(fresh.tasks()), summary(laptop.tasks()); got != want {
		t.Fatalf("a fresh device:\n%s\nlaptop:\n%s", got, want)
	}
	// The fresh device got one entry per row the log still holds: the
	// three live tasks, the desk's new one, and the raced task whose late
	// edit was logged again (as deleted) — and any analysis rows, once.
	if r.Pulled != logged {
		t.Fatalf("the fresh device pulled %d entries, want %d (one per logged row)", r.Pulled, logged)
	}
	if got := desk.find("Written offline"); len(got) != 1 || got[0].ID != offline.ID {
		t.Fatalf("the desk's offline task: %v", summary(got))
	}
	if got := laptop.find(deskTitle); len(got) != 1 || got[0].ID != edited.ID {
		t.Fatalf("the desk's offline edit on the laptop: %v", summary(laptop.tasks()))
	}
	for _, d := range []*device{laptop, desk, fresh} {
		for _, title := range []string{"Remove", "Delete while edited", raceTitle, "Team remove"} {
			if got := d.find(title); len(got) != 0 {
				t.Fatalf("%s shows %q, deleted on the server: %s", d.name, title, summary(d.tasks()))
			}
		}
		if len(d.find("Keep")) != 1 || len(d.find("Team keep")) != 1 {
			t.Fatalf("%s lost a live task: %s", d.name, summary(d.tasks()))
		}
	}
	// The desk dropped the row the server no longer has; a row it still
	// holds deleted is not shown either way.
	if n := localRows(t, desk, removed.ID); n != 0 {
		t.Fatalf("the desk still holds %q", removed.Title)
	}
	if got := bob.find("Team remove"); len(got) != 0 {
		t.Fatalf("bob still shows the removed team task: %s", summary(bob.tasks()))
	}
	if got := bob.find("Team keep"); len(got) != 1 || got[0].ID != teamKeep.ID {
		t.Fatalf("bob lost the team task: %s", summary(bob.tasks()))
	}
	if n := localRows(t, bob, teamRemoved.ID); n != 0 {
		t.Fatal("bob still holds the removed team task")
	}
	// The server agrees.
	for _, tk := range srv.api("GET", "/api/tasks/"+aliceID+"?limit=100", aliceToken, nil, 200)["tasks"].([]any) {
		if title := tk.(map[string]any)["title"]; title == "Remove" || title == raceTitle || title == "Delete while edited" {
			t.Fatalf("the server shows %q", title)
		}
	}
}

// clientCursor is the pull cursor a device has saved.
func clientCursor(t *testing.T, d *device) string {
	t.Helper()
	st, err := d.app.DB.SyncClientState(d.ctx)
	if err != nil || st.Cursor == "" {
		t.Fatalf("%s: cursor %q %v", d.name, st.Cursor, err)
	}
	return st.Cursor
}

// wantResync pulls with an old cursor and wants the scope sent again.
func wantResync(t *testing.T, srv *syncServer, token, cursor, scope string) {
	t.Helper()
	res := srv.api("GET", "/api/sync/pull?cursor="+url.QueryEscape(cursor), token, nil, 200)
	for _, c := range res["control"].([]any) {
		m := c.(map[string]any)
		if m["type"] == "resync_scope" && m["scope_id"] == scope && m["reason"] == "below_horizon" {
			for _, e := range res["entries"].([]any) {
				if e.(map[string]any)["scope_id"] == scope {
					t.Fatalf("a resync page carries entries of the scope: %v", e)
				}
			}
			return
		}
	}
	t.Fatalf("pull with a cursor below the horizon: %v, want resync_scope of %s", res["control"], scope)
}

// localRows counts a task row on a device, deleted or not.
func localRows(t *testing.T, d *device, id string) int {
	t.Helper()
	var n int
	if err := d.app.DB.QueryRowForTest(`SELECT count(*) FROM tasks WHERE id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// loggedRows counts the rows a user's entries in the server's change log
// name, in the tables that sync: all of them, and the tasks.
func loggedRows(t *testing.T, srv *syncServer, userID string) (rows, tasks int) {
	t.Helper()
	cs, err := srv.app.Store.FindChanges(context.Background(), core.ChangeFilter{UserID: userID, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[2]string]bool{}
	for _, c := range cs {
		if _, ok := schema.Lookup(c.Table); !ok || seen[[2]string{c.Table, c.RowID}] {
			continue
		}
		seen[[2]string{c.Table, c.RowID}] = true
		rows++
		if c.Table == "tasks" {
			tasks++
		}
	}
	return rows, tasks
}
