package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sentry/backend/config"
	"sentry/backend/integrations/integrationstest"
)

const integrationRedirect = "http://sentry.test/api/integrations/callback"

func integrationBackend(t *testing.T) (*testBackend, *integrationstest.Server) {
	t.Helper()
	stand := integrationstest.New(t)
	b := newBackendWith(t, false, func(c *config.Config) {
		p := config.IntegrationProvider{ClientID: integrationstest.ClientID, ClientSecret: integrationstest.ClientSecret,
			AuthURL: stand.URL + "/oauth/authorize", TokenURL: stand.URL + "/oauth/token", RevokeURL: stand.URL + "/oauth/revoke"}
		g, z := p, p
		g.TasksAPIURL, g.CalendarAPIURL, z.APIURL = stand.URL+"/tasks/v1", stand.URL+"/calendar/v3", stand.URL+"/v2"
		c.Integrations = config.IntegrationsConfig{Google: g, Zoom: z, RedirectURL: integrationRedirect}
	})
	return b, stand
}

// connectVia runs the browser's part: the consent screen's redirect, then
// the callback on our server; it returns where the browser lands.
func connectVia(t *testing.T, b *testBackend, acc account, provider string) string {
	t.Helper()
	res, body := b.do("POST", "/api/integrations/"+provider+"/connect", acc.Access, map[string]any{"return_to": "/settings"})
	if res.StatusCode != 200 {
		t.Fatalf("connect %s: %d %s", provider, res.StatusCode, body)
	}
	var c struct {
		Provider         string `json:"provider"`
		AuthorizationURL string `json:"authorization_url"`
		ExpiresAt        string `json:"expires_at"`
	}
	_ = json.Unmarshal(body, &c)
	if c.Provider != provider || c.ExpiresAt == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("connect answer: %s", body)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	consent, err := noFollow.Get(c.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	consent.Body.Close()
	back, _ := url.Parse(consent.Header.Get("Location"))
	if !strings.HasPrefix(back.String(), integrationRedirect) {
		t.Fatalf("provider sent the browser to %s", back)
	}
	cb, err := noFollow.Get(b.srv.URL + back.Path + "?" + back.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	cb.Body.Close()
	if cb.StatusCode != 303 {
		t.Fatalf("callback: %d", cb.StatusCode)
	}
	return cb.Header.Get("Location")
}

func TestIntegrationsAPI(t *testing.T) {
	b, stand := integrationBackend(t)
	me := b.signUp("sync@example.com")
	list := stand.AddTaskList("My Tasks")
	stand.PutTask(list, integrationstest.Task{Title: "From Google"})
	b.createTask(me, map[string]any{"title": "From Sentry"})

	tasksSync := "/api/integrations/google/tasks/" + me.ID + "/sync"
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		want               string
	}{
		{"status before connecting", "GET", "/api/integrations/" + me.ID, nil, 200, `"state":"disconnected"`},
		{"sync before connecting", "GET", tasksSync, nil, 409, `"code":"reconnect_required"`},
		{"unknown provider", "POST", "/api/integrations/dropbox/connect", map[string]any{}, 404, `"code":"not_found"`},
		{"return_to not a path", "POST", "/api/integrations/zoom/connect", map[string]any{"return_to": "https://evil.example/"}, 400, `"field":"return_to"`},
		{"return_to wrong type", "POST", "/api/integrations/zoom/connect", map[string]any{"return_to": 5}, 400, `"field":"return_to"`},
		{"unknown field", "POST", "/api/integrations/zoom/connect", map[string]any{"redirect": "/"}, 400, `"code":"invalid"`},
		{"connect by GET", "GET", "/api/integrations/zoom/connect?return_to=/x", nil, 200, `"authorization_url":"` + stand.URL},
		{"disconnect what is not connected", "DELETE", "/api/integrations/zoom/" + me.ID, nil, 404, `"code":"not_found"`},
		{"disconnect unknown", "DELETE", "/api/integrations/dropbox/" + me.ID, nil, 404, `"code":"not_found"`},
	} {
		res, body := b.do(tc.method, tc.path, me.Access, tc.body)
		if res.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s, want %d with %s", tc.name, res.StatusCode, body, tc.status, tc.want)
		}
	}

	if to := connectVia(t, b, me, "google_tasks"); to != "/settings#integration=google_tasks&status=connected" {
		t.Fatalf("landed on %s", to)
	}
	res, body := b.do("GET", tasksSync, me.Access, nil)
	if res.StatusCode != 200 {
		t.Fatalf("sync: %d %s", res.StatusCode, body)
	}
	var sr map[string]any
	_ = json.Unmarshal(body, &sr)
	if sr["provider"] != "google_tasks" || sr["pulled"] != 1.0 || sr["pushed"] != 1.0 || sr["deleted"] != 0.0 || sr["conflicts"] != 0.0 || sr["synced_at"] == nil {
		t.Fatalf("sync result: %s", body)
	}
	_, body = b.do("GET", "/api/tasks/"+me.ID+"?source=google_tasks", me.Access, nil)
	if !strings.Contains(string(body), `"title":"From Google"`) || !strings.Contains(string(body), `"google_tasklist_id":"`+list+`"`) {
		t.Fatalf("synced task: %s", body)
	}

	// The provider fails: 502 with a message; the grant is revoked: 409.
	stand.FailAPI = 503
	res, body = b.do("GET", tasksSync, me.Access, nil)
	if res.StatusCode != 502 || !strings.Contains(string(body), `"code":"bad_gateway"`) {
		t.Fatalf("provider down: %d %s", res.StatusCode, body)
	}
	stand.FailAPI = 0
	stand.RevokeAll()
	res, body = b.do("GET", tasksSync, me.Access, nil)
	if res.StatusCode != 409 || !strings.Contains(string(body), `"code":"reconnect_required"`) || !strings.Contains(string(body), "Reconnect Google Tasks") {
		t.Fatalf("revoked: %d %s", res.StatusCode, body)
	}
	_, body = b.do("GET", "/api/integrations/"+me.ID, me.Access, nil)
	var st struct {
		Integrations []map[string]any `json:"integrations"`
	}
	_ = json.Unmarshal(body, &st)
	if len(st.Integrations) != 3 || st.Integrations[0]["needs_reconnect"] != true || st.Integrations[0]["state"] != "needs_reconnect" ||
		!strings.Contains(st.Integrations[0]["last_error"].(string), "Reconnect") || st.Integrations[0]["last_sync"] == nil ||
		st.Integrations[0]["sync_path"] != tasksSync {
		t.Fatalf("status: %s", body)
	}

	// Zoom and the calendar, connected the same way.
	connectVia(t, b, me, "zoom")
	if res, body = b.do("GET", "/api/zoom/meetings/"+me.ID, me.Access, nil); res.StatusCode != 200 || !strings.Contains(string(body), `"provider":"zoom"`) {
		t.Fatalf("zoom: %d %s", res.StatusCode, body)
	}
	connectVia(t, b, me, "google_calendar")
	if res, body = b.do("GET", "/api/integrations/google/calendar/"+me.ID+"/sync", me.Access, nil); res.StatusCode != 200 {
		t.Fatalf("calendar: %d %s", res.StatusCode, body)
	}
	if res, _ = b.do("DELETE", "/api/integrations/zoom/"+me.ID, me.Access, nil); res.StatusCode != 204 {
		t.Fatalf("disconnect: %d", res.StatusCode)
	}

	// A forged or replayed callback lands on the app with an error.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cb, err := noFollow.Get(b.srv.URL + "/api/integrations/callback?state=forged&code=x")
	if err != nil {
		t.Fatal(err)
	}
	cb.Body.Close()
	if loc := cb.Header.Get("Location"); cb.StatusCode != 303 || !strings.HasPrefix(loc, "/#message=") || !strings.Contains(loc, "status=error") {
		t.Fatalf("forged callback: %d %s", cb.StatusCode, loc)
	}
}

func TestIntegrationsNotConfigured(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("plain@example.com")
	res, body := b.do("GET", "/api/integrations/"+me.ID, me.Access, nil)
	if res.StatusCode != 200 || strings.Count(string(body), `"state":"not_configured"`) != 3 {
		t.Fatalf("status: %d %s", res.StatusCode, body)
	}
	res, body = b.do("GET", "/api/integrations/google_tasks/connect", me.Access, nil)
	if res.StatusCode != 409 || !strings.Contains(string(body), "not set up") {
		t.Fatalf("connect: %d %s", res.StatusCode, body)
	}
	res, body = b.do("GET", "/api/zoom/meetings/"+me.ID, me.Access, nil)
	if res.StatusCode != 409 || !strings.Contains(string(body), "not set up") {
		t.Fatalf("zoom: %d %s", res.StatusCode, body)
	}
}
