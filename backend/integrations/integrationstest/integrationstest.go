// Package integrationstest is a local stand-in for the provider endpoints
// the integrations use, speaking their documented REST protocols: an OAuth
// 2.0 authorization server (authorization code with PKCE S256, the
// refresh_token grant, invalid_grant for a revoked grant, revocation),
// Google Tasks API v1 (task lists; tasks list/insert/patch/delete with
// updatedMin, showDeleted, showHidden, showCompleted, maxResults,
// pageToken), Google Calendar API v3 (events list with timeMin, timeMax,
// updatedMin, syncToken, pageToken, singleEvents; 410 when a sync token is
// no longer valid) and Zoom API v2 (GET /users/me/meetings with
// type=upcoming and next_page_token, GET /meetings/{id}).
//
// One Server holds one provider account's data. Paths: /oauth/authorize,
// /oauth/token, /oauth/revoke, /tasks/v1/…, /calendar/v3/…, /v2/….
package integrationstest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Client credentials the stand-in accepts.
const (
	ClientID     = "stand-in-client"
	ClientSecret = "stand-in-secret"
)

// Server is a running stand-in.
type Server struct {
	URL string
	srv *httptest.Server

	mu sync.Mutex
	// Now stamps modifications; time.Now when nil.
	Now func() time.Time
	// AccessTTL is the lifetime of issued access tokens (default 1h).
	AccessTTL time.Duration
	// RotateRefreshTokens issues a new refresh token on every refresh and
	// voids the old one, as Zoom does.
	RotateRefreshTokens bool
	// FailAPI, when non-zero, answers every API request with that status.
	FailAPI int
	// ConsentPage shows a consent page with Allow and Deny buttons at
	// /oauth/authorize, as a provider does in a browser, instead of
	// approving at once.
	ConsentPage bool

	codes   map[string]*authCode
	access  map[string]accessToken
	refresh map[string]*grant
	// Refreshes counts refresh_token grants answered with a token.
	Refreshes int
	// Requests records every API request's method, path and query.
	Requests []string

	lists   []*TaskList
	tasks   map[string][]*Task // by list id
	events  []*Event
	seq     int64 // calendar change counter behind sync tokens
	minSeq  int64 // sync tokens below this are no longer valid
	meets   []*Meeting
	counter int
}

type authCode struct {
	challenge, redirect, scope string
	offline                    bool
}

type grant struct {
	revoked bool
	scope   string
}

type accessToken struct {
	g       *grant
	expires time.Time
}

// New starts a stand-in; it stops when the test ends.
func New(t interface{ Cleanup(func()) }) *Server {
	s := newServer()
	s.srv = httptest.NewServer(s.handler())
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Listen starts a stand-in on addr ("127.0.0.1:0" for any free port) for
// a program outside go test (see the standins command); Close stops it.
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("integrationstest: listen on %s: %w", addr, err)
	}
	s := newServer()
	s.srv = httptest.NewUnstartedServer(s.handler())
	s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	s.URL = s.srv.URL
	return s, nil
}

// Close stops a stand-in started by Listen.
func (s *Server) Close() { s.srv.Close() }

func newServer() *Server {
	return &Server{codes: map[string]*authCode{}, access: map[string]accessToken{}, refresh: map[string]*grant{},
		tasks: map[string][]*Task{}, AccessTTL: time.Hour}
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/authorize", s.authorize)
	mux.HandleFunc("POST /oauth/authorize", s.decide)
	mux.HandleFunc("POST /oauth/token", s.token)
	mux.HandleFunc("POST /oauth/revoke", s.revoke)
	mux.HandleFunc("GET /tasks/v1/users/@me/lists", s.api(s.listTaskLists))
	mux.HandleFunc("GET /tasks/v1/lists/{list}/tasks", s.api(s.listTasks))
	mux.HandleFunc("POST /tasks/v1/lists/{list}/tasks", s.api(s.insertTask))
	mux.HandleFunc("PATCH /tasks/v1/lists/{list}/tasks/{task}", s.api(s.patchTask))
	mux.HandleFunc("GET /tasks/v1/lists/{list}/tasks/{task}", s.api(s.getTask))
	mux.HandleFunc("DELETE /tasks/v1/lists/{list}/tasks/{task}", s.api(s.deleteTask))
	mux.HandleFunc("GET /calendar/v3/calendars/{cal}/events", s.api(s.listEvents))
	mux.HandleFunc("GET /v2/users/me/meetings", s.api(s.listMeetings))
	mux.HandleFunc("GET /v2/meetings/{id}", s.api(s.getMeeting))
	s.adminRoutes(mux)
	return mux
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func random() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError answers as RFC 6749 section 5.2 says.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// ---- OAuth 2.0 ----

// authorize approves at once (the user said yes) and sends the browser back
// with a code, as the consent screen would; with ConsentPage it shows that
// screen first.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if msg := checkAuthRequest(q); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	consent := s.ConsentPage
	s.mu.Unlock()
	if consent {
		s.consentPage(w, q)
		return
	}
	s.approve(w, r, q)
}

