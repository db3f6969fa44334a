// Package client is the device side of sync: it signs a data folder in to
// a team server, pushes the local outbox in batches, pulls pages of the
// server's log into local rows, and reports where things stand. The same
// engine runs one round for `sentry sync now` and loops in the background
// in the desktop app (a debounced push after local writes, a long-poll
// pull, back-off when offline, a stuck detector).
//
// It speaks the wire protocol (sync/wire) over HTTP and keeps its state
// in the local store through core.SyncClientStore; the merge itself is the
// store's, with sync/merge.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sentry/backend/core"
	"sentry/sync/remote"
	"sentry/sync/schema"
	"sentry/sync/wire"
)

// TaskFinder reads a task, for the events a pulled task publishes.
type TaskFinder interface {
	FindTaskByID(ctx context.Context, id string) (*core.Task, error)
}

// Options configure an Engine.
type Options struct {
	Store core.SyncClientStore
	// Tasks and Events, when set, publish task.created/updated/deleted
	// for pulled tasks, as local writes do.
	Tasks  TaskFinder
	Events core.EventPublisher
	// Clock observes the server's clock after each answer.
	Clock core.Clock
	// Secrets keeps the refresh token (the OS keyring, or FileSecrets).
	Secrets remote.Secrets
	// DeviceID is the store's device id (the one in its field clocks);
	// DeviceName is shown on the server.
	DeviceID    string
	DeviceName  string
	LocalUserID string
	HTTP        *http.Client
	Logger      *slog.Logger
	Now         func() time.Time
	// Files, when set, syncs uploads' bytes (blobs.go).
	Files BlobOptions
}

// Engine syncs one data folder with its team server.
type Engine struct {
	o     Options
	nudge chan struct{}

	mu         sync.Mutex
	remote     *remote.Client
	online     bool      // the last request got an answer
	lastOK     time.Time // last successful push (or start)
	failures   int       // consecutive failed pushes of the same batch
	restarted  bool      // a batch failed RestartAfter times; no push has succeeded since
	lastBatch  string
	pushErr    string // the last push's error, until a push succeeds
	running    bool
	scopeNames map[string]string

	blobMu    sync.Mutex    // one file transfer run at a time
	blobNudge chan struct{} // wakes the file transfers
	dl        downloads     // the downloads under way, for their progress
	opened    atomic.Bool   // a file was opened: its download goes next
}

// New returns an engine.
func New(o Options) *Engine {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: time.Duration(wire.MaxWaitSeconds+35) * time.Second}
	}
	if o.DeviceName == "" {
		o.DeviceName = "Sentry AI device"
	}
	return &Engine{o: o, nudge: make(chan struct{}, 1), blobNudge: make(chan struct{}, 1), lastOK: o.Now(), online: true, scopeNames: map[string]string{}}
}

// Result is what one round of SyncNow did.
type Result struct {
	Pushed    int `json:"pushed"`
	Pulled    int `json:"pulled"`
	Conflicts int `json:"conflicts"`
	Rejected  int `json:"rejected"`
	Pending   int `json:"pending"`
	BlobResult
}

// Error kinds.
var (
	// ErrNotConnected: the folder is not bound to a server.
	ErrNotConnected = errors.New("this device is not connected to a team server")
	// ErrOffline: the server could not be reached or answered with a
	// passing fault; nothing is lost and the round can be retried.
	ErrOffline = errors.New("the team server can't be reached")
)

