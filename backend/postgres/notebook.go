package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
	"sentry/backend/vecscan"
)

var _ core.NotebookStore = (*DB)(nil)

// VectorDim is the width of every stored vector, as in the SQLite store
// (whose vector index has that fixed width).
const VectorDim = 768

// VectorCacheBytes bounds the vectors held in memory for search, over all
// notebooks (least recently searched go first). A notebook whose vectors
// alone pass it is scanned from a copy read for the query.
var VectorCacheBytes = int64(512 << 20)

var (
	notebookMissing = core.Errorf(core.ENOTFOUND, "Notebook not found.")
	documentMissing = core.Errorf(core.ENOTFOUND, "Document not found.")
)

// CreateNotebook stores a new notebook; conflict (on the field name) when
// the user has a live notebook of that name, whatever its ASCII case.
func (db *DB) CreateNotebook(ctx context.Context, n *core.Notebook) error {
	if !storable(n.UserID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if n.ID == "" {
		n.ID = NewID()
	}
	n.CreatedAt, n.UpdatedAt, n.Version = tx.now, tx.now, 1
	hlc, err := tx.logChange(ctx, n.UserID, "notebooks", n.ID, core.OpInsert, map[string]any{"name": n.Name, "description": n.Description})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO notebooks (id, user_id, name, description, created_at, updated_at, version, hlc) VALUES ($1, $2, $3, $4, $5, $5, 1, $6)`,
		n.ID, n.UserID, n.Name, n.Description, n.CreatedAt, hlc); err != nil {
		if isUniqueViolation(err) {
			return notebookNameTaken(n.Name)
		}
		return formatError(err, "create notebook", userMissing)
	}
	if err := tx.Commit(ctx); err != nil {
		if isUniqueViolation(err) {
			return notebookNameTaken(n.Name)
		}
		return formatError(err, "create notebook: commit", onViolation{})
	}
	return nil
}

// notebookNameTaken is the conflict of notebooks_user_name_idx.
func notebookNameTaken(name string) error {
	return &core.Error{Code: core.ECONFLICT, Field: "name", Message: fmt.Sprintf("A notebook named %q already exists; choose another name.", name)}
}

const notebookColumns = `id, user_id, name, description, created_at, updated_at, version`

func scanNotebook(row pgx.Row) (*core.Notebook, error) {
	var n core.Notebook
	if err := row.Scan(&n.ID, &n.UserID, &n.Name, &n.Description, &n.CreatedAt, &n.UpdatedAt, &n.Version); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, notebookMissing
		}
		return nil, formatError(err, "scan notebook", onViolation{})
	}
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	return &n, nil
}

// FindNotebookByID returns a live notebook.
func (db *DB) FindNotebookByID(ctx context.Context, id string) (*core.Notebook, error) {
	if !storable(id) {
		return nil, notebookMissing
	}
	return scanNotebook(db.pool.QueryRow(ctx, `SELECT `+notebookColumns+` FROM notebooks WHERE id = $1 AND deleted_at IS NULL`, id))
}

// FindNotebooks lists a user's live notebooks, newest first.
func (db *DB) FindNotebooks(ctx context.Context, userID string) ([]*core.Notebook, error) {
	out := []*core.Notebook{}
	if !storable(userID) {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT `+notebookColumns+` FROM notebooks WHERE user_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, formatError(err, "find notebooks", onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNotebook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find notebooks", onViolation{})
	}
	return out, nil
}

// DeleteNotebook tombstones a notebook and its documents; chunks, vectors
// and messages are derived or private and go for good.
func (db *DB) DeleteNotebook(ctx context.Context, id string) ([]string, error) {
	if !storable(id) {
		return nil, notebookMissing
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	var userID string
	if err := tx.QueryRow(ctx, `SELECT user_id FROM notebooks WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, id).Scan(&userID); errors.Is(err, pgx.ErrNoRows) {
		return nil, notebookMissing
	} else if err != nil {
		return nil, formatError(err, "delete notebook", onViolation{})
	}
	rows, err := tx.Query(ctx, `SELECT id, upload_id FROM notebook_documents WHERE notebook_id = $1 AND deleted_at IS NULL ORDER BY created_at, id FOR UPDATE`, id)
	if err != nil {
		return nil, formatError(err, "delete notebook", onViolation{})
	}
	var docs, uploads []string
	for rows.Next() {
		var d, u string
		if err := rows.Scan(&d, &u); err != nil {
			rows.Close()
			return nil, formatError(err, "delete notebook", onViolation{})
		}
		docs = append(docs, d)
		if u != "" {
			uploads = append(uploads, u)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "delete notebook", onViolation{})
	}
	for _, d := range docs {
		if err := tx.deleteDocument(ctx, userID, d); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM notebook_messages WHERE notebook_id = $1`, id); err != nil {
		return nil, formatError(err, "delete notebook messages", onViolation{})
	}
	hlc, err := tx.logChange(ctx, userID, "notebooks", id, core.OpDelete, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE notebooks SET deleted_at = $1, updated_at = $1, version = version + 1, hlc = $2 WHERE id = $3`, tx.now, hlc, id); err != nil {
		return nil, formatError(err, "delete notebook", onViolation{})
	}
	if err := tx.commit(ctx, "delete notebook"); err != nil {
		return nil, err
	}
	return uploads, nil
}

