package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/auth"
	"sentry/backend/config"
	"sentry/backend/postgres/pgtest"
)

// instance is one `sentry serve` of a team server: its own data folder,
// its own clock, the shared database.
type instance struct {
	t   *testing.T
	app *app.App
	srv *httptest.Server

	mu  sync.Mutex
	now time.Time
}

func newInstance(t *testing.T, dbURL string) *instance {
	t.Helper()
	in := &instance{t: t, now: time.Now()}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = dbURL
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4, Now: in.clock})
	if err != nil {
		t.Fatal(err)
	}
	in.app = a
	in.srv = httptest.NewServer(a.Handler())
	t.Cleanup(func() { in.srv.Close(); a.Close() })
	return in
}

func (in *instance) clock() time.Time {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.now
}

func (in *instance) advance(d time.Duration) {
	in.mu.Lock()
	in.now = in.now.Add(d)
	in.mu.Unlock()
}

func (in *instance) do(method, path, token string, body any) (int, []byte) {
	in.t.Helper()
	var rd io.Reader
	if body != nil {
		buf, _ := json.Marshal(body)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, in.srv.URL+path, rd)
	if err != nil {
		in.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// TestTokensAcrossInstances: two servers on one database sign with one key,
// so a token issued by one is accepted by the other, and a sign-out on one
// is refused by the other within the session-check TTL.
func TestTokensAcrossInstances(t *testing.T) {
	dbURL := pgtest.SchemaURL(t)
	a, b := newInstance(t, dbURL), newInstance(t, dbURL)

	if code, body := a.do("POST", "/api/users", "", map[string]any{"email": "ada@example.com", "password": "correct horse battery",
		"first_name": "Ada", "last_name": "Lovelace"}); code != 201 {
		t.Fatalf("register on A: %d %s", code, body)
	}
	code, body := a.do("POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "correct horse battery"})
	if code != 200 {
		t.Fatalf("login on A: %d %s", code, body)
	}
	var s struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal(body, &s); err != nil || s.Access == "" {
		t.Fatalf("login answer %s", body)
	}
	if code, body := b.do("GET", "/api/auth/me", s.Access, nil); code != 200 {
		t.Fatalf("A's token on B: %d %s", code, body)
	}
	if code, body := a.do("POST", "/api/auth/logout", s.Access, map[string]any{"refresh_token": s.Refresh}); code/100 != 2 {
		t.Fatalf("logout on A: %d %s", code, body)
	}
	if code, _ := a.do("GET", "/api/auth/me", s.Access, nil); code != 401 {
		t.Fatalf("A accepts its own signed-out token: %d", code)
	}
	// B may trust its cached answer for the TTL, not beyond.
	b.advance(auth.SessionCheckTTL + time.Second)
	if code, body := b.do("GET", "/api/auth/me", s.Access, nil); code != 401 {
		t.Fatalf("B accepts a token signed out on A after the TTL: %d %s", code, body)
	}
	// Neither instance wrote a secret of its own.
	for _, in := range []*instance{a, b} {
		if _, err := os.Stat(in.app.Config.DataDir + "/" + app.SecretFile); !os.IsNotExist(err) {
			t.Fatalf("a secret file in %s: %v", in.app.Config.DataDir, err)
		}
	}
}

// TestSharedSecretKeepsAnEarlierFile: a server that ran alone with a
// secret.key brings it into the database, so its tokens stay valid.
func TestSharedSecretKeepsAnEarlierFile(t *testing.T) {
	dbURL := pgtest.SchemaURL(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = dbURL
	old := bytes.Repeat([]byte("ab"), 48)
	if err := os.WriteFile(cfg.DataDir+"/"+app.SecretFile, append(old, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var got string
	if err := a.PG.QueryRowForTest(`SELECT value FROM meta WHERE key = 'signing_secret'`).Scan(&got); err != nil || got != string(old) {
		t.Fatalf("stored secret %q, %v", got, err)
	}
}

// TestLoginThrottleAcrossInstances: wrong passwords in parallel, half to
// each of two servers on one database, meet one limit: no more than the
// per-source limit of them reach the password check (401); the rest are
// refused before it (429).
func TestLoginThrottleAcrossInstances(t *testing.T) {
	dbURL := pgtest.SchemaURL(t)
	a, b := newInstance(t, dbURL), newInstance(t, dbURL)
	if code, body := a.do("POST", "/api/users", "", map[string]any{"email": "ada@example.com", "password": "correct horse battery",
		"first_name": "Ada", "last_name": "Lovelace"}); code != 201 {
		t.Fatalf("register on A: %d %s", code, body)
	}
	const n, limit = 100, 5 // limit: login:<email>|<address> (httpapi/account.go)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := a
			if i%2 == 1 {
				in = b
			}
			codes[i], _ = in.do("POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "wrong horse battery"})
		}()
	}
	wg.Wait()
	checked := map[*instance]int{}
	for i, c := range codes {
		switch c {
		case 401:
			checked[map[bool]*instance{true: a, false: b}[i%2 == 0]]++
		case 429:
		default:
			t.Fatalf("attempt %d: status %d", i, c)
		}
	}
	if got := checked[a] + checked[b]; got < 1 || got > limit {
		t.Fatalf("%d wrong passwords reached the check (A %d, B %d); want 1..%d", got, checked[a], checked[b], limit)
	}
	// The right password is refused too now, on either server.
	for _, in := range []*instance{a, b} {
		if code, _ := in.do("POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "correct horse battery"}); code != 429 {
			t.Fatalf("right password after the limit: %d", code)
		}
	}
}

// TestDatabaseLostWhileRunning: when the database goes away under a
// running server, requests answer 503 with a JSON error, /health says the
// database is unavailable, and once it is back the pool reconnects by
// itself. The test has a database of its own, which it closes to new
// connections and whose connections it ends (as a server restart does).
func TestDatabaseLostWhileRunning(t *testing.T) {
	dsn, name := pgtest.Database(t, "")
	base := pgtest.MustURL(t)
	admin := func(sql string) {
		t.Helper()
		if err := pgtest.Exec(context.Background(), base, sql); err != nil {
			t.Fatal(err)
		}
	}
	in := newInstance(t, dsn)

	if code, body := in.do("POST", "/api/users", "", map[string]any{"email": "ada@example.com", "password": "correct horse battery",
		"first_name": "Ada", "last_name": "Lovelace"}); code != 201 {
		t.Fatalf("register: %d %s", code, body)
	}
	code, body := in.do("POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "correct horse battery"})
	var s struct {
		Access string `json:"access_token"`
		User   struct{ ID string }
	}
	if err := json.Unmarshal(body, &s); code != 200 || err != nil {
		t.Fatalf("login: %d %s", code, body)
	}
	tasks := "/api/tasks/" + s.User.ID
	if code, body := in.do("GET", tasks, s.Access, nil); code != 200 {
		t.Fatalf("tasks: %d %s", code, body)
	}

	admin(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS false`)
	admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + name + `'`)
	for _, path := range []string{tasks, tasks} { // a dead pooled connection, then a refused new one
		code, body := in.do("GET", path, s.Access, nil)
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal(body, &e); code != 503 || err != nil || e.Error.Code != "unavailable" || e.Error.Message == "" {
			t.Fatalf("with the database gone: %d %s", code, body)
		}
	}
	code, body = in.do("GET", "/health", "", nil)
	var h struct {
		Status string
		Checks map[string]map[string]any
	}
	if err := json.Unmarshal(body, &h); code != 503 || err != nil || h.Status != "unavailable" || h.Checks["database"]["status"] != "unavailable" {
		t.Fatalf("/health with the database gone: %d %s", code, body)
	}

	admin(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS true`)
	// The pool makes new connections on demand; no restart, no wait.
	var last []byte
	for i := 0; ; i++ {
		code, body := in.do("GET", tasks, s.Access, nil)
		if code == 200 {
			break
		}
		if last = body; i == 200 { // each broken pooled connection fails one request at most
			t.Fatalf("no recovery after the database came back: %d %s", code, last)
		}
	}
	if code, body := in.do("GET", "/health", "", nil); code != 200 {
		t.Fatalf("/health after recovery: %d %s", code, body)
	}
}
