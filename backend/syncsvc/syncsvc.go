// Package syncsvc is the sync server: devices bind to their user, push
// batches of per-field patches and pull each scope's rows by cursor
// (protocol 1, sync/wire). It decides; the store keeps. Every check a
// pushed change meets is here — versions, the device's owner, sizes, clock
// skew, the table and field registry, scopes computed from team
// membership (never from the request), core validation of the merged
// row — and each refusal is a clear error or a per-patch rejection.
package syncsvc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"sentry/backend/core"
	"sentry/sync/hlc"
	"sentry/sync/merge"
	"sentry/sync/schema"
	"sentry/sync/wire"
)

// MinSchema is the oldest synced schema version this server serves.
const MinSchema = 1

// MaxPageBytes bounds a pull page's entries (about: their JSON).
var MaxPageBytes = wire.ServerBatchBytes

// Teams tells which teams a user belongs to (their scopes beside their
// own).
type Teams interface {
	FindTeamsForUser(ctx context.Context, userID string) ([]*core.Team, error)
	// FindTeamMember: not_found when the user is not in the team.
	FindTeamMember(ctx context.Context, teamID, userID string) (*core.TeamMember, error)
}

// Service is the sync server.
type Service struct {
	store core.SyncServerStore
	teams Teams
	clock core.Clock
	now   func() time.Time
	// Poll makes a waiting pull look at the database every PollEvery as
	// well, for writes made by other server instances (PostgreSQL).
	Poll      bool
	PollEvery time.Duration
	// Logger reports compactions (nil: quiet).
	Logger *slog.Logger
	// SendOwnRows sends a pulling device the rows only it wrote, as
	// servers did before own.go; for comparing the two.
	SendOwnRows bool

	mu   sync.Mutex
	wake chan struct{} // closed and replaced whenever something changes
}

// NewService returns the sync server. clock is the store's clock: pushed
// clocks are observed on it, so later server writes sort after them.
func NewService(store core.SyncServerStore, teams Teams, clock core.Clock, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, teams: teams, clock: clock, now: now, PollEvery: time.Second, wake: make(chan struct{})}
}

// Wake tells waiting pulls that something may have changed (a push, a
// write through the REST routes).
func (s *Service) Wake() {
	s.mu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

func (s *Service) waiter() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake
}

// scopes returns the caller's scopes: their own first, then their teams'
// by id, with the caller's role in each team.
func (s *Service) scopes(ctx context.Context, u *core.User) ([]wire.Scope, map[string]string, error) {
	teams, err := s.teams.FindTeamsForUser(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	out := []wire.Scope{{ID: u.ID, Kind: wire.ScopeUser}}
	roles := map[string]string{u.ID: "self"}
	sort.Slice(teams, func(i, j int) bool { return teams[i].ID < teams[j].ID })
	for _, t := range teams {
		out = append(out, wire.Scope{ID: t.ID, Kind: wire.ScopeTeam, Name: t.Name})
		roles[t.ID] = t.Role
	}
	return out, roles, nil
}

// checkVersions refuses a protocol or schema this server cannot speak.
func checkVersions(protocol, schemaVersion int) error {
	switch {
	case protocol < wire.Protocol-1 || protocol < 1:
		return core.Errorf(core.EUPGRADE, "This app is too old for the server: update it to sync (protocol %d, the server needs %d).", protocol, wire.Protocol)
	case protocol > wire.Protocol:
		return core.Errorf(core.ECONFLICT, "This server is older than the app (protocol %d, the server speaks %d): changes stay on the device until the server is updated.", protocol, wire.Protocol)
	case schemaVersion < MinSchema:
		return core.Errorf(core.EUPGRADE, "This app is too old for the server: update it to sync (schema %d, the server needs at least %d).", schemaVersion, MinSchema)
	case schemaVersion > schema.Version:
		return core.Errorf(core.ECONFLICT, "This server is older than the app (schema %d, the server knows %d): changes stay on the device until the server is updated.", schemaVersion, schema.Version)
	}
	return nil
}

func checkDeviceID(id string) error {
	if id == "" || len(id) > 100 || !utf8.ValidString(id) || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return core.FieldError("device_id", "A device id is 1–100 visible characters.")
	}
	return nil
}

