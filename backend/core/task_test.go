package core_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
)

func valid() core.Task {
	return core.Task{Title: "Ship it", Status: "todo", Priority: "medium", TaskType: "task", Source: "sentry"}
}

func TestTaskValidate(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	neg, nan := -1.0, math.NaN()
	cases := []struct {
		name  string
		mut   func(*core.Task)
		field string // "" means valid
	}{
		{"valid", func(*core.Task) {}, ""},
		{"empty title", func(t *core.Task) { t.Title = " " }, "title"},
		{"long title", func(t *core.Task) { t.Title = strings.Repeat("a", 256) }, "title"},
		{"nul in title", func(t *core.Task) { t.Title = "a\x00b" }, "title"},
		{"status", func(t *core.Task) { t.Status = "open" }, "status"},
		{"priority", func(t *core.Task) { t.Priority = "" }, "priority"},
		{"type", func(t *core.Task) { t.TaskType = "event" }, "task_type"},
		{"source", func(t *core.Task) { t.Source = "elsewhere" }, "source"},
		{"negative hours", func(t *core.Task) { t.EstimatedHours = &neg }, "estimated_hours"},
		{"NaN hours", func(t *core.Task) { t.ActualHours = &nan }, "actual_hours"},
		{"meeting needs times", func(t *core.Task) { t.TaskType = "meeting" }, "start_time"},
		{"meeting ok", func(t *core.Task) { t.TaskType, t.StartTime, t.EndTime = "meeting", &start, &end }, ""},
		{"meeting reversed", func(t *core.Task) { t.TaskType, t.StartTime, t.EndTime = "meeting", &end, &start }, "end_time"},
		{"blank attendee", func(t *core.Task) { t.Attendees = []string{" "} }, "attendees"},
		{"rule without recurring", func(t *core.Task) { t.RecurrenceRule = "FREQ=DAILY" }, "recurrence_rule"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			task := valid()
			tc.mut(&task)
			err := task.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want invalid %s", err, core.ErrorField(err), tc.field)
			}
		})
	}
}

func TestTaskUpdateApplyReportsOnlyRealChanges(t *testing.T) {
	task := valid()
	d := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	task.Deadline = &d
	same, other := "Ship it", "Ship it now"
	changed := (&core.TaskUpdate{Title: &same, Deadline: core.Patch[time.Time]{Set: true, Value: d}}).Apply(&task)
	if len(changed) != 0 {
		t.Fatalf("no-op update reported %v", changed)
	}
	changed = (&core.TaskUpdate{Title: &other, Deadline: core.Patch[time.Time]{Set: true, Null: true}}).Apply(&task)
	if len(changed) != 2 || task.Deadline != nil || task.Title != other {
		t.Fatalf("changed %v, task %+v", changed, task)
	}
}

func TestErrorsHideInternalText(t *testing.T) {
	err := &struct{ error }{}
	if core.ErrorCode(err) != core.EINTERNAL || core.ErrorMessage(err) != "Internal error." {
		t.Fatal("plain errors must be internal with a generic message")
	}
}
