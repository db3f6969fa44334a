package httpapi_test

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

var refPattern = regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`)

func TestHealthReportsDatabaseAndVec(t *testing.T) {
	b := newBackend(t, false)
	res, body := b.do("GET", "/health", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	var h struct {
		Status string
		Checks map[string]map[string]any
	}
	_ = json.Unmarshal(body, &h)
	if b.app.PG != nil {
		// PostgreSQL: the server's version and the pool; no sqlite-vec.
		pool, _ := h.Checks["database"]["pool"].(map[string]any)
		if h.Status != "ok" || h.Checks["database"]["status"] != "ok" || h.Checks["database"]["driver"] != "postgres" ||
			h.Checks["database"]["server_version"] == "" || pool["max_conns"] == nil || h.Checks["sqlite_vec"] != nil {
			t.Fatalf("health: %s", body)
		}
		_, metrics := b.do("GET", "/metrics", "", nil)
		for _, want := range []string{"sentry_db_pool_acquired_connections ", "sentry_db_pool_max_connections ", "sentry_db_pool_acquires_total "} {
			if !strings.Contains(string(metrics), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		return
	}
	if h.Status != "ok" || h.Checks["database"]["status"] != "ok" || h.Checks["database"]["sqlite_version"] == "" {
		t.Fatalf("health: %s", body)
	}
	if v, _ := h.Checks["sqlite_vec"]["version"].(string); !strings.HasPrefix(v, "v0.") {
		t.Fatalf("sqlite-vec version %q", v)
	}
}

func TestMetricsCountRequestsPerRoute(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("metrics@example.com")
	b.do("GET", "/api/tasks/"+me.ID, me.Access, nil)
	b.do("GET", "/api/tasks/"+me.ID, "", nil)
	res, body := b.do("GET", "/metrics", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("%d", res.StatusCode)
	}
	text := string(body)
	for _, want := range []string{
		`sentry_http_requests_total{code="200",method="GET",route="GET /api/tasks/{user_id}"} 1`,
		`sentry_http_requests_total{code="401",method="GET",route="GET /api/tasks/{user_id}"} 1`,
		`sentry_http_request_duration_seconds_bucket{method="GET",route="GET /api/tasks/{user_id}",le="+Inf"} 2`,
		`sentry_http_requests_total{code="201",method="POST",route="POST /api/users"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Route labels are patterns, never raw paths with ids.
	if strings.Contains(text, me.ID) {
		t.Error("metrics leak a user id")
	}
}

func TestServesUIAndFallsBackToIndex(t *testing.T) {
	b := newBackend(t, false)
	res, body := b.do("GET", "/", "", nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), "Sentry AI") {
		t.Fatalf("/: %d %s", res.StatusCode, body)
	}
}

func TestLocalSessionOnlyOnDesktop(t *testing.T) {
	server := newBackend(t, false)
	res, body := server.do("POST", "/api/auth/local-session", "", nil)
	if res.StatusCode != 404 {
		t.Fatalf("server local-session: %d %s", res.StatusCode, body)
	}
	desk := newBackend(t, true)
	res, body = desk.do("POST", "/api/auth/local-session", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("desktop local-session: %d %s", res.StatusCode, body)
	}
	var s struct {
		AccessToken string `json:"access_token"`
		User        struct {
			ID      string `json:"id"`
			IsLocal bool   `json:"is_local"`
		} `json:"user"`
	}
	_ = json.Unmarshal(body, &s)
	if !s.User.IsLocal || s.AccessToken == "" {
		t.Fatalf("local session: %s", body)
	}
	// The API still checks the token it issued.
	res, _ = desk.do("GET", "/api/tasks/"+s.User.ID, "", nil)
	if res.StatusCode != 401 {
		t.Fatalf("desktop API without token: %d", res.StatusCode)
	}
	res, _ = desk.do("GET", "/api/tasks/"+s.User.ID, s.AccessToken, nil)
	if res.StatusCode != 200 {
		t.Fatalf("desktop API with token: %d", res.StatusCode)
	}
	// The same profile comes back on the next start.
	res, body2 := desk.do("POST", "/api/auth/local-session", "", nil)
	if res.StatusCode != 200 || !strings.Contains(string(body2), s.User.ID) {
		t.Fatal("local profile changed between sessions")
	}
}

func TestSecurityHeadersAndNoStore(t *testing.T) {
	b := newBackend(t, false)
	res, _ := b.do("GET", "/api/openapi.json", "", nil)
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Request-Id") == "" {
		t.Fatalf("headers: %v", res.Header)
	}
}

// The desktop's window sends its requests in process, where the web view
// makes up a peer address (192.0.2.1, as httptest.NewRequest does): the
// desktop's devices and activity show no address, where a server's show
// the peer's.
func TestDesktopShowsNoMadeUpAddress(t *testing.T) {
	for _, desktop := range []bool{false, true} {
		b := newBackend(t, desktop)
		inProcess := func(method, path, token string, body string) []byte {
			t.Helper()
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			rec := httptest.NewRecorder()
			b.app.Handler().ServeHTTP(rec, req)
			if rec.Code >= 300 {
				t.Fatalf("desktop=%v %s %s: %d %s", desktop, method, path, rec.Code, rec.Body)
			}
			return rec.Body.Bytes()
		}
		var s struct {
			AccessToken string              `json:"access_token"`
			User        struct{ ID string } `json:"user"`
		}
		if desktop {
			_ = json.Unmarshal(inProcess("POST", "/api/auth/local-session", "", ""), &s)
		} else {
			inProcess("POST", "/api/users", "", `{"email":"ip@example.com","password":"correct horse battery","first_name":"I","last_name":"P"}`)
			_ = json.Unmarshal(inProcess("POST", "/api/auth/login", "", `{"email":"ip@example.com","password":"correct horse battery"}`), &s)
		}
		sessions := string(inProcess("GET", "/api/auth/sessions", s.AccessToken, ""))
		audit := string(inProcess("GET", "/api/users/"+s.User.ID+"/audit", s.AccessToken, ""))
		made := strings.Contains(sessions, "192.0.2.1") || strings.Contains(audit, "192.0.2.1")
		if desktop && made {
			t.Errorf("the desktop shows the made-up address:\n%s\n%s", sessions, audit)
		}
		if !desktop && !strings.Contains(sessions, `"ip":"192.0.2.1"`) {
			t.Errorf("a server does not show the peer's address: %s", sessions)
		}
	}
}
