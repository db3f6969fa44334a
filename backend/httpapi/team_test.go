package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// A team's tasks are seen by every member and by nobody else; members are
// added by owners and admins, leave or are removed, and then no longer
// see them.
func TestTeamsShareTasksWithMembersOnly(t *testing.T) {
	b := newBackend(t, false)
	ana, bo, cy := b.signUp("ana@example.com"), b.signUp("bo@example.com"), b.signUp("cy@example.com")
	res, body := b.do("POST", "/api/teams", ana.Access, map[string]any{"name": "Design"})
	if res.StatusCode != 201 {
		t.Fatalf("create team: %d %s", res.StatusCode, body)
	}
	var team struct {
		ID, Name, Role string
		Members        int
	}
	_ = json.Unmarshal(body, &team)
	if team.Role != "owner" || team.Members != 1 || team.Name != "Design" {
		t.Fatalf("team: %s", body)
	}
	subst := map[string]string{"{team}": team.ID, "{ana}": ana.ID, "{bo}": bo.ID, "{cy}": cy.ID}
	runScenarios(t, b, ana, bo, subst, []scenario{
		{name: "a name is needed", method: "POST", path: "/api/teams", token: "me", body: map[string]any{"name": " \u202e "}, status: 400, errCode: "invalid", errField: "name"},
		{name: "an outsider sees no team", method: "GET", path: "/api/teams/{team}", token: "other", status: 404, errCode: "not_found"},
		{name: "an outsider cannot add members", method: "POST", path: "/api/teams/{team}/members", token: "other", body: map[string]any{"email": "bo@example.com"}, status: 404},
		{name: "an unknown email says what to do", method: "POST", path: "/api/teams/{team}/members", token: "me", body: map[string]any{"email": "nobody@example.com"}, status: 400, errField: "email", contains: []string{"sign up first"}},
		{name: "a bad role", method: "POST", path: "/api/teams/{team}/members", token: "me", body: map[string]any{"email": "bo@example.com", "role": "king"}, status: 400, errField: "role"},
		{name: "the owner adds a member", method: "POST", path: "/api/teams/{team}/members", token: "me", body: map[string]any{"email": "bo@example.com"}, status: 201, contains: []string{`"role":"member"`, `"email":"bo@example.com"`}},
		{name: "twice is a conflict", method: "POST", path: "/api/teams/{team}/members", token: "me", body: map[string]any{"email": "BO@example.com"}, status: 409, errCode: "conflict"},
		{name: "a member cannot add", method: "POST", path: "/api/teams/{team}/members", token: "other", body: map[string]any{"email": "cy@example.com"}, status: 403, errCode: "forbidden"},
		{name: "the member sees the team", method: "GET", path: "/api/teams", token: "other", status: 200, contains: []string{`"name":"Design"`, `"role":"member"`, `"members":2`}},
	})
	// A team task, made by the member.
	teamTask := b.createTask(bo, map[string]any{"title": "Review the mockups", "team_id": team.ID})
	if teamTask["team_id"] != team.ID {
		t.Fatalf("team task: %v", teamTask)
	}
	personal := b.createTask(bo, map[string]any{"title": "Bo's own"})
	id := teamTask["id"].(string)
	// The owner sees it in her own list, can read and edit it.
	res, body = b.do("GET", "/api/tasks/"+ana.ID, ana.Access, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), "Review the mockups") || strings.Contains(string(body), "Bo's own") {
		t.Fatalf("owner's list: %d %s", res.StatusCode, body)
	}
	if res, body := b.do("PUT", "/api/tasks/"+ana.ID+"/"+id, ana.Access, map[string]any{"status": "in_progress"}); res.StatusCode != 200 {
		t.Fatalf("owner edits the team task: %d %s", res.StatusCode, body)
	}
	// An outsider: not in the list, 404 on read, edit and delete; cannot
	// put a task in the team.
	res, body = b.do("GET", "/api/tasks/"+cy.ID, cy.Access, nil)
	if strings.Contains(string(body), "Review the mockups") {
		t.Fatalf("outsider's list shows the team task: %s", body)
	}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		res, body := b.do(m, "/api/tasks/"+cy.ID+"/"+id, cy.Access, map[string]any{"title": "mine now"})
		if res.StatusCode != 404 {
			t.Fatalf("outsider %s team task: %d %s", m, res.StatusCode, body)
		}
	}
	if res, body := b.do("POST", "/api/tasks/"+cy.ID, cy.Access, map[string]any{"title": "x", "team_id": team.ID}); res.StatusCode != 404 {
		t.Fatalf("outsider makes a team task: %d %s", res.StatusCode, body)
	}
	// The owner cannot see the member's personal task.
	if res, _ := b.do("GET", "/api/tasks/"+ana.ID+"/"+personal["id"].(string), ana.Access, nil); res.StatusCode != 404 {
		t.Fatalf("owner reads a member's personal task: %d", res.StatusCode)
	}
	// Only the creator or an admin deletes a team task.
	b.do("POST", "/api/teams/"+team.ID+"/members", ana.Access, map[string]any{"email": "cy@example.com"})
	if res, body := b.do("DELETE", "/api/tasks/"+cy.ID+"/"+id, cy.Access, nil); res.StatusCode != 403 {
		t.Fatalf("a member deletes another's team task: %d %s", res.StatusCode, body)
	}
	// Removed, the member no longer sees the team's tasks.
	if res, body := b.do("DELETE", "/api/teams/"+team.ID+"/members/"+bo.ID, ana.Access, nil); res.StatusCode != 204 {
		t.Fatalf("remove: %d %s", res.StatusCode, body)
	}
	res, body = b.do("GET", "/api/tasks/"+bo.ID, bo.Access, nil)
	if strings.Contains(string(body), "Review the mockups") || !strings.Contains(string(body), "Bo's own") {
		t.Fatalf("removed member's list: %s", body)
	}
	if res, _ := b.do("GET", "/api/tasks/"+bo.ID+"/"+id, bo.Access, nil); res.StatusCode != 404 {
		t.Fatalf("removed member reads the team task: %d", res.StatusCode)
	}
	// The last owner cannot leave; a member can.
	if res, body := b.do("POST", "/api/teams/"+team.ID+"/leave", ana.Access, nil); res.StatusCode != 409 {
		t.Fatalf("last owner leaves: %d %s", res.StatusCode, body)
	}
	if res, body := b.do("POST", "/api/teams/"+team.ID+"/leave", cy.Access, nil); res.StatusCode != 204 {
		t.Fatalf("member leaves: %d %s", res.StatusCode, body)
	}
	if res, _ := b.do("GET", "/api/teams/"+team.ID, cy.Access, nil); res.StatusCode != 404 {
		t.Fatalf("after leaving: %d", res.StatusCode)
	}
}
