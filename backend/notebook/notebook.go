// Package notebook is the "chat with your documents" use case: notebooks
// of uploaded files, a durable indexing queue (parse → structure-aware
// chunks → embeddings → FTS5 and sqlite-vec), hybrid retrieval fused by
// reciprocal rank, and answers that cite the passages they come from —
// grounded on a local Ollama model when there is one, extractive
// otherwise, and an honest "not found" when nothing matches.
package notebook

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"sentry/backend/core"
	"sentry/backend/ingest"
	"sentry/backend/jobs"
	"sentry/backend/upload"
)

// Limits on chat input.
const (
	MaxQueryBytes   = 4000
	MaxHistoryTurns = 20
	DefaultTopK     = 6
)

// Service runs notebooks.
type Service struct {
	// Jobs runs indexing jobs (worker.go); Start makes a local queue when
	// it is nil.
	Jobs jobs.Queue
	// Shared says other servers index this database's documents too (see
	// extract.Service.Shared); Lease is how long a document may go without
	// a sign of life before another server takes it over.
	Shared bool
	Lease  time.Duration
	own    *jobs.Local

	store   core.NotebookStore
	uploads *upload.Service
	files   core.UploadStore
	logger  *slog.Logger

	// Embedder makes vectors for new chunks (Ollama when available);
	// Offline is the built-in fallback, also used for queries against
	// chunks it embedded.
	Embedder core.Embedder
	Offline  core.Embedder
	// Reader reads uploaded files (documents, images by OCR, recordings by
	// speech recognition) and draws PDF pages; the composition root wires
	// its engines. The default reads documents' text layers only: images
	// and recordings fail with a reason, and so do scan-only PDFs.
	Reader *ingest.Reader
	// Chat, when set, writes grounded answers; nil means extractive.
	Chat core.ChatModel
	// OfflineVectorWeight scales the built-in embedder's list in the rank
	// fusion: its vectors are lexical too, so they mostly repeat what BM25
	// knows and mostly add its near misses (PubMedQA: recall@5 0.941 alone
	// against BM25's 0.986). Model vectors count fully.
	OfflineVectorWeight float64
	// TextBudget bounds the passages BM25 ranks per query (see textQuery);
	// 0 ranks every match.
	TextBudget int
	// TopK is how many passages an answer draws on.
	TopK int
	// Chunking sizes chunks.
	Chunking ChunkOptions
	// EmbedBatch is how many chunks go to the embedder at once.
	EmbedBatch int
	Now        func() time.Time

	wg   sync.WaitGroup // re-embedding
	live live           // the embedder switched to while running
}

// NewService returns a notebook service using the built-in embedder.
func NewService(store core.NotebookStore, uploads *upload.Service, files core.UploadStore, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, uploads: uploads, files: files, logger: logger,
		Embedder: HashEmbedder{}, Offline: HashEmbedder{}, Reader: ingest.New(ingest.Engines{}), OfflineVectorWeight: 0.5, TextBudget: DefaultTextBudget, TopK: DefaultTopK, EmbedBatch: 32, Now: time.Now}
}

