package notebook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"sentry/backend/core"
	"sentry/backend/ingest"
	"sentry/backend/jobs"
	"sentry/backend/lease"
)

// JobKind is the kind of a document's indexing job; its arguments carry
// only the document's id, and the document's row is what users see.
const JobKind = "notebook_index"

type jobArgs struct {
	ID string `json:"id"`
}

// Register puts the indexing worker on s.Jobs, n documents at once in
// this process.
func (s *Service) Register(n int) { s.Jobs.Handle(JobKind, n, s.work) }

// Resume enqueues the jobs of documents left unfinished (see
// extract.Service.Resume) and starts re-embedding documents made by
// another model.
func (s *Service) Resume(ctx context.Context) error {
	s.live.mu.Lock()
	s.live.ctx = ctx
	s.live.mu.Unlock()
	if !s.Shared {
		if k, err := s.store.RequeueIndexing(ctx, core.MaxTime); err != nil {
			return err
		} else if k > 0 {
			s.logger.Info("resuming interrupted indexing", slog.Int("count", k))
		}
	}
	ids, err := s.store.FindUnfinishedNotebookDocuments(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.enqueue(ctx, id); err != nil {
			return err
		}
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if k, err := s.Reembed(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("re-embed notebook documents", slog.Any("error", err))
		} else if k > 0 {
			s.logger.Info("re-embedded notebook documents", slog.Int("count", k), slog.String("model", s.embedder().Model()))
		}
	}()
	return nil
}

// Start gives the service a queue of its own in this process when it has
// none (tests, the command line), registers n workers and resumes what
// was left unfinished; they stop when ctx ends. Wait blocks until they
// have.
func (s *Service) Start(ctx context.Context, n int) error {
	if s.Jobs == nil {
		q := jobs.NewLocal(s.logger)
		s.Jobs, s.own = q, q
	}
	s.Register(n)
	if s.own != nil {
		if err := s.own.Start(ctx); err != nil {
			return err
		}
	}
	return s.Resume(ctx)
}

// Wait waits for the service's own queue and the re-embedding to stop.
func (s *Service) Wait() {
	if s.own != nil {
		s.own.Wait()
	}
	s.wg.Wait()
}

func (s *Service) enqueue(ctx context.Context, id string) error {
	if s.Jobs == nil {
		return nil // not started: IndexNow, or the next start, indexes it
	}
	if err := s.Jobs.Enqueue(ctx, JobKind, jobArgs{ID: id}); err != nil {
		return fmt.Errorf("notebook: enqueue %s: %w", id, err)
	}
	return nil
}

// work indexes one document: it claims it (one another worker holds alive
// is tried later; a finished or deleted one is done), indexes it, and
// asks for a retry when it went back to the queue (shutting down).
func (s *Service) work(ctx context.Context, job jobs.Job) error {
	var a jobArgs
	if err := job.Decode(&a); err != nil {
		s.logger.Error("notebook indexing job", slog.Any("error", err))
		return nil // retrying cannot fix its arguments
	}
	d, err := s.store.ClaimNotebookDocumentByID(ctx, a.ID, s.now().Add(-s.lease()))
	switch core.ErrorCode(err) {
	case "":
	case core.ENOTFOUND:
		return nil
	case core.ECONFLICT:
		return jobs.Later(s.lease() / 2)
	default:
		return err
	}
	s.process(ctx, d)
	if d.Status == core.DocQueued && d.Stage != WaitingStage {
		return fmt.Errorf("notebook: document %s: %s", d.ID, d.Stage)
	}
	return nil
}

// IndexNow indexes every unfinished document in the calling goroutine
// (tests, benchmarks and the command line use it instead of workers).
func (s *Service) IndexNow(ctx context.Context) error {
	ids, err := s.store.FindUnfinishedNotebookDocuments(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		d, err := s.store.ClaimNotebookDocumentByID(ctx, id, s.now().Add(-s.lease()))
		if c := core.ErrorCode(err); c == core.ENOTFOUND || c == core.ECONFLICT {
			continue
		} else if err != nil {
			return err
		}
		s.process(ctx, d)
	}
	return nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return lease.Default
}