// checkAuthRequest returns what is wrong with an authorization request, or "".
func checkAuthRequest(q url.Values) string {
	redirect := q.Get("redirect_uri")
	u, err := url.Parse(redirect)
	if err != nil || redirect == "" || u.Scheme == "" || q.Get("client_id") != ClientID || q.Get("response_type") != "code" {
		return "invalid authorization request"
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		return "PKCE S256 required"
	}
	return ""
}

// approve sends the browser back to the client with a code.
func (s *Server) approve(w http.ResponseWriter, r *http.Request, q url.Values) {
	u, _ := url.Parse(q.Get("redirect_uri"))
	code := random()
	s.mu.Lock()
	s.codes[code] = &authCode{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), scope: q.Get("scope"), offline: q.Get("access_type") == "offline"}
	s.mu.Unlock()
	back := u.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	u.RawQuery = back.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) clientOK(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == ClientID && secret == ClientSecret
}

func (s *Server) issue(w http.ResponseWriter, g *grant, refresh string) {
	tok := random()
	ttl := s.AccessTTL
	s.access[tok] = accessToken{g: g, expires: s.now().Add(ttl)}
	out := map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(ttl.Seconds()), "scope": g.scope}
	if refresh != "" {
		out["refresh_token"] = refresh
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request", "unreadable form")
		return
	}
	if !s.clientOK(r) {
		oauthError(w, 401, "invalid_client", "The OAuth client was not found.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		c := s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code"))
		if c == nil {
			oauthError(w, 400, "invalid_grant", "Malformed auth code.")
			return
		}
		if c.redirect != r.PostForm.Get("redirect_uri") {
			oauthError(w, 400, "redirect_uri_mismatch", "Bad Request")
			return
		}
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			oauthError(w, 400, "invalid_grant", "Invalid code verifier.")
			return
		}
		g := &grant{scope: c.scope}
		refresh := ""
		if c.offline {
			refresh = random()
			s.refresh[refresh] = g
		}
		s.issue(w, g, refresh)
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		g := s.refresh[rt]
		if g == nil || g.revoked {
			oauthError(w, 400, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		s.Refreshes++
		if s.RotateRefreshTokens {
			delete(s.refresh, rt)
			rt = random()
			s.refresh[rt] = g
			s.issue(w, g, rt)
			return
		}
		s.issue(w, g, "")
	default:
		oauthError(w, 400, "unsupported_grant_type", "Invalid grant_type.")
	}
}

// revoke ends the grant a token belongs to (RFC 7009).
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	tok := r.Form.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.refresh[tok]; g != nil {
		g.revoked = true
	} else if a, ok := s.access[tok]; ok {
		a.g.revoked = true
	} else {
		oauthError(w, 400, "invalid_token", "Token expired or revoked")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// RevokeAll revokes every grant, as a user removing the app's access in
// their account settings does.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.refresh {
		g.revoked = true
	}
	for _, a := range s.access {
		a.g.revoked = true
	}
}

// ExpireAccessTokens makes every issued access token invalid, as if its
// hour had passed.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, a := range s.access {
		a.expires = s.now().Add(-time.Second)
		s.access[k] = a
	}
}

// Revoked reports whether any grant was revoked (by RevokeAll or the
// revocation endpoint).
func (s *Server) Revoked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.refresh {
		if g.revoked {
			return true
		}
	}
	return false
}

