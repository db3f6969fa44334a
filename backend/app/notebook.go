package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/modelmgr"
	"sentry/backend/notebook"
	"sentry/backend/ollama"
)

// newNotebooks wires the notebook feature: Ollama embeddings and grounded
// answers when the local server has the models, the built-in embedder and
// extractive answers otherwise.
func newNotebooks(ctx context.Context, a *App, llm *ollama.Extractor, logger *slog.Logger) *notebook.Service {
	svc := notebook.NewService(a.Store, a.Uploads, a.Store, logger)
	svc.Reader = a.Ingest
	svc.Shared = a.PG != nil // other servers may index from the same queue
	if llm == nil {
		return svc
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	// The embedding model chosen in Settings → Models (else the configured
	// one) is read at start: a notebook's vectors all come from one model,
	// and a new choice re-embeds the documents at the next start.
	model := a.LanguageModels.Chosen(pctx).Embeddings
	if model == "" {
		model = config.DefaultEmbedModel
	}
	if ok, err := llm.Client.HasModel(pctx, model); err == nil && ok {
		svc.Embedder = &ollamaEmbedder{client: llm.Client, model: model, dim: 768}
		logger.Info("notebooks embed with ollama", slog.String("model", model))
	}
	// A model chosen later applies at once: documents get its vectors in
	// the background (on a team server, in this instance; the others
	// switch at their next start).
	a.LanguageModels.Embeddings = notebookEmbeddings{svc: svc, client: llm.Client}
	// With a model for answers there at start, each question uses the one
	// chosen at the moment of asking (Settings → Models checks that a new
	// choice is installed).
	answers := func(ctx context.Context) string { return a.LanguageModels.Chosen(ctx).Answers }
	if ok, err := llm.Client.HasModel(pctx, answers(pctx)); err == nil && ok {
		svc.Chat = &ollamaChat{client: llm.Client, model: answers}
	}
	return svc
}

// notebookEmbeddings lets Settings → Models switch the notebooks'
// embedder while the app runs.
type notebookEmbeddings struct {
	svc    *notebook.Service
	client *ollama.Client
}

func (n notebookEmbeddings) UseEmbeddings(_ context.Context, model string) error {
	n.svc.UseEmbedder(&ollamaEmbedder{client: n.client, model: model, dim: 768})
	return nil
}

func (n notebookEmbeddings) EmbeddingsProgress() (string, *modelmgr.Reembedding) {
	st := n.svc.ReembedProgress()
	inUse, ok := strings.CutPrefix(st.Model, "ollama:")
	if !ok {
		inUse = "" // the built-in embedder
	}
	if st.State == "" {
		return inUse, nil
	}
	return inUse, &modelmgr.Reembedding{Model: inUse, State: st.State, Done: st.Done, Total: st.Total, Error: st.Error}
}

// ollamaEmbedder is core.Embedder over Ollama /api/embed.
type ollamaEmbedder struct {
	client *ollama.Client
	model  string
	dim    int
}

func (e *ollamaEmbedder) Model() string { return "ollama:" + e.model }
func (e *ollamaEmbedder) Dim() int      { return e.dim }
func (e *ollamaEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return e.client.Embed(ctx, e.model, texts)
}

// ollamaChat is core.ChatModel over Ollama /api/chat, with the model
// chosen in Settings → Models.
type ollamaChat struct {
	client *ollama.Client
	model  func(ctx context.Context) string
}

func (c *ollamaChat) Name() string { return c.model(context.Background()) }
func (c *ollamaChat) Chat(ctx context.Context, turns []core.ChatTurn) (string, error) {
	msgs := make([]ollama.Message, len(turns))
	for i, t := range turns {
		msgs[i] = ollama.Message{Role: t.Role, Content: t.Content}
	}
	return c.client.Chat(ctx, ollama.ChatRequest{Model: c.model(ctx), Messages: msgs, Options: map[string]any{"temperature": 0}})
}

// ChatStream streams the reply (notebook.StreamingChat).
func (c *ollamaChat) ChatStream(ctx context.Context, turns []core.ChatTurn, onToken func(string) error) (string, error) {
	msgs := make([]ollama.Message, len(turns))
	for i, t := range turns {
		msgs[i] = ollama.Message{Role: t.Role, Content: t.Content}
	}
	return c.client.ChatStream(ctx, ollama.ChatRequest{Model: c.model(ctx), Messages: msgs, Options: map[string]any{"temperature": 0}}, onToken)
}