func (tx *Tx) deleteDocument(ctx context.Context, userID, id string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM notebook_chunks WHERE document_id = $1`, id); err != nil {
		return formatError(err, "delete chunks of "+id, onViolation{})
	}
	hlc, err := tx.logChange(ctx, userID, "notebook_documents", id, core.OpDelete, nil)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE notebook_documents SET deleted_at = $1, updated_at = $1, version = version + 1, hlc = $2 WHERE id = $3`, tx.now, hlc, id); err != nil {
		return formatError(err, "delete document "+id, onViolation{})
	}
	return nil
}

const documentColumns = `id, user_id, notebook_id, upload_id, filename, kind, status, stage, progress, error, chunk_count, page_count, model, attempts, created_at, updated_at, indexed_at, version`

func scanDocument(row pgx.Row) (*core.NotebookDocument, error) {
	var d core.NotebookDocument
	if err := row.Scan(&d.ID, &d.UserID, &d.NotebookID, &d.UploadID, &d.Filename, &d.Kind, &d.Status, &d.Stage, &d.Progress, &d.Error,
		&d.ChunkCount, &d.PageCount, &d.Model, &d.Attempts, &d.CreatedAt, &d.UpdatedAt, &d.IndexedAt, &d.Version); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, documentMissing
		}
		return nil, formatError(err, "scan notebook document", onViolation{})
	}
	d.CreatedAt, d.UpdatedAt, d.IndexedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC(), utcPtr(d.IndexedAt)
	return &d, nil
}

