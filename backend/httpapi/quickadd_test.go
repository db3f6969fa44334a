package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

type quickAddAnswer struct {
	Title        string   `json:"title"`
	Deadline     *string  `json:"deadline"`
	DateOnly     bool     `json:"date_only"`
	DeadlineText *string  `json:"deadline_text"`
	Priority     *string  `json:"priority"`
	PriorityText *string  `json:"priority_text"`
	Tags         []string `json:"tags"`
}

// Wednesday 2 December 2026, 10:00 in New York.
const quickNow = "2026-12-02T10:00:00-05:00"

func TestQuickAddPhrasings(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("quick@example.com")
	for _, tc := range []struct {
		name, text     string
		title          string
		deadline       string // "" for none
		dateOnly       bool
		priority       string // "" for none
		tags           string // comma-separated
		timezone, when string // defaults: America/New_York, quickNow
	}{
		{name: "day, time and priority", text: "Call mom tomorrow at 6pm !high", title: "Call mom", deadline: "2026-12-03T18:00:00-05:00", priority: "high"},
		{name: "p1 is urgent", text: "Pay rent next Fri p1", title: "Pay rent", deadline: "2026-12-11T00:00:00-05:00", dateOnly: true, priority: "urgent"},
		{name: "p4 is low", text: "p4 tidy the desk", title: "tidy the desk", priority: "low"},
		{name: "!urgent", text: "Renew passport !urgent", title: "Renew passport", priority: "urgent"},
		{name: "first priority wins, both leave the title", text: "Fix the sink !low !urgent", title: "Fix the sink", priority: "low"},
		{name: "in n days with a tag", text: "Review PR in 3 days #work", title: "Review PR", deadline: "2026-12-05T00:00:00-05:00", dateOnly: true, tags: "work"},
		{name: "tags kept once, in order", text: "Buy milk #home #Errands #home", title: "Buy milk", tags: "home,Errands"},
		{name: "a number is not a tag", text: "Fix bug #123", title: "Fix bug #123"},
		{name: "a tag is not a date", text: "Plan #fri drinks", title: "Plan drinks", tags: "fri"},
		{name: "month and day", text: "Dentist on Dec 12", title: "Dentist", deadline: "2026-12-12T00:00:00-05:00", dateOnly: true},
		{name: "time alone still to come is today", text: "Standup at 11am", title: "Standup", deadline: "2026-12-02T11:00:00-05:00"},
		{name: "time alone already past is tomorrow", text: "Water plants at 9am", title: "Water plants", deadline: "2026-12-03T09:00:00-05:00"},
		{name: "day and time apart", text: "Friday call the bank at 3pm", title: "call the bank", deadline: "2026-12-04T15:00:00-05:00"},
		{name: "ISO date and time", text: "File taxes 2026-12-31 14:00", title: "File taxes", deadline: "2026-12-31T14:00:00-05:00"},
		{name: "dangling preposition goes", text: "Send the deck by Monday", title: "Send the deck", deadline: "2026-12-07T00:00:00-05:00", dateOnly: true},
		{name: "nothing to read", text: "Buy milk", title: "Buy milk"},
		{name: "a past day is left in the title", text: "Ask about yesterday's demo", title: "Ask about yesterday's demo"},
		{name: "recurring is not a deadline", text: "Gym every Monday", title: "Gym every Monday"},
		{name: "the zone decides the day", text: "Call Ana tomorrow", title: "Call Ana", deadline: "2026-12-04T00:00:00+09:00", dateOnly: true, // already the 3rd there
			timezone: "Asia/Tokyo", when: "2026-12-02T20:00:00-05:00"},
		{name: "no zone keeps now's offset", text: "Call Ana tomorrow", title: "Call Ana", deadline: "2026-12-03T00:00:00+01:00", dateOnly: true,
			timezone: "-", when: "2026-12-02T10:00:00+01:00"},
		{name: "only markers", text: "tomorrow !high #x", title: "", deadline: "2026-12-03T00:00:00-05:00", dateOnly: true, priority: "high", tags: "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{"text": tc.text, "now": quickNow, "timezone": "America/New_York"}
			if tc.when != "" {
				body["now"] = tc.when
			}
			if tc.timezone == "-" {
				delete(body, "timezone")
			} else if tc.timezone != "" {
				body["timezone"] = tc.timezone
			}
			res, out := b.do("POST", "/api/tasks/"+me.ID+"/parse", me.Access, body)
			if res.StatusCode != 200 {
				t.Fatalf("%d %s", res.StatusCode, out)
			}
			var got quickAddAnswer
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if got.Title != tc.title {
				t.Errorf("title %q, want %q", got.Title, tc.title)
			}
			deadline := ""
			if got.Deadline != nil {
				deadline = *got.Deadline
			}
			if deadline != tc.deadline || got.DateOnly != tc.dateOnly {
				t.Errorf("deadline %q date_only=%v, want %q %v", deadline, got.DateOnly, tc.deadline, tc.dateOnly)
			}
			if (got.DeadlineText != nil) != (tc.deadline != "") {
				t.Errorf("deadline_text %v with deadline %q", got.DeadlineText, tc.deadline)
			}
			priority := ""
			if got.Priority != nil {
				priority = *got.Priority
			}
			if priority != tc.priority {
				t.Errorf("priority %q, want %q", priority, tc.priority)
			}
			if got.Tags == nil {
				t.Errorf("tags is null, want a list")
			}
			if strings.Join(got.Tags, ",") != tc.tags {
				t.Errorf("tags %q, want %q", got.Tags, tc.tags)
			}
		})
	}
}

