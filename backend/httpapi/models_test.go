package httpapi_test

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"sentry/backend/config"
	"sentry/backend/ollama/ollamatest"
)

// newModelsBackend is a desktop or server backend on the model server
// stand-in, with its local session (desktop) or a signed-up account.
func newModelsBackend(t *testing.T, desktop bool, models ...string) (*testBackend, *ollamatest.Server, account) {
	t.Helper()
	llm := ollamatest.Start(t, models...)
	llm.Chat = func(map[string]any) string { return answer }
	b := newBackendWith(t, desktop, func(c *config.Config) { c.OllamaHost = llm.URL })
	if !desktop {
		return b, llm, b.signUp("models@example.com")
	}
	return b, llm, localAccount(t, b)
}

func localAccount(t *testing.T, b *testBackend) account {
	t.Helper()
	res, body := b.do("POST", "/api/auth/local-session", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("local session: %d %s", res.StatusCode, body)
	}
	var s struct {
		A    string              `json:"access_token"`
		User struct{ ID string } `json:"user"`
	}
	_ = json.Unmarshal(body, &s)
	return account{ID: s.User.ID, Access: s.A}
}

type modelsJSON struct {
	Running bool   `json:"running"`
	Version string `json:"version"`
	Problem string `json:"problem"`
	Models  []struct {
		Name string `json:"name"`
		Size int64  `json:"size"`
	} `json:"models"`
	Chosen          map[string]string `json:"chosen"`
	Editable        bool              `json:"editable"`
	Pull            *pullJSON         `json:"pull"`
	EmbeddingsInUse string            `json:"embeddings_in_use"`
	EmbeddingsApply string            `json:"embeddings_apply"`
	Shared          bool              `json:"shared"`
	Reembedding     *struct {
		Model string `json:"model"`
		State string `json:"state"`
		Done  int    `json:"done"`
		Total int    `json:"total"`
	} `json:"reembedding"`
}

type pullJSON struct {
	Model     string  `json:"model"`
	State     string  `json:"state"`
	Completed int64   `json:"completed"`
	Total     int64   `json:"total"`
	Progress  float64 `json:"progress"`
	Error     string  `json:"error"`
}

