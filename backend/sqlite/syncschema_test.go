package sqlite_test

import (
	"sort"
	"strings"
	"testing"

	"sentry/sync/schema"
)

// sqliteOnly are the columns the store adds to a synced table beside the
// registry's: the per-field clocks the sync write path stamps.
var sqliteOnly = map[string]bool{"field_clocks": true}

// Every column of a synced table is in the sync registry (a field, local
// or synced, or bookkeeping), and every registry field is a column: a new
// column that sync does not know about fails here, not on a device.
func TestSyncedColumnsClassified(t *testing.T) {
	db := MustOpenDB(t)
	for _, tb := range schema.Tables {
		var cols string
		if err := db.QueryRowForTest(`SELECT ifnull(group_concat(name, ' '), '') FROM pragma_table_info(?)`, tb.Name).Scan(&cols); err != nil {
			t.Fatal(err)
		}
		have := strings.Fields(cols)
		if len(have) == 0 {
			t.Errorf("%s: no such table", tb.Name)
			continue
		}
		sort.Strings(have)
		known := map[string]bool{}
		for _, c := range tb.Columns() {
			known[c] = true
		}
		for _, c := range have {
			if sqliteOnly[c] {
				continue
			}
			if !known[c] {
				t.Errorf("%s.%s is not in sync/schema: add it as a field (LocalOnly if it is this device's state)", tb.Name, c)
			}
			delete(known, c)
		}
		for c := range known {
			t.Errorf("sync/schema lists %s.%s, which the table does not have", tb.Name, c)
		}
	}
}