// api checks the bearer token, answering 401 the way each API does.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		zoom := strings.HasPrefix(r.URL.Path, "/v2/")
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		a, found := s.access[tok]
		valid := ok && found && !a.g.revoked && s.now().Before(a.expires)
		s.Requests = append(s.Requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		fail := s.FailAPI
		s.mu.Unlock()
		if !valid {
			if zoom {
				writeJSON(w, 401, map[string]any{"code": 124, "message": "Invalid access token."})
			} else {
				googleError(w, 401, "Request had invalid authentication credentials.", "UNAUTHENTICATED", "authError")
			}
			return
		}
		if fail != 0 {
			if zoom {
				writeJSON(w, fail, map[string]any{"code": fail, "message": "Service unavailable."})
			} else {
				googleError(w, fail, "Backend Error", "UNAVAILABLE", "backendError")
			}
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		h(w, r)
	}
}

func googleError(w http.ResponseWriter, status int, msg, st, reason string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg, "status": st,
		"errors": []map[string]string{{"message": msg, "domain": "global", "reason": reason}}}})
}

// page cuts items at a pageToken (an offset) and returns the next token.
func page(n int, q url.Values, def, maxN int) (start, end int, next string) {
	size := def
	if v, err := strconv.Atoi(q.Get("maxResults")); err == nil && v > 0 {
		size = min(v, maxN)
	}
	if v, err := strconv.Atoi(q.Get("pageToken")); err == nil && v > 0 {
		start = min(v, n)
	}
	end = min(start+size, n)
	if end < n {
		next = strconv.Itoa(end)
	}
	return start, end, next
}

// ---- Google Tasks API v1 ----

// TaskList is a Google Tasks list.
type TaskList struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Etag    string `json:"etag"`
	Title   string `json:"title"`
	Updated string `json:"updated"`
}

// Task is a Google Tasks task resource.
type Task struct {
	Kind      string  `json:"kind"`
	ID        string  `json:"id"`
	Etag      string  `json:"etag"`
	Title     string  `json:"title"`
	Updated   string  `json:"updated"`
	SelfLink  string  `json:"selfLink"`
	Parent    string  `json:"parent,omitempty"`
	Position  string  `json:"position"`
	Notes     string  `json:"notes,omitempty"`
	Status    string  `json:"status"`
	Due       *string `json:"due,omitempty"`
	Completed *string `json:"completed,omitempty"`
	Deleted   bool    `json:"deleted,omitempty"`
	Hidden    bool    `json:"hidden,omitempty"`
}

// AddTaskList creates a list; the first one is the default list.
func (s *Server) AddTaskList(title string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counter++
	l := &TaskList{Kind: "tasks#taskList", ID: fmt.Sprintf("list%d-%s", s.counter, random()[:6]), Title: title, Updated: stamp(s.now())}
	l.Etag = `"` + l.Updated + `"`
	s.lists = append(s.lists, l)
	return l.ID
}

func (s *Server) touch(t *Task) {
	now := s.now()
	t.Updated = stamp(now)
	t.Etag = fmt.Sprintf(`"%d"`, now.UnixNano())
	if t.Status == "completed" && t.Completed == nil {
		c := t.Updated
		t.Completed = &c
	} else if t.Status != "completed" {
		t.Completed = nil
	}
}

// PutTask creates a task in a list, as the user would in Google's apps,
// and returns its id.
func (s *Server) PutTask(listID string, t Task) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counter++
	t.Kind, t.ID = "tasks#task", fmt.Sprintf("task%d-%s", s.counter, random()[:6])
	if t.Status == "" {
		t.Status = "needsAction"
	}
	t.Position = fmt.Sprintf("%020d", s.counter)
	t.SelfLink = s.URL + "/tasks/v1/lists/" + listID + "/tasks/" + t.ID
	s.touch(&t)
	s.tasks[listID] = append(s.tasks[listID], &t)
	return t.ID
}

// EditTask changes a task as the user would in Google's apps.
func (s *Server) EditTask(listID, id string, edit func(*Task)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.findTask(listID, id); t != nil {
		edit(t)
		s.touch(t)
	}
}