func getModels(t *testing.T, b *testBackend, acc account) modelsJSON {
	t.Helper()
	res, body := b.do("GET", "/api/settings/models", acc.Access, nil)
	if res.StatusCode != 200 {
		t.Fatalf("models: %d %s", res.StatusCode, body)
	}
	var m modelsJSON
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestModelsListPullAndChoose(t *testing.T) {
	b, llm, me := newModelsBackend(t, true, "llama3.1:8b", "nomic-embed-text:latest")
	llm.Sizes["llama3.1:8b"] = 4_920_753_328
	llm.Library["qwen2.5:7b"] = 4_683_087_332
	llm.PullHold = make(chan struct{})

	m := getModels(t, b, me)
	if !m.Running || m.Version != "0.0.0-standin" || !m.Editable || len(m.Models) != 2 || m.Models[0].Name != "llama3.1:8b" || m.Models[0].Size != 4_920_753_328 {
		t.Fatalf("status: %+v", m)
	}
	if m.Chosen["extraction"] != "llama3.1:8b" || m.Chosen["embeddings"] != "nomic-embed-text" || m.EmbeddingsInUse != "nomic-embed-text" {
		t.Fatalf("the configured models are in use: %+v, notebooks embed with %q", m.Chosen, m.EmbeddingsInUse)
	}

	// Pull: 202 at once, then the progress, then installed.
	res, body := b.do("POST", "/api/settings/models/pull", me.Access, map[string]any{"model": "qwen2.5:7b"})
	if res.StatusCode != 202 || !strings.Contains(string(body), `"state":"pulling"`) {
		t.Fatalf("start pull: %d %s", res.StatusCode, body)
	}
	if res, body := b.do("POST", "/api/settings/models/pull", me.Access, map[string]any{"model": "llama3.2:1b"}); res.StatusCode != 409 {
		t.Fatalf("a second pull at once: %d %s", res.StatusCode, body)
	}
	close(llm.PullHold)
	b.app.LanguageModels.WaitPull(context.Background())
	res, body = b.do("GET", "/api/settings/models/pull", me.Access, nil)
	var p pullJSON
	_ = json.Unmarshal(body, &p)
	if res.StatusCode != 200 || p.State != "done" || p.Progress != 1 || p.Total != 4_683_087_332 || p.Completed != p.Total {
		t.Fatalf("pull after the end: %d %s", res.StatusCode, body)
	}
	if m := getModels(t, b, me); len(m.Models) != 3 || m.Models[2].Name != "qwen2.5:7b" || m.Models[2].Size != 4_683_087_332 {
		t.Fatalf("the pulled model is not listed: %+v", m.Models)
	}

	// Choose it for extraction: the next extraction asks that model.
	res, body = b.do("PUT", "/api/settings/models", me.Access, map[string]any{"extraction": "qwen2.5:7b"})
	if res.StatusCode != 200 || !strings.Contains(string(body), `"extraction":"qwen2.5:7b"`) {
		t.Fatalf("choose: %d %s", res.StatusCode, body)
	}
	before := len(llm.Requests())
	res, body = b.do("POST", "/api/extract/text", me.Access, map[string]any{"text": memo})
	if run := decodeRun(t, body); res.StatusCode != 201 || run.Engine != "ollama" || len(run.Tasks) != 2 {
		t.Fatalf("extract: %d %s", res.StatusCode, body)
	}
	reqs := llm.Requests()
	if len(reqs) <= before || reqs[len(reqs)-1]["model"] != "qwen2.5:7b" {
		t.Fatalf("extraction did not use the chosen model: %v", reqs[len(reqs)-1]["model"])
	}
	// A field left out keeps its choice; "" goes back to the default.
	if res, body := b.do("PUT", "/api/settings/models", me.Access, map[string]any{"answers": "qwen2.5:7b"}); res.StatusCode != 200 ||
		!strings.Contains(string(body), `"extraction":"qwen2.5:7b"`) || !strings.Contains(string(body), `"answers":"qwen2.5:7b"`) {
		t.Fatalf("choose answers: %d %s", res.StatusCode, body)
	}
	if res, body := b.do("PUT", "/api/settings/models", me.Access, map[string]any{"extraction": ""}); res.StatusCode != 200 ||
		!strings.Contains(string(body), `"extraction":"llama3.1:8b"`) {
		t.Fatalf("back to the default: %d %s", res.StatusCode, body)
	}
}

func TestModelsCancelAPull(t *testing.T) {
	b, llm, me := newModelsBackend(t, true)
	llm.Library["llama3.2:1b"] = 1000
	llm.PullHold = make(chan struct{}) // never closed
	if res, body := b.do("DELETE", "/api/settings/models/pull", me.Access, nil); res.StatusCode != 404 {
		t.Fatalf("cancel with nothing running: %d %s", res.StatusCode, body)
	}
	if res, body := b.do("GET", "/api/settings/models/pull", me.Access, nil); res.StatusCode != 404 {
		t.Fatalf("progress of no pull: %d %s", res.StatusCode, body)
	}
	if res, body := b.do("POST", "/api/settings/models/pull", me.Access, map[string]any{"model": "llama3.2:1b"}); res.StatusCode != 202 {
		t.Fatalf("start: %d %s", res.StatusCode, body)
	}
	if res, body := b.do("DELETE", "/api/settings/models/pull", me.Access, nil); res.StatusCode != 204 {
		t.Fatalf("cancel: %d %s", res.StatusCode, body)
	}
	_, body := b.do("GET", "/api/settings/models/pull", me.Access, nil)
	if !strings.Contains(string(body), `"state":"cancelled"`) || len(llm.Installed()) != 0 {
		t.Fatalf("after cancel: %s, installed %v", body, llm.Installed())
	}
}

func TestModelsBadInputIsA4xx(t *testing.T) {
	b, _, me := newModelsBackend(t, true, "llama3.1:8b", "nomic-embed-text:latest")
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"not installed", "PUT", "/api/settings/models", map[string]any{"extraction": "mistral:7b"}, 400, "extraction"},
		{"cannot embed", "PUT", "/api/settings/models", map[string]any{"embeddings": "llama3.1:8b"}, 400, "embeddings"},
		{"wrong type", "PUT", "/api/settings/models", map[string]any{"answers": 5}, 400, "answers"},
		{"unknown field", "PUT", "/api/settings/models", map[string]any{"vision": "llava"}, 400, "vision"},
		{"not JSON", "PUT", "/api/settings/models", "{", 400, ""},
		{"no name", "POST", "/api/settings/models/pull", map[string]any{"model": ""}, 400, "model"},
		{"bad name", "POST", "/api/settings/models/pull", map[string]any{"model": "../../etc/passwd"}, 400, "model"},
	} {
		res, body := b.do(tc.method, tc.path, me.Access, tc.body)
		if code, field := errorOf(t, body); res.StatusCode != tc.status || field != tc.field || code == "" {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body)
		}
	}
}