// CreateNotebookDocument records a document (normally queued).
func (db *DB) CreateNotebookDocument(ctx context.Context, d *core.NotebookDocument) error {
	if !storable(d.UserID, d.NotebookID) {
		return notebookMissing
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if d.ID == "" {
		d.ID = NewID()
	}
	if d.Status == "" {
		d.Status = core.DocQueued
	}
	d.CreatedAt, d.UpdatedAt, d.Version = tx.now, tx.now, 1
	hlc, err := tx.logChange(ctx, d.UserID, "notebook_documents", d.ID, core.OpInsert, map[string]any{
		"notebook_id": d.NotebookID, "upload_id": d.UploadID, "filename": d.Filename, "kind": d.Kind})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO notebook_documents (id, user_id, notebook_id, upload_id, filename, kind, status, stage, progress, created_at, updated_at, version, hlc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9, 1, $10)`,
		d.ID, d.UserID, d.NotebookID, d.UploadID, d.Filename, d.Kind, d.Status, d.Stage, d.CreatedAt, hlc); err != nil {
		return formatError(err, "create notebook document", onViolation{})
	}
	return tx.commit(ctx, "create notebook document")
}

// FindNotebookDocumentByID returns a live document.
func (db *DB) FindNotebookDocumentByID(ctx context.Context, id string) (*core.NotebookDocument, error) {
	if !storable(id) {
		return nil, documentMissing
	}
	return scanDocument(db.pool.QueryRow(ctx, `SELECT `+documentColumns+` FROM notebook_documents WHERE id = $1 AND deleted_at IS NULL`, id))
}

func (db *DB) findDocuments(ctx context.Context, what, where string, args ...any) ([]*core.NotebookDocument, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+documentColumns+` FROM notebook_documents WHERE `+where, args...)
	if err != nil {
		return nil, formatError(err, what, onViolation{})
	}
	defer rows.Close()
	out := []*core.NotebookDocument{}
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, what, onViolation{})
	}
	return out, nil
}

// FindNotebookDocuments lists a notebook's live documents, oldest first.
func (db *DB) FindNotebookDocuments(ctx context.Context, notebookID string) ([]*core.NotebookDocument, error) {
	if !storable(notebookID) {
		return []*core.NotebookDocument{}, nil
	}
	return db.findDocuments(ctx, "find notebook documents", `notebook_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`, notebookID)
}

// UpdateNotebookDocument saves a document's job state. Progress updates are
// frequent and local, so only status changes enter the change log.
func (db *DB) UpdateNotebookDocument(ctx context.Context, d *core.NotebookDocument) error {
	if !storable(d.ID) {
		return documentMissing
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	var status string
	if err := tx.QueryRow(ctx, `SELECT status FROM notebook_documents WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, d.ID).Scan(&status); errors.Is(err, pgx.ErrNoRows) {
		return documentMissing
	} else if err != nil {
		return formatError(err, "update notebook document", onViolation{})
	}
	d.UpdatedAt = tx.now
	hlc := ""
	if status != d.Status {
		if hlc, err = tx.logChange(ctx, d.UserID, "notebook_documents", d.ID, core.OpUpdate, map[string]any{"status": d.Status, "error": d.Error}); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE notebook_documents SET status = $1, stage = $2, progress = $3, error = $4, chunk_count = $5, page_count = $6, model = $7,
		updated_at = $8, version = version + CASE WHEN $9 <> '' THEN 1 ELSE 0 END, hlc = CASE WHEN $9 <> '' THEN $9 ELSE hlc END WHERE id = $10`,
		d.Status, d.Stage, d.Progress, d.Error, d.ChunkCount, d.PageCount, d.Model, d.UpdatedAt, hlc, d.ID); err != nil {
		return formatError(err, "update notebook document", onViolation{})
	}
	return tx.commit(ctx, "update notebook document")
}

// DeleteNotebookDocument tombstones a document and removes its chunks.
func (db *DB) DeleteNotebookDocument(ctx context.Context, id string) error {
	if !storable(id) {
		return documentMissing
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	var userID string
	if err := tx.QueryRow(ctx, `SELECT user_id FROM notebook_documents WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, id).Scan(&userID); errors.Is(err, pgx.ErrNoRows) {
		return documentMissing
	} else if err != nil {
		return formatError(err, "delete notebook document", onViolation{})
	}
	if err := tx.deleteDocument(ctx, userID, id); err != nil {
		return err
	}
	return tx.commit(ctx, "delete notebook document")
}

