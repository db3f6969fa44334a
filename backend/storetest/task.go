package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
)

func testTaskRoundTrip(t *testing.T, s Stores) {
	u := mustUser(t, s, "cols@example.com")
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	est, act := 1.5, 2.0
	in := newTask(u.ID, "Planning")
	in.Description, in.TaskType, in.Priority, in.Status = "Quarterly\nplanning", core.TaskTypeMeeting, core.PriorityUrgent, core.StatusInProgress
	in.Source, in.SourceID = core.SourceExtractedAudio, "upload-1"
	in.StartTime, in.EndTime, in.Deadline = &start, &end, &end
	in.Location, in.MeetingURL, in.Attendees = "Room 4", "https://meet.example/x", []string{"ana@example.com", "Bo"}
	in.EstimatedHours, in.ActualHours, in.CanDelegate, in.IsOptional = &est, &act, true, true
	in.IsRecurring, in.RecurrenceRule, in.Tags = true, "FREQ=WEEKLY", []string{"q4", "Ünïcode"}
	in.ParentID = ghostID
	in.GoogleTaskID, in.GoogleTaskListID, in.ZoomMeetingID = "g1", "gl1", "z1"
	in.Evidence = map[string]any{"upload_id": "u1", "page": float64(3), "nested": map[string]any{"b": []any{"x", float64(2)}, "a": true}}
	mustTask(t, s, in)
	if !core.ValidID(in.ID) || in.Version != 1 || !isMs(in.CreatedAt) || !in.UpdatedAt.Equal(in.CreatedAt) {
		t.Fatalf("created: %+v", in)
	}
	got, err := s.Tasks.FindTaskByID(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != u.ID || got.Title != "Planning" || got.Description != "Quarterly\nplanning" || got.TaskType != "meeting" ||
		got.Priority != "urgent" || got.Status != "in_progress" || got.Source != core.SourceExtractedAudio || got.SourceID != "upload-1" ||
		!got.StartTime.Equal(start) || !got.EndTime.Equal(end) || !got.Deadline.Equal(end) || got.Location != "Room 4" ||
		got.MeetingURL != in.MeetingURL || fmt.Sprint(got.Attendees) != "[ana@example.com Bo]" || *got.EstimatedHours != 1.5 ||
		*got.ActualHours != 2 || !got.CanDelegate || !got.IsOptional || !got.IsRecurring || got.RecurrenceRule != "FREQ=WEEKLY" ||
		fmt.Sprint(got.Tags) != "[q4 Ünïcode]" || got.ParentID != ghostID || got.GoogleTaskID != "g1" || got.GoogleTaskListID != "gl1" ||
		got.ZoomMeetingID != "z1" || fmt.Sprint(got.Evidence) != fmt.Sprint(in.Evidence) || got.Version != 1 ||
		!got.CreatedAt.Equal(in.CreatedAt) || !got.UpdatedAt.Equal(in.UpdatedAt) || got.CompletedAt != nil || got.DeletedAt != nil {
		t.Fatalf("round trip lost data:\n got %+v\nwant %+v", got, in)
	}
	for _, tm := range []*time.Time{got.StartTime, got.EndTime, got.Deadline, &got.CreatedAt, &got.UpdatedAt} {
		if tm.Location() != time.UTC {
			t.Fatalf("time not in UTC: %v", tm)
		}
	}
	// Empty lists and no evidence come back empty, not nil or {}.
	bare := mustTask(t, s, &core.Task{UserID: u.ID, Title: "Bare", Status: core.StatusTodo, Priority: core.PriorityLow,
		TaskType: core.TaskTypeTask, Source: core.SourceManual})
	got, err = s.Tasks.FindTaskByID(ctx, bare.ID)
	if err != nil || got.Attendees == nil || got.Tags == nil || len(got.Attendees)+len(got.Tags) != 0 || got.Evidence != nil ||
		got.EstimatedHours != nil || got.Deadline != nil {
		t.Fatalf("bare task: %+v %v", got, err)
	}
	// Every field of an update is written.
	title, desc, loc, tags := "Planning v2", "", "Room 5", []string{}
	est2 := 0.0
	upd, err := s.Tasks.UpdateTask(ctx, in.ID, core.TaskUpdate{Title: &title, Description: &desc, Location: &loc, Tags: &tags,
		EstimatedHours: core.Patch[float64]{Set: true, Value: est2}, ActualHours: core.Patch[float64]{Set: true, Null: true},
		Deadline: core.Patch[time.Time]{Set: true, Null: true}, Evidence: &map[string]any{"k": "v"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err = s.Tasks.FindTaskByID(ctx, in.ID)
	if err != nil || got.Title != title || got.Description != "" || got.Location != loc || len(got.Tags) != 0 || *got.EstimatedHours != 0 ||
		got.ActualHours != nil || got.Deadline != nil || got.Evidence["k"] != "v" || len(got.Evidence) != 1 || got.Version != 2 ||
		!got.UpdatedAt.Equal(upd.UpdatedAt) || !got.CreatedAt.Equal(in.CreatedAt) || got.UpdatedAt.Before(got.CreatedAt) {
		t.Fatalf("after update: %+v %v", got, err)
	}
	// An update that changes nothing writes nothing.
	same, err := s.Tasks.UpdateTask(ctx, in.ID, core.TaskUpdate{Title: &title}, nil)
	if err != nil || same.Version != 2 {
		t.Fatalf("no-op update: %+v %v", same, err)
	}
}

// Every store keeps times to the millisecond, in UTC, whatever the zone
// and precision they came in.
func testTaskTimePrecision(t *testing.T, s Stores) {
	u := mustUser(t, s, "ms@example.com")
	zone := time.FixedZone("", 5*3600+45*60)
	d := time.Date(2026, 3, 29, 1, 30, 15, 123_456_789, zone)
	in := newTask(u.ID, "precise")
	in.Deadline = &d
	mustTask(t, s, in)
	got, err := s.Tasks.FindTaskByID(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := d.UTC().Truncate(time.Millisecond)
	if !got.Deadline.Equal(want) || got.Deadline.Location() != time.UTC || got.Deadline.Nanosecond() != 123_000_000 {
		t.Fatalf("deadline %v, want %v", got.Deadline, want)
	}
	if !isMs(got.CreatedAt) || !isMs(got.UpdatedAt) {
		t.Fatalf("stamps not to the millisecond: %v %v", got.CreatedAt, got.UpdatedAt)
	}
	// Filters compare at the same precision: due before the exact instant
	// (with its microseconds) includes the task.
	list, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, DueBefore: &d, DueAfter: &d})
	if err != nil || len(list) != 1 {
		t.Fatalf("due between the deadline and itself: %d %v", len(list), err)
	}
	done := core.StatusDone
	upd, err := s.Tasks.UpdateTask(ctx, in.ID, core.TaskUpdate{Status: &done}, nil)
	if err != nil || upd.CompletedAt == nil || !isMs(*upd.CompletedAt) {
		t.Fatalf("completed at: %+v %v", upd, err)
	}
	if got, _ := s.Tasks.FindTaskByID(ctx, in.ID); !got.CompletedAt.Equal(*upd.CompletedAt) || !got.UpdatedAt.Equal(upd.UpdatedAt) {
		t.Fatalf("returned %v/%v, stored %v/%v", upd.CompletedAt, upd.UpdatedAt, got.CompletedAt, got.UpdatedAt)
	}
}

// The first and last accepted instants round-trip; one millisecond outside
// is invalid in every store, on create and on update, and nothing is written.
func testTaskTimeEdges(t *testing.T, s Stores) {
	u := mustUser(t, s, "edge@example.com")
	first, last := core.MinTime, core.MaxTime.Add(-time.Millisecond)
	for _, tm := range []time.Time{first, last, last.In(time.FixedZone("", -(23*3600 + 59*60)))} {
		in := newTask(u.ID, "edge")
		in.Deadline = &tm
		mustTask(t, s, in)
		got, err := s.Tasks.FindTaskByID(ctx, in.ID)
		if err != nil || !got.Deadline.Equal(tm) {
			t.Fatalf("deadline %v came back %v (%v)", tm, got.Deadline, err)
		}
	}
	ok := mustTask(t, s, newTask(u.ID, "near"))
	far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("", -(23*3600+59*60)))
	for _, tm := range []time.Time{first.Add(-time.Millisecond), core.MaxTime, far, time.Time{}} {
		in := newTask(u.ID, "outside")
		in.Deadline = &tm
		wantCode(t, fmt.Sprintf("create with deadline %v", tm), s.Tasks.CreateTask(ctx, in), core.EINVALID)
		_, err := s.Tasks.UpdateTask(ctx, ok.ID, core.TaskUpdate{Deadline: core.Patch[time.Time]{Set: true, Value: tm}}, nil)
		wantCode(t, fmt.Sprintf("update to deadline %v", tm), err, core.EINVALID)
	}
	list, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Query: "near outside"})
	if err != nil || len(list) != 0 {
		t.Fatalf("refused writes left rows: %d %v", len(list), err)
	}
	if got, _ := s.Tasks.FindTaskByID(ctx, ok.ID); got.Deadline != nil || got.Version != 1 {
		t.Fatalf("refused update was written: %+v", got)
	}
	// Sorting by deadline puts the edges in order, undated last.
	list, _, err = s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Sort: "deadline"})
	if err != nil || len(list) != 4 || !list[0].Deadline.Equal(first) || list[3].Deadline != nil {
		t.Fatalf("deadline order at the edges: %v", err)
	}
}

