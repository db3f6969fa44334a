package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sentry/backend/core"
	"sentry/backend/syncstore"
	"sentry/sync/schema"
)

// The sync server's store on SQLite (core.SyncServerStore), built from the
// sync/schema registry for every synced table. The change log is the
// per-scope feed: with one writer, the global seq is commit order, so a
// scope's entries are its rows of changes in seq order.

var _ core.SyncServerStore = (*DB)(nil)

// SyncIdentity returns this database's sync id and epoch.
func (db *DB) SyncIdentity(ctx context.Context) (string, int64, error) {
	var id, epoch string
	if err := db.read.QueryRowContext(ctx, `SELECT (SELECT value FROM meta WHERE key = 'sync_database_id'), (SELECT value FROM meta WHERE key = 'sync_epoch')`).Scan(&id, &epoch); err != nil {
		return "", 0, fmt.Errorf("sqlite: sync identity: %w", err)
	}
	e, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("sqlite: sync epoch %q: %w", epoch, err)
	}
	return id, e, nil
}

// BindSyncDevice binds a device id to its user for good.
func (db *DB) BindSyncDevice(ctx context.Context, d *core.SyncDevice) (*core.SyncDevice, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var owner string
	err = tx.QueryRowContext(ctx, `SELECT user_id FROM sync_devices WHERE id = ?`, d.ID).Scan(&owner)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_devices (id, user_id, name, schema_version, created_at) VALUES (?, ?, ?, ?, ?)`,
			d.ID, d.UserID, d.Name, d.SchemaVersion, formatTime(tx.now)); err != nil {
			return nil, formatError(err, "bind device", onViolation{})
		}
	case err != nil:
		return nil, fmt.Errorf("sqlite: bind device: %w", err)
	case owner != d.UserID:
		return nil, core.Errorf(core.EFORBIDDEN, "This device is bound to another account.")
	default:
		if _, err := tx.ExecContext(ctx, `UPDATE sync_devices SET name = ?, schema_version = ? WHERE id = ?`, d.Name, d.SchemaVersion, d.ID); err != nil {
			return nil, fmt.Errorf("sqlite: bind device: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: bind device: commit: %w", err)
	}
	return db.FindSyncDevice(ctx, d.ID)
}

const syncDeviceColumns = `id, user_id, name, schema_version, created_at, last_push_at, last_pull_at, last_seqs`

func scanSyncDevice(row interface{ Scan(...any) error }) (*core.SyncDevice, error) {
	var d core.SyncDevice
	var created, seqs string
	var push, pull sql.NullString
	if err := row.Scan(&d.ID, &d.UserID, &d.Name, &d.SchemaVersion, &created, &push, &pull, &seqs); err != nil {
		return nil, err
	}
	var err error
	if d.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if d.LastPushAt, err = parseTimePtr(push); err != nil {
		return nil, err
	}
	if d.LastPullAt, err = parseTimePtr(pull); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(seqs), &d.LastSeqs); err != nil {
		return nil, fmt.Errorf("sqlite: device %s seqs: %w", d.ID, err)
	}
	return &d, nil
}

// FindSyncDevice returns not_found for an unknown device.
func (db *DB) FindSyncDevice(ctx context.Context, id string) (*core.SyncDevice, error) {
	d, err := scanSyncDevice(db.read.QueryRowContext(ctx, `SELECT `+syncDeviceColumns+` FROM sync_devices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Device not found.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find device %s: %w", id, err)
	}
	return d, nil
}

// FindSyncDevices lists a user's devices, oldest first.
func (db *DB) FindSyncDevices(ctx context.Context, userID string) ([]*core.SyncDevice, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+syncDeviceColumns+` FROM sync_devices WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find devices: %w", err)
	}
	defer rows.Close()
	var out []*core.SyncDevice
	for rows.Next() {
		d, err := scanSyncDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: scan device: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkSyncPulled records a device's pull.
func (db *DB) MarkSyncPulled(ctx context.Context, deviceID string, seqs map[string]int64) error {
	buf, err := json.Marshal(seqs)
	if err != nil {
		return fmt.Errorf("sqlite: mark pulled: %w", err)
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE sync_devices SET last_pull_at = ?, last_seqs = ? WHERE id = ?`, formatTime(tx.now), string(buf), deviceID); err != nil {
		return fmt.Errorf("sqlite: mark pulled: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: mark pulled: commit: %w", err)
	}
	return nil
}

