package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/sqlite"
	"sentry/sync/hlc"
)

// MustOpenDB opens a fresh database file in a temp dir.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	return mustOpenAt(tb, filepath.Join(tb.TempDir(), "sentry.db"))
}

func mustOpenAt(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{Clock: hlc.New(nil)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustUser(tb testing.TB, db *sqlite.DB, email string) *core.User {
	tb.Helper()
	u := &core.User{Email: email, FirstName: "Test", LastName: "User", PasswordHash: "x"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}

func newTask(userID, title string) *core.Task {
	return &core.Task{UserID: userID, Title: title, Status: core.StatusTodo, Priority: core.PriorityMedium,
		TaskType: core.TaskTypeTask, Source: core.SourceSentry, Attendees: []string{}, Tags: []string{}}
}

func TestOpenChecksVecAndPragmas(t *testing.T) {
	db := MustOpenDB(t)
	sv, vv := db.Versions()
	if sv == "" || vv == "" {
		t.Fatalf("versions: sqlite %q vec %q", sv, vv)
	}
	v, err := db.MigrationVersion(context.Background())
	if err != nil || v < 1 {
		t.Fatalf("migration version %d, %v", v, err)
	}
	if db.DeviceID == "" {
		t.Fatal("no device id")
	}
}

func TestReopenKeepsDataAndDevice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sentry.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := mustUser(t, db, "keep@example.com")
	task := newTask(u.ID, "survives a restart")
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	device := db.DeviceID
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2 := mustOpenAt(t, path)
	got, err := db2.FindTaskByID(ctx, task.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "survives a restart" || got.UserID != u.ID {
		t.Fatalf("after reopen: %+v", got)
	}
	if db2.DeviceID != device {
		t.Fatalf("device id changed across restarts: %s → %s", device, db2.DeviceID)
	}
}

func TestCreateUserDuplicateEmailConflict(t *testing.T) {
	db := MustOpenDB(t)
	mustUser(t, db, "dup@example.com")
	err := db.CreateUser(context.Background(), &core.User{Email: "DUP@example.com"})
	if core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("got %v, want conflict", err)
	}
}

func TestFindUserNotFound(t *testing.T) {
	db := MustOpenDB(t)
	if _, err := db.FindUserByID(context.Background(), "nope"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("got %v", err)
	}
	if _, err := db.FindUserByEmail(context.Background(), "nope@example.com"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("got %v", err)
	}
}

func TestTaskRoundTripAllColumns(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "cols@example.com")
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	est, act := 1.5, 2.0
	in := newTask(u.ID, "Planning")
	in.Description, in.TaskType, in.Priority = "Quarterly", core.TaskTypeMeeting, core.PriorityUrgent
	in.StartTime, in.EndTime, in.Deadline = &start, &end, &end
	in.Location, in.MeetingURL, in.Attendees = "Room 4", "https://meet.example/x", []string{"ana@example.com", "Bo"}
	in.EstimatedHours, in.ActualHours, in.CanDelegate, in.IsOptional = &est, &act, true, true
	in.IsRecurring, in.RecurrenceRule, in.Tags = true, "FREQ=WEEKLY", []string{"q4"}
	in.GoogleTaskID, in.GoogleTaskListID, in.ZoomMeetingID = "g1", "gl1", "z1"
	in.Evidence = map[string]any{"upload_id": "u1", "page": float64(3)}
	if err := db.CreateTask(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindTaskByID(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Description != "Quarterly" || got.TaskType != "meeting" || got.Priority != "urgent" ||
		!got.StartTime.Equal(start) || !got.EndTime.Equal(end) || got.Location != "Room 4" ||
		len(got.Attendees) != 2 || got.Attendees[1] != "Bo" || *got.EstimatedHours != 1.5 || *got.ActualHours != 2 ||
		!got.CanDelegate || !got.IsOptional || !got.IsRecurring || got.RecurrenceRule != "FREQ=WEEKLY" ||
		got.Tags[0] != "q4" || got.GoogleTaskID != "g1" || got.GoogleTaskListID != "gl1" || got.ZoomMeetingID != "z1" ||
		got.Evidence["page"] != float64(3) || got.Version != 1 {
		t.Fatalf("round trip lost data: %+v", got)
	}
}

// The store refuses a time it could not read back, whoever calls it, and
// the account stays readable.
func TestStoreRefusesTimesOutsideTheCalendar(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "far@example.com")
	far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("", -(23*3600+59*60)))
	in := newTask(u.ID, "Far")
	in.Deadline = &far
	if err := db.CreateTask(ctx, in); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("create with a year-10000 deadline: %v", err)
	}
	ok := newTask(u.ID, "Near")
	if err := db.CreateTask(ctx, ok); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateTask(ctx, ok.ID, core.TaskUpdate{Deadline: core.Patch[time.Time]{Set: true, Value: far}}, nil); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("update to a year-10000 deadline: %v", err)
	}
	if tasks, _, err := db.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Limit: 10}); err != nil || len(tasks) != 1 || tasks[0].Deadline != nil {
		t.Fatalf("after refusals: %v %v", tasks, err)
	}
}

