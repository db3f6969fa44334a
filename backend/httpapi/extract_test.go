package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/jobtest"
	"sentry/backend/ollama/ollamatest"
)

// newLLMBackend is a backend whose model server is the Ollama stand-in,
// answering every chat with the given tasks JSON.
func newLLMBackend(t *testing.T, answer string) (*testBackend, *ollamatest.Server) {
	t.Helper()
	llm := ollamatest.Start(t, "llama3.1:8b")
	llm.Chat = func(map[string]any) string { return answer }
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.OllamaHost = llm.URL
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &testBackend{t: t, app: a, srv: srv}, llm
}

const memo = "Alice: Bob, please write the changelog by Wednesday.\nBob: OK. I'll also book the demo room."

const answer = `{"tasks":[
 {"title":"Write the changelog","assignee":"Bob","due":"2026-03-04","type":"task","priority":"high","quote":"Bob, please write the changelog by Wednesday."},
 {"title":"Book the demo room","assignee":"Bob","due":null,"type":"task","priority":null,"quote":"I'll also book the demo room."}]}`

type runJSON struct {
	ID     string `json:"extraction_id"`
	Status string `json:"status"`
	Engine string `json:"engine"`
	Error  string `json:"error"`
	Tasks  []struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Status      string `json:"status"`
		TaskID      string `json:"task_id"`
		DuplicateOf string `json:"duplicate_of"`
		Evidence    struct {
			Sentence   string `json:"sentence"`
			Start, End int
		} `json:"evidence"`
	} `json:"tasks"`
}

func decodeRun(t testing.TB, body []byte) runJSON {
	t.Helper()
	var r runJSON
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return r
}

func TestExtractTextCreatesTasksWithEvidence(t *testing.T) {
	b, _ := newLLMBackend(t, answer)
	acc := b.signUp("extract@example.com")
	res, body := b.do("POST", "/api/extract/text", acc.Access, map[string]any{"text": memo, "now": "2026-03-02T09:00:00-05:00", "kind": "meeting_transcript"})
	if res.StatusCode != 201 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	run := decodeRun(t, body)
	if run.Status != "done" || run.Engine != "ollama" || len(run.Tasks) != 2 {
		t.Fatalf("run %+v", run)
	}
	for _, it := range run.Tasks {
		if it.Status != "created" || it.TaskID == "" || memo[it.Evidence.Start:it.Evidence.End] != it.Evidence.Sentence {
			t.Fatalf("item %+v", it)
		}
	}
	_, list := b.do("GET", "/api/tasks/"+acc.ID+"?source=extracted_text", acc.Access, nil)
	if !strings.Contains(string(list), "Write the changelog") || !strings.Contains(string(list), `"source":"extracted_text"`) {
		t.Fatalf("tasks: %s", list)
	}
	if !strings.Contains(string(list), `"sentence":"Bob, please write the changelog by Wednesday."`) || !strings.Contains(string(list), `"priority":"high"`) {
		t.Fatalf("tasks lack evidence or priority: %s", list)
	}
	// The same memo again: both flagged as duplicates, nothing inserted twice.
	_, body = b.do("POST", "/api/extract/text", acc.Access, map[string]any{"text": memo})
	again := decodeRun(t, body)
	for _, it := range again.Tasks {
		if it.Status != "duplicate" || it.DuplicateOf == "" {
			t.Fatalf("second run item %+v", it)
		}
	}
	_, list = b.do("GET", "/api/tasks/"+acc.ID, acc.Access, nil)
	if n := strings.Count(string(list), `"title":"Write the changelog"`); n != 1 {
		t.Fatalf("%d copies of the task", n)
	}
	// History and ownership.
	_, hist := b.do("GET", "/api/extraction/history/"+acc.ID, acc.Access, nil)
	if strings.Count(string(hist), `"extraction_id"`) != 2 {
		t.Fatalf("history: %s", hist)
	}
	// A pasted text's run is titled by its start.
	if strings.Count(string(hist), `"preview":"Alice: Bob, please write the changelog by Wednesday. Bob…"`) != 2 {
		t.Fatalf("history previews: %s", hist)
	}
	other := b.signUp("peek@example.com")
	if res, _ := b.do("GET", "/api/extraction/"+run.ID, other.Access, nil); res.StatusCode != 404 {
		t.Fatalf("another user's run: %d", res.StatusCode)
	}
}

func TestExtractReviewDrafts(t *testing.T) {
	b, _ := newLLMBackend(t, answer)
	acc := b.signUp("review@example.com")
	_, body := b.do("POST", "/api/extract/text?review=true", acc.Access, map[string]any{"text": memo, "timezone": "America/New_York"})
	run := decodeRun(t, body)
	if len(run.Tasks) != 2 || run.Tasks[0].Status != "draft" || run.Tasks[0].TaskID != "" {
		t.Fatalf("drafts: %s", body)
	}
	_, list := b.do("GET", "/api/tasks/"+acc.ID, acc.Access, nil)
	if strings.Contains(string(list), "changelog") {
		t.Fatal("a draft was saved before review")
	}
	res, body := b.do("POST", "/api/extraction/"+run.ID+"/items/"+run.Tasks[0].ID+"/accept", acc.Access, map[string]any{"title": "Write the release changelog"})
	if res.StatusCode != 200 || !strings.Contains(string(body), `"title":"Write the release changelog"`) {
		t.Fatalf("accept: %d %s", res.StatusCode, body)
	}
	res, _ = b.do("POST", "/api/extraction/"+run.ID+"/items/"+run.Tasks[1].ID+"/reject", acc.Access, nil)
	if res.StatusCode != 200 {
		t.Fatalf("reject: %d", res.StatusCode)
	}
	if res, _ := b.do("POST", "/api/extraction/"+run.ID+"/items/"+run.Tasks[1].ID+"/accept", acc.Access, nil); res.StatusCode != 409 {
		t.Fatalf("accept after reject: %d", res.StatusCode)
	}
	_, list = b.do("GET", "/api/tasks/"+acc.ID, acc.Access, nil)
	if !strings.Contains(string(list), "Write the release changelog") || strings.Contains(string(list), "demo room") {
		t.Fatalf("after review: %s", list)
	}
}