// device returns the caller's device, binding an id seen for the first
// time; forbidden when the id belongs to someone else.
func (s *Service) device(ctx context.Context, u *core.User, id string, schemaVersion int) (*core.SyncDevice, error) {
	if err := checkDeviceID(id); err != nil {
		return nil, err
	}
	d, err := s.store.FindSyncDevice(ctx, id)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return s.store.BindSyncDevice(ctx, &core.SyncDevice{ID: id, UserID: u.ID, SchemaVersion: schemaVersion})
	} else if err != nil {
		return nil, err
	}
	if d.UserID != u.ID {
		return nil, core.Errorf(core.EFORBIDDEN, "This device is bound to another account.")
	}
	return d, nil
}

// BindDevice binds a device id to the caller: POST /api/sync/devices.
func (s *Service) BindDevice(ctx context.Context, req *wire.DeviceRequest) (*wire.DeviceResponse, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkDeviceID(req.DeviceID); err != nil {
		return nil, err
	}
	if err := checkVersions(wire.Protocol, req.SchemaVersion); err != nil {
		return nil, err
	}
	name, err := core.CleanText("name", req.Name, false)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(name) > 100 {
		return nil, core.FieldError("name", "A device name is at most 100 characters.")
	}
	if _, err := s.store.BindSyncDevice(ctx, &core.SyncDevice{ID: req.DeviceID, UserID: u.ID, Name: name, SchemaVersion: req.SchemaVersion}); err != nil {
		return nil, err
	}
	dbID, epoch, err := s.store.SyncIdentity(ctx)
	if err != nil {
		return nil, err
	}
	scopes, _, err := s.scopes(ctx, u)
	if err != nil {
		return nil, err
	}
	return &wire.DeviceResponse{DatabaseID: dbID, Epoch: epoch, UserID: u.ID, ServerHLC: s.clock.Now(),
		MinSchema: MinSchema, MaxSchema: schema.Version, Scopes: scopes}, nil
}

// Push applies one batch: POST /api/sync/push.
func (s *Service) Push(ctx context.Context, req *wire.PushRequest) (*wire.PushResponse, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkVersions(req.Protocol, req.SchemaVersion); err != nil {
		return nil, err
	}
	if len(req.Patches) > wire.MaxPatches {
		return nil, core.Errorf(core.ETOOLARGE, "A push holds at most %d patches; split the batch.", wire.MaxPatches)
	}
	if req.BatchID == "" || len(req.BatchID) > 100 || !utf8.ValidString(req.BatchID) {
		return nil, core.FieldError("batch_id", "A batch id is 1–100 characters.")
	}
	if _, err := s.device(ctx, u, req.DeviceID, req.SchemaVersion); err != nil {
		return nil, err
	}
	// A clock far ahead of the server's would win every later merge: the
	// whole batch waits until the device's clock is right.
	now := s.now()
	var highest hlc.Timestamp
	for _, p := range req.Patches {
		for _, c := range p.Clocks {
			ts, err := hlc.Parse(clockHLC(c))
			if err != nil {
				continue // the patch is refused on its own
			}
			if ahead := time.Duration(ts.Wall-now.UnixMilli()) * time.Millisecond; ahead > hlc.MaxDrift {
				return nil, core.Errorf(core.ECLOCKSKEW, "This device's clock is %s ahead of the server's: set its time right to sync.", ahead.Round(time.Second))
			}
			if ts.Wall > highest.Wall || ts.Wall == highest.Wall && ts.Logical > highest.Logical {
				highest = ts
			}
		}
	}
	if highest.Wall > 0 {
		_ = s.clock.Observe(highest.String())
	}
	_, roles, err := s.scopes(ctx, u)
	if err != nil {
		return nil, err
	}
	ps := make([]core.PushPatch, len(req.Patches))
	for i, p := range req.Patches {
		ps[i] = core.PushPatch{Table: p.Table, ScopeID: p.ScopeID, RowID: p.RowID, Fields: p.Fields, Clocks: p.Clocks, Base: p.Base, ChangeIDs: p.ChangeIDs}
		if ps[i].ChangeIDs == nil {
			ps[i].ChangeIDs = []string{}
		}
	}
	members, err := s.assignees(ctx, req.Patches, roles)
	if err != nil {
		return nil, err
	}
	d := decider{user: u, roles: roles, schemaVersion: req.SchemaVersion, members: members}
	res, err := s.store.ApplyPush(ctx, u.ID, req.DeviceID, req.BatchID, ps, d.decide)
	if err != nil {
		return nil, err
	}
	if !res.Replayed && len(res.Applied) > 0 {
		s.Wake()
	}
	out := &wire.PushResponse{Applied: res.Applied, Superseded: res.Superseded, Rejected: []wire.Rejection{}, Conflicts: res.Conflicts,
		ServerHLC: s.clock.Now(), ScopesSeq: res.ScopesSeq}
	for _, r := range res.Rejected {
		rj := wire.Rejection{ChangeIDs: r.ChangeIDs, Table: r.Table, RowID: r.RowID, Code: r.Code, Message: r.Message}
		if r.Row != nil {
			if tb, ok := schema.Lookup(r.Table); ok {
				rj.Row = rowState(tb, r.Row, req.SchemaVersion)
			}
		}
		out.Rejected = append(out.Rejected, rj)
	}
	return out, nil
}

