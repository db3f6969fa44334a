package httpapi_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"sentry/backend/httpapi"
)

// handWrittenResponses are the 2xx bodies whose schema is still written by
// hand: none now, and it stays so. A new route answers with a type of its
// own, registered in typedResponses, so its schema is derived from it.
var handWrittenResponses = []string{}

// notJSON are responses that are not one typed value: any JSON object.
var notJSON = []string{"object"}

// A route's documented response and the type its handler encodes cannot
// drift apart. The document's properties of every typed response are
// exactly the JSON names its type is encoded with; every route's response
// is typed or on the shrinking hand-written list. That each handler really
// encodes the type its response is derived from is checked on every
// request of this package's tests (newBackend sets httpapi.CheckResponses),
// and here on a round of reads of a fresh account.
func TestResponseTypesMatchTheDocument(t *testing.T) {
	b := newBackend(t, false)
	res, body := b.do("GET", "/api/openapi.json", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("openapi: %d", res.StatusCode)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
				OneOf      []json.RawMessage          `json:"oneOf"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	typed := httpapi.TypedResponseFields()
	handWritten := httpapi.HandWrittenSchemaNames()
	for name, fields := range typed {
		if slices.Contains(handWritten, name) {
			t.Errorf("%s is a response type and also written by hand", name)
		}
		schema, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("%s is not in the document", name)
			continue
		}
		if got := slices.Sorted(maps.Keys(schema.Properties)); !slices.Equal(got, fields) {
			t.Errorf("%s documents %v; its type is encoded with %v", name, got, fields)
		}
	}

	names := httpapi.TypedResponseNames()
	seen := map[string]bool{}
	var routes, hand int
	for _, rt := range b.app.Server().Routes() {
		if rt.Response == "" || slices.Contains(notJSON, rt.Response) {
			continue
		}
		isTyped := slices.Contains(names, rt.Response)
		isHand := slices.Contains(handWrittenResponses, rt.Response)
		switch {
		case isTyped && isHand:
			t.Errorf("%s %s: %s is a response type now; take it off handWrittenResponses", rt.Method, rt.Path, rt.Response)
		case !isTyped && !isHand:
			t.Errorf("%s %s: response %s is neither a response type nor on the hand-written list", rt.Method, rt.Path, rt.Response)
		}
		if _, ok := doc.Components.Schemas[rt.Response]; !ok {
			t.Errorf("%s %s: response %s is not in the document", rt.Method, rt.Path, rt.Response)
		}
		seen[rt.Response] = true
		routes++
		if !isTyped {
			hand++
		}
	}
	for _, name := range handWrittenResponses {
		if !seen[name] {
			t.Errorf("%s is on handWrittenResponses but no route answers with it", name)
		}
	}
	t.Logf("routes with a JSON response: %d; with a hand-written response schema: %d", routes, hand)

	// A round of reads: each answer goes through the check.
	me := b.signUp("responses@example.com")
	for _, path := range []string{
		"/health", "/api/auth/me", "/api/auth/providers", "/api/auth/sessions", "/api/users/" + me.ID + "/audit",
		"/api/teams", "/api/notebooks", "/api/extraction/history/" + me.ID, "/api/uploads/history/" + me.ID,
		"/api/integrations/" + me.ID, "/api/activity/" + me.ID, "/api/sync/conflicts", "/api/sync/state",
		"/api/burnout/questionnaire", "/api/recommendations/" + me.ID, "/api/burnout/history/" + me.ID,
	} {
		if res, body := b.do("GET", path, me.Access, nil); res.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", path, res.StatusCode, body)
		}
	}
}
