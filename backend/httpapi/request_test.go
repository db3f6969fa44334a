package httpapi_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"sentry/backend/httpapi"
)

// handWrittenBodies are the request bodies whose schema is still written
// by hand in the document. The list only shrinks: a new route's body is a
// request type (typedBodies), so its schema is derived from it.
var handWrittenBodies = []string{
	// A push's patches carry values typed by the sync registry, checked
	// patch by patch by the sync service; the document describes them.
	"SyncPush",
}

// derivedElsewhere are bodies derived from their types outside the typed
// bodies (the task patch) or not JSON at all (multipart uploads).
var derivedElsewhere = []string{"TaskInput", "Multipart"}

// A route's documented body and the type its handler decodes cannot drift
// apart: for every typed body the served document's properties are exactly
// the type's JSON names, each with the type's JSON type, and no
// hand-written schema of the same name stands beside it. Every route's body
// is typed or on the shrinking hand-written list.
func TestTypedBodiesMatchTheirSchemas(t *testing.T) {
	b := newBackend(t, false)
	res, body := b.do("GET", "/api/openapi.json", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("openapi: %d", res.StatusCode)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Type any `json:"type"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	typed := httpapi.TypedBodyFields()
	handWritten := httpapi.HandWrittenSchemaNames()
	for name, fields := range typed {
		if slices.Contains(handWritten, name) {
			t.Errorf("%s is a request type and also written by hand", name)
		}
		schema, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("%s is not in the document", name)
			continue
		}
		documented := slices.Sorted(maps.Keys(schema.Properties))
		if want := slices.Sorted(maps.Keys(fields)); !slices.Equal(documented, want) {
			t.Errorf("%s documents %v; its type has %v", name, documented, want)
		}
		for field, want := range fields {
			p, ok := schema.Properties[field]
			if !ok {
				continue
			}
			g, _ := json.Marshal(p.Type)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("%s.%s is documented as %s; its type decodes %s", name, field, g, w)
			}
		}
	}

	var withBody, hand int
	seen := map[string]bool{}
	for _, rt := range b.app.Server().Routes() {
		if rt.Body == "" || slices.Contains(derivedElsewhere, rt.Body) {
			continue
		}
		_, isTyped := typed[rt.Body]
		isHand := slices.Contains(handWrittenBodies, rt.Body)
		switch {
		case isTyped && isHand:
			t.Errorf("%s %s: %s is a request type now; take it off handWrittenBodies", rt.Method, rt.Path, rt.Body)
		case !isTyped && !isHand:
			t.Errorf("%s %s: body %s is neither a request type nor on the hand-written list", rt.Method, rt.Path, rt.Body)
		}
		seen[rt.Body] = true
		withBody++
		if !isTyped {
			hand++
		}
	}
	for _, name := range handWrittenBodies {
		if !seen[name] {
			t.Errorf("%s is on handWrittenBodies but no route has it", name)
		}
	}
	t.Logf("routes with a JSON body (tasks and uploads aside): %d; with a hand-written body schema: %d", withBody, hand)
}

// The bodies that moved to request types still refuse what they refused,
// naming the field, and accept what they accepted.
func TestTypedBodiesNameTheFieldAtFault(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("typed@example.com")
	profile := map[string]any{"user_id": me.ID, "timezone": "UTC", "working_hours": map[string]any{"start": "09:00", "end": "17:00"}, "working_days": []int{1, 2, 3, 4, 5}}
	if res, body := b.do("POST", "/api/profile/create", me.Access, profile); res.StatusCode != 201 {
		t.Fatalf("profile: %d %s", res.StatusCode, body)
	}
	cases := []struct {
		name, method, path string
		body               map[string]any
		status             int
		field              string
	}{
		{"unknown field", "POST", "/api/auth/login", map[string]any{"email": "a@b.c", "password": "x", "remember": true}, 400, "remember"},
		{"login email as a number", "POST", "/api/auth/login", map[string]any{"email": 5, "password": "x"}, 400, "email"},
		{"team name as a list", "POST", "/api/teams", map[string]any{"name": []string{"x"}}, 400, "name"},
		{"notebook name as a number", "POST", "/api/notebooks/create", map[string]any{"name": 1}, 400, "name"},
		{"working hours as a number", "PUT", "/api/profile/" + me.ID, map[string]any{"working_hours": 5}, 400, "working_hours"},
		{"working days with a stray key", "PUT", "/api/profile/" + me.ID, map[string]any{"working_days": map[string]any{"x": 1}}, 400, "working_days"},
		{"timezone null", "PUT", "/api/profile/" + me.ID, map[string]any{"timezone": nil}, 400, "timezone"},
		{"a profile read sent back", "PUT", "/api/profile/" + me.ID, map[string]any{"id": "p", "version": 3, "preferences": map[string]any{}, "role": "Lead"}, 200, ""},
		{"focus block as text", "POST", "/api/profile/" + me.ID + "/preferences", map[string]any{"focus_block_minutes": "long"}, 400, "focus_block_minutes"},
		{"preferences sent back", "POST", "/api/profile/" + me.ID + "/preferences", map[string]any{"user_id": me.ID, "updated_at": nil, "focus_block_minutes": 90, "notifications": nil}, 200, ""},
		{"max hours null", "POST", "/api/profile/" + me.ID + "/constraints", map[string]any{"max_weekly_hours": nil}, 400, "max_weekly_hours"},
		{"a commitment by day", "POST", "/api/profile/" + me.ID + "/constraints", map[string]any{"max_weekly_hours": 38, "fixed_commitments": []any{map[string]any{"title": "Standup", "day": 2, "start": "09:00", "end": "09:15"}}}, 200, ""},
		{"a commitment with a stray key", "POST", "/api/profile/" + me.ID + "/constraints", map[string]any{"fixed_commitments": []any{map[string]any{"when": 2}}}, 400, "fixed_commitments"},
		{"days as text", "POST", "/api/workload/calculate", map[string]any{"user_id": me.ID, "days": "7"}, 400, "days"},
		{"answers as text", "POST", "/api/burnout/feedback", map[string]any{"user_id": me.ID, "cbi_answers": "x"}, 400, "cbi_answers"},
		{"answers with a skipped one", "POST", "/api/burnout/feedback", map[string]any{"user_id": me.ID, "cbi_answers": []any{3, 3, nil, 3, 3, 3, 3}}, 201, ""},
		{"helpful as text", "POST", "/api/recommendations/feedback", map[string]any{"recommendation_id": "r", "action": "accepted", "helpful": "yes"}, 400, "helpful"},
		{"quick add now empty", "POST", "/api/tasks/" + me.ID + "/parse", map[string]any{"text": "Call Bob tomorrow", "now": ""}, 400, "now"},
		{"quick add now null", "POST", "/api/tasks/" + me.ID + "/parse", map[string]any{"text": "Call Bob tomorrow", "now": nil}, 200, ""},
		{"quick add now as a number", "POST", "/api/tasks/" + me.ID + "/parse", map[string]any{"text": "Call Bob tomorrow", "now": 5}, 400, "now"},
		{"extract now empty", "POST", "/api/extract/text", map[string]any{"text": "Bob will send the report by Friday.", "now": ""}, 201, ""},
		{"extract review as text", "POST", "/api/extract/text", map[string]any{"text": "Bob will send the report.", "review": "yes"}, 400, "review"},
		{"extract now with its offset", "POST", "/api/extract/text", map[string]any{"text": "Bob will send the report by Friday.", "now": "2026-11-25T17:00:00+01:00"}, 201, ""},
		{"no recommendation", "POST", "/api/recommendations/feedback", map[string]any{"action": "accepted", "helpful": nil}, 400, "recommendation_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body := b.do(c.method, c.path, me.Access, c.body)
			if res.StatusCode != c.status {
				t.Fatalf("%d, want %d: %s", res.StatusCode, c.status, body)
			}
			var e struct {
				Error struct{ Field string } `json:"error"`
			}
			_ = json.Unmarshal(body, &e)
			if e.Error.Field != c.field {
				t.Errorf("field %q, want %q: %s", e.Error.Field, c.field, body)
			}
		})
	}
	var cons struct {
		FixedCommitments []struct{ Weekday int } `json:"fixed_commitments"`
	}
	_, body := b.do("GET", "/api/profile/"+me.ID, me.Access, nil)
	var p struct {
		Constraints json.RawMessage `json:"constraints"`
	}
	_ = json.Unmarshal(body, &p)
	_ = json.Unmarshal(p.Constraints, &cons)
	if len(cons.FixedCommitments) != 1 || cons.FixedCommitments[0].Weekday != 2 {
		t.Errorf("a commitment sent by day: %s", p.Constraints)
	}
}