// What quick add reads can be saved as it is.
func TestQuickAddParsedTaskSaves(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("quicksave@example.com")
	_, out := b.do("POST", "/api/tasks/"+me.ID+"/parse", me.Access, map[string]any{"text": "Call mom tomorrow at 6pm !high #family", "timezone": "Europe/Lisbon"})
	var got quickAddAnswer
	if err := json.Unmarshal(out, &got); err != nil || got.Deadline == nil || got.Priority == nil {
		t.Fatalf("%v %s", err, out)
	}
	task := b.createTask(me, map[string]any{"title": got.Title, "deadline": *got.Deadline, "priority": *got.Priority, "tags": got.Tags})
	if task["title"] != "Call mom" || task["priority"] != "high" || task["deadline"] == nil {
		t.Fatalf("saved %v", task)
	}
	// Parsing saves nothing by itself.
	_, list := b.do("GET", "/api/tasks/"+me.ID, me.Access, nil)
	if n := strings.Count(string(list), `"title":`); n != 1 {
		t.Fatalf("%d tasks after one parse and one save: %s", n, list)
	}
}

func TestQuickAddAuthAndOwnership(t *testing.T) {
	b := newBackend(t, false)
	me, other := b.signUp("qa-owner@example.com"), b.signUp("qa-other@example.com")
	body := map[string]any{"text": "Call mom tomorrow"}
	for _, tc := range []struct {
		name, user, token string
		status            int
		code              string
	}{
		{"no token", me.ID, "", 401, "unauthorized"},
		{"bad token", me.ID, "garbage", 401, "unauthorized"},
		{"another user's id", other.ID, me.Access, 403, "forbidden"},
		{"unknown user id", "nobody", me.Access, 403, "forbidden"},
		{"own id", me.ID, me.Access, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, out := b.do("POST", "/api/tasks/"+tc.user+"/parse", tc.token, body)
			if res.StatusCode != tc.status {
				t.Fatalf("%d, want %d: %s", res.StatusCode, tc.status, out)
			}
			if tc.code != "" {
				if code, _ := errorOf(t, out); code != tc.code {
					t.Fatalf("code %s, want %s", code, tc.code)
				}
			}
		})
	}
}

func TestQuickAddHostileInput(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("qa-hostile@example.com")
	path := "/api/tasks/" + me.ID + "/parse"
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"not JSON", "{", 400, ""},
		{"an array", `["Call mom"]`, 400, ""},
		{"no text", map[string]any{}, 400, "text"},
		{"text not a string", map[string]any{"text": 12}, 400, "text"},
		{"unknown field", map[string]any{"text": "x", "title": "x"}, 400, ""},
		{"duplicate key", `{"text":"a","text":"b"}`, 400, ""},
		{"too long", map[string]any{"text": strings.Repeat("a", 1001)}, 400, "text"},
		{"NUL", map[string]any{"text": "Call\x00mom"}, 400, "text"},
		{"bad now", map[string]any{"text": "x", "now": "tomorrow"}, 400, "now"},
		{"now out of range", map[string]any{"text": "x", "now": "0001-01-01T00:00:00Z"}, 400, "now"},
		{"unknown zone", map[string]any{"text": "x", "timezone": "Mars/Olympus"}, 400, "timezone"},
		{"zone as a path", map[string]any{"text": "x", "timezone": "../../etc/passwd"}, 400, "timezone"},
		{"zone Local", map[string]any{"text": "x", "timezone": "Local"}, 400, "timezone"},
		{"body too large", `{"text":"` + strings.Repeat("a", 20<<10) + `"}`, 413, ""},
		{"empty text reads as nothing", map[string]any{"text": ""}, 200, ""},
		{"markup stays text", map[string]any{"text": "<script>alert(1)</script> tomorrow"}, 200, ""},
		{"control characters", map[string]any{"text": "Call\u0007 mom\r\ntomorrow\u202e"}, 200, ""},
		{"only markers and dates", map[string]any{"text": strings.Repeat("#a !high p1 tomorrow ", 45)}, 200, ""},
		{"many tags", map[string]any{"text": strings.Repeat("#t", 1) + strings.Repeat(" #tag", 150)}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, out := b.do("POST", path, me.Access, tc.body)
			if res.StatusCode != tc.status {
				t.Fatalf("%d, want %d: %s", res.StatusCode, tc.status, out)
			}
			if tc.status != 200 {
				if _, field := errorOf(t, out); tc.field != "" && field != tc.field {
					t.Fatalf("field %q, want %q: %s", field, tc.field, out)
				}
				return
			}
			var got quickAddAnswer
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if strings.ContainsAny(got.Title, "\x00\a\r\n") || len([]rune(got.Title)) > 255 || len(got.Tags) > 50 {
				t.Fatalf("title %q, %d tags", got.Title, len(got.Tags))
			}
		})
	}
}
