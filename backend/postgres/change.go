package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
	"sentry/sync/hlc"
	"sentry/sync/schema"
)

// The write path of sync, as in the SQLite store (see its change.go).
//
// logChange queues the entry on the Tx; Commit writes the queue just before
// COMMIT: it reads each touched row's field clocks once, records them on
// the entry as its base, stamps the changed fields with
// "<hlc>@<device_id>", and files the entry under its scope (a team task's
// team, else the owner). The entries' seqs come from their scopes' rows,
// locked in id order until the transaction ends, so a scope's entries are
// numbered without gaps in commit order and two writers never wait on
// each other's scopes in opposite orders.

// pendingChange is a change log entry waiting for its transaction's end.
type pendingChange struct {
	id, userID, table, rowID, op, hlc string
	fields                            map[string]any
	remote                            bool
	// stamped: a local insert whose row was written with its clocks
	// (logInsert), so Commit need not write them again.
	stamped bool
	scope   string
	base    map[string]string
}

// logChange records one change log entry inside tx and returns its HLC,
// which callers store on the row.
func (tx *Tx) logChange(ctx context.Context, userID, table, rowID, op string, fields map[string]any) (string, error) {
	if fields == nil {
		fields = map[string]any{}
	}
	ts := tx.db.hlc()
	tx.pending = append(tx.pending, pendingChange{id: NewID(), userID: userID, table: table, rowID: rowID, op: op, hlc: ts, fields: fields})
	return ts, nil
}

// logInsert logs the insert of a synced row and returns its HLC and the
// field clocks to write with the row: every synced field stamped with the
// insert's clock, as Commit would stamp them.
func (tx *Tx) logInsert(ctx context.Context, userID, table, rowID string, fields map[string]any) (string, string, error) {
	ts, err := tx.logChange(ctx, userID, table, rowID, core.OpInsert, fields)
	if err != nil {
		return "", "", err
	}
	c := ts + "@" + tx.db.DeviceID
	names := syncedNames[table]
	clocks := make(map[string]string, len(names))
	for _, f := range names {
		clocks[f] = c
	}
	buf, err := json.Marshal(clocks)
	if err != nil {
		return "", "", fmt.Errorf("postgres: encode clocks of %s %s: %w", table, rowID, err)
	}
	tx.pending[len(tx.pending)-1].stamped = true
	return ts, string(buf), nil
}

// logRemoteChange records a write applied by the sync code, whose clocks
// the caller wrote on the row; it returns the entry's id.
func (tx *Tx) logRemoteChange(userID, scopeID, table, rowID, op, ts string, fields map[string]any, base map[string]string) string {
	if fields == nil {
		fields = map[string]any{}
	}
	id := NewID()
	tx.pending = append(tx.pending, pendingChange{id: id, userID: userID, table: table, rowID: rowID, op: op, hlc: ts,
		fields: fields, remote: true, scope: scopeID, base: base})
	return id
}

// Commit writes the queued change log entries, then commits. A member of
// a group (groupcommit.go) returns once its batch has committed.
func (tx *Tx) Commit(ctx context.Context) error {
	if tx.member != nil {
		return tx.commitMember(ctx)
	}
	if err := tx.flushChanges(ctx); err != nil {
		tx.rollback()
		return err
	}
	return tx.Tx.Commit(ctx)
}

type rowClocks struct {
	clocks map[string]string
	scope  string
	exists bool
	dirty  bool
}

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

