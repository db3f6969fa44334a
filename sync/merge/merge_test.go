package merge

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"pgregory.net/rapid"
)

// draw picks a number in [0, n); rapid and math/rand both drive it.
type draw func(n int, label string) int

var fieldNames = []string{"title", "status", "deadline"}

// history is what a server received: patches in arrival order, produced by
// devices that edit what they last pulled, push their outbox in order and
// pull the server's state, with clock readings that may tie across
// devices (the device id breaks the tie).
type history struct {
	patches []Patch
	server  Row
	serverC []Conflict
}

func clock(t int, device int) string { return fmt.Sprintf("%016d-%06d@d%d", t, 0, device) }

// genHistory plays a random schedule through m (the server's merge).
func genHistory(m merger, d draw) history {
	devices := 2 + d(3, "devices")
	type device struct {
		local  Row
		outbox []Patch
		last   int // its clock's last reading
	}
	devs := make([]*device, devices)
	for i := range devs {
		devs[i] = &device{local: Row{Fields: map[string]any{}, Clocks: map[string]string{}}}
	}
	var h history
	h.server = Row{Fields: map[string]any{}, Clocks: map[string]string{}}
	apply := func(p Patch) {
		var cs []Conflict
		var seen []Seen
		h.server, cs, seen = m.merge(h.server, p)
		h.serverC = record(h.serverC, cs, seen)
		h.patches = append(h.patches, p)
	}
	steps := 1 + d(25, "steps")
	for s := 0; s < steps; s++ {
		i := d(devices, "device")
		dv := devs[i]
		switch d(3, "op") {
		case 0: // edit one to three fields
			// A hybrid clock: past everything this device has seen, so
			// readings of two devices that have not met may be equal.
			seen := dv.last
			for _, c := range dv.local.Clocks {
				var t int
				fmt.Sscanf(c, "%016d", &t)
				seen = max(seen, t)
			}
			dv.last = seen + 1 + d(2, "skip")
			p := Patch{Fields: map[string]any{}, Clocks: map[string]string{}, Base: map[string]string{}}
			for _, f := range fieldNames {
				if d(2, "touch "+f) == 1 || len(p.Fields) == 0 && f == fieldNames[len(fieldNames)-1] {
					p.Fields[f] = fmt.Sprintf("v%d", d(3, "value"))
					p.Clocks[f] = clock(dv.last, i)
					p.Base[f] = dv.local.Clocks[f]
				}
			}
			dv.local = mustMerge(dv.local, p)
			dv.outbox = append(dv.outbox, p)
		case 1: // push the outbox, in order
			for _, p := range dv.outbox {
				apply(p)
			}
			dv.outbox = nil
		case 2: // pull: the server's state with the unpushed edits on top
			dv.local = h.server
			for _, p := range dv.outbox {
				dv.local = mustMerge(dv.local, p)
			}
		}
	}
	for _, dv := range devs {
		for _, p := range dv.outbox {
			apply(p)
		}
	}
	return h
}

