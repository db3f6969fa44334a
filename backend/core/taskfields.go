package core

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unsafe"
)

// A task's fields, declared once: the Task type.
//
// Each field of Task that has a JSON name is a column of the tasks table
// of that name and, unless it is bookkeeping, a field of the change log and
// of the sync registry (sync/schema) of the same name. The stores build
// their column lists, scans, inserts and updates from TaskFields, the change
// log's field map comes from TaskLogFields, and the API writes a task from
// TaskFields too; so a new task field is the field in Task (and TaskUpdate
// if clients may set it), the migrations and its sync registry row. A field
// of a type no store knows how to keep stops the program at start, naming
// it: each Kind is written once per store, not each field.

// TaskKind is how a task field is kept: the stores and the API handle each
// kind once, whatever field has it.
type TaskKind uint8

// Task field kinds, by Go type.
const (
	KindString   TaskKind = iota + 1 // string
	KindBool                         // bool
	KindInt64                        // int64
	KindFloatPtr                     // *float64: a number or null
	KindTime                         // time.Time
	KindTimePtr                      // *time.Time: a time or null
	KindStrings                      // []string: a list of text
	KindMap                          // map[string]any: a JSON object
)

var taskKinds = map[reflect.Type]TaskKind{
	reflect.TypeFor[string]():         KindString,
	reflect.TypeFor[bool]():           KindBool,
	reflect.TypeFor[int64]():          KindInt64,
	reflect.TypeFor[*float64]():       KindFloatPtr,
	reflect.TypeFor[time.Time]():      KindTime,
	reflect.TypeFor[*time.Time]():     KindTimePtr,
	reflect.TypeFor[[]string]():       KindStrings,
	reflect.TypeFor[map[string]any](): KindMap,
}

// TaskField is one stored field of Task.
type TaskField struct {
	// Name is the field's JSON name, its column and its sync field.
	Name string
	// GoName is the field's name in Task.
	GoName string
	Kind   TaskKind
	// OmitEmpty: the JSON leaves the field out when it is empty.
	OmitEmpty bool
	// Logged fields are in the change log's field map (TaskLogFields):
	// every field but the row's bookkeeping (taskBookkeeping).
	Logged bool
	offset uintptr
}

// taskBookkeeping are the fields every store sets itself and the change log
// does not carry as fields: the id and owner (the log entry's own), the
// times the row was made and last written, its version.
var taskBookkeeping = map[string]bool{"id": true, "user_id": true, "created_at": true, "updated_at": true, "version": true}

// TaskFields are Task's stored fields in declaration order: every field
// with a JSON name (DeletedAt, "-", is each store's own).
var TaskFields = taskFieldsOf()

// taskFieldIndex finds a TaskFields entry by name.
var taskFieldIndex = func() map[string]*TaskField {
	m := make(map[string]*TaskField, len(TaskFields))
	for i := range TaskFields {
		m[TaskFields[i].Name] = &TaskFields[i]
	}
	return m
}()

// TaskFieldNamed returns the stored field called name, or nil.
func TaskFieldNamed(name string) *TaskField { return taskFieldIndex[name] }

func taskFieldsOf() []TaskField {
	rt := reflect.TypeFor[Task]()
	out := make([]TaskField, 0, rt.NumField())
	for i := range rt.NumField() {
		sf := rt.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		if name == "" {
			panic(fmt.Sprintf("core: Task.%s has no JSON name: it names the column and the sync field", sf.Name))
		}
		kind, ok := taskKinds[sf.Type]
		if !ok {
			panic(fmt.Sprintf("core: Task.%s has type %s, which no store keeps yet: give it a TaskKind (taskfields.go) and teach the stores' and the API's kind switches", sf.Name, sf.Type))
		}
		out = append(out, TaskField{Name: name, GoName: sf.Name, Kind: kind, OmitEmpty: opts == "omitempty",
			Logged: !taskBookkeeping[name], offset: sf.Offset})
	}
	return out
}

