package simtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sentry/backend/core"
	"sentry/backend/sqlite"
)

// Skews a device clock may have: whole minutes within ±4, so two devices
// often share one and their clocks sometimes read exactly the same.
var skews = []time.Duration{-4 * time.Minute, -2 * time.Minute, -time.Minute, 0, 0, time.Minute, 2 * time.Minute, 4 * time.Minute}

// Devices more than hlc.MaxDrift apart (one at +2 min, one at -4 min)
// cannot both follow the server's clock; a local edit still sorts after
// the value it replaces (seed 0xd1024a5fad64d717 lost a write when it did
// not).
func clockSettings() []time.Duration { return skews }

// failure is a schedule that broke an oracle (or could not run).
type failure struct {
	seed  uint64
	msg   string
	trace []string
}

func (f *failure) Error() string { return f.msg }

// runSchedule runs one seeded schedule to its end and checks the oracles.
func runSchedule(ctx context.Context, seed uint64, opt options) (stats, *failure) {
	t, err := loadTemplates()
	if err != nil {
		return stats{}, &failure{seed: seed, msg: "templates: " + err.Error()}
	}
	w := &world{ctx: ctx, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), tmpl: t, opt: opt, now: epoch,
		members: map[int]bool{0: true, 1: true}, bases: map[string]bool{}, rejected: map[int][][]string{}}
	if w.dir, err = os.MkdirTemp(scratch(), "simtest-"); err != nil {
		return stats{}, &failure{seed: seed, msg: err.Error()}
	}
	defer os.RemoveAll(w.dir)
	defer w.close()
	w.seed = seed
	// A share of the schedules (every one with SIMTEST_STORE=postgres)
	// runs the server on PostgreSQL when a test database is there.
	w.onPG = t.pg != nil && (os.Getenv("SIMTEST_STORE") == "postgres" || seed%5 == 0)
	fail := func(format string, args ...any) (stats, *failure) {
		msg := fmt.Sprintf(format, args...)
		if w.onPG {
			msg += " (server on PostgreSQL: run it again under scripts/with-postgres)"
		}
		return w.stats, &failure{seed: seed, msg: msg, trace: w.trace}
	}
	if err := w.setup(); err != nil {
		return fail("setup: %v", err)
	}
	w.faultsOn = true
	ops := opt.ops
	if ops <= 0 {
		ops = 12 + w.rng.IntN(25)
	}
	for i := 0; i < ops; i++ {
		if err := w.step(); err != nil {
			return fail("operation %d: %v", i, err)
		}
	}
	if err := w.quiesce(); err != nil {
		return fail("%v", err)
	}
	if err := w.check(); err != nil {
		return fail("%v", err)
	}
	return w.stats, nil
}

func (w *world) setup() error {
	w.server = &server{path: filepath.Join(w.dir, "server.db")}
	if w.onPG {
		dsn, drop, err := w.tmpl.pg.newDatabase(w.ctx, w.seed)
		if err != nil {
			return err
		}
		w.dropDB, w.server.pgURL = drop, dsn
		w.users, w.teamID = w.tmpl.pg.users, w.tmpl.pg.teamID
		w.logf("server on PostgreSQL")
		w.stats.onPG++
	} else {
		if err := os.WriteFile(w.server.path, w.tmpl.server, 0o600); err != nil {
			return err
		}
		w.users, w.teamID = w.tmpl.users, w.tmpl.teamID
	}
	if err := w.startServer(); err != nil {
		return err
	}
	n := 2 + w.rng.IntN(4)
	// A few clock settings shared among the devices, so that two devices
	// often read their clocks alike.
	var mine []time.Duration
	for k := 1 + w.rng.IntN(3); k > 0; k-- {
		mine = append(mine, clockSettings()[w.rng.IntN(len(clockSettings()))])
	}
	for i := 0; i < n; i++ {
		person := i
		if i >= 2 {
			person = w.rng.IntN(2)
		}
		skew := mine[w.rng.IntN(len(mine))]
		d, err := w.addDevice(i, person, skew)
		if err != nil {
			return err
		}
		w.devs = append(w.devs, d)
		w.logf("d%d is %s's, clock %+v, id %s", i, w.users[person].email, skew, d.id)
	}
	return nil
}