// RemoveTask deletes a task as the user would in Google's apps.
func (s *Server) RemoveTask(listID, id string) {
	s.EditTask(listID, id, func(t *Task) { t.Deleted = true })
}

// Tasks returns a copy of a list's tasks, deleted ones included.
func (s *Server) Tasks(listID string) []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Task
	for _, t := range s.tasks[listID] {
		out = append(out, *t)
	}
	return out
}

// FindTask returns a copy of a task, or false.
func (s *Server) FindTask(listID, id string) (Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.findTask(listID, id); t != nil {
		return *t, true
	}
	return Task{}, false
}

func (s *Server) findTask(listID, id string) *Task {
	for _, t := range s.tasks[listID] {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (s *Server) listID(r *http.Request) (string, bool) {
	id := r.PathValue("list")
	if id == "@default" && len(s.lists) > 0 {
		return s.lists[0].ID, true
	}
	for _, l := range s.lists {
		if l.ID == id {
			return id, true
		}
	}
	return "", false
}

func (s *Server) listTaskLists(w http.ResponseWriter, r *http.Request) {
	start, end, next := page(len(s.lists), r.URL.Query(), 20, 100)
	out := map[string]any{"kind": "tasks#taskLists", "etag": `"lists"`, "items": s.lists[start:end]}
	if next != "" {
		out["nextPageToken"] = next
	}
	writeJSON(w, 200, out)
}

func boolParam(q url.Values, name string, def bool) bool {
	if v := q.Get(name); v != "" {
		return v == "true"
	}
	return def
}

func parseRFC3339(name, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("Invalid value for %s: %s", name, v)
	}
	return t, nil
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	listID, ok := s.listID(r)
	if !ok {
		googleError(w, 404, "Task list not found.", "NOT_FOUND", "notFound")
		return
	}
	q := r.URL.Query()
	var updatedMin time.Time
	if v := q.Get("updatedMin"); v != "" {
		t, err := parseRFC3339("updatedMin", v)
		if err != nil {
			googleError(w, 400, err.Error(), "INVALID_ARGUMENT", "invalid")
			return
		}
		updatedMin = t
	}
	showDeleted, showHidden, showCompleted := boolParam(q, "showDeleted", false), boolParam(q, "showHidden", false), boolParam(q, "showCompleted", true)
	var items []*Task
	for _, t := range s.tasks[listID] {
		upd, _ := time.Parse(time.RFC3339Nano, t.Updated)
		switch {
		case !updatedMin.IsZero() && upd.Before(updatedMin):
		case t.Deleted && !showDeleted:
		case t.Hidden && !showHidden:
		case t.Status == "completed" && !showCompleted:
		default:
			items = append(items, t)
		}
	}
	start, end, next := page(len(items), q, 20, 100)
	out := map[string]any{"kind": "tasks#tasks", "etag": `"tasks"`, "items": items[start:end]}
	if next != "" {
		out["nextPageToken"] = next
	}
	writeJSON(w, 200, out)
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	listID, _ := s.listID(r)
	t := s.findTask(listID, r.PathValue("task"))
	if t == nil {
		googleError(w, 404, "Task not found.", "NOT_FOUND", "notFound")
		return
	}
	writeJSON(w, 200, t)
}

// applyTaskFields sets the writable fields present in body; null clears.
func applyTaskFields(t *Task, body map[string]json.RawMessage) error {
	str := func(raw json.RawMessage) (*string, error) {
		if string(raw) == "null" {
			return nil, nil
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		return &v, nil
	}
	for k, raw := range body {
		v, err := str(raw)
		if err != nil {
			if k == "deleted" || k == "hidden" {
				continue
			}
			return fmt.Errorf("Invalid value for %s", k)
		}
		val := ""
		if v != nil {
			val = *v
		}
		switch k {
		case "title":
			t.Title = val
		case "notes":
			t.Notes = val
		case "status":
			if val != "needsAction" && val != "completed" {
				return fmt.Errorf("Invalid value for status")
			}
			t.Status = val
		case "due":
			if v != nil {
				d, err := time.Parse(time.RFC3339Nano, val)
				if err != nil {
					return fmt.Errorf("Invalid value for due")
				}
				// Google keeps only the date of a due time.
				day := stamp(time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC))
				v = &day
			}
			t.Due = v
		case "completed":
			t.Completed = v
		}
	}
	return nil
}

func (s *Server) insertTask(w http.ResponseWriter, r *http.Request) {
	listID, ok := s.listID(r)
	if !ok {
		googleError(w, 404, "Task list not found.", "NOT_FOUND", "notFound")
		return
	}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		googleError(w, 400, "Invalid JSON payload received.", "INVALID_ARGUMENT", "invalid")
		return
	}
	s.counter++
	t := &Task{Kind: "tasks#task", ID: fmt.Sprintf("task%d-%s", s.counter, random()[:6]), Status: "needsAction",
		Position: fmt.Sprintf("%020d", s.counter)}
	if err := applyTaskFields(t, body); err != nil {
		googleError(w, 400, err.Error(), "INVALID_ARGUMENT", "invalid")
		return
	}
	t.SelfLink = s.URL + "/tasks/v1/lists/" + listID + "/tasks/" + t.ID
	s.touch(t)
	s.tasks[listID] = append(s.tasks[listID], t)
	writeJSON(w, 200, t)
}