// TaskColumnList is the stored fields' names joined by ", ", for SQL.
func TaskColumnList() string {
	names := make([]string, len(TaskFields))
	for i, f := range TaskFields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// Addr returns a pointer to the field in t, typed by its kind: *string,
// *bool, *int64, **float64, *time.Time, **time.Time, *[]string or
// *map[string]any.
func (f *TaskField) Addr(t *Task) any {
	p := unsafe.Add(unsafe.Pointer(t), f.offset)
	switch f.Kind {
	case KindString:
		return (*string)(p)
	case KindBool:
		return (*bool)(p)
	case KindInt64:
		return (*int64)(p)
	case KindFloatPtr:
		return (**float64)(p)
	case KindTime:
		return (*time.Time)(p)
	case KindTimePtr:
		return (**time.Time)(p)
	case KindStrings:
		return (*[]string)(p)
	default:
		return (*map[string]any)(p)
	}
}

// Value is the field's value in t, of its kind's Go type (string, bool,
// int64, *float64, time.Time, *time.Time, []string or map[string]any):
// what a store keeps as it is, the kinds it converts aside.
func (f *TaskField) Value(t *Task) any {
	switch f.Kind {
	case KindString:
		return *f.String(t)
	case KindBool:
		return *f.Bool(t)
	case KindInt64:
		return *f.Int64(t)
	case KindFloatPtr:
		return *f.FloatPtr(t)
	case KindTime:
		return *f.Time(t)
	case KindTimePtr:
		return *f.TimePtr(t)
	case KindStrings:
		return *f.Strings(t)
	default:
		return *f.Map(t)
	}
}

// ObjectJSON is a field of kind KindMap in t as JSON text, "{}" when it
// is nil: how both stores keep an object.
func (f *TaskField) ObjectJSON(t *Task) (string, error) {
	m := *f.Map(t)
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", f.Name, err)
	}
	return string(b), nil
}

// String is the field of kind KindString in t.
func (f *TaskField) String(t *Task) *string {
	return (*string)(unsafe.Add(unsafe.Pointer(t), f.offset))
}

// Bool is the field of kind KindBool in t.
func (f *TaskField) Bool(t *Task) *bool { return (*bool)(unsafe.Add(unsafe.Pointer(t), f.offset)) }

// Int64 is the field of kind KindInt64 in t.
func (f *TaskField) Int64(t *Task) *int64 { return (*int64)(unsafe.Add(unsafe.Pointer(t), f.offset)) }

// FloatPtr is the field of kind KindFloatPtr in t.
func (f *TaskField) FloatPtr(t *Task) **float64 {
	return (**float64)(unsafe.Add(unsafe.Pointer(t), f.offset))
}

// Time is the field of kind KindTime in t.
func (f *TaskField) Time(t *Task) *time.Time {
	return (*time.Time)(unsafe.Add(unsafe.Pointer(t), f.offset))
}

// TimePtr is the field of kind KindTimePtr in t.
func (f *TaskField) TimePtr(t *Task) **time.Time {
	return (**time.Time)(unsafe.Add(unsafe.Pointer(t), f.offset))
}

// Strings is the field of kind KindStrings in t.
func (f *TaskField) Strings(t *Task) *[]string {
	return (*[]string)(unsafe.Add(unsafe.Pointer(t), f.offset))
}

// Map is the field of kind KindMap in t.
func (f *TaskField) Map(t *Task) *map[string]any {
	return (*map[string]any)(unsafe.Add(unsafe.Pointer(t), f.offset))
}

// TaskLogFields returns the change log's field map of t: every logged
// field for an insert (only nil), only the named ones for an update. Times
// are the store's text (timeText); lists are never null; an object that is
// not set is left out of an insert and null in an update that names it.
func TaskLogFields(t *Task, only []string, timeText func(*time.Time) any) map[string]any {
	if only == nil {
		out := make(map[string]any, len(TaskFields))
		for i := range TaskFields {
			f := &TaskFields[i]
			if !f.Logged || (f.Kind == KindMap && *f.Map(t) == nil) {
				continue
			}
			out[f.Name] = f.logValue(t, timeText)
		}
		return out
	}
	out := make(map[string]any, len(only))
	for _, name := range only {
		if f := taskFieldIndex[name]; f != nil && f.Logged {
			out[name] = f.logValue(t, timeText)
		} else {
			out[name] = nil
		}
	}
	return out
}

func (f *TaskField) logValue(t *Task, timeText func(*time.Time) any) any {
	switch f.Kind {
	case KindString:
		return *f.String(t)
	case KindBool:
		return *f.Bool(t)
	case KindInt64:
		return *f.Int64(t)
	case KindFloatPtr:
		return *f.FloatPtr(t)
	case KindTime:
		v := *f.Time(t)
		return timeText(&v)
	case KindTimePtr:
		return timeText(*f.TimePtr(t))
	case KindStrings:
		if s := *f.Strings(t); s != nil {
			return s
		}
		return []string{}
	default:
		if m := *f.Map(t); m != nil {
			return m
		}
		return nil
	}
}