func (s *Service) process(ctx context.Context, d *core.NotebookDocument) {
	stopBeat := lease.Heartbeat(ctx, s.lease(), func(c context.Context) error { return s.store.TouchNotebookDocument(c, d.ID) })
	err := s.index(ctx, d)
	stopBeat()
	if err == nil {
		return
	}
	// Synced without its file yet: it waits for the bytes (FilesArrived).
	if errors.Is(err, errWaitingForFile) {
		d.Status, d.Stage, d.Progress = core.DocQueued, WaitingStage, 0
		if uerr := s.store.UpdateNotebookDocument(context.WithoutCancel(ctx), d); uerr != nil && core.ErrorCode(uerr) != core.ENOTFOUND {
			s.logger.Error("notebook document waits for its file", slog.String("document_id", d.ID), slog.Any("error", uerr))
		}
		return
	}
	// Shutting down: leave it for the next start.
	if ctx.Err() != nil {
		d.Status, d.Stage, d.Progress = core.DocQueued, "waiting to resume", 0
		if uerr := s.store.UpdateNotebookDocument(context.WithoutCancel(ctx), d); uerr != nil && core.ErrorCode(uerr) != core.ENOTFOUND {
			s.logger.Error("requeue notebook document", slog.String("document_id", d.ID), slog.Any("error", uerr))
		}
		return
	}
	if core.ErrorCode(err) == core.ENOTFOUND && errors.Is(err, errGone) {
		return // deleted while indexing
	}
	if core.ErrorCode(err) == core.EINTERNAL {
		s.logger.Error("index notebook document", slog.String("document_id", d.ID), slog.Any("error", err))
	}
	d.Status, d.Stage, d.Error = core.DocFailed, "failed", core.ErrorMessage(err)
	if err := s.store.UpdateNotebookDocument(ctx, d); err != nil && core.ErrorCode(err) != core.ENOTFOUND {
		s.logger.Error("mark notebook document failed", slog.String("document_id", d.ID), slog.Any("error", err))
	}
}

var errGone = &core.Error{Code: core.ENOTFOUND, Message: "The document was deleted."}

func (s *Service) progress(ctx context.Context, d *core.NotebookDocument, stage string, p float64) error {
	d.Stage, d.Progress = stage, p
	if err := s.store.UpdateNotebookDocument(ctx, d); core.ErrorCode(err) == core.ENOTFOUND {
		return errGone
	} else if err != nil {
		return err
	}
	return nil
}

// index parses, chunks and embeds one document.
func (s *Service) index(ctx context.Context, d *core.NotebookDocument) error {
	if err := s.progress(ctx, d, "reading the file", 0.02); err != nil {
		return err
	}
	up, err := s.files.FindUploadByID(ctx, d.UploadID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return core.Errorf(core.EINVALID, "The uploaded file is gone; upload it again.")
	} else if err != nil {
		return err
	}
	if up.StoragePath == "" {
		return errWaitingForFile
	}
	data, err := s.uploads.Read(ctx, up)
	if err != nil {
		return err
	}
	if !indexable(d.Kind) {
		return core.Errorf(core.EUNSUPPORTED, "Text cannot be extracted from %s files.", d.Kind)
	}
	pieces, err := s.read(ctx, d, data)
	if err != nil {
		return err
	}
	if err := s.progress(ctx, d, "embedding passages", 0.2); err != nil {
		return err
	}
	chunks, vecs, model, err := s.embedPieces(ctx, d, pieces)
	if err != nil {
		return err
	}
	d.Model = model
	if err := s.progress(ctx, d, "saving the index", 0.95); err != nil {
		return err
	}
	if err := s.store.ReplaceChunks(ctx, d, chunks, vecs); core.ErrorCode(err) == core.ENOTFOUND {
		return errGone
	} else if err != nil {
		return err
	}
	return nil
}

// read reads the file through ingest (text layers, scanned pages and
// images by OCR, recordings by speech recognition) and chunks its text:
// passages keep their pages, and a recording's their times.
func (s *Service) read(ctx context.Context, d *core.NotebookDocument, data []byte) ([]Piece, error) {
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var last time.Time
	src, err := s.Reader.Read(rctx, data, d.Kind, ingest.Options{}, func(stage string, p float64) {
		// Long reads report often; save a few times a second.
		if time.Since(last) < 250*time.Millisecond {
			return
		}
		last = time.Now()
		if err := s.progress(ctx, d, stage, 0.05+0.15*min(1, max(0, p))); errors.Is(err, errGone) {
			cancel(errGone)
		}
	})
	if cause := context.Cause(rctx); errors.Is(cause, errGone) {
		return nil, errGone
	} else if err != nil {
		return nil, err
	}
	class := ingest.Class(d.Kind)
	var pages []PageSpan
	switch class {
	case "document":
		for _, sp := range src.Pages {
			pages = append(pages, PageSpan{Number: sp.Page, Offset: sp.Start})
		}
	case "image":
		pages = []PageSpan{{Number: 1, Offset: 0}}
	}
	pieces := Split(src.Text, pages, s.Chunking)
	if len(pieces) == 0 {
		switch class {
		case "document":
			return nil, core.Errorf(core.EINVALID, "No text was found in this file.")
		case "image":
			return nil, core.Errorf(core.EINVALID, "No text was found in this image.")
		}
		return nil, core.Errorf(core.EINVALID, "No speech was recognised in this recording.")
	}
	switch class {
	case "document":
		d.PageCount = max(1, len(src.Pages))
	case "image":
		d.PageCount = 1
	}
	for i := range pieces {
		for _, t := range src.Audio {
			if t.End <= pieces[i].Start || t.Start >= pieces[i].End {
				continue
			}
			if pieces[i].AudioEnd == 0 || t.AudioStart < pieces[i].AudioStart {
				pieces[i].AudioStart = t.AudioStart
			}
			pieces[i].AudioEnd = max(pieces[i].AudioEnd, t.AudioEnd)
		}
	}
	return pieces, nil
}