// ClaimNotebookDocumentByID takes a queued document, or one whose worker
// died.
func (db *DB) ClaimNotebookDocumentByID(ctx context.Context, id string, staleBefore time.Time) (*core.NotebookDocument, error) {
	if !storable(id) {
		return nil, documentMissing
	}
	d, err := scanDocument(db.pool.QueryRow(ctx, `UPDATE notebook_documents SET status = 'indexing', stage = 'starting', attempts = attempts + 1, updated_at = $1
		WHERE id = $2 AND deleted_at IS NULL AND (status = 'queued' OR (status = 'indexing' AND updated_at < $3))
		RETURNING `+documentColumns, db.now(), id, staleBefore))
	if core.ErrorCode(err) != core.ENOTFOUND {
		return d, err
	}
	var status string
	if err := db.pool.QueryRow(ctx, `SELECT status FROM notebook_documents WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&status); err == nil && status == core.DocIndexing {
		return nil, core.Errorf(core.ECONFLICT, "The document is being indexed.")
	}
	return nil, documentMissing
}

// FindUnfinishedNotebookDocuments lists the documents queued or indexing,
// oldest first.
func (db *DB) FindUnfinishedNotebookDocuments(ctx context.Context) ([]string, error) {
	return db.ids(ctx, "unfinished documents", `SELECT id FROM notebook_documents WHERE status IN ('queued', 'indexing') AND deleted_at IS NULL ORDER BY created_at, id`)
}

// RequeueIndexing puts documents interrupted mid-index back in the queue.
func (db *DB) RequeueIndexing(ctx context.Context, staleBefore time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE notebook_documents SET status = 'queued', stage = 'waiting to resume', progress = 0, updated_at = $1
		WHERE status = 'indexing' AND deleted_at IS NULL AND updated_at < $2`, db.now(), staleBefore)
	if err != nil {
		return 0, formatError(err, "requeue indexing", onViolation{})
	}
	return int(tag.RowsAffected()), nil
}

// TouchNotebookDocument marks an indexing document alive.
func (db *DB) TouchNotebookDocument(ctx context.Context, id string) error {
	if !storable(id) {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE notebook_documents SET updated_at = $1 WHERE id = $2 AND status = 'indexing'`, db.now(), id); err != nil {
		return formatError(err, "touch document "+id, onViolation{})
	}
	return nil
}

func checkVectors(op string, chunks []*core.Chunk, vectors [][]float32) error {
	if err := vecscan.Check(len(chunks), vectors, VectorDim); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return nil
}

// ReplaceChunks swaps a document's chunks and marks it ready.
func (db *DB) ReplaceChunks(ctx context.Context, d *core.NotebookDocument, chunks []*core.Chunk, vectors [][]float32) error {
	if err := checkVectors("replace chunks", chunks, vectors); err != nil {
		return err
	}
	if !storable(d.ID) {
		return documentMissing
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	var status string
	if err := tx.QueryRow(ctx, `SELECT status FROM notebook_documents WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, d.ID).Scan(&status); errors.Is(err, pgx.ErrNoRows) {
		return documentMissing
	} else if err != nil {
		return formatError(err, "replace chunks", onViolation{})
	}
	if _, err := tx.Exec(ctx, `DELETE FROM notebook_chunks WHERE document_id = $1`, d.ID); err != nil {
		return formatError(err, "replace chunks", onViolation{})
	}
	b := &pgx.Batch{}
	for i, c := range chunks {
		if c.ID == "" {
			c.ID = NewID()
		}
		c.UserID, c.NotebookID, c.DocumentID = d.UserID, d.NotebookID, d.ID
		indexed := c.IndexedText()
		tsv, n := chunkVector(indexed)
		b.Queue(`INSERT INTO notebook_chunks (id, user_id, notebook_id, document_id, ord, heading, text, page, page_end, start_offset, end_offset,
			tokens, audio_start, audio_end, model, dim, embedding, tsv, words, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::tsvector, $19, $20) RETURNING num`,
			c.ID, c.UserID, c.NotebookID, c.DocumentID, c.Ord, c.Heading, c.Text, c.Page, c.PageEnd, c.Start, c.End,
			c.Tokens, c.AudioStart, c.AudioEnd, c.Model, c.Dim, vecscan.Blob(vecscan.Unit(vectors[i])), tsv, n, tx.now)
	}
	if len(chunks) > 0 {
		br := tx.SendBatch(ctx, b)
		for _, c := range chunks {
			if err := br.QueryRow().Scan(&c.Num); err != nil {
				br.Close()
				return formatError(err, "insert chunk", onViolation{})
			}
		}
		if err := br.Close(); err != nil {
			return formatError(err, "insert chunks", onViolation{})
		}
	}
	d.MarkIndexed(tx.now, len(chunks))
	hlc, err := tx.logChange(ctx, d.UserID, "notebook_documents", d.ID, core.OpUpdate, map[string]any{"status": d.Status, "chunk_count": d.ChunkCount})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE notebook_documents SET status = $1, stage = $2, progress = 1, error = '', chunk_count = $3, page_count = $4, model = $5,
		updated_at = $6, indexed_at = $6, version = version + 1, hlc = $7 WHERE id = $8`,
		d.Status, d.Stage, d.ChunkCount, d.PageCount, d.Model, tx.now, hlc, d.ID); err != nil {
		return formatError(err, "mark document ready", onViolation{})
	}
	return tx.commit(ctx, "replace chunks")
}

// FindDocumentsToReembed lists ready documents embedded by another model.
func (db *DB) FindDocumentsToReembed(ctx context.Context, model string, limit int) ([]*core.NotebookDocument, error) {
	if !storable(model) {
		model = "\ufffd"
	}
	out, err := db.findDocuments(ctx, "find documents to re-embed",
		`status = 'ready' AND deleted_at IS NULL AND model <> $1 ORDER BY created_at, id LIMIT $2`, model, limit)
	if len(out) == 0 {
		return nil, err
	}
	return out, err
}

// FindChunks returns a document's chunks in order.
func (db *DB) FindChunks(ctx context.Context, documentID string) ([]*core.Chunk, error) {
	if !storable(documentID) {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT num, id, user_id, notebook_id, document_id, ord, heading, text, page, page_end, start_offset, end_offset, tokens, audio_start, audio_end, model, dim
		FROM notebook_chunks WHERE document_id = $1 ORDER BY ord`, documentID)
	if err != nil {
		return nil, formatError(err, "find chunks", onViolation{})
	}
	defer rows.Close()
	var out []*core.Chunk
	for rows.Next() {
		var c core.Chunk
		if err := rows.Scan(&c.Num, &c.ID, &c.UserID, &c.NotebookID, &c.DocumentID, &c.Ord, &c.Heading, &c.Text, &c.Page, &c.PageEnd,
			&c.Start, &c.End, &c.Tokens, &c.AudioStart, &c.AudioEnd, &c.Model, &c.Dim); err != nil {
			return nil, fmt.Errorf("postgres: scan chunk: %w", err)
		}
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find chunks", onViolation{})
	}
	return out, nil
}