// On a team server the model server is the operator's: everyone signed in
// sees it, nobody changes it through the API.
func TestModelsOnAServerAreTheOperators(t *testing.T) {
	b, llm, me := newModelsBackend(t, false, "llama3.1:8b")
	llm.Library["llama3.2:1b"] = 1000
	m := getModels(t, b, me)
	if !m.Running || m.Editable || len(m.Models) != 1 {
		t.Fatalf("server status: %+v", m)
	}
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"PUT", "/api/settings/models", map[string]any{"extraction": "llama3.1:8b"}},
		{"POST", "/api/settings/models/pull", map[string]any{"model": "llama3.2:1b"}},
		{"DELETE", "/api/settings/models/pull", nil},
	} {
		res, body := b.do(c.method, c.path, me.Access, c.body)
		if code, _ := errorOf(t, body); res.StatusCode != 403 || code != "forbidden" {
			t.Fatalf("%s %s by a user: %d %s", c.method, c.path, res.StatusCode, body)
		}
	}
	if len(llm.Installed()) != 1 {
		t.Fatal("a user pulled a model onto the server")
	}
	for _, path := range []string{"/api/settings/models", "/api/settings/models/pull"} {
		if res, _ := b.do("GET", path, "", nil); res.StatusCode != 401 {
			t.Fatalf("GET %s without a token: %d", path, res.StatusCode)
		}
	}
}

func TestModelsServerDownNamesSettings(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	b := newBackendWith(t, true, func(c *config.Config) { c.OllamaHost = "http://" + addr })
	me := localAccount(t, b)
	m := getModels(t, b, me)
	if m.Running || m.Problem != "No language model is running. Open Settings → Models." || m.Models == nil {
		t.Fatalf("status with the server down: %+v", m)
	}
	res, body := b.do("POST", "/api/settings/models/pull", me.Access, map[string]any{"model": "llama3.2:1b"})
	if code, _ := errorOf(t, body); res.StatusCode != 503 || code != "unavailable" || !strings.Contains(string(body), "Open Settings → Models.") {
		t.Fatalf("pull with the server down: %d %s", res.StatusCode, body)
	}
	// Extraction still works, with the built-in rules.
	res, body = b.do("POST", "/api/extract/text", me.Access, map[string]any{"text": memo})
	if run := decodeRun(t, body); res.StatusCode != 201 || run.Engine != "rules" {
		t.Fatalf("extract with the server down: %d %s", res.StatusCode, body)
	}
}

