package sqlite_test

import (
	"testing"

	"sentry/sync/schema"
)

// A row pulled from another device sets its synced fields only: every
// device-only column it needs (NOT NULL without a default) must have an
// arrival value in the registry, or the row is skipped on every device but
// the one that made it (as extraction runs were).
func TestSyncedRowsArriveWithTheirDeviceOnlyColumns(t *testing.T) {
	db := MustOpenDB(t)
	for _, tb := range schema.Tables {
		for _, f := range tb.Fields {
			if !f.LocalOnly || f.Arrival != nil {
				continue
			}
			var needs int
			if err := db.QueryRowForTest(`SELECT count(*) FROM pragma_table_info(?) WHERE name = ? AND "notnull" = 1 AND dflt_value IS NULL`,
				tb.Name, f.Name).Scan(&needs); err != nil {
				t.Fatal(err)
			}
			if needs != 0 {
				t.Errorf("%s.%s is device-only, NOT NULL and has no default: give it an arrival value in sync/schema", tb.Name, f.Name)
			}
		}
	}
}