// Error is a failed round, with a message for a person.
type Error struct {
	Kind      error // ErrOffline, ErrNotConnected or nil (the server refused)
	Message   string
	Status    int
	Code      string
	Transient bool
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

// Connect signs in with an email and password, binds this device and
// keeps the refresh token in the secret store.
func (e *Engine) Connect(ctx context.Context, server, email, password string) (*core.SyncBinding, error) {
	c, err := remote.New(server, e.o.Secrets)
	if err != nil {
		return nil, &Error{Message: strings.TrimPrefix(err.Error(), "remote: ")}
	}
	c.HTTP = e.o.HTTP
	if err := c.SignIn(ctx, email, password); err != nil {
		var he *remote.HTTPError
		if errors.As(err, &he) {
			return nil, e.httpError(c.Server, he.Status, he.Code, he.Message)
		}
		if strings.Contains(err.Error(), c.Server) {
			return nil, &Error{Kind: ErrOffline, Transient: true, Message: fmt.Sprintf("the team server at %s can't be reached", c.Server)}
		}
		return nil, &Error{Message: strings.TrimPrefix(err.Error(), "remote: ")}
	}
	e.mu.Lock()
	e.remote = c
	e.mu.Unlock()
	return e.bind(ctx, c)
}

// bind tells the server who this device is and records the binding.
func (e *Engine) bind(ctx context.Context, c *remote.Client) (*core.SyncBinding, error) {
	var res wire.DeviceResponse
	req := wire.DeviceRequest{DeviceID: e.o.DeviceID, Name: e.o.DeviceName, SchemaVersion: schema.Version}
	if err := e.call(ctx, c, http.MethodPost, "/api/sync/devices", req, &res); err != nil {
		return nil, err
	}
	if res.UserID == "" || res.DatabaseID == "" {
		return nil, &Error{Message: "the team server's answer to this device is incomplete; is it a Sentry AI team server?"}
	}
	b := &core.SyncBinding{ServerURL: c.Server, RemoteUserID: res.UserID, LocalUserID: e.o.LocalUserID,
		DatabaseID: res.DatabaseID, Epoch: res.Epoch, DeviceID: e.o.DeviceID}
	scopes := make([]core.SyncScope, 0, len(res.Scopes))
	e.mu.Lock()
	for _, s := range res.Scopes {
		scopes = append(scopes, core.SyncScope{ID: s.ID, Kind: s.Kind, Name: s.Name})
		if s.Name != "" {
			e.scopeNames[s.ID] = s.Name
		}
	}
	e.mu.Unlock()
	if err := e.o.Store.BindSync(ctx, b, scopes); err != nil {
		return nil, err
	}
	e.observe(res.ServerHLC)
	return b, nil
}

// client returns the signed-in client for the bound server.
func (e *Engine) client(ctx context.Context) (*remote.Client, *core.SyncBinding, error) {
	b, err := e.o.Store.SyncBinding(ctx)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, nil, &Error{Kind: ErrNotConnected, Message: "this device is not connected to a team server; connect it first"}
	} else if err != nil {
		return nil, nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.remote == nil || e.remote.Server != b.ServerURL {
		c, err := remote.New(b.ServerURL, e.o.Secrets)
		if err != nil {
			return nil, nil, &Error{Message: strings.TrimPrefix(err.Error(), "remote: ")}
		}
		c.HTTP = e.o.HTTP
		e.remote = c
	}
	return e.remote, b, nil
}

// SyncNow pushes until the outbox is empty, then pulls until caught up.
// A failure leaves everything local in place for the next round.
func (e *Engine) SyncNow(ctx context.Context) (Result, error) {
	var r Result
	c, b, err := e.client(ctx)
	if err != nil {
		return r, e.fail(ctx, err)
	}
	// Changes refused this round: by the server's answer to a push, or
	// here, when the bind or a pull shows a team was left (its pending
	// edits become refused). Counted from the store, so both are.
	refusedBefore := -1
	if st, err := e.o.Store.SyncClientState(ctx); err == nil {
		refusedBefore = st.Rejected
	}
	if _, err := e.bind(ctx, c); err != nil {
		return r, e.fail(ctx, err)
	}
	if err := e.pushAll(ctx, c, &r); err != nil {
		e.pushed(err)
		return r, e.fail(ctx, err)
	}
	e.pushed(nil)
	if err := e.pullAll(ctx, c, b, 0, &r); err != nil {
		return r, e.fail(ctx, err)
	}
	n, err := e.countConflicts(ctx, c)
	if err != nil {
		return r, e.fail(ctx, err)
	}
	r.Conflicts = n
	r.BlobResult = e.moveFiles(ctx, c, b, true)
	if err := e.o.Store.RecordSyncResult(ctx, "", n); err != nil {
		return r, err
	}
	e.ok()
	st, err := e.o.Store.SyncClientState(ctx)
	if err != nil {
		return r, err
	}
	r.Pending = st.Pending
	if d := st.Rejected - refusedBefore; refusedBefore >= 0 && d > r.Rejected {
		r.Rejected = d
	}
	return r, nil
}

// fail records a round's error for the status and returns it.
func (e *Engine) fail(ctx context.Context, err error) error {
	var se *Error
	if errors.As(err, &se) && errors.Is(se, ErrNotConnected) {
		return err
	}
	msg := err.Error()
	if !errors.As(err, &se) {
		e.o.Logger.Error("sync round failed", slog.Any("error", err))
		msg = "sync failed on this device; see the log"
	}
	e.mu.Lock()
	if se != nil && errors.Is(se, ErrOffline) {
		e.online = false
	}
	e.mu.Unlock()
	if rerr := e.o.Store.RecordSyncResult(context.WithoutCancel(ctx), msg, -1); rerr != nil && core.ErrorCode(rerr) != core.ENOTFOUND {
		e.o.Logger.Warn("sync: record error", slog.Any("error", rerr))
	}
	return err
}

// ok notes that the server answered.
func (e *Engine) ok() {
	e.mu.Lock()
	e.online = true
	e.mu.Unlock()
}

// pushed notes how the last push went: a pull that succeeds later must
// not hide a push that keeps failing.
func (e *Engine) pushed(err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
		var se *Error
		if !errors.As(err, &se) {
			msg = "sync failed on this device; see the log"
		}
	}
	e.mu.Lock()
	e.pushErr = msg
	e.mu.Unlock()
}

