package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The check sees a handler answer with a type other than the one its
// route's response is derived from — a map in place of the type, another
// type, one of a oneOf's members or not — and stays quiet on the type
// itself, a pointer to it, and error answers.
func TestResponseCheckCatchesAnotherType(t *testing.T) {
	cases := []struct {
		name     string
		response string
		status   int
		body     any
		problem  string // part of the report; "" for none
	}{
		{"the type", "Message", 200, message{"ok"}, ""},
		{"a pointer to it", "Message", 200, &message{"ok"}, ""},
		{"a map with the same keys", "Message", 200, map[string]any{"message": "ok"}, "encodes map[string]interface {}"},
		{"another type", "Redirect", 200, message{"ok"}, "describes its Redirect response from httpapi.redirect"},
		{"an error answer", "Message", 400, errorBody{Error: errorDetail{Code: "invalid", Message: "no"}}, ""},
		{"one of a oneOf", "ExtractionBatch", 202, extractionFiles{}, ""},
		{"none of a oneOf", "ExtractionBatch", 202, extractionList{}, "httpapi.extractionList"},
		{"a response not derived from a type", "NotTyped", 200, map[string]any{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &Server{}
			var got []string
			check := responseCheck(func(p string) { got = append(got, p) })
			s.respCheck.Store(&check)
			rt := Route{Method: "GET", Path: "/api/x", Response: c.response, Status: 200}
			h := s.checkResponse(rt, func(w http.ResponseWriter, r *http.Request) error {
				writeJSON(w, c.status, c.body)
				return nil
			})
			rec := httptest.NewRecorder()
			if err := h(rec, httptest.NewRequest("GET", "/api/x", nil)); err != nil {
				t.Fatal(err)
			}
			if rec.Code != c.status {
				t.Fatalf("status %d", rec.Code)
			}
			switch {
			case c.problem == "" && len(got) != 0:
				t.Fatalf("reported %q", got)
			case c.problem != "" && (len(got) != 1 || !strings.Contains(got[0], c.problem)):
				t.Fatalf("reported %q, want one report with %q", got, c.problem)
			}
		})
	}

	// Without a check set, the handler's writer is the server's own.
	s := &Server{}
	h := s.checkResponse(Route{Response: "Message"}, func(w http.ResponseWriter, r *http.Request) error {
		if _, ok := w.(*checkedWriter); ok {
			t.Error("a writer wrapped with no check set")
		}
		return nil
	})
	_ = h(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}