func TestExtractDraftTakesAssigneeAndType(t *testing.T) {
	b, _ := newLLMBackend(t, answer)
	acc := b.signUp("assign@example.com")
	_, body := b.do("POST", "/api/extract/text?review=true", acc.Access, map[string]any{"text": memo, "timezone": "America/New_York"})
	run := decodeRun(t, body)
	res, body := b.do("POST", "/api/extraction/"+run.ID+"/items/"+run.Tasks[0].ID+"/accept", acc.Access, map[string]any{
		"task_type": "meeting", "start_time": "2026-03-04T14:00:00Z", "end_time": "2026-03-04T15:00:00Z", "tags": []string{"assignee:Ana"}})
	if res.StatusCode != 200 {
		t.Fatalf("accept: %d %s", res.StatusCode, body)
	}
	if !strings.Contains(string(body), `"assignee":"Ana","due":"2026-03-04T14:00:00Z","due_text":"2026-03-04","type":"meeting"`) {
		t.Fatalf("accepted item: %s", body)
	}
	_, list := b.do("GET", "/api/tasks/"+acc.ID, acc.Access, nil)
	if !strings.Contains(string(list), `"assignee:Ana"`) || !strings.Contains(string(list), `"task_type":"meeting"`) {
		t.Fatalf("saved task: %s", list)
	}
}

func TestExtractLongTextRunsInBackground(t *testing.T) {
	b, _ := newLLMBackend(t, answer)
	acc := b.signUp("long@example.com")
	long := strings.Repeat(memo+"\n", 800)
	res, body := b.do("POST", "/api/extract/text", acc.Access, map[string]any{"text": long})
	if res.StatusCode != 202 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	run := decodeRun(t, body)
	jobtest.Wait(t, "long text extracted", func() (bool, string) {
		if run.Status == "failed" {
			t.Fatalf("run %+v", run)
		}
		if run.Status == "done" {
			return true, ""
		}
		_, body = b.do("GET", "/api/extraction/"+run.ID, acc.Access, nil)
		run = decodeRun(t, body)
		return run.Status == "done", string(body)
	})
	if len(run.Tasks) != 2 {
		t.Fatalf("merged tasks: %d", len(run.Tasks))
	}
	if res, _ := b.do("DELETE", "/api/extraction/"+run.ID, acc.Access, nil); res.StatusCode != 409 {
		t.Fatalf("cancel a finished run: %d", res.StatusCode)
	}
}

func TestExtractFallsBackToRulesWithoutModel(t *testing.T) {
	b, llm := newLLMBackend(t, answer)
	llm.Models = nil // the server runs, but the model was never pulled
	acc := b.signUp("nomodel@example.com")
	_, body := b.do("POST", "/api/extract/text", acc.Access, map[string]any{"text": memo})
	if run := decodeRun(t, body); run.Engine != "rules" || run.Status != "done" {
		t.Fatalf("run %+v", run)
	}
	_, h := b.do("GET", "/health", "", nil)
	if !strings.Contains(string(h), `"model missing"`) {
		t.Fatalf("health: %s", h)
	}
}

func TestExtractTextValidation(t *testing.T) {
	b, _ := newLLMBackend(t, answer)
	acc := b.signUp("bad@example.com")
	runScenarios(t, b, acc, acc, nil, []scenario{
		{name: "no text", method: "POST", path: "/api/extract/text", token: "me", body: map[string]any{}, status: 400, errField: "text"},
		{name: "blank text", method: "POST", path: "/api/extract/text", token: "me", body: map[string]any{"text": "  "}, status: 400, errField: "text"},
		{name: "bad zone", method: "POST", path: "/api/extract/text", token: "me", body: map[string]any{"text": "x", "timezone": "Mars/Olympus"}, status: 400, errField: "timezone"},
		{name: "bad now", method: "POST", path: "/api/extract/text", token: "me", body: map[string]any{"text": "x", "now": "yesterday"}, status: 400, errField: "now"},
		{name: "bad kind", method: "POST", path: "/api/extract/text", token: "me", body: map[string]any{"text": "x", "kind": "poem"}, status: 400, errField: "kind"},
		{name: "bad engine", method: "POST", path: "/api/extract/text", token: "me", body: map[string]any{"text": "x", "engine": "gpt"}, status: 400, errField: "engine"},
		{name: "unknown field", method: "POST", path: "/api/extract/text", token: "me", body: map[string]any{"text": "x", "lang": "en"}, status: 400, errField: "lang"},
		{name: "too large", method: "POST", path: "/api/extract/text", token: "me", body: map[string]any{"text": strings.Repeat("a", 3<<20)}, status: 413},
		{name: "unknown run", method: "GET", path: "/api/extraction/nope", token: "me", status: 404},
	})
}
