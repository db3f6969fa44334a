// Package schema is the registry of synced tables, written once: for each
// table, its fields with their types, the schema version that brought
// them, and whether they are local-only (per-device state that never
// syncs); the table's scope rule; and whether its id is deterministic. The
// stores build their sync SQL from it, the sync server checks pushed
// values with it, and a test on each store fails when a column of a synced
// table is missing here, so the two schemas cannot drift apart.
//
// Standard library only: it sits in the base layer beside sync/merge.
package schema

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"sentry/backend/core"
)

// Version is the synced schema's version: a client sends it, and a field
// is sent to a client only when its Since is at most the client's.
// Version 2 added tasks.assignee_id.
const Version = 2

// Type is how a field's value travels (JSON) and is checked.
type Type string

// Field types.
const (
	Text   Type = "text"    // a JSON string
	Int    Type = "int"     // a JSON integer
	Real   Type = "real"    // a JSON number (never float32 on any store)
	Bool   Type = "bool"    // true or false
	TimeMS Type = "time_ms" // an RFC 3339 UTC time to the millisecond, or null
	JSON   Type = "json"    // any JSON value, compared decoded
	UUID   Type = "uuid"    // an id in its 36-character text form, or ""
)

// Field is one synced (or local-only) column.
type Field struct {
	Name string
	Type Type
	// Since is the schema version that added the field.
	Since int
	// LocalOnly fields are per-device state (job progress, derived
	// values, local paths): they never leave the device.
	LocalOnly bool
	// Nullable bools may also be null (unanswered); other bools never are.
	Nullable bool
	// Account fields hold a user's id. A device keeps its own account
	// under a local id, so it writes the server's id of its own account
	// as its local id when a row arrives, and back when it sends one.
	Account bool
	// Arrival is the value a local-only field takes on a device when its
	// row arrives from another device (nil: the column's default), for
	// columns that need one.
	Arrival any
}

// Scope rules.
const (
	// Personal rows live in their owner's scope only, never a team's
	// (burnout, workload and check-in data: a product promise).
	Personal = "personal"
	// Shareable rows live in a personal scope or a team's.
	Shareable = "shareable"
)

// Table is one synced table.
type Table struct {
	Name  string
	Scope string
	// DeterministicID: the row's id is derived from its key (a singleton
	// per user, a derived row per day), so two offline devices write the
	// same row and their fields merge instead of clashing.
	DeterministicID bool
	Fields          []Field

	// synced[v] is Synced(v) for the versions up to Version, listed once
	// for the registry's tables: a sync reads it for every row it moves.
	synced [][]Field
}

// Meta are the bookkeeping columns of every synced row: its id, owner,
// local version and row clock. They are not fields: each replica keeps
// its own.
var Meta = []string{"id", "user_id", "updated_at", "version", "hlc"}

func f(name string, t Type) Field     { return Field{Name: name, Type: t, Since: 1} }
func local(name string, t Type) Field { return Field{Name: name, Type: t, Since: 1, LocalOnly: true} }

// arriving is a local-only field with the value a row from another device
// starts with on this one.
func arriving(name string, t Type, v any) Field {
	return Field{Name: name, Type: t, Since: 1, LocalOnly: true, Arrival: v}
}
func common(fields ...Field) []Field {
	return append(fields, f("created_at", TimeMS), f("deleted_at", TimeMS))
}

