package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"sentry/backend/core"
	"sentry/backend/extract"
	"sentry/backend/upload"
	"sentry/backend/workload"
	"sentry/sync/schema"
)

// TestSyncEveryTableTwoDevicesAndATeammate is sync end to end beyond tasks:
// two devices of one person and a teammate's, each a real data folder with
// its own features writing (notebooks and their messages, an upload, an
// extraction run, profile, preferences, constraints, a burnout analysis, a
// check-in, a recommendation), against the real team server. Her devices
// converge on every synced row; the teammate receives none of her rows —
// the personal ones least of all — only the team's task, which is assigned
// to him; removing him from the team unassigns it and takes the team's rows
// off his device at its next sync.
func TestSyncEveryTableTwoDevicesAndATeammate(t *testing.T) { onBothStores(t, testSyncEveryTable) }

// rowsOf lists a device's live rows of a synced table as "id|value|…" over
// the synced fields (user_id aside: each device keeps its own profile's),
// sorted; JSON values compare decoded (key order and a stored JSON null
// against SQL NULL do not count).
func rowsOf(t *testing.T, d *device, tb *schema.Table) []string {
	t.Helper()
	var fields []schema.Field
	cols := []string{"id"}
	for _, f := range tb.Synced(schema.Version) {
		fields = append(fields, f)
		cols = append(cols, f.Name)
	}
	var list string
	if err := d.app.DB.QueryRowForTest(`SELECT ifnull(json_group_array(json_array(` + strings.Join(cols, ", ") + `)), '[]') FROM ` +
		tb.Name + ` WHERE deleted_at IS NULL`).Scan(&list); err != nil {
		t.Fatalf("%s: read %s: %v", d.name, tb.Name, err)
	}
	var rows [][]any
	if err := json.Unmarshal([]byte(list), &rows); err != nil {
		t.Fatalf("%s: decode %s: %v", d.name, tb.Name, err)
	}
	var out []string
	for _, r := range rows {
		for i, f := range fields {
			if s, ok := r[i+1].(string); ok && f.Type == schema.JSON {
				var v any
				if err := json.Unmarshal([]byte(s), &v); err != nil {
					t.Fatalf("%s: %s.%s holds %q: %v", d.name, tb.Name, f.Name, s, err)
				}
				r[i+1] = v
			}
		}
		b, _ := json.Marshal(r)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

// idsOf lists a device's row ids of a table (deleted ones too).
func idsOf(t *testing.T, d *device, table string) map[string]bool {
	t.Helper()
	var list string
	if err := d.app.DB.QueryRowForTest(`SELECT ifnull(group_concat(id), '') FROM ` + table).Scan(&list); err != nil {
		t.Fatalf("%s: ids of %s: %v", d.name, table, err)
	}
	out := map[string]bool{}
	for _, id := range strings.Split(list, ",") {
		if id != "" {
			out[id] = true
		}
	}
	return out
}

func testSyncEveryTable(t *testing.T, dbURL string) {
	srv := newServingSyncServer(t, dbURL)
	w := newTeamOfTwo(t, srv)
	w.connect(t)
	aliceToken, bobID, team := w.aliceToken, w.bobID, w.team
	laptop, desk, bob := w.laptop, w.desk, w.bob
	for _, d := range []*device{laptop, desk, bob} {
		d.sync()
	}

	// Alice's laptop: every feature writes its rows.
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("laptop: %s: %v", what, err)
		}
	}
	a, ctx, uid := laptop.app, laptop.ctx, laptop.user.ID
	nb, err := a.Notebooks.Create(ctx, "Research", "Papers on focus")
	must("notebook", err)
	for _, m := range []*core.NotebookMessage{
		{UserID: uid, NotebookID: nb.ID, Role: "user", Content: "What do the papers say about focus blocks?", Citations: []core.Citation{}},
		{UserID: uid, NotebookID: nb.ID, Role: "assistant", Content: "Ninety minutes, then a break.", Citations: []core.Citation{}, Engine: "extractive"},
	} {
		must("message", a.Store.CreateNotebookMessage(ctx, m))
	}
	up, err := a.Uploads.Store(ctx, upload.Put{Filename: "minutes.txt", Body: strings.NewReader("Alice will send the budget to Dana by Friday.\n")})
	must("upload", err)
	run, err := a.Extract.ExtractText(ctx, uid, extract.TextInput{Text: "Alice will send the budget to Dana by Friday.", Engine: "rules", Review: true})
	must("extraction", err)
	role, dept, tz := "Designer", "Product", "Europe/Paris"
	_, err = a.Workload.CreateProfile(ctx, uid, workload.ProfileInput{Role: &role, Department: &dept, Timezone: &tz})
	must("profile", err)
	focus := 50
	_, err = a.Workload.SavePreferences(ctx, uid, workload.PreferencesInput{FocusBlockMinutes: &focus})
	must("preferences", err)
	hours := 32.0
	_, err = a.Workload.SaveConstraints(ctx, uid, workload.ConstraintsInput{MaxWeeklyHours: &hours})
	must("constraints", err)
	_, err = a.Workload.CheckIn(ctx, uid, workload.CheckInInput{CBIAnswers: []int{4, 4, 3, 4, 3, 4, 4}, Note: "Tired after the launch"})
	must("check-in", err)
	_, err = a.Workload.Analyze(ctx, uid)
	must("burnout analysis", err)
	must("recommendation", a.Store.ReplaceRecommendations(ctx, uid, []*core.Recommendation{{UserID: uid, Kind: core.RecDelegate,
		Title: "Hand the budget to Dana", Explanation: "You are over your hours this week.", Tasks: []core.TaskRef{}, HoursFreed: 2,
		Key: "delegate:budget", Status: core.RecOpen}}))
	// A team task assigned to Bob, made offline on the laptop: the laptop
	// cannot know the team's members, the server checks.
	review, err := a.Tasks.Create(ctx, uid, &core.Task{Title: "Design review", TeamID: team, AssigneeID: bobID})
	must("team task", err)
	// Bob's own personal rows: they must never reach Alice either.
	bobRole := "Engineer"
	if _, err := bob.app.Workload.CreateProfile(bob.ctx, bob.user.ID, workload.ProfileInput{Role: &bobRole, Timezone: &tz}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.app.Workload.CheckIn(bob.ctx, bob.user.ID, workload.CheckInInput{Note: "Fine"}); err != nil {
		t.Fatal(err)
	}

	for round := 0; round < 2; round++ {
		for _, d := range []*device{laptop, desk, bob} {
			d.sync()
		}
	}

	// Alice's two devices hold the same rows of every synced table.
	for i := range schema.Tables {
		tb := &schema.Tables[i]
		l, d := rowsOf(t, laptop, tb), rowsOf(t, desk, tb)
		if strings.Join(l, "\n") != strings.Join(d, "\n") {
			t.Errorf("%s differs between alice's devices:\nlaptop (%d):\n%s\ndesk (%d):\n%s", tb.Name, len(l), strings.Join(l, "\n"), len(d), strings.Join(d, "\n"))
		}
	}
	// … and what arrived is what was written, under the desk's profile.
	dctx, did := desk.ctx, desk.user.ID
	if ns, err := desk.app.Notebooks.List(dctx); err != nil || len(ns) != 1 || ns[0].ID != nb.ID || ns[0].Name != "Research" {
		t.Fatalf("desk's notebooks: %+v %v", ns, err)
	}
	if ms, err := desk.app.Store.FindNotebookMessages(dctx, nb.ID, 10); err != nil || len(ms) != 2 || ms[1].Content != "Ninety minutes, then a break." && ms[0].Content != "Ninety minutes, then a break." {
		t.Fatalf("desk's notebook messages: %+v %v", ms, err)
	}
	if ups, err := desk.app.Uploads.History(dctx, did, 10); err != nil || len(ups) != 1 || ups[0].ID != up.ID || ups[0].SHA256 != up.SHA256 || ups[0].Filename != "minutes.txt" {
		t.Fatalf("desk's uploads: %+v %v", ups, err)
	}
	runs, err := desk.app.Extract.History(dctx, did, 10)
	if err != nil || len(runs) != 1 || runs[0].ID != run.ID || runs[0].Status != core.RunDone || len(runs[0].Tasks) != len(run.Tasks) || len(run.Tasks) == 0 {
		t.Fatalf("desk's extraction runs: %+v %v (the laptop's found %d tasks)", runs, err, len(run.Tasks))
	}
	if p, err := desk.app.Workload.GetProfile(dctx, did); err != nil || p.Role != role || p.Department != dept || p.Timezone != tz {
		t.Fatalf("desk's profile: %+v %v", p, err)
	}
	if p, err := desk.app.Store.FindPreferences(dctx, did); err != nil || p.FocusBlockMinutes != focus {
		t.Fatalf("desk's preferences: %+v %v", p, err)
	}
	if c, err := desk.app.Store.FindConstraints(dctx, did); err != nil || c.MaxWeeklyHours != hours {
		t.Fatalf("desk's constraints: %+v %v", c, err)
	}
	if bs, err := desk.app.Store.FindBurnoutAnalyses(dctx, did, 10); err != nil || len(bs) == 0 {
		t.Fatalf("desk's burnout analyses: %+v %v", bs, err)
	}
	if rs, err := desk.app.Store.FindRecommendations(dctx, did, core.RecOpen); err != nil || len(rs) != 1 || rs[0].Title != "Hand the budget to Dana" {
		t.Fatalf("desk's recommendations: %+v %v", rs, err)
	}
	checkIns := idsOf(t, desk, "qualitative_data")
	if len(checkIns) != 1 {
		t.Fatalf("desk's check-ins: %v", checkIns)
	}

	// Bob's device: the team task, assigned to him (his own profile's id
	// here), and not one row of Alice's — nor of any personal table from
	// anyone but himself.
	got := bob.find("Design review")
	if len(got) != 1 || got[0].ID != review.ID || got[0].AssigneeID != bob.user.ID {
		t.Fatalf("bob's team task: %+v (his local id %s, server id %s)", got, bob.user.ID, bobID)
	}
	if mine, err := allTasks(bob.ctx, bob.app, core.TaskFilter{UserID: bob.user.ID, AssigneeID: bob.user.ID, Limit: core.MaxTaskLimit}); err != nil || len(mine) != 1 {
		t.Fatalf("bob's tasks assigned to him: %+v %v", mine, err)
	}
	for i := range schema.Tables {
		tb := schema.Tables[i]
		if tb.Name == "tasks" {
			continue
		}
		theirs := idsOf(t, laptop, tb.Name)
		for id := range idsOf(t, bob, tb.Name) {
			if theirs[id] {
				t.Errorf("alice's %s row %s reached bob's device", tb.Name, id)
			}
		}
		for id := range idsOf(t, laptop, tb.Name) {
			if idsOf(t, bob, tb.Name)[id] {
				t.Errorf("alice's %s row %s reached bob's device", tb.Name, id)
			}
		}
		if tb.Scope == schema.Personal {
			for id := range idsOf(t, bob, tb.Name) {
				if idsOf(t, laptop, tb.Name)[id] || idsOf(t, desk, tb.Name)[id] {
					t.Errorf("bob's %s row %s reached alice", tb.Name, id)
				}
			}
		}
	}
	var remote int
	personal := []string{}
	for _, tb := range schema.Tables {
		if tb.Scope == schema.Personal {
			personal = append(personal, "'"+tb.Name+"'")
		}
	}
	if err := bob.app.DB.QueryRowForTest(`SELECT count(*) FROM changes WHERE origin = 'remote' AND table_name IN (` + strings.Join(personal, ", ") + `)`).Scan(&remote); err != nil || remote != 0 {
		t.Fatalf("bob's device applied %d personal rows from the server (%v)", remote, err)
	}

	// Bob marks it in progress; then Alice removes him from the team: the
	// server unassigns the task (a synced write), Alice's devices learn it,
	// and Bob's device drops the team's rows at its next sync.
	inProgress := core.StatusInProgress
	bob.edit(review.ID, core.TaskUpdate{Status: &inProgress})
	bob.sync()
	srv.api("DELETE", "/api/teams/"+team+"/members/"+bobID, aliceToken, nil, 204)
	bob.sync()
	if got := bob.tasks(); len(got) != 0 {
		t.Fatalf("the team's tasks stayed on bob's device: %s", summary(got))
	}
	if ids := idsOf(t, bob, "tasks"); ids[review.ID] {
		t.Fatal("the team task's row stayed in bob's database")
	}
	for _, d := range []*device{laptop, desk} {
		d.sync()
		got := d.find("Design review")
		if len(got) != 1 || got[0].AssigneeID != "" || got[0].Status != inProgress {
			t.Fatalf("%s after bob's removal: %s", d.name, fmt.Sprintf("%+v", got))
		}
	}
	// A device that still assigns it to him is refused for that change,
	// with the reason, and shows the server's value again; nothing else is
	// blocked.
	bobAgain := bobID
	laptop.edit(review.ID, core.TaskUpdate{AssigneeID: &bobAgain})
	after := laptop.add("Written after the refusal", "")
	r := laptop.sync()
	rejected, err := laptop.eng.Rejected(laptop.ctx)
	if err != nil || r.Rejected != 1 || len(rejected) != 1 || !strings.Contains(rejected[0].Message, "not a member") {
		t.Fatalf("assigning a former member: %+v %+v %v", r, rejected, err)
	}
	if got := laptop.find("Design review"); len(got) != 1 || got[0].AssigneeID != "" {
		t.Fatalf("laptop after the refused assignment: %+v", got)
	}
	desk.sync()
	if got := desk.find(after.Title); len(got) != 1 {
		t.Fatalf("desk after the refused assignment: %s", summary(desk.tasks()))
	}
}
