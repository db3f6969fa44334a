package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sentry/backend/core"
	"sentry/backend/sqlite"
	"sentry/sync/schema"
)

// A task's field clocks are written short: the clock most fields share once
// under "*<schema version>", the others by name; read back they are every
// synced field's clock, as the full form was.
func TestFieldClocksShortForm(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sentry.db")
	db := mustOpenAt(t, path)
	u := mustUser(t, db, "clocks@example.com")
	task := newTask(u.ID, "clocked")
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	stored := func() (string, map[string]string) {
		t.Helper()
		var s string
		if err := raw.QueryRow(`SELECT field_clocks FROM tasks WHERE id = ?`, task.ID).Scan(&s); err != nil {
			t.Fatal(err)
		}
		m, err := sqlite.DecodeFieldClocks("tasks", s)
		if err != nil {
			t.Fatal(err)
		}
		return s, m
	}
	tb, _ := schema.Lookup("tasks")
	synced := tb.Synced(schema.Version)

	s, m := stored()
	var short map[string]string
	if err := json.Unmarshal([]byte(s), &short); err != nil {
		t.Fatal(err)
	}
	key := "*" + strconv.Itoa(schema.Version)
	if len(short) != 1 || short[key] == "" {
		t.Fatalf("an inserted task's clocks are stored as %s, want only %q", s, key)
	}
	if len(m) != len(synced) {
		t.Fatalf("read back %d clocks, want one for each of %d synced fields: %v", len(m), len(synced), m)
	}
	for _, f := range synced {
		if m[f.Name] != short[key] {
			t.Fatalf("field %s reads clock %q, want the shared %q", f.Name, m[f.Name], short[key])
		}
	}

	title := "edited"
	if _, err := db.UpdateTask(ctx, task.ID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	s, m2 := stored()
	if err := json.Unmarshal([]byte(s), &short); err != nil {
		t.Fatal(err)
	}
	if len(short) != 2 || short["title"] == "" || short[key] != m["status"] {
		t.Fatalf("after a title edit the clocks are stored as %s, want the shared clock and title's own", s)
	}
	for _, f := range synced {
		want := m[f.Name]
		if f.Name == "title" || f.Name == "updated_at" {
			continue
		}
		if m2[f.Name] != want {
			t.Fatalf("field %s: clock %q after a title edit, want %q unchanged", f.Name, m2[f.Name], want)
		}
	}
	if !(m2["title"] > m["title"]) || !strings.HasSuffix(m2["title"], "@"+db.DeviceID) {
		t.Fatalf("title's clock %q does not follow %q on this device", m2["title"], m["title"])
	}
}

// The shared clock of an older schema version covers only the fields that
// version synced: a field added later has no clock until it is written.
// A key this code did not write names no field.
func TestDecodeFieldClocksByVersion(t *testing.T) {
	tb, _ := schema.Lookup("tasks")
	for v := 1; v <= schema.Version; v++ {
		m, err := sqlite.DecodeFieldClocks("tasks", `{"*`+strconv.Itoa(v)+`":"c1@d","title":"c2@e","*x":"c3@f"}`)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range tb.Fields {
			got, ok := m[f.Name]
			switch {
			case f.Name == "title":
				if got != "c2@e" {
					t.Fatalf("v%d: title's own clock read as %q", v, got)
				}
			case f.LocalOnly || f.Since > v:
				if ok {
					t.Fatalf("v%d: field %s (since %d, local %v) took the shared clock", v, f.Name, f.Since, f.LocalOnly)
				}
			case got != "c1@d":
				t.Fatalf("v%d: field %s read %q, want the shared clock", v, f.Name, got)
			}
		}
		for k := range m {
			if strings.HasPrefix(k, "*") {
				t.Fatalf("v%d: key %q kept in the decoded clocks", v, k)
			}
		}
	}
	// The full form reads as it is; empty is no clocks; bad JSON fails.
	m, err := sqlite.DecodeFieldClocks("tasks", `{"title":"a@b","status":"c@d"}`)
	if err != nil || len(m) != 2 || m["title"] != "a@b" || m["status"] != "c@d" {
		t.Fatalf("full form read as %v, %v", m, err)
	}
	if m, err := sqlite.DecodeFieldClocks("tasks", ""); err != nil || len(m) != 0 {
		t.Fatalf("empty read as %v, %v", m, err)
	}
	if _, err := sqlite.DecodeFieldClocks("tasks", "{broken"); err == nil {
		t.Fatal("broken clocks read without an error")
	}
}
