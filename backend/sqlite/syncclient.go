package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"time"

	"sentry/backend/core"
	"sentry/sync/merge"
	"sentry/sync/schema"
)

// The device side of sync (core.SyncClientStore): the outbox built from
// the change log, the server's answers to it, and pulled rows merged into
// local ones with sync/merge, generically over the sync registry.
//
// The change log's sync columns (origin, base, scope_id) and every synced
// table's field_clocks are the write path's; this file only reads them,
// and writes them for rows that came from the server.

// Origins of a change log entry.
const (
	originLocal  = "local"
	originRemote = "remote"
)

// pendingWhere selects local changes not yet acknowledged nor refused.
const pendingWhere = `origin = 'local' AND pushed_at IS NULL AND rejected_at IS NULL`

// clientTableList is the registry's tables as an SQL list.
var clientTableList = func() string {
	names := make([]string, len(schema.Tables))
	for i, t := range schema.Tables {
		names[i] = "'" + t.Name + "'"
	}
	return strings.Join(names, ", ")
}()

// SyncBinding returns the folder's server binding, not_found without one.
func (db *DB) SyncBinding(ctx context.Context) (*core.SyncBinding, error) {
	return syncBinding(ctx, db.read)
}

func syncBinding(ctx context.Context, q sqlQueryer) (*core.SyncBinding, error) {
	var b core.SyncBinding
	var bound string
	err := q.QueryRowContext(ctx, `SELECT server_url, remote_user_id, local_user_id, database_id, epoch, device_id, bound_at
		FROM sync_client WHERE id = 1`).Scan(&b.ServerURL, &b.RemoteUserID, &b.LocalUserID, &b.DatabaseID, &b.Epoch, &b.DeviceID, &bound)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "This device is not connected to a team server; connect it in Settings.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: read sync binding: %w", err)
	}
	if b.BoundAt, err = parseTime(bound); err != nil {
		return nil, err
	}
	return &b, nil
}

// BindSync records the binding; another server or database starts over.
func (db *DB) BindSync(ctx context.Context, b *core.SyncBinding, scopes []core.SyncScope) error {
	if b.ServerURL == "" || b.RemoteUserID == "" || b.LocalUserID == "" || b.DatabaseID == "" || b.DeviceID == "" {
		return core.Errorf(core.EINVALID, "A sync binding needs a server, both user ids, a database and a device.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	old, err := syncBinding(ctx, tx)
	if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
		return err
	}
	sameServer := old != nil && old.ServerURL == b.ServerURL && old.DatabaseID == b.DatabaseID && old.RemoteUserID == b.RemoteUserID
	if !sameServer {
		// A new server knows nothing of what this device sent elsewhere.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sync_client`); err != nil {
			return fmt.Errorf("sqlite: reset sync binding: %w", err)
		}
		// A download of a scope again, half done, was the old server's.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sync_resync_rows`); err != nil {
			return fmt.Errorf("sqlite: reset sync binding: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE changes SET pushed_at = NULL, batch_id = NULL
			WHERE origin = 'local' AND rejected_at IS NULL AND (pushed_at IS NOT NULL OR batch_id IS NOT NULL)`); err != nil {
			return fmt.Errorf("sqlite: reset outbox: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_client (id, server_url, remote_user_id, local_user_id, database_id, epoch, device_id, bound_at)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?)`, b.ServerURL, b.RemoteUserID, b.LocalUserID, b.DatabaseID, b.Epoch, b.DeviceID, formatTime(tx.now)); err != nil {
			return fmt.Errorf("sqlite: save sync binding: %w", err)
		}
		b.BoundAt = tx.now
	} else {
		b.BoundAt = old.BoundAt
		if _, err := tx.ExecContext(ctx, `UPDATE sync_client SET local_user_id = ?, device_id = ? WHERE id = 1`, b.LocalUserID, b.DeviceID); err != nil {
			return fmt.Errorf("sqlite: update sync binding: %w", err)
		}
	}
	named := map[string]bool{}
	for _, s := range scopes {
		if err := tx.addScope(ctx, b, s); err != nil {
			return err
		}
		named[s.ID] = true
	}
	// The server names every team the person is in: a team it no longer
	// names was left (or the person removed) while this device was away,
	// perhaps before a pull could say so, and goes as a revocation would.
	// (Another server's scopes are not its to revoke.)
	if sameServer {
		if err := tx.dropUnnamedScopes(ctx, b, named); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: bind sync: commit: %w", err)
	}
	return nil
}

// ForgetSync unbinds the folder; local rows and the change log stay.
func (db *DB) ForgetSync(ctx context.Context) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM sync_client`, `DELETE FROM sync_scopes`, `DELETE FROM sync_resync_rows`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlite: forget sync: %w", err)
		}
	}
	return tx.Commit()
}

// addScope remembers a scope; a team is mirrored into the local teams so
// the task rules let the local profile see and edit its tasks.
func (tx *Tx) addScope(ctx context.Context, b *core.SyncBinding, s core.SyncScope) error {
	if s.ID == "" || s.ID == b.RemoteUserID || s.Kind == "user" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sync_scopes (scope_id, kind, name) VALUES (?, 'team', ?)
		ON CONFLICT(scope_id) DO UPDATE SET name = CASE WHEN excluded.name != '' THEN excluded.name ELSE sync_scopes.name END`, s.ID, s.Name); err != nil {
		return fmt.Errorf("sqlite: save scope %s: %w", s.ID, err)
	}
	name := s.Name
	if name == "" {
		name = "Team"
	}
	now := formatTime(tx.now)
	if _, err := tx.ExecContext(ctx, `INSERT INTO teams (id, name, created_by, created_at, updated_at, version, hlc) VALUES (?, ?, ?, ?, ?, 1, '')
		ON CONFLICT(id) DO UPDATE SET name = CASE WHEN ? != '' THEN excluded.name ELSE teams.name END, deleted_at = NULL`,
		s.ID, name, b.LocalUserID, now, now, s.Name); err != nil {
		return fmt.Errorf("sqlite: mirror team %s: %w", s.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, s.ID, b.LocalUserID, core.RoleMember, now); err != nil {
		return fmt.Errorf("sqlite: mirror team membership %s: %w", s.ID, err)
	}
	return nil
}

