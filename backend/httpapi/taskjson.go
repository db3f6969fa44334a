package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
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
// writes the same bytes directly, field by field of core.TaskFields (Task's
// fields with a JSON name, in order), each kind written one way; so a new
// task field is written with no change here. TestTaskJSONMatchesEncodingJSON
// holds it to encoding/json's bytes for every field.

// taskWriters write core.TaskFields in order, one function a field made
// once from its kind: each appends `,"key":` and the value, and returns
// false for a value encoding/json refuses.
var taskWriters = func() []func([]byte, *core.Task) ([]byte, bool) {
	out := make([]func([]byte, *core.Task) ([]byte, bool), len(core.TaskFields))
	for i := range core.TaskFields {
		out[i] = taskWriter(&core.TaskFields[i])
	}
	return out
}()

func taskWriter(f *core.TaskField) func([]byte, *core.Task) ([]byte, bool) {
	key := "," + string(appendJSONString(nil, f.Name)) + ":"
	var w func([]byte, *core.Task) ([]byte, bool)
	switch f.Kind {
	case core.KindString:
		w = func(b []byte, t *core.Task) ([]byte, bool) {
			return appendJSONString(append(b, key...), *f.String(t)), true
		}
	case core.KindBool:
		w = func(b []byte, t *core.Task) ([]byte, bool) {
			return strconv.AppendBool(append(b, key...), *f.Bool(t)), true
		}
	case core.KindInt64:
		w = func(b []byte, t *core.Task) ([]byte, bool) {
			return strconv.AppendInt(append(b, key...), *f.Int64(t), 10), true
		}
	case core.KindFloatPtr:
		w = func(b []byte, t *core.Task) ([]byte, bool) { return appendFloat(append(b, key...), *f.FloatPtr(t)) }
	case core.KindTime:
		w = func(b []byte, t *core.Task) ([]byte, bool) { return appendTime(append(b, key...), f.Time(t)) }
	case core.KindTimePtr:
		w = func(b []byte, t *core.Task) ([]byte, bool) { return appendTime(append(b, key...), *f.TimePtr(t)) }
	case core.KindStrings:
		w = func(b []byte, t *core.Task) ([]byte, bool) {
			return appendStrings(append(b, key...), *f.Strings(t)), true
		}
	case core.KindMap:
		w = func(b []byte, t *core.Task) ([]byte, bool) {
			b = append(b, key...)
			v := *f.Map(t)
			if v == nil {
				return append(b, "null"...), true
			}
			obj, err := json.Marshal(v)
			return append(b, obj...), err == nil
		}
	}
	if f.OmitEmpty {
		write := w
		w = func(b []byte, t *core.Task) ([]byte, bool) {
			if taskFieldEmpty(f, t) {
				return b, true
			}
			return write(b, t)
		}
	}
	return w
}

// appendTask appends t as encoding/json would write it. It returns false
// (with b unusable) for a task it cannot write the same way: a time outside
// years 0–9999 or a number that is not finite, which encoding/json refuses.
func appendTask(b []byte, t *core.Task) ([]byte, bool) {
	start := len(b)
	ok := true
	for _, w := range taskWriters {
		if b, ok = w(b, t); !ok {
			return b, false
		}
	}
	if len(b) == start {
		return append(b, '{', '}'), true
	}
	b[start] = '{' // the first key's comma opens the object
	return append(b, '}'), true
}

// taskFieldEmpty tells whether encoding/json's omitempty leaves the field
// out: false, 0, "", nil, an empty list or object (never a time.Time).
func taskFieldEmpty(f *core.TaskField, t *core.Task) bool {
	switch f.Kind {
	case core.KindString:
		return *f.String(t) == ""
	case core.KindBool:
		return !*f.Bool(t)
	case core.KindInt64:
		return *f.Int64(t) == 0
	case core.KindFloatPtr:
		return *f.FloatPtr(t) == nil
	case core.KindTimePtr:
		return *f.TimePtr(t) == nil
	case core.KindStrings:
		return len(*f.Strings(t)) == 0
	case core.KindMap:
		return len(*f.Map(t)) == 0
	}
	return false
}

// appendTime writes a time or null; false for a year encoding/json refuses.
func appendTime(b []byte, v *time.Time) ([]byte, bool) {
	if v == nil {
		return append(b, "null"...), true
	}
	if y := v.Year(); y < 0 || y > 9999 {
		return b, false
	}
	b = append(b, '"')
	b = v.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

// appendStrings writes a list of text or null.
func appendStrings(b []byte, v []string) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendFloat writes a number as encoding/json does, or null; false for
// one that is not finite.
func appendFloat(b []byte, v *float64) ([]byte, bool) {
	if v == nil {
		return append(b, "null"...), true
	}
	f := *v
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
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
	return b, true
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
	if t == nil {
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
