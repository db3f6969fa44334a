package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// A time that is in range in its own offset but year 10000 in UTC used to
// be stored and then break every read of the account. Times are checked in
// UTC, the account keeps reading, and extraction refuses such a "now".
func TestTimesOutsideTheCalendarAreRefused(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("dates@example.com")
	task := b.createTask(me, map[string]any{"title": "Keep me readable"})
	id := task["id"].(string)
	runScenarios(t, b, me, me, map[string]string{"{me}": me.ID, "{task}": id}, []scenario{
		{name: "deadline year 10000 in UTC", method: "POST", path: "/api/tasks/{me}", token: "me",
			body: map[string]any{"title": "x", "deadline": "9999-12-31T23:59:59-23:59"}, status: 400, errCode: "invalid", errField: "deadline"},
		{name: "start year 0", method: "POST", path: "/api/tasks/{me}", token: "me",
			body: map[string]any{"title": "x", "task_type": "meeting", "start_time": "0000-06-01T10:00:00Z", "end_time": "2026-01-01T10:00:00Z"}, status: 400, errCode: "invalid", errField: "start_time"},
		{name: "update to year 10000", method: "PUT", path: "/api/tasks/{me}/{task}", token: "me",
			body: map[string]any{"deadline": "9999-12-31T23:59:59-23:59"}, status: 400, errCode: "invalid", errField: "deadline"},
		{name: "query bound year 10000", method: "GET", path: "/api/tasks/{me}?due_before=9999-12-31T23:59:59-23:59", token: "me",
			status: 400, errCode: "invalid", errField: "due_before"},
		{name: "extraction now at the end of time", method: "POST", path: "/api/extract/text", token: "me",
			body: map[string]any{"text": "Bob will send the report by Friday.", "now": "9999-12-31T12:00:00Z"}, status: 400, errCode: "invalid", errField: "now"},
		{name: "an ordinary far date is fine", method: "POST", path: "/api/tasks/{me}", token: "me",
			body: map[string]any{"title": "Renew the lease", "deadline": "2099-12-31T23:59:59-05:00"}, status: 201, contains: []string{`"deadline":"2100-01-01T04:59:59Z"`}},
	})
	for _, p := range []string{"/api/tasks/" + me.ID, "/api/tasks/" + me.ID + "/" + id, "/api/workload/metrics/" + me.ID, "/api/burnout/status/" + me.ID, "/api/recommendations/" + me.ID} {
		if res, body := b.do("GET", p, me.Access, nil); res.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", p, res.StatusCode, body)
		}
	}
}

