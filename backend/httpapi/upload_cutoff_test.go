package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/jobtest"
)

// uploadLog is a log sink the server's goroutines and the test share.
type uploadLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *uploadLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// records returns the JSON log records written so far.
func (s *uploadLog) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(s.b.Bytes(), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// newUploadLogBackend is an upload backend whose log the test reads.
func newUploadLogBackend(t *testing.T, mut func(*config.Config)) (*testBackend, *uploadLog) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.OllamaHost = ""
	if mut != nil {
		mut(&cfg)
	}
	logs := &uploadLog{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &testBackend{t: t, app: a, srv: srv}, logs
}

// rawUploadPost sends a POST over its own TCP connection: the head, then body,
// then (if halfClose) ends the client's side, as a client that gives up
// does, and reads the answer.
func rawUploadPost(t *testing.T, addr, path, token, contentType string, contentLength int, body []byte, halfClose bool) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second)) // an outer bound only
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		path, addr, token, contentType, contentLength)
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		t.Fatal(err)
	}
	if halfClose {
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return res
}

// A client that stops sending part-way through a file is at fault: 400
// with a JSON error saying so, and no ERROR in the log, on every route
// that takes files.
func TestUploadCutOff(t *testing.T) {
	b, logs := newUploadLogBackend(t, nil)
	acc := b.signUp("cutoff@example.com")
	_, body := b.do("POST", "/api/uploads/create-session", acc.Access, nil)
	var sess struct {
		ID string `json:"session_id"`
	}
	_ = json.Unmarshal(body, &sess)
	nb := b.createNotebook(acc, "Cut")

	const boundary = "cutoffboundary"
	ct := "multipart/form-data; boundary=" + boundary
	partHead := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\n"
	some := partHead + strings.Repeat("Call the plumber tomorrow.\n", 4000) // ~100 KB of the file, no closing boundary
	routes := map[string]string{
		"session upload":  "/api/uploads/session/" + sess.ID + "/upload",
		"notebook upload": "/api/notebooks/" + nb + "/upload",
		"extract upload":  "/api/extract/document",
	}
	for route, path := range routes {
		for _, tc := range []struct {
			name          string
			contentLength int
			halfClose     bool
		}{
			{name: "connection ends before Content-Length", contentLength: len(some) + 1<<20, halfClose: true},
			{name: "multipart body ends without its closing boundary", contentLength: len(some)},
		} {
			t.Run(route+"/"+tc.name, func(t *testing.T) {
				res := rawUploadPost(t, b.srv.Listener.Addr().String(), path, acc.Access, ct, tc.contentLength, []byte(some), tc.halfClose)
				out, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %s", res.StatusCode, out)
				}
				if code, _ := errorOf(t, out); code != "invalid" || !strings.Contains(string(out), "cut off") {
					t.Fatalf("error %s: %s", code, out)
				}
				waitUploadLogged(t, logs, res.Header.Get("X-Request-Id"))
			})
		}
	}
	for _, rec := range logs.records(t) {
		if rec["level"] == "ERROR" {
			t.Fatalf("ERROR logged for a client's cut-off upload: %v", rec)
		}
	}
}

// waitUploadLogged waits for a request's access log line (written after the
// response), so every log line of that request is in.
func waitUploadLogged(t *testing.T, logs *uploadLog, requestID string) {
	t.Helper()
	jobtest.Wait(t, "the access log line of request "+requestID, func() (bool, string) {
		recs := logs.records(t)
		for _, rec := range recs {
			if rec["msg"] == "request" && rec["request_id"] == requestID {
				return true, ""
			}
		}
		return false, jobtest.State(len(recs))
	})
}
