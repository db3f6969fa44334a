package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestTaskScenarios(t *testing.T) {
	b := newBackend(t, false)
	me, other := b.signUp("me@example.com"), b.signUp("other@example.com")
	mine := b.createTask(me, map[string]any{"title": "Mine"})
	theirs := b.createTask(other, map[string]any{"title": "Theirs"})
	subst := map[string]string{"{me}": me.ID, "{other}": other.ID, "{task}": mine["id"].(string), "{othertask}": theirs["id"].(string)}

	runScenarios(t, b, me, other, subst, []scenario{
		{name: "create defaults", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "Draft the plan"}, status: 201,
			contains: []string{`"status":"todo"`, `"priority":"medium"`, `"task_type":"task"`, `"source":"sentry"`, `"id":"`}},
		{name: "create full", method: "POST", path: "/api/tasks/{me}", token: "me", status: 201, body: map[string]any{
			"title": "Standup", "task_type": "meeting", "start_time": "2026-12-01T09:00:00Z", "end_time": "2026-12-01T09:15:00+00:00",
			"attendees": []string{"bo@example.com"}, "estimated_hours": 0.25, "can_delegate": true, "is_optional": true, "priority": "urgent"},
			contains: []string{`"task_type":"meeting"`, `"estimated_hours":0.25`, `"can_delegate":true`}},
		{name: "no token", method: "POST", path: "/api/tasks/{me}", body: map[string]any{"title": "x"}, status: 401, errCode: "unauthorized"},
		{name: "garbage token", method: "GET", path: "/api/tasks/{me}", token: "bad", status: 401, errCode: "unauthorized"},
		{name: "another user's list", method: "GET", path: "/api/tasks/{other}", token: "me", status: 403, errCode: "forbidden"},
		{name: "create for another user", method: "POST", path: "/api/tasks/{other}", token: "me", body: map[string]any{"title": "x"}, status: 403, errCode: "forbidden"},
		{name: "another user's task by id", method: "GET", path: "/api/tasks/{me}/{othertask}", token: "me", status: 404, errCode: "not_found"},
		{name: "update another user's task", method: "PUT", path: "/api/tasks/{me}/{othertask}", token: "me", body: map[string]any{"title": "pwned"}, status: 404, errCode: "not_found"},
		{name: "delete another user's task", method: "DELETE", path: "/api/tasks/{me}/{othertask}", token: "me", status: 404, errCode: "not_found"},
		{name: "malformed JSON", method: "POST", path: "/api/tasks/{me}", token: "me", body: `{"title": "x"`, status: 400, errCode: "invalid"},
		{name: "not an object", method: "POST", path: "/api/tasks/{me}", token: "me", body: `["title"]`, status: 400, errCode: "invalid"},
		{name: "two objects", method: "POST", path: "/api/tasks/{me}", token: "me", body: `{"title":"a"}{"title":"b"}`, status: 400, errCode: "invalid"},
		{name: "empty body", method: "POST", path: "/api/tasks/{me}", token: "me", body: ` `, status: 400, errCode: "invalid"},
		{name: "unknown field", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "colour": "red"}, status: 400, errCode: "invalid", errField: "colour"},
		{name: "duplicate key", method: "POST", path: "/api/tasks/{me}", token: "me", body: `{"title":"a","title":"b"}`, status: 400, errCode: "invalid", errField: "title"},
		{name: "missing title", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"priority": "low"}, status: 400, errField: "title"},
		{name: "blank title", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "   "}, status: 400, errField: "title"},
		{name: "title too long", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": strings.Repeat("é", 256)}, status: 400, errField: "title"},
		{name: "title 255 ok", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": strings.Repeat("é", 255)}, status: 201},
		{name: "bad status", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "status": "blocked"}, status: 400, errField: "status"},
		{name: "bad priority", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "priority": "p0"}, status: 400, errField: "priority"},
		{name: "bad task type", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "task_type": "event"}, status: 400, errField: "task_type"},
		{name: "bad time", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "deadline": "tomorrow"}, status: 400, errField: "deadline"},
		{name: "time without zone", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "deadline": "2026-12-01T10:00:00"}, status: 400, errField: "deadline"},
		{name: "wrong type", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": 42}, status: 400, errField: "title"},
		{name: "negative hours", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "estimated_hours": -1}, status: 400, errField: "estimated_hours"},
		{name: "meeting without times", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "task_type": "meeting"}, status: 400, errField: "start_time"},
		{name: "meeting ends before start", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "task_type": "meeting", "start_time": "2026-12-01T10:00:00Z", "end_time": "2026-12-01T09:00:00Z"}, status: 400, errField: "end_time"},
		{name: "meeting zero length", method: "POST", path: "/api/tasks/{me}", token: "me", body: map[string]any{"title": "x", "task_type": "meeting", "start_time": "2026-12-01T10:00:00Z", "end_time": "2026-12-01T10:00:00Z"}, status: 400, errField: "end_time"},
		{name: "wrong content type", method: "POST", path: "/api/tasks/{me}", token: "me", body: nil, status: 400, errCode: "invalid"},
		{name: "get own", method: "GET", path: "/api/tasks/{me}/{task}", token: "me", status: 200, contains: []string{`"title":"Mine"`}},
		{name: "get unknown", method: "GET", path: "/api/tasks/{me}/01234567-0000-7000-8000-000000000000", token: "me", status: 404, errCode: "not_found"},
		{name: "bad list filter", method: "GET", path: "/api/tasks/{me}?status=nope", token: "me", status: 400, errField: "status"},
		{name: "bad sort", method: "GET", path: "/api/tasks/{me}?sort=title", token: "me", status: 400, errField: "sort"},
		{name: "bad limit", method: "GET", path: "/api/tasks/{me}?limit=0", token: "me", status: 400, errField: "limit"},
		{name: "limit too big", method: "GET", path: "/api/tasks/{me}?limit=100000", token: "me", status: 400, errField: "limit"},
		{name: "bad due", method: "GET", path: "/api/tasks/{me}?due_before=soon", token: "me", status: 400, errField: "due_before"},
		{name: "unknown query", method: "GET", path: "/api/tasks/{me}?colour=red", token: "me", status: 400, errField: "colour"},
		{name: "bad cursor", method: "GET", path: "/api/tasks/{me}?cursor=zzz", token: "me", status: 400, errField: "cursor"},
		{name: "unknown api route", method: "GET", path: "/api/nothing", token: "me", status: 404, errCode: "not_found"},
	})
}

