package notebook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"sentry/backend/core"
)

// ReembedStatus is how far the documents are in getting the vectors of
// the embedding model in use, after it changed while the app ran.
type ReembedStatus struct {
	// Model is the embedder new documents and questions use now.
	Model string `json:"model"`
	// State is "" (nothing to do since the start), running, done or
	// failed (the model could not embed; the rest waits for the next
	// start or change).
	State string `json:"state,omitempty"`
	// Done of Total documents have the new vectors.
	Done  int    `json:"done"`
	Total int    `json:"total"`
	Error string `json:"error,omitempty"`
}

// live is the embedder chosen while the service runs, and the
// re-embedding it started.
type live struct {
	mu  sync.Mutex
	emb core.Embedder
	// before are the embedders used earlier in this run: documents not
	// re-embedded yet are still searched with their vectors.
	before []core.Embedder
	status ReembedStatus
	cancel context.CancelFunc
	ctx    context.Context // the service's lifetime (Resume's), for the background work
}

// embedder is the embedder new chunks and queries use: the one switched to
// while running, else Embedder.
func (s *Service) embedder() core.Embedder {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	if s.live.emb != nil {
		return s.live.emb
	}
	return s.Embedder
}

// UseEmbedder switches new documents and questions to emb at once, and
// gives the documents embedded by another model emb's vectors in the
// background, one at a time, while they stay searchable (each model's
// vectors are searched with that model; BM25 covers the rest).
// ReembedProgress follows it. A switch while one runs stops that one.
func (s *Service) UseEmbedder(emb core.Embedder) {
	s.live.mu.Lock()
	if s.live.cancel != nil {
		s.live.cancel()
	}
	base := s.live.ctx
	if base == nil {
		base = context.Background()
	}
	ctx, cancel := context.WithCancel(base)
	prev := s.live.emb
	if prev == nil {
		prev = s.Embedder
	}
	if prev != nil && prev.Model() != emb.Model() {
		s.live.before = append([]core.Embedder{prev}, s.live.before...)
	}
	s.live.emb, s.live.cancel = emb, cancel
	s.live.status = ReembedStatus{Model: emb.Model(), State: "running"}
	s.live.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		total := 0
		if docs, err := s.store.FindDocumentsToReembed(ctx, emb.Model(), 100000); err == nil {
			total = len(docs)
		}
		s.setReembed(emb, func(st *ReembedStatus) { st.Total = total })
		k, err := s.reembed(ctx, emb, func(done int) {
			s.setReembed(emb, func(st *ReembedStatus) { st.Done, st.Total = done, max(st.Total, done) })
		})
		switch {
		case ctx.Err() != nil:
			return // switched again, or stopping
		case err != nil:
			s.logger.Error("re-embed notebook documents", slog.String("model", emb.Model()), slog.Any("error", err))
			why := "The model could not embed the documents; they are tried again at the next start."
			var w WidthError
			if errors.As(err, &w) {
				why = w.Error()
			}
			s.setReembed(emb, func(st *ReembedStatus) { st.State, st.Error = "failed", why })
		default:
			s.logger.Info("re-embedded notebook documents", slog.Int("count", k), slog.String("model", emb.Model()))
			s.setReembed(emb, func(st *ReembedStatus) { st.State, st.Done, st.Total = "done", k, k })
		}
	}()
}

// earlier is the embedder of model used earlier in this run, or nil.
func (s *Service) earlier(model string) core.Embedder {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	for _, e := range s.live.before {
		if e.Model() == model {
			return e
		}
	}
	return nil
}

// setReembed updates the progress when emb is still the one in use.
func (s *Service) setReembed(emb core.Embedder, f func(*ReembedStatus)) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	if s.live.emb == emb {
		f(&s.live.status)
	}
}

// ReembedProgress reports the embedder in use and any re-embedding since
// it was switched to while running.
func (s *Service) ReembedProgress() ReembedStatus {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	if s.live.emb != nil {
		return s.live.status
	}
	st := ReembedStatus{}
	if s.Embedder != nil {
		st.Model = s.Embedder.Model()
	}
	return st
}

// WidthError: the model's vectors are not as wide as a notebook's index
// takes, so its documents keep the vectors they have.
type WidthError struct {
	Model     string
	Got, Want int
}

func (e WidthError) Error() string {
	return fmt.Sprintf("%s makes vectors of %d numbers, and notebooks take %d: choose an embedding model of that width, like nomic-embed-text. The documents keep the vectors they have.",
		strings.TrimPrefix(e.Model, "ollama:"), e.Got, e.Want)
}
