package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/httpapi"
	"sentry/backend/postgres/pgtest"
)

// testBackend is a fresh backend on a temp-dir SQLite file, or, when
// SENTRY_TEST_STORE=postgres (make test-postgres), on a schema of its own
// in the PostgreSQL of scripts/with-postgres (SENTRY_TEST_DATABASE_URL).
// The desktop is SQLite only, so desktop backends stay on SQLite.
type testBackend struct {
	t   testing.TB
	app *app.App
	srv *httptest.Server
}

func newBackend(t testing.TB, desktop bool) *testBackend {
	t.Helper()
	return newBackendWith(t, desktop, nil)
}

func newBackendWith(t testing.TB, desktop bool, mut func(*config.Config)) *testBackend {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	if !desktop {
		cfg.DatabaseURL = testDatabaseURL(t)
	}
	if mut != nil {
		mut(&cfg)
	}
	a, err := app.New(context.Background(), app.Options{Config: cfg, Desktop: desktop, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Every body a route answers with must be of the type its document
	// describes (TestResponseTypesMatchTheDocument).
	httpapi.CheckResponses(a.Server(), func(problem string) { t.Errorf("%s", problem) })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &testBackend{t: t, app: a, srv: srv}
}

// testDatabaseURL is "" (SQLite) unless SENTRY_TEST_STORE=postgres: then
// a URL whose search path is a fresh schema, dropped after the test.
func testDatabaseURL(t testing.TB) string {
	t.Helper()
	if os.Getenv("SENTRY_TEST_STORE") != "postgres" {
		return ""
	}
	if pgtest.URL() == "" {
		t.Fatal("SENTRY_TEST_STORE=postgres needs " + pgtest.Env + ": run under scripts/with-postgres")
	}
	return pgtest.SchemaURL(t)
}

// queryRow looks behind the API with SQL written with ? placeholders, on
// whichever store the backend runs.
func (b *testBackend) queryRow(query string, args ...any) interface{ Scan(...any) error } {
	if b.app.PG != nil {
		return b.app.PG.QueryRowForTest(query, args...)
	}
	return b.app.DB.QueryRowForTest(query, args...)
}

type account struct {
	ID, Email, Access, Refresh string
}

func (b *testBackend) signUp(email string) account {
	b.t.Helper()
	res, body := b.do("POST", "/api/users", "", map[string]any{"email": email, "password": "correct horse battery", "first_name": "Ada", "last_name": "Lovelace"})
	if res.StatusCode != 201 {
		b.t.Fatalf("register %s: %d %s", email, res.StatusCode, body)
	}
	res, body = b.do("POST", "/api/auth/login", "", map[string]any{"email": email, "password": "correct horse battery"})
	if res.StatusCode != 200 {
		b.t.Fatalf("login %s: %d %s", email, res.StatusCode, body)
	}
	var s struct {
		AccessToken, RefreshToken string              `json:"-"`
		A                         string              `json:"access_token"`
		R                         string              `json:"refresh_token"`
		User                      struct{ ID string } `json:"user"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		b.t.Fatal(err)
	}
	return account{ID: s.User.ID, Email: email, Access: s.A, Refresh: s.R}
}

// do sends a request; body may be a string (sent raw) or a value (JSON).
func (b *testBackend) do(method, path, token string, body any) (*http.Response, []byte) {
	b.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		buf, _ := json.Marshal(v)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, b.srv.URL+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, out
}

func (b *testBackend) createTask(acc account, fields map[string]any) map[string]any {
	b.t.Helper()
	res, body := b.do("POST", "/api/tasks/"+acc.ID, acc.Access, fields)
	if res.StatusCode != 201 {
		b.t.Fatalf("create task: %d %s", res.StatusCode, body)
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return m
}

func errorOf(t testing.TB, body []byte) (code, field string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not a JSON error: %s", body)
	}
	return e.Error.Code, e.Error.Field
}

// scenario is one row of an HTTP table test.
type scenario struct {
	name     string
	method   string
	path     string // {me}, {other}, {task}, {othertask} are substituted
	token    string // "me", "other", "bad", or ""
	body     any
	status   int
	errCode  string
	errField string
	contains []string
}

func runScenarios(t *testing.T, b *testBackend, me, other account, subst map[string]string, cases []scenario) {
	t.Helper()
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) {
			path := sc.path
			for k, v := range subst {
				path = strings.ReplaceAll(path, k, v)
			}
			tok := map[string]string{"me": me.Access, "other": other.Access, "bad": "not.a.jwt", "": ""}[sc.token]
			res, body := b.do(sc.method, path, tok, sc.body)
			if res.StatusCode != sc.status {
				t.Fatalf("%s %s: status %d, want %d: %s", sc.method, path, res.StatusCode, sc.status, body)
			}
			if sc.errCode != "" {
				code, field := errorOf(t, body)
				if code != sc.errCode || (sc.errField != "" && field != sc.errField) {
					t.Fatalf("error %s/%s, want %s/%s: %s", code, field, sc.errCode, sc.errField, body)
				}
			}
			for _, c := range sc.contains {
				if !strings.Contains(string(body), c) {
					t.Fatalf("body lacks %q: %s", c, body)
				}
			}
		})
	}
}