// assignees looks up, for the team tasks of a batch that name an assignee,
// whether that person is in the team: the decision runs inside the store's
// transaction, where only the batch's own facts are at hand.
func (s *Service) assignees(ctx context.Context, patches []wire.Patch, roles map[string]string) (map[[2]string]bool, error) {
	out := map[[2]string]bool{}
	for _, p := range patches {
		id, _ := p.Fields["assignee_id"].(string)
		k := [2]string{p.ScopeID, id}
		if _, seen := out[k]; seen || p.Table != "tasks" || id == "" || !core.ValidID(id) || roles[p.ScopeID] == "" || roles[p.ScopeID] == "self" {
			continue
		}
		_, err := s.teams.FindTeamMember(ctx, p.ScopeID, id)
		if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return nil, err
		}
		out[k] = err == nil
	}
	return out, nil
}

// clockHLC is the hlc part of a field clock "<hlc>@<device>".
func clockHLC(c string) string {
	if i := strings.IndexByte(c, '@'); i >= 0 {
		return c[:i]
	}
	return c
}

func rowState(tb *schema.Table, r *core.ServerRow, v int) *wire.RowState {
	st := &wire.RowState{State: map[string]any{}, Clocks: map[string]string{}, Deleted: r.Deleted}
	for _, f := range tb.Synced(v) {
		if val, ok := r.Fields[f.Name]; ok {
			st.State[f.Name] = val
		}
		if c, ok := r.Clocks[f.Name]; ok {
			st.Clocks[f.Name] = c
		}
	}
	return st
}

// PullRequest is a pull's query: GET /api/sync/pull.
type PullRequest struct {
	Cursor        string
	Limit         int
	Wait          time.Duration
	DeviceID      string // optional: records the device's progress
	SchemaVersion int
}

// Pull returns the rows changed in the caller's scopes after the cursor:
// GET /api/sync/pull. With Wait, an empty answer waits (at most Wait) for
// a change.
func (s *Service) Pull(ctx context.Context, req PullRequest) (*wire.PullResponse, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if req.SchemaVersion == 0 {
		req.SchemaVersion = schema.Version
	}
	if err := checkVersions(wire.Protocol, req.SchemaVersion); err != nil {
		return nil, err
	}
	if req.Limit <= 0 || req.Limit > wire.MaxPullLimit {
		req.Limit = wire.MaxPullLimit
	}
	if req.Wait > wire.MaxWaitSeconds*time.Second {
		req.Wait = wire.MaxWaitSeconds * time.Second
	}
	if req.DeviceID != "" {
		if _, err := s.device(ctx, u, req.DeviceID, req.SchemaVersion); err != nil {
			return nil, err
		}
	}
	cur, err := decodeCursor(req.Cursor)
	if err != nil {
		return nil, err
	}
	dbID, epoch, err := s.store.SyncIdentity(ctx)
	if err != nil {
		return nil, err
	}
	var deadline <-chan time.Time
	if req.Wait > 0 {
		t := time.NewTimer(req.Wait)
		defer t.Stop()
		deadline = t.C
	}
	for {
		wake := s.waiter()
		res, err := s.pullOnce(ctx, u, req, cur, dbID, epoch)
		if err != nil {
			return nil, err
		}
		// A page whose rows were all the device's own (left out) but
		// with more behind it goes at once: the device asks for the rest.
		if len(res.Entries) > 0 || len(res.Control) > 0 || res.HasMore || deadline == nil {
			return s.finishPull(ctx, req, res, cur)
		}
		var tick <-chan time.Time
		if s.Poll {
			t := time.NewTimer(s.PollEvery)
			tick = t.C
			defer t.Stop()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline:
			return s.finishPull(ctx, req, res, cur)
		case <-wake:
		case <-tick:
		}
	}
}