// pushAll sends batches until the outbox is empty.
func (e *Engine) pushAll(ctx context.Context, c *remote.Client, r *Result) error {
	for round := 0; ; round++ {
		batch, err := e.o.Store.SyncOutbox(ctx, wire.MaxPatches, wire.ClientBatchBytes)
		if err != nil {
			return err
		}
		if batch == nil {
			e.mu.Lock()
			e.lastOK, e.failures = e.o.Now(), 0
			e.mu.Unlock()
			return nil
		}
		if round > 100000 {
			return &Error{Message: "the outbox does not empty; sync is stuck"}
		}
		req := wire.PushRequest{Protocol: wire.Protocol, SchemaVersion: schema.Version, DeviceID: e.o.DeviceID, BatchID: batch.BatchID,
			Patches: make([]wire.Patch, len(batch.Patches))}
		for i, p := range batch.Patches {
			req.Patches[i] = wire.Patch{Table: p.Table, ScopeID: p.ScopeID, RowID: p.RowID, Fields: p.Fields, Clocks: p.Clocks, Base: p.Base, ChangeIDs: p.ChangeIDs}
		}
		var res wire.PushResponse
		if err := e.call(ctx, c, http.MethodPost, "/api/sync/push", req, &res); err != nil {
			e.mu.Lock()
			if e.lastBatch == batch.BatchID {
				e.failures++
			} else {
				e.lastBatch, e.failures = batch.BatchID, 1
			}
			restart := e.failures >= RestartAfter
			if restart {
				e.restarted, e.failures = true, 0
			}
			e.mu.Unlock()
			if restart {
				// The same batch failed again and again: start clean, under
				// a new batch id (a change id is merged once, so nothing
				// doubles).
				if rerr := e.o.Store.ReopenSyncBatch(context.WithoutCancel(ctx), batch.BatchID); rerr != nil {
					e.o.Logger.Warn("sync: reopen batch", slog.Any("error", rerr))
				}
			}
			return err
		}
		out := &core.SyncPushResult{BatchID: batch.BatchID, Applied: res.Applied, Superseded: res.Superseded}
		for _, rj := range res.Rejected {
			x := core.SyncRejection{ChangeIDs: rj.ChangeIDs, Table: rj.Table, RowID: rj.RowID, Code: rj.Code, Message: rj.Message}
			if rj.Row != nil {
				x.Row = &core.SyncRowState{State: rj.Row.State, Clocks: rj.Row.Clocks, Deleted: rj.Row.Deleted}
			}
			out.Rejected = append(out.Rejected, x)
			r.Rejected += len(rj.ChangeIDs)
		}
		if err := e.o.Store.MarkSyncPushed(ctx, out); err != nil {
			return err
		}
		r.Pushed += len(res.Applied) + len(res.Superseded)
		e.observe(res.ServerHLC)
		e.mu.Lock()
		e.lastOK, e.failures, e.online, e.restarted = e.o.Now(), 0, true, false
		e.mu.Unlock()
	}
}

// RestartAfter is how many times one batch may fail before the push
// starts clean with a new batch.
const RestartAfter = 10

