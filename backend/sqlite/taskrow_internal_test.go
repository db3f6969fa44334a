package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/sync/hlc"
)

func openTaskRowDB(tb testing.TB) (*DB, *core.User) {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "rows.db"), Options{Clock: hlc.New(nil)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	u := &core.User{Email: "rows@example.com", FirstName: "Row", LastName: "Reader", PasswordHash: "x"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return db, u
}

// A task read as one JSON array is the task read column by column, for
// every kind of value a column holds: text that JSON escapes (quotes,
// backslashes, control characters, characters beyond the BMP, U+2028),
// null and set times, reals that need 17 digits, both booleans, lists,
// evidence, and an edited task's version.
func TestTaskArrayReadsLikeColumns(t *testing.T) {
	db, u := openTaskRowDB(t)
	ctx := context.Background()
	third, tiny, big := 1.0/3, 1e-7, 9876.54321012345678
	when := time.Date(2026, 12, 5, 11, 12, 13, 456e6, time.UTC)
	later := when.Add(90 * time.Minute)
	odd := "quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f ctl \x01\x1f del \x7f <>& é ☃ 𝄞 \u2028\u2029 end"
	tasks := []*core.Task{
		{UserID: u.ID, Title: odd, Description: odd, Status: core.StatusTodo, Priority: core.PriorityMedium,
			TaskType: core.TaskTypeTask, Source: core.SourceSentry, Attendees: []string{odd, "b@example.com"}, Tags: []string{"x", "é\"\\\u2028"}},
		{UserID: u.ID, Title: "times and numbers", Status: core.StatusDone, Priority: core.PriorityUrgent,
			TaskType: core.TaskTypeMeeting, Source: core.SourceSentry, Deadline: &when, StartTime: &when, EndTime: &later,
			EstimatedHours: &third, ActualHours: &big, CanDelegate: true, IsOptional: true, IsRecurring: true,
			RecurrenceRule: "FREQ=WEEKLY", Location: "Room \"4\"", MeetingURL: "https://example.com/m?a=1&b=2",
			Evidence: map[string]any{"quote": odd, "n": 2.5, "list": []any{"a", nil, true}}, Attendees: []string{}, Tags: []string{}},
		{UserID: u.ID, Title: "tiny", Status: core.StatusInProgress, Priority: core.PriorityLow,
			TaskType: core.TaskTypeTask, Source: core.SourceSentry, EstimatedHours: &tiny, Attendees: []string{}, Tags: []string{}},
	}
	for _, tk := range tasks {
		if err := db.CreateTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	title := "edited " + odd
	if _, err := db.UpdateTask(ctx, tasks[2].ID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		want, err := findTask(ctx, db.read, tk.ID) // column by column
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.read.QueryContext(ctx, `SELECT `+taskArray()+` FROM tasks WHERE id = ?`, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatal("no row")
		}
		got, err := scanTaskArray(rows)
		rows.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read as an array:\n%+v\ncolumn by column:\n%+v", got, want)
		}
	}
	// The list reads the same tasks.
	page, _, err := db.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Sort: "created_at", Limit: 10})
	if err != nil || len(page) != len(tasks) {
		t.Fatalf("%d tasks, %v", len(page), err)
	}
	for _, got := range page {
		want, _ := findTask(ctx, db.read, got.ID)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("listed:\n%+v\nread alone:\n%+v", got, want)
		}
	}
}

// Values the stores never write are refused, not misread.
func TestArrayRowRefusesWhatItCannotRead(t *testing.T) {
	var s string
	var n int64
	var b bool
	var f sql.NullFloat64
	for _, tc := range []struct {
		row  string
		dest []any
	}{
		{`["a"`, []any{&s}},             // cut off
		{`["a","b"]`, []any{&s}},        // more values
		{`["a"]`, []any{&s, &s}},        // fewer
		{`[null]`, []any{&s}},           // null into text that is not null
		{`[2]`, []any{&b}},              // a bool that is not 0 or 1
		{`["1"]`, []any{&n}},            // text into a number
		{`[1.5]`, []any{&n}},            // a real into an integer
		{`["\q"]`, []any{&s}},           // an unknown escape
		{`["\u12"]`, []any{&s}},         // a short \u escape
		{`[1e999999999999]`, []any{&f}}, // out of range
		{`{"a":1}`, []any{&s}},          // not an array
	} {
		if err := (&arrayRow{s: tc.row}).Scan(tc.dest...); err == nil {
			t.Errorf("%s: read without an error", tc.row)
		}
	}
	// And what it reads: escapes, a surrogate pair, a lone surrogate as
	// U+FFFD (as encoding/json), numbers as text in a text column.
	var a, c, d string
	var e sql.NullString
	if err := (&arrayRow{s: `["\"\\\/\b\f\n\r\t\u00e9\ud834\udd1e","\ud834x",12,null]`}).Scan(&a, &c, &d, &e); err != nil {
		t.Fatal(err)
	}
	if a != "\"\\/\b\f\n\r\té𝄞" || c != "\uFFFDx" || d != "12" || e.Valid {
		t.Fatalf("%q %q %q %v", a, c, d, e)
	}
}

// BenchmarkListFirst50 lists the newest 50 of 1,000 tasks by status, as
// the mixed HTTP load does, reading rows column by column ("columns") or
// as one JSON array each ("array", what FindTasks does).
//
//	go test ./backend/sqlite -run '^$' -bench ListFirst50 -count 3
func BenchmarkListFirst50(b *testing.B) {
	db, u := openTaskRowDB(b)
	ctx := context.Background()
	statuses := []string{core.StatusTodo, core.StatusInProgress, core.StatusDone}
	when := time.Now().Add(48 * time.Hour)
	hours := 1.5
	for i := range 1000 {
		tk := &core.Task{UserID: u.ID, Title: fmt.Sprintf("Send the quarterly report to finance #%d", i),
			Description: "Numbers from the Q3 sheet, with the notes from Tuesday's review.", Status: statuses[i%3],
			Priority: core.PriorityHigh, TaskType: core.TaskTypeTask, Source: core.SourceSentry, Deadline: &when,
			EstimatedHours: &hours, Attendees: []string{}, Tags: []string{"finance", "q3"}}
		if err := db.CreateTask(ctx, tk); err != nil {
			b.Fatal(err)
		}
	}
	list := func(sel string, scan func(*sql.Rows) (*core.Task, error)) func(*testing.B) {
		return func(b *testing.B) {
			q := `SELECT ` + sel + ` FROM tasks WHERE user_id = ? AND team_id = '' AND deleted_at IS NULL AND status IN (?)
				ORDER BY created_at DESC, id DESC LIMIT 51`
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				rows, err := db.read.QueryContext(ctx, q, u.ID, statuses[i%3])
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					if _, err := scan(rows); err != nil {
						b.Fatal(err)
					}
					n++
				}
				rows.Close()
				if n != 51 {
					b.Fatalf("%d rows", n)
				}
			}
		}
	}
	b.Run("columns", list(taskColumns, func(r *sql.Rows) (*core.Task, error) { return scanTask(r) }))
	b.Run("array", list(taskArray(), scanTaskArray))
}