// ReplaceVectors re-embeds a document's chunks in place.
func (db *DB) ReplaceVectors(ctx context.Context, documentID, model string, dim int, chunks []*core.Chunk, vectors [][]float32) error {
	if err := checkVectors("replace vectors", chunks, vectors); err != nil {
		return err
	}
	if !storable(documentID) {
		return documentMissing
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	var userID string
	if err := tx.QueryRow(ctx, `SELECT user_id FROM notebook_documents WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, documentID).Scan(&userID); errors.Is(err, pgx.ErrNoRows) {
		return documentMissing
	} else if err != nil {
		return formatError(err, "replace vectors", onViolation{})
	}
	nums := make([]int64, len(chunks))
	blobs := make([][]byte, len(chunks))
	for i, c := range chunks {
		nums[i], blobs[i] = c.Num, vecscan.Blob(vecscan.Unit(vectors[i]))
	}
	// One statement, so the index version moves once; chunks re-indexed
	// meanwhile are simply not there any more.
	rows, err := tx.Query(ctx, `UPDATE notebook_chunks c SET model = $1, dim = $2, embedding = v.embedding
		FROM unnest($3::bigint[], $4::bytea[]) AS v(num, embedding) WHERE c.num = v.num AND c.document_id = $5 RETURNING c.num`,
		model, dim, nums, blobs, documentID)
	if err != nil {
		return formatError(err, "replace vectors", onViolation{})
	}
	done := map[int64]bool{}
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return formatError(err, "replace vectors", onViolation{})
		}
		done[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return formatError(err, "replace vectors", onViolation{})
	}
	for _, c := range chunks {
		if done[c.Num] {
			c.Model, c.Dim = model, dim
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE notebook_documents SET model = $1, updated_at = $2 WHERE id = $3`, model, tx.now, documentID); err != nil {
		return formatError(err, "replace vectors", onViolation{})
	}
	return tx.commit(ctx, "replace vectors")
}

const hitColumns = `c.num, c.id, c.notebook_id, c.document_id, c.ord, c.heading, c.text, c.page, c.page_end, c.start_offset, c.end_offset, c.tokens, c.audio_start, c.audio_end, c.model, c.dim, d.filename`

// hitsByNum reads the chunks of a ranking (live documents only), in its
// order, each with its score.
func (db *DB) hitsByNum(ctx context.Context, nums []int64, scores []float64) ([]core.ChunkHit, error) {
	if len(nums) == 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT `+hitColumns+` FROM notebook_chunks c
		JOIN notebook_documents d ON d.id = c.document_id AND d.deleted_at IS NULL WHERE c.num = ANY($1)`, nums)
	if err != nil {
		return nil, formatError(err, "read chunk hits", onViolation{})
	}
	defer rows.Close()
	byNum := make(map[int64]core.ChunkHit, len(nums))
	for rows.Next() {
		var h core.ChunkHit
		if err := rows.Scan(&h.Num, &h.ID, &h.NotebookID, &h.DocumentID, &h.Ord, &h.Heading, &h.Text, &h.Page, &h.PageEnd, &h.Start, &h.End,
			&h.Tokens, &h.AudioStart, &h.AudioEnd, &h.Model, &h.Dim, &h.Filename); err != nil {
			return nil, fmt.Errorf("postgres: scan chunk hit: %w", err)
		}
		byNum[h.Num] = h
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "read chunk hits", onViolation{})
	}
	out := make([]core.ChunkHit, 0, len(byNum))
	for i, n := range nums {
		if h, ok := byNum[n]; ok {
			h.Score = scores[i]
			out = append(out, h)
		}
	}
	return out, nil
}

// SearchChunksText ranks a notebook's chunks by BM25, computed as FTS5
// computes it (k1 = 1.2, b = 0.75) over the notebook's passages, from the
// term frequencies the tsvector keeps. The score is negated like FTS5's
// bm25(): lower is better.
func (db *DB) SearchChunksText(ctx context.Context, notebookID, match string, k int) ([]core.ChunkHit, error) {
	q := parseMatch(match)
	if q == nil || k <= 0 || !storable(notebookID) {
		return nil, nil
	}
	tsq := q.tsquery()
	// Corpus figures: passages, mean length, and per term how many hold it
	// (notebookstats.go).
	tsqs := make([]string, len(q.terms))
	for i, t := range q.terms {
		tsqs[i] = t.tsquery()
	}
	total, avgLen, dfs, err := db.chunkTextStats(ctx, notebookID, tsqs)
	if err != nil {
		return nil, err
	}
	if total == 0 {
		return nil, nil
	}
	// Each matching passage's length and term frequencies.
	lexemes := q.lexemes()
	rows, err := db.pool.Query(ctx, `SELECT c.num, c.words, u.lexeme, coalesce(cardinality(u.positions), 1)
		FROM notebook_chunks c CROSS JOIN LATERAL unnest(c.tsv) AS u
		WHERE c.notebook_id = $1 AND c.tsv @@ $2::tsquery AND u.lexeme = ANY($3::text[])`, notebookID, tsq, lexemes)
	if err != nil {
		return nil, formatError(err, "search chunk text", onViolation{})
	}
	type doc struct {
		words int
		tf    map[string]int
	}
	docs := map[int64]*doc{}
	for rows.Next() {
		var num int64
		var words, tf int
		var lex string
		if err := rows.Scan(&num, &words, &lex, &tf); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: scan term frequency: %w", err)
		}
		d := docs[num]
		if d == nil {
			d = &doc{words: words, tf: map[string]int{}}
			docs[num] = d
		}
		d.tf[lex] = tf
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "search chunk text", onViolation{})
	}
	type ranked struct {
		num   int64
		score float64
	}
	list := make([]ranked, 0, len(docs))
	for num, d := range docs {
		s := 0.0
		for i, t := range q.terms {
			tf := t.freq(d.tf)
			if tf > 0 {
				s += bm25Term(float64(total), float64(dfs[i]), float64(tf), float64(d.words), avgLen)
			}
		}
		list = append(list, ranked{num, -s})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].score != list[j].score {
			return list[i].score < list[j].score
		}
		return list[i].num < list[j].num
	})
	list = list[:min(k, len(list))]
	nums, scores := make([]int64, len(list)), make([]float64, len(list))
	for i, r := range list {
		nums[i], scores[i] = r.num, r.score
	}
	return db.hitsByNum(ctx, nums, scores)
}

// CountChunkTextMatches counts the chunks (of every notebook) an FTS5
// expression matches, stopping at limit.
func (db *DB) CountChunkTextMatches(ctx context.Context, match string, limit int) (int, error) {
	q := parseMatch(match)
	if q == nil || limit <= 0 {
		return 0, nil
	}
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM notebook_chunks WHERE tsv @@ $1::tsquery LIMIT $2) AS m`,
		q.tsquery(), limit).Scan(&n); err != nil {
		return 0, formatError(err, "count chunk text matches", onViolation{})
	}
	return n, nil
}

