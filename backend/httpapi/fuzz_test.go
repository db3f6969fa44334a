package httpapi_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzAuthAndTaskBodies sends arbitrary bodies to the auth endpoints and
// the task endpoints: every answer must be a deliberate one (never a 500),
// and an error must be JSON.
func FuzzAuthAndTaskBodies(f *testing.F) {
	b := newBackend(f, false)
	acc := b.signUp("fuzzer@example.com")
	for _, seed := range []string{
		`{"email":"a@b.co","password":"12345678","first_name":"a","last_name":"b"}`,
		`{"email":"fuzzer@example.com","password":"x"}`, `{"refresh_token":""}`, `{"title":"t","deadline":"2026-01-01T00:00:00Z"}`,
		`{"title":"t","task_type":"meeting","start_time":"2026-01-01T00:00:00Z","end_time":"2025-01-01T00:00:00Z"}`,
		`{"title":1e999}`, `{"attendees":[null]}`, `[]`, `null`, `{"a":{"b":{"c":[[[[]]]]}}}`, "\x00", `{"title":"\ud800"}`,
		`{"email":"a@b.co","code":"000000"}`, `{"email":"a@b.co","code":"1","new_password":"abcdefgh"}`,
	} {
		f.Add(uint8(0), []byte(seed))
	}
	paths := []string{"/api/users/", "/api/auth/login", "/api/auth/refresh-token", "/api/auth/logout",
		"/api/tasks/" + acc.ID, "/api/auth/verify-email", "/api/auth/reset-password", "/api/auth/forgot-password"}
	h := b.app.Handler()
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := paths[int(which)%len(paths)]
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+acc.Access)
		req.RemoteAddr = "192.0.2.1:1234"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Code != http.StatusTooManyRequests && !bytes.HasPrefix(rec.Body.Bytes(), []byte(`{"error":`)) {
			t.Fatalf("%s: non-JSON error %s", path, rec.Body)
		}
	})
}