// step runs one weighted operation, after letting time pass.
func (w *world) step() error {
	w.stats.ops++
	w.now = w.now.Add(time.Duration(w.rng.IntN(3)) * 500 * time.Millisecond)
	d := w.devs[w.rng.IntN(len(w.devs))]
	switch r := w.rng.IntN(100); {
	case r < 20:
		return w.createTask(d, false)
	case r < 28:
		return w.createTask(d, true)
	case r < 45:
		return w.updateTask(d)
	case r < 55:
		return w.concurrentEdit()
	case r < 61:
		return w.deleteTask(d)
	case r < 65:
		return w.restoreTask(d)
	case r < 90:
		w.stats.syncs++
		res, err := d.engine.SyncNow(d.ctx(w))
		w.logf("d%d syncs: %+v err=%v", d.idx, res, err)
		return w.checkMonotonic(d)
	case r < 94:
		d.cut = !d.cut
		w.logf("d%d partitioned=%v", d.idx, d.cut)
		return nil
	case r < 97:
		return w.toggleMember()
	default:
		old := d.skew
		d.skew = clockSettings()[w.rng.IntN(len(clockSettings()))]
		w.logf("d%d clock jumps %+v → %+v", d.idx, old, d.skew)
		return nil
	}
}

// toggleMember takes the second person out of the team on the server, or
// back in, as the team's owner would.
func (w *world) toggleMember() error {
	owner, err := w.server.db.FindUserByID(w.ctx, w.users[0].id)
	if err != nil {
		return err
	}
	ctx := core.NewContextWithUser(w.ctx, owner)
	if w.members[1] {
		if err := w.server.teams.RemoveMember(ctx, w.teamID, w.users[1].id); err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		w.members[1] = false
		w.logf("server: %s leaves the team", w.users[1].email)
		return nil
	}
	if _, err := w.server.teams.AddMember(ctx, w.teamID, w.users[1].email, core.RoleMember); err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	w.members[1] = true
	w.logf("server: %s joins the team again", w.users[1].email)
	return nil
}

var (
	titles     = []string{"Call Dana", "Write the report", "Plan the sprint", "Fix the login bug", "Review the budget"}
	statuses   = []string{core.StatusTodo, core.StatusInProgress, core.StatusDone, core.StatusCancelled}
	priorities = []string{core.PriorityLow, core.PriorityMedium, core.PriorityHigh, core.PriorityUrgent}
	places     = []string{"", "Room 4", "Kitchen", "Online"}
	tagSets    = [][]string{{}, {"home"}, {"work", "q4"}, {"urgent"}}
	editable   = []string{"title", "description", "status", "priority", "deadline", "start_time", "end_time", "estimated_hours", "tags", "is_optional", "location"}
)

// at is one of a few times, so concurrent edits of start and end can make
// a row the server refuses (end before start).
func (w *world) at() time.Time {
	return epoch.Add(time.Duration(1+w.rng.IntN(6)) * time.Hour)
}

func (w *world) createTask(d *device, forTeam bool) error {
	t := &core.Task{Title: titles[w.rng.IntN(len(titles))], Priority: priorities[w.rng.IntN(len(priorities))]}
	if w.rng.IntN(2) == 0 {
		dl := w.at()
		t.Deadline = &dl
	}
	if forTeam {
		t.TeamID = w.teamID
	}
	created, err := d.tasks.Create(d.ctx(w), d.local.ID, t)
	if err != nil {
		w.logf("d%d create (team=%v): refused: %v", d.idx, forTeam, err)
		return nil
	}
	w.logf("d%d creates %s (team=%v)", d.idx, short(created.ID), forTeam)
	return w.noteWrite(d, created.ID, nil)
}

func (w *world) updateTask(d *device) error {
	id, ok, err := w.pickRow(d, false)
	if err != nil || !ok {
		return err
	}
	var names []string
	for _, i := range w.rng.Perm(len(editable))[:1+w.rng.IntN(5)] {
		names = append(names, editable[i])
	}
	return w.update(d, id, names)
}