// checkHistory replays the server's patches through m in other orders and
// checks the laws: the state is independent of order, duplication and
// batching; the conflicts are independent of any causal order; replays
// are no-ops; unmentioned fields are untouched; no written clock is lost.
func checkHistory(m merger, h history, d draw) error {
	empty := Row{Fields: map[string]any{}, Clocks: map[string]string{}}
	// Any order, with duplicates.
	order := make([]int, 0, 2*len(h.patches))
	for i := range h.patches {
		order = append(order, i)
		if d(4, "dup") == 0 {
			order = append(order, i)
		}
	}
	for i := len(order) - 1; i > 0; i-- {
		j := d(i+1, "shuffle")
		order[i], order[j] = order[j], order[i]
	}
	st := empty
	for _, i := range order {
		before := st
		st, _, _ = m.merge(st, h.patches[i])
		for f := range before.Fields {
			if _, touched := h.patches[i].Fields[f]; !touched && (!Equal(st.Fields[f], before.Fields[f]) || st.Clocks[f] != before.Clocks[f]) {
				return fmt.Errorf("patch %d changed field %s it does not mention", i, f)
			}
		}
	}
	if !sameRow(st, h.server) {
		return fmt.Errorf("a different delivery order converged elsewhere:\n got  %v\n want %v", st, h.server)
	}
	// A causal order: an edit after the write it replaced.
	writer := map[string]int{} // field+clock -> patch index
	for i, p := range h.patches {
		for f, c := range p.Clocks {
			writer[f+c] = i
		}
	}
	done := make([]bool, len(h.patches))
	st, conflicts := empty, []Conflict(nil)
	for n := 0; n < len(h.patches); n++ {
		var ready []int
		for i, p := range h.patches {
			if done[i] {
				continue
			}
			ok := true
			for f, b := range p.Base {
				if w, known := writer[f+b]; b != "" && known && !done[w] {
					ok = false
				}
			}
			if ok {
				ready = append(ready, i)
			}
		}
		if len(ready) == 0 {
			return fmt.Errorf("no causal order exists (a patch's base was never written before it)")
		}
		i := ready[d(len(ready), "ready")]
		done[i] = true
		var cs []Conflict
		var seen []Seen
		st, cs, seen = m.merge(st, h.patches[i])
		conflicts = record(conflicts, cs, seen)
	}
	if !sameRow(st, h.server) {
		return fmt.Errorf("a causal order converged elsewhere")
	}
	if got, want := conflictSet(conflicts), conflictSet(h.serverC); !reflect.DeepEqual(got, want) {
		return fmt.Errorf("conflicts depend on delivery order:\n got  %v\n want %v", got, want)
	}
	// Replaying anything again leaves the state as it is. (Its conflicts
	// are not replay-safe by themselves: a store applies each change id
	// once, which is what makes a whole push idempotent.)
	for i := range h.patches {
		if again, _, _ := m.merge(h.server, h.patches[i]); !sameRow(again, h.server) {
			return fmt.Errorf("replaying patch %d changed the state", i)
		}
	}
	// No written clock is lost: each is final or beaten by the final one.
	for _, p := range h.patches {
		for f, c := range p.Clocks {
			if final := h.server.Clocks[f]; final < c {
				return fmt.Errorf("write %s=%v@%s lost to older %s", f, p.Fields[f], c, final)
			}
		}
	}
	return nil
}

func sameRow(a, b Row) bool {
	if len(a.Fields) != len(b.Fields) || !reflect.DeepEqual(a.Clocks, b.Clocks) {
		return false
	}
	for f, v := range a.Fields {
		if !Equal(v, b.Fields[f]) {
			return false
		}
	}
	return true
}

// record keeps conflicts as a store does: each loser once, withdrawn when
// a later writer shows it had seen that value.
func record(all, add []Conflict, seen []Seen) []Conflict {
	all = append(all, add...)
	for _, sn := range seen {
		kept := all[:0]
		for _, c := range all {
			if c.Field != sn.Field || c.Loser.Clock != sn.Clock {
				kept = append(kept, c)
			}
		}
		all = kept
	}
	return all
}

// conflictSet is the set of losers: a conflict is identified by its field
// and losing clock (a store keeps it once), whichever value beat it.
func conflictSet(cs []Conflict) []string {
	out := make([]string, 0, len(cs))
	seen := map[string]bool{}
	for _, c := range cs {
		k := fmt.Sprintf("%s lost %v@%s", c.Field, c.Loser.Value, c.Loser.Clock)
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func rapidDraw(t *rapid.T) draw {
	return func(n int, label string) int { return rapid.IntRange(0, n-1).Draw(t, label) }
}

func TestMergeLaws(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapidDraw(t)
		h := genHistory(merger{}, d)
		if err := checkHistory(merger{}, h, d); err != nil {
			t.Fatal(err)
		}
	})
}

// The laws are only worth something if they fail on a broken merge: each
// deliberately broken build is caught within a few hundred schedules.
func TestMergeLawsCatchBrokenMerges(t *testing.T) {
	for name, broken := range map[string]merger{
		"last push wins":                        {lastPushWins: true},
		"no device tie-break":                   {noTieBreak: true},
		"conflicts named by arrival, not clock": {arrivalConflicts: true},
	} {
		t.Run(name, func(t *testing.T) {
			for seed := uint64(1); seed <= 2000; seed++ {
				r := rand.New(rand.NewPCG(seed, seed))
				d := func(n int, _ string) int { return r.IntN(n) }
				h := genHistory(broken, d)
				if err := checkHistory(broken, h, d); err != nil {
					t.Logf("caught at seed %d: %v", seed, err)
					return
				}
			}
			t.Fatal("the laws did not catch this broken merge in 2000 schedules")
		})
	}
}