// pullAll pulls pages until the server has no more; wait > 0 long-polls
// the first page.
func (e *Engine) pullAll(ctx context.Context, c *remote.Client, b *core.SyncBinding, wait int, r *Result) error {
	for {
		st, err := e.o.Store.SyncClientState(ctx)
		if err != nil {
			return err
		}
		q := url.Values{"limit": {strconv.Itoa(wire.MaxPullLimit)}, "device_id": {e.o.DeviceID}, "schema_version": {strconv.Itoa(schema.Version)}}
		if st.Cursor != "" {
			q.Set("cursor", st.Cursor)
		}
		if wait > 0 {
			q.Set("wait", strconv.Itoa(wait))
		}
		var res wire.PullResponse
		if err := e.callDecode(ctx, c, http.MethodGet, "/api/sync/pull?"+q.Encode(), nil, &res); err != nil {
			return err
		}
		page := &core.SyncPage{Cursor: res.Cursor, Done: !res.HasMore}
		e.mu.Lock()
		for _, ctl := range res.Control {
			cc := core.SyncControl{Type: ctl.Type, ScopeID: ctl.ScopeID, Kind: ctl.Kind, Name: e.scopeNames[ctl.ScopeID],
				Epoch: ctl.Epoch, RestoredHighHLC: ctl.RestoredHighHLC}
			if cc.Kind == "" && ctl.ScopeID != b.RemoteUserID {
				cc.Kind = wire.ScopeTeam
			}
			if ctl.Type == wire.ResyncScope {
				page.Cursor = restartScope(page.Cursor, ctl.ScopeID)
			}
			page.Control = append(page.Control, cc)
		}
		e.mu.Unlock()
		for _, en := range res.Entries {
			page.Entries = append(page.Entries, core.SyncEntry{ScopeID: en.ScopeID, Table: en.Table, RowID: en.RowID,
				SyncRowState: core.SyncRowState{State: en.State, Clocks: en.Clocks, Deleted: en.Deleted}})
		}
		applied, err := e.o.Store.ApplySyncPage(ctx, page)
		if err != nil {
			return err
		}
		r.Pulled += len(res.Entries)
		e.observe(res.ServerHLC)
		e.publish(ctx, applied)
		if len(applied) > 0 {
			e.nudgeFiles()
		}
		if !res.HasMore {
			return nil
		}
		wait = 0
	}
}

// restartScope sets one scope of an opaque cursor back to 0, for a device
// that fell behind the server's horizon and must download it again.
func restartScope(cursor, scope string) string {
	var c wire.Cursor
	if err := decodeCursor(cursor, &c); err != nil || c.Seqs == nil {
		return cursor
	}
	c.Seqs[scope] = 0
	return encodeCursor(c)
}

// publish tells the rest of the app about pulled tasks, as a local write
// would: the task list and the workload react.
func (e *Engine) publish(ctx context.Context, applied []core.SyncApplied) {
	if e.o.Events == nil {
		return
	}
	for _, a := range applied {
		if a.Table != "tasks" {
			continue
		}
		var t *core.Task
		if e.o.Tasks != nil && a.Op != core.OpDelete {
			if got, err := e.o.Tasks.FindTaskByID(ctx, a.RowID); err == nil {
				t = got
			}
		}
		typ := core.EventTaskUpdated
		switch {
		case t == nil:
			t, typ = &core.Task{ID: a.RowID, UserID: a.UserID}, core.EventTaskDeleted
		case a.Op == core.OpInsert:
			typ = core.EventTaskCreated
		}
		e.o.Events.Publish(ctx, core.Event{Type: typ, UserID: a.UserID, Payload: t, Fields: a.Fields})
	}
}

func (e *Engine) observe(serverHLC string) {
	if e.o.Clock != nil && serverHLC != "" {
		if err := e.o.Clock.Observe(serverHLC); err != nil {
			e.o.Logger.Warn("sync: server clock refused", slog.Any("error", err))
		}
	}
}

// Conflict is a server conflict as this device shows it.
type Conflict = wire.Conflict

// Conflicts lists the server's conflicts for this person, minus those
// settled on this device and those a later write of one of the two values
// settled anywhere (settledByLaterWrite).
func (e *Engine) Conflicts(ctx context.Context) ([]Conflict, error) {
	c, _, err := e.client(ctx)
	if err != nil {
		return nil, err
	}
	all, err := e.fetchConflicts(ctx, c)
	if err != nil {
		return nil, e.fail(ctx, err)
	}
	return all, nil
}

