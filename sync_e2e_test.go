package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/postgres/pgtest"
	"sentry/sync/client"
	"sentry/sync/wire"
)

// faultyTransport is the real HTTP path with faults switched on by the
// test: the server unreachable, or a push's answer lost after the server
// committed it. It records the batch ids pushed.
type faultyTransport struct {
	mu          sync.Mutex
	down        bool
	losePush    int // answers of the next n pushes are lost
	batches     []string
	lostBatches []string
}

func (f *faultyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return nil, errors.New("dial tcp: connection refused")
	}
	var batch string
	if r.URL.Path == "/api/sync/push" && r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		var req wire.PushRequest
		_ = json.Unmarshal(body, &req)
		batch = req.BatchID
		r.Body = io.NopCloser(strings.NewReader(string(body)))
	}
	res, err := http.DefaultTransport.RoundTrip(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if batch != "" {
		f.batches = append(f.batches, batch)
		if err == nil && f.losePush > 0 {
			f.losePush--
			f.lostBatches = append(f.lostBatches, batch)
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return nil, errors.New("read: connection reset by peer")
		}
	}
	return res, err
}

// device is one data folder with its local profile and sync engine.
type device struct {
	t    testing.TB
	name string
	app  *app.App
	ctx  context.Context // carries the local profile
	user *core.User
	eng  *client.Engine
	net  *faultyTransport
}

func newDevice(t testing.TB, name string) *device {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	u, err := a.LocalUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := &device{t: t, name: name, app: a, user: u, ctx: core.NewContextWithUser(context.Background(), u), net: &faultyTransport{}}
	d.eng = client.New(client.Options{Store: a.DB, Tasks: a.DB, Events: a.Events, Clock: a.Clock,
		Secrets: &client.FileSecrets{Path: filepath.Join(cfg.DataDir, app.SyncTokenFile)}, DeviceID: a.DB.DeviceID, DeviceName: name,
		LocalUserID: u.ID, HTTP: &http.Client{Transport: d.net, Timeout: time.Minute}})
	return d
}

func (d *device) add(title, team string) *core.Task {
	d.t.Helper()
	t, err := d.app.Tasks.Create(d.ctx, d.user.ID, &core.Task{Title: title, TeamID: team})
	if err != nil {
		d.t.Fatalf("%s: add %q: %v", d.name, title, err)
	}
	return t
}

func (d *device) edit(id string, upd core.TaskUpdate) {
	d.t.Helper()
	if _, err := d.app.Tasks.Update(d.ctx, d.user.ID, id, upd); err != nil {
		d.t.Fatalf("%s: edit %s: %v", d.name, id, err)
	}
}

func (d *device) sync() client.Result {
	d.t.Helper()
	r, err := d.eng.SyncNow(d.ctx)
	if err != nil {
		d.t.Fatalf("%s: sync: %v", d.name, err)
	}
	// What the pull brought in sets the device's own features to work
	// (the workload analysis of the new tasks), and their writes are new
	// local changes: a round or two more must carry them, and then the
	// outbox must be empty. The first round's counts are the answer.
	for round := 0; r.Pending != 0 && round < 3; round++ {
		again, err := d.eng.SyncNow(d.ctx)
		if err != nil {
			d.t.Fatalf("%s: sync again: %v", d.name, err)
		}
		r.Pending = again.Pending
	}
	if r.Pending != 0 {
		d.t.Fatalf("%s: %d changes still pending after four syncs", d.name, r.Pending)
	}
	return r
}

// tasks lists the device's visible tasks as the task list shows them.
func (d *device) tasks() []*core.Task {
	d.t.Helper()
	all, err := allTasks(d.ctx, d.app, core.TaskFilter{UserID: d.user.ID, Limit: core.MaxTaskLimit})
	if err != nil {
		d.t.Fatal(err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}

func (d *device) find(title string) []*core.Task {
	var out []*core.Task
	for _, t := range d.tasks() {
		if t.Title == title {
			out = append(out, t)
		}
	}
	return out
}

// summary is what two devices of one person must agree on.
func summary(ts []*core.Task) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.ID + "|" + t.Title + "|" + t.Status + "|" + t.Priority + "|" + t.TeamID + "\n")
	}
	return b.String()
}

