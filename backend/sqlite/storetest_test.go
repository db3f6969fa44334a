package sqlite_test

import (
	"testing"

	"sentry/backend/storetest"
)

// The conformance suite every store runs (the Postgres store runs it too).
func TestStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		db := MustOpenDB(t)
		return storetest.Stores{Users: db, Accounts: db, Tasks: db, Changes: db, Workloads: db, Extractions: db, Uploads: db,
			Integrations: db, Notebooks: db, Teams: db, Sync: db, DeviceID: db.DeviceID}
	})
}
