package core

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Notebook is a collection of documents a user asks questions about.
type Notebook struct {
	ID          string     `json:"id"`
	UserID      string     `json:"user_id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"-"`
	Version     int64      `json:"version"`
}

// Validate checks a notebook's fields.
func (n *Notebook) Validate() error {
	var err error
	if n.Name, err = CleanText("name", n.Name, false); err != nil {
		return err
	}
	if n.Description, err = CleanText("description", n.Description, true); err != nil {
		return err
	}
	n.Name = strings.TrimSpace(n.Name)
	n.Description = strings.TrimSpace(n.Description)
	switch {
	case n.Name == "":
		return FieldError("name", "A notebook needs a name.")
	case utf8.RuneCountInString(n.Name) > 200:
		return FieldError("name", "The name is longer than 200 characters.")
	case len(n.Description) > 10_000:
		return FieldError("description", "The description is longer than 10,000 bytes.")
	}
	return nil
}

// Document indexing statuses.
const (
	DocQueued   = "queued"
	DocIndexing = "indexing"
	DocReady    = "ready"
	DocFailed   = "failed"
)

// NotebookDocument is one file in a notebook and its indexing job.
type NotebookDocument struct {
	ID         string  `json:"id"`
	UserID     string  `json:"user_id"`
	NotebookID string  `json:"notebook_id"`
	UploadID   string  `json:"upload_id"`
	Filename   string  `json:"filename"`
	Kind       string  `json:"kind"`
	Status     string  `json:"status"`
	Stage      string  `json:"stage"`
	Progress   float64 `json:"progress"`
	// Error says why indexing failed (user-safe).
	Error      string     `json:"error,omitempty"`
	ChunkCount int        `json:"chunk_count"`
	PageCount  int        `json:"page_count"`
	Model      string     `json:"model"`
	Attempts   int        `json:"attempts"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	IndexedAt  *time.Time `json:"indexed_at"`
	DeletedAt  *time.Time `json:"-"`
	Version    int64      `json:"version"`
}

// Chunk is a passage of a document, the unit of retrieval. Start and End
// are byte offsets into the document's extracted text; Page the 1-based
// page where it starts (PageEnd where it ends).
type Chunk struct {
	Num        int64  `json:"-"`
	ID         string `json:"id"`
	UserID     string `json:"-"`
	NotebookID string `json:"notebook_id"`
	DocumentID string `json:"document_id"`
	Ord        int    `json:"ord"`
	Heading    string `json:"heading,omitempty"`
	Text       string `json:"text"`
	Page       int    `json:"page"`
	PageEnd    int    `json:"page_end"`
	Start      int    `json:"start"`
	End        int    `json:"end"`
	Tokens     int    `json:"tokens"`
	// AudioStart and AudioEnd place a recording's passage in it (seconds).
	AudioStart float64 `json:"audio_start,omitempty"`
	AudioEnd   float64 `json:"audio_end,omitempty"`
	// Model and Dim identify the embedding stored for the chunk.
	Model string `json:"model"`
	Dim   int    `json:"dim"`
}

// IndexedText is what the text index holds of the chunk: its text, with
// its heading before it unless the text already says it.
func (c *Chunk) IndexedText() string {
	if c.Heading != "" && !strings.Contains(c.Text, c.Heading) {
		return c.Heading + "\n" + c.Text
	}
	return c.Text
}

// MarkIndexed records that the document was indexed at now into chunks
// chunks: ready, its progress full and its error cleared.
func (d *NotebookDocument) MarkIndexed(now time.Time, chunks int) {
	d.Status, d.Stage, d.Progress, d.Error, d.ChunkCount = DocReady, "ready", 1, "", chunks
	d.UpdatedAt = now
	d.IndexedAt = &d.UpdatedAt
}

// ChunkHit is a chunk found by a search, with its rank-ordered score.
type ChunkHit struct {
	Chunk
	Filename string
	// Score is BM25 (lower is better, as FTS5 reports it) for text search
	// and cosine distance for vector search.
	Score float64
}

// Citation points an answer's [N] marker at a passage.
type Citation struct {
	N          int     `json:"n"`
	DocumentID string  `json:"document_id"`
	Filename   string  `json:"filename"`
	ChunkID    string  `json:"chunk_id"`
	Text       string  `json:"text"`
	Page       int     `json:"page"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	AudioStart float64 `json:"audio_start,omitempty"`
	AudioEnd   float64 `json:"audio_end,omitempty"`
	Score      float64 `json:"score"`
	// Quotes are the sentences the answer quotes from this passage, as
	// byte offsets into the document's text (like Start and End), so a
	// viewer can mark those and not the whole passage.
	Quotes []Quote `json:"quotes,omitempty"`
}