// embedPieces embeds in batches with the configured embedder, falling
// back to the built-in one (for the whole document, so one document's
// vectors share a model) when it fails or has the wrong width.
func (s *Service) embedPieces(ctx context.Context, d *core.NotebookDocument, pieces []Piece) ([]*core.Chunk, [][]float32, string, error) {
	texts := make([]string, len(pieces))
	for i, p := range pieces {
		texts[i] = p.Text
		if p.Heading != "" && p.Heading != p.Text {
			texts[i] = p.Heading + "\n" + p.Text
		}
	}
	emb := s.embedder()
	if emb == nil || emb.Dim() != HashDim {
		emb = s.Offline
	}
	vecs, err := s.embedAll(ctx, d, emb, texts)
	if err != nil && emb != s.Offline && ctx.Err() == nil && !errors.Is(err, errGone) {
		s.logger.Warn("embedder failed; using the built-in one", slog.String("model", emb.Model()), slog.Any("error", err))
		emb = s.Offline
		vecs, err = s.embedAll(ctx, d, emb, texts)
	}
	if err != nil {
		return nil, nil, "", err
	}
	chunks := make([]*core.Chunk, len(pieces))
	for i, p := range pieces {
		chunks[i] = &core.Chunk{Ord: i, Heading: p.Heading, Text: p.Text, Page: p.Page, PageEnd: p.PageEnd, Start: p.Start, End: p.End,
			Tokens: p.Tokens, AudioStart: p.AudioStart, AudioEnd: p.AudioEnd, Model: emb.Model(), Dim: emb.Dim()}
	}
	return chunks, vecs, emb.Model(), nil
}

func (s *Service) embedAll(ctx context.Context, d *core.NotebookDocument, emb core.Embedder, texts []string) ([][]float32, error) {
	batch := max(1, s.EmbedBatch)
	out := make([][]float32, 0, len(texts))
	for i := 0; i < len(texts); i += batch {
		part := texts[i:min(len(texts), i+batch)]
		vs, err := emb.Embed(ctx, part)
		if err != nil {
			return nil, err
		}
		if len(vs) != len(part) {
			return nil, errors.New("notebook: embedder returned the wrong number of vectors")
		}
		for _, v := range vs {
			if len(v) != emb.Dim() {
				return nil, errors.New("notebook: embedder returned a vector of the wrong width")
			}
		}
		out = append(out, vs...)
		// Report progress every few batches (a write each).
		if len(texts) > batch && (i/batch)%4 == 3 {
			if err := s.progress(ctx, d, "embedding passages", 0.2+0.75*float64(len(out))/float64(len(texts))); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Reembed gives the vectors of documents embedded by another model ones
// from the current embedder, one document at a time, in place: the
// document stays ready and searchable throughout (each model's vectors
// are queried with that model, and BM25 covers any it can't embed now).
// Only documents that need it are touched; nothing is re-parsed.
func (s *Service) Reembed(ctx context.Context) (int, error) {
	return s.reembed(ctx, s.embedder(), nil)
}

// reembed is Reembed with emb, telling progress the count done after each
// document.
func (s *Service) reembed(ctx context.Context, emb core.Embedder, progress func(done int)) (int, error) {
	if emb == nil || emb.Dim() != HashDim {
		return 0, nil
	}
	done := 0
	skip := map[string]bool{}
	for {
		docs, err := s.store.FindDocumentsToReembed(ctx, emb.Model(), 50+len(skip))
		if err != nil {
			return done, err
		}
		progressed := false
		for _, d := range docs {
			if skip[d.ID] {
				continue
			}
			chunks, err := s.store.FindChunks(ctx, d.ID)
			if err != nil {
				return done, err
			}
			texts := make([]string, len(chunks))
			for i, c := range chunks {
				texts[i] = c.Text
				if c.Heading != "" && c.Heading != c.Text {
					texts[i] = c.Heading + "\n" + c.Text
				}
			}
			var vecs [][]float32
			for i := 0; i < len(texts); i += max(1, s.EmbedBatch) {
				vs, err := emb.Embed(ctx, texts[i:min(len(texts), i+max(1, s.EmbedBatch))])
				if err != nil {
					return done, err // the model is unavailable: try again at the next start
				}
				for _, v := range vs {
					if len(v) != emb.Dim() {
						return done, WidthError{Model: emb.Model(), Got: len(v), Want: emb.Dim()}
					}
				}
				vecs = append(vecs, vs...)
			}
			if len(vecs) != len(chunks) {
				skip[d.ID] = true
				continue
			}
			if err := s.store.ReplaceVectors(ctx, d.ID, emb.Model(), emb.Dim(), chunks, vecs); core.ErrorCode(err) == core.ENOTFOUND {
				skip[d.ID] = true
				continue
			} else if err != nil {
				return done, err
			}
			done++
			progressed = true
			if progress != nil {
				progress(done)
			}
		}
		if !progressed {
			return done, nil
		}
	}
}
