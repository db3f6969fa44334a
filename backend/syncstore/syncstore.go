// Package syncstore is the part of sync's storage that both stores, SQLite
// and PostgreSQL, work out the same way and that needs no SQL: which
// fields a local write stamps and with what clocks, the scope and base of
// its change log entry, which of a pushed patch's change ids are new, how
// a decided patch is counted, the base of a remote write, and what a
// client at a given schema version is sent of a row. Each store keeps its
// own queries and transactions and calls these.
package syncstore

import (
	"strings"

	"sentry/backend/core"
	"sentry/sync/hlc"
	"sentry/sync/schema"
)

// syncedNames lists each synced table's synced fields once.
var syncedNames = func() map[string][]string {
	m := map[string][]string{}
	for _, t := range schema.Tables {
		for _, f := range t.Synced(schema.Version) {
			m[t.Name] = append(m[t.Name], f.Name)
		}
	}
	return m
}()

// SyncedNames are table's synced fields at this build's schema version,
// in the registry's order (nil for a table that is not synced). The slice
// is shared: do not change it.
func SyncedNames(table string) []string { return syncedNames[table] }

// ChangedFields are the synced fields a local write stamps: every synced
// field on insert, deleted_at on delete, the written ones on update.
func ChangedFields(tb *schema.Table, op string, fields map[string]any) []string {
	all := syncedNames[tb.Name]
	if op == core.OpInsert {
		return all
	}
	out := make([]string, 0, len(fields)+1)
	for _, f := range all {
		if _, written := fields[f]; written || op == core.OpDelete && f == "deleted_at" {
			out = append(out, f)
		}
	}
	return out
}

// Row is what a store knows of one synced row while it writes a
// transaction's change log entries: its field clocks and scope.
type Row struct {
	Clocks map[string]string
	// Scope is the row's team for a team task, "" otherwise.
	Scope string
	// Exists is false for a row that is not there (the clocks are none).
	Exists bool
	// Dirty is set once a clock changed, so the store writes them back.
	Dirty bool
}

// NewRow is a row inserted in this transaction: no clocks to read yet.
func NewRow(tb *schema.Table) *Row {
	return &Row{Clocks: make(map[string]string, len(tb.Fields)), Exists: true}
}

// ScopeOf is the scope a write by owner to the row is filed under: the
// row's own, else the team of a task written with a team_id, else the
// owner's.
func (r *Row) ScopeOf(table, owner string, fields map[string]any) string {
	if r.Scope != "" {
		return r.Scope
	}
	if team, _ := fields["team_id"].(string); table == "tasks" && team != "" {
		return team
	}
	return owner
}

// Stamp records a local write (op on fields at clock ts, on this device)
// on the row: each field it changes gets the clock "<hlc>@<device>". It
// returns the base, the clocks those fields had: what the writer had seen.
func (r *Row) Stamp(tb *schema.Table, op string, fields map[string]any, ts, deviceID string) map[string]string {
	base := map[string]string{}
	for _, f := range ChangedFields(tb, op, fields) {
		if c, ok := r.Clocks[f]; ok {
			base[f] = c
		}
		// A local edit sorts after the value it replaces, even when this
		// device's clock is behind that value's writer (beyond what
		// Observe accepts).
		prev, _, _ := strings.Cut(r.Clocks[f], "@")
		r.Clocks[f] = hlc.After(ts, prev) + "@" + deviceID
		r.Dirty = true
	}
	return base
}