// concurrentEdit has two devices that both hold a task write the same
// fields of it at the same moment, neither having seen the other's: a
// real conflict, and with equal clocks on both devices a tie that only
// the device id breaks.
func (w *world) concurrentEdit() error {
	for _, i := range w.rng.Perm(len(w.devs)) {
		d := w.devs[i]
		ids, err := w.rows(d, false)
		if err != nil {
			return err
		}
		w.rng.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
		for _, id := range ids {
			for _, j := range w.rng.Perm(len(w.devs)) {
				e := w.devs[j]
				if e == d {
					continue
				}
				has, err := w.holds(e, id)
				if err != nil {
					return err
				}
				if !has {
					continue
				}
				names := []string{editable[w.rng.IntN(len(editable))]}
				if w.rng.IntN(2) == 0 {
					names = append(names, editable[w.rng.IntN(len(editable))])
				}
				w.logf("d%d and d%d edit %s at once", d.idx, e.idx, short(id))
				if err := w.update(d, id, names); err != nil {
					return err
				}
				return w.update(e, id, names)
			}
		}
	}
	return nil
}

// update writes the named fields of a task through the task service.
func (w *world) update(d *device, id string, names []string) error {
	var upd core.TaskUpdate
	for _, f := range names {
		switch f {
		case "title":
			upd.Title = ptr(titles[w.rng.IntN(len(titles))])
		case "description":
			upd.Description = ptr(fmt.Sprintf("note %d", w.rng.IntN(4)))
		case "status":
			upd.Status = ptr(statuses[w.rng.IntN(len(statuses))])
		case "priority":
			upd.Priority = ptr(priorities[w.rng.IntN(len(priorities))])
		case "deadline":
			upd.Deadline = timePatch(w)
		case "start_time":
			upd.StartTime = timePatch(w)
		case "end_time":
			upd.EndTime = timePatch(w)
		case "estimated_hours":
			upd.EstimatedHours = core.Patch[float64]{Set: true, Value: float64(w.rng.IntN(9)) / 2}
		case "tags":
			tags := append([]string{}, tagSets[w.rng.IntN(len(tagSets))]...)
			upd.Tags = &tags
		case "is_optional":
			upd.IsOptional = ptr(w.rng.IntN(2) == 0)
		case "location":
			upd.Location = ptr(places[w.rng.IntN(len(places))])
		}
	}
	before, err := w.rowClocks(d, id)
	if err != nil {
		return err
	}
	if _, err := d.tasks.Update(d.ctx(w), d.local.ID, id, upd); err != nil {
		w.logf("d%d update %s %v: refused: %v", d.idx, short(id), names, err)
		return nil
	}
	w.logf("d%d updates %s %v", d.idx, short(id), names)
	return w.noteWrite(d, id, before)
}

func timePatch(w *world) core.Patch[time.Time] {
	if w.rng.IntN(4) == 0 {
		return core.Patch[time.Time]{Set: true, Null: true}
	}
	return core.Patch[time.Time]{Set: true, Value: w.at()}
}

func ptr[T any](v T) *T { return &v }

func (w *world) deleteTask(d *device) error {
	id, ok, err := w.pickRow(d, false)
	if err != nil || !ok {
		return err
	}
	before, err := w.rowClocks(d, id)
	if err != nil {
		return err
	}
	if err := d.tasks.Delete(d.ctx(w), d.local.ID, id); err != nil {
		w.logf("d%d delete %s: refused: %v", d.idx, short(id), err)
		return nil
	}
	w.logf("d%d deletes %s", d.idx, short(id))
	return w.noteWrite(d, id, before)
}

// restoreTask brings a deleted task back, as "Keep this one" on a deleted
// row does: deleted_at written null with a new clock.
func (w *world) restoreTask(d *device) error {
	id, ok, err := w.pickRow(d, true)
	if err != nil || !ok {
		return err
	}
	before, err := w.rowClocks(d, id)
	if err != nil {
		return err
	}
	if err := d.store.KeepSyncValue(w.ctx, "tasks", id, "deleted_at", nil); err != nil {
		w.logf("d%d restore %s: refused: %v", d.idx, short(id), err)
		return nil
	}
	w.logf("d%d restores %s", d.idx, short(id))
	return w.noteWrite(d, id, before)
}

// pickRow picks one of the device's tasks, deleted ones or live ones.
func (w *world) pickRow(d *device, deleted bool) (string, bool, error) {
	ids, err := w.rows(d, deleted)
	if err != nil || len(ids) == 0 {
		return "", false, err
	}
	return ids[w.rng.IntN(len(ids))], true, nil
}

