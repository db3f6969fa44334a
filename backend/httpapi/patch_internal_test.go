package httpapi

import (
	"encoding/json"
	"reflect"
	"testing"

	"sentry/backend/core"
)

// Every field of the task patch type can be decoded, is in the OpenAPI
// schema, and names itself when it is sent wrong: a new field needs
// nothing more than its place in the type.
func TestTaskPatchFieldsDecodeAndDescribeThemselves(t *testing.T) {
	ut := reflect.TypeFor[core.TaskUpdate]()
	schema := schemaOf(ut, nil)["properties"].(map[string]any)
	for _, name := range patchNames(ut) {
		if _, ok := schema[name]; !ok {
			t.Errorf("%s is not in the schema", name)
		}
		var u core.TaskUpdate
		err := decodePatch(map[string]json.RawMessage{name: json.RawMessage(`{"wrong":"type"}`)}, &u)
		if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != name {
			t.Errorf("%s sent as an object: %v", name, err)
		}
	}
	for i := range ut.NumField() {
		f := ut.Field(i)
		if f.Tag.Get("api") == "internal" {
			continue
		}
		if _, ok := fieldDecode[f.Type]; !ok {
			t.Errorf("TaskUpdate.%s (%s) has no decoder", f.Name, f.Type)
		}
	}
	// The system-only field is neither accepted nor described.
	if _, ok := schema["evidence"]; ok {
		t.Error("evidence (system-only) is in the request schema")
	}
	var u core.TaskUpdate
	if err := decodePatch(map[string]json.RawMessage{"evidence": json.RawMessage(`{"x":1}`)}, &u); err != nil || u.Evidence != nil {
		t.Errorf("evidence from a body: %v %v", err, u.Evidence)
	}
	// Absent, null and a value stay apart.
	if err := decodePatch(map[string]json.RawMessage{"deadline": json.RawMessage(`null`), "description": json.RawMessage(`null`),
		"estimated_hours": json.RawMessage(`2.5`), "tags": json.RawMessage(`["a"]`)}, &u); err != nil {
		t.Fatal(err)
	}
	if !u.Deadline.Set || !u.Deadline.Null || u.Description == nil || *u.Description != "" || u.EstimatedHours.Value != 2.5 ||
		u.Tags == nil || (*u.Tags)[0] != "a" || u.Title != nil || u.StartTime.Set {
		t.Fatalf("%+v", u)
	}
	task := core.Task{Title: "x", Tags: []string{}}
	if changed := u.Apply(&task); len(changed) != 2 || task.EstimatedHours == nil || *task.EstimatedHours != 2.5 {
		t.Fatalf("apply changed %v: %+v", changed, task)
	}
}
