package app

import (
	"context"
	"log/slog"
	"os"
	"time"

	"sentry/backend/core"
	"sentry/backend/docparse"
	"sentry/backend/notebook"
	"sentry/backend/ollama"
	"sentry/backend/pdfraster"
	"sentry/backend/tesseract"
)

// DefaultEmbedModel is the Ollama embedding model notebooks use when it
// is pulled (SENTRY_EMBED_MODEL overrides it).
const DefaultEmbedModel = "nomic-embed-text"

// newNotebooks wires the notebook feature: Ollama embeddings and grounded
// answers when the local server has the models, the built-in embedder and
// extractive answers otherwise.
func newNotebooks(ctx context.Context, a *App, llm *ollama.Extractor, logger *slog.Logger) *notebook.Service {
	svc := notebook.NewService(a.DB, a.Uploads, a.DB, logger)
	svc.ReadMedia = notebookMedia(a)
	svc.RenderPage = pdfraster.Render
	if pdfraster.Available() {
		svc.OCRPage = func(ctx context.Context, pdf []byte, page int) (string, error) {
			png, err := pdfraster.Page(ctx, pdf, page, 200)
			if err != nil {
				return "", err
			}
			res, err := tesseract.Recognize(ctx, png, tesseract.Options{})
			if err != nil {
				return "", err
			}
			return res.Text, nil
		}
	}
	if llm == nil {
		return svc
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	model := os.Getenv("SENTRY_EMBED_MODEL")
	if model == "" {
		model = DefaultEmbedModel
	}
	if ok, err := llm.Client.HasModel(pctx, model); err == nil && ok {
		svc.Embedder = &ollamaEmbedder{client: llm.Client, model: model, dim: 768}
		logger.Info("notebooks embed with ollama", slog.String("model", model))
	}
	if ok, err := llm.Client.HasModel(pctx, llm.Model); err == nil && ok {
		svc.Chat = &ollamaChat{client: llm.Client, model: llm.Model}
	}
	return svc
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

// ollamaChat is core.ChatModel over Ollama /api/chat.
type ollamaChat struct {
	client *ollama.Client
	model  string
}

func (c *ollamaChat) Name() string { return c.model }
func (c *ollamaChat) Chat(ctx context.Context, turns []core.ChatTurn) (string, error) {
	msgs := make([]ollama.Message, len(turns))
	for i, t := range turns {
		msgs[i] = ollama.Message{Role: t.Role, Content: t.Content}
	}
	return c.client.Chat(ctx, ollama.ChatRequest{Model: c.model, Messages: msgs, Options: map[string]any{"temperature": 0}})
}

// notebookMedia reads images and recordings for notebooks with the same
// engines as extraction (readSource): Tesseract OCR, and Vosk speech
// recognition with the model the model manager has (a clear unsupported
// error names what to install when there is none).
func notebookMedia(a *App) notebook.MediaReader {
	return func(ctx context.Context, data []byte, kind string, progress func(string, float64)) (*notebook.Media, error) {
		model := ""
		if a.Models != nil {
			model = a.Models.Current(ctx)
		}
		src, err := readSource(ctx, data, docparse.Kind(kind), false, model, nil, progress)
		if err != nil {
			return nil, err
		}
		m := &notebook.Media{Text: src.Text}
		for _, sp := range src.Audio {
			m.Times = append(m.Times, notebook.TimeSpan{Start: sp.Start, End: sp.End, From: sp.AudioStart, To: sp.AudioEnd})
		}
		return m, nil
	}
}

// ChatStream streams the reply (notebook.StreamingChat).
func (c *ollamaChat) ChatStream(ctx context.Context, turns []core.ChatTurn, onToken func(string) error) (string, error) {
	msgs := make([]ollama.Message, len(turns))
	for i, t := range turns {
		msgs[i] = ollama.Message{Role: t.Role, Content: t.Content}
	}
	return c.client.ChatStream(ctx, ollama.ChatRequest{Model: c.model, Messages: msgs, Options: map[string]any{"temperature": 0}}, onToken)
}