// dropUnnamedScopes revokes the team scopes this device mirrors that the
// server did not name.
func (tx *Tx) dropUnnamedScopes(ctx context.Context, b *core.SyncBinding, named map[string]bool) error {
	rows, err := tx.QueryContext(ctx, `SELECT scope_id FROM sync_scopes WHERE kind = 'team'`)
	if err != nil {
		return fmt.Errorf("sqlite: read scopes: %w", err)
	}
	var gone []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: read scopes: %w", err)
		}
		if !named[id] {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: read scopes: %w", err)
	}
	for _, id := range gone {
		if _, err := tx.revokeScope(ctx, b, id); err != nil {
			return err
		}
	}
	return nil
}

// revokeScope removes a team's rows from this device. Pending changes to
// them can no longer be sent: they become rejected (forbidden), kept with
// their values so nothing typed is lost from sight.
func (tx *Tx) revokeScope(ctx context.Context, b *core.SyncBinding, scopeID string) ([]core.SyncApplied, error) {
	if scopeID == "" || scopeID == b.RemoteUserID {
		return nil, nil
	}
	var name string
	_ = tx.QueryRowContext(ctx, `SELECT name FROM sync_scopes WHERE scope_id = ?`, scopeID).Scan(&name)
	msg := "You are no longer a member of this team."
	if name != "" {
		msg = fmt.Sprintf("You are no longer a member of %s.", name)
	}
	var out []core.SyncApplied
	for _, t := range schema.Tables {
		if _, ok := t.Field("team_id"); !ok {
			continue
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM `+t.Name+` WHERE team_id = ?`, scopeID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find %s of scope %s: %w", t.Name, scopeID, err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE changes SET rejected_at = ?, reject_code = ?, reject_message = ?
				WHERE table_name = ? AND row_id = ? AND `+pendingWhere, formatTime(tx.now), core.EFORBIDDEN, msg, t.Name, id); err != nil {
				return nil, fmt.Errorf("sqlite: reject changes of %s: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.Name+` WHERE id = ?`, id); err != nil {
				return nil, fmt.Errorf("sqlite: evict %s %s: %w", t.Name, id, err)
			}
			out = append(out, core.SyncApplied{Table: t.Name, RowID: id, UserID: b.LocalUserID, Op: core.OpDelete})
		}
	}
	for _, q := range []string{`DELETE FROM team_members WHERE team_id = ?`, `DELETE FROM teams WHERE id = ?`, `DELETE FROM sync_scopes WHERE scope_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, scopeID); err != nil {
			return nil, fmt.Errorf("sqlite: forget scope %s: %w", scopeID, err)
		}
	}
	return out, nil
}

// outChange is one row of the outbox.
type outChange struct {
	seq                       int64
	id, table, rowID, op, hlc string
	device                    string
	fields                    map[string]any
	base                      map[string]string
}

func (tx *Tx) pendingChanges(ctx context.Context, limit int, where string, args ...any) ([]outChange, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, id, table_name, row_id, op, hlc, device_id, fields, ifnull(base, '{}')
		FROM changes WHERE `+pendingWhere+` AND table_name IN (`+clientTableList+`) AND `+where+` ORDER BY seq LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read outbox: %w", err)
	}
	defer rows.Close()
	var out []outChange
	for rows.Next() {
		var c outChange
		var fields, base string
		if err := rows.Scan(&c.seq, &c.id, &c.table, &c.rowID, &c.op, &c.hlc, &c.device, &fields, &base); err != nil {
			return nil, fmt.Errorf("sqlite: scan outbox: %w", err)
		}
		if err := decodeJSON(fields, &c.fields); err != nil {
			return nil, fmt.Errorf("sqlite: decode change %s: %w", c.id, err)
		}
		if base != "" && base != "null" {
			if err := json.Unmarshal([]byte(base), &c.base); err != nil {
				return nil, fmt.Errorf("sqlite: decode base of change %s: %w", c.id, err)
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// nextRowsChanges returns every pending change, not yet in a batch, of
// the maxRows rows whose first pending change is oldest: a row's changes
// all go in one patch, however many there are, so 10,000 edits of 2,000
// rows make 4 batches of 500 patches, not 20.
func (tx *Tx) nextRowsChanges(ctx context.Context, maxRows int) ([]outChange, error) {
	rows, err := tx.QueryContext(ctx, `SELECT row_id FROM changes INDEXED BY changes_outbox_idx WHERE `+pendingWhere+` AND batch_id IS NULL AND table_name IN (`+clientTableList+`)
		GROUP BY table_name, row_id ORDER BY min(seq) LIMIT ?`, maxRows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: choose outbox rows: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []outChange
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		part, err := tx.pendingChanges(ctx, 0, `batch_id IS NULL AND row_id IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
		ids = ids[n:]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out, nil
}

// touched is the synced fields a change wrote: all of them for an insert.
func (c *outChange) touched(t *schema.Table) []string {
	var out []string
	for _, f := range t.Synced(schema.Version) {
		_, in := c.fields[f.Name]
		if c.op == core.OpInsert || in || (c.op == core.OpDelete && f.Name == "deleted_at") {
			out = append(out, f.Name)
		}
	}
	return out
}

// SyncOutbox returns the next batch to push, recording its id on its
// changes first. An earlier batch that was never answered comes back with
// its id, so the server can recognise a retry.
func (db *DB) SyncOutbox(ctx context.Context, maxPatches, maxBytes int) (*core.SyncBatch, error) {
	b, err := db.SyncBinding(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var open string
	err = tx.QueryRowContext(ctx, `SELECT batch_id FROM changes INDEXED BY changes_outbox_idx WHERE batch_id IS NOT NULL AND `+pendingWhere+` ORDER BY seq LIMIT 1`).Scan(&open)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: find open batch: %w", err)
	}
	var changes []outChange
	if open != "" {
		changes, err = tx.pendingChanges(ctx, 0, `batch_id = ?`, open)
	} else {
		changes, err = tx.nextRowsChanges(ctx, maxPatches)
	}
	if err != nil {
		return nil, err
	}
	batch := &core.SyncBatch{BatchID: open}
	if batch.BatchID == "" {
		batch.BatchID = NewID()
	}
	// Coalesce per row, rows in the order of their first change.
	type key struct{ table, row string }
	groups := map[key][]outChange{}
	var order []key
	for _, c := range changes {
		k := key{c.table, c.rowID}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	var sent, nothing []string // change ids in the batch; ids with nothing to send
	size := 0
	want := map[string][]string{}
	for i, k := range order {
		if i >= maxPatches && open == "" {
			break
		}
		want[k.table] = append(want[k.table], k.row)
	}
	ahead, err := tx.readAhead(ctx, want)
	if err != nil {
		return nil, err
	}
	for _, k := range order {
		if len(batch.Patches) >= maxPatches && open == "" {
			break
		}
		p, err := tx.outboxPatch(ctx, b, k.table, k.row, groups[k], ahead)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(groups[k]))
		for i, c := range groups[k] {
			ids[i] = c.id
		}
		if p == nil {
			nothing = append(nothing, ids...)
			continue
		}
		enc, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("sqlite: encode patch of %s %s: %w", k.table, k.row, err)
		}
		if size+len(enc) > maxBytes && len(batch.Patches) > 0 && open == "" {
			break
		}
		size += len(enc)
		batch.Patches = append(batch.Patches, *p)
		sent = append(sent, ids...)
	}
	// Changes to local-only fields, or to rows gone for good, have nothing
	// to say to the server.
	if err := tx.setChanges(ctx, `pushed_at = ?`, formatTime(tx.now), nothing); err != nil {
		return nil, err
	}
	if open == "" {
		if err := tx.setChanges(ctx, `batch_id = ?`, batch.BatchID, sent); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: outbox: commit: %w", err)
	}
	if len(batch.Patches) == 0 {
		if len(nothing) > 0 {
			return db.SyncOutbox(ctx, maxPatches, maxBytes)
		}
		return nil, nil
	}
	return batch, nil
}