func (s *Server) patchTask(w http.ResponseWriter, r *http.Request) {
	listID, _ := s.listID(r)
	t := s.findTask(listID, r.PathValue("task"))
	if t == nil || t.Deleted {
		googleError(w, 404, "Task not found.", "NOT_FOUND", "notFound")
		return
	}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		googleError(w, 400, "Invalid JSON payload received.", "INVALID_ARGUMENT", "invalid")
		return
	}
	if err := applyTaskFields(t, body); err != nil {
		googleError(w, 400, err.Error(), "INVALID_ARGUMENT", "invalid")
		return
	}
	s.touch(t)
	writeJSON(w, 200, t)
}

func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request) {
	listID, _ := s.listID(r)
	t := s.findTask(listID, r.PathValue("task"))
	if t == nil {
		googleError(w, 404, "Task not found.", "NOT_FOUND", "notFound")
		return
	}
	t.Deleted = true
	s.touch(t)
	w.WriteHeader(http.StatusNoContent)
}

// ---- Google Calendar API v3 ----

// EventTime is an event's start or end: dateTime, or date for all-day.
type EventTime struct {
	DateTime string `json:"dateTime,omitempty"`
	Date     string `json:"date,omitempty"`
	TimeZone string `json:"timeZone,omitempty"`
}

// Attendee is an event attendee.
type Attendee struct {
	Email          string `json:"email"`
	DisplayName    string `json:"displayName,omitempty"`
	ResponseStatus string `json:"responseStatus,omitempty"`
	Self           bool   `json:"self,omitempty"`
	Optional       bool   `json:"optional,omitempty"`
	Resource       bool   `json:"resource,omitempty"`
	Organizer      bool   `json:"organizer,omitempty"`
}

// Event is a Google Calendar event resource.
type Event struct {
	Kind             string     `json:"kind"`
	ID               string     `json:"id"`
	Etag             string     `json:"etag"`
	Status           string     `json:"status"`
	HTMLLink         string     `json:"htmlLink,omitempty"`
	Updated          string     `json:"updated"`
	Summary          string     `json:"summary,omitempty"`
	Description      string     `json:"description,omitempty"`
	Location         string     `json:"location,omitempty"`
	Start            EventTime  `json:"start"`
	End              EventTime  `json:"end"`
	RecurringEventID string     `json:"recurringEventId,omitempty"`
	Attendees        []Attendee `json:"attendees,omitempty"`
	HangoutLink      string     `json:"hangoutLink,omitempty"`
	seq              int64
}

// PutEvent creates or replaces an event (by ID; a new id when empty).
func (s *Server) PutEvent(e Event) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.ID == "" {
		s.counter++
		e.ID = fmt.Sprintf("evt%d%s", s.counter, strings.ToLower(random()[:6]))
	}
	if e.Status == "" {
		e.Status = "confirmed"
	}
	e.Kind = "calendar#event"
	s.seq++
	e.seq = s.seq
	e.Updated = stamp(s.now())
	e.Etag = fmt.Sprintf(`"%d"`, e.seq)
	for i, old := range s.events {
		if old.ID == e.ID {
			s.events[i] = &e
			return e.ID
		}
	}
	s.events = append(s.events, &e)
	return e.ID
}

