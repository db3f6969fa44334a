package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
)

// errorLog records every log line at ERROR or above.
type errorLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *errorLog) Enabled(_ context.Context, lvl slog.Level) bool { return lvl >= slog.LevelError }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	l.mu.Unlock()
	return nil
}
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

func (l *errorLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

// newLoggedBackend is a backend whose ERROR lines are recorded, with the
// per-user rate limit off so a long walk is not cut short by 429s.
func newLoggedBackend(t *testing.T) (*testBackend, *errorLog) {
	t.Helper()
	logs := &errorLog{}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.RateLimit = 0
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &testBackend{t: t, app: a, srv: srv}, logs
}

// hostileValues are what a careless or hostile client puts in a field:
// times that leave the calendar in UTC, huge and control-character
// strings, wrong types, and numbers no field can hold.
var hostileValues = map[string]any{
	"year 10000 in UTC":  "9999-12-31T23:59:59-23:59",
	"year 0":             "0000-01-01T00:00:00Z",
	"far offset":         "2026-01-01T00:00:00+99:99",
	"huge string":        strings.Repeat("x", 200_000),
	"controls and bidi":  "Pay \u0007\u001b[31mrent\u202e\u2066txt.exe",
	"NUL":                "a\u0000b",
	"invalid UTF-8":      "\xff\xfe",
	"number":             1e308,
	"negative":           -1,
	"huge integer":       json.Number("123456789012345678901234567890"),
	"bool":               true,
	"object":             map[string]any{"$where": "1"},
	"array of junk":      []any{nil, 1, "x", map[string]any{}},
	"null":               nil,
	"empty":              "",
	"path traversal":     "../../../../etc/passwd",
	"sql":                "'; DROP TABLE tasks; --",
	"deep object":        deepObject(200),
	"long array":         make([]int, 20_000),
	"zero-width spaces":  "\u200b\u200b\u200b",
	"emoji and combined": "👩‍👩‍👧‍👦e\u0301",
}

func deepObject(n int) any {
	var v any = "leaf"
	for i := 0; i < n; i++ {
		v = map[string]any{"a": v}
	}
	return v
}

// hostilePathValues replace a path parameter.
var hostilePathValues = []string{"not-an-id", strings.Repeat("9", 5000), "%00", "%E2%80%AE", "..%2F..%2Fetc", "00000000-0000-0000-0000-000000000000"}

// hostileQueryValues go into every documented query parameter.
var hostileQueryValues = []string{"9999-12-31T23:59:59-23:59", "-1", "0", "99999999999999999999", "abc", strings.Repeat("z", 20_000), "%00\u202e"}

// TestHostileInputs walks every route of the route table with bad input in
// every body field, query parameter and path parameter, with cut-off and
// malformed bodies and declared lengths over the limit, and fails on any
// 5xx, any non-JSON error from /api, and any ERROR log line. The account
// must still read back afterwards.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every route")
	}
	b, logs := newLoggedBackend(t)
	me := b.signUp("walker@example.com")
	task := b.createTask(me, map[string]any{"title": "Mine"})
	_, nbBody := b.do("POST", "/api/notebooks/create", me.Access, map[string]any{"name": "Mine"})
	var nb struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(nbBody, &nb)
	_, runBody := b.do("POST", "/api/extract/text", me.Access, map[string]any{"text": "Bob will send the report by Friday.", "review": true})
	var run struct {
		ID string `json:"extraction_id"`
	}
	_ = json.Unmarshal(runBody, &run)
	if nb.ID == "" || run.ID == "" {
		t.Fatalf("setup: notebook %s, run %s", nbBody, runBody)
	}
	own := strings.NewReplacer("{user_id}", me.ID, "{task_id}", task["id"].(string), "{notebook_id}", nb.ID,
		"{extraction_id}", run.ID, "{item_id}", "t1", "{provider}", "google", "{document_id}", "00000000-0000-0000-0000-000000000000",
		"{session_id}", "00000000-0000-0000-0000-000000000000", "{upload_id}", "00000000-0000-0000-0000-000000000000", "{page}", "1", "{sha256}", strings.Repeat("0", 64))

	schemas := requestSchemas(t, b)
	check := func(what string, res *http.Response, body []byte) {
		t.Helper()
		if res.StatusCode >= 500 {
			t.Errorf("%s: %d %.300s", what, res.StatusCode, body)
		}
		// An answer to HEAD has no body: its status is all there is.
		if res.StatusCode >= 400 && strings.HasPrefix(res.Request.URL.Path, "/api/") && res.Request.Method != http.MethodHead {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if json.Unmarshal(body, &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Errorf("%s: %d without a JSON error: %.300s", what, res.StatusCode, body)
			}
		}
		for _, l := range logs.take() {
			t.Errorf("%s: logged an error: %.400s", what, l)
		}
	}
	send := func(method, path, token string, body any) {
		t.Helper()
		res, out := b.do(method, path, token, body)
		check(method+" "+path, res, out)
	}

	for _, rt := range b.app.Server().Routes() {
		if rt.Method == "DELETE" && rt.Path == "/api/users/{user_id}" {
			continue // its body-less happy path deletes the walker; hostile ids below still reach it
		}
		key := rt.Method + " " + rt.Path
		path := own.Replace(rt.Path)
		// Path parameters: garbage in each.
		if strings.Contains(rt.Path, "{") {
			for _, v := range hostilePathValues {
				p := rt.Path
				for _, name := range []string{"{task_id}", "{notebook_id}", "{extraction_id}", "{document_id}", "{session_id}", "{upload_id}", "{item_id}", "{page}", "{provider}", "{sha256}"} {
					p = strings.ReplaceAll(p, name, v)
				}
				p = strings.ReplaceAll(p, "{user_id}", me.ID)
				if p != path {
					send(rt.Method, p, me.Access, nil)
				}
			}
		}
		// Query parameters.
		for _, q := range rt.Query {
			for _, v := range hostileQueryValues {
				send(rt.Method, path+"?"+url.QueryEscape(q.Name)+"="+url.QueryEscape(v), me.Access, nil)
			}
		}
		if rt.Method != "POST" && rt.Method != "PUT" {
			continue
		}
		if rt.Body == "Multipart" {
			continue // the upload suite covers multipart bodies
		}
		// Malformed bodies.
		for _, raw := range []string{`{"title": "a`, `[1,2,3]`, `"x"`, `{}`, `{"a":1,"a":2}`, `nul`, "\xff\xfe{}", strings.Repeat("[", 100_000)} {
			send(rt.Method, path, me.Access, raw)
		}
		// Each documented field, alone and beside a plausible title.
		for _, field := range schemas[rt.Body] {
			names := make([]string, 0, len(hostileValues))
			for n := range hostileValues {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				send(rt.Method, path, me.Access, map[string]any{field: hostileValues[n]})
				if field != "title" && strings.HasPrefix(rt.Path, "/api/tasks/") {
					send(rt.Method, path, me.Access, map[string]any{"title": "Plausible", field: hostileValues[n]})
				}
			}
		}
		// A body cut off mid-way, and a declared length over the limit.
		rawRequest(t, b, key, rt.Method, path, me.Access, 200, `{"title":"cut`, false, check)
		rawRequest(t, b, key, rt.Method, path, me.Access, 64<<20, `{"title":"big"}`, rt.Body != "", check)
	}

	// Nothing the walk sent left the account unreadable.
	for _, p := range []string{"/api/tasks/" + me.ID, "/api/tasks/" + me.ID + "/" + task["id"].(string), "/api/workload/metrics/" + me.ID,
		"/api/burnout/status/" + me.ID, "/api/recommendations/" + me.ID, "/api/notebooks", "/api/auth/me", "/api/activity/" + me.ID} {
		res, body := b.do("GET", p, me.Access, nil)
		if res.StatusCode != 200 {
			t.Errorf("after the walk, GET %s: %d %.300s", p, res.StatusCode, body)
		}
	}
	for _, l := range logs.take() {
		t.Errorf("after the walk: logged an error: %.400s", l)
	}
}

