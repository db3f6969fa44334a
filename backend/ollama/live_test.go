package ollama_test

import (
	"context"
	"os"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/ollama"
)

// TestLiveOllama runs against a real server when OLLAMA_HOST is set.
func TestLiveOllama(t *testing.T) {
	host := os.Getenv("OLLAMA_HOST")
	if host == "" {
		t.Skip("skipped: set OLLAMA_HOST (and pull the model) to test against a real Ollama")
	}
	model := os.Getenv("SENTRY_OLLAMA_MODEL")
	if model == "" {
		model = ollama.DefaultModel
	}
	c, err := ollama.New(host, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &ollama.Extractor{Client: c, Model: model}
	if !e.Available(context.Background()) {
		t.Skipf("skipped: %s has no %s", host, model)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	got, err := e.Extract(ctx, "Alice: Bob, please write the changelog by Wednesday.\nBob: OK.",
		core.ExtractOptions{Now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Kind: "meeting_transcript"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("the model found no task")
	}
	t.Logf("model found: %+v", got)
}
