// Package merge is the one merge of synced rows: per-field last writer
// wins on field clocks, with concurrent overwrites recorded as conflicts.
// It is pure (no I/O, standard library only) so the SQLite store, the
// Postgres store, the sync server, the desktop client and the simulator all
// merge with the same code.
//
// A field clock is "<hlc>@<device_id>". The hlc part is fixed width, so
// plain string order is (hlc, device) order: the device id breaks ties
// between equal clock readings of two devices, and every pair of writes
// has exactly one winner. The empty string is the zero clock.
//
// The merge of a row's state is commutative, associative and idempotent:
// the final state does not depend on delivery order, duplication or
// batching. The conflict records do not depend on delivery order either,
// for any order in which an edit arrives after the value it replaced (the
// server's order: an editor can only have seen a value the server sent).
package merge

import (
	"bytes"
	"encoding/json"
	"sort"
)

// Row is the synced state of one row: each field's value and its clock.
// Values are JSON values as decoded with json.Decoder.UseNumber (string,
// json.Number, bool, nil, []any, map[string]any).
type Row struct {
	Fields map[string]any    `json:"fields"`
	Clocks map[string]string `json:"clocks"`
}

// Patch is one device's write to some fields of a row: the new values,
// their clocks, and for each field the clock of the value the editor had
// before the edit (base) — what tells a concurrent overwrite from a
// sequential one.
type Patch struct {
	Fields map[string]any    `json:"fields"`
	Clocks map[string]string `json:"clocks"`
	Base   map[string]string `json:"base"`
}

// Value is a field's value with its clock.
type Value struct {
	Value any    `json:"value"`
	Clock string `json:"clock"`
}

// Conflict records a concurrent overwrite of one field: a write that was
// replaced by someone who had not seen it, so its value may be lost. The
// loser is kept so a person can bring it back. A conflict is identified by
// its row, field and losing clock; a store keeps each once.
type Conflict struct {
	Field  string `json:"field"`
	Winner Value  `json:"winner"`
	Loser  Value  `json:"loser"`
}

// Seen names a field value a patch's writer had seen (its base): a
// conflict recorded for that value is withdrawn, since someone replaced
// it knowingly after all. With the withdrawals applied, the set of
// conflicts is the same for every order in which each edit arrives after
// the value it replaced.
type Seen struct {
	Field string `json:"field"`
	Clock string `json:"clock"`
}

// Merge applies in over cur and returns the merged row (cur is not
// changed), the writes the patch showed to be overwritten unseen, and the
// values its writer had seen. Fields the patch does not mention are never
// touched; a clock the row already holds for a field is a duplicate and
// changes nothing. Two writers who wrote the same value still make a
// conflict record (the set must not depend on order); a view hides those
// whose loser equals the value the row ends with.
//
// The state is idempotent by itself. A superseded patch merged a second
// time would be judged against the row as it is now, so stores apply each
// change id once — which is what makes a whole push idempotent.
func Merge(cur Row, in Patch) (Row, []Conflict, []Seen) {
	return active().merge(cur, in)
}

// merger holds switches that break the merge on purpose, so the tests can
// show that the properties catch a broken build. The zero value is the
// correct merge.
type merger struct {
	lastPushWins     bool // take every incoming value, whatever its clock
	noTieBreak       bool // compare only the hlc part: equal readings of two devices tie
	arrivalConflicts bool // name the later arrival the loser, not the lower clock
}

func (m merger) merge(cur Row, in Patch) (Row, []Conflict, []Seen) {
	out := Row{Fields: make(map[string]any, len(cur.Fields)+len(in.Fields)), Clocks: make(map[string]string, len(cur.Clocks)+len(in.Clocks))}
	for f, v := range cur.Fields {
		out.Fields[f] = v
	}
	for f, c := range cur.Clocks {
		out.Clocks[f] = c
	}
	var conflicts []Conflict
	seen := make([]Seen, 0, len(in.Base))
	var order [8]string
	for _, f := range sortedKeys(in.Fields, order[:0]) {
		v, c := in.Fields[f], in.Clocks[f]
		have, haveClock := out.Fields[f], out.Clocks[f]
		if c == haveClock {
			continue // a duplicate delivery
		}
		if b := in.Base[f]; b != "" {
			seen = append(seen, Seen{Field: f, Clock: b})
		}
		concurrent := in.Base[f] != haveClock && haveClock != ""
		incoming, current := Value{v, c}, Value{have, haveClock}
		if m.newer(c, haveClock) {
			out.Fields[f], out.Clocks[f] = v, c
			if concurrent {
				conflicts = append(conflicts, m.conflict(f, incoming, current, incoming))
			}
		} else if concurrent {
			conflicts = append(conflicts, m.conflict(f, current, incoming, incoming))
		}
	}
	return out, conflicts, seen
}

func (m merger) newer(a, b string) bool {
	switch {
	case m.lastPushWins:
		return true
	case m.noTieBreak:
		return hlcPart(a) > hlcPart(b)
	}
	return a > b
}

// conflict names winner and loser; the broken arrival-order variant names
// the later arrival the loser, whatever the clocks say.
func (m merger) conflict(f string, winner, loser Value, incoming Value) Conflict {
	if m.arrivalConflicts && loser != incoming {
		winner, loser = loser, winner
	}
	return Conflict{Field: f, Winner: winner, Loser: loser}
}

func hlcPart(c string) string {
	for i := 0; i < len(c); i++ {
		if c[i] == '@' {
			return c[:i]
		}
	}
	return c
}

// Newer reports whether clock a beats clock b.
func Newer(a, b string) bool { return a > b }

// Equal compares two JSON values by their canonical encoding (object keys
// sorted, numbers as written), so a value read back from either store
// compares equal to the one written.
func Equal(a, b any) bool {
	ea, err1 := json.Marshal(a)
	eb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

func sortedKeys(m map[string]any, keys []string) []string {
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