// Dates read from text that no calendar holds are dropped, not stored,
// and the run finishes.
func TestExtractedDatesOutsideTheCalendarAreDropped(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("late@example.com")
	res, body := b.do("POST", "/api/extract/text", me.Access, map[string]any{
		"text": "Bob will send the report by Friday.", "now": "8999-12-31T12:00:00Z"})
	if res.StatusCode != 201 {
		t.Fatalf("extract: %d %s", res.StatusCode, body)
	}
	var run struct {
		Status string `json:"status"`
		Tasks  []struct {
			Title  string  `json:"title"`
			Due    *string `json:"due"`
			TaskID string  `json:"task_id"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(body, &run); err != nil {
		t.Fatal(err)
	}
	if run.Status != "done" || len(run.Tasks) != 1 || run.Tasks[0].Due != nil || run.Tasks[0].TaskID == "" {
		t.Fatalf("run: %s", body)
	}
	if res, body := b.do("GET", "/api/tasks/"+me.ID, me.Access, nil); res.StatusCode != 200 || !strings.Contains(string(body), `"deadline":null`) {
		t.Fatalf("list: %d %s", res.StatusCode, body)
	}
}

// parent_id names another live task of the caller's and makes no loop.
func TestParentMustBeOneOfYourTasks(t *testing.T) {
	b := newBackend(t, false)
	me, other := b.signUp("parent@example.com"), b.signUp("stranger@example.com")
	top := b.createTask(me, map[string]any{"title": "Top"})["id"].(string)
	child := b.createTask(me, map[string]any{"title": "Child", "parent_id": top})["id"].(string)
	grandchild := b.createTask(me, map[string]any{"title": "Grandchild", "parent_id": child})["id"].(string)
	theirs := b.createTask(other, map[string]any{"title": "Theirs"})["id"].(string)
	subst := map[string]string{"{me}": me.ID, "{top}": top, "{child}": child, "{grandchild}": grandchild, "{theirs}": theirs}
	cases := []scenario{
		{name: "garbage", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "parent_id": "../../etc"}, status: 400, errCode: "invalid", errField: "parent_id"},
		{name: "missing", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "parent_id": "01890000-0000-7000-8000-000000000000"}, status: 400, errCode: "invalid", errField: "parent_id"},
		{name: "someone else's answers as a missing one", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "parent_id": theirs}, status: 400, errCode: "invalid", errField: "parent_id"},
		{name: "itself", method: "PUT", path: "/api/tasks/{me}/{top}", token: "me", body: map[string]any{"parent_id": top}, status: 400, errCode: "invalid", errField: "parent_id"},
		{name: "its own grandchild", method: "PUT", path: "/api/tasks/{me}/{top}", token: "me", body: map[string]any{"parent_id": grandchild}, status: 400, errCode: "invalid", errField: "parent_id"},
		{name: "a sibling is fine", method: "PUT", path: "/api/tasks/{me}/{grandchild}", token: "me", body: map[string]any{"parent_id": top}, status: 200, contains: []string{`"parent_id":"` + top + `"`}},
		{name: "clearing is fine", method: "PUT", path: "/api/tasks/{me}/{child}", token: "me", body: map[string]any{"parent_id": nil}, status: 200, contains: []string{`"parent_id":""`}},
	}
	runScenarios(t, b, me, other, subst, cases)
	// A deleted parent is gone for new children too.
	if res, body := b.do("DELETE", "/api/tasks/"+me.ID+"/"+top, me.Access, nil); res.StatusCode != 204 {
		t.Fatalf("delete: %d %s", res.StatusCode, body)
	}
	if res, body := b.do("POST", "/api/tasks/"+me.ID, me.Access, map[string]any{"title": "x", "parent_id": top}); res.StatusCode != 400 {
		t.Fatalf("child of a deleted task: %d %s", res.StatusCode, body)
	}
}

// Control characters and bidirectional overrides never reach a stored
// user-visible text; newlines survive in descriptions only.
func TestTextFieldsLoseControlAndBidiCharacters(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("bidi@example.com")
	res, body := b.do("POST", "/api/tasks/"+me.ID, me.Access, map[string]any{"title": "NUL\u0000inside"})
	if res.StatusCode != 400 {
		t.Fatalf("NUL in title: %d %s", res.StatusCode, body)
	}
	task := b.createTask(me, map[string]any{
		"title":       "Pay \u0007rent\u001b[31m \u202egnp.exe\u2066",
		"description": "line one\nline two\u202e",
		"location":    "Room\t4\u0085",
		"tags":        []string{"a\u200fb"},
	})
	if task["title"] != "Pay rent[31m gnp.exe" || task["description"] != "line one\nline two" || task["location"] != "Room 4" {
		t.Fatalf("stored %q / %q / %q", task["title"], task["description"], task["location"])
	}
	if tags := task["tags"].([]any); tags[0] != "ab" {
		t.Fatalf("tags %v", tags)
	}
	res, body = b.do("POST", "/api/notebooks/create", me.Access, map[string]any{"name": "Trip\u202e fdp.exe"})
	if res.StatusCode != 201 || !strings.Contains(string(body), `"name":"Trip fdp.exe"`) {
		t.Fatalf("notebook: %d %s", res.StatusCode, body)
	}
	res, body = b.do("POST", "/api/burnout/feedback", me.Access, map[string]any{"user_id": me.ID, "checkin": "Tired\u0007 \u202etoday"})
	if res.StatusCode != 201 || !strings.Contains(string(body), `"content":"Tired today"`) {
		t.Fatalf("check-in note: %d %s", res.StatusCode, body)
	}
	res, body = b.do("PUT", "/api/users/"+me.ID, me.Access, map[string]any{"first_name": "Ev\u202eil"})
	if res.StatusCode != 400 {
		t.Fatalf("name with an override: %d %s", res.StatusCode, body)
	}
}
