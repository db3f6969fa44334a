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
	"unsafe"

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

// taskOps are core.TaskFields in order, made once at start: each field's
// `,"key":` bytes (with the opening quote of a text value), where it lies
// in a Task and its kind. appendTask walks them with one switch on the
// kind, reading each value in place (no interface, no reflection).
var taskOps = func() []taskOp {
	out := make([]taskOp, len(core.TaskFields))
	for i := range core.TaskFields {
		f := &core.TaskFields[i]
		switch f.Kind {
		case core.KindString, core.KindBool, core.KindInt64, core.KindFloatPtr, core.KindTime, core.KindTimePtr, core.KindStrings, core.KindMap:
		default: // a kind appendTask has no case for
			panic("httpapi: task field " + f.Name + " has a kind appendTask does not write: add its case")
		}
		key := "," + string(appendJSONString(nil, f.Name)) + ":"
		var probe core.Task
		op := taskOp{key: key, kind: f.Kind, omitEmpty: f.OmitEmpty, null: key + "null", yes: key + "true", no: key + "false",
			off: uintptr(reflect.ValueOf(f.Addr(&probe)).Pointer() - uintptr(unsafe.Pointer(&probe)))}
		if f.Kind == core.KindString {
			op.key, op.null = key+`"`, key+`""`
		}
		out[i] = op
	}
	return out
}()

type taskOp struct {
	key string
	// null is the whole field when its value is null (or "" for text);
	// yes and no when it is true or false.
	null, yes, no string
	off           uintptr
	kind          core.TaskKind
	omitEmpty     bool
}

// appendTask appends t as encoding/json would write it. It returns false
// (with b unusable) for a task it cannot write the same way: a time outside
// years 0–9999 or a number that is not finite, which encoding/json refuses.
func appendTask(b []byte, t *core.Task) ([]byte, bool) {
	start := len(b)
	base := unsafe.Pointer(t)
	ok := true
	for i := range taskOps {
		op := &taskOps[i]
		p := unsafe.Add(base, op.off)
		switch op.kind {
		case core.KindString:
			v := *(*string)(p)
			if v == "" {
				if !op.omitEmpty {
					b = append(b, op.null...)
				}
				continue
			}
			b = appendJSONStringBody(append(b, op.key...), v)
			b = append(b, '"')
		case core.KindBool:
			v := *(*bool)(p)
			switch {
			case v:
				b = append(b, op.yes...)
			case !op.omitEmpty:
				b = append(b, op.no...)
			}
		case core.KindInt64:
			v := *(*int64)(p)
			if op.omitEmpty && v == 0 {
				continue
			}
			b = strconv.AppendInt(append(b, op.key...), v, 10)
		case core.KindFloatPtr:
			v := *(**float64)(p)
			if v == nil {
				if !op.omitEmpty {
					b = append(b, op.null...)
				}
				continue
			}
			b, ok = appendFloat(append(b, op.key...), v)
		case core.KindTime:
			b, ok = appendTime(append(b, op.key...), (*time.Time)(p))
		case core.KindTimePtr:
			v := *(**time.Time)(p)
			if v == nil {
				if !op.omitEmpty {
					b = append(b, op.null...)
				}
				continue
			}
			b, ok = appendTime(append(b, op.key...), v)
		case core.KindStrings:
			v := *(*[]string)(p)
			if op.omitEmpty && len(v) == 0 {
				continue
			}
			b = appendStrings(append(b, op.key...), v)
		case core.KindMap:
			v := *(*map[string]any)(p)
			if op.omitEmpty && len(v) == 0 {
				continue
			}
			b = append(b, op.key...)
			if v == nil {
				b = append(b, "null"...)
				continue
			}
			obj, err := json.Marshal(v)
			b, ok = append(b, obj...), err == nil
		}
		if !ok {
			return b, false
		}
	}
	if len(b) == start {
		return append(b, '{', '}'), true
	}
	b[start] = '{' // the first key's comma opens the object
	return append(b, '}'), true
}

// appendTime writes a time or null; false for a year encoding/json refuses.
func appendTime(b []byte, v *time.Time) ([]byte, bool) {
	if v == nil {
		return append(b, "null"...), true
	}
	b = append(b, '"')
	n := len(b)
	b = v.AppendFormat(b, time.RFC3339Nano)
	// encoding/json refuses a year that is not four digits and a zone of
	// 24 hours or more (time.Time.MarshalJSON); checked on what was written
	// rather than by working out the date twice.
	if len(b) < n+5 || b[n+4] != '-' {
		return b, false
	}
	if z := b[len(b)-6:]; b[len(b)-1] != 'Z' && (z[0] != '+' && z[0] != '-' || (z[1]-'0')*10+(z[2]-'0') >= 24) {
		return b, false
	}
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
	return append(appendJSONStringBody(append(b, '"'), s), '"')
}

// jsonPlain marks the bytes written as they are inside a JSON string:
// printable ASCII but for " \ < > &.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONStringBody appends s escaped as appendJSONString does, without
// the quotes. Text with nothing to escape is one scan and one copy.
func appendJSONStringBody(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	i := 0
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	if i == len(s) {
		return append(b, s...)
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if jsonPlain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
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
	return append(b, s[start:]...)
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