// CancelEvent cancels (deletes) an event.
func (s *Server) CancelEvent(id string) {
	s.mu.Lock()
	var e Event
	for _, old := range s.events {
		if old.ID == id {
			e = *old
		}
	}
	s.mu.Unlock()
	e.Status = "cancelled"
	s.PutEvent(e)
}

// InvalidateSyncTokens makes every issued sync token answer 410 Gone.
func (s *Server) InvalidateSyncTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.minSeq = s.seq + 1
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	if cal := r.PathValue("cal"); cal != "primary" {
		googleError(w, 404, "Not Found", "NOT_FOUND", "notFound")
		return
	}
	q := r.URL.Query()
	syncToken := q.Get("syncToken")
	var after int64 = -1
	if syncToken != "" {
		for _, p := range []string{"timeMin", "timeMax", "updatedMin", "orderBy", "q", "iCalUID"} {
			if q.Get(p) != "" {
				googleError(w, 400, "Sync token cannot be combined with "+p+".", "INVALID_ARGUMENT", "invalid")
				return
			}
		}
		n, err := strconv.ParseInt(strings.TrimPrefix(syncToken, "st-"), 10, 64)
		if err != nil || !strings.HasPrefix(syncToken, "st-") {
			googleError(w, 400, "Invalid sync token value.", "INVALID_ARGUMENT", "invalid")
			return
		}
		if n < s.minSeq {
			googleError(w, 410, "Sync token is no longer valid, a full sync is required.", "GONE", "fullSyncRequired")
			return
		}
		after = n
	}
	var timeMin, timeMax, updatedMin time.Time
	for name, dst := range map[string]*time.Time{"timeMin": &timeMin, "timeMax": &timeMax, "updatedMin": &updatedMin} {
		if v := q.Get(name); v != "" {
			t, err := parseRFC3339(name, v)
			if err != nil {
				googleError(w, 400, err.Error(), "INVALID_ARGUMENT", "invalid")
				return
			}
			*dst = t
		}
	}
	showDeleted := boolParam(q, "showDeleted", false) || after >= 0 || !updatedMin.IsZero()
	evs := append([]*Event(nil), s.events...)
	sort.Slice(evs, func(i, j int) bool { return evs[i].seq < evs[j].seq })
	var items []*Event
	for _, e := range evs {
		start, end := eventBounds(e)
		upd, _ := time.Parse(time.RFC3339Nano, e.Updated)
		switch {
		case after >= 0 && e.seq <= after:
		case e.Status == "cancelled" && !showDeleted:
		case !updatedMin.IsZero() && upd.Before(updatedMin):
		case !timeMin.IsZero() && !end.After(timeMin):
		case !timeMax.IsZero() && !start.Before(timeMax):
		default:
			items = append(items, e)
		}
	}
	start, end, next := page(len(items), q, 250, 2500)
	out := map[string]any{"kind": "calendar#events", "summary": "primary", "timeZone": "UTC", "items": items[start:end]}
	if next != "" {
		out["nextPageToken"] = next
	} else {
		out["nextSyncToken"] = fmt.Sprintf("st-%d", s.seq)
	}
	writeJSON(w, 200, out)
}

func eventBounds(e *Event) (time.Time, time.Time) {
	parse := func(t EventTime) time.Time {
		if t.DateTime != "" {
			v, _ := time.Parse(time.RFC3339, t.DateTime)
			return v
		}
		v, _ := time.Parse("2006-01-02", t.Date)
		return v
	}
	return parse(e.Start), parse(e.End)
}

// ---- Zoom API v2 ----

// Meeting is a Zoom meeting as GET /meetings/{id} returns it.
type Meeting struct {
	UUID      string `json:"uuid"`
	ID        int64  `json:"id"`
	HostID    string `json:"host_id"`
	Topic     string `json:"topic"`
	Type      int    `json:"type"`
	StartTime string `json:"start_time,omitempty"`
	Duration  int    `json:"duration"`
	Timezone  string `json:"timezone,omitempty"`
	Agenda    string `json:"agenda,omitempty"`
	CreatedAt string `json:"created_at"`
	JoinURL   string `json:"join_url"`
	// Invitees become settings.meeting_invitees.
	Invitees []string `json:"-"`
}