func (e *Engine) countConflicts(ctx context.Context, c *remote.Client) (int, error) {
	all, err := e.fetchConflicts(ctx, c)
	return len(all), err
}

func (e *Engine) fetchConflicts(ctx context.Context, c *remote.Client) ([]Conflict, error) {
	var raw json.RawMessage
	if err := e.call(ctx, c, http.MethodGet, "/api/sync/conflicts", nil, &raw); err != nil {
		return nil, err
	}
	var list []Conflict
	if err := json.Unmarshal(raw, &list); err != nil {
		var wrapped struct {
			Conflicts []Conflict `json:"conflicts"`
		}
		if err := json.Unmarshal(raw, &wrapped); err != nil {
			return nil, &Error{Message: "the team server's list of conflicts could not be read"}
		}
		list = wrapped.Conflicts
	}
	settled, err := e.o.Store.SettledConflicts(ctx)
	if err != nil {
		return nil, err
	}
	out := []Conflict{}
	rows := map[[2]string]*core.SyncRowState{}
	for _, c := range list {
		if !settled[c.ID] && !e.settledByLaterWrite(ctx, c, rows) {
			out = append(out, c)
		}
	}
	return out, nil
}

// settledByLaterWrite is true when the conflict's field holds, on this
// device, a write newer than the conflict's winner whose value is one of
// the two: someone settled it — "keep the other one" wrote the lost value
// again, "keep this one" the winning value — on this device or another,
// and the write came here like any edit. So a person's choice reaches all
// their devices (and, for a team's row, every member's) with no state of
// its own; a field written since with a third value keeps the conflict
// listed. rows caches the rows read; a row not here, or a value that
// cannot be compared, keeps the conflict listed.
func (e *Engine) settledByLaterWrite(ctx context.Context, c Conflict, rows map[[2]string]*core.SyncRowState) bool {
	key := [2]string{c.Table, c.RowID}
	row, ok := rows[key]
	if !ok {
		row, _ = e.o.Store.SyncedRow(ctx, c.Table, c.RowID)
		rows[key] = row
	}
	if row == nil || c.WinnerClock == "" || row.Clocks[c.Field] <= c.WinnerClock {
		return false
	}
	have, ok := row.State[c.Field]
	if !ok {
		return false
	}
	return sameValue(have, c.WinnerValue) || sameValue(have, c.LoserValue)
}

// sameValue compares two values as they travel (JSON).
func sameValue(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}

// call sends one request with the access token; a 401 refreshes it once.
func (e *Engine) call(ctx context.Context, c *remote.Client, method, path string, in, out any) error {
	return e.callDecode(ctx, c, method, path, in, out)
}

func (e *Engine) callDecode(ctx context.Context, c *remote.Client, method, path string, in, out any) error {
	for attempt := 0; ; attempt++ {
		token, err := c.AccessToken(ctx)
		if err != nil {
			var he *remote.HTTPError
			switch {
			case errors.As(err, &he):
				return e.httpError(c.Server, he.Status, he.Code, he.Message)
			case errors.Is(err, remote.ErrNoKeyring):
				return &Error{Message: err.Error()}
			case strings.Contains(err.Error(), "connect again") || strings.Contains(err.Error(), "not connected"):
				return &Error{Message: "the team server ended this sign-in; connect again", Status: http.StatusUnauthorized}
			}
			return &Error{Kind: ErrOffline, Transient: true, Message: fmt.Sprintf("the team server at %s can't be reached", c.Server)}
		}
		var body io.Reader
		if in != nil {
			b, err := json.Marshal(in)
			if err != nil {
				return fmt.Errorf("client: encode %s: %w", path, err)
			}
			body = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, c.Server+path, body)
		if err != nil {
			return fmt.Errorf("client: %s: %w", path, err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := e.o.HTTP.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &Error{Kind: ErrOffline, Transient: true, Message: fmt.Sprintf("the team server at %s can't be reached", c.Server)}
		}
		data, rerr := io.ReadAll(io.LimitReader(res.Body, wire.ServerBatchBytes+1<<20))
		res.Body.Close()
		if rerr != nil {
			return &Error{Kind: ErrOffline, Transient: true, Message: fmt.Sprintf("the connection to %s broke", c.Server)}
		}
		if res.StatusCode == http.StatusUnauthorized && attempt == 0 {
			c.ForgetAccessToken()
			continue
		}
		if res.StatusCode >= 300 {
			var eb struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			_ = json.Unmarshal(data, &eb)
			return e.httpError(c.Server, res.StatusCode, eb.Error.Code, eb.Error.Message)
		}
		if out == nil {
			return nil
		}
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		if err := d.Decode(out); err != nil {
			return &Error{Message: fmt.Sprintf("the team server's answer to %s could not be read", strings.SplitN(path, "?", 2)[0])}
		}
		return nil
	}
}

// httpError turns an HTTP error into a message for a person.
func (e *Engine) httpError(server string, status int, code, msg string) error {
	se := &Error{Status: status, Code: code, Message: msg}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		se.Kind, se.Transient = ErrOffline, true
		se.Message = fmt.Sprintf("the team server at %s is not answering right now (%d); your changes are kept", server, status)
	case status == http.StatusUnauthorized:
		se.Message = "the team server ended this sign-in; connect again"
	case status == http.StatusNotFound && code == "":
		se.Message = fmt.Sprintf("%s does not offer sync; is it a Sentry AI team server, up to date?", server)
	case status == http.StatusConflict && code == core.ECLOCKSKEW:
		se.Transient = true
		if msg == "" {
			se.Message = "this computer's clock is ahead of the team server's; your changes are kept and go once the clocks agree"
		}
	case msg == "":
		se.Message = fmt.Sprintf("the team server refused the request (%d)", status)
	}
	return se
}