// SearchChunksVector finds the k nearest chunks of a notebook embedded by
// model, exactly: a scan of the notebook's vectors held in memory
// (package vecscan, the SQLite store's scan for large notebooks), loaded
// from the database when its index version has moved.
func (db *DB) SearchChunksVector(ctx context.Context, notebookID, model string, vec []float32, k int) ([]core.ChunkHit, error) {
	if len(vec) != VectorDim || k <= 0 || !storable(notebookID, model) {
		return nil, nil
	}
	nv, err := db.notebookVectors(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	n := nv.Counts[model]
	if n == 0 {
		return nil, nil
	}
	s := nv.Slabs[model]
	if s == nil {
		// Too large to keep: read for this query only.
		if s, err = db.loadSlab(ctx, db.pool, notebookID, model, n); err != nil {
			return nil, err
		}
	}
	found := s.Search(vecscan.Unit(vec), k)
	nums, scores := make([]int64, len(found)), make([]float64, len(found))
	for i, f := range found {
		nums[i], scores[i] = f.ID, float64(f.Dist)
	}
	return db.hitsByNum(ctx, nums, scores)
}

// notebookVectors returns the notebook's cached counts and slabs, loading
// them when the index version has moved since they were cached (another
// server's writes included: the version lives in the database).
func (db *DB) notebookVectors(ctx context.Context, notebookID string) (*vecscan.Entry, error) {
	var v int64
	err := db.pool.QueryRow(ctx, `SELECT version FROM notebook_index_versions WHERE notebook_id = $1`, notebookID).Scan(&v)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, formatError(err, "notebook index version", onViolation{})
	}
	return db.vectors.Get(notebookID, v, VectorCacheBytes, func(e *vecscan.Entry) error {
		return db.loadVectors(ctx, notebookID, e)
	})
}