func TestConcurrentAndSequentialEdits(t *testing.T) {
	base := Row{Fields: map[string]any{"title": "Call Dana", "status": "todo"}, Clocks: map[string]string{"title": clock(10, 1), "status": clock(10, 1)}}
	a := Patch{Fields: map[string]any{"title": "Call Dana today"}, Clocks: map[string]string{"title": clock(20, 1)}, Base: map[string]string{"title": clock(10, 1)}}
	b := Patch{Fields: map[string]any{"title": "Email Dana"}, Clocks: map[string]string{"title": clock(20, 2)}, Base: map[string]string{"title": clock(10, 1)}}
	// Concurrent: both edited the same value; the higher clock (device 2
	// breaks the tie) wins and the loser is kept, whichever came first.
	for _, order := range [][]Patch{{a, b}, {b, a}} {
		st, all := base, []Conflict(nil)
		for _, p := range order {
			var cs []Conflict
			var seen []Seen
			st, cs, seen = Merge(st, p)
			all = record(all, cs, seen)
		}
		if st.Fields["title"] != "Email Dana" || st.Fields["status"] != "todo" || len(all) != 1 ||
			all[0].Loser.Value != "Call Dana today" || all[0].Winner.Value != "Email Dana" {
			t.Fatalf("order %v: %v %v", order, st, all)
		}
	}
	// Sequential: b' was made after seeing a; nothing is lost, no conflict.
	seq := Patch{Fields: map[string]any{"title": "Email Dana"}, Clocks: map[string]string{"title": clock(30, 2)}, Base: map[string]string{"title": clock(20, 1)}}
	st, cs, _ := Merge(base, a)
	st, cs2, _ := Merge(st, seq)
	if st.Fields["title"] != "Email Dana" || len(cs)+len(cs2) != 0 {
		t.Fatalf("sequential edit: %v %v %v", st, cs, cs2)
	}
	// A write replaced unseen, then the replacement replaced by someone
	// who had seen the first: only the unseen replacement is lost.
	w := Patch{Fields: map[string]any{"title": "W"}, Clocks: map[string]string{"title": clock(40, 1)}, Base: map[string]string{"title": clock(10, 1)}}
	z := Patch{Fields: map[string]any{"title": "Z"}, Clocks: map[string]string{"title": clock(41, 2)}, Base: map[string]string{"title": clock(10, 1)}}
	y := Patch{Fields: map[string]any{"title": "Y"}, Clocks: map[string]string{"title": clock(42, 3)}, Base: map[string]string{"title": clock(40, 1)}}
	for _, order := range [][]Patch{{w, z, y}, {w, y, z}, {z, w, y}} {
		st, all := base, []Conflict(nil)
		for _, p := range order {
			var add []Conflict
			var seen []Seen
			st, add, seen = Merge(st, p)
			all = record(all, add, seen)
		}
		if got := conflictSet(all); st.Fields["title"] != "Y" || len(got) != 1 || got[0] != "title lost Z@"+clock(41, 2) {
			t.Fatalf("order %v: %v %v", order, st.Fields, got)
		}
	}
	// An older write arriving late loses and is kept.
	late := Patch{Fields: map[string]any{"status": "done"}, Clocks: map[string]string{"status": clock(5, 3)}, Base: map[string]string{"status": ""}}
	st, cs, _ = Merge(base, late)
	if st.Fields["status"] != "todo" || len(cs) != 1 || cs[0].Loser.Value != "done" {
		t.Fatalf("late older write: %v %v", st, cs)
	}
	// Merge never changes its input.
	if base.Fields["title"] != "Call Dana" {
		t.Fatal("input row changed")
	}
}

func mustMerge(r Row, p Patch) Row { out, _, _ := Merge(r, p); return out }

func BenchmarkMergeField(b *testing.B) {
	cur := Row{Fields: map[string]any{"title": "a", "status": "todo", "deadline": nil}, Clocks: map[string]string{"title": clock(1, 1), "status": clock(1, 1), "deadline": clock(1, 1)}}
	p := Patch{Fields: map[string]any{"title": "b", "status": "done", "deadline": "2026-12-01T17:00:00.000Z"},
		Clocks: map[string]string{"title": clock(2, 2), "status": clock(2, 2), "deadline": clock(2, 2)},
		Base:   map[string]string{"title": clock(1, 1), "status": clock(1, 1), "deadline": clock(1, 1)}}
	b.ReportAllocs()
	for b.Loop() {
		Merge(cur, p)
	}
	b.ReportMetric(float64(b.N*len(p.Fields))/b.Elapsed().Seconds(), "fields/s")
}
