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
	"ExtractTextRequest", "ModelChoice", "ModelPullRequest", "QuickAddRequest", "SyncDeviceInput", "SyncPush",
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
