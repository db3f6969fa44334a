package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sentry/backend/jobtest"
)

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

func TestProfileEndpoints(t *testing.T) {
	b := newBackend(t, false)
	me, other := b.signUp("worker@example.com"), b.signUp("other@example.com")
	good := map[string]any{"user_id": "{me}", "role": "Engineer", "department": "Platform", "timezone": "Europe/Berlin",
		"working_hours": map[string]any{"start": "08:30", "end": "17:00"}, "working_days": []int{1, 2, 3, 4}}
	withMe := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		out["user_id"] = me.ID
		return out
	}
	bad := func(k string, v any) map[string]any {
		m := withMe(good)
		m[k] = v
		return m
	}
	runScenarios(t, b, me, other, map[string]string{"{me}": me.ID, "{other}": other.ID}, []scenario{
		{name: "no profile yet", method: "GET", path: "/api/profile/{me}", token: "me", status: 404, errCode: "not_found"},
		{name: "create for another user", method: "POST", path: "/api/profile/create", token: "me", body: map[string]any{"user_id": other.ID, "timezone": "UTC"}, status: 403, errCode: "forbidden"},
		{name: "unknown time zone", method: "POST", path: "/api/profile/create", token: "me", body: bad("timezone", "Mars/Olympus"), status: 400, errCode: "invalid", errField: "timezone"},
		{name: "missing time zone", method: "POST", path: "/api/profile/create", token: "me", body: map[string]any{"user_id": me.ID}, status: 400, errCode: "invalid", errField: "timezone"},
		{name: "end before start", method: "POST", path: "/api/profile/create", token: "me", body: bad("working_hours", map[string]any{"start": "17:00", "end": "09:00"}), status: 400, errCode: "invalid", errField: "working_hours.end"},
		{name: "bad clock", method: "POST", path: "/api/profile/create", token: "me", body: bad("working_hours", map[string]any{"start": "9am", "end": "17:00"}), status: 400, errCode: "invalid", errField: "working_hours.start"},
		{name: "weekday 8", method: "POST", path: "/api/profile/create", token: "me", body: bad("working_days", []int{1, 8}), status: 400, errCode: "invalid", errField: "working_days"},
		{name: "weekday twice", method: "POST", path: "/api/profile/create", token: "me", body: bad("working_days", []int{1, 1}), status: 400, errCode: "invalid", errField: "working_days"},
		{name: "weekdays as strings", method: "POST", path: "/api/profile/create", token: "me", body: bad("working_days", []string{"mon"}), status: 400, errCode: "invalid", errField: "working_days"},
		{name: "malformed JSON", method: "POST", path: "/api/profile/create", token: "me", body: `{"user_id":`, status: 400, errCode: "invalid"},
		{name: "unknown field", method: "POST", path: "/api/profile/create", token: "me", body: bad("shoe_size", 42), status: 400, errCode: "invalid", errField: "shoe_size"},
		{name: "create", method: "POST", path: "/api/profile/create", token: "me", body: withMe(good), status: 201,
			contains: []string{`"timezone":"Europe/Berlin"`, `"working_days":[1,2,3,4]`, `"start":"08:30"`, `"focus_block_minutes":120`, `"max_weekly_hours":40`}},
		{name: "second profile", method: "POST", path: "/api/profile/create", token: "me", body: withMe(good), status: 409, errCode: "conflict"},
		{name: "read", method: "GET", path: "/api/profile/{me}", token: "me", status: 200, contains: []string{`"role":"Engineer"`}},
		{name: "read another's", method: "GET", path: "/api/profile/{me}", token: "other", status: 403, errCode: "forbidden"},
		{name: "update", method: "PUT", path: "/api/profile/{me}", token: "me", body: map[string]any{"timezone": "Asia/Tokyo", "working_days": []int{1, 2, 3, 4, 5}}, status: 200,
			contains: []string{`"timezone":"Asia/Tokyo"`, `"role":"Engineer"`, `"version":2`}},
		{name: "update bad zone", method: "PUT", path: "/api/profile/{me}", token: "me", body: map[string]any{"timezone": "Local"}, status: 400, errField: "timezone"},
		{name: "preferences", method: "POST", path: "/api/profile/{me}/preferences", token: "me", body: map[string]any{"focus_block_minutes": 90,
			"meeting_preferences": map[string]any{"no_meetings_before": "10:00"}, "notifications": map[string]any{"daily_summary": true}}, status: 200,
			contains: []string{`"focus_block_minutes":90`, `"no_meetings_before":"10:00"`}},
		{name: "focus block too short", method: "POST", path: "/api/profile/{me}/preferences", token: "me", body: map[string]any{"focus_block_minutes": 5}, status: 400, errField: "focus_block_minutes"},
		{name: "focus block fractional", method: "POST", path: "/api/profile/{me}/preferences", token: "me", body: map[string]any{"focus_block_minutes": 90.5}, status: 400, errField: "focus_block_minutes"},
		{name: "constraints", method: "POST", path: "/api/profile/{me}/constraints", token: "me", body: map[string]any{"max_weekly_hours": 32,
			"days_off": []string{"2026-12-24"}, "fixed_commitments": []map[string]any{{"title": "School run", "weekday": 3, "start": "08:00", "end": "09:00"}}}, status: 200,
			contains: []string{`"max_weekly_hours":32`, `"2026-12-24"`, `"School run"`}},
		{name: "negative hours", method: "POST", path: "/api/profile/{me}/constraints", token: "me", body: map[string]any{"max_weekly_hours": -4}, status: 400, errField: "max_weekly_hours"},
		{name: "hours missing", method: "POST", path: "/api/profile/{me}/constraints", token: "me", body: map[string]any{"days_off": []string{}}, status: 400, errField: "max_weekly_hours"},
		{name: "bad day off", method: "POST", path: "/api/profile/{me}/constraints", token: "me", body: map[string]any{"max_weekly_hours": 30, "days_off": []string{"24/12/2026"}}, status: 400, errField: "days_off"},
		{name: "commitment ends first", method: "POST", path: "/api/profile/{me}/constraints", token: "me", body: map[string]any{"max_weekly_hours": 30,
			"fixed_commitments": []map[string]any{{"title": "x", "weekday": 2, "start": "10:00", "end": "09:00"}}}, status: 400, errField: "fixed_commitments"},
		{name: "commitment bad weekday", method: "POST", path: "/api/profile/{me}/constraints", token: "me", body: map[string]any{"max_weekly_hours": 30,
			"fixed_commitments": []map[string]any{{"title": "x", "weekday": 0, "start": "08:00", "end": "09:00"}}}, status: 400, errField: "fixed_commitments"},
		{name: "constraints of another", method: "POST", path: "/api/profile/{other}/constraints", token: "me", body: map[string]any{"max_weekly_hours": 1}, status: 403},
		{name: "read back", method: "GET", path: "/api/profile/{me}", token: "me", status: 200, contains: []string{`"max_weekly_hours":32`, `"focus_block_minutes":90`}},
	})
}