// setChanges sets one column on many change ids.
func (tx *Tx) setChanges(ctx context.Context, set string, val any, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{val}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE changes SET `+set+` WHERE id IN (`+placeholders(n)+`)`, args...); err != nil {
			return fmt.Errorf("sqlite: mark changes: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

// outboxPatch coalesces one row's pending changes: the row's current
// values and clocks of every field they touched, the base of the earliest
// change to each field. nil when there is nothing to send.
func (tx *Tx) outboxPatch(ctx context.Context, b *core.SyncBinding, table, rowID string, cs []outChange, ahead *rowsAhead) (*core.SyncPatch, error) {
	t, _ := schema.Lookup(table)
	row, clocks, found, err := tx.syncedRowAhead(ctx, ahead, t, rowID)
	if err != nil || !found {
		return nil, err
	}
	p := &core.SyncPatch{Table: table, RowID: rowID, Fields: map[string]any{}, Clocks: map[string]string{}, Base: map[string]string{}}
	for _, c := range cs {
		p.ChangeIDs = append(p.ChangeIDs, c.id)
		for _, f := range c.touched(t) {
			if _, seen := p.Fields[f]; !seen {
				p.Base[f] = c.base[f]
			}
			p.Fields[f] = row[f]
			if fd, _ := t.Field(f); fd.Account {
				p.Fields[f] = accountID(row[f], b.LocalUserID, b.RemoteUserID)
			}
			// A field the write path left without a clock takes the
			// change's own: the latest change to it wins.
			if clocks[f] == "" {
				clocks[f] = c.hlc + "@" + c.device
			}
			p.Clocks[f] = clocks[f]
		}
	}
	if len(p.Fields) == 0 {
		return nil, nil
	}
	p.ScopeID = b.RemoteUserID
	if team, _ := row["team_id"].(string); team != "" && t.Scope == schema.Shareable {
		p.ScopeID = team
	}
	return p, nil
}

// accountID maps one account's id to its other name: the server knows this
// device's account by its remote id, the device by its local one.
func accountID(v any, from, to string) any {
	if s, ok := v.(string); ok && s != "" && s == from {
		return to
	}
	return v
}

// readSyncedRow reads a row's synced fields (as wire values) and clocks.
func (tx *Tx) readSyncedRow(ctx context.Context, t *schema.Table, id string) (map[string]any, map[string]string, bool, error) {
	vals, ptrs := syncedRowTargets(t)
	err := tx.QueryRowContext(ctx, `SELECT `+syncedRowColumns(t)+` FROM `+t.Name+` WHERE id = ?`, id).Scan(ptrs...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, false, nil
	} else if err != nil {
		return nil, nil, false, fmt.Errorf("sqlite: read %s %s: %w", t.Name, id, err)
	}
	row, clocks, err := syncedRowOf(t, id, vals)
	if err != nil {
		return nil, nil, false, err
	}
	return row, clocks, true, nil
}

// syncedRowColumns is the select list of readSyncedRow: the synced fields,
// the field clocks, the id.
func syncedRowColumns(t *schema.Table) string {
	fields := t.Synced(schema.Version)
	cols := make([]string, 0, len(fields)+2)
	for _, f := range fields {
		cols = append(cols, f.Name)
	}
	return strings.Join(append(cols, "field_clocks", "id"), ", ")
}

func syncedRowTargets(t *schema.Table) ([]any, []any) {
	vals := make([]any, len(t.Synced(schema.Version))+2)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, ptrs
}

// syncedRowOf decodes the values of syncedRowColumns.
func syncedRowOf(t *schema.Table, id string, vals []any) (map[string]any, map[string]string, error) {
	fields := t.Synced(schema.Version)
	row := make(map[string]any, len(fields))
	var err error
	for i, f := range fields {
		if row[f.Name], err = toWire(f, vals[i]); err != nil {
			return nil, nil, fmt.Errorf("sqlite: %s %s: %w", t.Name, id, err)
		}
	}
	clocks, err := DecodeFieldClocks(t.Name, asString(vals[len(fields)]))
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: decode field clocks of %s %s: %w", t.Name, id, err)
	}
	return row, clocks, nil
}

// rowsAhead holds rows read ahead for a batch or a page, one statement
// per table instead of one per row.
type rowsAhead struct {
	rows map[string]map[string]*syncedRow // table → id → row; nil: not there
	// written marks rows written since they were read: read again.
	written map[[2]string]bool
}

type syncedRow struct {
	fields map[string]any
	clocks map[string]string
}

// readAhead reads the rows named, per table (the ids travel as one JSON
// array, so the statement's text is the same for any number of them).
func (tx *Tx) readAhead(ctx context.Context, want map[string][]string) (*rowsAhead, error) {
	a := &rowsAhead{rows: make(map[string]map[string]*syncedRow, len(want)), written: map[[2]string]bool{}}
	for table, ids := range want {
		t, ok := schema.Lookup(table)
		if !ok {
			continue
		}
		list, err := json.Marshal(ids)
		if err != nil {
			return nil, fmt.Errorf("sqlite: read %s rows: %w", table, err)
		}
		m := make(map[string]*syncedRow, len(ids))
		for _, id := range ids {
			m[id] = nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+syncedRowColumns(t)+` FROM `+t.Name+` WHERE id IN (SELECT value FROM json_each(?))`, string(list))
		if err != nil {
			return nil, fmt.Errorf("sqlite: read %s rows: %w", table, err)
		}
		for rows.Next() {
			vals, ptrs := syncedRowTargets(t)
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: read %s rows: %w", table, err)
			}
			id := asString(vals[len(vals)-1])
			fields, clocks, err := syncedRowOf(t, id, vals)
			if err != nil {
				rows.Close()
				return nil, err
			}
			m[id] = &syncedRow{fields: fields, clocks: clocks}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlite: read %s rows: %w", table, err)
		}
		a.rows[table] = m
	}
	return a, nil
}

// syncedRowAhead is readSyncedRow answered from rows read ahead when it
// can be (a copy: callers may change the maps).
func (tx *Tx) syncedRowAhead(ctx context.Context, a *rowsAhead, t *schema.Table, id string) (map[string]any, map[string]string, bool, error) {
	if a != nil && !a.written[[2]string{t.Name, id}] {
		if r, ok := a.rows[t.Name][id]; ok {
			if r == nil {
				return nil, nil, false, nil
			}
			return maps.Clone(r.fields), maps.Clone(r.clocks), true, nil
		}
	}
	return tx.readSyncedRow(ctx, t, id)
}

// ReopenSyncBatch lets a batch's pending changes go out in a new batch.
func (db *DB) ReopenSyncBatch(ctx context.Context, batchID string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE changes SET batch_id = NULL WHERE batch_id = ? AND `+pendingWhere, batchID); err != nil {
		return fmt.Errorf("sqlite: reopen batch: %w", err)
	}
	return tx.Commit()
}

