package simtest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"sentry/backend/auth"
	"sentry/backend/core"
	"sentry/backend/httpapi"
	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/backend/sqlite"
	"sentry/backend/syncsvc"
	"sentry/backend/task"
	"sentry/backend/team"
	"sentry/sync/client"
	"sentry/sync/hlc"
	"sentry/sync/remote"
	"sentry/sync/wire"
)

// serverURL is where the devices think the server is; the transport never
// leaves the process.
const serverURL = "http://127.0.0.1:8080"

// password of both simulated people.
const password = "simulated-password-1234"

// secret signs the server's access tokens; fixed, so tokens survive a
// server restart as they would with a configured secret.
var secret = []byte("simtest-signing-secret-0123456789abcdef")

// epoch is the simulated wall time at which every schedule starts.
var epoch = time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)

// templateNow is the time the templates are written at: an hour before
// both the simulated epoch and the real time. A store's clock resumes from
// the highest clock in its change log, so a template written at the real
// time, once that is past the epoch, put every simulated device's clock
// ahead of the simulated server's by that much, and the server refused
// their pushes (every schedule failed from 09:05 UTC on the day of the
// epoch).
func templateNow() time.Time {
	t := time.Now()
	if epoch.Before(t) {
		t = epoch
	}
	return t.Add(-time.Hour)
}

// templates are migrated database files, made once per process and copied
// for every schedule, so a schedule costs a file copy, not a migration.
type templates struct {
	server []byte // the server: two people, one team with both in it
	device []byte // a device: its local profile, no device id yet
	users  [2]simUser
	teamID string
	// pg is the same server on PostgreSQL, a database copied per schedule
	// (nil without $SENTRY_TEST_DATABASE_URL).
	pg *pgTemplate
}

type simUser struct {
	id, email string
}

var (
	tmplOnce sync.Once
	tmpl     *templates
	tmplErr  error
)

func loadTemplates() (*templates, error) {
	tmplOnce.Do(func() { tmpl, tmplErr = buildTemplates() })
	return tmpl, tmplErr
}

