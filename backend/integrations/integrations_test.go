package integrations_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/integrations"
	"sentry/backend/integrations/integrationstest"
	"sentry/backend/secretbox"
	"sentry/backend/sqlite"
	"sentry/backend/task"
)

// env is a real SQLite store, the real task service, the integrations
// service and a provider stand-in.
type env struct {
	t     *testing.T
	db    *sqlite.DB
	tasks *task.Service
	svc   *integrations.Service
	stand *integrationstest.Server
	user  *core.User
	ctx   context.Context
}

const redirect = "http://sentry.test/api/integrations/callback"

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvAt(t, nil)
}

// newEnvAt is newEnv with the service's and the stand-in's clock set to
// now (the real clock when nil).
func newEnvAt(t *testing.T, now func() time.Time) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sentry.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if now != nil {
		db.Now = now
	}
	u := &core.User{Email: "sync@example.com", FirstName: "Sync", PasswordHash: "x"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	box, err := secretbox.New(bytes.Repeat([]byte("k"), 32), "integrations")
	if err != nil {
		t.Fatal(err)
	}
	stand := integrationstest.New(t)
	stand.Now = now
	prov := func(api string) integrations.ProviderConfig {
		return integrations.ProviderConfig{ClientID: integrationstest.ClientID, ClientSecret: integrationstest.ClientSecret,
			AuthURL: stand.URL + "/oauth/authorize", TokenURL: stand.URL + "/oauth/token", RevokeURL: stand.URL + "/oauth/revoke", APIURL: stand.URL + api}
	}
	tasks := task.NewService(db, nil, nil)
	svc, err := integrations.NewService(db, tasks, integrations.Options{Box: box, RedirectURL: redirect, Now: now, Providers: map[string]integrations.ProviderConfig{
		core.IntegrationGoogleTasks:    prov("/tasks/v1"),
		core.IntegrationGoogleCalendar: prov("/calendar/v3"),
		core.IntegrationZoom:           prov("/v2"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, tasks: tasks, svc: svc, stand: stand, user: u, ctx: core.NewContextWithUser(context.Background(), u)}
}

// connect runs the whole connect flow: authorization URL, the consent
// screen's redirect back, the callback.
func (e *env) connect(provider string) {
	e.t.Helper()
	authURL, _, err := e.svc.Connect(e.ctx, provider, "/settings")
	if err != nil {
		e.t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("state") == "" || q.Get("access_type") != "offline" || q.Get("redirect_uri") != redirect {
		e.t.Fatalf("authorization URL lacks PKCE, state or offline access: %s", authURL)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	back, _ := url.Parse(res.Header.Get("Location"))
	fin, err := e.svc.Finish(context.Background(), back.Query().Get("state"), back.Query().Get("code"), "")
	if err != nil {
		e.t.Fatalf("finish: %v", err)
	}
	if fin.Provider != provider || fin.ReturnTo != "/settings" {
		e.t.Fatalf("finish: %+v", fin)
	}
}

func (e *env) status(provider string) integrations.Status {
	e.t.Helper()
	list, err := e.svc.List(e.ctx, e.user.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, s := range list {
		if s.Provider == provider {
			return s
		}
	}
	e.t.Fatalf("no status for %s", provider)
	return integrations.Status{}
}

func (e *env) syncTasks() *integrations.SyncResult {
	e.t.Helper()
	res, err := e.svc.SyncGoogleTasks(e.ctx, e.user.ID)
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	return res
}

func (e *env) create(t *core.Task) *core.Task {
	e.t.Helper()
	out, err := e.tasks.Create(e.ctx, e.user.ID, t)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) byGoogleID(id string) *core.Task {
	e.t.Helper()
	list, _, err := e.tasks.List(e.ctx, core.TaskFilter{UserID: e.user.ID, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, t := range list {
		if t.GoogleTaskID == id {
			return t
		}
	}
	return nil
}

func counts(r *integrations.SyncResult) [4]int {
	return [4]int{r.Pulled, r.Pushed, r.Deleted, r.Conflicts}
}

func tick() { time.Sleep(3 * time.Millisecond) } // distinct millisecond stamps

func TestGoogleTasksFirstSyncThenIncremental(t *testing.T) {
	e := newEnv(t)
	if st := e.status(core.IntegrationGoogleTasks); st.State != "disconnected" || !st.Configured {
		t.Fatalf("before connect: %+v", st)
	}
	list := e.stand.AddTaskList("My Tasks")
	due := "2026-12-01T00:00:00.000Z"
	g1 := e.stand.PutTask(list, integrationstest.Task{Title: "Book flights", Notes: "window seat", Due: &due})
	g2 := e.stand.PutTask(list, integrationstest.Task{Title: "Renew passport", Status: "completed"})
	e.stand.PutTask(list, integrationstest.Task{Title: "   "}) // a blank row: not imported
	local := e.create(&core.Task{Title: "Write the report"})
	e.create(&core.Task{Title: "Already done", Status: core.StatusDone})
	e.connect(core.IntegrationGoogleTasks)

	res := e.syncTasks()
	if counts(res) != [4]int{2, 1, 0, 0} || !res.Full || res.Skipped != 1 {
		t.Fatalf("first sync: %+v", res)
	}
	t1 := e.byGoogleID(g1)
	if t1 == nil || t1.Description != "window seat" || t1.Source != core.SourceGoogleTasks || t1.GoogleTaskListID != list ||
		t1.Deadline == nil || t1.Deadline.Format(time.RFC3339) != "2026-12-01T00:00:00Z" {
		t.Fatalf("pulled task: %+v", t1)
	}
	if t2 := e.byGoogleID(g2); t2 == nil || t2.Status != core.StatusDone || t2.CompletedAt == nil {
		t.Fatalf("completed task: %+v", t2)
	}
	pushed, err := e.tasks.Get(e.ctx, e.user.ID, local.ID)
	if err != nil || pushed.GoogleTaskID == "" || pushed.GoogleTaskListID != list {
		t.Fatalf("pushed task not linked: %+v %v", pushed, err)
	}
	if r, ok := e.stand.FindTask(list, pushed.GoogleTaskID); !ok || r.Title != "Write the report" || r.Status != "needsAction" {
		t.Fatalf("on Google: %+v", r)
	}
	st := e.status(core.IntegrationGoogleTasks)
	if !st.Connected || st.NeedsReconnect || st.LastSync == nil || st.State != "connected" {
		t.Fatalf("status: %+v", st)
	}

	// Nothing changed: nothing to do, and the second sync is incremental.
	res = e.syncTasks()
	if counts(res) != [4]int{} || res.Full {
		t.Fatalf("idle sync: %+v", res)
	}
	last := e.stand.Requests[len(e.stand.Requests)-1]
	if !strings.Contains(last, "updatedMin=") || !strings.Contains(last, "showDeleted=true") {
		t.Fatalf("incremental request: %s", last)
	}

	// A change on Google comes down; a change here goes up.
	tick()
	e.stand.EditTask(list, g1, func(r *integrationstest.Task) { r.Title = "Book flights to Lisbon"; r.Status = "completed" })
	res = e.syncTasks()
	if counts(res) != [4]int{1, 0, 0, 0} {
		t.Fatalf("remote edit: %+v", res)
	}
	if t1 = e.byGoogleID(g1); t1.Title != "Book flights to Lisbon" || t1.Status != core.StatusDone {
		t.Fatalf("after remote edit: %+v", t1)
	}
	title, deadline := "Write the quarterly report", time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC)
	if _, err := e.tasks.Update(e.ctx, e.user.ID, local.ID, core.TaskUpdate{Title: &title, Deadline: core.Patch[time.Time]{Set: true, Value: deadline}}); err != nil {
		t.Fatal(err)
	}
	res = e.syncTasks()
	if counts(res) != [4]int{0, 1, 0, 0} {
		t.Fatalf("local edit: %+v", res)
	}
	r, _ := e.stand.FindTask(list, pushed.GoogleTaskID)
	if r.Title != title || r.Due == nil || *r.Due != "2026-11-20T00:00:00.000Z" {
		t.Fatalf("on Google after local edit: %+v", r)
	}
	// Google's date-only due does not move the local time of day.
	if res = e.syncTasks(); counts(res) != [4]int{} {
		t.Fatalf("echo: %+v", res)
	}
	got, _ := e.tasks.Get(e.ctx, e.user.ID, local.ID)
	if !got.Deadline.Equal(deadline) {
		t.Fatalf("deadline moved to %v", got.Deadline)
	}
}

func TestGoogleTasksDeletionsBothWays(t *testing.T) {
	e := newEnv(t)
	list := e.stand.AddTaskList("My Tasks")
	g1 := e.stand.PutTask(list, integrationstest.Task{Title: "Deleted on Google"})
	g2 := e.stand.PutTask(list, integrationstest.Task{Title: "Deleted here"})
	e.connect(core.IntegrationGoogleTasks)
	e.syncTasks()
	t1, t2 := e.byGoogleID(g1), e.byGoogleID(g2)

	tick()
	e.stand.RemoveTask(list, g1)
	if err := e.tasks.Delete(e.ctx, e.user.ID, t2.ID); err != nil {
		t.Fatal(err)
	}
	res := e.syncTasks()
	if counts(res) != [4]int{0, 0, 2, 0} {
		t.Fatalf("deletions: %+v", res)
	}
	if _, err := e.tasks.Get(e.ctx, e.user.ID, t1.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("Google deletion not applied here: %v", err)
	}
	if r, _ := e.stand.FindTask(list, g2); !r.Deleted {
		t.Fatalf("local deletion not applied on Google: %+v", r)
	}
	if res = e.syncTasks(); counts(res) != [4]int{} {
		t.Fatalf("after deletions: %+v", res)
	}
}

func TestGoogleTasksConflictsLastWriterWins(t *testing.T) {
	e := newEnv(t)
	list := e.stand.AddTaskList("My Tasks")
	gA := e.stand.PutTask(list, integrationstest.Task{Title: "A"})
	gB := e.stand.PutTask(list, integrationstest.Task{Title: "B"})
	gC := e.stand.PutTask(list, integrationstest.Task{Title: "C"})
	e.connect(core.IntegrationGoogleTasks)
	e.syncTasks()
	a, b, c := e.byGoogleID(gA), e.byGoogleID(gB), e.byGoogleID(gC)
	set := func(id, title string) {
		if _, err := e.tasks.Update(e.ctx, e.user.ID, id, core.TaskUpdate{Title: &title}); err != nil {
			t.Fatal(err)
		}
	}
	tick()
	// A: edited here, then on Google → Google's later edit wins.
	set(a.ID, "A local")
	// B: edited on Google, then here → the local later edit wins.
	e.stand.EditTask(list, gB, func(r *integrationstest.Task) { r.Title = "B google" })
	tick()
	e.stand.EditTask(list, gA, func(r *integrationstest.Task) { r.Title = "A google" })
	tick()
	set(b.ID, "B local")
	// C: deleted on Google, edited here later → it is created on Google again.
	e.stand.RemoveTask(list, gC)
	tick()
	set(c.ID, "C local")

	res := e.syncTasks()
	if res.Conflicts != 3 {
		t.Fatalf("conflicts: %+v", res)
	}
	if got := e.byGoogleID(gA); got == nil || got.Title != "A google" {
		t.Fatalf("A: %+v", got)
	}
	if r, _ := e.stand.FindTask(list, gB); r.Title != "B local" {
		t.Fatalf("B on Google: %+v", r)
	}
	cNow, _ := e.tasks.Get(e.ctx, e.user.ID, c.ID)
	if cNow.GoogleTaskID == gC || cNow.GoogleTaskID == "" {
		t.Fatalf("C not re-created on Google: %+v", cNow)
	}
	if r, ok := e.stand.FindTask(list, cNow.GoogleTaskID); !ok || r.Title != "C local" || r.Deleted {
		t.Fatalf("C on Google: %+v", r)
	}
	if res = e.syncTasks(); counts(res) != [4]int{} {
		t.Fatalf("after conflicts: %+v", res)
	}

	// Deleted here, edited on Google later: it comes back here.
	if err := e.tasks.Delete(e.ctx, e.user.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	tick()
	e.stand.EditTask(list, gA, func(r *integrationstest.Task) { r.Title = "A revived" })
	res = e.syncTasks()
	if res.Conflicts != 1 || res.Pulled != 1 {
		t.Fatalf("revive: %+v", res)
	}
	if got := e.byGoogleID(gA); got == nil || got.Title != "A revived" || got.ID == a.ID {
		t.Fatalf("revived: %+v", got)
	}
}

func TestTokensSealedRefreshedAndRevoked(t *testing.T) {
	e := newEnv(t)
	e.stand.RotateRefreshTokens = true // the hardest case: each refresh voids the old refresh token
	e.stand.AddTaskList("My Tasks")
	e.connect(core.IntegrationGoogleTasks)
	e.syncTasks()

	// Tokens never rest in clear.
	var access, refresh []byte
	if err := e.db.QueryRowForTest(`SELECT access_token_enc, refresh_token_enc FROM integrations WHERE user_id = ?`, e.user.ID).Scan(&access, &refresh); err != nil {
		t.Fatal(err)
	}
	for _, tok := range e.stand.IssuedTokens() {
		if bytes.Contains(access, []byte(tok)) || bytes.Contains(refresh, []byte(tok)) {
			t.Fatal("a token is stored in clear")
		}
	}

	// Expired twice: each refresh's new refresh token was stored, or the
	// second refresh would fail.
	for i := 1; i <= 2; i++ {
		e.stand.ExpireAccessTokens()
		e.syncTasks()
		if e.stand.Refreshes != i {
			t.Fatalf("refreshes %d, want %d", e.stand.Refreshes, i)
		}
	}
	var access2 []byte
	_ = e.db.QueryRowForTest(`SELECT access_token_enc FROM integrations WHERE user_id = ?`, e.user.ID).Scan(&access2)
	if bytes.Equal(access, access2) {
		t.Fatal("refreshed token not stored")
	}

	// The provider is down: a 502-style error, still connected.
	e.stand.FailAPI = 503
	_, err := e.svc.SyncGoogleTasks(e.ctx, e.user.ID)
	if core.ErrorCode(err) != core.EBADGATEWAY {
		t.Fatalf("provider down: %v", err)
	}
	if st := e.status(core.IntegrationGoogleTasks); st.NeedsReconnect || st.LastError == "" || st.LastErrorAt == nil {
		t.Fatalf("status after outage: %+v", st)
	}
	e.stand.FailAPI = 0

	// The user revokes access at Google.
	e.stand.RevokeAll()
	_, err = e.svc.SyncGoogleTasks(e.ctx, e.user.ID)
	if core.ErrorCode(err) != core.ERECONNECT || !strings.Contains(core.ErrorMessage(err), "Reconnect Google Tasks") {
		t.Fatalf("revoked: %v", err)
	}
	st := e.status(core.IntegrationGoogleTasks)
	if !st.NeedsReconnect || st.State != core.IntegrationNeedsReconnect || !strings.Contains(st.LastError, "Reconnect") {
		t.Fatalf("status after revoke: %+v", st)
	}
	n := len(e.stand.Requests)
	if _, err := e.svc.SyncGoogleTasks(e.ctx, e.user.ID); core.ErrorCode(err) != core.ERECONNECT || len(e.stand.Requests) != n {
		t.Fatalf("a dead grant is retried: %v", err)
	}
	// Reconnecting clears the state and syncing resumes.
	e.connect(core.IntegrationGoogleTasks)
	if st := e.status(core.IntegrationGoogleTasks); st.NeedsReconnect || st.LastError != "" {
		t.Fatalf("after reconnect: %+v", st)
	}
	e.syncTasks()

	// Disconnect revokes the grant and forgets the tokens.
	if err := e.svc.Disconnect(e.ctx, e.user.ID, core.IntegrationGoogleTasks); err != nil {
		t.Fatal(err)
	}
	if !e.stand.Revoked() {
		t.Fatal("disconnect did not revoke the grant")
	}
	if st := e.status(core.IntegrationGoogleTasks); st.Connected || st.State != "disconnected" {
		t.Fatalf("after disconnect: %+v", st)
	}
	if _, err := e.svc.SyncGoogleTasks(e.ctx, e.user.ID); core.ErrorCode(err) != core.ERECONNECT {
		t.Fatalf("sync after disconnect: %v", err)
	}
}

func TestConnectFlowIsSingleUseAndBound(t *testing.T) {
	e := newEnv(t)
	authURL, _, err := e.svc.Connect(e.ctx, core.IntegrationZoom, "")
	if err != nil {
		t.Fatal(err)
	}
	state := mustQuery(t, authURL, "state")
	if _, err := e.svc.Finish(context.Background(), state, "bogus-code", ""); core.ErrorCode(err) == core.EINTERNAL || err == nil {
		t.Fatalf("bad code: %v", err)
	}
	if _, err := e.svc.Finish(context.Background(), state, "bogus-code", ""); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("state reused: %v", err)
	}
	if _, _, err := e.svc.Connect(e.ctx, core.IntegrationZoom, "https://evil.example/"); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("open redirect: %v", err)
	}
	if _, _, err := e.svc.Connect(e.ctx, "dropbox", ""); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("unknown provider: %v", err)
	}
	authURL, _, _ = e.svc.Connect(e.ctx, core.IntegrationZoom, "")
	res, err := e.svc.Finish(context.Background(), mustQuery(t, authURL, "state"), "", "access_denied")
	if core.ErrorCode(err) != core.EUNAUTHORIZED || res.ReturnTo != "/" {
		t.Fatalf("denied: %+v %v", res, err)
	}
}

func mustQuery(t *testing.T, raw, key string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(key)
}

func TestNotConfigured(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sentry.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &core.User{Email: "nc@example.com", PasswordHash: "x"}
	_ = db.CreateUser(context.Background(), u)
	box, _ := secretbox.New(bytes.Repeat([]byte("k"), 32), "integrations")
	svc, err := integrations.NewService(db, task.NewService(db, nil, nil), integrations.Options{Box: box})
	if err != nil {
		t.Fatal(err)
	}
	ctx := core.NewContextWithUser(context.Background(), u)
	list, err := svc.List(ctx, u.ID)
	if err != nil || len(list) != 3 || list[0].State != "not_configured" || list[0].Configured {
		t.Fatalf("%+v %v", list, err)
	}
	if _, _, err := svc.Connect(ctx, core.IntegrationGoogleTasks, ""); core.ErrorCode(err) != core.ECONFLICT || !strings.Contains(core.ErrorMessage(err), "not set up") {
		t.Fatalf("connect: %v", err)
	}
	if _, err := svc.SyncGoogleTasks(ctx, u.ID); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("sync: %v", err)
	}
	if _, err := svc.List(ctx, "someone-else"); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("other user: %v", err)
	}
}