func (s *Service) finishPull(ctx context.Context, req PullRequest, res *wire.PullResponse, cur *wire.Cursor) (*wire.PullResponse, error) {
	if req.DeviceID != "" {
		if err := s.store.MarkSyncPulled(ctx, req.DeviceID, cur.Seqs); err != nil {
			return nil, err
		}
	}
	res.ServerHLC = s.clock.Now()
	return res, nil
}

// pullOnce reads one page; it updates cur to the page's cursor.
func (s *Service) pullOnce(ctx context.Context, u *core.User, req PullRequest, cur *wire.Cursor, dbID string, epoch int64) (*wire.PullResponse, error) {
	res := &wire.PullResponse{Entries: []wire.Entry{}, Control: []wire.Control{}}
	if cur.DatabaseID != dbID || cur.Epoch != epoch {
		if cur.DatabaseID != "" {
			// Another database, or this one restored from a backup: start
			// over; the device merges what it already has (a no-op).
			res.Control = append(res.Control, wire.Control{Type: wire.EpochChanged, Epoch: epoch})
		}
		cur.DatabaseID, cur.Epoch, cur.Seqs, cur.Full = dbID, epoch, map[string]int64{}, nil
	}
	if cur.Full == nil {
		cur.Full = map[string]bool{}
	}
	scopes, _, err := s.scopes(ctx, u)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, sc := range scopes {
		have[sc.ID] = true
		if _, ok := cur.Seqs[sc.ID]; !ok {
			cur.Seqs[sc.ID] = 0
			cur.Full[sc.ID] = true
			res.Control = append(res.Control, wire.Control{Type: wire.ScopeAdded, ScopeID: sc.ID, Kind: sc.Kind})
		}
	}
	var gone []string
	for id := range cur.Seqs {
		if !have[id] {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	for _, id := range gone {
		delete(cur.Seqs, id)
		delete(cur.Full, id)
		res.Control = append(res.Control, wire.Control{Type: wire.ScopeRevoked, ScopeID: id})
	}
	start, full := make(map[string]int64, len(scopes)), make(map[string]bool, len(cur.Full))
	ids := make([]string, len(scopes))
	for i, sc := range scopes {
		ids[i], start[sc.ID] = sc.ID, cur.Seqs[sc.ID]
	}
	for id := range cur.Full {
		full[id] = true
	}
	caught := map[string]bool{} // scopes read to their end
	left, size := req.Limit, 0
	own := activeOwnRows()
	for _, sc := range scopes {
		if left == 0 {
			res.HasMore = true
			break
		}
		es, err := s.store.ReadFeed(ctx, sc.ID, cur.Seqs[sc.ID], left, req.SchemaVersion)
		if err != nil {
			return nil, err
		}
		skipOwn := req.DeviceID != "" && !s.SendOwnRows && !cur.Full[sc.ID]
		for _, e := range es {
			if skipOwn && own.onlyWrittenBy(req.DeviceID, e.Clocks) {
				cur.Seqs[sc.ID] = e.Seq // the device has it (own.go)
				continue
			}
			en := wire.Entry{ScopeID: e.ScopeID, Seq: e.Seq, Table: e.Table, RowID: e.RowID,
				RowState: wire.RowState{State: e.Fields, Clocks: e.Clocks, Deleted: e.Deleted}}
			// A page stops short of MaxPageBytes (entries are in seq
			// order, so the cursor stays exact); one entry always goes.
			b, err := json.Marshal(en)
			if err != nil {
				return nil, err
			}
			if size += len(b); size > MaxPageBytes && len(res.Entries) > 0 {
				res.HasMore = true
				return s.checkHorizons(ctx, res, cur, ids, start, full, caught)
			}
			res.Entries = append(res.Entries, en)
			cur.Seqs[sc.ID] = e.Seq
		}
		if len(es) < left {
			delete(cur.Full, sc.ID) // caught up
			caught[sc.ID] = true
		}
		left -= len(es)
		if left == 0 && len(es) > 0 {
			res.HasMore = true
		}
	}
	return s.checkHorizons(ctx, res, cur, ids, start, full, caught)
}

// checkHorizons finishes a page: a scope whose cursor was below its
// horizon when the page began (the device may have missed deletions the
// log no longer holds) loses its entries from the page and starts again
// from seq 0, with a resync_scope for the device. The horizons are read
// after the feed: a compaction that removed a tombstone the feed did not
// return had committed its horizon by then. A scope read to its end moves
// its cursor up to the horizon: the entries below it that the device did
// not get are gone, so the next pull must not send it back to the start.
func (s *Service) checkHorizons(ctx context.Context, res *wire.PullResponse, cur *wire.Cursor, ids []string, start map[string]int64, full, caught map[string]bool) (*wire.PullResponse, error) {
	hs, err := s.store.SyncHorizons(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if c := start[id]; c == 0 || full[id] || c >= hs[id] {
			if caught[id] {
				cur.Seqs[id] = max(cur.Seqs[id], hs[id])
			}
			continue
		}
		kept := res.Entries[:0]
		for _, e := range res.Entries {
			if e.ScopeID != id {
				kept = append(kept, e)
			}
		}
		res.Entries = kept
		cur.Seqs[id], cur.Full[id] = 0, true
		res.Control = append(res.Control, wire.Control{Type: wire.ResyncScope, ScopeID: id, Reason: wire.BelowHorizon})
		res.HasMore = true
	}
	res.Cursor = encodeCursor(cur)
	return res, nil
}

func decodeCursor(s string) (*wire.Cursor, error) {
	c := &wire.Cursor{Seqs: map[string]int64{}}
	if s == "" {
		return c, nil
	}
	bad := core.FieldError("cursor", "The cursor is not one this server gave out; pull again without one.")
	if len(s) > 64<<10 {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, bad
	}
	if err := json.Unmarshal(raw, c); err != nil || c.Seqs == nil {
		return nil, bad
	}
	for id, seq := range c.Seqs {
		if seq < 0 || len(id) > 100 {
			return nil, bad
		}
	}
	for id := range c.Full {
		if _, ok := c.Seqs[id]; !ok {
			delete(c.Full, id)
		}
	}
	return c, nil
}

func encodeCursor(c *wire.Cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Conflicts lists the concurrent overwrites kept in the caller's scopes:
// GET /api/sync/conflicts.
func (s *Service) Conflicts(ctx context.Context, limit int) ([]wire.Conflict, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	scopes, _, err := s.scopes(ctx, u)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(scopes))
	for i, sc := range scopes {
		ids[i] = sc.ID
	}
	cs, err := s.store.FindSyncConflicts(ctx, ids, limit)
	if err != nil {
		return nil, err
	}
	out := make([]wire.Conflict, 0, len(cs))
	for _, c := range cs {
		out = append(out, wire.Conflict{ID: c.ID, ScopeID: c.ScopeID, Table: c.Table, RowID: c.RowID, Field: c.Field,
			LoserValue: c.LoserValue, LoserClock: c.LoserClock, WinnerValue: c.WinnerValue, WinnerClock: c.WinnerClock,
			CreatedAt: c.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z")})
	}
	return out, nil
}

// DeviceState is one device's sync state: GET /api/sync/state.
type DeviceState struct {
	*core.SyncDevice
	// Lag counts log entries in the caller's scopes the device has not
	// pulled yet.
	Lag int64 `json:"lag"`
}

// State is the caller's sync state: GET /api/sync/state.
type State struct {
	Devices []DeviceState `json:"devices"`
	// Scopes are the caller's own scope and their teams'.
	Scopes []wire.Scope `json:"scopes"`
	// ScopesSeq is each scope's newest log sequence.
	ScopesSeq map[string]int64 `json:"scopes_seq"`
	// ServerHLC is the server's clock now.
	ServerHLC string `json:"server_hlc"`
}

// State lists the caller's devices with their last push and pull and how
// far behind each is.
func (s *Service) State(ctx context.Context) (*State, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	scopes, _, err := s.scopes(ctx, u)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(scopes))
	for i, sc := range scopes {
		ids[i] = sc.ID
	}
	seqs, err := s.store.ScopeSeqs(ctx, ids)
	if err != nil {
		return nil, err
	}
	ds, err := s.store.FindSyncDevices(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	devices := make([]DeviceState, 0, len(ds))
	for _, d := range ds {
		st := DeviceState{SyncDevice: d}
		for id, seq := range seqs {
			if lag := seq - d.LastSeqs[id]; lag > 0 {
				st.Lag += lag
			}
		}
		devices = append(devices, st)
	}
	return &State{Devices: devices, Scopes: scopes, ScopesSeq: seqs, ServerHLC: s.clock.Now()}, nil
}

// decider judges one batch's patches for one caller.
type decider struct {
	user          *core.User
	roles         map[string]string // scope id → the caller's role ("self" for their own)
	schemaVersion int
	members       map[[2]string]bool // {team, user} → in the team, for the batch's assignees
}

func reject(code, format string, args ...any) (*core.SyncWrite, *core.Error, bool) {
	return nil, core.Errorf(code, format, args...), false
}

// decide authorises, checks and merges one patch against the row as the
// server holds it.
func (d decider) decide(p *core.PushPatch, cur *core.ServerRow) (*core.SyncWrite, *core.Error, bool) {
	tb, ok := schema.Lookup(p.Table)
	if !ok {
		return reject(core.EINVALID, "%q is not a synced table.", p.Table)
	}
	if err := (schema.Field{Name: "row_id", Type: schema.UUID}).Check(p.RowID); err != nil || p.RowID == "" {
		return reject(core.EINVALID, "row_id must be an id.")
	}
	if _, member := d.roles[p.ScopeID]; !member {
		return reject(core.EFORBIDDEN, "You may not write to scope %q: it is not yours or one of your teams.", p.ScopeID)
	}
	team := p.ScopeID != d.user.ID
	if team && tb.Scope == schema.Personal {
		return reject(core.EFORBIDDEN, "%s is personal data: it stays in your own scope, never a team's.", tb.Name)
	}
	if team && tb.Name != "tasks" {
		return reject(core.EINVALID, "Only tasks can be shared with a team.")
	}
	if cur.Exists {
		if _, visible := d.roles[cur.ScopeID]; !visible {
			return reject(core.ENOTFOUND, "%s %s not found.", tb.Name, p.RowID)
		}
		if cur.ScopeID != p.ScopeID {
			return nil, core.Errorf(core.EINVALID, "A row's scope never changes: %s %s is in scope %s.", tb.Name, p.RowID, cur.ScopeID), true
		}
	}
	if len(p.Fields) == 0 {
		return reject(core.EINVALID, "A patch must change at least one field.")
	}
	// The task rules of the REST routes: a plain member deletes only the
	// team tasks they made.
	if v, ok := p.Fields["deleted_at"]; ok && v != nil && team && cur.Exists && d.roles[p.ScopeID] == core.RoleMember && cur.UserID != d.user.ID {
		return nil, core.Errorf(core.EFORBIDDEN, "Only the task's creator or one of the team's admins can delete it."), true
	}
	for name, v := range p.Fields {
		f, ok := tb.Field(name)
		if !ok || f.LocalOnly || f.Since > d.schemaVersion {
			return nil, core.Errorf(core.EINVALID, "%s.%s is not a synced field.", tb.Name, name), true
		}
		if err := f.Check(v); err != nil {
			return nil, core.Errorf(core.EINVALID, "%s.%s: %s.", tb.Name, name, err.Error()), true
		}
		if err := storable(f, v); err != nil {
			return nil, core.Errorf(core.EINVALID, "%s.%s: %s", tb.Name, name, core.ErrorMessage(err)), true
		}
		c := p.Clocks[name]
		if _, err := hlc.Parse(clockHLC(c)); err != nil || !strings.Contains(c, "@") || len(c) > 160 {
			return nil, core.Errorf(core.EINVALID, "%s.%s needs a clock \"<hlc>@<device>\".", tb.Name, name), true
		}
	}
	if v, ok := p.Fields["team_id"]; ok && tb.Name == "tasks" {
		want := ""
		if team {
			want = p.ScopeID
		}
		if v != want {
			return nil, core.Errorf(core.EINVALID, "A task's team_id is its scope's, set once."), true
		}
	}
	if v, ok := p.Fields["assignee_id"].(string); ok && tb.Name == "tasks" && v != "" {
		switch {
		case !team && v != d.user.ID:
			return nil, core.Errorf(core.EINVALID, "tasks.assignee_id: a personal task can be assigned only to its owner."), true
		case team && !d.members[[2]string{p.ScopeID, v}]:
			return nil, core.ErrPushedAssigneeNotMember(v), true
		}
	}
	merged, conflicts, seen := merge.Merge(merge.Row{Fields: cur.Fields, Clocks: cur.Clocks},
		merge.Patch{Fields: p.Fields, Clocks: p.Clocks, Base: p.Base})
	w := &core.SyncWrite{Fields: map[string]any{}, Clocks: merged.Clocks}
	for f := range p.Fields {
		if merged.Clocks[f] != cur.Clocks[f] {
			w.Fields[f] = merged.Fields[f]
		}
	}
	if !cur.Exists && tb.Name == "tasks" && team {
		if _, ok := p.Fields["team_id"]; !ok {
			return reject(core.EINVALID, "A new team task must carry its team_id.")
		}
	}
	if !cur.Exists {
		w.Local = tb.Arrivals()
	}
	if len(w.Fields) > 0 {
		if err := validate(tb, merged.Fields); err != nil {
			return nil, core.Errorf(core.ErrorCode(err), "%s", core.ErrorMessage(err)), true
		}
	}
	for _, c := range conflicts {
		w.Conflicts = append(w.Conflicts, core.SyncConflict{Field: c.Field, LoserValue: c.Loser.Value, LoserClock: c.Loser.Clock,
			WinnerValue: c.Winner.Value, WinnerClock: c.Winner.Clock})
	}
	for _, sn := range seen {
		w.Withdrawn = append(w.Withdrawn, core.SyncConflict{Field: sn.Field, LoserClock: sn.Clock})
	}
	return w, nil, true
}

// storable refuses text no store can keep (NUL, invalid UTF-8).
func storable(f schema.Field, v any) error {
	switch f.Type {
	case schema.Text, schema.UUID:
		s, _ := v.(string)
		return core.CheckStorable(f.Name, s)
	case schema.JSON:
		return core.CheckStorableJSON(f.Name, v)
	}
	return nil
}

// validate checks a merged row with the domain's own rules where the
// domain has them (a task's status, priority, title…).
func validate(tb *schema.Table, fields map[string]any) error {
	if tb.Name != "tasks" {
		return nil
	}
	buf, err := json.Marshal(fields)
	if err != nil {
		return core.Errorf(core.EINVALID, "The task cannot be read: %v", err)
	}
	// A new row's absent fields take the table's defaults.
	t := core.Task{Status: "todo", Priority: "medium", TaskType: "task", Source: "sentry"}
	if err := json.Unmarshal(buf, &t); err != nil {
		return core.Errorf(core.EINVALID, "The task's fields do not fit together: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if err := t.Validate(); err != nil {
		if core.ErrorCode(err) == core.EINTERNAL {
			return core.Errorf(core.EINVALID, "The task is not valid.")
		}
		return err
	}
	return nil
}