// MarkSyncPushed records the server's answer to a batch.
func (db *DB) MarkSyncPushed(ctx context.Context, res *core.SyncPushResult) error {
	b, err := db.SyncBinding(ctx)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := formatTime(tx.now)
	if err := tx.setChanges(ctx, `pushed_at = ?`, now, append(append([]string(nil), res.Applied...), res.Superseded...)); err != nil {
		return err
	}
	for _, r := range res.Rejected {
		code, msg := r.Code, r.Message
		if code == "" {
			code = core.EINVALID
		}
		if msg == "" {
			msg = "The team server refused this change."
		}
		for _, id := range r.ChangeIDs {
			if _, err := tx.ExecContext(ctx, `UPDATE changes SET rejected_at = ?, reject_code = ?, reject_message = ? WHERE id = ? AND origin = 'local'`,
				now, code, msg, id); err != nil {
				return fmt.Errorf("sqlite: reject change %s: %w", id, err)
			}
		}
		if t, ok := schema.Lookup(r.Table); ok && core.ValidID(r.RowID) {
			if err := tx.rebuildRow(ctx, b, t, r.RowID, r.Row); err != nil {
				return err
			}
		}
	}
	// Whatever the answer did not name goes out again in a new batch,
	// never under this id (which the server answers from its record).
	if _, err := tx.ExecContext(ctx, `UPDATE changes SET batch_id = NULL WHERE batch_id = ? AND `+pendingWhere, res.BatchID); err != nil {
		return fmt.Errorf("sqlite: close batch: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sync_client SET last_push_at = ? WHERE id = 1`, now); err != nil {
		return fmt.Errorf("sqlite: note push: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: mark pushed: commit: %w", err)
	}
	return nil
}

// rebuildRow replaces a refused row with the server's, then merges this
// device's other pending changes to it over that (each field at the clock
// its change wrote), so only the refused write is undone.
func (tx *Tx) rebuildRow(ctx context.Context, b *core.SyncBinding, t *schema.Table, id string, server *core.SyncRowState) error {
	others, err := tx.pendingChanges(ctx, 0, `table_name = ? AND row_id = ?`, t.Name, id)
	if err != nil {
		return err
	}
	if server == nil {
		if len(others) > 0 {
			return nil // the next push decides; nothing to rebuild from
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.Name+` WHERE id = ?`, id); err != nil {
			return fmt.Errorf("sqlite: drop refused %s %s: %w", t.Name, id, err)
		}
		return nil
	}
	row := merge.Row{Fields: map[string]any{}, Clocks: map[string]string{}}
	for _, f := range t.Synced(schema.Version) {
		if v, ok := server.State[f.Name]; ok {
			if f.Account {
				v = accountID(v, b.RemoteUserID, b.LocalUserID)
			}
			row.Fields[f.Name], row.Clocks[f.Name] = v, server.Clocks[f.Name]
		}
	}
	for _, c := range others {
		p := merge.Patch{Fields: map[string]any{}, Clocks: map[string]string{}}
		for _, f := range c.touched(t) {
			if v, ok := c.fields[f]; ok {
				p.Fields[f], p.Clocks[f] = v, c.hlc+"@"+c.device
			}
		}
		row, _, _ = merge.Merge(row, p)
	}
	_, _, found, err := tx.readSyncedRow(ctx, t, id)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(row.Fields))
	for f := range row.Fields {
		names = append(names, f)
	}
	_, err = tx.writeSyncedRow(ctx, b, t, id, row, names, !found, "", nil)
	return err
}