// syncServer is a team server: the real handler over a real store.
type syncServer struct {
	t   testing.TB
	app *app.App
	srv *httptest.Server
}

func newSyncServer(t testing.TB, dbURL string) *syncServer {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = dbURL
	cfg.RateLimit = 0
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	s := &syncServer{t: t, app: a, srv: httptest.NewServer(a.Handler())}
	t.Cleanup(func() { s.srv.Close(); a.Close() })
	return s
}

// api calls the server as a person's browser would.
func (s *syncServer) api(method, path, token string, body any, want int) map[string]any {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		s.t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, data)
	}
	out := map[string]any{}
	_ = json.Unmarshal(data, &out)
	return out
}

// account registers a person and signs them in.
func (s *syncServer) account(email, password string) (id, token string) {
	s.t.Helper()
	s.api("POST", "/api/users/", "", map[string]any{"email": email, "password": password, "first_name": "Sync", "last_name": "Tester"}, 201)
	sess := s.api("POST", "/api/auth/login", "", map[string]any{"email": email, "password": password}, 200)
	return sess["user"].(map[string]any)["id"].(string), sess["access_token"].(string)
}

// pgSchemaURL is the test PostgreSQL with a fresh schema, or "" without one.
func pgSchemaURL(t *testing.T) string {
	t.Helper()
	if pgtest.URL() == "" {
		return ""
	}
	return pgtest.SchemaURL(t)
}

// onBothStores runs test with the team server on SQLite, then on
// PostgreSQL when the run has one (scripts/with-postgres).
func onBothStores(t *testing.T, test func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, "") })
	t.Run("postgres", func(t *testing.T) {
		u := pgSchemaURL(t)
		if u == "" {
			t.Skip("needs PostgreSQL: run under scripts/with-postgres")
		}
		test(t, u)
	})
}

// newServingSyncServer is a team server that serves sync (the test is
// skipped on a store that does not).
func newServingSyncServer(t *testing.T, dbURL string) *syncServer {
	t.Helper()
	srv := newSyncServer(t, dbURL)
	if srv.app.Sync == nil {
		t.Skip("this store does not serve sync")
	}
	return srv
}

// connect signs each device in to the server as email.
func (s *syncServer) connect(t testing.TB, email, password string, ds ...*device) {
	t.Helper()
	for _, d := range ds {
		if _, err := d.eng.Connect(d.ctx, s.srv.URL, email, password); err != nil {
			t.Fatalf("%s: connect: %v", d.name, err)
		}
	}
}

// teamOfTwo is the usual cast of the sync tests: Alice with two devices
// (laptop, desk), Bob with one, both in Alice's team on one server.
type teamOfTwo struct {
	srv                *syncServer
	aliceID, bobID     string
	aliceToken, bobTok string
	team               string
	laptop, desk, bob  *device
}

const (
	aliceEmail, alicePassword = "alice@example.com", "alice-sync-pass-1"
	bobEmail, bobPassword     = "bob@example.com", "bob-sync-pass-1"
)

// newTeamOfTwo makes the accounts, the team and the three devices, not
// yet connected (connect), so a test may write on them first.
func newTeamOfTwo(t *testing.T, srv *syncServer) *teamOfTwo {
	t.Helper()
	w := &teamOfTwo{srv: srv}
	w.aliceID, w.aliceToken = srv.account(aliceEmail, alicePassword)
	w.bobID, w.bobTok = srv.account(bobEmail, bobPassword)
	w.team = srv.api("POST", "/api/teams", w.aliceToken, map[string]any{"name": "Design"}, 201)["id"].(string)
	srv.api("POST", "/api/teams/"+w.team+"/members", w.aliceToken, map[string]any{"email": bobEmail, "role": "member"}, 201)
	w.laptop, w.desk, w.bob = newDevice(t, "laptop"), newDevice(t, "desk"), newDevice(t, "bob")
	return w
}

// connect signs Alice's devices and Bob's in.
func (w *teamOfTwo) connect(t *testing.T) {
	t.Helper()
	w.srv.connect(t, aliceEmail, alicePassword, w.laptop, w.desk)
	w.srv.connect(t, bobEmail, bobPassword, w.bob)
}

