package schema_test

import (
	"testing"

	"sentry/backend/core"
	"sentry/sync/schema"
)

// taskStoreOwn are the tasks columns the registry has that core.Task does
// not: the rank each store derives from the priority, the tombstone time
// (Task.DeletedAt, each store's own) and the row clock.
var taskStoreOwn = map[string]bool{"priority_rank": true, "deleted_at": true, "hlc": true}

// kindTypes are the registry types each kind of task field may travel as.
var kindTypes = map[core.TaskKind][]schema.Type{
	core.KindString:   {schema.Text, schema.UUID},
	core.KindBool:     {schema.Bool},
	core.KindInt64:    {schema.Int},
	core.KindFloatPtr: {schema.Real},
	core.KindTime:     {schema.TimeMS},
	core.KindTimePtr:  {schema.TimeMS},
	core.KindStrings:  {schema.JSON},
	core.KindMap:      {schema.JSON},
}

// Every stored field of core.Task is a field of the tasks table in the
// registry (of a type its kind can travel as) or its bookkeeping, and
// every registry field is a field of core.Task or one of the columns the
// stores keep themselves. With the stores' TestSyncedColumnsClassified
// (registry = the migrated table, on SQLite and on PostgreSQL) a field
// added to the type alone, or to the migrations and registry alone, fails
// here by name.
func TestTaskFieldsInRegistry(t *testing.T) {
	tb, ok := schema.Lookup("tasks")
	if !ok {
		t.Fatal("no tasks table in the registry")
	}
	meta := map[string]bool{}
	for _, m := range schema.Meta {
		meta[m] = true
	}
	for _, f := range core.TaskFields {
		rf, ok := tb.Field(f.Name)
		switch {
		case ok && !f.Logged:
			if f.Name != "created_at" {
				t.Errorf("core.Task.%s (%s) is bookkeeping but a registry field", f.GoName, f.Name)
			}
		case ok:
			fits := false
			for _, ty := range kindTypes[f.Kind] {
				fits = fits || rf.Type == ty
			}
			if !fits {
				t.Errorf("core.Task.%s (%s): registry type %s does not fit its Go type", f.GoName, f.Name, rf.Type)
			}
		case meta[f.Name] && !f.Logged:
		default:
			t.Errorf("core.Task.%s (%s) is not in sync/schema's tasks table: add its row there (Since: the schema version that brings it) and a column in both stores' migrations", f.GoName, f.Name)
		}
	}
	for _, c := range tb.Columns() {
		if core.TaskFieldNamed(c) == nil && !taskStoreOwn[c] {
			t.Errorf("sync/schema's tasks table has %s, which core.Task does not: add the field (its JSON name %q) to core.Task", c, c)
		}
	}
}
