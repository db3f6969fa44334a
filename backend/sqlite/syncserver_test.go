package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"sentry/backend/core"
)

// A stored value sync cannot read (bad JSON left by an old build) is left
// out of the row's feed entry; it does not fail every later pull of the
// scope.
func TestSyncFeedSurvivesAnUnreadableValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sentry.db")
	db := mustOpenAt(t, path)
	u := mustUser(t, db, "ana@example.com")
	task := &core.Task{UserID: u.ID, Title: "Still syncs", Status: "todo", Priority: "medium", TaskType: "task", Source: "sentry"}
	if err := db.CreateTask(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	other := &core.Task{UserID: u.ID, Title: "Clocks lost", Status: "todo", Priority: "medium", TaskType: "task", Source: "sentry"}
	if err := db.CreateTask(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE tasks SET tags = 'not json', field_clocks = '{broken' WHERE id = ?`, task.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE tasks SET field_clocks = '{broken' WHERE id = ?`, other.ID); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db = mustOpenAt(t, path)
	es, err := db.ReadFeed(context.Background(), u.ID, 0, 10, 1)
	if err != nil || len(es) != 2 || es[0].RowID != task.ID {
		t.Fatalf("feed %+v %v", es, err)
	}
	if _, ok := es[0].Fields["tags"]; ok || es[0].Fields["title"] != "Still syncs" || len(es[0].Clocks) != 0 {
		t.Fatalf("entry %+v", es[0])
	}
	// A local edit of a row whose clocks are unreadable still goes
	// through, and stamps its field.
	title := "Edited"
	if _, err := db.UpdateTask(context.Background(), other.ID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	es, err = db.ReadFeed(context.Background(), u.ID, es[1].Seq, 10, 1)
	if err != nil || len(es) != 1 || es[0].Fields["title"] != "Edited" || es[0].Clocks["title"] == "" {
		t.Fatalf("after an edit: %+v %v", es, err)
	}
}