// TestSyncTwoDevicesAndATeammate is the sync client end to end: two
// devices of one person and a teammate's, each a real data folder, against
// the real team server — offline edits, a concurrent edit reported as a
// conflict, a team task reaching the teammate, a push whose answer is lost
// and retried, and the server out of reach, all converging.
func TestSyncTwoDevicesAndATeammate(t *testing.T) { onBothStores(t, testSyncEndToEnd) }

func testSyncEndToEnd(t *testing.T, dbURL string) {
	srv := newServingSyncServer(t, dbURL)
	w := newTeamOfTwo(t, srv)
	aliceToken, bobID, team := w.aliceToken, w.bobID, w.team
	laptop, desk, bob := w.laptop, w.desk, w.bob
	// Written before the laptop ever met the server: the first sync sends it.
	call := laptop.add("Call Dana", "")
	w.connect(t)
	if r := laptop.sync(); r.Pushed < 1 {
		t.Fatalf("laptop's first sync pushed %d", r.Pushed)
	}
	desk.sync()
	if got := desk.find("Call Dana"); len(got) != 1 || got[0].ID != call.ID || got[0].UserID != desk.user.ID {
		t.Fatalf("desk after its first sync: %v", got)
	}

	// Both edit the title while apart: a real conflict, reported, not lost.
	today, tomorrow := "Call Dana today", "Call Dana tomorrow"
	laptop.edit(call.ID, core.TaskUpdate{Title: &today})
	desk.edit(call.ID, core.TaskUpdate{Title: &tomorrow})
	// And different fields: both kept, no conflict.
	high, done := core.PriorityHigh, core.StatusDone
	laptop.edit(call.ID, core.TaskUpdate{Priority: &high})
	desk.edit(call.ID, core.TaskUpdate{Status: &done})
	laptop.sync()
	r := desk.sync()
	laptop.sync()
	if r.Conflicts < 1 {
		t.Fatalf("desk's sync after the concurrent rename reported %d conflicts", r.Conflicts)
	}
	conflicts, err := desk.eng.Conflicts(desk.ctx)
	if err != nil || len(conflicts) != 1 {
		t.Fatalf("conflicts %+v %v, want the one title", conflicts, err)
	}
	c := conflicts[0]
	values := []any{c.WinnerValue, c.LoserValue}
	if c.Field != "title" || c.RowID != call.ID || !(values[0] == today && values[1] == tomorrow || values[0] == tomorrow && values[1] == today) {
		t.Fatalf("conflict %+v: want both titles", c)
	}
	if summary(laptop.tasks()) != summary(desk.tasks()) {
		t.Fatalf("alice's devices differ:\nlaptop:\n%sdesk:\n%s", summary(laptop.tasks()), summary(desk.tasks()))
	}
	got := laptop.find(c.WinnerValue.(string))
	if len(got) != 1 || got[0].Priority != high || got[0].Status != done {
		t.Fatalf("after merging: %+v, want the winning title, high priority and done", got)
	}
	// "Keep this one" on the losing title brings it back everywhere.
	if err := desk.eng.Keep(desk.ctx, c, "loser"); err != nil {
		t.Fatal(err)
	}
	desk.sync()
	laptop.sync()
	if got := laptop.find(c.LoserValue.(string)); len(got) != 1 {
		t.Fatalf("the kept title did not reach the laptop: %s", summary(laptop.tasks()))
	}
	if left, _ := desk.eng.Conflicts(desk.ctx); len(left) != 0 {
		t.Fatalf("settled conflict still listed: %+v", left)
	}

	// A team task reaches the teammate's device, under their own profile.
	bob.sync()
	review := laptop.add("Design review", team)
	laptop.sync()
	bob.sync()
	if got := bob.find("Design review"); len(got) != 1 || got[0].ID != review.ID || got[0].TeamID != team || got[0].UserID != bob.user.ID {
		t.Fatalf("bob's tasks: %s", summary(bob.tasks()))
	}
	if got := bob.find("Call Dana"); len(got) != 0 {
		t.Fatalf("alice's personal task reached bob: %s", summary(bob.tasks()))
	}
	// The teammate's edit comes back.
	inProgress := core.StatusInProgress
	bob.edit(review.ID, core.TaskUpdate{Status: &inProgress})
	bob.sync()
	laptop.sync()
	if got := laptop.find("Design review"); len(got) != 1 || got[0].Status != inProgress {
		t.Fatalf("bob's edit did not reach alice: %s", summary(laptop.tasks()))
	}

	// A push whose answer is lost after the server committed it: the
	// retry sends the same batch and nothing is doubled or lost.
	laptop.add("Book the room", "")
	laptop.net.mu.Lock()
	laptop.net.losePush = 1
	laptop.net.mu.Unlock()
	if _, err := laptop.eng.SyncNow(laptop.ctx); !errors.Is(err, client.ErrOffline) {
		t.Fatalf("sync with a lost answer: %v, want offline", err)
	}
	if st, _ := laptop.eng.Status(laptop.ctx); st.Pending == 0 {
		t.Fatal("the unacknowledged change was dropped")
	}
	laptop.sync()
	laptop.net.mu.Lock()
	lost, sent := laptop.net.lostBatches, laptop.net.batches
	laptop.net.mu.Unlock()
	if len(lost) != 1 || sent[len(sent)-1] != lost[0] {
		t.Fatalf("the retry did not reuse the lost batch %v (sent %v)", lost, sent)
	}
	desk.sync()
	if got := desk.find("Book the room"); len(got) != 1 {
		t.Fatalf("after a lost answer and a retry the desk has %d copies", len(got))
	}

	// The server out of reach: sync fails with a reason, nothing is lost,
	// and the next sync converges.
	desk.net.mu.Lock()
	desk.net.down = true
	desk.net.mu.Unlock()
	desk.add("Written offline", "")
	if _, err := desk.eng.SyncNow(desk.ctx); !errors.Is(err, client.ErrOffline) || !strings.Contains(err.Error(), "can't be reached") {
		t.Fatalf("sync with the server down: %v", err)
	}
	st, err := desk.eng.Status(desk.ctx)
	if err != nil || st.State != client.StateOffline || st.Pending == 0 {
		t.Fatalf("status while down: %+v %v", st, err)
	}
	desk.net.mu.Lock()
	desk.net.down = false
	desk.net.mu.Unlock()
	desk.sync()
	laptop.sync()
	if got := laptop.find("Written offline"); len(got) != 1 {
		t.Fatalf("the offline task did not arrive: %s", summary(laptop.tasks()))
	}
	if st, _ := desk.eng.Status(desk.ctx); st.State != client.StateSynced && st.State != client.StateAttention {
		t.Fatalf("status after recovery: %+v", st)
	}
	desk.sync()
	if summary(laptop.tasks()) != summary(desk.tasks()) {
		t.Fatalf("alice's devices differ at the end:\nlaptop:\n%sdesk:\n%s", summary(laptop.tasks()), summary(desk.tasks()))
	}

	// Bob edits the team task offline, then is removed from the team: the
	// server refuses his edit, which stays on his device with the reason,
	// and the team's tasks leave it.
	renamed := "Design review (moved)"
	bob.edit(review.ID, core.TaskUpdate{Title: &renamed})
	srv.api("DELETE", "/api/teams/"+team+"/members/"+bobID, aliceToken, nil, 204)
	if r := bob.sync(); r.Rejected != 1 {
		t.Fatalf("bob's sync after his removal: %+v, want his edit refused", r)
	}
	if got := bob.tasks(); len(got) != 0 {
		t.Fatalf("the team's tasks stayed on bob's device: %s", summary(got))
	}
	rejected, err := bob.eng.Rejected(bob.ctx)
	if err != nil || len(rejected) != 1 || rejected[0].RowID != review.ID || rejected[0].Fields["title"] != renamed || rejected[0].Message == "" {
		t.Fatalf("bob's refused changes: %+v %v", rejected, err)
	}
	if st, _ := bob.eng.Status(bob.ctx); st.State != client.StateAttention || st.Rejected != 1 || len(st.Teams) != 0 {
		t.Fatalf("bob's status after his removal: %+v", st)
	}
	laptop.sync()
	if got := laptop.find("Design review"); len(got) != 1 {
		t.Fatalf("bob's refused edit reached alice: %s", summary(laptop.tasks()))
	}
}