// loadVectors reads the counts per model and the vectors of each model
// that fits the cache, in one repeatable-read transaction so they match
// the version the entry carries.
func (db *DB) loadVectors(ctx context.Context, notebookID string, e *vecscan.Entry) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return formatError(err, "load notebook vectors", onViolation{})
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if err := tx.QueryRow(ctx, `SELECT version FROM notebook_index_versions WHERE notebook_id = $1`, notebookID).Scan(&e.Version); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return formatError(err, "load notebook vectors", onViolation{})
	}
	rows, err := tx.Query(ctx, `SELECT model, count(*) FROM notebook_chunks WHERE notebook_id = $1 GROUP BY model`, notebookID)
	if err != nil {
		return formatError(err, "load notebook vectors", onViolation{})
	}
	for rows.Next() {
		var m string
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			rows.Close()
			return formatError(err, "load notebook vectors", onViolation{})
		}
		e.Counts[m] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return formatError(err, "load notebook vectors", onViolation{})
	}
	for m, n := range e.Counts {
		if int64(n)*(VectorDim*4+8) > VectorCacheBytes {
			continue
		}
		s, err := db.loadSlab(ctx, tx, notebookID, m, n)
		if err != nil {
			return err
		}
		e.Slabs[m] = s
	}
	return nil
}