func TestEveryWriteLogsAChangeInTheSameTransaction(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "log@example.com")
	task := newTask(u.ID, "first")
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	title := "second"
	if _, err := db.UpdateTask(ctx, task.ID, core.TaskUpdate{Title: &title}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteTask(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	changes, err := db.FindChanges(ctx, core.ChangeFilter{UserID: u.ID, Table: "tasks"})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 3 {
		t.Fatalf("got %d task changes, want 3", len(changes))
	}
	ops := []string{changes[0].Op, changes[1].Op, changes[2].Op}
	if ops[0] != "insert" || ops[1] != "update" || ops[2] != "delete" {
		t.Fatalf("ops %v", ops)
	}
	if changes[1].Fields["title"] != "second" || len(changes[1].Fields) != 1 {
		t.Fatalf("update fields %v, want only title", changes[1].Fields)
	}
	for i, c := range changes {
		if c.DeviceID != db.DeviceID || c.HLC == "" || c.RowID != task.ID {
			t.Fatalf("change %d incomplete: %+v", i, c)
		}
		if i > 0 && c.HLC <= changes[i-1].HLC {
			t.Fatalf("hlc not increasing: %s then %s", changes[i-1].HLC, c.HLC)
		}
	}
	// A failed write leaves neither the row nor a change behind.
	bad := newTask("no-such-user", "orphan")
	if err := db.CreateTask(ctx, bad); err == nil {
		t.Fatal("expected foreign key failure")
	}
	orphan, _ := db.FindChanges(ctx, core.ChangeFilter{UserID: "no-such-user"})
	if len(orphan) != 0 {
		t.Fatalf("a failed insert left %d change entries", len(orphan))
	}
}

func TestUpdateCheckRejectsWithoutWriting(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "chk@example.com")
	task := newTask(u.ID, "mine")
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	title := "hijacked"
	_, err := db.UpdateTask(ctx, task.ID, core.TaskUpdate{Title: &title}, func(*core.Task) error {
		return core.Errorf(core.ENOTFOUND, "Task not found.")
	})
	if core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("got %v", err)
	}
	got, _ := db.FindTaskByID(ctx, task.ID)
	if got.Title != "mine" || got.Version != 1 {
		t.Fatalf("rejected update was written: %+v", got)
	}
}

func TestUpdateCompletionFollowsStatus(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "done@example.com")
	task := newTask(u.ID, "finish")
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	done, todo := core.StatusDone, core.StatusTodo
	got, err := db.UpdateTask(ctx, task.ID, core.TaskUpdate{Status: &done}, nil)
	if err != nil || got.CompletedAt == nil || got.Version != 2 {
		t.Fatalf("complete: %+v %v", got, err)
	}
	got, err = db.UpdateTask(ctx, task.ID, core.TaskUpdate{Status: &todo}, nil)
	if err != nil || got.CompletedAt != nil {
		t.Fatalf("reopen: %+v %v", got, err)
	}
}