// Nudge asks the background loop to push soon (after a local write).
func (e *Engine) Nudge() {
	select {
	case e.nudge <- struct{}{}:
	default:
	}
}

// Backoff is the wait before retry n (1, 2, …): exponential with full
// jitter, capped at 60 s.
func Backoff(n int, rnd func() float64) time.Duration {
	if rnd == nil {
		rnd = rand.Float64
	}
	d := time.Second << min(max(n-1, 0), 6)
	if d > MaxBackoff {
		d = MaxBackoff
	}
	return time.Duration(rnd() * float64(d))
}

// MaxBackoff caps the wait between retries.
const MaxBackoff = 60 * time.Second

// debounce is how long a push waits after a local write for more.
const debounce = 250 * time.Millisecond

// pushEvery is how often the loop pushes without being nudged (a change
// the nudge missed still goes).
const pushEvery = 30 * time.Second

// Run syncs in the background until ctx ends: pushes after local writes
// (debounced) and on a timer, long-polls pulls, and backs off when the
// server can't be reached.
func (e *Engine) Run(ctx context.Context) {
	e.mu.Lock()
	e.running = true
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.running = false
		e.mu.Unlock()
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.pullLoop(ctx)
	}()
	files := make(chan struct{})
	go func() {
		defer close(files)
		e.fileLoop(ctx)
	}()
	e.pushLoop(ctx)
	<-done
	<-files
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (e *Engine) pushLoop(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.nudge:
			if !sleep(ctx, debounce) {
				return
			}
		case <-timer.C:
		}
		err := e.pushRound(ctx)
		var se *Error
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			failures = 0
			timer.Reset(pushEvery)
		case errors.Is(err, ErrNotConnected):
			timer.Reset(pushEvery)
		default:
			failures++
			d := Backoff(failures, nil)
			if errors.As(err, &se) && !se.Transient {
				d = max(d, pushEvery) // a refusal does not go away by asking fast
			}
			timer.Reset(d)
		}
	}
}

// pushRound sends the outbox once (the loop's push).
func (e *Engine) pushRound(ctx context.Context) error {
	c, _, err := e.client(ctx)
	if err != nil {
		return e.fail(ctx, err)
	}
	var r Result
	if err := e.pushAll(ctx, c, &r); err != nil {
		e.pushed(err)
		return e.fail(ctx, err)
	}
	e.pushed(nil)
	e.ok()
	if r.Pushed > 0 {
		e.nudgeFiles() // acknowledged uploads rows: their bytes go next
	}
	return e.o.Store.RecordSyncResult(ctx, "", -1)
}