// writeSyncedRow writes the named fields of row (with all its clocks) to
// the local table, inserting it under the local profile when new, and logs
// the write as a change from the server (already pushed: never echoed) —
// at once, or into log when there is one.
func (tx *Tx) writeSyncedRow(ctx context.Context, b *core.SyncBinding, t *schema.Table, id string, row merge.Row, names []string, insert bool, scopeID string, log *pulledLog) (string, error) {
	sort.Strings(names)
	cols, args := []string{}, []any{}
	logged := map[string]any{}
	for _, name := range names {
		f, ok := t.Field(name)
		if !ok || f.LocalOnly {
			continue
		}
		v, err := fromWire(f, row.Fields[name])
		if err != nil {
			return "", core.Errorf(core.EINVALID, "%s.%s from the server: %v", t.Name, name, err)
		}
		cols, args = append(cols, name), append(args, v)
		logged[name] = row.Fields[name]
		if t.Name == "tasks" && name == "priority" {
			p, _ := row.Fields[name].(string)
			cols, args = append(cols, "priority_rank"), append(args, core.PriorityRank(p))
		}
	}
	clocks, err := json.Marshal(row.Clocks)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode clocks: %w", err)
	}
	high, origin := "", tx.db.DeviceID
	for _, c := range row.Clocks {
		if c > high {
			high = c
		}
	}
	hlcPart, dev, _ := strings.Cut(high, "@")
	if dev != "" {
		origin = dev
	}
	if hlcPart == "" {
		hlcPart = tx.db.hlc()
	}
	now := formatTime(tx.now)
	op := core.OpUpdate
	if insert {
		op = core.OpInsert
		// Device-only columns a row from elsewhere needs (a run's job
		// status) take their arrival values.
		for name, v := range t.Arrivals() {
			cols, args = append(cols, name), append(args, v)
		}
		cols = append(cols, "id", "user_id", "field_clocks", "hlc", "version", "updated_at")
		args = append(args, id, b.LocalUserID, string(clocks), hlcPart, 1, now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+t.Name+` (`+strings.Join(cols, ", ")+`) VALUES (`+placeholders(len(cols))+`)`, args...); err != nil {
			return "", formatError(err, "insert pulled "+t.Name, onViolation{})
		}
	} else {
		sets := make([]string, len(cols))
		for i, c := range cols {
			sets[i] = c + " = ?"
		}
		sets = append(sets, "field_clocks = ?", "hlc = max(hlc, ?)", "version = version + 1", "updated_at = ?")
		args = append(args, string(clocks), hlcPart, now, id)
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.Name+` SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...); err != nil {
			return "", formatError(err, "update pulled "+t.Name, onViolation{})
		}
		if d, ok := logged["deleted_at"]; ok && d != nil {
			op = core.OpDelete
		}
	}
	fields, err := json.Marshal(logged)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode pulled change: %w", err)
	}
	entry := pulledChange{NewID(), b.LocalUserID, t.Name, id, op, string(fields), hlcPart, origin, now, scopeID}
	if log != nil {
		// Written with the page's other entries, before the page's
		// savepoint is released.
		log.rows = append(log.rows, entry)
		return op, nil
	}
	if err := tx.logPulledChanges(ctx, []pulledChange{entry}); err != nil {
		return "", err
	}
	return op, nil
}

// pulledChange is the change-log entry of a row written from the server.
type pulledChange struct {
	id, userID, table, rowID, op, fields, hlc, device, at, scopeID string
}

// pulledLog collects a pull page's change-log entries, so that they are
// written in a few statements of many rows rather than one a row.
type pulledLog struct{ rows []pulledChange }

// pulledChangeCols is the change log's columns a pulled entry fills, and
// pulledChangeRow the values of one entry in its multi-row INSERT.
const (
	pulledChangeCols = `INSERT INTO changes (id, user_id, table_name, row_id, op, fields, hlc, device_id, created_at, pushed_at, origin, scope_id, base) VALUES `
	pulledChangeRow  = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'remote', ?, '{}')`
)

// logPulledChanges writes entries to the change log, as already pushed (a
// change from the server is never echoed), in their order. The statements
// carry 64, 32, …, 1 rows, so there are only seven texts and each stays
// prepared.
func (tx *Tx) logPulledChanges(ctx context.Context, entries []pulledChange) error {
	for len(entries) > 0 {
		n := 64
		for n > len(entries) {
			n /= 2
		}
		q := pulledChangeStmt(n)
		args := make([]any, 0, n*11)
		for _, e := range entries[:n] {
			args = append(args, e.id, e.userID, e.table, e.rowID, e.op, e.fields, e.hlc, e.device, e.at, e.at, e.scopeID)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("sqlite: log pulled change of %s %s: %w", entries[0].table, entries[0].rowID, err)
		}
		entries = entries[n:]
	}
	return nil
}

var pulledChangeStmts [7]string

func init() {
	for i := range pulledChangeStmts {
		pulledChangeStmts[i] = pulledChangeCols + strings.TrimSuffix(strings.Repeat(pulledChangeRow+", ", 1<<i), ", ")
	}
}

// pulledChangeStmt is the INSERT of n entries, n a power of two up to 64.
func pulledChangeStmt(n int) string {
	return pulledChangeStmts[bits.TrailingZeros(uint(n))]
}