// rows lists the device's tasks, deleted ones or live ones, in the order
// they arrived on it (not by id: ids are random, the schedule is not).
func (w *world) rows(d *device, deleted bool) ([]string, error) {
	rows, err := d.ro.QueryContext(w.ctx, `SELECT id FROM tasks WHERE (deleted_at IS NOT NULL) = ? ORDER BY rowid`, deleted)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// holds tells whether the device has the task, live.
func (w *world) holds(d *device, id string) (bool, error) {
	var n int
	err := d.ro.QueryRowContext(w.ctx, `SELECT count(*) FROM tasks WHERE id = ? AND deleted_at IS NULL`, id).Scan(&n)
	return n > 0, err
}

// rowClocks reads a row's field clocks on a device (none for a new row).
func (w *world) rowClocks(d *device, id string) (map[string]string, error) {
	var raw *string
	err := d.ro.QueryRowContext(w.ctx, `SELECT field_clocks FROM tasks WHERE id = ?`, id).Scan(&raw)
	if err != nil {
		return nil, fmt.Errorf("d%d: clocks of %s: %w", d.idx, id, err)
	}
	if raw == nil {
		return map[string]string{}, nil
	}
	return sqlite.DecodeFieldClocks("tasks", *raw)
}

// noteWrite records the clocks a successful local write gave: every field
// whose clock moved, with the clock it had before (what the writer had
// seen).
func (w *world) noteWrite(d *device, id string, before map[string]string) error {
	after, err := w.rowClocks(d, id)
	if err != nil {
		return err
	}
	var moved []string
	for f, c := range after {
		if c != before[f] {
			moved = append(moved, f)
		}
	}
	sort.Strings(moved)
	for _, f := range moved {
		wr := write{dev: d.idx, row: id, field: f, clock: after[f], base: before[f]}
		w.writes = append(w.writes, wr)
		w.stats.writes++
		if wr.base != "" {
			w.bases[id+"\x00"+f+"\x00"+wr.base] = true
		}
	}
	return nil
}

// quiesce heals every fault, then has every device sync, round by round,
// until a round moves nothing; a fifth round that still moves is a
// liveness failure.
func (w *world) quiesce() error {
	w.faultsOn = false
	for _, d := range w.devs {
		d.cut = false
	}
	w.logf("heal: faults off, partitions healed")
	for round := 1; round <= 5; round++ {
		w.stats.rounds++
		moved := false
		for _, d := range w.devs {
			res, err := d.engine.SyncNow(d.ctx(w))
			w.logf("round %d: d%d syncs: %+v err=%v", round, d.idx, res, err)
			if err != nil {
				return fmt.Errorf("liveness: device %d cannot sync with every fault healed: %v", d.idx, err)
			}
			if err := w.checkMonotonic(d); err != nil {
				return err
			}
			if res.Pushed > 0 || res.Pulled > 0 || res.Pending > 0 {
				moved = true
			}
		}
		if !moved {
			return nil
		}
	}
	return fmt.Errorf("liveness: the devices still move after 5 rounds of sync with every fault healed")
}

// scratch is where schedules keep their database files: memory when the
// machine offers it (a schedule's fsyncs then cost nothing), else the
// temp folder. $SIMTEST_DIR chooses another.
func scratch() string {
	if d := os.Getenv("SIMTEST_DIR"); d != "" {
		return d
	}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "simtest-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

// checkMonotonic is oracle 4 of SYNC.md §9, checked after every sync: a
// device's clock of a field of a row it holds never goes back, except
// when the server refused this device's write to that row and it rebuilt
// the row from the server's. A row the device no longer holds (its team
// left) starts afresh.
func (w *world) checkMonotonic(d *device) error {
	rows, err := dumpTasks(w.ctx, d.ro, `1 = 1`)
	if err != nil {
		return err
	}
	if d.seen == nil {
		d.seen = map[string]map[string]string{}
	}
	for id := range d.seen {
		if _, ok := rows[id]; !ok {
			delete(d.seen, id)
		}
	}
	var refused map[string]bool
	for id, r := range rows {
		before := d.seen[id]
		for f, c := range r.clocks {
			if c >= before[f] {
				continue
			}
			if refused == nil {
				list, err := d.engine.Rejected(w.ctx)
				if err != nil {
					return err
				}
				refused = map[string]bool{}
				for _, rj := range list {
					refused[rj.RowID] = true
				}
			}
			if !refused[id] {
				return fmt.Errorf("monotonic reads: device %d's clock of %s.%s went back from %s to %s", d.idx, short(id), f, before[f], c)
			}
		}
		d.seen[id] = r.clocks
	}
	return nil
}

func joinTrace(trace []string) string { return strings.Join(trace, "\n") }