func (e *Engine) pullLoop(ctx context.Context) {
	failures := 0
	bound := false
	for ctx.Err() == nil {
		c, b, err := e.client(ctx)
		if err == nil && !bound {
			_, err = e.bind(ctx, c)
			bound = err == nil
		}
		var r Result
		started := e.o.Now()
		if err == nil {
			err = e.pullAll(ctx, c, b, wire.MaxWaitSeconds, &r)
		}
		if err == nil {
			var n int
			if n, err = e.countConflicts(ctx, c); err == nil {
				e.mu.Lock()
				pushErr := e.pushErr
				e.mu.Unlock()
				err = e.o.Store.RecordSyncResult(ctx, pushErr, n)
			}
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !errors.Is(err, ErrNotConnected) {
				_ = e.fail(ctx, err)
			}
			failures++
			if !sleep(ctx, max(Backoff(failures, nil), time.Second)) {
				return
			}
			continue
		}
		failures = 0
		e.ok()
		// A server that answers at once (no long-poll) is asked again
		// after a pause, not in a tight loop.
		if r.Pulled == 0 && e.o.Now().Sub(started) < time.Second {
			if !sleep(ctx, 2*time.Second) {
				return
			}
		}
	}
}

// StuckAfter is how long a non-empty outbox may go without a successful
// push while the server answers before sync is reported stuck.
const StuckAfter = 2 * time.Minute

// Status is what the header and `sentry sync status` show.
type Status struct {
	// State is off (not connected), synced, pending, offline or attention.
	State      string     `json:"state"`
	Label      string     `json:"label"`
	Server     string     `json:"server,omitempty"`
	Pending    int        `json:"pending"`
	Rejected   int        `json:"rejected"`
	Conflicts  int        `json:"conflicts"`
	LastPushAt *time.Time `json:"last_push_at"`
	LastPullAt *time.Time `json:"last_pull_at"`
	LastError  string     `json:"last_error,omitempty"`
	// Stuck says why sync is stuck, when it is.
	Stuck  string   `json:"stuck,omitempty"`
	Teams  []string `json:"teams"`
	Device string   `json:"device_id,omitempty"`
	BlobStatus
}

// States of the sync status.
const (
	StateOff       = "off"
	StateSynced    = "synced"
	StatePending   = "pending"
	StateOffline   = "offline"
	StateAttention = "attention"
)

// Status reports where sync stands.
func (e *Engine) Status(ctx context.Context) (Status, error) {
	st, err := e.o.Store.SyncClientState(ctx)
	if err != nil {
		return Status{}, err
	}
	s := Status{Pending: st.Pending, Rejected: st.Rejected, Conflicts: st.Conflicts, LastPushAt: st.LastPushAt,
		LastPullAt: st.LastPullAt, LastError: st.LastError, Teams: []string{}}
	if st.Binding == nil {
		s.State, s.Label = StateOff, "Not syncing"
		return s, nil
	}
	s.Server, s.Device = st.Binding.ServerURL, st.Binding.DeviceID
	s.BlobStatus = e.fileStatus(ctx)
	for _, sc := range st.Scopes {
		s.Teams = append(s.Teams, sc.Name)
	}
	e.mu.Lock()
	online, lastOK, restarted, running := e.online, e.lastOK, e.restarted, e.running
	e.mu.Unlock()
	if !running {
		// Without the loop (the command line), the last round says it.
		online = st.LastError == "" || !strings.Contains(st.LastError, "can't be reached") && !strings.Contains(st.LastError, "not answering")
	}
	switch {
	case running && online && st.Pending > 0 && e.o.Now().Sub(lastOK) > StuckAfter:
		s.Stuck = fmt.Sprintf("Sync is stuck: %d changes have not been accepted for over %s.", st.Pending, StuckAfter)
	case restarted && st.Pending > 0:
		s.Stuck = fmt.Sprintf("Sync is stuck: the same changes failed to go %d times in a row; they are being sent again from the start.", RestartAfter)
	}
	switch {
	case s.Stuck != "" || st.Rejected > 0 || st.Conflicts > 0 || (online && st.LastError != ""):
		s.State, s.Label = StateAttention, "Needs attention"
	case !online:
		s.State, s.Label = StateOffline, "Offline"
	case st.Pending > 0:
		s.State, s.Label = StatePending, fmt.Sprintf("%d pending", st.Pending)
	default:
		s.State, s.Label = StateSynced, "Synced"
	}
	return s, nil
}

// Rejected lists the changes the server refused, with its reasons.
func (e *Engine) Rejected(ctx context.Context) ([]*core.SyncRejected, error) {
	return e.o.Store.RejectedChanges(ctx, 200)
}

// Settle hides a conflict the person has dealt with on this device.
func (e *Engine) Settle(ctx context.Context, id string) error {
	return e.o.Store.SettleConflict(ctx, id)
}