// ApplySyncPage merges one pull page and saves its cursor, all or nothing.
func (db *DB) ApplySyncPage(ctx context.Context, p *core.SyncPage) ([]core.SyncApplied, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	b, err := syncBinding(ctx, tx)
	if err != nil {
		return nil, err
	}
	var out []core.SyncApplied
	for _, c := range p.Control {
		switch c.Type {
		case core.SyncScopeAdded:
			if err := tx.addScope(ctx, b, core.SyncScope{ID: c.ScopeID, Kind: c.Kind, Name: c.Name}); err != nil {
				return nil, err
			}
		case core.SyncEpochChanged:
			// A server restored from a backup lost what came after it:
			// everything this device wrote since goes again.
			if _, err := tx.ExecContext(ctx, `UPDATE sync_client SET epoch = ? WHERE id = 1`, c.Epoch); err != nil {
				return nil, fmt.Errorf("sqlite: save epoch: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE changes SET pushed_at = NULL, batch_id = NULL
				WHERE origin = 'local' AND rejected_at IS NULL AND hlc > ?`, c.RestoredHighHLC); err != nil {
				return nil, fmt.Errorf("sqlite: re-send after restore: %w", err)
			}
		case core.SyncResyncScope:
			if err := tx.startResync(ctx, b, c.ScopeID); err != nil {
				return nil, err
			}
		}
	}
	resync, err := tx.resyncing(ctx)
	if err != nil {
		return nil, err
	}
	want := map[string][]string{}
	for _, e := range p.Entries {
		want[e.Table] = append(want[e.Table], e.RowID)
	}
	ahead, err := tx.readAhead(ctx, want)
	if err != nil {
		return nil, err
	}
	// The page's rows are written without a savepoint each; only when one
	// does not fit this device is the page undone and applied again with
	// a savepoint per row, so that row alone is skipped.
	if _, err := tx.ExecContext(ctx, `SAVEPOINT sync_page`); err != nil {
		return nil, fmt.Errorf("sqlite: apply pull: %w", err)
	}
	kept := len(out)
	log := &pulledLog{}
	for careful := false; ; careful = true {
		ahead.written = map[[2]string]bool{}
		out = out[:kept]
		log.rows = log.rows[:0]
		err = nil
		for _, e := range p.Entries {
			if resync {
				if err = tx.resyncSeen(ctx, e.Table, e.RowID); err != nil {
					break
				}
			}
			var a *core.SyncApplied
			if a, err = tx.applyEntry(ctx, b, e, ahead, careful, log); err != nil {
				break
			}
			if a != nil {
				out = append(out, *a)
			}
		}
		if err == nil && !careful {
			// The fast pass's log entries, in the page's order; careful,
			// each row logged its own inside its savepoint.
			err = tx.logPulledChanges(ctx, log.rows)
		}
		if errors.Is(err, errRowDoesNotFit) && !careful {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO sync_page`); err != nil {
				return nil, fmt.Errorf("sqlite: apply pull: %w", err)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if _, err := tx.ExecContext(ctx, `RELEASE sync_page`); err != nil {
		return nil, fmt.Errorf("sqlite: apply pull: %w", err)
	}
	if resync && p.Done {
		gone, err := tx.finishResync(ctx, b)
		if err != nil {
			return nil, err
		}
		out = append(out, gone...)
	}
	for _, c := range p.Control {
		if c.Type == core.SyncScopeRevoked {
			gone, err := tx.revokeScope(ctx, b, c.ScopeID)
			if err != nil {
				return nil, err
			}
			out = append(out, gone...)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sync_client SET cursor = ?, last_pull_at = ? WHERE id = 1`, p.Cursor, formatTime(tx.now)); err != nil {
		return nil, fmt.Errorf("sqlite: save cursor: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: apply pull: commit: %w", err)
	}
	return out, nil
}

// errRowDoesNotFit stops the fast pass over a page: a row does not fit
// this device, and the page is applied again row by row.
var errRowDoesNotFit = errors.New("sqlite: a pulled row does not fit this device")

// applyEntry merges one pulled row over the local one (field by field, so
// pending local writes with newer clocks stay). Careful, the row is written
// in a savepoint of its own and skipped if it does not fit; otherwise such
// a row is errRowDoesNotFit.
func (tx *Tx) applyEntry(ctx context.Context, b *core.SyncBinding, e core.SyncEntry, ahead *rowsAhead, careful bool, log *pulledLog) (*core.SyncApplied, error) {
	t, ok := schema.Lookup(e.Table)
	if !ok || !core.ValidID(e.RowID) {
		return nil, nil // a table this version does not sync
	}
	personal := e.ScopeID == b.RemoteUserID
	if t.Scope == schema.Personal && !personal {
		return nil, nil // never kept outside its owner's scope
	}
	cur, clocks, found, err := tx.syncedRowAhead(ctx, ahead, t, e.RowID)
	if err != nil {
		return nil, err
	}
	in := merge.Patch{Fields: map[string]any{}, Clocks: map[string]string{}}
	for _, f := range t.Synced(schema.Version) {
		if v, ok := e.State[f.Name]; ok {
			if f.Account {
				v = accountID(v, b.RemoteUserID, b.LocalUserID)
			}
			in.Fields[f.Name], in.Clocks[f.Name] = v, e.Clocks[f.Name]
		}
	}
	if e.Deleted {
		if _, ok := in.Fields["deleted_at"]; !ok {
			return nil, nil // a tombstone without its time: nothing to merge
		}
	}
	if !found {
		cur, clocks = map[string]any{}, map[string]string{}
	}
	merged, _, _ := merge.Merge(merge.Row{Fields: cur, Clocks: clocks}, in)
	var changed []string
	for f, c := range merged.Clocks {
		if c != clocks[f] {
			changed = append(changed, f)
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	if !found && e.Deleted {
		// Keep the tombstone so a late edit cannot bring it back; there is
		// nothing to show.
		changed = changed[:0]
		for f := range merged.Fields {
			changed = append(changed, f)
		}
	}
	scope := e.ScopeID
	if personal {
		scope = b.LocalUserID
	}
	// One row this device cannot keep (a constraint of its own schema, a
	// value it cannot store) must not block every later page: it is
	// skipped and logged; the server still has it.
	ahead.written[[2]string{t.Name, e.RowID}] = true
	if !careful {
		op, err := tx.writeSyncedRow(ctx, b, t, e.RowID, merged, changed, !found, scope, log)
		if err != nil {
			if violation(err) == violationNone && core.ErrorCode(err) != core.EINVALID {
				return nil, err
			}
			return nil, errRowDoesNotFit
		}
		sort.Strings(changed)
		return &core.SyncApplied{Table: t.Name, RowID: e.RowID, UserID: b.LocalUserID, Op: op, Fields: changed}, nil
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT sync_entry`); err != nil {
		return nil, fmt.Errorf("sqlite: apply pulled row: %w", err)
	}
	op, err := tx.writeSyncedRow(ctx, b, t, e.RowID, merged, changed, !found, scope, nil)
	if err != nil {
		if violation(err) == violationNone && core.ErrorCode(err) != core.EINVALID {
			return nil, err
		}
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO sync_entry`); rerr != nil {
			return nil, fmt.Errorf("sqlite: skip pulled row: %w", rerr)
		}
		_, _ = tx.ExecContext(ctx, `RELEASE sync_entry`)
		tx.db.logger.Warn("sync: a pulled row does not fit this device; skipped", slog.String("table", t.Name), slog.String("row_id", e.RowID), slog.Any("error", err))
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `RELEASE sync_entry`); err != nil {
		return nil, fmt.Errorf("sqlite: apply pulled row: %w", err)
	}
	sort.Strings(changed)
	return &core.SyncApplied{Table: t.Name, RowID: e.RowID, UserID: b.LocalUserID, Op: op, Fields: changed}, nil
}

// SyncClientState reports what the status shows.
func (db *DB) SyncClientState(ctx context.Context) (*core.SyncClientState, error) {
	st := &core.SyncClientState{}
	b, err := db.SyncBinding(ctx)
	if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
		return nil, err
	}
	st.Binding = b
	if err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM changes INDEXED BY changes_outbox_idx WHERE `+pendingWhere+` AND table_name IN (`+clientTableList+`)),
		(SELECT count(*) FROM changes WHERE rejected_at IS NOT NULL)`).Scan(&st.Pending, &st.Rejected); err != nil {
		return nil, fmt.Errorf("sqlite: count outbox: %w", err)
	}
	if b == nil {
		return st, nil
	}
	var push, pull, errAt sql.NullString
	if err := db.read.QueryRowContext(ctx, `SELECT cursor, last_push_at, last_pull_at, last_error, last_error_at, conflicts FROM sync_client WHERE id = 1`).
		Scan(&st.Cursor, &push, &pull, &st.LastError, &errAt, &st.Conflicts); err != nil {
		return nil, fmt.Errorf("sqlite: read sync state: %w", err)
	}
	if st.LastPushAt, err = parseTimePtr(push); err != nil {
		return nil, err
	}
	if st.LastPullAt, err = parseTimePtr(pull); err != nil {
		return nil, err
	}
	if st.LastErrorAt, err = parseTimePtr(errAt); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT scope_id, kind, name FROM sync_scopes ORDER BY name, scope_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read scopes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s core.SyncScope
		if err := rows.Scan(&s.ID, &s.Kind, &s.Name); err != nil {
			return nil, err
		}
		st.Scopes = append(st.Scopes, s)
	}
	return st, rows.Err()
}

// RecordSyncResult notes the last error ("" clears it) and the conflict
// count (negative: unchanged).
func (db *DB) RecordSyncResult(ctx context.Context, errMsg string, conflicts int) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var at any
	if errMsg != "" {
		at = formatTime(tx.now)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sync_client SET last_error = ?, last_error_at = CASE WHEN ? IS NULL THEN last_error_at ELSE ? END,
		conflicts = CASE WHEN ? < 0 THEN conflicts ELSE ? END WHERE id = 1`, errMsg, at, at, conflicts, conflicts); err != nil {
		return fmt.Errorf("sqlite: note sync result: %w", err)
	}
	return tx.Commit()
}

// RejectedChanges lists refused changes, newest first.
func (db *DB) RejectedChanges(ctx context.Context, limit int) ([]*core.SyncRejected, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, table_name, row_id, op, fields, reject_code, reject_message, rejected_at
		FROM changes WHERE rejected_at IS NOT NULL ORDER BY rejected_at DESC, seq DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find rejected changes: %w", err)
	}
	defer rows.Close()
	out := []*core.SyncRejected{}
	for rows.Next() {
		var r core.SyncRejected
		var fields, at string
		if err := rows.Scan(&r.ChangeID, &r.Table, &r.RowID, &r.Op, &fields, &r.Code, &r.Message, &at); err != nil {
			return nil, fmt.Errorf("sqlite: scan rejected change: %w", err)
		}
		if err := decodeJSON(fields, &r.Fields); err != nil {
			return nil, fmt.Errorf("sqlite: decode rejected change %s: %w", r.ChangeID, err)
		}
		if r.RejectedAt, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// SettleConflict hides a settled conflict from the list.
func (db *DB) SettleConflict(ctx context.Context, id string) error {
	if id == "" || len(id) > 200 {
		return core.FieldError("id", "A conflict id is required.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO sync_conflicts_settled (id, settled_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING`, id, formatTime(tx.now)); err != nil {
		return fmt.Errorf("sqlite: settle conflict: %w", err)
	}
	return tx.Commit()
}

// SyncedRow reads one synced row's fields and clocks (core.SyncClientStore).
func (db *DB) SyncedRow(ctx context.Context, table, rowID string) (*core.SyncRowState, error) {
	t, ok := schema.Lookup(table)
	if !ok {
		return nil, core.FieldError("table", "%q is not a synced table.", table)
	}
	vals, ptrs := syncedRowTargets(t)
	err := db.read.QueryRowContext(ctx, `SELECT `+syncedRowColumns(t)+` FROM `+t.Name+` WHERE id = ?`, rowID).Scan(ptrs...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "That row is not on this device.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: read %s %s: %w", t.Name, rowID, err)
	}
	row, clocks, err := syncedRowOf(t, rowID, vals)
	if err != nil {
		return nil, err
	}
	// As the row travels: the person's own account under its server id.
	if b, err := syncBinding(ctx, db.read); err == nil {
		for _, f := range t.Synced(schema.Version) {
			if f.Account {
				row[f.Name] = accountID(row[f.Name], b.LocalUserID, b.RemoteUserID)
			}
		}
	} else if core.ErrorCode(err) != core.ENOTFOUND {
		return nil, err
	}
	return &core.SyncRowState{State: row, Clocks: clocks}, nil
}

// SettledConflicts lists the conflicts settled here.
func (db *DB) SettledConflicts(ctx context.Context) (map[string]bool, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM sync_conflicts_settled`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read settled conflicts: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// toWire turns a stored value into the JSON value the registry's type
// travels as.
func toWire(f schema.Field, v any) (any, error) {
	switch f.Type {
	case schema.Text, schema.UUID:
		return asString(v), nil
	case schema.TimeMS:
		if v == nil {
			return nil, nil
		}
		return asString(v), nil
	case schema.Bool:
		switch n := v.(type) {
		case int64:
			return n != 0, nil
		case bool:
			return n, nil
		case nil:
			if f.Nullable {
				return nil, nil
			}
			return false, nil
		}
	case schema.Int:
		switch n := v.(type) {
		case int64:
			return json.Number(strconv.FormatInt(n, 10)), nil
		case float64:
			return json.Number(strconv.FormatInt(int64(n), 10)), nil
		case nil:
			return nil, nil
		}
	case schema.Real:
		switch n := v.(type) {
		case float64:
			return json.Number(strconv.FormatFloat(n, 'g', -1, 64)), nil
		case int64:
			return json.Number(strconv.FormatInt(n, 10)), nil
		case nil:
			return nil, nil
		}
	case schema.JSON:
		if v == nil {
			return nil, nil
		}
		var out any
		if err := decodeJSON(asString(v), &out); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: unexpected stored %T", f.Name, v)
}

// fromWire turns a JSON value into what the column stores: 0/1 for
// booleans, UTC text to the millisecond for times, JSON text for JSON.
func fromWire(f schema.Field, v any) (any, error) {
	if err := f.Check(normalNumber(v)); err != nil && !(v == nil && (f.Type == schema.Text || f.Type == schema.UUID || f.Type == schema.Bool)) {
		return nil, err
	}
	switch f.Type {
	case schema.Text, schema.UUID:
		s, _ := v.(string)
		return s, nil
	case schema.Bool:
		if v == nil && f.Nullable {
			return nil, nil
		}
		if b, _ := v.(bool); b {
			return 1, nil
		}
		return 0, nil
	case schema.Int:
		if v == nil {
			return nil, nil
		}
		return strconv.ParseInt(string(normalNumber(v).(json.Number)), 10, 64)
	case schema.Real:
		if v == nil {
			return nil, nil
		}
		return strconv.ParseFloat(string(normalNumber(v).(json.Number)), 64)
	case schema.TimeMS:
		if v == nil {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339Nano, v.(string))
		if err != nil {
			return nil, err
		}
		if err := core.CheckTime(f.Name, t); err != nil {
			return nil, err
		}
		return formatTime(t.Truncate(time.Millisecond)), nil
	case schema.JSON:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	return nil, fmt.Errorf("%s: unknown type %q", f.Name, f.Type)
}

// normalNumber lets numbers decoded without UseNumber pass the checks.
func normalNumber(v any) any {
	switch n := v.(type) {
	case float64:
		return json.Number(strconv.FormatFloat(n, 'g', -1, 64))
	case int64:
		return json.Number(strconv.FormatInt(n, 10))
	case int:
		return json.Number(strconv.Itoa(n))
	}
	return v
}

func asString(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// decodeJSON decodes with UseNumber, so whole numbers stay exact.
func decodeJSON(s string, out any) error {
	if s == "" {
		s = "null"
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	return d.Decode(out)
}

// KeepSyncValue writes value to one synced field of a row as a local
// edit ("Keep this one" on a conflict): logged like any write, so it gets
// a new clock, records the value it replaced as seen, and is pushed.
func (db *DB) KeepSyncValue(ctx context.Context, table, rowID, field string, value any) error {
	t, ok := schema.Lookup(table)
	if !ok {
		return core.FieldError("table", "%q is not a synced table.", table)
	}
	f, ok := t.Field(field)
	if !ok || f.LocalOnly {
		return core.FieldError("field", "%q is not a synced field of %s.", field, table)
	}
	v, err := fromWire(f, value)
	if err != nil {
		return core.FieldError("value", "%v", err)
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var userID string
	if err := tx.QueryRowContext(ctx, `SELECT user_id FROM `+t.Name+` WHERE id = ?`, rowID).Scan(&userID); errors.Is(err, sql.ErrNoRows) {
		return core.Errorf(core.ENOTFOUND, "That row is not on this device.")
	} else if err != nil {
		return fmt.Errorf("sqlite: keep value: %w", err)
	}
	hlc, err := tx.logChange(ctx, userID, t.Name, rowID, core.OpUpdate, map[string]any{field: value})
	if err != nil {
		return err
	}
	set := field + ` = ?`
	args := []any{v}
	if t.Name == "tasks" && field == "priority" {
		p, _ := value.(string)
		set += `, priority_rank = ?`
		args = append(args, core.PriorityRank(p))
	}
	args = append(args, formatTime(tx.now), hlc, rowID)
	if _, err := tx.ExecContext(ctx, `UPDATE `+t.Name+` SET `+set+`, updated_at = ?, version = version + 1, hlc = ? WHERE id = ?`, args...); err != nil {
		return formatError(err, "keep value", onViolation{})
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: keep value: commit: %w", err)
	}
	return nil
}