// rawRequest sends a request whose Content-Length is declared, not
// measured, then half-closes the connection: a cut-off body (declared >
// sent) must be a 4xx, a declared length over the limit a 413 answered
// without waiting for the body.
func rawRequest(t *testing.T, b *testBackend, key, method, path, token string, declared int, body string, want413 bool, check func(string, *http.Response, []byte)) {
	t.Helper()
	addr := strings.TrimPrefix(b.srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A generous bound only so a broken server fails the test instead of
	// hanging it; a correct one answers at once.
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		method, path, addr, token, declared, body)
	if declared <= 1<<20 {
		_ = conn.(*net.TCPConn).CloseWrite()
	}
	req, _ := http.NewRequest(method, b.srv.URL+path, nil)
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Errorf("%s with declared length %d: no response: %v", key, declared, err)
		return
	}
	defer res.Body.Close()
	out := make([]byte, 4096)
	n, _ := res.Body.Read(out)
	what := fmt.Sprintf("%s with %d bytes declared, %d sent", key, declared, len(body))
	check(what, res, out[:n])
	// 403 and 404: refused before the body mattered, also without waiting.
	if want413 && res.StatusCode != 413 && res.StatusCode != 403 && res.StatusCode != 404 {
		t.Errorf("%s: %d, want 413", what, res.StatusCode)
	}
}

// requestSchemas returns, for each request schema of the OpenAPI document,
// its property names.
func requestSchemas(t *testing.T, b *testBackend) map[string][]string {
	t.Helper()
	res, body := b.do("GET", "/api/openapi.json", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("openapi: %d", res.StatusCode)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name, s := range doc.Components.Schemas {
		for p := range s.Properties {
			out[name] = append(out[name], p)
		}
		sort.Strings(out[name])
	}
	return out
}