// loadSlab reads the vectors of a notebook's chunks of one model.
func (db *DB) loadSlab(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, notebookID, model string, n int) (*vecscan.Slab, error) {
	s := vecscan.NewSlab(VectorDim, n)
	rows, err := q.Query(ctx, `SELECT num, embedding FROM notebook_chunks WHERE notebook_id = $1 AND model = $2 ORDER BY num`, notebookID, model)
	if err != nil {
		return nil, formatError(err, "load notebook vectors", onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		var num int64
		var blob []byte
		if err := rows.Scan(&num, &blob); err != nil {
			return nil, formatError(err, "load notebook vectors", onViolation{})
		}
		s.AppendBlob(num, blob)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "load notebook vectors", onViolation{})
	}
	return s, nil
}

// DropVectorCache forgets every cached slab and count.
func (db *DB) DropVectorCache() { db.vectors.Drop() }

// NotebookModels lists the embedding models present in a notebook.
func (db *DB) NotebookModels(ctx context.Context, notebookID string) ([]string, error) {
	if !storable(notebookID) {
		return []string{}, nil
	}
	nv, err := db.notebookVectors(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	return nv.Models(), nil
}

// CreateNotebookMessage appends a conversation turn.
func (db *DB) CreateNotebookMessage(ctx context.Context, m *core.NotebookMessage) error {
	if !storable(m.UserID, m.NotebookID) {
		return notebookMissing
	}
	if m.ID == "" {
		m.ID = NewID()
	}
	if m.Citations == nil {
		m.Citations = []core.Citation{}
	}
	cites, err := json.Marshal(m.Citations)
	if err != nil {
		return fmt.Errorf("postgres: encode citations: %w", err)
	}
	// Logged like every synced write, so the conversation reaches the
	// owner's devices.
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	m.CreatedAt = tx.now
	hlc, err := tx.logChange(ctx, m.UserID, "notebook_messages", m.ID, core.OpInsert, map[string]any{"notebook_id": m.NotebookID,
		"role": m.Role, "content": m.Content, "citations": m.Citations, "engine": m.Engine, "created_at": formatTimePtr(&m.CreatedAt)})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO notebook_messages (id, user_id, notebook_id, role, content, citations, engine, created_at, updated_at, hlc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)`, m.ID, m.UserID, m.NotebookID, m.Role, m.Content, string(cites), m.Engine, m.CreatedAt, hlc); err != nil {
		return formatError(err, "create notebook message", onViolation{})
	}
	return tx.commit(ctx, "create notebook message")
}

// FindNotebookMessages returns the latest messages, oldest first.
func (db *DB) FindNotebookMessages(ctx context.Context, notebookID string, limit int) ([]*core.NotebookMessage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out := []*core.NotebookMessage{}
	if !storable(notebookID) {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id, user_id, notebook_id, role, content, citations, engine, created_at FROM
		(SELECT * FROM notebook_messages WHERE notebook_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2) AS last
		ORDER BY created_at, id`, notebookID, limit)
	if err != nil {
		return nil, formatError(err, "find notebook messages", onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		var m core.NotebookMessage
		var cites []byte
		if err := rows.Scan(&m.ID, &m.UserID, &m.NotebookID, &m.Role, &m.Content, &cites, &m.Engine, &m.CreatedAt); err != nil {
			return nil, fmt.Errorf("postgres: scan notebook message: %w", err)
		}
		if err := json.Unmarshal(cites, &m.Citations); err != nil {
			return nil, fmt.Errorf("postgres: decode citations: %w", err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, &m)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find notebook messages", onViolation{})
	}
	return out, nil
}