// ScopeSeqs returns each scope's last seq.
func (db *DB) ScopeSeqs(ctx context.Context, scopes []string) (map[string]int64, error) {
	out := make(map[string]int64, len(scopes))
	for _, s := range scopes {
		var seq int64
		// A compacted log's last entry may be gone: the horizon is a seq
		// the scope reached too.
		if err := db.read.QueryRowContext(ctx, `SELECT max(ifnull((SELECT max(seq) FROM changes WHERE scope_id = ? AND table_name IN (`+syncedTableList+`)), 0),
			ifnull((SELECT horizon_seq FROM sync_horizons WHERE scope_id = ?), 0))`, s, s).Scan(&seq); err != nil {
			return nil, fmt.Errorf("sqlite: scope seq: %w", err)
		}
		out[s] = seq
	}
	return out, nil
}

// syncedTableList is the registry's tables as an SQL list, for the feed.
var syncedTableList = func() string {
	names := make([]string, len(schema.Tables))
	for i, t := range schema.Tables {
		names[i] = "'" + t.Name + "'"
	}
	return strings.Join(names, ", ")
}()

// ReadFeed returns a scope's rows changed after afterSeq, each once with
// its current state, ordered by the seq of its last change.
func (db *DB) ReadFeed(ctx context.Context, scopeID string, afterSeq int64, limit, schemaVersion int) ([]*core.FeedEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := db.read.QueryContext(ctx, `SELECT table_name, row_id, max(seq) AS last FROM changes
		WHERE scope_id = ? AND seq > ? AND table_name IN (`+syncedTableList+`)
		GROUP BY table_name, row_id ORDER BY last LIMIT ?`, scopeID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read feed: %w", err)
	}
	var out []*core.FeedEntry
	for rows.Next() {
		e := &core.FeedEntry{ScopeID: scopeID}
		if err := rows.Scan(&e.Table, &e.RowID, &e.Seq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: read feed: %w", err)
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read feed: %w", err)
	}
	// The page's rows, one statement per table.
	err = syncstore.FillFeed(out, schemaVersion, func(tb *schema.Table, ids []string) (map[string]*core.ServerRow, error) {
		return readServerRows(ctx, db.read, tb, ids)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// serverRowColumns is the select list of a synced row as the server reads
// it: id, owner, scope, field clocks, then the table's synced fields.
func serverRowColumns(tb *schema.Table) string {
	team := `''`
	if tb.Name == "tasks" {
		team = `team_id`
	}
	cols := []string{`id`, `user_id`, team, `field_clocks`}
	for _, f := range tb.Synced(schema.Version) {
		cols = append(cols, f.Name)
	}
	return strings.Join(cols, ", ")
}

// readServerRow reads a synced row's synced fields, clocks, owner and
// scope; Exists is false when there is no such row.
func readServerRow(ctx context.Context, q rowQueryer, tb *schema.Table, id string) (*core.ServerRow, error) {
	vals, ptrs := scanTargets(tb)
	err := q.QueryRowContext(ctx, `SELECT `+serverRowColumns(tb)+` FROM `+tb.Name+` WHERE id = ?`, id).Scan(ptrs...)
	if errors.Is(err, sql.ErrNoRows) {
		return &core.ServerRow{Fields: map[string]any{}, Clocks: map[string]string{}}, nil
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: read %s %s: %w", tb.Name, id, err)
	}
	return serverRowOf(tb, vals), nil
}

// readServerRows reads many rows of one table in one statement (the ids
// travel as one JSON array, so the statement's text is the same for any
// number of them and stays prepared). A row that is not there is absent
// from the map.
func readServerRows(ctx context.Context, q rowsQueryer, tb *schema.Table, ids []string) (map[string]*core.ServerRow, error) {
	out := make(map[string]*core.ServerRow, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read %s rows: %w", tb.Name, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+serverRowColumns(tb)+` FROM `+tb.Name+` WHERE id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("sqlite: read %s rows: %w", tb.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals, ptrs := scanTargets(tb)
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("sqlite: read %s rows: %w", tb.Name, err)
		}
		out[liteString(vals[0])] = serverRowOf(tb, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read %s rows: %w", tb.Name, err)
	}
	return out, nil
}

func scanTargets(tb *schema.Table) ([]any, []any) {
	n := len(tb.Synced(schema.Version)) + 4
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, ptrs
}

// serverRowOf builds a row from the values of serverRowColumns.
func serverRowOf(tb *schema.Table, vals []any) *core.ServerRow {
	fields := tb.Synced(schema.Version)
	r := &core.ServerRow{Exists: true, Fields: make(map[string]any, len(fields)), Clocks: map[string]string{}}
	r.UserID = liteString(vals[1])
	r.ScopeID = liteString(vals[2])
	if r.ScopeID == "" {
		r.ScopeID = r.UserID
	}
	var err error
	if r.Clocks, err = DecodeFieldClocks(tb.Name, liteString(vals[3])); err != nil {
		r.Clocks = map[string]string{} // unreadable clocks are the zero clock
	}
	for i, f := range fields {
		v, err := liteValue(f, vals[i+4])
		if err != nil {
			// A value this code cannot read (an old row's bad JSON) is
			// left out, with its clock, rather than failing every pull
			// of the scope: the rest of the row still syncs.
			delete(r.Clocks, f.Name)
			continue
		}
		r.Fields[f.Name] = v
	}
	r.Deleted = r.Fields["deleted_at"] != nil
	return r
}

func liteString(v any) string {
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

// liteValue turns a stored value into the JSON value sync/schema types.
func liteValue(f schema.Field, v any) (any, error) {
	switch f.Type {
	case schema.Text, schema.UUID:
		return liteString(v), nil
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
		}
		return false, nil
	case schema.Int:
		switch n := v.(type) {
		case nil:
			return nil, nil
		case int64:
			return json.Number(strconv.FormatInt(n, 10)), nil
		case float64:
			return json.Number(strconv.FormatInt(int64(n), 10)), nil
		}
		return nil, fmt.Errorf("%s: not a number: %v", f.Name, v)
	case schema.Real:
		switch n := v.(type) {
		case nil:
			return nil, nil
		case int64:
			return formatNumber(float64(n)), nil
		case float64:
			return formatNumber(n), nil
		}
		return nil, fmt.Errorf("%s: not a number: %v", f.Name, v)
	case schema.TimeMS:
		if v == nil {
			return nil, nil
		}
		t, err := parseTime(liteString(v))
		if err != nil {
			return nil, err
		}
		return formatTime(t), nil
	case schema.JSON:
		if v == nil {
			return nil, nil
		}
		return decodeJSONValue([]byte(liteString(v)))
	}
	return nil, fmt.Errorf("%s: unknown type %s", f.Name, f.Type)
}

// formatNumber writes a float as sync sends it (shortest form, no
// exponent), the same on every store.
func formatNumber(f float64) json.Number {
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
}

func decodeJSONValue(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// liteArg turns a checked JSON value into what the column stores.
func liteArg(f schema.Field, v any) (any, error) {
	if v == nil {
		if f.Type == schema.Text || f.Type == schema.UUID {
			return "", nil
		}
		if f.Type == schema.Bool && !f.Nullable {
			return 0, nil
		}
		return nil, nil
	}
	switch f.Type {
	case schema.Text, schema.UUID:
		s, _ := v.(string)
		return s, nil
	case schema.Bool:
		if b, _ := v.(bool); b {
			return 1, nil
		}
		return 0, nil
	case schema.Int:
		n, _ := v.(json.Number)
		return strconv.ParseInt(string(n), 10, 64)
	case schema.Real:
		n, _ := v.(json.Number)
		return strconv.ParseFloat(string(n), 64)
	case schema.TimeMS:
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, err
		}
		return formatTime(t), nil
	case schema.JSON:
		b, err := json.Marshal(v)
		return string(b), err
	}
	return nil, fmt.Errorf("%s: unknown type %s", f.Name, f.Type)
}

// ApplyPush applies one batch in one transaction.
func (db *DB) ApplyPush(ctx context.Context, userID, deviceID, batchID string, ps []core.PushPatch, decide core.SyncDecide) (*core.PushResult, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var stored string
	err = tx.QueryRowContext(ctx, `SELECT result FROM sync_batches WHERE device_id = ? AND batch_id = ?`, deviceID, batchID).Scan(&stored)
	if err == nil {
		var res core.PushResult
		if err := json.Unmarshal([]byte(stored), &res); err != nil {
			return nil, fmt.Errorf("sqlite: stored batch %s: %w", batchID, err)
		}
		res.Replayed = true
		return &res, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: find batch: %w", err)
	}
	var seq int64
	seen, err := tx.appliedChanges(ctx, ps)
	if err != nil {
		return nil, err
	}
	res, applied, err := tx.applyPatches(ctx, userID, ps, decide, seen)
	if err != nil {
		return nil, err
	}
	if err := tx.recordApplied(ctx, applied); err != nil {
		return nil, err
	}
	// The log entries get their seqs now, so the stored result names the
	// seqs the batch reached.
	if err := tx.flushChanges(ctx); err != nil {
		return nil, err
	}
	for s := range res.ScopesSeq {
		if err := tx.QueryRowContext(ctx, `SELECT ifnull(max(seq), 0) FROM changes WHERE scope_id = ?`, s).Scan(&seq); err != nil {
			return nil, fmt.Errorf("sqlite: scope seq: %w", err)
		}
		res.ScopesSeq[s] = seq
	}
	buf, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode push result: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sync_batches (device_id, batch_id, result, received_at) VALUES (?, ?, ?, ?)`,
		deviceID, batchID, string(buf), formatTime(tx.now)); err != nil {
		return nil, formatError(err, "store batch", onViolation{})
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sync_devices SET last_push_at = ? WHERE id = ?`, formatTime(tx.now), deviceID); err != nil {
		return nil, fmt.Errorf("sqlite: mark pushed: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: apply push: commit: %w", err)
	}
	return res, nil
}

const (
	patchSavepoint = "sentry_sync_patch"
	batchSavepoint = "sentry_sync_batch"
)

// errOnePatchRefused stops the fast pass of a push: a patch's write was
// refused by the database, so the batch is applied again patch by patch.
var errOnePatchRefused = errors.New("sqlite: a patch's write was refused")

// pushApply is one push being applied: the rows its patches name, read
// once for the whole batch, and how to apply them.
type pushApply struct {
	userID string
	decide core.SyncDecide
	// rows holds each named row as it was before the batch (absent: not
	// there); written marks the rows a patch of this pass wrote, which
	// are read again if another patch names them.
	rows    map[string]map[string]*core.ServerRow
	written map[[2]string]bool
	// careful gives each patch a savepoint of its own, so a write the
	// database refuses is undone alone; without it a refusal stops the
	// pass (errOnePatchRefused) and the batch is applied again carefully.
	careful bool
}

// applyPatches merges a batch's patches. The fast pass writes without a
// savepoint per patch (each one makes SQLite copy the pages it touches to
// the statement journal and flush the task search index on release);
// only when the database refuses one patch's write is the pass undone and
// the batch applied again with one savepoint per patch, so that patch is
// rejected alone, as before.
func (tx *Tx) applyPatches(ctx context.Context, userID string, ps []core.PushPatch, decide core.SyncDecide, seen map[string]bool) (*core.PushResult, []appliedChange, error) {
	a := &pushApply{userID: userID, decide: decide}
	var err error
	if a.rows, err = tx.readPushedRows(ctx, ps); err != nil {
		return nil, nil, err
	}
	seenBefore := make(map[string]bool, len(seen))
	for id := range seen {
		seenBefore[id] = true
	}
	pending := len(tx.pending)
	if _, err := tx.ExecContext(ctx, `SAVEPOINT `+batchSavepoint); err != nil {
		return nil, nil, fmt.Errorf("sqlite: savepoint: %w", err)
	}
	for {
		res := &core.PushResult{Applied: []string{}, Superseded: []string{}, Rejected: []core.PushRejected{}, ScopesSeq: map[string]int64{}}
		a.written = map[[2]string]bool{}
		var applied []appliedChange
		var err error
		for i := range ps {
			if err = tx.applyPatch(ctx, a, &ps[i], res, seen, &applied); err != nil {
				break
			}
		}
		if errors.Is(err, errOnePatchRefused) && !a.careful {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO `+batchSavepoint); err != nil {
				return nil, nil, fmt.Errorf("sqlite: roll back batch: %w", err)
			}
			tx.pending = tx.pending[:pending]
			seen = seenBefore
			a.careful = true
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if _, err := tx.ExecContext(ctx, `RELEASE `+batchSavepoint); err != nil {
			return nil, nil, fmt.Errorf("sqlite: release batch: %w", err)
		}
		return res, applied, nil
	}
}

// readPushedRows reads the rows a batch's patches name, one statement per
// table.
func (tx *Tx) readPushedRows(ctx context.Context, ps []core.PushPatch) (map[string]map[string]*core.ServerRow, error) {
	ids := map[string][]string{}
	for _, p := range ps {
		if _, ok := schema.Lookup(p.Table); ok {
			ids[p.Table] = append(ids[p.Table], p.RowID)
		}
	}
	out := make(map[string]map[string]*core.ServerRow, len(ids))
	for table, list := range ids {
		tb, _ := schema.Lookup(table)
		rows, err := readServerRows(ctx, tx, tb, list)
		if err != nil {
			return nil, err
		}
		out[table] = rows
	}
	return out, nil
}

// current is a patch's row as the server holds it now.
func (tx *Tx) current(ctx context.Context, a *pushApply, tb *schema.Table, id string) (*core.ServerRow, error) {
	if a.written[[2]string{tb.Name, id}] {
		return readServerRow(ctx, tx, tb, id)
	}
	if r := a.rows[tb.Name][id]; r != nil {
		return r, nil
	}
	return &core.ServerRow{Fields: map[string]any{}, Clocks: map[string]string{}}, nil
}

// appliedChange is a change id merged by this push, recorded with the
// batch so it is never merged again.
type appliedChange struct{ id, scope, outcome string }

// appliedChanges returns which of a batch's change ids were merged before,
// in one query per 500 ids.
func (tx *Tx) appliedChanges(ctx context.Context, ps []core.PushPatch) (map[string]bool, error) {
	var ids []any
	for _, p := range ps {
		for _, id := range p.ChangeIDs {
			ids = append(ids, id)
		}
	}
	seen := make(map[string]bool, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		rows, err := tx.QueryContext(ctx, `SELECT change_id FROM sync_applied WHERE change_id IN (?`+strings.Repeat(", ?", n-1)+`)`, ids[:n]...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: applied changes: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: applied changes: %w", err)
			}
			seen[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlite: applied changes: %w", err)
		}
		ids = ids[n:]
	}
	return seen, nil
}

// recordApplied stores the batch's merged change ids, 200 rows a
// statement.
func (tx *Tx) recordApplied(ctx context.Context, cs []appliedChange) error {
	now := formatTime(tx.now)
	for len(cs) > 0 {
		n := min(len(cs), 200)
		args := make([]any, 0, 4*n)
		for _, c := range cs[:n] {
			args = append(args, c.id, c.scope, c.outcome, now)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_applied (change_id, scope_id, outcome, applied_at) VALUES (?, ?, ?, ?)`+
			strings.Repeat(", (?, ?, ?, ?)", n-1)+` ON CONFLICT DO NOTHING`, args...); err != nil {
			return fmt.Errorf("sqlite: record applied changes: %w", err)
		}
		cs = cs[n:]
	}
	return nil
}

// applyPatch merges one patch (in a savepoint of its own, so a refused
// write leaves nothing behind) and records its outcome in res.
func (tx *Tx) applyPatch(ctx context.Context, a *pushApply, p *core.PushPatch, res *core.PushResult, seen map[string]bool, applied *[]appliedChange) error {
	reject := func(code, msg string, row *core.ServerRow) {
		res.Rejected = append(res.Rejected, core.PushRejected{ChangeIDs: p.ChangeIDs, Table: p.Table, RowID: p.RowID, Code: code, Message: msg, Row: row})
	}
	tb, ok := schema.Lookup(p.Table)
	if !ok {
		reject(core.EINVALID, fmt.Sprintf("%q is not a synced table.", p.Table), nil)
		return nil
	}
	// A change id merged before is not merged again. The batch may be
	// applied twice (see applyPatches): the caller's patch keeps its ids.
	p, ok = syncstore.Fresh(p, seen, res)
	if !ok {
		return nil
	}
	cur, err := tx.current(ctx, a, tb, p.RowID)
	if err != nil {
		return err
	}
	w, rej, show := a.decide(p, cur)
	if rej != nil {
		var row *core.ServerRow
		if show && cur.Exists {
			row = cur
		}
		reject(rej.Code, rej.Message, row)
		return nil
	}
	outcome := "superseded"
	if w != nil && !a.careful {
		err := tx.recordConflicts(ctx, tb, p, w)
		if err == nil && len(w.Fields) > 0 {
			a.written[[2]string{tb.Name, p.RowID}] = true
			err = tx.writeServerRow(ctx, a.userID, tb, p, cur, w)
		}
		if err != nil && core.ErrorCode(err) != core.EINTERNAL {
			return errOnePatchRefused
		} else if err != nil {
			return err
		}
		res.Conflicts += len(w.Conflicts)
		if len(w.Fields) > 0 {
			outcome = "applied"
		}
	} else if w != nil {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT `+patchSavepoint); err != nil {
			return fmt.Errorf("sqlite: savepoint: %w", err)
		}
		err := tx.recordConflicts(ctx, tb, p, w)
		if err == nil && len(w.Fields) > 0 {
			a.written[[2]string{tb.Name, p.RowID}] = true
			err = tx.writeServerRow(ctx, a.userID, tb, p, cur, w)
		}
		if err != nil {
			if _, rbErr := tx.ExecContext(ctx, `ROLLBACK TO `+patchSavepoint); rbErr != nil {
				return fmt.Errorf("sqlite: roll back patch: %w", rbErr)
			}
			_, _ = tx.ExecContext(ctx, `RELEASE `+patchSavepoint)
			if code := core.ErrorCode(err); code != core.EINTERNAL {
				var row *core.ServerRow
				if show && cur.Exists {
					row = cur
				}
				reject(code, core.ErrorMessage(err), row)
				return nil
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `RELEASE `+patchSavepoint); err != nil {
			return fmt.Errorf("sqlite: release patch: %w", err)
		}
		res.Conflicts += len(w.Conflicts)
		if len(w.Fields) > 0 {
			outcome = "applied"
		}
	}
	outcome = syncstore.Outcome(p, outcome == "applied", res, seen)
	for _, id := range p.ChangeIDs {
		*applied = append(*applied, appliedChange{id, p.ScopeID, outcome})
	}
	return nil
}

// syncViolation words a pushed row the table's constraints refuse: a
// per-patch rejection, never a failed push.
var syncViolation = onViolation{Missing: "A row this one refers to is not on the server (yet).",
	Duplicate: "Another row already holds this one's unique key (one per person, or a name in use)."}

// writeServerRow writes a decided patch: the row (inserted for the pusher
// when new), its clocks, a remote change log entry in the scope, and the
// conflicts found and withdrawn.
func (tx *Tx) writeServerRow(ctx context.Context, userID string, tb *schema.Table, p *core.PushPatch, cur *core.ServerRow, w *core.SyncWrite) error {
	if err := tx.checkPushedAssignee(ctx, tb, cur, w); err != nil {
		return err
	}
	clocks, err := json.Marshal(w.Clocks)
	if err != nil {
		return fmt.Errorf("sqlite: encode clocks: %w", err)
	}
	ts := tx.db.hlc()
	names := make([]string, 0, len(w.Fields))
	args := make([]any, 0, len(w.Fields)+8)
	for _, f := range tb.Synced(schema.Version) {
		v, ok := w.Fields[f.Name]
		if !ok {
			continue
		}
		a, err := liteArg(f, v)
		if err != nil {
			return core.FieldError(f.Name, "%s could not be stored.", f.Name)
		}
		names = append(names, f.Name)
		args = append(args, a)
	}
	if !cur.Exists {
		for name, v := range w.Local {
			f, ok := tb.Field(name)
			if !ok || !f.LocalOnly {
				continue
			}
			a, err := liteArg(f, v)
			if err != nil {
				return fmt.Errorf("sqlite: local %s.%s: %w", tb.Name, name, err)
			}
			names = append(names, name)
			args = append(args, a)
		}
	}
	// Columns derived from synced fields are this store's to keep.
	if v, ok := w.Fields["priority"]; ok && tb.Name == "tasks" {
		p, _ := v.(string)
		names = append(names, "priority_rank")
		args = append(args, core.PriorityRank(p))
	}
	op := core.OpUpdate
	if !cur.Exists {
		op = core.OpInsert
		cols := append([]string{"id", "user_id", "updated_at", "version", "hlc", "field_clocks"}, names...)
		vals := append([]any{p.RowID, userID, formatTime(tx.now), 1, ts, string(clocks)}, args...)
		if _, ok := w.Fields["created_at"]; !ok {
			cols = append(cols, "created_at")
			vals = append(vals, formatTime(tx.now))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+tb.Name+` (`+strings.Join(cols, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(cols)-1)+`)`, vals...); err != nil {
			return formatError(err, "sync insert "+tb.Name, syncViolation)
		}
	} else {
		sets := make([]string, 0, len(names)+4)
		for _, n := range names {
			sets = append(sets, n+" = ?")
		}
		sets = append(sets, "field_clocks = ?", "updated_at = ?", "version = version + 1", "hlc = ?")
		args = append(args, string(clocks), formatTime(tx.now), ts, p.RowID)
		if _, err := tx.ExecContext(ctx, `UPDATE `+tb.Name+` SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...); err != nil {
			return formatError(err, "sync update "+tb.Name, syncViolation)
		}
		if _, deleted := w.Fields["deleted_at"]; deleted && w.Fields["deleted_at"] != nil {
			op = core.OpDelete
		}
	}
	owner := cur.UserID
	if owner == "" {
		owner = userID
	}
	tx.logRemoteChange(owner, p.ScopeID, tb.Name, p.RowID, op, ts, w.Fields, syncstore.RemoteBase(p, w))
	return nil
}

// recordConflicts keeps the conflicts a patch made and drops those its
// writer had seen.
func (tx *Tx) recordConflicts(ctx context.Context, tb *schema.Table, p *core.PushPatch, w *core.SyncWrite) error {
	for _, c := range w.Conflicts {
		lv, _ := json.Marshal(c.LoserValue)
		wv, _ := json.Marshal(c.WinnerValue)
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_conflicts (id, scope_id, table_name, row_id, field, loser_value, loser_clock, winner_value, winner_clock, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			NewID(), p.ScopeID, tb.Name, p.RowID, c.Field, string(lv), c.LoserClock, string(wv), c.WinnerClock, formatTime(tx.now)); err != nil {
			return fmt.Errorf("sqlite: record conflict: %w", err)
		}
	}
	for _, c := range w.Withdrawn {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sync_conflicts WHERE table_name = ? AND row_id = ? AND field = ? AND loser_clock = ?`,
			tb.Name, p.RowID, c.Field, c.LoserClock); err != nil {
			return fmt.Errorf("sqlite: withdraw conflict: %w", err)
		}
	}
	return nil
}

// FindSyncConflicts lists the conflicts kept in the given scopes.
func (db *DB) FindSyncConflicts(ctx context.Context, scopes []string, limit int) ([]*core.SyncConflict, error) {
	if len(scopes) == 0 {
		return []*core.SyncConflict{}, nil
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	args := make([]any, 0, len(scopes)+1)
	for _, s := range scopes {
		args = append(args, s)
	}
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, `SELECT id, scope_id, table_name, row_id, field, loser_value, loser_clock, winner_value, winner_clock, created_at
		FROM sync_conflicts WHERE scope_id IN (?`+strings.Repeat(", ?", len(scopes)-1)+`) ORDER BY created_at DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find conflicts: %w", err)
	}
	defer rows.Close()
	out := []*core.SyncConflict{}
	for rows.Next() {
		var c core.SyncConflict
		var lv, wv, created string
		if err := rows.Scan(&c.ID, &c.ScopeID, &c.Table, &c.RowID, &c.Field, &lv, &c.LoserClock, &wv, &c.WinnerClock, &created); err != nil {
			return nil, fmt.Errorf("sqlite: scan conflict: %w", err)
		}
		if c.LoserValue, err = decodeJSONValue([]byte(lv)); err != nil {
			return nil, fmt.Errorf("sqlite: conflict %s: %w", c.ID, err)
		}
		if c.WinnerValue, err = decodeJSONValue([]byte(wv)); err != nil {
			return nil, fmt.Errorf("sqlite: conflict %s: %w", c.ID, err)
		}
		if c.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}
