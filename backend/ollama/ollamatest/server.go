// Package ollamatest is a local stand-in for an Ollama server that speaks
// its HTTP API (/api/version, /api/tags, /api/chat, /api/embed) — no
// model weights can be downloaded here. Chat answers come from a function
// the test provides; embeddings are deterministic hashed vectors.
package ollamatest

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// ChatFunc answers a chat request (the decoded JSON body) with the
// assistant's content.
type ChatFunc func(req map[string]any) string

// Server is a running stand-in.
type Server struct {
	URL    string
	Models []string
	Chat   ChatFunc
	// Dim is the embedding dimension (default 768).
	Dim int
	// Hold, when set, pauses a streamed chat answer after its first piece
	// until it is closed (or the client goes away), so tests can see
	// tokens arrive before the answer is complete.
	Hold chan struct{}
	// Cancelled counts streamed answers whose client went away mid-stream.
	Cancelled atomic.Int32

	mu       sync.Mutex
	requests []map[string]any
}

// Start runs a stand-in until the test ends.
func Start(tb testing.TB, models ...string) *Server {
	tb.Helper()
	s := &Server{Models: models, Dim: 768}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"version": "0.0.0-standin"})
	})
	mux.HandleFunc("GET /api/tags", func(w http.ResponseWriter, r *http.Request) {
		var ms []map[string]any
		for _, m := range s.Models {
			ms = append(ms, map[string]any{"name": m, "model": m, "size": 1})
		}
		writeJSON(w, 200, map[string]any{"models": ms})
	})
	mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]any{"error": "invalid JSON"})
			return
		}
		if !s.has(req["model"]) {
			writeJSON(w, 404, map[string]any{"error": "model '" + str(req["model"]) + "' not found, try pulling it first"})
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		chat := s.Chat
		s.mu.Unlock()
		content := `{"tasks":[]}`
		if chat != nil {
			content = chat(req)
		}
		if stream, ok := req["stream"].(bool); !ok || stream {
			// Ollama streams by default: one JSON object a line, the
			// answer in pieces, then a final one with done.
			w.Header().Set("Content-Type", "application/x-ndjson")
			enc := json.NewEncoder(w)
			for i, piece := range strings.SplitAfter(content, " ") {
				enc.Encode(map[string]any{"model": req["model"], "message": map[string]any{"role": "assistant", "content": piece}, "done": false})
				if f, ok := w.(http.Flusher); ok {
					f.Flush()
				}
				if i == 0 && s.Hold != nil {
					select {
					case <-s.Hold:
					case <-r.Context().Done():
						s.Cancelled.Add(1)
						return
					}
				}
			}
			enc.Encode(map[string]any{"model": req["model"], "message": map[string]any{"role": "assistant", "content": ""}, "done": true, "done_reason": "stop"})
			return
		}
		writeJSON(w, 200, map[string]any{"model": req["model"], "created_at": "2026-01-01T00:00:00Z",
			"message": map[string]any{"role": "assistant", "content": content}, "done": true, "done_reason": "stop"})
	})
	mux.HandleFunc("POST /api/embed", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
			Input any    `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]any{"error": "invalid JSON"})
			return
		}
		if !s.has(req.Model) {
			writeJSON(w, 404, map[string]any{"error": "model not found"})
			return
		}
		var inputs []string
		switch v := req.Input.(type) {
		case string:
			inputs = []string{v}
		case []any:
			for _, x := range v {
				inputs = append(inputs, str(x))
			}
		}
		out := make([][]float32, len(inputs))
		for i, in := range inputs {
			out[i] = Vector(in, s.Dim)
		}
		writeJSON(w, 200, map[string]any{"model": req.Model, "embeddings": out})
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Requests returns the chat requests received so far.
func (s *Server) Requests() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.requests...)
}

func (s *Server) has(model any) bool {
	m := str(model)
	for _, x := range s.Models {
		if x == m || x == m+":latest" {
			return true
		}
	}
	return false
}

// Vector is a deterministic unit vector of hashed words.
func Vector(text string, dim int) []float32 {
	v := make([]float32, dim)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		h := fnv.New32a()
		h.Write([]byte(w))
		v[int(h.Sum32())%dim]++
	}
	var n float64
	for _, x := range v {
		n += float64(x * x)
	}
	if n > 0 {
		for i := range v {
			v[i] = float32(float64(v[i]) / math.Sqrt(n))
		}
	}
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
