package sqlite

import (
	"encoding/json"
	"strconv"
	"strings"

	"sentry/sync/schema"
)

// Field clocks on disk.
//
// A synced row's field_clocks column holds a JSON object of field name to
// "<hlc>@<device>". Most rows have one clock on most fields (an insert
// stamps every synced field with the same one), and written out in full
// that is about 2 KB of a task's 2.5 KB row: one task to a 4 KB page, which
// every list and every insert then reads or writes. So the store writes the
// clock that most fields share once, under the key "*<v>" — "every field
// synced at schema version v that has no key of its own" — and names only
// the fields whose clock differs:
//
//	{"*2":"0001796453046630-000000@dev-a","title":"0001796453051200-000001@dev-b"}
//
// The version keeps the meaning fixed when later versions add fields: a
// field added after the row was written has no clock (the zero clock) until
// a write stamps it, as with the full form. DecodeFieldClocks expands either
// form to the full map; every reader of the column goes through it, and
// writers may write either form.

// clockDefaultPrefix starts the key of the shared clock.
const clockDefaultPrefix = "*"

// syncedByVersion lists each synced table's synced field names at each
// schema version from 1 to schema.Version.
var syncedByVersion = func() map[string][][]string {
	m := map[string][][]string{}
	for _, t := range schema.Tables {
		vs := make([][]string, schema.Version+1)
		for v := 1; v <= schema.Version; v++ {
			for _, f := range t.Synced(v) {
				vs[v] = append(vs[v], f.Name)
			}
		}
		m[t.Name] = vs
	}
	return m
}()

// syncedNow is each synced table's synced fields at this schema version.
var syncedNow = func() map[string]map[string]bool {
	m := map[string]map[string]bool{}
	for t, vs := range syncedByVersion {
		m[t] = map[string]bool{}
		for _, f := range vs[schema.Version] {
			m[t][f] = true
		}
	}
	return m
}()

// syncedAt returns a table's synced field names at schema version v (a
// version newer than this build's is read as this build's).
func syncedAt(table string, v int) []string {
	vs := syncedByVersion[table]
	if len(vs) == 0 || v < 1 {
		return nil
	}
	if v >= len(vs) {
		v = len(vs) - 1
	}
	return vs[v]
}

// DecodeFieldClocks reads a field_clocks value of a row of table into the
// full map of field to clock. An empty value is no clocks.
func DecodeFieldClocks(table, raw string) (map[string]string, error) {
	m := map[string]string{}
	if raw == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, err
	}
	if m == nil {
		return map[string]string{}, nil
	}
	for k, c := range m {
		if !strings.HasPrefix(k, clockDefaultPrefix) {
			continue
		}
		delete(m, k)
		v, err := strconv.Atoi(k[len(clockDefaultPrefix):])
		if err != nil {
			continue // not a key this code wrote: no field is named so
		}
		for _, f := range syncedAt(table, v) {
			if _, own := m[f]; !own {
				m[f] = c
			}
		}
	}
	return m, nil
}

// encodeFieldClocks writes clocks in the short form when every field synced
// at this schema version has a clock and at least two share one; otherwise
// (a row with fields never stamped) in full.
func encodeFieldClocks(table string, clocks map[string]string) ([]byte, error) {
	names := syncedAt(table, schema.Version)
	shared, n := "", 0
	if len(names) > 1 {
		counts := make(map[string]int, 4)
		for _, f := range names {
			c, ok := clocks[f]
			if !ok {
				n = 0
				break
			}
			counts[c]++
			if k := counts[c]; k > n {
				shared, n = c, k
			}
		}
	}
	if n < 2 || shared == "" {
		return json.Marshal(clocks)
	}
	listed := syncedNow[table]
	out := make(map[string]string, len(clocks)-n+1)
	for f, c := range clocks {
		// A field outside the synced list keeps its own key even with
		// the shared clock: only the listed fields take the shared one.
		if c != shared || !listed[f] {
			out[f] = c
		}
	}
	out[clockDefaultPrefix+strconv.Itoa(schema.Version)] = shared
	return json.Marshal(out)
}