// Tables lists every synced table. Chunks, full-text and vector indexes,
// sessions, tokens, integrations and the change log are not here: they are
// derived on each device, or never leave it.
var Tables = []Table{
	{Name: "tasks", Scope: Shareable, Fields: common(
		f("title", Text), f("description", Text), f("status", Text), f("priority", Text), local("priority_rank", Int),
		f("task_type", Text), f("source", Text), f("source_id", Text), f("deadline", TimeMS), f("start_time", TimeMS),
		f("end_time", TimeMS), f("location", Text), f("meeting_url", Text), f("attendees", JSON),
		f("estimated_hours", Real), f("actual_hours", Real), f("can_delegate", Bool), f("is_optional", Bool),
		f("is_recurring", Bool), f("recurrence_rule", Text), f("tags", JSON), f("parent_id", UUID),
		// Integration ids stay with the device that owns the integration.
		local("google_task_id", Text), local("google_tasklist_id", Text), local("zoom_meeting_id", Text),
		f("evidence", JSON), f("completed_at", TimeMS),
		// The team a task belongs to: its scope, set once.
		f("team_id", UUID),
		// Who the task is assigned to: a member of its team, or for a
		// personal task its owner ("" when nobody).
		Field{Name: "assignee_id", Type: UUID, Since: 2, Account: true})},
	{Name: "notebooks", Scope: Shareable, Fields: common(f("name", Text), f("description", Text))},
	{Name: "notebook_documents", Scope: Shareable, Fields: common(
		f("notebook_id", UUID), f("upload_id", UUID), f("filename", Text), f("kind", Text),
		// Indexing is each device's own job, from the synced row and the blob.
		arriving("status", Text, "queued"), local("stage", Text), local("progress", Real), local("error", Text),
		local("chunk_count", Int), local("page_count", Int), local("model", Text), local("attempts", Int),
		local("indexed_at", TimeMS))},
	{Name: "notebook_messages", Scope: Shareable, Fields: common(
		f("notebook_id", UUID), f("role", Text), f("content", Text), f("citations", JSON), f("engine", Text))},
	{Name: "uploads", Scope: Shareable, Fields: common(
		f("filename", Text), f("content_type", Text), f("kind", Text), f("size_bytes", Int), f("sha256", Text),
		f("status", Text), f("error", Text),
		// Where the bytes sit and the upload session are this device's.
		local("session_id", Text), local("storage_path", Text), local("is_temporary", Bool),
		local("expires_at", TimeMS), local("purged_at", TimeMS))},
	{Name: "extraction_runs", Scope: Personal, Fields: common(
		f("upload_id", UUID), f("source", Text), f("kind", Text), f("engine", Text), f("review", Bool),
		f("now", TimeMS), f("timezone", Text), f("tasks", JSON), f("finished_at", TimeMS),
		// The job itself runs on one device; elsewhere the run shows as
		// finished, with the tasks it found.
		arriving("status", Text, "done"), local("stage", Text), local("progress", Real), local("error", Text),
		local("attempts", Int), local("input", Text), local("source_text", Text))},
	{Name: "user_profiles", Scope: Personal, DeterministicID: true, Fields: common(
		f("role", Text), f("department", Text), f("timezone", Text), f("working_hours", JSON), f("working_days", JSON))},
	{Name: "user_preferences", Scope: Personal, DeterministicID: true, Fields: common(
		f("focus_block_minutes", Int), f("meeting_preferences", JSON), f("notifications", JSON), f("settings", JSON))},
	{Name: "user_constraints", Scope: Personal, DeterministicID: true, Fields: common(
		f("max_weekly_hours", Real), f("days_off", JSON), f("fixed_commitments", JSON))},
	{Name: "user_behavioral_profiles", Scope: Personal, DeterministicID: true, Fields: common(
		f("estimate_accuracy", Real), f("completion_rate", Real), f("avg_daily_completed", Real),
		f("peak_hours", JSON), f("samples", Int), f("data", JSON))},
	{Name: "burnout_analyses", Scope: Personal, DeterministicID: true, Fields: common(
		f("score", Real), f("level", Text), f("factors", JSON), f("metrics", JSON), f("forecast", JSON),
		f("trend", JSON), f("run_trigger", Text), f("analyzed_at", TimeMS))},
	{Name: "qualitative_data", Scope: Personal, Fields: common(
		f("kind", Text), f("content", Text), f("answers", JSON), f("sentiment", Real), f("recorded_at", TimeMS))},
	{Name: "recommendations", Scope: Personal, DeterministicID: true, Fields: common(
		f("kind", Text), f("title", Text), f("explanation", Text), f("tasks", JSON), f("slot", JSON),
		f("hours_freed", Real), f("rec_key", Text), f("status", Text),
		// Unanswered (null) is not "not helpful" (false).
		Field{Name: "helpful", Type: Bool, Since: 1, Nullable: true}, f("feedback_at", TimeMS))},
}

var byName = func() map[string]*Table {
	m := map[string]*Table{}
	for i := range Tables {
		t := &Tables[i]
		t.synced = make([][]Field, Version+1)
		for v := range t.synced {
			t.synced[v] = t.listSynced(v)
		}
		m[t.Name] = t
	}
	return m
}()

// Arrivals are the local-only values a row arriving from another device
// starts with (nil when none).
func (t *Table) Arrivals() map[string]any {
	var out map[string]any
	for _, f := range t.Fields {
		if f.LocalOnly && f.Arrival != nil {
			if out == nil {
				out = map[string]any{}
			}
			out[f.Name] = f.Arrival
		}
	}
	return out
}

// Lookup returns a synced table by name.
func Lookup(name string) (*Table, bool) {
	t, ok := byName[name]
	return t, ok
}

// Field returns one of the table's fields.
func (t *Table) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Synced lists the fields that travel to a client at schema version v:
// not local-only, and known to that version.
// The list is shared: a caller that adds to it gets a copy (its capacity
// is its length), and none may change its elements.
func (t *Table) Synced(v int) []Field {
	if v >= 0 && v < len(t.synced) {
		return t.synced[v]
	}
	return t.listSynced(v)
}

func (t *Table) listSynced(v int) []Field {
	var out []Field
	for _, f := range t.Fields {
		if !f.LocalOnly && f.Since <= v {
			out = append(out, f)
		}
	}
	return out[:len(out):len(out)]
}

// Columns lists every column the registry accounts for: meta and fields.
func (t *Table) Columns() []string {
	out := append([]string(nil), Meta...)
	for _, f := range t.Fields {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

// Check tells whether a pushed JSON value (decoded with UseNumber) fits
// the field's type; the error says what was expected.
func (f Field) Check(v any) error {
	bad := func(want string) error { return fmt.Errorf("%s must be %s", f.Name, want) }
	if v == nil {
		switch f.Type {
		case TimeMS, JSON, Real, Int:
			return nil // a cleared value
		case Bool:
			if f.Nullable {
				return nil
			}
		}
		return bad(describe[f.Type])
	}
	switch f.Type {
	case Text:
		if _, ok := v.(string); !ok {
			return bad("a string")
		}
	case UUID:
		s, ok := v.(string)
		if !ok || (s != "" && !core.ValidID(s)) {
			return bad("an id")
		}
	case Bool:
		if _, ok := v.(bool); !ok {
			return bad("true or false")
		}
	case Int:
		n, ok := v.(json.Number)
		if _, err := strconv.ParseInt(string(n), 10, 64); !ok || err != nil {
			return bad("a whole number")
		}
	case Real:
		n, ok := v.(json.Number)
		if _, err := strconv.ParseFloat(string(n), 64); !ok || err != nil {
			return bad("a number")
		}
	case TimeMS:
		s, ok := v.(string)
		if !ok {
			return bad("an RFC 3339 time")
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return bad("an RFC 3339 time")
		}
	case JSON:
		if _, err := json.Marshal(v); err != nil {
			return bad("JSON")
		}
	default:
		return fmt.Errorf("%s has an unknown type %q", f.Name, f.Type)
	}
	return nil
}

var describe = map[Type]string{Text: "a string", UUID: "an id", Bool: "true or false"}
