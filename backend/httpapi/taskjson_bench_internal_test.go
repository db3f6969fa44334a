package httpapi

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"sentry/backend/core"
)

// BenchmarkTaskPageJSON writes a page of 50 typical tasks the way a list
// answers them.
func BenchmarkTaskPageJSON(b *testing.B) {
	now := time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC)
	hours := 2.5
	tasks := make([]*core.Task, 50)
	for i := range tasks {
		d := now.Add(time.Duration(i) * time.Hour)
		tasks[i] = &core.Task{ID: fmt.Sprintf("0b6c2a4e-5d1f-4c3b-9a8e-%012d", i), UserID: "7f1e2d3c-4b5a-4968-8776-655443322110",
			Title: fmt.Sprintf("Send the quarterly report to finance #%d", i), Description: "Numbers from the Q3 sheet, with the notes from Tuesday's review.",
			Status: "todo", Priority: "high", TaskType: "task", Source: "manual", Deadline: &d, EstimatedHours: &hours,
			Attendees: []string{}, Tags: []string{"finance", "q3"}, CreatedAt: now, UpdatedAt: now, Version: 3}
	}
	cursor := "eyJzIjoiLWNyZWF0ZWRfYXQifQ"
	page := taskPage{Tasks: tasks, NextCursor: &cursor}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		writeTaskPage(w, 200, page)
	}
}