// Quote is one quoted sentence: the document's bytes [Start, End).
type Quote struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// NotebookMessage is one turn of a notebook's conversation.
type NotebookMessage struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	NotebookID string     `json:"notebook_id"`
	Role       string     `json:"role"` // user or assistant
	Content    string     `json:"content"`
	Citations  []Citation `json:"citations"`
	Engine     string     `json:"engine,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Embedder turns texts into vectors. Engines: the built-in hashed lexical
// embedder, Ollama /api/embed.
type Embedder interface {
	// Model identifies the vectors (stored with each one).
	Model() string
	Dim() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// ChatTurn is one message sent to a chat model.
type ChatTurn struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatModel answers a conversation (Ollama /api/chat).
type ChatModel interface {
	Name() string
	Chat(ctx context.Context, turns []ChatTurn) (string, error)
}

// NotebookStore keeps notebooks, their documents, chunks, vectors and
// conversations.
type NotebookStore interface {
	// CreateNotebook returns conflict (field name) when the user has a
	// live notebook of that name, ignoring ASCII case.
	CreateNotebook(ctx context.Context, n *Notebook) error
	// FindNotebookByID returns not_found for unknown or deleted notebooks.
	FindNotebookByID(ctx context.Context, id string) (*Notebook, error)
	FindNotebooks(ctx context.Context, userID string) ([]*Notebook, error)
	// DeleteNotebook soft-deletes the notebook and its documents, removes
	// chunks, vectors and messages, and returns the upload ids it used.
	DeleteNotebook(ctx context.Context, id string) ([]string, error)

	CreateNotebookDocument(ctx context.Context, d *NotebookDocument) error
	// FindNotebookDocumentByID returns not_found for unknown or deleted ones.
	FindNotebookDocumentByID(ctx context.Context, id string) (*NotebookDocument, error)
	FindNotebookDocuments(ctx context.Context, notebookID string) ([]*NotebookDocument, error)
	// UpdateNotebookDocument saves status, stage, progress, error and counts.
	UpdateNotebookDocument(ctx context.Context, d *NotebookDocument) error
	// DeleteNotebookDocument soft-deletes a document and removes its chunks.
	DeleteNotebookDocument(ctx context.Context, id string) error
	// ClaimNotebookDocumentByID moves a document to indexing, counting an
	// attempt, when it is queued or when its worker has shown no sign of
	// life since staleBefore. not_found when it is gone or no longer queued
	// or indexing; conflict while a live worker holds it.
	ClaimNotebookDocumentByID(ctx context.Context, id string, staleBefore time.Time) (*NotebookDocument, error)
	// FindUnfinishedNotebookDocuments lists the ids of documents queued or
	// indexing, oldest first.
	FindUnfinishedNotebookDocuments(ctx context.Context) ([]string, error)
	// RequeueIndexing puts documents left indexing whose last sign of life
	// (updated_at) is before staleBefore back in the queue.
	RequeueIndexing(ctx context.Context, staleBefore time.Time) (int, error)
	// TouchNotebookDocument marks an indexing document alive (heartbeat).
	TouchNotebookDocument(ctx context.Context, id string) error
	// ReplaceChunks swaps a document's chunks (and their text and vector
	// index entries) for new ones and marks it ready, in one transaction.
	// vectors[i] belongs to chunks[i]; not_found when the document is gone.
	ReplaceChunks(ctx context.Context, d *NotebookDocument, chunks []*Chunk, vectors [][]float32) error

	// FindDocumentsToReembed lists ready documents whose vectors were not
	// made by model, oldest first.
	FindDocumentsToReembed(ctx context.Context, model string, limit int) ([]*NotebookDocument, error)
	// FindChunks returns a document's chunks in order.
	FindChunks(ctx context.Context, documentID string) ([]*Chunk, error)
	// ReplaceVectors swaps the vectors of a document's chunks for ones made
	// by model (vectors[i] for chunks[i]), in one transaction; the text
	// index is untouched. not_found when the document is gone.
	ReplaceVectors(ctx context.Context, documentID, model string, dim int, chunks []*Chunk, vectors [][]float32) error

	// SearchChunksText runs an FTS5 MATCH expression (built by the caller
	// from sanitised terms) within a notebook, best first.
	SearchChunksText(ctx context.Context, notebookID, match string, k int) ([]ChunkHit, error)
	// CountChunkTextMatches counts the chunks of all notebooks an FTS5
	// expression matches, stopping at limit (it reads posting lists only,
	// so it is cheap next to ranking).
	CountChunkTextMatches(ctx context.Context, match string, limit int) (int, error)
	// SearchChunksVector finds the k nearest chunks embedded by model.
	SearchChunksVector(ctx context.Context, notebookID, model string, vec []float32, k int) ([]ChunkHit, error)
	// NotebookModels lists the embedding models of a notebook's chunks.
	NotebookModels(ctx context.Context, notebookID string) ([]string, error)

	CreateNotebookMessage(ctx context.Context, m *NotebookMessage) error
	// FindNotebookMessages returns the last limit messages, oldest first.
	FindNotebookMessages(ctx context.Context, notebookID string, limit int) ([]*NotebookMessage, error)
}