// Answers in a notebook come from the model chosen for answers, at the
// moment of asking.
func TestModelsChosenForAnswersAnswerNotebookQuestions(t *testing.T) {
	b, llm, me := newModelsBackend(t, true, "nomic-embed-text", "llama3.1:8b", "qwen2.5:7b")
	llm.Chat = func(map[string]any) string { return "Carol reviews the contract by 12 May [1]." }
	if res, body := b.do("PUT", "/api/settings/models", me.Access, map[string]any{"answers": "qwen2.5:7b"}); res.StatusCode != 200 {
		t.Fatalf("choose: %d %s", res.StatusCode, body)
	}
	nb := b.createNotebook(me, "Contracts")
	if res, body := b.sendFile("/api/notebooks/"+nb+"/upload", me.Access, "c.txt", []byte("Carol must review the contract by 12 May.\n\nAlice sends the budget on Friday.")); res.StatusCode != 202 {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	b.waitIndexed(me, nb)
	res, body := b.do("POST", "/api/notebooks/"+nb+"/chat", me.Access, map[string]any{"query": "Who reviews the contract?"})
	var ans nbAnswer
	_ = json.Unmarshal(body, &ans)
	if res.StatusCode != 200 || ans.Engine != "ollama:qwen2.5:7b" {
		t.Fatalf("answer: %d %s", res.StatusCode, body)
	}
	reqs := llm.Requests()
	if reqs[len(reqs)-1]["model"] != "qwen2.5:7b" {
		t.Fatalf("the question went to %v", reqs[len(reqs)-1]["model"])
	}
}

// The models are the install's, shared by all its users. On a team
// server its administrators (config admins) choose and pull them once
// their email is confirmed: a plain user, or an account with an
// administrator's email that was never confirmed, is refused; what an
// administrator chooses is what everyone sees and uses.
func TestModelsOnAServerAreTheAdministrators(t *testing.T) {
	llm := ollamatest.Start(t, "llama3.1:8b", "qwen2.5:7b", "nomic-embed-text:latest")
	llm.Library["llama3.2:1b"] = 1000
	b, smtp := newMailBackend(t, func(c *config.Config) {
		c.OllamaHost = llm.URL
		c.Admins = []string{"Boss@Example.com"}
	})
	member := b.signUp("member@example.com")
	boss := b.signUp("boss@example.com")
	if m := getModels(t, b, boss); m.Editable || !m.Shared {
		t.Fatalf("an administrator's account before confirming its email: %+v", m)
	}
	if res, body := b.do("PUT", "/api/settings/models", boss.Access, map[string]any{"extraction": "qwen2.5:7b"}); res.StatusCode != 403 {
		t.Fatalf("an unconfirmed administrator chose: %d %s", res.StatusCode, body)
	}
	code := lastCode(t, b, smtp, "boss@example.com", "confirm")
	if res, body := b.do("POST", "/api/auth/verify-email", "", map[string]any{"email": "boss@example.com", "code": code}); res.StatusCode != 200 {
		t.Fatalf("confirm: %d %s", res.StatusCode, body)
	}
	if m := getModels(t, b, boss); !m.Editable || !m.Shared {
		t.Fatalf("the administrator may not change the models: %+v", m)
	}
	if m := getModels(t, b, member); m.Editable || !m.Shared {
		t.Fatalf("a plain user may change the models: %+v", m)
	}
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"PUT", "/api/settings/models", map[string]any{"extraction": "qwen2.5:7b"}},
		{"POST", "/api/settings/models/pull", map[string]any{"model": "llama3.2:1b"}},
		{"DELETE", "/api/settings/models/pull", nil},
	} {
		res, body := b.do(c.method, c.path, member.Access, c.body)
		if code, _ := errorOf(t, body); res.StatusCode != 403 || code != "forbidden" || !strings.Contains(string(body), "administrators") {
			t.Fatalf("%s %s by a user: %d %s", c.method, c.path, res.StatusCode, body)
		}
	}
	// The administrator's choice is everyone's: the member sees it, and the
	// member's extraction uses it.
	if res, body := b.do("PUT", "/api/settings/models", boss.Access, map[string]any{"extraction": "qwen2.5:7b"}); res.StatusCode != 200 {
		t.Fatalf("the administrator chooses: %d %s", res.StatusCode, body)
	}
	if m := getModels(t, b, member); m.Chosen["extraction"] != "qwen2.5:7b" {
		t.Fatalf("the member does not see the server's choice: %+v", m.Chosen)
	}
	res, body := b.do("POST", "/api/extract/text", member.Access, map[string]any{"text": memo})
	if run := decodeRun(t, body); res.StatusCode != 201 || run.Engine != "ollama" {
		t.Fatalf("extract: %d %s", res.StatusCode, body)
	}
	if reqs := llm.Requests(); reqs[len(reqs)-1]["model"] != "qwen2.5:7b" {
		t.Fatalf("the member's extraction used %v", reqs[len(reqs)-1]["model"])
	}
	if res, body := b.do("POST", "/api/settings/models/pull", boss.Access, map[string]any{"model": "llama3.2:1b"}); res.StatusCode != 202 {
		t.Fatalf("the administrator pulls: %d %s", res.StatusCode, body)
	}
	b.app.LanguageModels.WaitPull(context.Background())
	if len(llm.Installed()) != 4 {
		t.Fatalf("installed after the administrator's pull: %v", llm.Installed())
	}
}

// A new embedding model applies at once: the documents already indexed
// get its vectors in the background, with progress in the status, and
// the embedding model in use is the new one without a restart.
func TestModelsNewEmbeddingModelAppliesAtOnce(t *testing.T) {
	b, _, me := newModelsBackend(t, true, "llama3.1:8b", "nomic-embed-text:latest", "mxbai-embed-large:latest")
	nb := b.createNotebook(me, "Contracts")
	if res, body := b.sendFile("/api/notebooks/"+nb+"/upload", me.Access, "c.txt", []byte("Carol must review the contract by 12 May.\n\nAlice sends the budget on Friday.")); res.StatusCode != 202 {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	b.waitIndexed(me, nb)
	if m := getModels(t, b, me); m.EmbeddingsInUse != "nomic-embed-text" || m.EmbeddingsApply != "now" || m.Reembedding != nil {
		t.Fatalf("before: %+v", m)
	}
	if res, body := b.do("PUT", "/api/settings/models", me.Access, map[string]any{"embeddings": "mxbai-embed-large"}); res.StatusCode != 200 {
		t.Fatalf("choose: %d %s", res.StatusCode, body)
	}
	var m modelsJSON
	for range 500 {
		if m = getModels(t, b, me); m.Reembedding != nil && m.Reembedding.State == "done" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m.EmbeddingsInUse != "mxbai-embed-large" || m.Reembedding == nil || m.Reembedding.State != "done" || m.Reembedding.Done != 1 || m.Reembedding.Total != 1 {
		t.Fatalf("after the change: %+v %+v", m, m.Reembedding)
	}
	res, body := b.do("GET", "/api/notebooks/"+nb+"/documents", me.Access, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"model":"ollama:mxbai-embed-large"`) {
		t.Fatalf("the document's vectors: %d %s", res.StatusCode, body)
	}
}
