package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sentry/sync/schema"
	"sentry/sync/wire"
)

// A team task can be assigned to any member of its team and to nobody
// else; a personal task only to its owner; the list filters on "assigned
// to me"; removing a member unassigns their team tasks with a logged write
// that reaches the team's devices; a push naming a non-member is refused
// for that change alone, with the reason.
func TestTaskAssignees(t *testing.T) {
	b := newBackend(t, false)
	ana, bo, cy := b.signUp("ana@example.com"), b.signUp("bo@example.com"), b.signUp("cy@example.com")
	res, body := b.do("POST", "/api/teams", ana.Access, map[string]any{"name": "Design"})
	if res.StatusCode != 201 {
		t.Fatalf("create team: %d %s", res.StatusCode, body)
	}
	var team struct{ ID string }
	_ = json.Unmarshal(body, &team)
	if res, body := b.do("POST", "/api/teams/"+team.ID+"/members", ana.Access, map[string]any{"email": "bo@example.com"}); res.StatusCode != 201 {
		t.Fatalf("add bo: %d %s", res.StatusCode, body)
	}
	teamTask := b.createTask(ana, map[string]any{"title": "Review the mockups", "team_id": team.ID, "assignee_id": bo.ID})
	if teamTask["assignee_id"] != bo.ID {
		t.Fatalf("team task made with an assignee: %v", teamTask)
	}
	personal := b.createTask(ana, map[string]any{"title": "Ana's own"})
	if personal["assignee_id"] != "" {
		t.Fatalf("a new task is unassigned: %v", personal)
	}
	subst := map[string]string{"{team}": team.ID, "{ana}": ana.ID, "{bo}": bo.ID, "{cy}": cy.ID,
		"{teamtask}": teamTask["id"].(string), "{personal}": personal["id"].(string)}
	runScenarios(t, b, ana, bo, subst, []scenario{
		{name: "a non-member cannot be the assignee", method: "PUT", path: "/api/tasks/{ana}/{teamtask}", token: "me", body: map[string]any{"assignee_id": cy.ID}, status: 400, errCode: "invalid", errField: "assignee_id", contains: []string{"member of the task's team"}},
		{name: "an unknown account is refused alike", method: "PUT", path: "/api/tasks/{ana}/{teamtask}", token: "me", body: map[string]any{"assignee_id": "0193a2b4-0000-7000-8000-000000000999"}, status: 400, errField: "assignee_id"},
		{name: "an assignee is an id", method: "PUT", path: "/api/tasks/{ana}/{teamtask}", token: "me", body: map[string]any{"assignee_id": "bo@example.com"}, status: 400, errField: "assignee_id"},
		{name: "an assignee is a string", method: "PUT", path: "/api/tasks/{ana}/{teamtask}", token: "me", body: map[string]any{"assignee_id": 7}, status: 400, errField: "assignee_id"},
		{name: "a team task made for a non-member", method: "POST", path: "/api/tasks/{ana}", token: "me", body: map[string]any{"title": "x", "team_id": team.ID, "assignee_id": cy.ID}, status: 400, errField: "assignee_id"},
		{name: "a personal task is not assigned to someone else", method: "PUT", path: "/api/tasks/{ana}/{personal}", token: "me", body: map[string]any{"assignee_id": bo.ID}, status: 400, errField: "assignee_id", contains: []string{"personal task"}},
		{name: "a personal task made for someone else", method: "POST", path: "/api/tasks/{ana}", token: "me", body: map[string]any{"title": "x", "assignee_id": bo.ID}, status: 400, errField: "assignee_id"},
		{name: "a personal task is assigned to its owner", method: "PUT", path: "/api/tasks/{ana}/{personal}", token: "me", body: map[string]any{"assignee_id": ana.ID}, status: 200, contains: []string{`"assignee_id":"` + ana.ID + `"`}},
		{name: "the member reassigns to the owner", method: "PUT", path: "/api/tasks/{bo}/{teamtask}", token: "other", body: map[string]any{"assignee_id": ana.ID}, status: 200, contains: []string{`"assignee_id":"` + ana.ID + `"`}},
		{name: "and back to himself", method: "PUT", path: "/api/tasks/{bo}/{teamtask}", token: "other", body: map[string]any{"assignee_id": bo.ID}, status: 200, contains: []string{`"assignee_id":"` + bo.ID + `"`}},
		{name: "a bad filter names the parameter", method: "GET", path: "/api/tasks/{bo}?assignee=everyone", token: "other", status: 400, errField: "assignee"},
	})
	mine := func(acc account) []string {
		t.Helper()
		res, body := b.do("GET", "/api/tasks/"+acc.ID+"?assignee=me", acc.Access, nil)
		if res.StatusCode != 200 {
			t.Fatalf("assigned to me: %d %s", res.StatusCode, body)
		}
		var page struct {
			Tasks []struct{ Title, AssigneeID string }
		}
		_ = json.Unmarshal(body, &page)
		var out []string
		for _, tk := range page.Tasks {
			out = append(out, tk.Title)
		}
		return out
	}
	if got := mine(bo); len(got) != 1 || got[0] != "Review the mockups" {
		t.Fatalf("bo's assigned tasks: %v", got)
	}
	if got := mine(ana); len(got) != 1 || got[0] != "Ana's own" {
		t.Fatalf("ana's assigned tasks: %v", got)
	}

	// Bo's laptop holds the team; removing him unassigns the task, and
	// Ana's device learns it from the feed as a write to assignee_id.
	laptop := b.bindDevice(ana, "ana-laptop")
	laptop.pull()
	if res, body := b.do("DELETE", "/api/teams/"+team.ID+"/members/"+bo.ID, ana.Access, nil); res.StatusCode != 204 {
		t.Fatalf("remove bo: %d %s", res.StatusCode, body)
	}
	res, body = b.do("GET", "/api/tasks/"+ana.ID+"/"+teamTask["id"].(string), ana.Access, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"assignee_id":""`) {
		t.Fatalf("after removal the task is unassigned: %d %s", res.StatusCode, body)
	}
	got := laptop.pull()
	unassigned := false
	for _, e := range got.Entries {
		if e.RowID == teamTask["id"] {
			v, ok := e.State["assignee_id"]
			unassigned = ok && v == "" && e.Clocks["assignee_id"] != ""
		}
	}
	if !unassigned {
		t.Fatalf("the unassignment is not in the team's feed: %+v", got.Entries)
	}

	// A push that assigns the team task to Bo, no longer a member, is
	// refused for that change alone; the batch's other change applies and
	// later pushes go through.
	push := func(batch string, patches ...map[string]any) wire.PushResponse {
		t.Helper()
		res, body := b.do("POST", "/api/sync/push", ana.Access, map[string]any{"protocol": wire.Protocol, "schema_version": schema.Version,
			"device_id": "ana-laptop", "batch_id": batch, "patches": patches})
		if res.StatusCode != 200 {
			t.Fatalf("push %s: %d %s", batch, res.StatusCode, body)
		}
		var out wire.PushResponse
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	id := teamTask["id"].(string)
	out := push("b1",
		edit("tasks", team.ID, id, "assignee_id", bo.ID, laptop.clock(0), "", "c-assign"),
		edit("tasks", team.ID, id, "title", "Review the new mockups", laptop.clock(0), "", "c-title"),
		edit("tasks", ana.ID, personal["id"].(string), "assignee_id", bo.ID, laptop.clock(0), "", "c-personal"))
	reasons := map[string]string{}
	for _, r := range out.Rejected {
		for _, c := range r.ChangeIDs {
			reasons[c] = r.Code + ": " + r.Message
		}
	}
	if !strings.Contains(reasons["c-assign"], "not a member of the task's team") || !strings.Contains(reasons["c-personal"], "only to its owner") {
		t.Fatalf("rejections: %v", reasons)
	}
	if !strings.Contains(fmt.Sprint(out.Applied), "c-title") {
		t.Fatalf("the batch's other change applies: %+v", out)
	}
	out = push("b2", edit("tasks", team.ID, id, "assignee_id", ana.ID, laptop.clock(0), "", "c-assign-ana"))
	if len(out.Rejected) != 0 || len(out.Applied) != 1 {
		t.Fatalf("a member assignee is accepted: %+v", out)
	}
	res, body = b.do("GET", "/api/tasks/"+ana.ID+"/"+url.PathEscape(id), ana.Access, nil)
	if !strings.Contains(string(body), `"assignee_id":"`+ana.ID+`"`) || !strings.Contains(string(body), "Review the new mockups") {
		t.Fatalf("the task after the pushes: %d %s", res.StatusCode, body)
	}
}
