package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
)

// Every stored field of core.Task (core.TaskFields) reads back as it was
// written, by a create and by an update that sets every field TaskUpdate
// has: a field added to the type is held here without being named. The
// fields the two tasks below leave empty are filled by kind, except those
// a personal, open task has none of.
func testTaskEveryField(t *testing.T, s Stores) {
	u := mustUser(t, s, "fields@example.com")
	in := everyFieldTask(t, u.ID, 1)
	mustTask(t, s, in)
	got, err := s.Tasks.FindTaskByID(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameTaskFields(t, "created", got, in, nil)

	next := everyFieldTask(t, u.ID, 2)
	var upd core.TaskUpdate
	set := map[string]bool{}
	uv, ut := reflect.ValueOf(&upd).Elem(), reflect.TypeFor[core.TaskUpdate]()
	for i := range ut.NumField() {
		name, _, _ := strings.Cut(ut.Field(i).Tag.Get("json"), ",")
		f := core.TaskFieldNamed(name)
		if f == nil {
			continue
		}
		v := reflect.ValueOf(f.Addr(next)).Elem() // the task's field
		dst := uv.Field(i)
		switch {
		case dst.Kind() == reflect.Pointer && dst.Type().Elem() == v.Type():
			p := reflect.New(v.Type())
			p.Elem().Set(v)
			dst.Set(p)
		case dst.Kind() == reflect.Struct && dst.FieldByName("Set").IsValid() && v.Kind() == reflect.Pointer:
			dst.FieldByName("Set").SetBool(true)
			if v.IsNil() {
				dst.FieldByName("Null").SetBool(true)
			} else {
				dst.FieldByName("Value").Set(v.Elem())
			}
		default:
			t.Fatalf("TaskUpdate.%s (%s) has type %s, which this test cannot set from Task's %s", ut.Field(i).Name, name, dst.Type(), v.Type())
		}
		set[name] = true
	}
	if _, err := s.Tasks.UpdateTask(ctx, in.ID, upd, nil); err != nil {
		t.Fatal(err)
	}
	got, err = s.Tasks.FindTaskByID(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameTaskFields(t, "updated", got, next, set)
}

// everyFieldTask is a valid personal task with every field set: variant 1
// and 2 differ in each.
func everyFieldTask(t *testing.T, userID string, variant int) *core.Task {
	t.Helper()
	start := time.Date(2026, 12, variant, 9, 0, 0, 0, time.UTC)
	end := start.Add(time.Duration(variant) * time.Hour)
	est, act := 1.5*float64(variant), 0.25*float64(variant)
	task := &core.Task{UserID: userID, Title: fmt.Sprintf("Planning %d", variant), Description: fmt.Sprintf("Quarterly\nplanning %d", variant),
		Status: []string{core.StatusInProgress, core.StatusTodo}[variant%2], Priority: []string{core.PriorityUrgent, core.PriorityLow}[variant%2],
		TaskType: []string{core.TaskTypeMeeting, core.TaskTypeTask}[variant%2], Source: []string{core.SourceExtractedAudio, core.SourceManual}[variant%2],
		SourceID: fmt.Sprintf("upload-%d", variant), Deadline: &end, StartTime: &start, EndTime: &end,
		Location: fmt.Sprintf("Room %d", variant), MeetingURL: fmt.Sprintf("https://meet.example/%d", variant),
		Attendees: []string{"ana@example.com", fmt.Sprint("Bo ", variant)}, EstimatedHours: &est, ActualHours: &act,
		CanDelegate: variant == 1, IsOptional: variant == 2, IsRecurring: true, RecurrenceRule: fmt.Sprintf("FREQ=WEEKLY;INTERVAL=%d", variant),
		Tags: []string{"q4", fmt.Sprint("Ünïcode ", variant)}, ParentID: ghostID,
		GoogleTaskID: fmt.Sprint("g", variant), GoogleTaskListID: fmt.Sprint("gl", variant), ZoomMeetingID: fmt.Sprint("z", variant),
		Evidence: map[string]any{"upload_id": fmt.Sprint("u", variant), "page": float64(variant), "nested": map[string]any{"a": true}}}
	// None for a personal task that is not done.
	leftEmpty := map[string]bool{"team_id": true, "assignee_id": true, "completed_at": true}
	for i := range core.TaskFields {
		f := &core.TaskFields[i]
		if !f.Logged || leftEmpty[f.Name] || !reflect.ValueOf(f.Addr(task)).Elem().IsZero() {
			continue
		}
		switch f.Kind {
		case core.KindString:
			*f.String(task) = fmt.Sprintf("%s %d", f.Name, variant)
		case core.KindBool:
			*f.Bool(task) = variant == 1
		case core.KindFloatPtr:
			v := float64(variant) + 0.5
			*f.FloatPtr(task) = &v
		case core.KindTimePtr:
			v := start.Add(time.Duration(variant) * time.Minute)
			*f.TimePtr(task) = &v
		case core.KindStrings:
			*f.Strings(task) = []string{f.Name, fmt.Sprint(variant)}
		case core.KindMap:
			*f.Map(task) = map[string]any{f.Name: float64(variant)}
		default:
			t.Fatalf("core.Task.%s: no value of its kind for this test", f.GoName)
		}
	}
	return task
}

// sameTaskFields fails unless got holds want's value in every logged field
// (only those in names, when names is not nil).
func sameTaskFields(t *testing.T, what string, got, want *core.Task, names map[string]bool) {
	t.Helper()
	for i := range core.TaskFields {
		f := &core.TaskFields[i]
		if !f.Logged || (names != nil && !names[f.Name]) {
			continue
		}
		g, w := reflect.ValueOf(f.Addr(got)).Elem().Interface(), reflect.ValueOf(f.Addr(want)).Elem().Interface()
		same := false
		switch f.Kind {
		case core.KindTimePtr:
			gt, wt := g.(*time.Time), w.(*time.Time)
			same = (gt == nil && wt == nil) || (gt != nil && wt != nil && gt.Equal(*wt))
		case core.KindFloatPtr:
			gf, wf := g.(*float64), w.(*float64)
			same = (gf == nil && wf == nil) || (gf != nil && wf != nil && *gf == *wf)
		default:
			same = fmt.Sprint(g) == fmt.Sprint(w)
		}
		if !same {
			t.Errorf("%s task: %s (core.Task.%s) reads back %s, was written %s", what, f.Name, f.GoName, show(g), show(w))
		}
	}
}

func show(v any) string {
	switch x := v.(type) {
	case *time.Time:
		if x != nil {
			return x.String()
		}
	case *float64:
		if x != nil {
			return fmt.Sprint(*x)
		}
	}
	return fmt.Sprintf("%v", v)
}