// Hostile text in any task field is invalid in every store, never
// internal; control and bidi characters are cleaned the same way.
func testTaskHostileText(t *testing.T, s Stores) {
	u := mustUser(t, s, "hostile@example.com")
	ok := mustTask(t, s, newTask(u.ID, "fine"))
	setters := map[string]func(*core.Task, string){
		"title":           func(x *core.Task, v string) { x.Title = v },
		"description":     func(x *core.Task, v string) { x.Description = v },
		"location":        func(x *core.Task, v string) { x.Location = v },
		"meeting_url":     func(x *core.Task, v string) { x.MeetingURL = v },
		"source_id":       func(x *core.Task, v string) { x.SourceID = v },
		"parent_id":       func(x *core.Task, v string) { x.ParentID = v },
		"attendees":       func(x *core.Task, v string) { x.Attendees = []string{"ok", v} },
		"tags":            func(x *core.Task, v string) { x.Tags = []string{v} },
		"google_task_id":  func(x *core.Task, v string) { x.GoogleTaskID = v },
		"zoom_meeting_id": func(x *core.Task, v string) { x.ZoomMeetingID = v },
		"evidence value":  func(x *core.Task, v string) { x.Evidence = map[string]any{"s": []any{v}} },
		"evidence key":    func(x *core.Task, v string) { x.Evidence = map[string]any{v: 1.0} },
	}
	for field, set := range setters {
		for _, h := range hostile {
			in := newTask(u.ID, "t")
			set(in, h.s)
			wantCode(t, h.name+" in "+field, s.Tasks.CreateTask(ctx, in), core.EINVALID)
		}
	}
	for _, h := range hostile {
		v := h.s
		_, err := s.Tasks.UpdateTask(ctx, ok.ID, core.TaskUpdate{Title: &v}, nil)
		wantCode(t, "update title with "+h.name, err, core.EINVALID)
		_, err = s.Tasks.UpdateTask(ctx, ok.ID, core.TaskUpdate{GoogleTaskID: &v}, nil)
		wantCode(t, "update google id with "+h.name, err, core.EINVALID)
		_, err = s.Tasks.UpdateTask(ctx, ok.ID, core.TaskUpdate{Evidence: &map[string]any{"k": v}}, nil)
		wantCode(t, "update evidence with "+h.name, err, core.EINVALID)
	}
	// Too long is invalid; the longest allowed is stored whole.
	long := newTask(u.ID, strings.Repeat("é", core.MaxTitleLen+1))
	wantCode(t, "long title", s.Tasks.CreateTask(ctx, long), core.EINVALID)
	long = newTask(u.ID, "t")
	long.Description = huge(core.MaxDescriptionLen + 1)
	wantCode(t, "long description", s.Tasks.CreateTask(ctx, long), core.EINVALID)
	max := newTask(u.ID, strings.Repeat("é", core.MaxTitleLen))
	max.Description = strings.Repeat("ü", core.MaxDescriptionLen)
	max.Location = huge(core.MaxShortField)
	mustTask(t, s, max)
	if got, err := s.Tasks.FindTaskByID(ctx, max.ID); err != nil || got.Title != max.Title || got.Description != max.Description {
		t.Fatalf("longest allowed task: %v", err)
	}
	// One long word is searchable by its start.
	word := newTask(u.ID, "word")
	word.Description = huge(core.MaxDescriptionLen)
	mustTask(t, s, word)
	if list, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Query: "xxxxxxxx"}); err != nil || len(list) != 1 {
		t.Fatalf("search for a long word's start: %d %v", len(list), err)
	}
	clean := newTask(u.ID, "a\x01b\u202ec\u200fd\te")
	clean.Description = "line\none\x07\ttab"
	mustTask(t, s, clean)
	got, err := s.Tasks.FindTaskByID(ctx, clean.ID)
	if err != nil || got.Title != "abcd e" || got.Description != "line\none\ttab" {
		t.Fatalf("cleaned text: %q %q %v", got.Title, got.Description, err)
	}
	// Hostile search text and cursors are inert.
	for _, h := range hostile {
		if _, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Query: h.s}); err != nil {
			t.Fatalf("search for %s: %v", h.name, err)
		}
		_, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Cursor: h.s})
		wantCode(t, "cursor with "+h.name, err, core.EINVALID)
	}
}