// Attach binds this device to a server the person has already signed in
// to (the desktop's browser sign-in keeps the refresh token in Secrets).
func (e *Engine) Attach(ctx context.Context, server string) (*core.SyncBinding, error) {
	c, err := remote.New(server, e.o.Secrets)
	if err != nil {
		return nil, &Error{Message: strings.TrimPrefix(err.Error(), "remote: ")}
	}
	c.HTTP = e.o.HTTP
	e.mu.Lock()
	e.remote = c
	e.mu.Unlock()
	b, err := e.bind(ctx, c)
	if err != nil {
		return nil, e.fail(ctx, err)
	}
	e.Nudge()
	return b, nil
}

// Keep settles a conflict. "loser" writes the value that lost back as a
// new local edit (it then wins, and is pushed); "winner" writes the
// winning value again, when the row still shows it, so the choice also
// travels as an edit. Either edit is newer than the conflict's winner,
// which is how every other device sees the conflict settled
// (settledByLaterWrite); this device hides it at once. A row that shows
// something else by now, or is not here, is not written: the conflict
// leaves this device's list only.
func (e *Engine) Keep(ctx context.Context, c Conflict, which string) error {
	var value any
	switch which {
	case "winner":
		row, err := e.o.Store.SyncedRow(ctx, c.Table, c.RowID)
		if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return err
		}
		if row == nil || !sameValue(row.State[c.Field], c.WinnerValue) {
			return e.o.Store.SettleConflict(ctx, c.ID)
		}
		value = c.WinnerValue
	case "loser":
		value = c.LoserValue
	default:
		return core.FieldError("keep", "Choose the value to keep: winner or loser.")
	}
	if t, ok := schema.Lookup(c.Table); ok {
		if f, ok := t.Field(c.Field); ok && f.Account {
			// The person's own account is their local id here.
			if b, err := e.o.Store.SyncBinding(ctx); err == nil && value == any(b.RemoteUserID) {
				value = b.LocalUserID
			}
		}
	}
	if err := e.o.Store.KeepSyncValue(ctx, c.Table, c.RowID, c.Field, value); err != nil {
		return err
	}
	if c.Table == "tasks" {
		e.publish(ctx, []core.SyncApplied{{Table: c.Table, RowID: c.RowID, UserID: e.o.LocalUserID, Op: core.OpUpdate, Fields: []string{c.Field}}})
	}
	e.Nudge()
	return e.o.Store.SettleConflict(ctx, c.ID)
}

// KeepByID is Keep for the conflict named by its id, or by the end of it
// as the command line shows it when that is one open conflict's.
func (e *Engine) KeepByID(ctx context.Context, id, which string) error {
	list, err := e.Conflicts(ctx)
	if err != nil {
		return err
	}
	var found []Conflict
	for _, c := range list {
		if c.ID == id {
			return e.Keep(ctx, c, which)
		}
		if id != "" && strings.HasSuffix(c.ID, id) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return core.Errorf(core.ENOTFOUND, "That conflict is settled already.")
	case 1:
		return e.Keep(ctx, found[0], which)
	}
	return core.FieldError("id", "Several conflicts end in %s; give more of the id.", id)
}

// Disconnect unbinds the folder and forgets the sign-in; local data stays.
func (e *Engine) Disconnect(ctx context.Context) error {
	if c, _, err := e.client(ctx); err == nil {
		_ = c.Disconnect(ctx)
	}
	return e.o.Store.ForgetSync(ctx)
}

// TeamMembers lists a team's members as the team server knows them (a
// device mirrors only its own membership): for choosing an assignee. This
// device's own account is named by its local id, as its rows name it.
func (e *Engine) TeamMembers(ctx context.Context, teamID string) ([]*core.TeamMember, error) {
	if !core.ValidID(teamID) {
		return nil, core.Errorf(core.ENOTFOUND, "Team not found.")
	}
	c, b, err := e.client(ctx)
	if err != nil {
		return nil, err
	}
	var out struct {
		Members []*core.TeamMember `json:"members"`
	}
	if err := e.call(ctx, c, http.MethodGet, "/api/teams/"+teamID+"/members", nil, &out); err != nil {
		return nil, err
	}
	for _, m := range out.Members {
		if m.UserID == b.RemoteUserID {
			m.UserID = e.o.LocalUserID
		}
	}
	return out.Members, nil
}