// changedFields are the synced fields a local write stamps: every synced
// field on insert, deleted_at on delete, the written ones on update.
func changedFields(tb *schema.Table, op string, fields map[string]any) []string {
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

// logEntry is a change log entry ready to be filed: its scope and its
// fields' clocks before the write are known.
type logEntry struct {
	pendingChange
	scope string
	base  map[string]string
	now   time.Time
}

func (tx *Tx) flushChanges(ctx context.Context) error {
	if len(tx.pending) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	entries, what, err := tx.stampChanges(ctx, b, nil)
	if err != nil {
		return err
	}
	if what, err = queueEntries(b, what, entries, tx.db.DeviceID); err != nil {
		return err
	}
	return sendBatch(ctx, tx, b, what)
}

// stampChanges takes the queued entries off tx, queues on b the new field
// clocks of the rows they touch and returns the entries, ready to be
// filed, and each queued statement's name (what, extended) for its error.
func (tx *Tx) stampChanges(ctx context.Context, b *pgx.Batch, what []string) ([]logEntry, []string, error) {
	pending := tx.pending
	tx.pending = nil
	type key struct{ table, row string }
	rows := map[key]*rowClocks{}
	var order []key
	entries := make([]logEntry, len(pending))
	for i, p := range pending {
		k := key{p.table, p.rowID}
		tb, synced := schema.Lookup(p.table)
		base, scope := p.base, p.scope
		if p.remote {
			delete(rows, k)
		} else {
			scope = p.userID
			base = map[string]string{}
			if synced {
				rc, ok := rows[k]
				stamped := !ok && p.stamped
				if !ok {
					if p.op == core.OpInsert {
						// A row inserted now has no clocks to read.
						rc = &rowClocks{clocks: make(map[string]string, len(tb.Fields)), exists: true}
					} else {
						var err error
						if rc, err = tx.readRowClocks(ctx, tb, p.rowID); err != nil {
							return nil, nil, err
						}
					}
					rows[k] = rc
					order = append(order, k)
				}
				if rc.scope != "" {
					scope = rc.scope
				} else if team, _ := p.fields["team_id"].(string); p.table == "tasks" && team != "" {
					scope = team
				}
				for _, f := range changedFields(tb, p.op, p.fields) {
					if c, ok := rc.clocks[f]; ok {
						base[f] = c
					}
					// A local edit sorts after the value it replaces,
					// even when this device's clock is behind that
					// value's writer (beyond what Observe accepts).
					if stamped {
						// Written with the row (logInsert).
						rc.clocks[f] = p.hlc + "@" + tx.db.DeviceID
						continue
					}
					prev, _, _ := strings.Cut(rc.clocks[f], "@")
					rc.clocks[f] = hlc.After(p.hlc, prev) + "@" + tx.db.DeviceID
					rc.dirty = true
				}
			}
		}
		if scope == "" {
			scope = p.userID
		}
		entries[i] = logEntry{pendingChange: p, scope: scope, base: base, now: tx.now}
	}
	for _, k := range order {
		rc := rows[k]
		if rc == nil || !rc.dirty || !rc.exists {
			continue
		}
		buf, err := json.Marshal(rc.clocks)
		if err != nil {
			return nil, nil, fmt.Errorf("postgres: encode clocks of %s %s: %w", k.table, k.row, err)
		}
		b.Queue(`UPDATE `+k.table+` SET field_clocks = $1 WHERE id = $2`, string(buf), k.row)
		what = append(what, "stamp clocks of "+k.table+" "+k.row)
	}
	return entries, what, nil
}

// queueEntries queues on b the scopes' seq ranges, then the entries, and
// returns what extended with each statement's name.
//
// The scopes are locked in id order. A scope's row stays locked from its
// upsert to COMMIT and every other writer of that scope waits as long, so
// the caller sends b as the last round trip before COMMIT: nothing runs in
// between but the entries' inserts, on the server, with no round trip of
// their own. An entry's seq is its scope's last_seq after the upsert (read
// back in the same transaction) less the entries of the scope queued after
// it.
func queueEntries(b *pgx.Batch, what []string, entries []logEntry, deviceID string) ([]string, error) {
	count := map[string]int64{}
	kind := map[string]string{}
	created := map[string]time.Time{}
	for _, e := range entries {
		s := e.scope
		if count[s] == 0 {
			created[s] = e.now
		}
		count[s]++
		if s == e.userID {
			kind[s] = "user"
		} else if kind[s] == "" {
			kind[s] = "team"
		}
	}
	ids := make([]string, 0, len(count))
	for s := range count {
		ids = append(ids, s)
	}
	sort.Strings(ids)
	for _, s := range ids {
		b.Queue(`INSERT INTO sync_scopes (id, kind, last_seq, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET last_seq = sync_scopes.last_seq + $3`, s, kind[s], count[s], created[s])
		what = append(what, "log change: scope "+s)
	}
	later := map[string]int64{}
	for s, n := range count {
		later[s] = n - 1
	}
	for _, e := range entries {
		fb, err := json.Marshal(e.fields)
		if err != nil {
			return nil, fmt.Errorf("postgres: encode change of %s %s: %w", e.table, e.rowID, err)
		}
		bb, err := json.Marshal(e.base)
		if err != nil {
			return nil, fmt.Errorf("postgres: encode change of %s %s: %w", e.table, e.rowID, err)
		}
		origin := "local"
		if e.remote {
			origin = "remote"
		}
		s := e.scope
		b.Queue(`INSERT INTO changes (scope_id, seq, id, user_id, table_name, row_id, op, fields, base, origin, hlc, device_id, created_at)
			VALUES ($1, (SELECT last_seq FROM sync_scopes WHERE id = $1) - $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			s, later[s], e.id, e.userID, e.table, e.rowID, e.op, string(fb), string(bb), origin, e.hlc, deviceID, e.now)
		later[s]--
		what = append(what, "log change of "+e.table+" "+e.rowID)
	}
	return what, nil
}

// sendBatch runs b in tx in one round trip; what names each statement.
func sendBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch, what []string) error {
	if b.Len() == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, b)
	for _, w := range what {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return formatError(err, w, onViolation{})
		}
	}
	if err := br.Close(); err != nil {
		return formatError(err, "log changes", onViolation{})
	}
	return nil
}

// readRowClocks reads a synced row's field clocks and, for a task, its
// team (its scope). A row that is not there has none.
func (tx *Tx) readRowClocks(ctx context.Context, tb *schema.Table, id string) (*rowClocks, error) {
	team := `''`
	if tb.Name == "tasks" {
		team = `team_id`
	}
	var raw []byte
	var scope string
	err := tx.QueryRow(ctx, `SELECT field_clocks, `+team+` FROM `+tb.Name+` WHERE id = $1`, id).Scan(&raw, &scope)
	if errors.Is(err, pgx.ErrNoRows) {
		return &rowClocks{clocks: map[string]string{}}, nil
	} else if err != nil {
		return nil, formatError(err, "read clocks of "+tb.Name+" "+id, onViolation{})
	}
	rc := &rowClocks{clocks: map[string]string{}, scope: scope, exists: true}
	if err := json.Unmarshal(raw, &rc.clocks); err != nil {
		// Unreadable clocks are the zero clock: the write stamps its
		// fields afresh instead of failing.
		rc.clocks = nil
	}
	if rc.clocks == nil {
		rc.clocks = map[string]string{}
	}
	return rc, nil
}

// FindChanges returns a user's change log entries in clock order.
func (db *DB) FindChanges(ctx context.Context, f core.ChangeFilter) ([]*core.Change, error) {
	if f.UserID == "" {
		return nil, core.Errorf(core.EINVALID, "A user is required.")
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	if !storable(f.UserID, f.Table, f.RowID, f.After) {
		return nil, nil
	}
	q := `SELECT id, user_id, table_name, row_id, op, fields, hlc, device_id, created_at FROM changes WHERE user_id = $1`
	args := []any{f.UserID}
	if f.Table != "" {
		args = append(args, f.Table)
		q += fmt.Sprintf(` AND table_name = $%d`, len(args))
	}
	if f.RowID != "" {
		args = append(args, f.RowID)
		q += fmt.Sprintf(` AND row_id = $%d`, len(args))
	}
	if f.After != "" {
		args = append(args, f.After)
		q += fmt.Sprintf(` AND hlc > $%d`, len(args))
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY hlc, seq LIMIT $%d`, len(args))
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, formatError(err, "find changes", onViolation{})
	}
	defer rows.Close()
	var out []*core.Change
	for rows.Next() {
		var c core.Change
		var fields []byte
		if err := rows.Scan(&c.ID, &c.UserID, &c.Table, &c.RowID, &c.Op, &fields, &c.HLC, &c.DeviceID, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("postgres: scan change: %w", err)
		}
		if err := json.Unmarshal(fields, &c.Fields); err != nil {
			return nil, fmt.Errorf("postgres: decode change %s: %w", c.ID, err)
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find changes", onViolation{})
	}
	return out, nil
}