func testTaskNotFound(t *testing.T, s Stores) {
	u := mustUser(t, s, "nf@example.com")
	for _, id := range []string{ghostID, "nope", "", "\x00", "\xff"} {
		_, err := s.Tasks.FindTaskByID(ctx, id)
		wantCode(t, "find "+id, err, core.ENOTFOUND, "Task not found.")
		_, err = s.Tasks.UpdateTask(ctx, id, core.TaskUpdate{Title: ptr("x")}, nil)
		wantCode(t, "update "+id, err, core.ENOTFOUND, "Task not found.")
		wantCode(t, "delete "+id, s.Tasks.DeleteTask(ctx, id), core.ENOTFOUND, "Task not found.")
	}
	for _, uid := range []string{ghostID, "no-such-user"} {
		wantCode(t, "task of a missing user", s.Tasks.CreateTask(ctx, newTask(uid, "orphan")), core.ENOTFOUND, "User not found.")
	}
	if list, next, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: ghostID}); err != nil || len(list) != 0 || next != "" {
		t.Fatalf("tasks of nobody: %v %q %v", list, next, err)
	}
	if list, _, _ := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID}); list == nil {
		t.Fatal("an empty page must be an empty list, not nil")
	}
}

// Ownership is the features' rule, but a store runs their check inside the
// write and lists only the user's own tasks.
func testTaskOwnership(t *testing.T, s Stores) {
	u := mustUser(t, s, "own@example.com")
	other := mustUser(t, s, "notown@example.com")
	task := mustTask(t, s, newTask(u.ID, "mine"))
	mustTask(t, s, newTask(other.ID, "theirs"))
	_, err := s.Tasks.UpdateTask(ctx, task.ID, core.TaskUpdate{Title: ptr("hijacked")}, func(cur *core.Task) error {
		if cur.UserID != other.ID {
			return core.Errorf(core.ENOTFOUND, "Task not found.")
		}
		return nil
	})
	wantCode(t, "check refused", err, core.ENOTFOUND)
	if got, _ := s.Tasks.FindTaskByID(ctx, task.ID); got.Title != "mine" || got.Version != 1 {
		t.Fatalf("refused update was written: %+v", got)
	}
	var seen *core.Task
	if _, err := s.Tasks.UpdateTask(ctx, task.ID, core.TaskUpdate{Title: ptr("renamed")}, func(cur *core.Task) error { c := *cur; seen = &c; return nil }); err != nil {
		t.Fatal(err)
	}
	if seen == nil || seen.Title != "mine" || seen.UserID != u.ID {
		t.Fatalf("check saw %+v", seen)
	}
	for _, who := range []*core.User{u, other} {
		list, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: who.ID})
		if err != nil || len(list) != 1 || list[0].UserID != who.ID {
			t.Fatalf("%s's list: %v %v", who.Email, list, err)
		}
	}
}

