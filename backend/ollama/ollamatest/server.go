// Package ollamatest is a local stand-in for an Ollama server that speaks
// its HTTP API (/api/version, /api/tags, /api/show, /api/pull, /api/chat,
// /api/embed) — no model weights can be downloaded here. Chat answers come
// from a function the test provides; embeddings are deterministic hashed
// vectors; a pull streams the server's progress lines for a model of the
// stand-in's Library and then lists it as installed.
package ollamatest

import (
	"crypto/sha256"
	"encoding/hex"
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
	// Library is what a pull can fetch: model name → size in bytes.
	Library map[string]int64
	// PullHold, when set, pauses every pull after its first progress line
	// until it is closed (or the client goes away, which PullsCancelled
	// counts), so tests can see progress before the end and cancel.
	PullHold chan struct{}
	// PullsCancelled counts pulls whose client went away mid-stream.
	PullsCancelled atomic.Int32
	// Sizes are the installed models' sizes (1 byte when not given).
	Sizes map[string]int64

	mu       sync.Mutex
	requests []map[string]any
}

// Start runs a stand-in until the test ends.
func Start(tb testing.TB, models ...string) *Server {
	tb.Helper()
	s := &Server{Models: models, Dim: 768, Library: map[string]int64{}, Sizes: map[string]int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"version": "0.0.0-standin"})
	})
	mux.HandleFunc("GET /api/tags", func(w http.ResponseWriter, r *http.Request) {
		ms := []map[string]any{}
		s.mu.Lock()
		for _, m := range s.Models {
			size := s.Sizes[m]
			if size == 0 {
				size = 1
			}
			ms = append(ms, map[string]any{"name": m, "model": m, "size": size, "modified_at": "2026-01-01T00:00:00Z",
				"digest": digest(m), "details": map[string]any{"format": "gguf", "family": family(m), "parameter_size": "8B", "quantization_level": "Q4_K_M"}})
		}
		s.mu.Unlock()
		writeJSON(w, 200, map[string]any{"models": ms})
	})
	mux.HandleFunc("POST /api/show", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
			Name  string `json:"name"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]any{"error": "invalid JSON"})
			return
		}
		if req.Model == "" {
			req.Model = req.Name
		}
		if !s.has(req.Model) {
			writeJSON(w, 404, map[string]any{"error": "model '" + req.Model + "' not found"})
			return
		}
		writeJSON(w, 200, map[string]any{"modelfile": "FROM " + req.Model, "details": map[string]any{"format": "gguf", "family": family(req.Model)},
			"model_info": map[string]any{"general.architecture": family(req.Model)}, "capabilities": Capabilities(req.Model), "modified_at": "2026-01-01T00:00:00Z"})
	})
	mux.HandleFunc("POST /api/pull", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model  string `json:"model"`
			Name   string `json:"name"`
			Stream *bool  `json:"stream"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]any{"error": "invalid JSON"})
			return
		}
		if req.Model == "" {
			req.Model = req.Name
		}
		s.mu.Lock()
		size, ok := s.Library[req.Model]
		if !ok && !strings.Contains(req.Model, ":") {
			size, ok = s.Library[req.Model+":latest"]
		}
		hold := s.PullHold
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		flush := func() {
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
		}
		enc.Encode(map[string]any{"status": "pulling manifest"})
		flush()
		if !ok {
			// The server streams its refusal as an error line, as the real one does.
			enc.Encode(map[string]any{"error": "pull model manifest: file does not exist"})
			return
		}
		d := digest(req.Model)
		const steps = 4
		for i := 0; i <= steps; i++ {
			enc.Encode(map[string]any{"status": "pulling " + d[7:19], "digest": d, "total": size, "completed": size * int64(i) / steps})
			flush()
			if i == 0 && hold != nil {
				select {
				case <-hold:
				case <-r.Context().Done():
					s.PullsCancelled.Add(1)
					return
				}
			}
		}
		for _, st := range []string{"verifying sha256 digest", "writing manifest"} {
			enc.Encode(map[string]any{"status": st})
		}
		s.mu.Lock()
		if !s.has(req.Model) {
			name := req.Model
			if !strings.Contains(name, ":") {
				name += ":latest"
			}
			s.Models = append(s.Models, name)
			s.Sizes[name] = size
		}
		s.mu.Unlock()
		enc.Encode(map[string]any{"status": "success"})
	})
	mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, 400, map[string]any{"error": "invalid JSON"})
			return
		}
		if !s.hasLocked(req["model"]) {
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
		if !s.hasLocked(req.Model) {
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

// Installed returns the installed models' names.
func (s *Server) Installed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.Models...)
}

func (s *Server) hasLocked(model any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.has(model)
}

// Capabilities are what /api/show says a model can do: a name with
// "embed" in it makes vectors, "llava" also sees images, any other chats.
func Capabilities(model string) []string {
	switch {
	case strings.Contains(model, "embed"):
		return []string{"embedding"}
	case strings.Contains(model, "llava"):
		return []string{"completion", "vision"}
	}
	return []string{"completion"}
}

func family(model string) string {
	name, _, _ := strings.Cut(model, ":")
	name, _, _ = strings.Cut(name, "-")
	return strings.TrimRight(name, ".0123456789")
}

func digest(model string) string {
	sum := sha256.Sum256([]byte(model))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// has tells whether model is installed; s.mu is held.
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
