package httpapi

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"
)

// A value that cannot be encoded must never go out as a success status
// with a cut-off body: the body is encoded first, and a failure is a whole
// JSON error.
func TestWriteJSONEncodesBeforeTheStatusLine(t *testing.T) {
	rec := httptest.NewRecorder()
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	writeJSON(rec, 201, map[string]any{"deadline": far})
	if rec.Code != 500 {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	var e errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code != "internal" {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	rec = httptest.NewRecorder()
	writeJSON(rec, 201, map[string]string{"id": "x"})
	if rec.Code != 201 || rec.Body.String() != "{\"id\":\"x\"}\n" || rec.Header().Get("Content-Length") != "11" {
		t.Fatalf("%d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
}