func TestDeletedTaskIsGone(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "del@example.com")
	task := newTask(u.ID, "bye")
	_ = db.CreateTask(ctx, task)
	if err := db.DeleteTask(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindTaskByID(ctx, task.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("find after delete: %v", err)
	}
	if err := db.DeleteTask(ctx, task.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
	list, _, _ := db.FindTasks(ctx, core.TaskFilter{UserID: u.ID})
	if len(list) != 0 {
		t.Fatalf("deleted task listed")
	}
}

func TestFindTasksPagesEverySortWithoutGapsOrRepeats(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "page@example.com")
	other := mustUser(t, db, "other@example.com")
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	prios := core.TaskPriorities()
	const n = 37
	for i := 0; i < n; i++ {
		task := newTask(u.ID, fmt.Sprintf("task %02d", i))
		task.Priority = prios[i%4]
		if i%5 != 0 { // some without a deadline
			d := base.Add(time.Duration((i*7)%n) * time.Hour)
			task.Deadline = &d
		}
		if err := db.CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	_ = db.CreateTask(ctx, newTask(other.ID, "not yours"))

	for _, sort := range []string{"deadline", "-deadline", "priority", "-priority", "created_at", "-created_at", "updated_at", "-updated_at"} {
		t.Run(sort, func(t *testing.T) {
			seen := map[string]bool{}
			var all []*core.Task
			cursor := ""
			for pages := 0; ; pages++ {
				page, next, err := db.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Sort: sort, Limit: 10, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, task := range page {
					if seen[task.ID] {
						t.Fatalf("task %s repeated", task.Title)
					}
					if task.UserID != u.ID {
						t.Fatalf("another user's task listed")
					}
					seen[task.ID] = true
					all = append(all, task)
				}
				if next == "" {
					break
				}
				cursor = next
				if pages > 10 {
					t.Fatal("too many pages")
				}
			}
			if len(all) != n {
				t.Fatalf("got %d tasks, want %d", len(all), n)
			}
			for i := 1; i < len(all); i++ {
				if cmp := compare(all[i-1], all[i], sort); cmp > 0 {
					t.Fatalf("out of order at %d: %s then %s", i, all[i-1].Title, all[i].Title)
				}
			}
		})
	}
}

func compare(a, b *core.Task, sort string) int {
	desc := sort[0] == '-'
	if desc {
		sort = sort[1:]
	}
	var c int
	switch sort {
	case "deadline":
		ka, kb := "9999", "9999"
		if a.Deadline != nil {
			ka = a.Deadline.Format(time.RFC3339)
		}
		if b.Deadline != nil {
			kb = b.Deadline.Format(time.RFC3339)
		}
		c = cmpStr(ka, kb)
	case "priority":
		c = core.PriorityRank(a.Priority) - core.PriorityRank(b.Priority)
	case "created_at":
		c = a.CreatedAt.Compare(b.CreatedAt)
	case "updated_at":
		c = a.UpdatedAt.Compare(b.UpdatedAt)
	}
	if c == 0 {
		c = cmpStr(a.ID, b.ID)
	}
	if desc {
		return -c
	}
	return c
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestFindTasksFilters(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "filter@example.com")
	d1 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	d2 := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	mk := func(title, status, source string, d *time.Time) {
		task := newTask(u.ID, title)
		task.Status, task.Source, task.Deadline = status, source, d
		task.Description = "notes about " + title
		if err := db.CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	mk("Send the budget report", core.StatusTodo, core.SourceSentry, &d1)
	mk("Book flights to Lisbon", core.StatusInProgress, core.SourceExtractedAudio, &d2)
	mk("Renew passport", core.StatusDone, core.SourceSentry, nil)

	cases := []struct {
		name string
		f    core.TaskFilter
		want []string
	}{
		{"status", core.TaskFilter{Statuses: []string{"todo"}}, []string{"Send the budget report"}},
		{"two statuses", core.TaskFilter{Statuses: []string{"todo", "done"}}, []string{"Send the budget report", "Renew passport"}},
		{"source", core.TaskFilter{Source: core.SourceExtractedAudio}, []string{"Book flights to Lisbon"}},
		{"due before", core.TaskFilter{DueBefore: &d1}, []string{"Send the budget report"}},
		{"due after", core.TaskFilter{DueAfter: ptr(d1.Add(time.Hour))}, []string{"Book flights to Lisbon"}},
		{"search word", core.TaskFilter{Query: "budget"}, []string{"Send the budget report"}},
		{"search prefix", core.TaskFilter{Query: "lisb"}, []string{"Book flights to Lisbon"}},
		{"search description", core.TaskFilter{Query: "notes passport"}, []string{"Renew passport"}},
		{"search syntax is inert", core.TaskFilter{Query: `budget"*:(^`}, []string{"Send the budget report"}},
		{"punctuation only", core.TaskFilter{Query: `"*:()`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.UserID, tc.f.Sort = u.ID, "deadline"
			got, _, err := db.FindTasks(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, task := range got {
				titles = append(titles, task.Title)
			}
			if fmt.Sprint(titles) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", titles, tc.want)
			}
		})
	}
	// Search follows title edits (FTS triggers).
	list, _, _ := db.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Query: "passport"})
	newTitle := "Renew driving licence"
	if _, err := db.UpdateTask(ctx, list[0].ID, core.TaskUpdate{Title: &newTitle}, nil); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := db.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Query: "licence"}); len(got) != 1 {
		t.Fatalf("search after rename found %d", len(got))
	}
}

