package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"sentry/backend/core"
	"sentry/backend/syncstore"
	"sentry/sync/schema"
)

// The sync server's store on PostgreSQL (core.SyncServerStore), the twin
// of the SQLite store's syncserver.go, built from the sync/schema registry.
// A scope's change log entries are numbered under its sync_scopes row
// lock (change.go), so seq order is commit order within a scope and a
// pull after seq c never skips a row.

var _ core.SyncServerStore = (*DB)(nil)

// arrayColumns are the synced JSON fields this store keeps as text[]
// (lists of strings), not jsonb.
var arrayColumns = map[string]bool{"tasks.attendees": true, "tasks.tags": true}

// SyncIdentity returns this database's sync id and epoch.
func (db *DB) SyncIdentity(ctx context.Context) (string, int64, error) {
	var id, epoch string
	if err := db.pool.QueryRow(ctx, `SELECT (SELECT value FROM meta WHERE key = 'sync_database_id'), (SELECT value FROM meta WHERE key = 'sync_epoch')`).Scan(&id, &epoch); err != nil {
		return "", 0, formatError(err, "sync identity", onViolation{})
	}
	e, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("postgres: sync epoch %q: %w", epoch, err)
	}
	return id, e, nil
}

// BindSyncDevice binds a device id to its user for good.
func (db *DB) BindSyncDevice(ctx context.Context, d *core.SyncDevice) (*core.SyncDevice, error) {
	if !storable(d.ID, d.UserID, d.Name) {
		return nil, core.FieldError("device_id", "A device id is visible characters.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	if _, err := tx.Exec(ctx, `INSERT INTO sync_devices (id, user_id, name, schema_version, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`, d.ID, d.UserID, d.Name, d.SchemaVersion, tx.now); err != nil {
		return nil, formatError(err, "bind device", onViolation{})
	}
	var owner string
	if err := tx.QueryRow(ctx, `SELECT user_id FROM sync_devices WHERE id = $1 FOR UPDATE`, d.ID).Scan(&owner); err != nil {
		return nil, formatError(err, "bind device", onViolation{})
	}
	if owner != d.UserID {
		return nil, core.Errorf(core.EFORBIDDEN, "This device is bound to another account.")
	}
	if _, err := tx.Exec(ctx, `UPDATE sync_devices SET name = $1, schema_version = $2 WHERE id = $3`, d.Name, d.SchemaVersion, d.ID); err != nil {
		return nil, formatError(err, "bind device", onViolation{})
	}
	if err := tx.commit(ctx, "bind device"); err != nil {
		return nil, err
	}
	return db.FindSyncDevice(ctx, d.ID)
}

const syncDeviceColumns = `id, user_id, name, schema_version, created_at, last_push_at, last_pull_at, last_seqs`

func scanSyncDevice(row pgx.Row) (*core.SyncDevice, error) {
	var d core.SyncDevice
	var seqs []byte
	if err := row.Scan(&d.ID, &d.UserID, &d.Name, &d.SchemaVersion, &d.CreatedAt, &d.LastPushAt, &d.LastPullAt, &seqs); err != nil {
		return nil, err
	}
	d.CreatedAt = d.CreatedAt.UTC()
	d.LastPushAt, d.LastPullAt = utcPtr(d.LastPushAt), utcPtr(d.LastPullAt)
	if err := json.Unmarshal(seqs, &d.LastSeqs); err != nil {
		return nil, fmt.Errorf("postgres: device %s seqs: %w", d.ID, err)
	}
	return &d, nil
}

// FindSyncDevice returns not_found for an unknown device.
func (db *DB) FindSyncDevice(ctx context.Context, id string) (*core.SyncDevice, error) {
	if !storable(id) {
		return nil, core.Errorf(core.ENOTFOUND, "Device not found.")
	}
	d, err := scanSyncDevice(db.pool.QueryRow(ctx, `SELECT `+syncDeviceColumns+` FROM sync_devices WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Device not found.")
	} else if err != nil {
		return nil, formatError(err, "find device "+id, onViolation{})
	}
	return d, nil
}

// FindSyncDevices lists a user's devices, oldest first.
func (db *DB) FindSyncDevices(ctx context.Context, userID string) ([]*core.SyncDevice, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+syncDeviceColumns+` FROM sync_devices WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, formatError(err, "find devices", onViolation{})
	}
	defer rows.Close()
	out := []*core.SyncDevice{}
	for rows.Next() {
		d, err := scanSyncDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: scan device: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find devices", onViolation{})
	}
	return out, nil
}

// MarkSyncPulled records a device's pull.
func (db *DB) MarkSyncPulled(ctx context.Context, deviceID string, seqs map[string]int64) error {
	buf, err := json.Marshal(seqs)
	if err != nil {
		return fmt.Errorf("postgres: mark pulled: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `UPDATE sync_devices SET last_pull_at = $1, last_seqs = $2 WHERE id = $3`, db.now(), string(buf), deviceID); err != nil {
		return formatError(err, "mark pulled", onViolation{})
	}
	return nil
}

var syncedTableNames = func() []string {
	names := make([]string, len(schema.Tables))
	for i, t := range schema.Tables {
		names[i] = t.Name
	}
	return names
}()

// ScopeSeqs returns each scope's last seq of a synced table's change.
func (db *DB) ScopeSeqs(ctx context.Context, scopes []string) (map[string]int64, error) {
	out := make(map[string]int64, len(scopes))
	for _, s := range scopes {
		out[s] = 0
	}
	rows, err := db.pool.Query(ctx, `SELECT scope_id, max(seq) FROM changes WHERE scope_id = ANY($1) AND table_name = ANY($2) GROUP BY scope_id`,
		scopes, syncedTableNames)
	if err != nil {
		return nil, formatError(err, "scope seqs", onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var seq int64
		if err := rows.Scan(&s, &seq); err != nil {
			return nil, fmt.Errorf("postgres: scope seqs: %w", err)
		}
		out[s] = seq
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "scope seqs", onViolation{})
	}
	// A compacted log's last entry may be gone: the horizon is a seq the
	// scope reached too.
	hs, err := db.SyncHorizons(ctx, scopes)
	if err != nil {
		return nil, err
	}
	for s, h := range hs {
		out[s] = max(out[s], h)
	}
	return out, nil
}

// ReadFeed returns a scope's rows changed after afterSeq, each once with
// its current state, ordered by the seq of its last change.
func (db *DB) ReadFeed(ctx context.Context, scopeID string, afterSeq int64, limit, schemaVersion int) ([]*core.FeedEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	if !storable(scopeID) {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT table_name, row_id, max(seq) AS last FROM changes
		WHERE scope_id = $1 AND seq > $2 AND table_name = ANY($3)
		GROUP BY table_name, row_id ORDER BY last LIMIT $4`, scopeID, afterSeq, syncedTableNames, limit)
	if err != nil {
		return nil, formatError(err, "read feed", onViolation{})
	}
	var out []*core.FeedEntry
	for rows.Next() {
		e := &core.FeedEntry{ScopeID: scopeID}
		if err := rows.Scan(&e.Table, &e.RowID, &e.Seq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: read feed: %w", err)
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "read feed", onViolation{})
	}
	// The page's rows, one query per table.
	err = syncstore.FillFeed(out, schemaVersion, func(tb *schema.Table, ids []string) (map[string]*core.ServerRow, error) {
		return readServerRows(ctx, db.pool, tb, ids, false)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// selectExpr reads a field as one Go type per registry type.
func selectExpr(f schema.Field) string {
	switch f.Type {
	case schema.Int:
		return f.Name + `::bigint`
	case schema.Real:
		return f.Name + `::float8`
	case schema.JSON:
		return `to_jsonb(` + f.Name + `)::text`
	}
	return f.Name
}

// serverRowColumns is the select list of a synced row as the server
// reads it: id, owner, scope, field clocks, then the synced fields.
func serverRowColumns(tb *schema.Table) string {
	team := `''`
	if tb.Name == "tasks" {
		team = `team_id`
	}
	cols := []string{`id`, `user_id`, team, `field_clocks::text`}
	for _, f := range tb.Synced(schema.Version) {
		cols = append(cols, selectExpr(f))
	}
	return strings.Join(cols, ", ")
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

// readServerRow reads a synced row's synced fields, clocks, owner and
// scope (locked FOR UPDATE inside a push).
func readServerRow(ctx context.Context, q queryer, tb *schema.Table, id string, lock bool) (*core.ServerRow, error) {
	if !storable(id) {
		return &core.ServerRow{Fields: map[string]any{}, Clocks: map[string]string{}}, nil
	}
	query := `SELECT ` + serverRowColumns(tb) + ` FROM ` + tb.Name + ` WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	vals, ptrs := scanTargets(tb)
	err := q.QueryRow(ctx, query, id).Scan(ptrs...)
	if errors.Is(err, pgx.ErrNoRows) {
		return &core.ServerRow{Fields: map[string]any{}, Clocks: map[string]string{}}, nil
	} else if err != nil {
		return nil, formatError(err, "read "+tb.Name+" "+id, onViolation{})
	}
	return serverRowOf(tb, vals), nil
}

// readServerRows reads many rows of one table in one round trip (locked
// FOR UPDATE inside a push, in id order so two pushes lock rows in the
// same order). A row that is not there is absent from the map.
func readServerRows(ctx context.Context, q rowsQueryer, tb *schema.Table, ids []string, lock bool) (map[string]*core.ServerRow, error) {
	out := make(map[string]*core.ServerRow, len(ids))
	keep := make([]string, 0, len(ids))
	for _, id := range ids {
		if storable(id) {
			keep = append(keep, id)
		}
	}
	if len(keep) == 0 {
		return out, nil
	}
	query := `SELECT ` + serverRowColumns(tb) + ` FROM ` + tb.Name + ` WHERE id = ANY($1) ORDER BY id`
	if lock {
		query += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, query, keep)
	if err != nil {
		return nil, formatError(err, "read "+tb.Name+" rows", onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		vals, ptrs := scanTargets(tb)
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("postgres: read %s rows: %w", tb.Name, err)
		}
		id, _ := vals[0].(string)
		out[id] = serverRowOf(tb, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "read "+tb.Name+" rows", onViolation{})
	}
	return out, nil
}

// serverRowOf builds a row from the values of serverRowColumns.
func serverRowOf(tb *schema.Table, vals []any) *core.ServerRow {
	fields := tb.Synced(schema.Version)
	r := &core.ServerRow{Exists: true, Fields: make(map[string]any, len(fields)), Clocks: map[string]string{}}
	r.UserID, _ = vals[1].(string)
	r.ScopeID, _ = vals[2].(string)
	if r.ScopeID == "" {
		r.ScopeID = r.UserID
	}
	clocks, _ := vals[3].(string)
	if err := json.Unmarshal([]byte(clocks), &r.Clocks); err != nil {
		r.Clocks = map[string]string{} // unreadable clocks are the zero clock
	}
	if r.Clocks == nil {
		r.Clocks = map[string]string{}
	}
	for i, f := range fields {
		v, err := pgValue(f, vals[i+4])
		if err != nil {
			// Left out with its clock rather than failing every pull of
			// the scope (as on SQLite).
			delete(r.Clocks, f.Name)
			continue
		}
		r.Fields[f.Name] = v
	}
	r.Deleted = r.Fields["deleted_at"] != nil
	return r
}

// formatNumber writes a float as sync sends it (shortest form, no
// exponent), as the SQLite store does.
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

// pgValue turns a read value into the JSON value sync/schema types.
func pgValue(f schema.Field, v any) (any, error) {
	switch f.Type {
	case schema.Text, schema.UUID:
		s, _ := v.(string)
		return s, nil
	case schema.Bool:
		if v == nil && f.Nullable {
			return nil, nil
		}
		b, _ := v.(bool)
		return b, nil
	case schema.Int:
		if v == nil {
			return nil, nil
		}
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("%s: not a whole number: %v", f.Name, v)
		}
		return json.Number(strconv.FormatInt(n, 10)), nil
	case schema.Real:
		if v == nil {
			return nil, nil
		}
		n, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("%s: not a number: %v", f.Name, v)
		}
		return formatNumber(n), nil
	case schema.TimeMS:
		if v == nil {
			return nil, nil
		}
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("%s: not a time: %v", f.Name, v)
		}
		return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
	case schema.JSON:
		if v == nil {
			return nil, nil
		}
		s, _ := v.(string)
		return decodeJSONValue([]byte(s))
	}
	return nil, fmt.Errorf("%s: unknown type %s", f.Name, f.Type)
}

// pgArg turns a checked JSON value into the argument and placeholder
// expression of its column.
func pgArg(tb *schema.Table, f schema.Field, v any, n int) (any, string, error) {
	ph := fmt.Sprintf("$%d", n)
	switch f.Type {
	case schema.Text, schema.UUID:
		s, _ := v.(string)
		return s, ph, nil
	case schema.Bool:
		if v == nil && f.Nullable {
			return nil, ph, nil
		}
		b, _ := v.(bool)
		return b, ph, nil
	case schema.Int:
		if v == nil {
			return nil, ph, nil
		}
		n, _ := v.(json.Number)
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, ph, err
	case schema.Real:
		if v == nil {
			return nil, ph, nil
		}
		n, _ := v.(json.Number)
		x, err := strconv.ParseFloat(string(n), 64)
		return x, ph, err
	case schema.TimeMS:
		if v == nil {
			return nil, ph, nil
		}
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		return ms(t), ph, err
	case schema.JSON:
		b, err := json.Marshal(v)
		if arrayColumns[tb.Name+"."+f.Name] {
			return string(b), `ARRAY(SELECT jsonb_array_elements_text(coalesce(nullif(` + ph + `::jsonb, 'null'::jsonb), '[]'::jsonb)))`, err
		}
		return string(b), ph + `::jsonb`, err
	}
	return nil, ph, fmt.Errorf("%s: unknown type %s", f.Name, f.Type)
}

// applyPush applies one batch in one transaction. Pushes of one device
// take turns (an advisory lock on its id), so a batch retried while the
// first try still runs waits and gets the stored result.
func (db *DB) applyPush(ctx context.Context, userID, deviceID, batchID string, ps []core.PushPatch, decide core.SyncDecide) (*core.PushResult, error) {
	if !storable(deviceID, batchID) {
		return nil, core.FieldError("batch_id", "A batch id is visible characters.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('sync_device:' || $1, 0))`, deviceID); err != nil {
		return nil, formatError(err, "lock device", onViolation{})
	}
	var stored []byte
	err = tx.QueryRow(ctx, `SELECT result::text FROM sync_batches WHERE device_id = $1 AND batch_id = $2`, deviceID, batchID).Scan(&stored)
	if err == nil {
		var res core.PushResult
		if err := json.Unmarshal(stored, &res); err != nil {
			return nil, fmt.Errorf("postgres: stored batch %s: %w", batchID, err)
		}
		res.Replayed = true
		return &res, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return nil, formatError(err, "find batch", onViolation{})
	}
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
	if err := tx.flushChanges(ctx); err != nil {
		return nil, err
	}
	for s := range res.ScopesSeq {
		var seq int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes WHERE scope_id = $1`, s).Scan(&seq); err != nil {
			return nil, formatError(err, "scope seq", onViolation{})
		}
		res.ScopesSeq[s] = seq
	}
	buf, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("postgres: encode push result: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sync_batches (device_id, batch_id, result, received_at) VALUES ($1, $2, $3, $4)`,
		deviceID, batchID, string(buf), tx.now); err != nil {
		return nil, formatError(err, "store batch", onViolation{})
	}
	if _, err := tx.Exec(ctx, `UPDATE sync_devices SET last_push_at = $1 WHERE id = $2`, tx.now, deviceID); err != nil {
		return nil, formatError(err, "mark pushed", onViolation{})
	}
	if err := tx.commit(ctx, "apply push"); err != nil {
		return nil, err
	}
	return res, nil
}

// appliedChange is a change id merged by this push, recorded with the
// batch so it is never merged again.
type appliedChange struct{ id, scope, outcome string }

// appliedChanges returns which of a batch's change ids were merged before.
func (tx *Tx) appliedChanges(ctx context.Context, ps []core.PushPatch) (map[string]bool, error) {
	var ids []string
	for _, p := range ps {
		for _, id := range p.ChangeIDs {
			if storable(id) { // the others' patches are refused one by one
				ids = append(ids, id)
			}
		}
	}
	seen := make(map[string]bool, len(ids))
	if len(ids) == 0 {
		return seen, nil
	}
	rows, err := tx.Query(ctx, `SELECT change_id FROM sync_applied WHERE change_id = ANY($1)`, ids)
	if err != nil {
		return nil, formatError(err, "applied changes", onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("postgres: applied changes: %w", err)
		}
		seen[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "applied changes", onViolation{})
	}
	return seen, nil
}

// recordApplied stores the batch's merged change ids in one statement.
func (tx *Tx) recordApplied(ctx context.Context, cs []appliedChange) error {
	if len(cs) == 0 {
		return nil
	}
	ids, scopes, outcomes := make([]string, len(cs)), make([]string, len(cs)), make([]string, len(cs))
	for i, c := range cs {
		ids[i], scopes[i], outcomes[i] = c.id, c.scope, c.outcome
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sync_applied (change_id, scope_id, outcome, applied_at)
		SELECT id, scope, outcome, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, scope, outcome) ON CONFLICT DO NOTHING`,
		ids, scopes, outcomes, tx.now); err != nil {
		return formatError(err, "record applied changes", onViolation{})
	}
	return nil
}

// errOnePatchRefused stops the fast pass of a push: the database refused
// a patch's write, so the batch is applied again patch by patch.
var errOnePatchRefused = errors.New("postgres: a patch's write was refused")

// pushApply is one push being applied: the rows its patches name, read
// and locked once for the whole batch, and the writes queued to go to the
// server together.
type pushApply struct {
	userID string
	decide core.SyncDecide
	// rows holds each named row as it was before the batch (absent: not
	// there); written marks the rows a patch of this pass wrote, which
	// are read again if another patch names them.
	rows    map[string]map[string]*core.ServerRow
	written map[[2]string]bool
	// careful runs each patch's writes at once in a savepoint of its own,
	// so a write the database refuses is undone alone. Otherwise the
	// writes are queued (queue, what) and sent in one round trip; a
	// refusal then undoes the pass and the batch is applied carefully.
	careful bool
	queue   *pgx.Batch
	what    []string
	refusal func(error) bool
}

// exec runs one write of a patch, or queues it.
func (a *pushApply) exec(ctx context.Context, tx *Tx, what string, v onViolation, sql string, args ...any) error {
	if !a.careful {
		a.queue.Queue(sql, args...)
		a.what = append(a.what, what)
		return nil
	}
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return formatError(err, what, v)
	}
	return nil
}

// flush sends the queued writes; a refused one is errOnePatchRefused.
func (a *pushApply) flush(ctx context.Context, tx *Tx) error {
	if a.careful || a.queue.Len() == 0 {
		return nil
	}
	q, what := a.queue, a.what
	a.queue, a.what = &pgx.Batch{}, nil
	br := tx.SendBatch(ctx, q)
	for _, w := range what {
		if _, err := br.Exec(); err != nil {
			br.Close()
			if a.refusal(formatError(err, w, syncViolation)) {
				return errOnePatchRefused
			}
			return formatError(err, w, syncViolation)
		}
	}
	if err := br.Close(); err != nil {
		return formatError(err, "sync writes", syncViolation)
	}
	return nil
}

// patchRefusal reports whether a write's error is the patch's fault (a
// per-patch rejection), not the server's; with the code and message to
// reject it with.
func patchRefusal(err error) (string, string, bool) {
	code, msg := core.ErrorCode(err), core.ErrorMessage(err)
	var pe *pgconn.PgError
	if code == core.EINTERNAL && errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "23")) {
		// Data the columns refuse (a missing required value, a value out
		// of range): this patch's fault, not the server's.
		code, msg = core.EINVALID, "A value cannot be stored: "+pe.ColumnName+" "+strings.TrimSpace(pe.Message)
	}
	return code, msg, code != core.EINTERNAL
}

// applyPatches merges a batch's patches. The rows they name are read and
// locked in one query per table; the fast pass queues every patch's
// writes and sends them in one round trip (instead of a savepoint, a
// write and a release per patch). Only when the database refuses one of
// them is the pass undone and the batch applied again with a savepoint
// per patch, so that patch alone is rejected, as before.
func (tx *Tx) applyPatches(ctx context.Context, userID string, ps []core.PushPatch, decide core.SyncDecide, seen map[string]bool) (*core.PushResult, []appliedChange, error) {
	a := &pushApply{userID: userID, decide: decide, queue: &pgx.Batch{},
		refusal: func(err error) bool { _, _, ok := patchRefusal(err); return ok }}
	var err error
	if a.rows, err = tx.readPushedRows(ctx, ps); err != nil {
		return nil, nil, err
	}
	seenBefore := make(map[string]bool, len(seen))
	for id := range seen {
		seenBefore[id] = true
	}
	pending := len(tx.pending)
	if _, err := tx.Exec(ctx, `SAVEPOINT sentry_sync_batch`); err != nil {
		return nil, nil, formatError(err, "savepoint", onViolation{})
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
		if err == nil {
			err = a.flush(ctx, tx)
		}
		if errors.Is(err, errOnePatchRefused) && !a.careful {
			if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT sentry_sync_batch`); err != nil {
				return nil, nil, formatError(err, "roll back batch", onViolation{})
			}
			tx.pending = tx.pending[:pending]
			seen = seenBefore
			a.careful = true
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT sentry_sync_batch`); err != nil {
			return nil, nil, formatError(err, "release batch", onViolation{})
		}
		return res, applied, nil
	}
}

// readPushedRows reads and locks the rows a batch's patches name, one
// query per table, tables in name order.
func (tx *Tx) readPushedRows(ctx context.Context, ps []core.PushPatch) (map[string]map[string]*core.ServerRow, error) {
	ids := map[string][]string{}
	var tables []string
	for _, p := range ps {
		if _, ok := schema.Lookup(p.Table); ok {
			if _, named := ids[p.Table]; !named {
				tables = append(tables, p.Table)
			}
			ids[p.Table] = append(ids[p.Table], p.RowID)
		}
	}
	sort.Strings(tables)
	out := make(map[string]map[string]*core.ServerRow, len(ids))
	for _, table := range tables {
		tb, _ := schema.Lookup(table)
		rows, err := readServerRows(ctx, tx, tb, ids[table], true)
		if err != nil {
			return nil, err
		}
		out[table] = rows
	}
	return out, nil
}

// current is a patch's row as the server holds it now: a row this pass
// wrote is read again, after the writes queued so far.
func (tx *Tx) current(ctx context.Context, a *pushApply, tb *schema.Table, id string) (*core.ServerRow, error) {
	if a.written[[2]string{tb.Name, id}] {
		if err := a.flush(ctx, tx); err != nil {
			return nil, err
		}
		return readServerRow(ctx, tx, tb, id, true)
	}
	if r := a.rows[tb.Name][id]; r != nil {
		return r, nil
	}
	return &core.ServerRow{Fields: map[string]any{}, Clocks: map[string]string{}}, nil
}

// applyPatch merges one patch and records its outcome in res: queued in
// the fast pass, in a savepoint of its own (so a refused write leaves
// nothing behind) in the careful one.
func (tx *Tx) applyPatch(ctx context.Context, a *pushApply, p *core.PushPatch, res *core.PushResult, seen map[string]bool, applied *[]appliedChange) error {
	reject := func(code, msg string, row *core.ServerRow) {
		res.Rejected = append(res.Rejected, core.PushRejected{ChangeIDs: p.ChangeIDs, Table: p.Table, RowID: p.RowID, Code: code, Message: msg, Row: row})
	}
	tb, ok := schema.Lookup(p.Table)
	if !ok {
		reject(core.EINVALID, fmt.Sprintf("%q is not a synced table.", p.Table), nil)
		return nil
	}
	if !storable(append([]string{p.ScopeID, p.RowID}, p.ChangeIDs...)...) {
		reject(core.EINVALID, "Ids must be valid UTF-8 without NUL characters.", nil)
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
		err := tx.recordConflicts(ctx, a, tb, p, w)
		if err == nil && len(w.Fields) > 0 {
			a.written[[2]string{tb.Name, p.RowID}] = true
			err = tx.writeServerRow(ctx, a, tb, p, cur, w)
		}
		if err != nil {
			if _, _, refused := patchRefusal(err); refused {
				return errOnePatchRefused
			}
			return err
		}
		res.Conflicts += len(w.Conflicts)
		if len(w.Fields) > 0 {
			outcome = "applied"
		}
	} else if w != nil {
		if _, err := tx.Exec(ctx, `SAVEPOINT sentry_sync_patch`); err != nil {
			return formatError(err, "savepoint", onViolation{})
		}
		err := tx.recordConflicts(ctx, a, tb, p, w)
		if err == nil && len(w.Fields) > 0 {
			a.written[[2]string{tb.Name, p.RowID}] = true
			err = tx.writeServerRow(ctx, a, tb, p, cur, w)
		}
		if err != nil {
			if _, rbErr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT sentry_sync_patch`); rbErr != nil {
				return formatError(rbErr, "roll back patch", onViolation{})
			}
			code, msg, refused := patchRefusal(err)
			if refused {
				var row *core.ServerRow
				if show && cur.Exists {
					row = cur
				}
				reject(code, msg, row)
				return nil
			}
			return err
		}
		if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT sentry_sync_patch`); err != nil {
			return formatError(err, "release patch", onViolation{})
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
// when new), its clocks, and a remote change log entry in the scope.
func (tx *Tx) writeServerRow(ctx context.Context, a *pushApply, tb *schema.Table, p *core.PushPatch, cur *core.ServerRow, w *core.SyncWrite) error {
	if err := tx.checkPushedAssignee(ctx, tb, cur, w); err != nil {
		return err
	}
	userID := a.userID
	clocks, err := json.Marshal(w.Clocks)
	if err != nil {
		return fmt.Errorf("postgres: encode clocks: %w", err)
	}
	ts := tx.db.hlc()
	var names, phs []string
	var args []any
	add := func(name, ph string, v any) {
		names, phs, args = append(names, name), append(phs, ph), append(args, v)
	}
	for _, f := range tb.Synced(schema.Version) {
		v, ok := w.Fields[f.Name]
		if !ok {
			continue
		}
		a, ph, err := pgArg(tb, f, v, len(args)+1)
		if err != nil {
			return core.FieldError(f.Name, "%s could not be stored.", f.Name)
		}
		add(f.Name, ph, a)
	}
	if !cur.Exists {
		for name, v := range w.Local {
			f, ok := tb.Field(name)
			if !ok || !f.LocalOnly {
				continue
			}
			a, ph, err := pgArg(tb, f, v, len(args)+1)
			if err != nil {
				return fmt.Errorf("postgres: local %s.%s: %w", tb.Name, name, err)
			}
			add(name, ph, a)
		}
	}
	// Columns derived from synced fields are this store's to keep: a
	// task's priority rank and search words.
	if tb.Name == "tasks" {
		if v, ok := w.Fields["priority"]; ok {
			p, _ := v.(string)
			add("priority_rank", fmt.Sprintf("$%d", len(args)+1), core.PriorityRank(p))
		}
		_, t := w.Fields["title"]
		_, d := w.Fields["description"]
		if t || d || !cur.Exists {
			text := func(f string) string {
				if v, ok := w.Fields[f]; ok {
					s, _ := v.(string)
					return s
				}
				s, _ := cur.Fields[f].(string)
				return s
			}
			add("search", fmt.Sprintf("array_to_tsvector($%d::text[])", len(args)+1), searchLexemes(text("title"), text("description")))
		}
	}
	op := core.OpUpdate
	if !cur.Exists {
		op = core.OpInsert
		add("field_clocks", fmt.Sprintf("$%d::jsonb", len(args)+1), string(clocks))
		add("updated_at", fmt.Sprintf("$%d", len(args)+1), tx.now)
		add("hlc", fmt.Sprintf("$%d", len(args)+1), ts)
		add("user_id", fmt.Sprintf("$%d", len(args)+1), userID)
		add("id", fmt.Sprintf("$%d", len(args)+1), p.RowID)
		if _, ok := w.Fields["created_at"]; !ok {
			add("created_at", fmt.Sprintf("$%d", len(args)+1), tx.now)
		}
		if err := a.exec(ctx, tx, "sync insert "+tb.Name, syncViolation, `INSERT INTO `+tb.Name+` (`+strings.Join(names, ", ")+`, version) VALUES (`+strings.Join(phs, ", ")+`, 1)`, args...); err != nil {
			return err
		}
	} else {
		sets := make([]string, len(names))
		for i := range names {
			sets[i] = names[i] + " = " + phs[i]
		}
		n := len(args)
		sets = append(sets, fmt.Sprintf("field_clocks = $%d::jsonb", n+1), fmt.Sprintf("updated_at = $%d", n+2), "version = version + 1", fmt.Sprintf("hlc = $%d", n+3))
		args = append(args, string(clocks), tx.now, ts, p.RowID)
		if err := a.exec(ctx, tx, "sync update "+tb.Name, syncViolation, `UPDATE `+tb.Name+` SET `+strings.Join(sets, ", ")+fmt.Sprintf(` WHERE id = $%d`, n+4), args...); err != nil {
			return err
		}
		if v, ok := w.Fields["deleted_at"]; ok && v != nil {
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
func (tx *Tx) recordConflicts(ctx context.Context, a *pushApply, tb *schema.Table, p *core.PushPatch, w *core.SyncWrite) error {
	for _, c := range w.Conflicts {
		lv, _ := json.Marshal(c.LoserValue)
		wv, _ := json.Marshal(c.WinnerValue)
		if err := a.exec(ctx, tx, "record conflict", onViolation{}, `INSERT INTO sync_conflicts (id, scope_id, table_name, row_id, field, loser_value, loser_clock, winner_value, winner_clock, created_at)
			VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb, $9, $10) ON CONFLICT DO NOTHING`,
			NewID(), p.ScopeID, tb.Name, p.RowID, c.Field, string(lv), c.LoserClock, string(wv), c.WinnerClock, tx.now); err != nil {
			return err
		}
	}
	for _, c := range w.Withdrawn {
		if err := a.exec(ctx, tx, "withdraw conflict", onViolation{}, `DELETE FROM sync_conflicts WHERE table_name = $1 AND row_id = $2 AND field = $3 AND loser_clock = $4`,
			tb.Name, p.RowID, c.Field, c.LoserClock); err != nil {
			return err
		}
	}
	return nil
}

// FindSyncConflicts lists the conflicts kept in the given scopes.
func (db *DB) FindSyncConflicts(ctx context.Context, scopes []string, limit int) ([]*core.SyncConflict, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.pool.Query(ctx, `SELECT id, scope_id, table_name, row_id, field, loser_value::text, loser_clock, winner_value::text, winner_clock, created_at
		FROM sync_conflicts WHERE scope_id = ANY($1) ORDER BY created_at DESC, id DESC LIMIT $2`, scopes, limit)
	if err != nil {
		return nil, formatError(err, "find conflicts", onViolation{})
	}
	defer rows.Close()
	out := []*core.SyncConflict{}
	for rows.Next() {
		var c core.SyncConflict
		var lv, wv string
		if err := rows.Scan(&c.ID, &c.ScopeID, &c.Table, &c.RowID, &c.Field, &lv, &c.LoserClock, &wv, &c.WinnerClock, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("postgres: scan conflict: %w", err)
		}
		if c.LoserValue, err = decodeJSONValue([]byte(lv)); err != nil {
			return nil, fmt.Errorf("postgres: conflict %s: %w", c.ID, err)
		}
		if c.WinnerValue, err = decodeJSONValue([]byte(wv)); err != nil {
			return nil, fmt.Errorf("postgres: conflict %s: %w", c.ID, err)
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find conflicts", onViolation{})
	}
	return out, nil
}