// Create makes a notebook for the caller.
func (s *Service) Create(ctx context.Context, name, description string) (*core.Notebook, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	n := &core.Notebook{UserID: u.ID, Name: name, Description: description}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.CreateNotebook(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

// List returns the caller's notebooks.
func (s *Service) List(ctx context.Context) ([]*core.Notebook, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.FindNotebooks(ctx, u.ID)
}

// Get returns one of the caller's notebooks; another user's is not_found.
func (s *Service) Get(ctx context.Context, id string) (*core.Notebook, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.store.FindNotebookByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if n.UserID != u.ID {
		return nil, core.Errorf(core.ENOTFOUND, "Notebook not found.")
	}
	return n, nil
}

// Delete removes a notebook with its documents, chunks, vectors,
// conversation and files.
func (s *Service) Delete(ctx context.Context, id string) error {
	n, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	ups, err := s.store.DeleteNotebook(ctx, n.ID)
	if err != nil {
		return err
	}
	for _, up := range ups {
		if err := s.files.DeleteUpload(ctx, up); err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return err
		}
	}
	return nil
}

// Documents lists a notebook's documents with their indexing state.
func (s *Service) Documents(ctx context.Context, notebookID string) ([]*core.NotebookDocument, error) {
	n, err := s.Get(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	return s.store.FindNotebookDocuments(ctx, n.ID)
}

// Document returns one document of one of the caller's notebooks.
func (s *Service) Document(ctx context.Context, notebookID, id string) (*core.NotebookDocument, error) {
	n, err := s.Get(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	d, err := s.store.FindNotebookDocumentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.NotebookID != n.ID {
		return nil, core.Errorf(core.ENOTFOUND, "Document not found.")
	}
	return d, nil
}

// DeleteDocument removes a document, its chunks, vectors and file.
func (s *Service) DeleteDocument(ctx context.Context, notebookID, id string) error {
	d, err := s.Document(ctx, notebookID, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteNotebookDocument(ctx, d.ID); err != nil {
		return err
	}
	if d.UploadID != "" {
		if err := s.files.DeleteUpload(ctx, d.UploadID); err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return err
		}
	}
	return nil
}

// DocumentFile returns one of the caller's documents with its upload and
// its original file, opened to stream (the caller closes it).
func (s *Service) DocumentFile(ctx context.Context, notebookID, id string) (*core.NotebookDocument, *core.Upload, io.ReadSeekCloser, error) {
	d, err := s.Document(ctx, notebookID, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if d.UploadID == "" {
		return nil, nil, nil, core.Errorf(core.ENOTFOUND, "This document's file is gone.")
	}
	up, err := s.files.FindUploadByID(ctx, d.UploadID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, nil, nil, core.Errorf(core.ENOTFOUND, "This document's file is gone.")
	} else if err != nil {
		return nil, nil, nil, err
	}
	f, err := s.uploads.Open(ctx, up)
	if err != nil {
		return nil, nil, nil, err
	}
	return d, up, f, nil
}

// Page rendering bounds.
const (
	DefaultPageDPI = 110
	MinPageDPI     = 50
	MaxPageDPI     = 200
)

// DocumentPage renders one page (1-based) of one of the caller's PDF
// documents as PNG, a file to stream (the caller closes it); the PDF goes
// to the renderer as a stream, never whole in memory. Not a PDF:
// unsupported_media_type; a PDF whose pages are not counted yet (still
// indexing, or failed): conflict; a page out of range: not_found.
func (s *Service) DocumentPage(ctx context.Context, notebookID, id string, page, dpi int) (io.ReadSeekCloser, error) {
	if dpi == 0 {
		dpi = DefaultPageDPI
	}
	if dpi < MinPageDPI || dpi > MaxPageDPI {
		return nil, core.FieldError("dpi", "dpi must be between %d and %d.", MinPageDPI, MaxPageDPI)
	}
	d, err := s.Document(ctx, notebookID, id)
	if err != nil {
		return nil, err
	}
	if d.Kind != ingest.KindPDF {
		return nil, core.Errorf(core.EUNSUPPORTED, "Only PDF documents have pages to show; open the file instead.")
	}
	if d.Status != core.DocReady || d.PageCount < 1 {
		return nil, core.Errorf(core.ECONFLICT, "This PDF's pages are not known yet: it has not been indexed.")
	}
	if page < 1 || page > d.PageCount {
		return nil, core.Errorf(core.ENOTFOUND, "Page %d not found: this PDF has %d pages.", page, d.PageCount)
	}
	_, _, f, err := s.DocumentFile(ctx, notebookID, id)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return s.Reader.RenderPage(ctx, f, page, dpi)
}

// Indexable kinds: documents with a text layer, images (OCR) and
// recordings (speech recognition).
func indexable(kind string) bool {
	switch ingest.Class(kind) {
	case "document", "image", "audio", "video":
		return true
	}
	return false
}

// Upload stores a file (recorded in uploads) and queues it for indexing.
func (s *Service) Upload(ctx context.Context, notebookID string, p upload.Put) (*core.NotebookDocument, error) {
	n, err := s.Get(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	refused := false
	p.Allow = func(kind string) bool {
		if !indexable(kind) {
			refused = true
			return false
		}
		return true
	}
	p.Temporary = false
	up, err := s.uploads.Store(ctx, p)
	if refused {
		return nil, core.Errorf(core.EUNSUPPORTED, "Notebooks take documents (PDF, DOCX, TXT, Markdown, HTML, EML), images (PNG, JPEG, WEBP, TIFF) and recordings.")
	} else if err != nil {
		return nil, err
	}
	d := &core.NotebookDocument{UserID: n.UserID, NotebookID: n.ID, UploadID: up.ID, Filename: up.Filename, Kind: up.Kind,
		Status: core.DocQueued, Stage: "queued"}
	if err := s.store.CreateNotebookDocument(ctx, d); err != nil {
		_ = s.files.DeleteUpload(ctx, up.ID)
		return nil, err
	}
	if err := s.enqueue(ctx, d.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// Progress summarises a notebook's indexing.
type Progress struct {
	Documents int     `json:"documents"`
	Ready     int     `json:"ready"`
	Failed    int     `json:"failed"`
	Pending   int     `json:"pending"`
	Fraction  float64 `json:"progress"`
}

// ProgressOf summarises the indexing of a notebook's documents.
func ProgressOf(docs []*core.NotebookDocument) Progress {
	var p Progress
	var sum float64
	for _, d := range docs {
		p.Documents++
		switch d.Status {
		case core.DocReady:
			p.Ready++
			sum++
		case core.DocFailed:
			p.Failed++
			sum++
		default:
			p.Pending++
			sum += d.Progress
		}
	}
	if p.Documents > 0 {
		p.Fraction = sum / float64(p.Documents)
	}
	return p
}

func (p Progress) message() string {
	return fmt.Sprintf("This notebook is still indexing: %d of %d documents ready (%.0f%% done). Ask again when it has finished, so the answer draws on all of your documents.",
		p.Ready, p.Documents-p.Failed, 100*p.Fraction)
}