func TestFindTasksRejectsForgedCursor(t *testing.T) {
	db := MustOpenDB(t)
	u := mustUser(t, db, "cur@example.com")
	for _, c := range []string{"!!!", "e30", "eyJzIjoiZGVhZGxpbmUiLCJ2Ijp7fSwiaSI6IngifQ"} {
		_, _, err := db.FindTasks(context.Background(), core.TaskFilter{UserID: u.ID, Cursor: c, Sort: "deadline"})
		if core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("cursor %q: got %v, want invalid", c, err)
		}
	}
}

func TestRefreshTokenRotateOnce(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := mustUser(t, db, "rt@example.com")
	old := &core.RefreshToken{UserID: u.ID, TokenHash: "h1", ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.CreateRefreshToken(ctx, old); err != nil {
		t.Fatal(err)
	}
	next := &core.RefreshToken{UserID: u.ID, FamilyID: old.FamilyID, TokenHash: "h2", ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.RotateRefreshToken(ctx, old.ID, next); err != nil {
		t.Fatal(err)
	}
	again := &core.RefreshToken{UserID: u.ID, FamilyID: old.FamilyID, TokenHash: "h3", ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.RotateRefreshToken(ctx, old.ID, again); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("second rotation: %v, want conflict", err)
	}
	if _, err := db.FindRefreshTokenByHash(ctx, "h3"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatal("losing rotation stored its token")
	}
	if err := db.RevokeRefreshFamily(ctx, old.FamilyID); err != nil {
		t.Fatal(err)
	}
	got, _ := db.FindRefreshTokenByHash(ctx, "h2")
	if got.RevokedAt == nil {
		t.Fatal("family not revoked")
	}
}

func ptr[T any](v T) *T { return &v }

// A store that reopens with its wall clock behind the clocks it already
// holds (a restarted server, a clock set back) resumes from the highest
// of them instead of issuing lower ones.
func TestReopenResumesClockFromStoredChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sentry.db")
	ctx := context.Background()
	ahead := time.Now().Add(time.Hour)
	db, err := sqlite.Open(ctx, path, sqlite.Options{Clock: hlc.New(func() time.Time { return ahead })})
	if err != nil {
		t.Fatal(err)
	}
	u := mustUser(t, db, "clock@example.com")
	task := newTask(u.ID, "written an hour ahead")
	if err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2 := mustOpenAt(t, path)
	changes, err := db2.FindChanges(ctx, core.ChangeFilter{UserID: u.ID, Limit: 100})
	if err != nil || len(changes) == 0 {
		t.Fatalf("changes: %d, %v", len(changes), err)
	}
	high := changes[len(changes)-1].HLC
	if next := db2.Clock.Now(); next <= high {
		t.Fatalf("reopened clock read %s, not after the stored %s", next, high)
	}
}