func TestWorkloadBurnoutAndRecommendations(t *testing.T) {
	b := newBackend(t, false)
	me, other := b.signUp("busy@example.com"), b.signUp("bystander@example.com")
	res, body := b.do("POST", "/api/profile/create", me.Access, map[string]any{"user_id": me.ID, "timezone": "UTC",
		"working_hours": map[string]any{"start": "09:00", "end": "17:00"}, "working_days": []int{1, 2, 3, 4, 5}})
	if res.StatusCode != 201 {
		t.Fatalf("profile: %d %s", res.StatusCode, body)
	}
	// Idle: low.
	res, body = b.do("POST", "/api/burnout/analyze", me.Access, map[string]any{"user_id": me.ID})
	idle := decode[struct {
		ID, Level string
		Score     float64
		Trend     struct{ Direction string }
	}](t, body)
	if res.StatusCode != 200 || idle.Level != "low" || idle.ID == "" || idle.Trend.Direction != "new" {
		t.Fatalf("idle analysis: %d %s", res.StatusCode, body)
	}
	// Pile on work due within three days.
	now := time.Now().UTC()
	for i := range 8 {
		b.createTask(me, map[string]any{"title": "Deliverable " + string(rune('A'+i)), "estimated_hours": 9,
			"deadline": now.Add(time.Duration(48+i) * time.Hour).Format(time.RFC3339), "can_delegate": i%2 == 0, "priority": "low"})
	}
	for i := range 3 {
		b.createTask(me, map[string]any{"title": "Overdue thing " + string(rune('A'+i)), "estimated_hours": 2,
			"deadline": now.Add(-time.Duration(72+24*i) * time.Hour).Format(time.RFC3339), "priority": "urgent"})
	}
	res, body = b.do("POST", "/api/burnout/analyze", me.Access, map[string]any{"user_id": me.ID})
	type analysisT struct {
		ID, Level string
		Score     float64
		Factors   []struct {
			Name         string
			Contribution float64
		}
		Trend    struct{ Direction string }
		Forecast []struct{ Date string }
	}
	a := decode[analysisT](t, body)
	if res.StatusCode != 200 || (a.Level != "high" && a.Level != "critical") || a.Trend.Direction != "rising" || len(a.Forecast) != 14 {
		t.Fatalf("loaded analysis: %d %s", res.StatusCode, body)
	}
	var sum float64
	for _, f := range a.Factors {
		sum += f.Contribution
	}
	if d := sum - a.Score; d > 0.051 || d < -0.051 {
		t.Fatalf("factors sum to %.1f, score %.1f", sum, a.Score)
	}
	res, body = b.do("GET", "/api/burnout/status/"+me.ID, me.Access, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"id":"`+a.ID+`"`) {
		t.Fatalf("status: %d %s", res.StatusCode, body)
	}
	res, body = b.do("GET", "/api/burnout/history/"+me.ID+"?limit=10", me.Access, nil)
	hist := decode[struct{ Analyses []struct{ ID string } }](t, body)
	if res.StatusCode != 200 || len(hist.Analyses) != 2 || hist.Analyses[0].ID != a.ID {
		t.Fatalf("history: %d %s", res.StatusCode, body)
	}

	// Metrics: per day and week.
	res, body = b.do("GET", "/api/workload/metrics/"+me.ID+"?days=21", me.Access, nil)
	m := decode[struct {
		Days []struct {
			PlannedHours float64 `json:"planned_hours"`
		}
		Weeks   []struct{ Week string }
		Overdue struct{ Count int }
		Totals  struct {
			PlannedHours float64 `json:"planned_hours"`
		}
	}](t, body)
	if res.StatusCode != 200 || len(m.Days) != 21 || len(m.Weeks) < 3 || m.Overdue.Count != 3 || m.Totals.PlannedHours < 77.9 {
		t.Fatalf("metrics: %d %s", res.StatusCode, body)
	}
	res, body = b.do("POST", "/api/workload/calculate", me.Access, map[string]any{"user_id": me.ID, "days": 7})
	if res.StatusCode != 200 || !strings.Contains(string(body), `"behavior":{`) {
		t.Fatalf("calculate: %d %s", res.StatusCode, body)
	}

	// Recommendations, then dismiss one: it never comes back.
	res, body = b.do("POST", "/api/recommendations/generate", me.Access, map[string]any{"user_id": me.ID})
	type recT struct {
		ID, Kind, Title, Explanation string
		Tasks                        []struct{ ID, Title string }
		HoursFreed                   float64 `json:"hours_freed"`
	}
	plan := decode[struct {
		Recommendations []recT
		Before          float64 `json:"excess_hours_before"`
		After           float64 `json:"excess_hours_after"`
	}](t, body)
	if res.StatusCode != 200 || len(plan.Recommendations) == 0 || plan.After >= plan.Before {
		t.Fatalf("generate: %d %s", res.StatusCode, body)
	}
	var delegate *recT
	for i, r := range plan.Recommendations {
		if r.ID == "" || r.Title == "" || r.Explanation == "" {
			t.Fatalf("incomplete: %+v", r)
		}
		if r.Kind == "delegate" && delegate == nil {
			delegate = &plan.Recommendations[i]
		}
	}
	if delegate == nil || len(delegate.Tasks) != 1 || delegate.HoursFreed != 9 {
		t.Fatalf("no delegation of a 9 h delegable task: %s", body)
	}
	res, body = b.do("GET", "/api/recommendations/"+me.ID, me.Access, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), delegate.ID) {
		t.Fatalf("list: %d %s", res.StatusCode, body)
	}
	// Another user's recommendation is not found; bad actions are 400.
	runScenarios(t, b, me, other, nil, []scenario{
		{name: "feedback on another's", method: "POST", path: "/api/recommendations/feedback", token: "other", body: map[string]any{"recommendation_id": delegate.ID, "action": "dismissed"}, status: 404, errCode: "not_found"},
		{name: "bad action", method: "POST", path: "/api/recommendations/feedback", token: "me", body: map[string]any{"recommendation_id": delegate.ID, "action": "maybe"}, status: 400, errField: "action"},
		{name: "helpful not a bool", method: "POST", path: "/api/recommendations/feedback", token: "me", body: map[string]any{"recommendation_id": delegate.ID, "action": "accepted", "helpful": "yes"}, status: 400, errField: "helpful"},
		{name: "generate for another", method: "POST", path: "/api/recommendations/generate", token: "me", body: map[string]any{"user_id": other.ID}, status: 403},
		{name: "analyze for another", method: "POST", path: "/api/burnout/analyze", token: "me", body: map[string]any{"user_id": other.ID}, status: 403},
		{name: "analyze without user", method: "POST", path: "/api/burnout/analyze", token: "me", body: map[string]any{}, status: 400, errField: "user_id"},
		{name: "metrics of another", method: "GET", path: "/api/workload/metrics/" + other.ID, token: "me", status: 403},
		{name: "metrics bad days", method: "GET", path: "/api/workload/metrics/" + me.ID + "?days=400", token: "me", status: 400, errField: "days"},
		{name: "metrics bad start", method: "GET", path: "/api/workload/metrics/" + me.ID + "?start=tomorrow", token: "me", status: 400, errField: "start"},
		{name: "metrics unknown param", method: "GET", path: "/api/workload/metrics/" + me.ID + "?window=3", token: "me", status: 400, errField: "window"},
		{name: "calculate zero days", method: "POST", path: "/api/workload/calculate", token: "me", body: map[string]any{"user_id": me.ID, "days": 0}, status: 400, errField: "days"},
		{name: "history bad limit", method: "GET", path: "/api/burnout/history/" + me.ID + "?limit=x", token: "me", status: 400, errField: "limit"},
		{name: "negative estimate", method: "POST", path: "/api/tasks/" + me.ID, token: "me", body: map[string]any{"title": "x", "estimated_hours": -1}, status: 400, errField: "estimated_hours"},
		{name: "meeting ends first", method: "POST", path: "/api/tasks/" + me.ID, token: "me", body: map[string]any{"title": "x", "task_type": "meeting",
			"start_time": "2026-03-02T10:00:00Z", "end_time": "2026-03-02T09:00:00Z"}, status: 400, errField: "end_time"},
	})
	// Accepting and then taking it back (the user undid the change) leaves
	// it open, unanswered.
	res, body = b.do("POST", "/api/recommendations/feedback", me.Access, map[string]any{"recommendation_id": delegate.ID, "action": "accepted"})
	if res.StatusCode != 200 || !strings.Contains(string(body), `"status":"accepted"`) {
		t.Fatalf("accept: %d %s", res.StatusCode, body)
	}
	res, body = b.do("POST", "/api/recommendations/feedback", me.Access, map[string]any{"recommendation_id": delegate.ID, "action": "open", "helpful": true})
	if res.StatusCode != 400 || !strings.Contains(string(body), `"field":"helpful"`) {
		t.Fatalf("open with a rating: %d %s", res.StatusCode, body)
	}
	res, body = b.do("POST", "/api/recommendations/feedback", me.Access, map[string]any{"recommendation_id": delegate.ID, "action": "open"})
	if res.StatusCode != 200 || !strings.Contains(string(body), `"status":"open"`) || !strings.Contains(string(body), `"feedback_at":null`) {
		t.Fatalf("take back: %d %s", res.StatusCode, body)
	}
	res, body = b.do("GET", "/api/recommendations/"+me.ID, me.Access, nil)
	if !strings.Contains(string(body), delegate.ID) {
		t.Fatalf("taken-back recommendation not listed as open: %s", body)
	}
	res, body = b.do("POST", "/api/recommendations/feedback", me.Access, map[string]any{"recommendation_id": delegate.ID, "action": "dismissed", "helpful": false})
	if res.StatusCode != 200 || !strings.Contains(string(body), `"status":"dismissed"`) || !strings.Contains(string(body), `"helpful":false`) {
		t.Fatalf("feedback: %d %s", res.StatusCode, body)
	}
	res, body = b.do("POST", "/api/recommendations/generate", me.Access, map[string]any{"user_id": me.ID})
	next := decode[struct {
		Recommendations []recT
		Weights         map[string]float64 `json:"learned_weights"`
	}](t, body)
	for _, r := range next.Recommendations {
		if r.Kind == "delegate" && r.Tasks[0].ID == delegate.Tasks[0].ID {
			t.Fatalf("dismissed delegation suggested again: %s", body)
		}
	}
	if next.Weights["delegate"] >= 1 {
		t.Fatalf("delegate weight not lowered: %v", next.Weights)
	}
}

func TestCheckIn(t *testing.T) {
	b := newBackend(t, false)
	me, other := b.signUp("feel@example.com"), b.signUp("peer@example.com")
	runScenarios(t, b, me, other, nil, []scenario{
		{name: "questionnaire", method: "GET", path: "/api/burnout/questionnaire", token: "me", status: 200, contains: []string{"emotionally exhausting", `"reversed":true`}},
		{name: "cbi and note", method: "POST", path: "/api/burnout/feedback", token: "me", body: map[string]any{"user_id": me.ID,
			"cbi_answers": []any{1, 2, 2, 1, 2, nil, 4}, "checkin": "Completely exhausted, drowning in deadlines."}, status: 201,
			contains: []string{`"kind":"cbi"`, `"cbi_score":83.3`, `"tone_label":"negative"`, `"tone_engine":"lexicon"`}},
		{name: "note only", method: "POST", path: "/api/burnout/feedback", token: "me", body: map[string]any{"user_id": me.ID, "checkin": "Rested and calm today."}, status: 201,
			contains: []string{`"kind":"checkin"`, `"tone_label":"positive"`, `"cbi_score":null`}},
		{name: "nothing", method: "POST", path: "/api/burnout/feedback", token: "me", body: map[string]any{"user_id": me.ID}, status: 400, errField: "cbi_answers"},
		{name: "six answers", method: "POST", path: "/api/burnout/feedback", token: "me", body: map[string]any{"user_id": me.ID, "cbi_answers": []int{1, 2, 3, 4, 5, 1}}, status: 400, errField: "cbi_answers"},
		{name: "answer 6", method: "POST", path: "/api/burnout/feedback", token: "me", body: map[string]any{"user_id": me.ID, "cbi_answers": []int{6, 2, 3, 4, 5, 1, 1}}, status: 400, errField: "cbi_answers"},
		{name: "answers as words", method: "POST", path: "/api/burnout/feedback", token: "me", body: map[string]any{"user_id": me.ID, "cbi_answers": []string{"always"}}, status: 400, errField: "cbi_answers"},
		{name: "for another", method: "POST", path: "/api/burnout/feedback", token: "me", body: map[string]any{"user_id": other.ID, "checkin": "hi"}, status: 403},
	})
	// The questionnaire feeds the next analysis.
	_, body := b.do("POST", "/api/burnout/analyze", me.Access, map[string]any{"user_id": me.ID})
	if !strings.Contains(string(body), `"name":"cbi_work","value":83.3`) {
		t.Fatalf("analysis ignores the check-in: %s", body)
	}
	var n int
	if err := b.queryRow(`SELECT count(*) FROM qualitative_data WHERE user_id = ? AND sentiment IS NOT NULL`, me.ID).Scan(&n); err != nil || n != 2 {
		t.Fatalf("qualitative_data rows with a tone: %d, %v", n, err)
	}
}

// Changing tasks recalculates the status in the background, debounced.
func TestTaskChangesRecalculateTheStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the debounce")
	}
	b := newBackend(t, false)
	me := b.signUp("live@example.com")
	res, body := b.do("GET", "/api/burnout/status/"+me.ID, me.Access, nil)
	first := decode[struct {
		ID    string
		Score float64
	}](t, body)
	if res.StatusCode != 200 || first.Score != 0 {
		t.Fatalf("first status: %d %s", res.StatusCode, body)
	}
	due := time.Now().UTC().Add(30 * time.Hour).Format(time.RFC3339)
	for i := range 6 {
		b.createTask(me, map[string]any{"title": "Rush " + string(rune('A'+i)), "estimated_hours": 12, "deadline": due})
	}
	jobtest.Wait(t, "status recalculated after task changes", func() (bool, string) {
		_, body = b.do("GET", "/api/burnout/status/"+me.ID, me.Access, nil)
		cur := decode[struct {
			Score   float64
			Trigger string
		}](t, body)
		return cur.Score > 20 && cur.Trigger == "auto", string(body)
	})
	// One burst of six creations is one recalculation: one auto analysis today.
	var n int
	if err := b.queryRow(`SELECT count(*) FROM burnout_analyses WHERE user_id = ?`, me.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("analyses: %d, %v (auto runs of a day replace each other)", n, err)
	}
	// Tasks found by extraction count too.
	_, body = b.do("GET", "/api/burnout/status/"+me.ID, me.Access, nil)
	before := decode[struct {
		AnalyzedAt time.Time `json:"analyzed_at"`
	}](t, body).AnalyzedAt
	res, body = b.do("POST", "/api/extract/text", me.Access, map[string]any{"text": "Bob will send the budget report by Friday. I need to review the contract tomorrow."})
	if res.StatusCode >= 300 {
		t.Fatalf("extract: %d %s", res.StatusCode, body)
	}
	jobtest.Wait(t, "status recalculated after extraction", func() (bool, string) {
		_, body = b.do("GET", "/api/burnout/status/"+me.ID, me.Access, nil)
		cur := decode[struct {
			AnalyzedAt time.Time `json:"analyzed_at"`
		}](t, body)
		return cur.AnalyzedAt.After(before), string(body)
	})
}

// With a local model configured, it rates the tone of notes; when its
// answer is unusable the lexicon takes over.
func TestCheckInToneFromTheLocalModel(t *testing.T) {
	b, llm := newLLMBackend(t, `{"tone": -0.5}`)
	me := b.signUp("model@example.com")
	res, body := b.do("POST", "/api/burnout/feedback", me.Access, map[string]any{"user_id": me.ID, "checkin": "Long week, but fine."})
	if res.StatusCode != 201 || !strings.Contains(string(body), `"tone":-0.5`) || !strings.Contains(string(body), `"tone_engine":"ollama:llama3.1:8b"`) {
		t.Fatalf("model tone: %d %s", res.StatusCode, body)
	}
	reqs := llm.Requests()
	if len(reqs) != 1 || reqs[0]["format"] == nil {
		t.Fatalf("requests to the model: %v", reqs)
	}
	llm.Chat = func(map[string]any) string { return "I think the tone is fine." }
	res, body = b.do("POST", "/api/burnout/feedback", me.Access, map[string]any{"user_id": me.ID, "checkin": "Exhausted and overwhelmed."})
	if res.StatusCode != 201 || !strings.Contains(string(body), `"tone_engine":"lexicon"`) || !strings.Contains(string(body), `"tone_label":"negative"`) {
		t.Fatalf("fallback: %d %s", res.StatusCode, body)
	}
}
