package simtest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"time"

	"sentry/backend/sqlite"
	"sentry/sync/merge"
	"sentry/sync/schema"
	"sentry/sync/wire"
)

// The oracles of SYNC.md §9, checked once every device has quiesced.
func (w *world) check() error {
	users, teamID := w.users, w.teamID

	// 1. Convergence, and no scope leak: each device holds exactly the
	// server's rows of its person's scope and of the team while its
	// person is a member — and none of the team's once they are not.
	for _, d := range w.devs {
		mine, err := dumpTasks(w.ctx, d.ro, `ifnull(team_id, '') = ''`)
		if err != nil {
			return err
		}
		theirs, err := w.serverTasks(users[d.person].id)
		if err != nil {
			return err
		}
		if diff := diffDumps(mine, theirs); diff != "" {
			return fmt.Errorf("convergence: device %d's own tasks differ from the server's (device vs server):\n%s", d.idx, diff)
		}
		team, err := dumpTasks(w.ctx, d.ro, `team_id = ?`, teamID)
		if err != nil {
			return err
		}
		if !w.members[d.person] {
			if len(team) > 0 {
				return fmt.Errorf("scope leak: device %d of %s, no longer in the team, still holds %d of its tasks", d.idx, users[d.person].email, len(team))
			}
			continue
		}
		serverTeam, err := w.serverTasks(teamID)
		if err != nil {
			return err
		}
		if diff := diffDumps(team, serverTeam); diff != "" {
			return fmt.Errorf("convergence: device %d's team tasks differ from the server's (device vs server):\n%s", d.idx, diff)
		}
	}

	// 2. No silent rejection: every change the server refused is in its
	// device's list of refused changes, with a code.
	refusedRows := map[int]map[string]bool{}
	for _, d := range w.devs {
		list, err := d.engine.Rejected(w.ctx)
		if err != nil {
			return err
		}
		if len(list) >= 200 {
			return fmt.Errorf("device %d has %d refused changes, more than the simulator reads", d.idx, len(list))
		}
		have := map[string]string{}
		refusedRows[d.idx] = map[string]bool{}
		for _, r := range list {
			have[r.ChangeID] = r.Code
			refusedRows[d.idx][r.RowID] = true
		}
		w.stats.rejections += len(list)
		for _, ids := range w.rejected[d.idx] {
			for _, id := range ids {
				if have[id] == "" {
					return fmt.Errorf("silent rejection: the server refused change %s of device %d, which the device does not list as refused", id, d.idx)
				}
			}
		}
	}

	// 3. No acknowledged write lost: the server's final clock of every
	// (row, field) a device wrote is at least the write's; a write beaten
	// without anyone having seen it is named by a conflict, whose loser is
	// the lower clock.
	all, err := w.serverTasks("")
	if err != nil {
		return err
	}
	conflicts, err := w.server.db.FindSyncConflicts(w.ctx, []string{users[0].id, users[1].id, teamID}, 1000)
	if err != nil {
		return err
	}
	if len(conflicts) >= 1000 {
		return fmt.Errorf("more conflicts than the simulator reads")
	}
	w.stats.conflicts += len(conflicts)
	losers := map[string]int{}
	for _, c := range conflicts {
		if c.LoserClock >= c.WinnerClock {
			return fmt.Errorf("conflict %s on %s.%s names the loser %s, whose clock is not the lower one (winner %s)", c.ID, short(c.RowID), c.Field, c.LoserClock, c.WinnerClock)
		}
		losers[c.RowID+"\x00"+c.Field+"\x00"+c.LoserClock]++
	}
	for k, n := range losers {
		if n > 1 {
			return fmt.Errorf("the loser %q is named by %d conflicts, not one", strings.ReplaceAll(k, "\x00", " "), n)
		}
	}
	ties := map[string]string{}
	for _, wr := range w.writes {
		k := wr.row + "\x00" + wr.field + "\x00" + hlcPart(wr.clock)
		if dev, ok := ties[k]; ok && dev != devicePart(wr.clock) {
			w.stats.ties++
		}
		ties[k] = devicePart(wr.clock)
		if refusedRows[wr.dev][wr.row] {
			continue // refused, and listed as such: checked above
		}
		row, ok := all[wr.row]
		if !ok {
			return fmt.Errorf("lost write: device %d wrote %s.%s at %s, and the server has no such row", wr.dev, short(wr.row), wr.field, wr.clock)
		}
		final := row.clocks[wr.field]
		if final < wr.clock {
			return fmt.Errorf("lost write: device %d wrote %s.%s at %s; the server ends at the older %s", wr.dev, short(wr.row), wr.field, wr.clock, final)
		}
		if final == wr.clock || w.bases[wr.row+"\x00"+wr.field+"\x00"+wr.clock] {
			continue
		}
		if losers[wr.row+"\x00"+wr.field+"\x00"+wr.clock] == 0 {
			return fmt.Errorf("lost write: device %d's write of %s.%s at %s was overwritten by %s, which had not seen it, and no conflict names it", wr.dev, short(wr.row), wr.field, wr.clock, final)
		}
	}

	// 4. Model equality: the server's tasks are the pure merge of every
	// patch it committed and did not refuse, folded in commit order
	// (any order gives the same state) — not merely some state the
	// replicas agree on.
	if err := w.checkModel(all); err != nil {
		return err
	}

	// 5. Idempotency: replaying committed pushes — the same batch again,
	// and the same patches as a new batch — leaves the server as it was.
	before, err := w.serverState()
	if err != nil {
		return err
	}
	for i := 0; i < 3 && len(w.pushes) > 0; i++ {
		p := w.pushes[w.rng.IntN(len(w.pushes))]
		for n := 1 + w.rng.IntN(3); n > 0; n-- {
			if err := w.replay(p, false); err != nil {
				return err
			}
		}
		if err := w.replay(p, true); err != nil {
			return err
		}
	}
	after, err := w.serverState()
	if err != nil {
		return err
	}
	if before != after {
		return fmt.Errorf("idempotency: replaying pushes changed the server:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	return nil
}

func (w *world) checkModel(server map[string]taskRow) error {
	refused := map[string]bool{}
	for _, lists := range w.rejected {
		for _, ids := range lists {
			for _, id := range ids {
				refused[id] = true
			}
		}
	}
	model := map[string]merge.Row{}
	for _, p := range w.pushes {
		var req wire.PushRequest
		d := json.NewDecoder(bytes.NewReader(p.body))
		d.UseNumber()
		if err := d.Decode(&req); err != nil {
			return err
		}
	patches:
		for _, pt := range req.Patches {
			if pt.Table != "tasks" {
				continue
			}
			for _, id := range pt.ChangeIDs {
				if refused[id] {
					continue patches
				}
			}
			row, ok := model[pt.RowID]
			if !ok {
				row = merge.Row{Fields: map[string]any{}, Clocks: map[string]string{}}
			}
			row, _, _ = merge.Merge(row, merge.Patch{Fields: pt.Fields, Clocks: pt.Clocks, Base: pt.Base})
			model[pt.RowID] = row
		}
	}
	for id := range server {
		if _, ok := model[id]; !ok {
			return fmt.Errorf("model: the server holds task %s, which no committed patch wrote", short(id))
		}
	}
	for id, row := range model {
		got, ok := server[id]
		if !ok {
			return fmt.Errorf("model: committed patches wrote task %s, which the server does not hold", short(id))
		}
		for _, f := range taskFields {
			c, ok := row.Clocks[f.Name]
			if !ok {
				continue
			}
			want := canonicalWire(f, row.Fields[f.Name])
			if got.clocks[f.Name] != c || got.vals[f.Name] != want {
				return fmt.Errorf("model: task %s.%s is %s@%s on the server; the merge of its committed patches gives %s@%s",
					short(id), f.Name, got.vals[f.Name], got.clocks[f.Name], want, c)
			}
		}
	}
	return nil
}

// replay sends a logged push again, under its batch id or a new one. A
// push some of whose changes were refused is only replayed under its own
// id: a new batch would be judged afresh, after membership changed.
func (w *world) replay(p loggedPush, fresh bool) error {
	body := p.body
	if fresh {
		var req wire.PushRequest
		if err := json.Unmarshal(body, &req); err != nil {
			return err
		}
		for _, ids := range w.rejected[p.dev] {
			for _, id := range ids {
				for _, pt := range req.Patches {
					for _, c := range pt.ChangeIDs {
						if c == id {
							return nil
						}
					}
				}
			}
		}
		req.BatchID = fmt.Sprintf("replay-%x", w.rng.Uint64())
		var err error
		if body, err = json.Marshal(req); err != nil {
			return err
		}
	}
	in := httptest.NewRequestWithContext(w.ctx, "POST", "/api/sync/push", bytes.NewReader(body))
	in.Header.Set("Authorization", p.token)
	in.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.server.handler.ServeHTTP(rec, in)
	w.logf("replay of a push by d%d (new batch %v): %d", p.dev, fresh, rec.Code)
	if rec.Code != 200 {
		return fmt.Errorf("idempotency: replaying a push of device %d answered %d %s", p.dev, rec.Code, rec.Body.String())
	}
	return nil
}

// serverState is what a replay must not change: every task with its
// clocks, every conflict, and each scope's log (on SQLite its length and
// last seq, on PostgreSQL each scope's last seq).
func (w *world) serverState() (string, error) {
	rows, err := w.serverTasks("")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, id := range sortedIDs(rows) {
		b.WriteString(id + " " + rows[id].text + "\n")
	}
	scopes := []string{w.users[0].id, w.users[1].id, w.teamID}
	if w.onPG {
		cs, err := w.server.db.FindSyncConflicts(w.ctx, scopes, 1000)
		if err != nil {
			return "", err
		}
		lines := make([]string, 0, len(cs))
		for _, c := range cs {
			lines = append(lines, c.RowID+" "+c.Field+" "+c.LoserClock+" "+c.WinnerClock)
		}
		sort.Strings(lines)
		seqs, err := w.server.db.ScopeSeqs(w.ctx, scopes)
		if err != nil {
			return "", err
		}
		for _, sc := range scopes {
			lines = append(lines, fmt.Sprintf("seq %s %d", sc, seqs[sc]))
		}
		return b.String() + strings.Join(lines, "\n"), nil
	}
	db, err := w.openServerFile()
	if err != nil {
		return "", err
	}
	defer db.Close()
	for _, q := range []string{`SELECT row_id || ' ' || field || ' ' || loser_clock || ' ' || winner_clock FROM sync_conflicts ORDER BY 1`,
		`SELECT 'log ' || ifnull(scope_id, '') || ' ' || count(*) || ' ' || max(seq) FROM changes GROUP BY scope_id ORDER BY 1`} {
		lines, err := db.QueryContext(w.ctx, q)
		if err != nil {
			return "", err
		}
		for lines.Next() {
			var s string
			if err := lines.Scan(&s); err != nil {
				lines.Close()
				return "", err
			}
			b.WriteString(s + "\n")
		}
		lines.Close()
	}
	return b.String(), nil
}

func (w *world) openServerFile() (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+w.server.path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err == nil {
		db.SetMaxOpenConns(1)
	}
	return db, err
}

// serverTasks reads the server's tasks of one scope (a person's own, or
// the team's; "" for all three), deleted ones included: on SQLite from
// its file, on PostgreSQL through the store's feed.
func (w *world) serverTasks(scope string) (map[string]taskRow, error) {
	if !w.onPG {
		db, err := w.openServerFile()
		if err != nil {
			return nil, err
		}
		defer db.Close()
		switch scope {
		case "":
			return dumpTasks(w.ctx, db, `1 = 1`)
		case w.teamID:
			return dumpTasks(w.ctx, db, `team_id = ?`, scope)
		}
		return dumpTasks(w.ctx, db, `user_id = ? AND ifnull(team_id, '') = ''`, scope)
	}
	scopes := []string{scope}
	if scope == "" {
		scopes = []string{w.users[0].id, w.users[1].id, w.teamID}
	}
	out := map[string]taskRow{}
	for _, sc := range scopes {
		var after int64
		for {
			es, err := w.server.db.ReadFeed(w.ctx, sc, after, 1000, schema.Version)
			if err != nil {
				return nil, err
			}
			for _, e := range es {
				after = e.Seq
				if e.Table != "tasks" {
					continue
				}
				r := taskRow{clocks: map[string]string{}, vals: map[string]string{}}
				var b strings.Builder
				for _, f := range taskFields {
					if c, ok := e.Clocks[f.Name]; ok {
						r.clocks[f.Name] = c
					}
					r.vals[f.Name] = canonicalWire(f, e.Fields[f.Name])
					fmt.Fprintf(&b, "%s=%s@%s ", f.Name, r.vals[f.Name], r.clocks[f.Name])
				}
				r.text = b.String()
				out[e.RowID] = r
			}
			if len(es) < 1000 {
				break
			}
		}
	}
	return out, nil
}

// canonicalWire writes a value as the server sends it (JSON decoded with
// numbers kept as written) the way canonical writes a stored one.
func canonicalWire(f schema.Field, v any) string {
	switch x := v.(type) {
	case nil:
		return canonical(f, nil)
	case json.Number:
		return canonical(f, string(x))
	case bool:
		return strconv.FormatBool(x)
	case string:
		if f.Type == schema.JSON {
			b, _ := json.Marshal(x)
			return canonical(f, string(b))
		}
		return canonical(f, x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("?%v", v)
	}
	return canonical(f, string(b))
}

// taskRow is one task in canonical form: its synced fields decoded and
// written one way whichever store wrote them, and their clocks.
type taskRow struct {
	clocks map[string]string
	vals   map[string]string // canonical values by field
	text   string
}

var taskFields = func() []schema.Field {
	t, _ := schema.Lookup("tasks")
	return t.Synced(schema.Version)
}()

// dumpTasks reads the tasks a filter selects, deleted ones included.
func dumpTasks(ctx context.Context, db *sql.DB, where string, args ...any) (map[string]taskRow, error) {
	cols := make([]string, len(taskFields))
	for i, f := range taskFields {
		cols[i] = f.Name
	}
	rows, err := db.QueryContext(ctx, `SELECT id, field_clocks, `+strings.Join(cols, ", ")+` FROM tasks WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("dump tasks: %w", err)
	}
	defer rows.Close()
	out := map[string]taskRow{}
	for rows.Next() {
		vals := make([]any, len(cols)+2)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		id, _ := vals[0].(string)
		r := taskRow{vals: map[string]string{}}
		s, _ := vals[1].(string)
		var err error
		if r.clocks, err = sqlite.DecodeFieldClocks("tasks", s); err != nil {
			return nil, fmt.Errorf("clocks of %s: %w", id, err)
		}
		var b strings.Builder
		for i, f := range taskFields {
			r.vals[f.Name] = canonical(f, vals[i+2])
			fmt.Fprintf(&b, "%s=%s@%s ", f.Name, r.vals[f.Name], r.clocks[f.Name])
		}
		r.text = b.String()
		out[id] = r
	}
	return out, rows.Err()
}

// canonical writes a stored value one way: times as Unix milliseconds,
// booleans and numbers decoded, JSON re-encoded with sorted keys.
func canonical(f schema.Field, v any) string {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch f.Type {
	case schema.Text, schema.UUID:
		if v == nil {
			return `""`
		}
		return strconv.Quote(fmt.Sprint(v))
	case schema.TimeMS:
		s, ok := v.(string)
		if !ok || s == "" {
			return "null"
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				return strconv.FormatInt(t.UnixMilli(), 10)
			}
		}
		return "time?" + s
	case schema.Bool:
		switch x := v.(type) {
		case int64:
			return strconv.FormatBool(x != 0)
		case bool:
			return strconv.FormatBool(x)
		}
		return "false"
	case schema.Int, schema.Real:
		switch x := v.(type) {
		case int64:
			return strconv.FormatFloat(float64(x), 'g', -1, 64)
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64)
		case string:
			if n, err := strconv.ParseFloat(x, 64); err == nil {
				return strconv.FormatFloat(n, 'g', -1, 64)
			}
		}
		return "null"
	case schema.JSON:
		s, ok := v.(string)
		if !ok || s == "" {
			return "null"
		}
		var x any
		if err := json.Unmarshal([]byte(s), &x); err != nil {
			return "json?" + s
		}
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func sortedIDs(m map[string]taskRow) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// diffDumps says how two dumps differ ("" when equal), a few rows at most.
func diffDumps(a, b map[string]taskRow) string {
	var out []string
	ids := map[string]bool{}
	for id := range a {
		ids[id] = true
	}
	for id := range b {
		ids[id] = true
	}
	keys := make([]string, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	sort.Strings(keys)
	for _, id := range keys {
		ra, inA := a[id]
		rb, inB := b[id]
		switch {
		case !inA:
			out = append(out, fmt.Sprintf("  %s: missing vs %s", id, rb.text))
		case !inB:
			out = append(out, fmt.Sprintf("  %s: %s vs missing", id, ra.text))
		case ra.text != rb.text:
			out = append(out, fmt.Sprintf("  %s:\n    %s\n    %s", id, fieldDiff(ra.text, rb.text), fieldDiff(rb.text, ra.text)))
		}
		if len(out) == 5 {
			break
		}
	}
	return strings.Join(out, "\n")
}

// fieldDiff keeps the fields of x that differ from y.
func fieldDiff(x, y string) string {
	other := map[string]bool{}
	for _, f := range strings.Fields(y) {
		other[f] = true
	}
	var keep []string
	for _, f := range strings.Fields(x) {
		if !other[f] {
			keep = append(keep, f)
		}
	}
	return strings.Join(keep, " ")
}

func hlcPart(c string) string    { h, _, _ := strings.Cut(c, "@"); return h }
func devicePart(c string) string { _, d, _ := strings.Cut(c, "@"); return d }