// PutMeeting schedules or replaces a meeting (by ID; a new id when 0).
func (s *Server) PutMeeting(m Meeting) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.ID == 0 {
		s.counter++
		m.ID = 8_100_000_000 + int64(s.counter)
	}
	if m.Type == 0 {
		m.Type = 2
	}
	m.UUID = base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(m.ID, 10)))
	m.HostID, m.CreatedAt = "host-1", stamp(s.now())
	m.JoinURL = fmt.Sprintf("https://zoom.example/j/%d", m.ID)
	for i, old := range s.meets {
		if old.ID == m.ID {
			s.meets[i] = &m
			return m.ID
		}
	}
	s.meets = append(s.meets, &m)
	return m.ID
}

// DeleteMeeting removes a meeting, as the host deleting it would.
func (s *Server) DeleteMeeting(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, m := range s.meets {
		if m.ID == id {
			s.meets = append(s.meets[:i], s.meets[i+1:]...)
			return
		}
	}
}

func (s *Server) listMeetings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	typ := q.Get("type")
	if typ == "" {
		typ = "scheduled"
	}
	if typ != "scheduled" && typ != "live" && typ != "upcoming" && typ != "upcoming_meetings" && typ != "previous_meetings" {
		writeJSON(w, 400, map[string]any{"code": 300, "message": "Invalid field: type."})
		return
	}
	size := 30
	if v, err := strconv.Atoi(q.Get("page_size")); err == nil && v > 0 {
		size = min(v, 300)
	}
	now := s.now()
	var items []map[string]any
	for _, m := range s.meets {
		st, _ := time.Parse(time.RFC3339, m.StartTime)
		if strings.HasPrefix(typ, "upcoming") && (m.StartTime == "" || st.Add(time.Duration(m.Duration)*time.Minute).Before(now)) {
			continue
		}
		item := map[string]any{"uuid": m.UUID, "id": m.ID, "host_id": m.HostID, "topic": m.Topic, "type": m.Type,
			"duration": m.Duration, "timezone": m.Timezone, "created_at": m.CreatedAt, "join_url": m.JoinURL}
		if m.StartTime != "" {
			item["start_time"] = m.StartTime
		}
		if m.Agenda != "" {
			item["agenda"] = m.Agenda
		}
		items = append(items, item)
	}
	start := 0
	if v, err := strconv.Atoi(q.Get("next_page_token")); err == nil && v > 0 {
		start = min(v, len(items))
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	if items == nil {
		items = []map[string]any{}
	}
	writeJSON(w, 200, map[string]any{"page_size": size, "total_records": len(items), "next_page_token": next, "meetings": items[start:end]})
}

func (s *Server) getMeeting(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, m := range s.meets {
		if m.ID == id {
			invitees := []map[string]string{}
			for _, e := range m.Invitees {
				invitees = append(invitees, map[string]string{"email": e})
			}
			out := map[string]any{"uuid": m.UUID, "id": m.ID, "host_id": m.HostID, "topic": m.Topic, "type": m.Type,
				"duration": m.Duration, "timezone": m.Timezone, "created_at": m.CreatedAt, "join_url": m.JoinURL,
				"agenda": m.Agenda, "settings": map[string]any{"meeting_invitees": invitees}}
			if m.StartTime != "" {
				out["start_time"] = m.StartTime
			}
			writeJSON(w, 200, out)
			return
		}
	}
	writeJSON(w, 404, map[string]any{"code": 3001, "message": fmt.Sprintf("Meeting does not exist: %s.", r.PathValue("id"))})
}

// IssuedTokens returns every access and refresh token issued so far (to
// check they are not stored in clear).
func (s *Server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.access {
		out = append(out, k)
	}
	for k := range s.refresh {
		out = append(out, k)
	}
	return out
}

// DeleteEventForTest removes an event without a trace (no cancelled
// entry), as happens to events outside a sync token's memory.
func (s *Server) DeleteEventForTest(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.events {
		if e.ID == id {
			s.events = append(s.events[:i], s.events[i+1:]...)
			return
		}
	}
}