// Fresh is p with only the change ids not merged before (seen); the others
// are counted as superseded in res. ok is false when every id was merged
// before: there is nothing left to apply. p itself is not changed, since a
// batch may be applied twice.
func Fresh(p *core.PushPatch, seen map[string]bool, res *core.PushResult) (q *core.PushPatch, ok bool) {
	fresh := p.ChangeIDs[:0:0]
	for _, id := range p.ChangeIDs {
		if seen[id] {
			res.Superseded = append(res.Superseded, id)
		} else {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) == 0 && len(p.ChangeIDs) > 0 {
		return nil, false
	}
	c := *p
	c.ChangeIDs = fresh
	return &c, true
}

// Outcome counts a decided patch in res, applied or superseded, and marks
// its change ids seen; it returns the outcome's name as the applied-changes
// table keeps it.
func Outcome(p *core.PushPatch, applied bool, res *core.PushResult, seen map[string]bool) string {
	for _, id := range p.ChangeIDs {
		seen[id] = true
	}
	if applied {
		res.Applied = append(res.Applied, p.ChangeIDs...)
		res.ScopesSeq[p.ScopeID] = 0
		return "applied"
	}
	res.Superseded = append(res.Superseded, p.ChangeIDs...)
	return "superseded"
}

// RemoteBase is the base of a pushed write's log entry: the clocks the
// pusher had seen of the fields the write sets.
func RemoteBase(p *core.PushPatch, w *core.SyncWrite) map[string]string {
	base := map[string]string{}
	for f := range w.Fields {
		if b, ok := p.Base[f]; ok {
			base[f] = b
		}
	}
	return base
}

// ForVersion keeps the fields (and clocks) a client at version v knows.
func ForVersion(tb *schema.Table, r *core.ServerRow, v int) *core.ServerRow {
	out := *r
	out.Fields = map[string]any{}
	out.Clocks = map[string]string{}
	for _, f := range tb.Synced(v) {
		if val, ok := r.Fields[f.Name]; ok {
			out.Fields[f.Name] = val
		}
		if c, ok := r.Clocks[f.Name]; ok {
			out.Clocks[f.Name] = c
		}
	}
	return &out
}

// FillFeed gives each entry of a pull page its row as a client at version
// sees it, read with one call of read per table (the rows found by id); a
// row gone for good (a hard delete) is sent as deleted.
func FillFeed(page []*core.FeedEntry, version int, read func(tb *schema.Table, ids []string) (map[string]*core.ServerRow, error)) error {
	ids := map[string][]string{}
	for _, e := range page {
		ids[e.Table] = append(ids[e.Table], e.RowID)
	}
	found := make(map[string]map[string]*core.ServerRow, len(ids))
	for table, list := range ids {
		tb, _ := schema.Lookup(table)
		rows, err := read(tb, list)
		if err != nil {
			return err
		}
		found[table] = rows
	}
	for _, e := range page {
		tb, _ := schema.Lookup(e.Table)
		r := found[e.Table][e.RowID]
		if r == nil {
			r = &core.ServerRow{Fields: map[string]any{}, Clocks: map[string]string{}}
		}
		if !r.Exists {
			r.Deleted = true
		}
		e.ServerRow = *ForVersion(tb, r, version)
	}
	return nil
}

// Pending is a change log entry waiting for its transaction's end, when
// the store works out its scope and base (StampPending) and files it.
type Pending struct {
	ID, UserID, Table, RowID, Op, HLC string
	Fields                            map[string]any
	// Remote entries, written by the sync code, carry their scope and
	// base; their clocks are on the row already.
	Remote bool
	// Stamped: a local insert whose row was written with its clocks
	// (InsertClocks), so they need not be written again.
	Stamped bool
	// Scope and Base: a remote entry's from the start, a local one's
	// from StampPending.
	Scope string
	Base  map[string]string
}

// Local is the entry of a local write (op on fields at clock ts).
func Local(id, userID, table, rowID, op, ts string, fields map[string]any) Pending {
	if fields == nil {
		fields = map[string]any{}
	}
	return Pending{ID: id, UserID: userID, Table: table, RowID: rowID, Op: op, HLC: ts, Fields: fields}
}

// Remote is the entry of a write applied by the sync code: it names the
// scope and the base the remote writer had seen.
func Remote(id, userID, scope, table, rowID, op, ts string, fields map[string]any, base map[string]string) Pending {
	p := Local(id, userID, table, rowID, op, ts, fields)
	p.Remote, p.Scope, p.Base = true, scope, base
	return p
}

// Origin is the entry's origin as the change log keeps it.
func (p *Pending) Origin() string {
	if p.Remote {
		return "remote"
	}
	return "local"
}

// InsertClocks are the field clocks an inserted row of table is written
// with: every synced field at clock c ("<hlc>@<device>"), as StampPending
// would stamp them.
func InsertClocks(table, c string) map[string]string {
	names := syncedNames[table]
	clocks := make(map[string]string, len(names))
	for _, f := range names {
		clocks[f] = c
	}
	return clocks
}

// DirtyRow is a row whose field clocks a transaction's local writes
// changed: the store writes them back.
type DirtyRow struct {
	Table, ID string
	Clocks    map[string]string
}

// StampPending works out, in order, each local entry's scope and base
// (the clocks its fields had) and stamps its fields on the row, reading
// each touched row's clocks and scope once with read (not for a row
// inserted in the transaction). An entry with no scope is filed under its
// user. It returns the rows whose clocks changed, in the order first
// touched.
func StampPending(pending []Pending, deviceID string, read func(tb *schema.Table, id string) (*Row, error)) ([]DirtyRow, error) {
	type key struct{ table, row string }
	rows := map[key]*Row{}
	var order []key
	for i := range pending {
		p := &pending[i]
		k := key{p.Table, p.RowID}
		tb, synced := schema.Lookup(p.Table)
		if p.Remote {
			// The sync code wrote the row's clocks itself: read them
			// again if a local write follows in this transaction.
			delete(rows, k)
		} else {
			p.Scope = p.UserID
			p.Base = map[string]string{}
			if synced {
				rc, ok := rows[k]
				stamped := !ok && p.Stamped
				switch {
				case stamped:
					// Written with the row (InsertClocks): the same
					// clocks Stamp would give, already stored, and no
					// base (a new row).
					c := p.HLC + "@" + deviceID
					rc = NewRow(tb)
					for _, f := range ChangedFields(tb, p.Op, p.Fields) {
						rc.Clocks[f] = c
					}
				case !ok && p.Op == core.OpInsert:
					rc = NewRow(tb) // no clocks to read yet
				case !ok:
					var err error
					if rc, err = read(tb, p.RowID); err != nil {
						return nil, err
					}
				}
				if !ok {
					rows[k] = rc
					order = append(order, k)
				}
				p.Scope = rc.ScopeOf(p.Table, p.UserID, p.Fields)
				if !stamped {
					p.Base = rc.Stamp(tb, p.Op, p.Fields, p.HLC, deviceID)
				}
			}
		}
		if p.Scope == "" {
			p.Scope = p.UserID
		}
	}
	var dirty []DirtyRow
	for _, k := range order {
		rc := rows[k]
		if rc == nil || !rc.Dirty || !rc.Exists {
			continue
		}
		dirty = append(dirty, DirtyRow{Table: k.table, ID: k.row, Clocks: rc.Clocks})
	}
	return dirty, nil
}