func TestTaskLifecycleOverHTTP(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("life@example.com")
	task := b.createTask(me, map[string]any{"title": "Write the report", "deadline": "2026-12-01T17:00:00Z", "estimated_hours": 3})
	id := task["id"].(string)

	// Partial update: only sent fields change; null clears.
	res, body := b.do("PUT", "/api/tasks/"+me.ID+"/"+id, me.Access, map[string]any{"priority": "high", "deadline": nil})
	if res.StatusCode != 200 {
		t.Fatalf("update: %d %s", res.StatusCode, body)
	}
	var got map[string]any
	_ = json.Unmarshal(body, &got)
	if got["priority"] != "high" || got["deadline"] != nil || got["title"] != "Write the report" || got["estimated_hours"] != 3.0 || got["version"] != 2.0 {
		t.Fatalf("after update: %s", body)
	}
	// A round-tripped whole task (with read-only fields) is accepted.
	got["status"] = "done"
	res, body = b.do("PUT", "/api/tasks/"+me.ID+"/"+id, me.Access, got)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"status":"done"`) || strings.Contains(string(body), `"completed_at":null`) {
		t.Fatalf("complete: %d %s", res.StatusCode, body)
	}
	// Invalid update leaves the task untouched.
	res, _ = b.do("PUT", "/api/tasks/"+me.ID+"/"+id, me.Access, map[string]any{"title": ""})
	if res.StatusCode != 400 {
		t.Fatalf("blank title update: %d", res.StatusCode)
	}
	_, body = b.do("GET", "/api/tasks/"+me.ID+"/"+id, me.Access, nil)
	if !strings.Contains(string(body), `"title":"Write the report"`) {
		t.Fatalf("invalid update changed the task: %s", body)
	}
	res, _ = b.do("DELETE", "/api/tasks/"+me.ID+"/"+id, me.Access, nil)
	if res.StatusCode != 204 {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	res, _ = b.do("GET", "/api/tasks/"+me.ID+"/"+id, me.Access, nil)
	if res.StatusCode != 404 {
		t.Fatalf("get after delete: %d", res.StatusCode)
	}
	// The activity history shows all of it.
	res, body = b.do("GET", "/api/activity/"+me.ID+"?table=tasks", me.Access, nil)
	if res.StatusCode != 200 {
		t.Fatalf("activity: %d %s", res.StatusCode, body)
	}
	var act struct {
		Changes []struct {
			Op    string `json:"op"`
			RowID string `json:"row_id"`
		} `json:"changes"`
	}
	_ = json.Unmarshal(body, &act)
	var ops []string
	for _, c := range act.Changes {
		ops = append(ops, c.Op)
	}
	if fmt.Sprint(ops) != "[insert update update delete]" {
		t.Fatalf("activity ops %v", ops)
	}
}

func TestListPagingAndFiltersOverHTTP(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("list@example.com")
	for i := 0; i < 7; i++ {
		b.createTask(me, map[string]any{"title": fmt.Sprintf("Item %d", i), "deadline": fmt.Sprintf("2026-12-%02dT10:00:00Z", i+1)})
	}
	var ids []string
	cursor := ""
	for {
		q := url.Values{"sort": {"deadline"}, "limit": {"3"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		res, body := b.do("GET", "/api/tasks/"+me.ID+"?"+q.Encode(), me.Access, nil)
		if res.StatusCode != 200 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		var page struct {
			Tasks      []struct{ ID, Title string }
			NextCursor *string `json:"next_cursor"`
		}
		_ = json.Unmarshal(body, &page)
		for _, x := range page.Tasks {
			ids = append(ids, x.Title)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if fmt.Sprint(ids) != "[Item 0 Item 1 Item 2 Item 3 Item 4 Item 5 Item 6]" {
		t.Fatalf("paged: %v", ids)
	}
	_, body := b.do("GET", "/api/tasks/"+me.ID+"?due_before=2026-12-02T23:00:00Z&sort=-deadline", me.Access, nil)
	if !strings.Contains(string(body), "Item 1") || strings.Contains(string(body), "Item 2") || strings.Index(string(body), "Item 1") > strings.Index(string(body), "Item 0") {
		t.Fatalf("due_before/-deadline: %s", body)
	}
	_, body = b.do("GET", "/api/tasks/"+me.ID+"?q=item+3", me.Access, nil)
	if !strings.Contains(string(body), "Item 3") || strings.Contains(string(body), "Item 4") {
		t.Fatalf("search: %s", body)
	}
}
