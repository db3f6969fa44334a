package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"sentry/backend/core"
)

// BenchmarkTaskPageJSON writes a page of 50 typical tasks the way a list
// answers them.
func BenchmarkTaskPageJSON(b *testing.B) {
	page := benchTaskPage()
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		writeTaskPage(w, 200, page)
	}
}

// BenchmarkTaskJSONAgainstHandWritten writes the same page of 50 tasks
// with appendTask (built from core.TaskFields) and with the hand-written
// writer it replaced, both in every iteration (in turn first), so a busy
// machine slows both alike; it reports each one's time per page and
// fields/hand, the ratio of the sums. Run with -count=6 for six ratios.
func BenchmarkTaskJSONAgainstHandWritten(b *testing.B) {
	page := benchTaskPage()
	for _, t := range page.Tasks {
		got, _ := appendTask(nil, t)
		hand, _ := handAppendTask(nil, t)
		if want, _ := json.Marshal(t); !bytes.Equal(got, want) || !bytes.Equal(hand, want) {
			b.Fatalf("the writers write\n%s\n%s\nnot\n%s", got, hand, want)
		}
	}
	buf := make([]byte, 0, 64<<10)
	writePage := func(write func([]byte, *core.Task) ([]byte, bool)) time.Duration {
		start := time.Now()
		buf = buf[:0]
		for _, t := range page.Tasks {
			buf, _ = write(buf, t)
		}
		return time.Since(start)
	}
	// A busy machine stalls single pages by milliseconds: the figures are
	// the median of the per-iteration ratios and each writer's fastest page.
	ratios := make([]float64, 0, 1<<20)
	hand, fields := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var h, f time.Duration
		if i%2 == 0 {
			h = writePage(handAppendTask)
			f = writePage(appendTask)
		} else {
			f = writePage(appendTask)
			h = writePage(handAppendTask)
		}
		hand, fields = min(hand, h), min(fields, f)
		if len(ratios) < cap(ratios) {
			ratios = append(ratios, float64(f)/float64(h))
		}
	}
	slices.Sort(ratios)
	b.ReportMetric(float64(hand.Nanoseconds()), "hand-min-ns/page")
	b.ReportMetric(float64(fields.Nanoseconds()), "fields-min-ns/page")
	b.ReportMetric(ratios[len(ratios)/2], "fields/hand-median")
}

func benchTaskPage() taskPage {
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
	return taskPage{Tasks: tasks, NextCursor: &cursor}
}

// The hand-written task writer from before the fields were declared once
// (the parent of commit aa88291), kept here only for the comparison above.

// The hand-written task writer from before the fields were declared once
// (commit aa88291's parent), kept only to compare against appendTask in
// BenchmarkTaskJSONAgainstHandWritten.
func handAppendTask(b []byte, t *core.Task) ([]byte, bool) {
	ok := true
	str := func(key, v string) {
		b = append(b, key...)
		b = handAppendJSONString(b, v)
	}
	tm := func(key string, v *time.Time) {
		b = append(b, key...)
		if v == nil {
			b = append(b, "null"...)
			return
		}
		if y := v.Year(); y < 0 || y > 9999 {
			ok = false
			return
		}
		b = append(b, '"')
		b = v.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	strs := func(key string, v []string) {
		b = append(b, key...)
		if v == nil {
			b = append(b, "null"...)
			return
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = handAppendJSONString(b, s)
		}
		b = append(b, ']')
	}
	num := func(key string, v *float64) {
		b = append(b, key...)
		if v == nil {
			b = append(b, "null"...)
			return
		}
		f := *v
		if math.IsInf(f, 0) || math.IsNaN(f) {
			ok = false
			return
		}
		format := byte('f')
		if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
			format = 'e'
		}
		b = strconv.AppendFloat(b, f, format, -1, 64)
		if format == 'e' {
			// e-09 is written e-9
			if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
				b[n-2] = b[n-1]
				b = b[:n-1]
			}
		}
	}
	boolean := func(key string, v bool) {
		b = append(b, key...)
		b = strconv.AppendBool(b, v)
	}
	str(`{"id":`, t.ID)
	str(`,"user_id":`, t.UserID)
	str(`,"title":`, t.Title)
	str(`,"description":`, t.Description)
	str(`,"status":`, t.Status)
	str(`,"priority":`, t.Priority)
	str(`,"task_type":`, t.TaskType)
	str(`,"source":`, t.Source)
	str(`,"source_id":`, t.SourceID)
	tm(`,"deadline":`, t.Deadline)
	tm(`,"start_time":`, t.StartTime)
	tm(`,"end_time":`, t.EndTime)
	str(`,"location":`, t.Location)
	str(`,"meeting_url":`, t.MeetingURL)
	strs(`,"attendees":`, t.Attendees)
	num(`,"estimated_hours":`, t.EstimatedHours)
	num(`,"actual_hours":`, t.ActualHours)
	boolean(`,"can_delegate":`, t.CanDelegate)
	boolean(`,"is_optional":`, t.IsOptional)
	boolean(`,"is_recurring":`, t.IsRecurring)
	str(`,"recurrence_rule":`, t.RecurrenceRule)
	strs(`,"tags":`, t.Tags)
	str(`,"parent_id":`, t.ParentID)
	str(`,"team_id":`, t.TeamID)
	str(`,"assignee_id":`, t.AssigneeID)
	str(`,"google_task_id":`, t.GoogleTaskID)
	str(`,"google_tasklist_id":`, t.GoogleTaskListID)
	str(`,"zoom_meeting_id":`, t.ZoomMeetingID)
	if len(t.Evidence) > 0 {
		ev, err := json.Marshal(t.Evidence)
		if err != nil {
			return b, false
		}
		b = append(b, `,"evidence":`...)
		b = append(b, ev...)
	}
	tm(`,"completed_at":`, t.CompletedAt)
	tm(`,"created_at":`, &t.CreatedAt)
	tm(`,"updated_at":`, &t.UpdatedAt)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, t.Version, 10)
	b = append(b, '}')
	return b, ok
}

// handAppendJSONString appends s as a JSON string the way encoding/json does:
// HTML-significant characters, control characters, U+2028 and U+2029
// escaped, invalid UTF-8 replaced by U+FFFD.
func handAppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
