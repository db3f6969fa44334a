package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"sentry/backend/core"
)

// Task responses without reflection.
//
// A list answers 50 tasks of 33 fields, five of them times; encoding/json
// walks them by reflection and validates every time's MarshalJSON output
// again, about a tenth of the server's CPU under the mixed load. appendTask
// writes the same bytes directly. It knows core.Task's fields as they are
// listed in taskJSONLayout; if the type no longer matches that list (a field
// added, renamed or retyped), taskEncoderOK is false and every task goes
// through encoding/json as before, so the answer is never wrong, only
// slower — and TestTaskJSONMatchesEncodingJSON fails until the list and
// appendTask are brought up to date.

// taskJSONLayout is core.Task's fields in order: Go name, JSON tag, type.
var taskJSONLayout = []struct {
	name, tag string
	typ       reflect.Type
}{
	{"ID", "id", tString}, {"UserID", "user_id", tString}, {"Title", "title", tString},
	{"Description", "description", tString}, {"Status", "status", tString}, {"Priority", "priority", tString},
	{"TaskType", "task_type", tString}, {"Source", "source", tString}, {"SourceID", "source_id", tString},
	{"Deadline", "deadline", tTimePtr}, {"StartTime", "start_time", tTimePtr}, {"EndTime", "end_time", tTimePtr},
	{"Location", "location", tString}, {"MeetingURL", "meeting_url", tString}, {"Attendees", "attendees", tStrings},
	{"EstimatedHours", "estimated_hours", tFloatPtr}, {"ActualHours", "actual_hours", tFloatPtr},
	{"CanDelegate", "can_delegate", tBool}, {"IsOptional", "is_optional", tBool}, {"IsRecurring", "is_recurring", tBool},
	{"RecurrenceRule", "recurrence_rule", tString}, {"Tags", "tags", tStrings}, {"ParentID", "parent_id", tString},
	{"TeamID", "team_id", tString}, {"AssigneeID", "assignee_id", tString},
	{"GoogleTaskID", "google_task_id", tString}, {"GoogleTaskListID", "google_tasklist_id", tString},
	{"ZoomMeetingID", "zoom_meeting_id", tString}, {"Evidence", "evidence,omitempty", reflect.TypeFor[map[string]any]()},
	{"CompletedAt", "completed_at", tTimePtr}, {"CreatedAt", "created_at", reflect.TypeFor[time.Time]()},
	{"UpdatedAt", "updated_at", reflect.TypeFor[time.Time]()}, {"DeletedAt", "-", tTimePtr},
	{"Version", "version", reflect.TypeFor[int64]()},
}

var (
	tString   = reflect.TypeFor[string]()
	tStrings  = reflect.TypeFor[[]string]()
	tTimePtr  = reflect.TypeFor[*time.Time]()
	tFloatPtr = reflect.TypeFor[*float64]()
	tBool     = reflect.TypeFor[bool]()
)

// taskEncoderOK tells whether core.Task is the type appendTask writes.
var taskEncoderOK = func() bool {
	rt := reflect.TypeFor[core.Task]()
	if rt.NumField() != len(taskJSONLayout) {
		return false
	}
	for i, want := range taskJSONLayout {
		f := rt.Field(i)
		if f.Name != want.name || f.Tag.Get("json") != want.tag || f.Type != want.typ {
			return false
		}
	}
	return true
}()

// appendTask appends t as encoding/json would write it. It returns false
// (with b unusable) for a task it cannot write the same way: a time outside
// years 0–9999 or a number that is not finite, which encoding/json refuses.
func appendTask(b []byte, t *core.Task) ([]byte, bool) {
	ok := true
	str := func(key, v string) {
		b = append(b, key...)
		b = appendJSONString(b, v)
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
			b = appendJSONString(b, s)
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

// appendJSONString appends s as a JSON string the way encoding/json does:
// HTML-significant characters, control characters, U+2028 and U+2029
// escaped, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
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

// bodyPool keeps response buffers between requests.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// writeTask answers one task, as writeJSON would.
func writeTask(w http.ResponseWriter, status int, t *core.Task) {
	noteEncoded(w, status, t)
	if !taskEncoderOK || t == nil {
		writeJSON(w, status, t)
		return
	}
	bp := bodyPool.Get().(*[]byte)
	defer putBody(bp)
	b, ok := appendTask((*bp)[:0], t)
	if !ok {
		writeJSON(w, status, t)
		return
	}
	*bp = b
	writeBody(w, status, append(b, '\n'))
}

// writeTaskPage answers a page of tasks, as writeJSON would.
func writeTaskPage(w http.ResponseWriter, status int, page taskPage) {
	noteEncoded(w, status, page)
	if !taskEncoderOK {
		writeJSON(w, status, page)
		return
	}
	bp := bodyPool.Get().(*[]byte)
	defer putBody(bp)
	b := append((*bp)[:0], `{"tasks":`...)
	if page.Tasks == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range page.Tasks {
			if i > 0 {
				b = append(b, ',')
			}
			if t == nil {
				b = append(b, "null"...)
				continue
			}
			var ok bool
			if b, ok = appendTask(b, t); !ok {
				*bp = b
				writeJSON(w, status, page)
				return
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"next_cursor":`...)
	if page.NextCursor == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, *page.NextCursor)
	}
	b = append(b, "}\n"...)
	*bp = b
	writeBody(w, status, b)
}

func putBody(bp *[]byte) {
	if cap(*bp) <= 1<<20 { // a rare huge page does not stay in the pool
		*bp = (*bp)[:0]
		bodyPool.Put(bp)
	}
}

// writeBody writes a JSON body with the headers writeJSON sets.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