func buildTemplates() (*templates, error) {
	dir, err := os.MkdirTemp("", "simtest-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	t := &templates{}

	// The server: two people and a team owned by the first, with the
	// second as a member.
	sp := filepath.Join(dir, "server.db")
	at := templateNow()
	now := func() time.Time { return at }
	db, err := sqlite.Open(ctx, sp, sqlite.Options{ReadConns: 1, Now: now, Clock: hlc.New(now)})
	if err != nil {
		return nil, err
	}
	if t.users, t.teamID, err = seedServer(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	if t.server, err = settle(sp, false); err != nil {
		return nil, err
	}

	// A device: migrated, with its local profile; its device id is set per
	// device so the tie-break between devices follows the seed.
	dp := filepath.Join(dir, "device.db")
	if db, err = sqlite.Open(ctx, dp, sqlite.Options{ReadConns: 1, Now: now, Clock: hlc.New(now)}); err != nil {
		return nil, err
	}
	if err := db.CreateUser(ctx, &core.User{Email: auth.LocalProfileEmail, FirstName: "Me", IsLocal: true, EmailVerified: true}); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	if t.device, err = settle(dp, true); err != nil {
		return nil, err
	}
	if url := pgtest.URL(); url != "" {
		if t.pg, err = buildPGTemplate(ctx, url); err != nil {
			return nil, fmt.Errorf("postgres template: %w", err)
		}
	}
	return t, nil
}

// seedServer gives a fresh server store its two people and their team.
func seedServer(ctx context.Context, db serverDB) ([2]simUser, string, error) {
	var out [2]simUser
	a, err := auth.NewService(db, auth.Options{Secret: secret, BcryptCost: 4, Accounts: db})
	if err != nil {
		return out, "", err
	}
	var users [2]*core.User
	for i, name := range []string{"Ada", "Ben"} {
		email := strings.ToLower(name) + "@sim.example"
		if users[i], err = a.Register(ctx, auth.RegisterInput{Email: email, Password: password, FirstName: name, LastName: "Sim"}); err != nil {
			return out, "", err
		}
		out[i] = simUser{id: users[i].ID, email: email}
	}
	teams := team.NewService(db, db)
	tm, err := teams.Create(core.NewContextWithUser(ctx, users[0]), "Design")
	if err != nil {
		return out, "", err
	}
	if _, err := teams.AddMember(core.NewContextWithUser(ctx, users[0]), tm.ID, out[1].email, core.RoleMember); err != nil {
		return out, "", err
	}
	a.WaitMail()
	return out, tm.ID, nil
}

// settle folds the write-ahead log into the file and returns its bytes;
// forgetDevice drops the device id so each copy gets its own.
func settle(path string, forgetDevice bool) ([]byte, error) {
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return nil, err
	}
	stmts := []string{"PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA journal_mode=DELETE"}
	if forgetDevice {
		stmts = append([]string{"DELETE FROM meta WHERE key = 'device_id'"}, stmts...)
	}
	for _, q := range stmts {
		if _, err := raw.Exec(q); err != nil {
			raw.Close()
			return nil, fmt.Errorf("template %s: %s: %w", path, q, err)
		}
	}
	if err := raw.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// world is one schedule: the server, the devices, the simulated time, the
// faults and what the oracles need to know.
type world struct {
	ctx  context.Context
	rng  *rand.Rand
	dir  string
	tmpl *templates
	opt  options

	users  [2]simUser // the two people and their team on this server
	teamID string
	seed   uint64
	onPG   bool   // the server's store is PostgreSQL
	dropDB func() // drops the schedule's PostgreSQL database

	now    time.Time // simulated server time
	server *server
	devs   []*device

	faultsOn bool
	stats    stats
	trace    []string

	members map[int]bool // the team's members on the server, by person

	writes   []write            // acknowledged local writes
	bases    map[string]bool    // "(row, field, clock)" some write had seen
	pushes   []loggedPush       // pushes the server committed
	rejected map[int][][]string // change ids the server refused, per device
}

// options choose the server's store and the broken variants the harness
// itself can switch on.
type options struct {
	ops int // operations per schedule (before heal and quiesce)
	// cursorFirst saves a pull's cursor in its own transaction before the
	// page is applied (a broken client).
	cursorFirst bool
	// keepTeam keeps a team's rows on a device whose person left it (a
	// broken client): it neither drops the team a bind no longer names nor
	// takes a pull's revocation.
	keepTeam bool
}

// stats count what a schedule did.
type stats struct {
	ops, syncs, requests                                       int
	dropReq, dropResp, dup, unavailable, restarts, partitioned int
	crashes, rounds, writes, rejections, conflicts, ties       int
	onPG                                                       int // schedules whose server ran on PostgreSQL
}

func (s *stats) add(o stats) {
	s.ops += o.ops
	s.syncs += o.syncs
	s.requests += o.requests
	s.dropReq += o.dropReq
	s.dropResp += o.dropResp
	s.dup += o.dup
	s.unavailable += o.unavailable
	s.restarts += o.restarts
	s.partitioned += o.partitioned
	s.crashes += o.crashes
	s.rounds += o.rounds
	s.writes += o.writes
	s.rejections += o.rejections
	s.conflicts += o.conflicts
	s.ties += o.ties
	s.onPG += o.onPG
}

func (s stats) faults() int {
	return s.dropReq + s.dropResp + s.dup + s.unavailable + s.restarts + s.partitioned + s.crashes
}

// write is a local write that returned success: the clock it gave a field.
type write struct {
	dev          int
	row, field   string
	clock, base  string
	value        any
	seenByServer bool
}

// loggedPush is a push the server answered 200 to, kept to be replayed.
type loggedPush struct {
	dev   int
	token string
	body  []byte
}

func (w *world) logf(format string, args ...any) {
	w.trace = append(w.trace, fmt.Sprintf("%4d %s ", len(w.trace), w.now.Sub(epoch).Truncate(time.Millisecond))+fmt.Sprintf(format, args...))
}

// server is the team server: the real handler on a real store, reopened
// from its file on a restart.
type server struct {
	path    string // the SQLite file
	pgURL   string // or the PostgreSQL database
	db      serverDB
	clock   *hlc.Clock
	teams   *team.Service
	handler http.Handler
}

// serverDB is what the server needs of its store; both stores have it.
type serverDB interface {
	core.UserStore
	core.AccountStore
	core.TaskStore
	core.TeamStore
	core.SyncServerStore
	Close() error
}

func (w *world) startServer() error {
	now := func() time.Time { return w.now }
	clock := hlc.New(now)
	var db serverDB
	var err error
	if w.server.pgURL != "" {
		db, err = postgres.Open(w.ctx, w.server.pgURL, postgres.Options{Now: now, Clock: clock, MaxConns: 4})
	} else {
		db, err = sqlite.Open(w.ctx, w.server.path, sqlite.Options{ReadConns: 2, Now: now, Clock: clock})
	}
	if err != nil {
		return fmt.Errorf("open server: %w", err)
	}
	handler, teams, err := newServerHandler(db, clock, now)
	if err != nil {
		db.Close()
		return err
	}
	w.server.db, w.server.clock, w.server.teams = db, clock, teams
	w.server.handler = handler
	return nil
}

// newServerHandler is the team server's API on a store: the real handler
// with the services sync needs. The kill mode's server process serves it
// on a real port.
func newServerHandler(db serverDB, clock *hlc.Clock, now func() time.Time) (http.Handler, *team.Service, error) {
	a, err := auth.NewService(db, auth.Options{Secret: secret, BcryptCost: 4, Accounts: db})
	if err != nil {
		return nil, nil, err
	}
	teams := team.NewService(db, db)
	tasks := task.NewService(db, nil, nil)
	tasks.Teams = teams
	svc := syncsvc.NewService(db, db, clock, now)
	return httpapi.NewServer(httpapi.Deps{Auth: a, Tasks: tasks, Teams: teams, Sync: svc}), teams, nil
}

func (w *world) restartServer() error {
	w.stats.restarts++
	w.logf("server restarts")
	if err := w.server.db.Close(); err != nil {
		return fmt.Errorf("close server: %w", err)
	}
	if err := w.startServer(); err != nil {
		return err
	}
	// A restarted server's clock resumes from the highest clock it holds
	// (seed 0xd1024a5fad64d717 lost a write when it did not).
	return nil
}

// device is one installation: its own store, clock, task service and sync
// engine, talking to the server through a faulty transport.
type device struct {
	idx     int
	person  int
	id      string
	skew    time.Duration
	db      *sqlite.DB
	ro      *sql.DB // a read-only look at the same file, for the oracles
	tasks   *task.Service
	engine  *client.Engine
	local   *core.User
	store   *faultyStore
	cut     bool // partitioned from the server
	token   string
	applied int
	seen    map[string]map[string]string // the field clocks of each row at its last sync
}

func (d *device) ctx(w *world) context.Context { return core.NewContextWithUser(w.ctx, d.local) }

func (w *world) addDevice(idx, person int, skew time.Duration) (*device, error) {
	path := filepath.Join(w.dir, fmt.Sprintf("device%d.db", idx))
	// A device id from the seed: the tie-break between two devices' equal
	// clock readings follows it.
	d := &device{idx: idx, person: person, skew: skew, id: fmt.Sprintf("dev-%016x-%d", w.rng.Uint64(), idx)}
	if err := writeDeviceFile(w.tmpl, path, d.id); err != nil {
		return nil, err
	}
	now := func() time.Time { return w.now.Add(d.skew) }
	clock := hlc.New(now)
	var err error
	if d.db, err = sqlite.Open(w.ctx, path, sqlite.Options{ReadConns: 1, Now: now, Clock: clock}); err != nil {
		return nil, err
	}
	if d.ro, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)"); err != nil {
		return nil, err
	}
	d.ro.SetMaxOpenConns(1)
	if d.local, err = d.db.FindLocalUser(w.ctx); err != nil {
		return nil, err
	}
	teams := team.NewService(d.db, d.db)
	d.tasks = task.NewService(d.db, nil, nil)
	d.tasks.Teams = teams
	d.store = &faultyStore{SyncClientStore: d.db, w: w, d: d}
	hc := &http.Client{Transport: &transport{w: w, d: d}}
	d.engine = client.New(client.Options{Store: d.store, Tasks: d.db, Clock: clock, Secrets: &memSecrets{},
		DeviceID: d.db.DeviceID, DeviceName: fmt.Sprintf("device %d", idx), LocalUserID: d.local.ID, HTTP: hc, Now: now})
	if _, err := d.engine.Connect(w.ctx, serverURL, w.users[person].email, password); err != nil {
		return nil, fmt.Errorf("device %d connects: %w", idx, err)
	}
	return d, nil
}