func testTaskCompletion(t *testing.T, s Stores) {
	u := mustUser(t, s, "done@example.com")
	task := mustTask(t, s, newTask(u.ID, "finish"))
	done, todo := core.StatusDone, core.StatusTodo
	got, err := s.Tasks.UpdateTask(ctx, task.ID, core.TaskUpdate{Status: &done}, nil)
	if err != nil || got.CompletedAt == nil || got.Version != 2 {
		t.Fatalf("complete: %+v %v", got, err)
	}
	got, err = s.Tasks.UpdateTask(ctx, task.ID, core.TaskUpdate{Status: &todo}, nil)
	if err != nil || got.CompletedAt != nil || got.Version != 3 {
		t.Fatalf("reopen: %+v %v", got, err)
	}
	bad := "finished"
	_, err = s.Tasks.UpdateTask(ctx, task.ID, core.TaskUpdate{Status: &bad}, nil)
	wantCode(t, "unknown status", err, core.EINVALID)
	neg := core.Patch[float64]{Set: true, Value: -1}
	_, err = s.Tasks.UpdateTask(ctx, task.ID, core.TaskUpdate{EstimatedHours: neg}, nil)
	wantCode(t, "negative hours", err, core.EINVALID)
}

func testTaskDelete(t *testing.T, s Stores) {
	u := mustUser(t, s, "del@example.com")
	task := mustTask(t, s, newTask(u.ID, "bye"))
	if err := s.Tasks.DeleteTask(ctx, task.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.Tasks.FindTaskByID(ctx, task.ID)
	wantCode(t, "find after delete", err, core.ENOTFOUND)
	wantCode(t, "second delete", s.Tasks.DeleteTask(ctx, task.ID), core.ENOTFOUND)
	_, err = s.Tasks.UpdateTask(ctx, task.ID, core.TaskUpdate{Title: ptr("back")}, nil)
	wantCode(t, "update after delete", err, core.ENOTFOUND)
	if list, _, _ := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID}); len(list) != 0 {
		t.Fatal("deleted task listed")
	}
	if list, _, _ := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Query: "bye"}); len(list) != 0 {
		t.Fatal("deleted task found by search")
	}
}

