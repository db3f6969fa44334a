package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"sentry/backend/core"
	"sentry/backend/sqlite"
)

// A user's live notebooks have distinct names, ignoring case; another
// user, or a deleted notebook, does not hold a name.
func TestNotebookNamesAreUniquePerUser(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	me, other := mustUser(t, db, "nb-me@example.com"), mustUser(t, db, "nb-other@example.com")
	create := func(u *core.User, name string) (*core.Notebook, error) {
		n := &core.Notebook{UserID: u.ID, Name: name}
		return n, db.CreateNotebook(ctx, n)
	}
	first, err := create(me, "Launch")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Launch", "LAUNCH", "launch"} {
		_, err := create(me, name)
		if core.ErrorCode(err) != core.ECONFLICT || core.ErrorField(err) != "name" || core.ErrorMessage(err) != `A notebook named "`+name+`" already exists; choose another name.` {
			t.Fatalf("second %q: %v", name, err)
		}
	}
	if _, err := create(other, "Launch"); err != nil {
		t.Fatalf("another user's notebook of the same name: %v", err)
	}
	if _, err := create(me, "Launch 2"); err != nil {
		t.Fatal(err)
	}
	list, err := db.FindNotebooks(ctx, me.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("notebooks after refused duplicates: %d %v", len(list), err)
	}
	// The refused inserts left no change log entry behind.
	changes, err := db.FindChanges(ctx, core.ChangeFilter{UserID: me.ID, Table: "notebooks"})
	if err != nil || len(changes) != 2 {
		t.Fatalf("change log: %d %v", len(changes), err)
	}
	// Deleting a notebook frees its name.
	if _, err := db.DeleteNotebook(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := create(me, "launch"); err != nil {
		t.Fatalf("name of a deleted notebook: %v", err)
	}
}

// The migration that made names unique renames the duplicates it finds
// ("Plans (2)", …) instead of failing or dropping any.
func TestNotebookNameMigrationRenamesDuplicates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sentry.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, sqlite.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, u := range []string{"u1", "u2"} {
		exec(`INSERT INTO users (id, email, created_at, updated_at) VALUES (?, ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`, u, u+"@example.com")
	}
	notebooks := []struct{ id, user, name, created, deleted string }{
		{"n0", "u1", "Plans (2)", "2026-01-01T00:00:00.000Z", ""},
		{"n1", "u1", "Plans", "2026-01-02T00:00:00.000Z", ""},
		{"n2", "u1", "plans", "2026-01-03T00:00:00.000Z", ""}, // its "(2)" is taken by n0
		{"n3", "u1", "Plans", "2026-01-04T00:00:00.000Z", ""},
		{"n4", "u1", "Plans", "2026-01-05T00:00:00.000Z", "2026-01-06T00:00:00.000Z"}, // deleted: left alone
		{"n5", "u2", "Plans", "2026-01-02T00:00:00.000Z", ""},                         // another user's
		{"n6", "u1", "Budget", "2026-01-02T00:00:00.000Z", ""},
		{"n7", "u1", "Budget", "2026-01-02T00:00:00.000Z", ""}, // same time: the id orders them
	}
	before := map[string]string{}
	for _, n := range notebooks {
		before[n.id] = n.name
		var deleted any
		if n.deleted != "" {
			deleted = n.deleted
		}
		exec(`INSERT INTO notebooks (id, user_id, name, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?)`, n.id, n.user, n.name, n.created, n.created, deleted)
	}
	exec(`INSERT INTO notebook_documents (id, user_id, notebook_id, upload_id, filename, kind, status, created_at, updated_at) VALUES ('d1', 'u1', 'n3', '', 'plan.pdf', 'pdf', 'ready', '2026-01-04T00:00:00.000Z', '2026-01-04T00:00:00.000Z')`)
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db := mustOpenAt(t, path) // applies the rest
	want := map[string]string{"n0": "Plans (2)", "n1": "Plans", "n2": "plans (n2)", "n3": "Plans (3)", "n4": "Plans", "n5": "Plans", "n6": "Budget", "n7": "Budget (2)"}
	for id, name := range want {
		var got string
		var version int
		if err := db.QueryRowForTest(`SELECT name, version FROM notebooks WHERE id = ?`, id).Scan(&got, &version); err != nil {
			t.Fatal(err)
		}
		renamed := name != before[id]
		if got != name || (version == 2) != renamed {
			t.Errorf("%s: %q version %d, want %q (renamed %v)", id, got, version, name, renamed)
		}
	}
	docs, err := db.FindNotebookDocuments(ctx, "n3")
	if err != nil || len(docs) != 1 {
		t.Fatalf("documents of a renamed notebook: %d %v", len(docs), err)
	}
	// And the index holds from now on.
	err = db.CreateNotebook(ctx, &core.Notebook{UserID: "u1", Name: "PLANS (3)"})
	if core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("after the migration: %v", err)
	}
}