// writeDeviceFile lays a new device's database file from the template,
// with its device id.
func writeDeviceFile(t *templates, path, id string) error {
	if err := os.WriteFile(path, t.device, 0o600); err != nil {
		return err
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer raw.Close()
	_, err = raw.Exec(`INSERT INTO meta(key, value) VALUES('device_id', ?)`, id)
	return err
}

func (w *world) close() {
	for _, d := range w.devs {
		if d.ro != nil {
			d.ro.Close()
		}
		if d.db != nil {
			d.db.Close()
		}
	}
	if w.server != nil && w.server.db != nil {
		w.server.db.Close()
	}
	if w.dropDB != nil {
		w.dropDB()
	}
}

// memSecrets keeps a refresh token in memory.
type memSecrets struct{ m map[string]string }

func (s *memSecrets) Get(server string) (string, error) {
	if v, ok := s.m[server]; ok {
		return v, nil
	}
	return "", remote.ErrNoSecret
}

func (s *memSecrets) Set(server, v string) error {
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[server] = v
	return nil
}

func (s *memSecrets) Delete(server string) error { delete(s.m, server); return nil }

// faultyStore is the device's store as the engine sees it. A device may
// die while it applies a pulled page: with the real store nothing of the
// page is kept. The broken variant (options.cursorFirst) saves the cursor
// in a transaction of its own first, as a client that got the order wrong
// would, so the page is lost behind the cursor.
type faultyStore struct {
	core.SyncClientStore
	w *world
	d *device
}

var errCrash = errors.New("simtest: the device died while applying a page")

func (s *faultyStore) ApplySyncPage(ctx context.Context, p *core.SyncPage) ([]core.SyncApplied, error) {
	if s.w.opt.keepTeam {
		var kept []core.SyncControl
		for _, c := range p.Control {
			if c.Type != core.SyncScopeRevoked {
				kept = append(kept, c)
			}
		}
		cp := *p
		cp.Control = kept
		p = &cp
	}
	crash := s.w.faultsOn && s.w.rng.IntN(100) < 4
	if s.w.opt.cursorFirst {
		if _, err := s.SyncClientStore.ApplySyncPage(ctx, &core.SyncPage{Cursor: p.Cursor}); err != nil {
			return nil, err
		}
	}
	if crash {
		s.w.stats.crashes++
		s.w.logf("d%d dies applying a page of %d entries", s.d.idx, len(p.Entries))
		return nil, errCrash
	}
	return s.SyncClientStore.ApplySyncPage(ctx, p)
}

// BindSync, in the keepTeam variant, binds the team again when the server
// no longer names it, so the device keeps its rows.
func (s *faultyStore) BindSync(ctx context.Context, b *core.SyncBinding, scopes []core.SyncScope) error {
	if s.w.opt.keepTeam && s.w.teamID != "" && !slices.ContainsFunc(scopes, func(sc core.SyncScope) bool { return sc.ID == s.w.teamID }) {
		scopes = append(slices.Clip(scopes), core.SyncScope{ID: s.w.teamID, Kind: wire.ScopeTeam})
	}
	return s.SyncClientStore.BindSync(ctx, b, scopes)
}

// transport carries one device's requests to the server's handler in
// process, through the real JSON path, and injects the faults.
type transport struct {
	w *world
	d *device
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	w, d := t.w, t.d
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	path := req.URL.Path
	w.stats.requests++
	faulty := w.faultsOn && strings.HasPrefix(path, "/api/sync/")
	if faulty && d.cut {
		w.stats.partitioned++
		w.logf("d%d %s %s: partitioned", d.idx, req.Method, path)
		return nil, errors.New("simtest: network unreachable")
	}
	roll := -1
	if faulty {
		roll = w.rng.IntN(100)
	}
	switch {
	case roll >= 0 && roll < 2:
		if err := w.restartServer(); err != nil {
			return nil, err
		}
	case roll >= 2 && roll < 6:
		w.stats.dropReq++
		w.logf("d%d %s %s: request lost", d.idx, req.Method, path)
		return nil, errors.New("simtest: connection reset")
	case roll >= 6 && roll < 9:
		w.stats.unavailable++
		w.logf("d%d %s %s: 503", d.idx, req.Method, path)
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"error":{"code":"unavailable","message":"Try again."}}`)), Request: req}, nil
	}
	res := t.serve(req, body)
	if roll >= 9 && roll < 12 {
		w.stats.dup++
		w.logf("d%d %s %s: duplicated", d.idx, req.Method, path)
		res = t.serve(req, body)
	}
	if roll >= 12 && roll < 17 {
		w.stats.dropResp++
		w.logf("d%d %s %s: answered %d, answer lost", d.idx, req.Method, path, res.Code)
		return nil, errors.New("simtest: connection reset after the request was sent")
	}
	return res.Result(), nil
}

// serve runs one request through the handler and notes what the oracles
// need: pushes committed, changes refused.
func (t *transport) serve(req *http.Request, body []byte) *httptest.ResponseRecorder {
	w, d := t.w, t.d
	in := httptest.NewRequestWithContext(w.ctx, req.Method, req.URL.String(), bytes.NewReader(body))
	in.Header = req.Header.Clone()
	in.RemoteAddr = fmt.Sprintf("10.0.0.%d:4000", d.idx+1)
	rec := httptest.NewRecorder()
	w.server.handler.ServeHTTP(rec, in)
	switch {
	case req.URL.Path == "/api/sync/push" && rec.Code == http.StatusOK:
		w.pushes = append(w.pushes, loggedPush{dev: d.idx, token: req.Header.Get("Authorization"), body: body})
		var res wire.PushResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err == nil {
			for _, rj := range res.Rejected {
				w.rejected[d.idx] = append(w.rejected[d.idx], rj.ChangeIDs)
				w.logf("d%d push: %s %s refused: %s %s", d.idx, rj.Table, short(rj.RowID), rj.Code, rj.Message)
			}
			w.logf("d%d push: %d applied, %d superseded, %d refused, %d conflicts", d.idx, len(res.Applied), len(res.Superseded), len(res.Rejected), res.Conflicts)
		}
	case req.URL.Path == "/api/sync/push":
		w.logf("d%d push: %d %s", d.idx, rec.Code, strings.TrimSpace(rec.Body.String()))
	case req.URL.Path == "/api/sync/pull" && rec.Code == http.StatusOK:
		var res wire.PullResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err == nil {
			ctl := make([]string, 0, len(res.Control))
			for _, c := range res.Control {
				ctl = append(ctl, c.Type+":"+short(c.ScopeID))
			}
			w.logf("d%d pull: %d entries %v more=%v", d.idx, len(res.Entries), ctl, res.HasMore)
		}
	case rec.Code >= 300:
		w.logf("d%d %s %s: %d %s", d.idx, req.Method, req.URL.Path, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return rec
}

func short(id string) string {
	if len(id) > 8 {
		return id[len(id)-8:]
	}
	return id
}