func testFindTasksPaging(t *testing.T, s Stores) {
	u := mustUser(t, s, "page@example.com")
	other := mustUser(t, s, "other@example.com")
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	prios := core.TaskPriorities()
	const n = 37
	for i := 0; i < n; i++ {
		task := newTask(u.ID, fmt.Sprintf("task %02d", i))
		task.Priority = prios[i%4]
		if i%5 != 0 { // some without a deadline, several sharing one
			d := base.Add(time.Duration((i*7)%11) * time.Hour)
			task.Deadline = &d
		}
		mustTask(t, s, task)
		if i%3 == 0 { // updated_at differs from created_at order
			if _, err := s.Tasks.UpdateTask(ctx, task.ID, core.TaskUpdate{Description: ptr("touched")}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	mustTask(t, s, newTask(other.ID, "not yours"))
	for _, sort := range []string{"deadline", "-deadline", "priority", "-priority", "created_at", "-created_at", "updated_at", "-updated_at", "created", "-updated"} {
		t.Run(sort, func(t *testing.T) {
			seen := map[string]bool{}
			var all []*core.Task
			cursor := ""
			for pages := 0; ; pages++ {
				page, next, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Sort: sort, Limit: 10, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				if next != "" && len(page) != 10 {
					t.Fatalf("short page %d with a next cursor", len(page))
				}
				for _, task := range page {
					if seen[task.ID] {
						t.Fatalf("task %s repeated", task.Title)
					}
					if task.UserID != u.ID {
						t.Fatal("another user's task listed")
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
				if compare(all[i-1], all[i], sort) > 0 {
					t.Fatalf("out of order at %d: %s then %s", i, all[i-1].Title, all[i].Title)
				}
			}
		})
	}
	// The default is newest first.
	list, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Limit: n})
	if err != nil || len(list) != n || compare(list[0], list[1], "-created_at") > 0 {
		t.Fatalf("default order: %v", err)
	}
	for _, bad := range []core.TaskFilter{{UserID: u.ID, Sort: "title"}, {UserID: u.ID, Limit: core.MaxTaskLimit + 1}, {UserID: u.ID, Limit: -1},
		{UserID: u.ID, Statuses: []string{"nope"}}} {
		_, _, err := s.Tasks.FindTasks(ctx, bad)
		wantCode(t, fmt.Sprintf("filter %+v", bad), err, core.EINVALID)
	}
}

// compare orders two tasks as a sort does: by its key (undated last for
// deadline), then by id; "-" reverses both.
func compare(a, b *core.Task, sort string) int {
	desc := strings.HasPrefix(sort, "-")
	sort = strings.TrimPrefix(sort, "-")
	var c int
	switch sort {
	case "deadline":
		far := time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)
		ka, kb := far, far
		if a.Deadline != nil {
			ka = *a.Deadline
		}
		if b.Deadline != nil {
			kb = *b.Deadline
		}
		c = ka.Compare(kb)
	case "priority":
		c = core.PriorityRank(a.Priority) - core.PriorityRank(b.Priority)
	case "created_at", "created":
		c = a.CreatedAt.Compare(b.CreatedAt)
	case "updated_at", "updated":
		c = a.UpdatedAt.Compare(b.UpdatedAt)
	}
	if c == 0 {
		c = strings.Compare(a.ID, b.ID)
	}
	if desc {
		return -c
	}
	return c
}

func testFindTasksFilters(t *testing.T, s Stores) {
	u := mustUser(t, s, "filter@example.com")
	d1 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	d2 := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	mk := func(title, status, source, typ string, d *time.Time) *core.Task {
		task := newTask(u.ID, title)
		task.Status, task.Source, task.Deadline, task.TaskType = status, source, d, typ
		task.Description = "notes about " + title
		if typ == core.TaskTypeMeeting {
			task.StartTime, task.EndTime = ptr(d.Add(-time.Hour)), d
		}
		return mustTask(t, s, task)
	}
	mk("Send the budget report", core.StatusTodo, core.SourceSentry, core.TaskTypeTask, &d1)
	mk("Book flights to Lisbon", core.StatusInProgress, core.SourceExtractedAudio, core.TaskTypeMeeting, &d2)
	renew := mk("Renew passport", core.StatusDone, core.SourceSentry, core.TaskTypeTask, nil)
	mk("Café crème with ana@example.com re: e-mail", core.StatusCancelled, core.SourceManual, core.TaskTypeTask, nil)
	after := time.Now().Add(-time.Hour)

	cases := []struct {
		name string
		f    core.TaskFilter
		want []string
	}{
		{"status", core.TaskFilter{Statuses: []string{"todo"}}, []string{"Send the budget report"}},
		{"two statuses", core.TaskFilter{Statuses: []string{"todo", "done"}}, []string{"Send the budget report", "Renew passport"}},
		{"source", core.TaskFilter{Source: core.SourceExtractedAudio}, []string{"Book flights to Lisbon"}},
		{"type", core.TaskFilter{TaskType: core.TaskTypeMeeting}, []string{"Book flights to Lisbon"}},
		{"due before", core.TaskFilter{DueBefore: &d1}, []string{"Send the budget report"}},
		{"due after", core.TaskFilter{DueAfter: ptr(d1.Add(time.Hour))}, []string{"Book flights to Lisbon"}},
		{"updated after", core.TaskFilter{UpdatedAfter: &after, Statuses: []string{"todo"}}, []string{"Send the budget report"}},
		{"search word", core.TaskFilter{Query: "budget"}, []string{"Send the budget report"}},
		{"search any case", core.TaskFilter{Query: "BUDGET Report"}, []string{"Send the budget report"}},
		{"search prefix", core.TaskFilter{Query: "lisb"}, []string{"Book flights to Lisbon"}},
		{"search every word", core.TaskFilter{Query: "budget lisbon"}, nil},
		{"search description", core.TaskFilter{Query: "notes passport"}, []string{"Renew passport"}},
		{"search folds accents", core.TaskFilter{Query: "cafe creme"}, []string{"Café crème with ana@example.com re: e-mail"}},
		{"search accented query", core.TaskFilter{Query: "CRÈME"}, []string{"Café crème with ana@example.com re: e-mail"}},
		{"search inside an address", core.TaskFilter{Query: "example"}, []string{"Café crème with ana@example.com re: e-mail"}},
		{"search a hyphenated part", core.TaskFilter{Query: "mail"}, []string{"Café crème with ana@example.com re: e-mail"}},
		{"search syntax is inert", core.TaskFilter{Query: `budget"*:(^ & | ! <-> '`}, []string{"Send the budget report"}},
		{"punctuation only", core.TaskFilter{Query: `"*:()&|!'`}, nil},
		{"no match", core.TaskFilter{Query: "zebra"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.UserID, tc.f.Sort = u.ID, "deadline"
			got, _, err := s.Tasks.FindTasks(ctx, tc.f)
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
	// Search follows title edits.
	if _, err := s.Tasks.UpdateTask(ctx, renew.ID, core.TaskUpdate{Title: ptr("Renew driving licence")}, nil); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Query: "licence"}); len(got) != 1 {
		t.Fatalf("search after rename found %d", len(got))
	}
	if got, _, _ := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Query: "renew passport"}); len(got) != 1 {
		t.Fatalf("the description still says passport: found %d", len(got))
	}
}

func testFindTasksCursor(t *testing.T, s Stores) {
	u := mustUser(t, s, "cur@example.com")
	for i := 0; i < 3; i++ {
		mustTask(t, s, newTask(u.ID, fmt.Sprint("t", i)))
	}
	_, next, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Sort: "deadline", Limit: 1})
	if err != nil || next == "" {
		t.Fatalf("first page: %q %v", next, err)
	}
	if page, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Sort: "deadline", Limit: 1, Cursor: next}); err != nil || len(page) != 1 {
		t.Fatalf("second page: %v", err)
	}
	_, _, err = s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Sort: "priority", Cursor: next})
	wantCode(t, "cursor of another sort", err, core.EINVALID)
	for _, c := range []string{"!!!", "e30", "eyJzIjoiZGVhZGxpbmUiLCJ2Ijp7fSwiaSI6IngifQ",
		// {"s":"deadline","v":"soon","i":"x"}: not a time
		"eyJzIjoiZGVhZGxpbmUiLCJ2Ijoic29vbiIsImkiOiJ4In0",
		// {"s":"deadline","v":5,"i":"x"}: a number for a time
		"eyJzIjoiZGVhZGxpbmUiLCJ2Ijo1LCJpIjoieCJ9",
		// {"s":"deadline","v":"9999999-01-01T00:00:00Z","i":"x"}
		"eyJzIjoiZGVhZGxpbmUiLCJ2IjoiOTk5OTk5OS0wMS0wMVQwMDowMDowMFoiLCJpIjoieCJ9",
		huge(5000)} {
		_, _, err := s.Tasks.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Cursor: c, Sort: "deadline"})
		wantCode(t, "cursor "+c[:min(len(c), 20)], err, core.EINVALID)
	}
}
