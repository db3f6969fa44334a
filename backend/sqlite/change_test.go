package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/sync/hlc"
)

// A local edit of a field whose clock is ahead of this device's (its
// writer's clock was beyond what Observe accepts) still sorts after the
// value it replaces, so it is not lost to it without a conflict.
func TestLocalEditSortsAfterAFieldClockAheadOfTheDevice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sentry.db")
	ctx := context.Background()
	db := mustOpenAt(t, path)
	u := mustUser(t, db, "drift@example.com")
	task := newTask(u.ID, "written by a device ahead")
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ahead := hlc.Timestamp{Wall: time.Now().Add(10 * time.Minute).UnixMilli(), Logical: 3}.String() + "@other-device"
	clocks := func() map[string]string {
		t.Helper()
		var s string
		if err := raw.QueryRow(`SELECT field_clocks FROM tasks WHERE id = ?`, task.ID).Scan(&s); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := clocks()
	m["title"] = ahead
	b, _ := json.Marshal(m)
	if _, err := raw.Exec(`UPDATE tasks SET field_clocks = ? WHERE id = ?`, string(b), task.ID); err != nil {
		t.Fatal(err)
	}

	title := "edited by a device behind"
	if _, err := db.UpdateTask(ctx, task.ID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	got := clocks()["title"]
	h, dev, _ := strings.Cut(got, "@")
	if h <= strings.SplitN(ahead, "@", 2)[0] || dev != db.DeviceID {
		t.Fatalf("the edit's clock %s does not sort after the replaced %s under this device %s", got, ahead, db.DeviceID)
	}
	if _, err := hlc.Parse(h); err != nil {
		t.Fatal(err)
	}
}
