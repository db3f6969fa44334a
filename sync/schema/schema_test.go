package schema

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRegistryIsConsistent(t *testing.T) {
	types := map[Type]bool{Text: true, Int: true, Real: true, Bool: true, TimeMS: true, JSON: true, UUID: true}
	meta := map[string]bool{}
	for _, m := range Meta {
		meta[m] = true
	}
	for _, tb := range Tables {
		if tb.Scope != Personal && tb.Scope != Shareable {
			t.Errorf("%s: scope %q", tb.Name, tb.Scope)
		}
		seen := map[string]bool{}
		for _, f := range tb.Fields {
			if seen[f.Name] || meta[f.Name] {
				t.Errorf("%s.%s listed twice (or as meta)", tb.Name, f.Name)
			}
			seen[f.Name] = true
			if !types[f.Type] || f.Since < 1 || f.Since > Version {
				t.Errorf("%s.%s: type %q since %d", tb.Name, f.Name, f.Type, f.Since)
			}
		}
		if _, ok := tb.Field("deleted_at"); !ok {
			t.Errorf("%s: deletes must sync as a field (deleted_at)", tb.Name)
		}
		if got, ok := Lookup(tb.Name); !ok || got.Name != tb.Name {
			t.Errorf("lookup %s", tb.Name)
		}
	}
	// The promise: burnout, workload and check-ins never enter a team.
	for _, name := range []string{"burnout_analyses", "qualitative_data", "user_profiles", "user_constraints", "user_behavioral_profiles", "recommendations"} {
		if tb, ok := Lookup(name); !ok || tb.Scope != Personal {
			t.Errorf("%s must be personal", name)
		}
	}
	// Job state never travels.
	for _, tf := range [][2]string{{"extraction_runs", "status"}, {"notebook_documents", "progress"}, {"uploads", "storage_path"}} {
		tb, _ := Lookup(tf[0])
		for _, f := range tb.Synced(Version) {
			if f.Name == tf[1] {
				t.Errorf("%s.%s syncs", tf[0], tf[1])
			}
		}
	}
}

func TestFieldCheck(t *testing.T) {
	num := func(s string) json.Number { return json.Number(s) }
	cases := []struct {
		t     Type
		v     any
		valid bool
	}{
		{Text, "x", true}, {Text, num("1"), false}, {Text, nil, false},
		{Int, num("12"), true}, {Int, num("1.5"), false}, {Int, "12", false}, {Int, nil, true},
		{Real, num("1.5"), true}, {Real, "1.5", false},
		{Bool, true, true}, {Bool, "true", false},
		{TimeMS, "2026-12-01T17:00:00.000Z", true}, {TimeMS, "Friday", false}, {TimeMS, nil, true},
		{JSON, map[string]any{"a": []any{num("1")}}, true},
		{UUID, "0193a2b4-0000-7000-8000-000000000001", true}, {UUID, "", true}, {UUID, "../x", false},
	}
	for _, c := range cases {
		err := Field{Name: "f", Type: c.t}.Check(c.v)
		if (err == nil) != c.valid {
			t.Errorf("%s %v: %v", c.t, c.v, err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "f must be") {
			t.Errorf("message %q", err)
		}
	}
}
