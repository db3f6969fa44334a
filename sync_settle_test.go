package main

import (
	"testing"

	"sentry/backend/core"
	"sentry/sync/client"
)

// TestSyncSettleReachesEveryDevice: two devices of one person list the
// same conflict; "keep this one" on one device settles it on the other
// too, once both have synced — the choice travels as an edit of the field
// newer than the conflict's winner. A field written since with a third
// value keeps its conflict listed.
func TestSyncSettleReachesEveryDevice(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testSyncSettleReachesEveryDevice(t, "") })
	t.Run("postgres", func(t *testing.T) {
		u := pgSchemaURL(t)
		if u == "" {
			t.Skip("needs PostgreSQL: run under scripts/with-postgres")
		}
		testSyncSettleReachesEveryDevice(t, u)
	})
}

func testSyncSettleReachesEveryDevice(t *testing.T, dbURL string) {
	srv := newSyncServer(t, dbURL)
	if srv.app.Sync == nil {
		t.Skip("this store does not serve sync")
	}
	srv.account("alice@example.com", "alice-sync-pass-1")
	laptop, desk := newDevice(t, "laptop"), newDevice(t, "desk")
	for _, d := range []*device{laptop, desk} {
		if _, err := d.eng.Connect(d.ctx, srv.srv.URL, "alice@example.com", "alice-sync-pass-1"); err != nil {
			t.Fatalf("%s: connect: %v", d.name, err)
		}
	}
	venue, menu := laptop.add("Book the venue", ""), laptop.add("Choose the menu", "")
	laptop.sync()
	desk.sync()
	// Both rename both tasks while apart: two conflicts.
	rename := func(d *device, id, title string) { d.edit(id, core.TaskUpdate{Title: &title}) }
	rename(laptop, venue.ID, "Book the venue for 80")
	rename(desk, venue.ID, "Book the venue for 120")
	rename(laptop, menu.ID, "Choose the menu: fish")
	rename(desk, menu.ID, "Choose the menu: pasta")
	laptop.sync()
	desk.sync()
	laptop.sync()
	listed := func(d *device) map[string]client.Conflict {
		t.Helper()
		cs, err := d.eng.Conflicts(d.ctx)
		if err != nil {
			t.Fatalf("%s: conflicts: %v", d.name, err)
		}
		out := map[string]client.Conflict{}
		for _, c := range cs {
			out[c.RowID] = c
		}
		return out
	}
	onLaptop, onDesk := listed(laptop), listed(desk)
	if len(onLaptop) != 2 || len(onDesk) != 2 || onLaptop[venue.ID].ID != onDesk[venue.ID].ID {
		t.Fatalf("both devices must list the same two conflicts: laptop %+v, desk %+v", onLaptop, onDesk)
	}
	c := onDesk[venue.ID]
	winner := c.WinnerValue.(string)

	// "Keep this one" on the desk, for the title that won.
	if err := desk.eng.Keep(desk.ctx, c, "winner"); err != nil {
		t.Fatal(err)
	}
	if _, still := listed(desk)[venue.ID]; still {
		t.Fatal("the desk still lists the conflict it settled")
	}
	// And on the laptop, a third title for the menu, which settles nothing.
	rename(laptop, menu.ID, "Choose the menu: both")
	desk.sync()
	laptop.sync()
	desk.sync()

	if _, still := listed(laptop)[venue.ID]; still {
		t.Fatal("the laptop still lists the conflict settled on the desk")
	}
	for _, d := range []*device{laptop, desk} {
		if got := d.find(winner); len(got) != 1 || got[0].ID != venue.ID {
			t.Fatalf("%s: the kept title %q: %s", d.name, winner, summary(d.tasks()))
		}
		if _, still := listed(d)[menu.ID]; !still {
			t.Fatalf("%s: the menu's conflict left the list though nobody settled it", d.name)
		}
	}
	// Settling the menu's on the laptop clears both lists and the status.
	m := listed(laptop)[menu.ID]
	if err := laptop.eng.Keep(laptop.ctx, m, "loser"); err != nil {
		t.Fatal(err)
	}
	laptop.sync()
	desk.sync()
	if left := listed(laptop); len(left) != 0 {
		t.Fatalf("laptop: conflicts left: %+v", left)
	}

	// A field naming the person (each device knows them by its own local
	// id, the server by another): the laptop assigns the badges to them,
	// the desk later to nobody; keeping the laptop's value on the desk
	// settles it on the laptop too.
	badges := laptop.add("Print the badges", "")
	laptop.sync()
	desk.sync()
	assign := func(d *device, who string) { d.edit(badges.ID, core.TaskUpdate{AssigneeID: &who}) }
	assign(laptop, laptop.user.ID)
	assign(desk, desk.user.ID)
	assign(desk, "")
	laptop.sync()
	desk.sync()
	laptop.sync()
	b, ok := listed(desk)[badges.ID]
	if !ok || b.Field != "assignee_id" || b.WinnerValue != nil && b.WinnerValue != "" {
		t.Fatalf("the assignee's conflict: %+v (listed %v)", b, ok)
	}
	if err := desk.eng.Keep(desk.ctx, b, "loser"); err != nil {
		t.Fatal(err)
	}
	desk.sync()
	laptop.sync()
	if got, err := desk.app.DB.FindTaskByID(desk.ctx, badges.ID); err != nil || got.AssigneeID != desk.user.ID {
		t.Fatalf("desk: the kept assignee: %+v %v, want %s", got, err, desk.user.ID)
	}
	if got, err := laptop.app.DB.FindTaskByID(laptop.ctx, badges.ID); err != nil || got.AssigneeID != laptop.user.ID {
		t.Fatalf("laptop: the kept assignee: %+v %v, want %s", got, err, laptop.user.ID)
	}
	for _, d := range []*device{laptop, desk} {
		if left := listed(d); len(left) != 0 {
			t.Fatalf("%s: conflicts left: %+v", d.name, left)
		}
		if st, err := d.eng.Status(d.ctx); err != nil || st.State != "synced" {
			t.Fatalf("%s: status %+v %v", d.name, st, err)
		}
	}
}
