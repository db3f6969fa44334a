package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"sentry/backend/core"
	"sentry/backend/vecscan"
)

// VectorDim is the width of the notebook_chunk_vecs column.
const VectorDim = 768

// CreateNotebook stores a new notebook; conflict (on the field name) when
// the user has a live notebook of that name, whatever its ASCII case.
func (db *DB) CreateNotebook(ctx context.Context, n *core.Notebook) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if n.ID == "" {
		n.ID = NewID()
	}
	n.CreatedAt, n.UpdatedAt, n.Version = tx.now, tx.now, 1
	hlc, err := tx.logChange(ctx, n.UserID, "notebooks", n.ID, core.OpInsert, map[string]any{"name": n.Name, "description": n.Description})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notebooks (id, user_id, name, description, created_at, updated_at, version, hlc) VALUES (?, ?, ?, ?, ?, ?, 1, ?)`,
		n.ID, n.UserID, n.Name, n.Description, formatTime(n.CreatedAt), formatTime(n.UpdatedAt), hlc); err != nil {
		if isUniqueViolation(err) {
			return notebookNameTaken(n.Name)
		}
		return formatError(err, "create notebook", userMissing)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create notebook: commit: %w", err)
	}
	return nil
}

// notebookNameTaken is the conflict of notebooks_user_name_idx.
func notebookNameTaken(name string) error {
	return &core.Error{Code: core.ECONFLICT, Field: "name", Message: fmt.Sprintf("A notebook named %q already exists; choose another name.", name)}
}

const notebookColumns = `id, user_id, name, description, created_at, updated_at, version`

func scanNotebook(row interface{ Scan(...any) error }) (*core.Notebook, error) {
	var n core.Notebook
	var created, updated string
	if err := row.Scan(&n.ID, &n.UserID, &n.Name, &n.Description, &created, &updated, &n.Version); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, core.Errorf(core.ENOTFOUND, "Notebook not found.")
		}
		return nil, fmt.Errorf("sqlite: scan notebook: %w", err)
	}
	var err error
	if n.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if n.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &n, nil
}

// FindNotebookByID returns a live notebook.
func (db *DB) FindNotebookByID(ctx context.Context, id string) (*core.Notebook, error) {
	return scanNotebook(db.read.QueryRowContext(ctx, `SELECT `+notebookColumns+` FROM notebooks WHERE id = ? AND deleted_at IS NULL`, id))
}

// FindNotebooks lists a user's live notebooks, newest first.
func (db *DB) FindNotebooks(ctx context.Context, userID string) ([]*core.Notebook, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+notebookColumns+` FROM notebooks WHERE user_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find notebooks: %w", err)
	}
	defer rows.Close()
	out := []*core.Notebook{}
	for rows.Next() {
		n, err := scanNotebook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// DeleteNotebook tombstones a notebook and its documents; chunks, vectors
// and messages are derived or private and go for good.
func (db *DB) DeleteNotebook(ctx context.Context, id string) ([]string, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var userID string
	if err := tx.QueryRowContext(ctx, `SELECT user_id FROM notebooks WHERE id = ? AND deleted_at IS NULL`, id).Scan(&userID); errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Notebook not found.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: delete notebook: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, upload_id FROM notebook_documents WHERE notebook_id = ? AND deleted_at IS NULL`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: delete notebook: %w", err)
	}
	var docs, uploads []string
	for rows.Next() {
		var d, u string
		if err := rows.Scan(&d, &u); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: delete notebook: %w", err)
		}
		docs = append(docs, d)
		if u != "" {
			uploads = append(uploads, u)
		}
	}
	rows.Close()
	now := formatTime(tx.now)
	for _, d := range docs {
		if err := tx.deleteDocument(ctx, userID, d, now); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notebook_messages WHERE notebook_id = ?`, id); err != nil {
		return nil, fmt.Errorf("sqlite: delete notebook messages: %w", err)
	}
	hlc, err := tx.logChange(ctx, userID, "notebooks", id, core.OpDelete, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notebooks SET deleted_at = ?, updated_at = ?, version = version + 1, hlc = ? WHERE id = ?`, now, now, hlc, id); err != nil {
		return nil, fmt.Errorf("sqlite: delete notebook: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: delete notebook: commit: %w", err)
	}
	return uploads, nil
}

func (tx *Tx) deleteDocument(ctx context.Context, userID, id, now string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM notebook_chunks WHERE document_id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: delete chunks of %s: %w", id, err)
	}
	hlc, err := tx.logChange(ctx, userID, "notebook_documents", id, core.OpDelete, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notebook_documents SET deleted_at = ?, updated_at = ?, version = version + 1, hlc = ? WHERE id = ?`, now, now, hlc, id); err != nil {
		return fmt.Errorf("sqlite: delete document %s: %w", id, err)
	}
	return nil
}

const documentColumns = `id, user_id, notebook_id, upload_id, filename, kind, status, stage, progress, error, chunk_count, page_count, model, attempts, created_at, updated_at, indexed_at, version`

func scanDocument(row interface{ Scan(...any) error }) (*core.NotebookDocument, error) {
	var d core.NotebookDocument
	var created, updated string
	var indexed sql.NullString
	if err := row.Scan(&d.ID, &d.UserID, &d.NotebookID, &d.UploadID, &d.Filename, &d.Kind, &d.Status, &d.Stage, &d.Progress, &d.Error,
		&d.ChunkCount, &d.PageCount, &d.Model, &d.Attempts, &created, &updated, &indexed, &d.Version); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, core.Errorf(core.ENOTFOUND, "Document not found.")
		}
		return nil, fmt.Errorf("sqlite: scan notebook document: %w", err)
	}
	var err error
	if d.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if d.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	if d.IndexedAt, err = parseTimePtr(indexed); err != nil {
		return nil, err
	}
	return &d, nil
}

// CreateNotebookDocument records a document (normally queued).
func (db *DB) CreateNotebookDocument(ctx context.Context, d *core.NotebookDocument) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO notebook_documents (id, user_id, notebook_id, upload_id, filename, kind, status, stage, progress, created_at, updated_at, version, hlc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 1, ?)`,
		d.ID, d.UserID, d.NotebookID, d.UploadID, d.Filename, d.Kind, d.Status, d.Stage, formatTime(d.CreatedAt), formatTime(d.UpdatedAt), hlc); err != nil {
		return fmt.Errorf("sqlite: create notebook document: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create notebook document: commit: %w", err)
	}
	return nil
}

// FindNotebookDocumentByID returns a live document.
func (db *DB) FindNotebookDocumentByID(ctx context.Context, id string) (*core.NotebookDocument, error) {
	return scanDocument(db.read.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM notebook_documents WHERE id = ? AND deleted_at IS NULL`, id))
}

// FindNotebookDocuments lists a notebook's live documents, oldest first.
func (db *DB) FindNotebookDocuments(ctx context.Context, notebookID string) ([]*core.NotebookDocument, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+documentColumns+` FROM notebook_documents WHERE notebook_id = ? AND deleted_at IS NULL ORDER BY created_at, id`, notebookID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find notebook documents: %w", err)
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
	return out, rows.Err()
}

// UpdateNotebookDocument saves a document's job state. Progress updates are
// frequent and local, so only status changes enter the change log.
func (db *DB) UpdateNotebookDocument(ctx context.Context, d *core.NotebookDocument) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM notebook_documents WHERE id = ? AND deleted_at IS NULL`, d.ID).Scan(&status); errors.Is(err, sql.ErrNoRows) {
		return core.Errorf(core.ENOTFOUND, "Document not found.")
	} else if err != nil {
		return fmt.Errorf("sqlite: update notebook document: %w", err)
	}
	d.UpdatedAt = tx.now
	hlc := ""
	if status != d.Status {
		if hlc, err = tx.logChange(ctx, d.UserID, "notebook_documents", d.ID, core.OpUpdate, map[string]any{"status": d.Status, "error": d.Error}); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notebook_documents SET status = ?, stage = ?, progress = ?, error = ?, chunk_count = ?, page_count = ?, model = ?,
		updated_at = ?, version = version + (? <> ''), hlc = CASE WHEN ? <> '' THEN ? ELSE hlc END WHERE id = ?`,
		d.Status, d.Stage, d.Progress, d.Error, d.ChunkCount, d.PageCount, d.Model, formatTime(d.UpdatedAt), hlc, hlc, hlc, d.ID); err != nil {
		return fmt.Errorf("sqlite: update notebook document: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: update notebook document: commit: %w", err)
	}
	return nil
}

// DeleteNotebookDocument tombstones a document and removes its chunks.
func (db *DB) DeleteNotebookDocument(ctx context.Context, id string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var userID string
	if err := tx.QueryRowContext(ctx, `SELECT user_id FROM notebook_documents WHERE id = ? AND deleted_at IS NULL`, id).Scan(&userID); errors.Is(err, sql.ErrNoRows) {
		return core.Errorf(core.ENOTFOUND, "Document not found.")
	} else if err != nil {
		return fmt.Errorf("sqlite: delete notebook document: %w", err)
	}
	if err := tx.deleteDocument(ctx, userID, id, formatTime(tx.now)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete notebook document: commit: %w", err)
	}
	return nil
}

// ClaimNotebookDocumentByID takes a queued document, or one whose worker
// died.
func (db *DB) ClaimNotebookDocumentByID(ctx context.Context, id string, staleBefore time.Time) (*core.NotebookDocument, error) {
	d, err := scanDocument(db.write.QueryRowContext(ctx, `UPDATE notebook_documents SET status = 'indexing', stage = 'starting', attempts = attempts + 1, updated_at = ?
		WHERE id = ? AND deleted_at IS NULL AND (status = 'queued' OR (status = 'indexing' AND updated_at < ?))
		RETURNING `+documentColumns, formatTime(db.Now()), id, formatTime(clampTime(staleBefore))))
	if core.ErrorCode(err) != core.ENOTFOUND {
		return d, err
	}
	var status string
	if err := db.write.QueryRowContext(ctx, `SELECT status FROM notebook_documents WHERE id = ? AND deleted_at IS NULL`, id).Scan(&status); err == nil && status == core.DocIndexing {
		return nil, core.Errorf(core.ECONFLICT, "The document is being indexed.")
	}
	return nil, core.Errorf(core.ENOTFOUND, "Document not found.")
}

// FindUnfinishedNotebookDocuments lists the documents queued or indexing,
// oldest first.
func (db *DB) FindUnfinishedNotebookDocuments(ctx context.Context) ([]string, error) {
	return db.ids(ctx, "unfinished documents", `SELECT id FROM notebook_documents WHERE status IN ('queued', 'indexing') AND deleted_at IS NULL ORDER BY created_at, id`)
}

// RequeueIndexing puts documents interrupted mid-index back in the queue.
func (db *DB) RequeueIndexing(ctx context.Context, staleBefore time.Time) (int, error) {
	res, err := db.write.ExecContext(ctx, `UPDATE notebook_documents SET status = 'queued', stage = 'waiting to resume', progress = 0, updated_at = ?
		WHERE status = 'indexing' AND deleted_at IS NULL AND updated_at < ?`, formatTime(db.Now()), formatTime(clampTime(staleBefore)))
	if err != nil {
		return 0, fmt.Errorf("sqlite: requeue indexing: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// TouchNotebookDocument marks an indexing document alive.
func (db *DB) TouchNotebookDocument(ctx context.Context, id string) error {
	if _, err := db.write.ExecContext(ctx, `UPDATE notebook_documents SET updated_at = ? WHERE id = ? AND status = 'indexing'`, formatTime(db.Now()), id); err != nil {
		return fmt.Errorf("sqlite: touch document %s: %w", id, err)
	}
	return nil
}

// vecBlob encodes a vector the way sqlite-vec reads float32 blobs.
func vecBlob(v []float32) []byte { return vecscan.Blob(v) }

// ReplaceChunks swaps a document's chunks and marks it ready.
func (db *DB) ReplaceChunks(ctx context.Context, d *core.NotebookDocument, chunks []*core.Chunk, vectors [][]float32) error {
	if err := checkVectors("replace chunks", chunks, vectors); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM notebook_documents WHERE id = ? AND deleted_at IS NULL`, d.ID).Scan(&status); errors.Is(err, sql.ErrNoRows) {
		return core.Errorf(core.ENOTFOUND, "Document not found.")
	} else if err != nil {
		return fmt.Errorf("sqlite: replace chunks: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notebook_chunks WHERE document_id = ?`, d.ID); err != nil {
		return fmt.Errorf("sqlite: replace chunks: %w", err)
	}
	insChunk, err := tx.PrepareContext(ctx, `INSERT INTO notebook_chunks (id, user_id, notebook_id, document_id, ord, heading, text, page, page_end, start_offset, end_offset, tokens, audio_start, audio_end, model, dim, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING num`)
	if err != nil {
		return fmt.Errorf("sqlite: replace chunks: %w", err)
	}
	defer insChunk.Close()
	insFTS, err := tx.PrepareContext(ctx, `INSERT INTO notebook_chunks_fts (rowid, text) VALUES (?, ?)`)
	if err != nil {
		return fmt.Errorf("sqlite: replace chunks: %w", err)
	}
	defer insFTS.Close()
	vw, err := prepareVectorWriter(ctx, tx)
	if err != nil {
		return fmt.Errorf("sqlite: replace chunks: %w", err)
	}
	defer vw.Close()
	now := formatTime(tx.now)
	for i, c := range chunks {
		if c.ID == "" {
			c.ID = NewID()
		}
		c.UserID, c.NotebookID, c.DocumentID = d.UserID, d.NotebookID, d.ID
		if err := insChunk.QueryRowContext(ctx, c.ID, c.UserID, c.NotebookID, c.DocumentID, c.Ord, c.Heading, c.Text, c.Page, c.PageEnd,
			c.Start, c.End, c.Tokens, c.AudioStart, c.AudioEnd, c.Model, c.Dim, now).Scan(&c.Num); err != nil {
			return fmt.Errorf("sqlite: insert chunk: %w", err)
		}
		indexed := c.IndexedText()
		if _, err := insFTS.ExecContext(ctx, c.Num, indexed); err != nil {
			return fmt.Errorf("sqlite: index chunk text: %w", err)
		}
		if err := vw.write(ctx, c.Num, vecPartition(c.NotebookID, c.Model), vectors[i]); err != nil {
			return err
		}
	}
	d.MarkIndexed(tx.now, len(chunks))
	hlc, err := tx.logChange(ctx, d.UserID, "notebook_documents", d.ID, core.OpUpdate, map[string]any{"status": d.Status, "chunk_count": d.ChunkCount})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notebook_documents SET status = ?, stage = ?, progress = 1, error = '', chunk_count = ?, page_count = ?, model = ?,
		updated_at = ?, indexed_at = ?, version = version + 1, hlc = ? WHERE id = ?`,
		d.Status, d.Stage, d.ChunkCount, d.PageCount, d.Model, now, now, hlc, d.ID); err != nil {
		return fmt.Errorf("sqlite: mark document ready: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: replace chunks: commit: %w", err)
	}
	return nil
}

// FindDocumentsToReembed lists ready documents embedded by another model.
func (db *DB) FindDocumentsToReembed(ctx context.Context, model string, limit int) ([]*core.NotebookDocument, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+documentColumns+` FROM notebook_documents
		WHERE status = 'ready' AND deleted_at IS NULL AND model <> ? ORDER BY created_at, id LIMIT ?`, model, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find documents to re-embed: %w", err)
	}
	defer rows.Close()
	var out []*core.NotebookDocument
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// FindChunks returns a document's chunks in order.
func (db *DB) FindChunks(ctx context.Context, documentID string) ([]*core.Chunk, error) {
	rows, err := db.search.QueryContext(ctx, `SELECT num, id, user_id, notebook_id, document_id, ord, heading, text, page, page_end, start_offset, end_offset, tokens, audio_start, audio_end, model, dim
		FROM notebook_chunks WHERE document_id = ? ORDER BY ord`, documentID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find chunks: %w", err)
	}
	defer rows.Close()
	var out []*core.Chunk
	for rows.Next() {
		var c core.Chunk
		if err := rows.Scan(&c.Num, &c.ID, &c.UserID, &c.NotebookID, &c.DocumentID, &c.Ord, &c.Heading, &c.Text, &c.Page, &c.PageEnd,
			&c.Start, &c.End, &c.Tokens, &c.AudioStart, &c.AudioEnd, &c.Model, &c.Dim); err != nil {
			return nil, fmt.Errorf("sqlite: scan chunk: %w", err)
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// ReplaceVectors re-embeds a document's chunks in place.
func (db *DB) ReplaceVectors(ctx context.Context, documentID, model string, dim int, chunks []*core.Chunk, vectors [][]float32) error {
	if err := checkVectors("replace vectors", chunks, vectors); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var userID string
	if err := tx.QueryRowContext(ctx, `SELECT user_id FROM notebook_documents WHERE id = ? AND deleted_at IS NULL`, documentID).Scan(&userID); errors.Is(err, sql.ErrNoRows) {
		return core.Errorf(core.ENOTFOUND, "Document not found.")
	} else if err != nil {
		return fmt.Errorf("sqlite: replace vectors: %w", err)
	}
	vw, err := prepareVectorWriter(ctx, tx)
	if err != nil {
		return fmt.Errorf("sqlite: replace vectors: %w", err)
	}
	defer vw.Close()
	for i, c := range chunks {
		res, err := tx.ExecContext(ctx, `UPDATE notebook_chunks SET model = ?, dim = ? WHERE num = ? AND document_id = ?`, model, dim, c.Num, documentID)
		if err != nil {
			return fmt.Errorf("sqlite: replace vectors: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // re-indexed meanwhile
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notebook_chunk_vecs WHERE rowid = ?`, c.Num); err != nil {
			return fmt.Errorf("sqlite: replace vectors: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notebook_chunk_bits WHERE rowid = ?`, c.Num); err != nil {
			return fmt.Errorf("sqlite: replace vectors: %w", err)
		}
		if err := vw.write(ctx, c.Num, vecPartition(c.NotebookID, model), vectors[i]); err != nil {
			return err
		}
		c.Model, c.Dim = model, dim
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notebook_documents SET model = ?, updated_at = ? WHERE id = ?`, model, formatTime(tx.now), documentID); err != nil {
		return fmt.Errorf("sqlite: replace vectors: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: replace vectors: commit: %w", err)
	}
	return nil
}

// checkVectors refuses vectors that do not fit the chunks or the index.
func checkVectors(op string, chunks []*core.Chunk, vectors [][]float32) error {
	if err := vecscan.Check(len(chunks), vectors, VectorDim); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return nil
}

// vectorWriter writes a chunk's vector to the three places the index
// keeps it: the float index, the sign-bit index (both partitioned by
// notebook and model) and the exact floats.
type vectorWriter struct{ vec, bits, floats *sql.Stmt }

func prepareVectorWriter(ctx context.Context, tx *Tx) (*vectorWriter, error) {
	var w vectorWriter
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&w.vec, `INSERT INTO notebook_chunk_vecs (rowid, part, embedding) VALUES (?, ?, ?)`},
		{&w.bits, `INSERT INTO notebook_chunk_bits (rowid, part, embedding) VALUES (?, ?, vec_bit(?))`},
		{&w.floats, `INSERT OR REPLACE INTO notebook_chunk_floats (num, embedding) VALUES (?, ?)`},
	} {
		st, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			w.Close()
			return nil, err
		}
		*p.dst = st
	}
	return &w, nil
}

func (w *vectorWriter) write(ctx context.Context, num int64, partition string, v []float32) error {
	blob := vecBlob(unit(v))
	if _, err := w.vec.ExecContext(ctx, num, partition, blob); err != nil {
		return fmt.Errorf("sqlite: index chunk vector: %w", err)
	}
	if _, err := w.bits.ExecContext(ctx, num, partition, signBits(v)); err != nil {
		return fmt.Errorf("sqlite: index chunk bits: %w", err)
	}
	if _, err := w.floats.ExecContext(ctx, num, blob); err != nil {
		return fmt.Errorf("sqlite: store chunk vector: %w", err)
	}
	return nil
}

// Close releases the prepared statements.
func (w *vectorWriter) Close() {
	for _, st := range []*sql.Stmt{w.vec, w.bits, w.floats} {
		if st != nil {
			st.Close()
		}
	}
}

const hitColumns = `c.num, c.id, c.notebook_id, c.document_id, c.ord, c.heading, c.text, c.page, c.page_end, c.start_offset, c.end_offset, c.tokens, c.audio_start, c.audio_end, c.model, c.dim, d.filename`

func scanHits(rows *sql.Rows) ([]core.ChunkHit, error) {
	defer rows.Close()
	var out []core.ChunkHit
	for rows.Next() {
		var h core.ChunkHit
		if err := rows.Scan(&h.Num, &h.ID, &h.NotebookID, &h.DocumentID, &h.Ord, &h.Heading, &h.Text, &h.Page, &h.PageEnd, &h.Start, &h.End,
			&h.Tokens, &h.AudioStart, &h.AudioEnd, &h.Model, &h.Dim, &h.Filename, &h.Score); err != nil {
			return nil, fmt.Errorf("sqlite: scan chunk hit: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// SearchChunksText ranks a notebook's chunks by BM25.
func (db *DB) SearchChunksText(ctx context.Context, notebookID, match string, k int) ([]core.ChunkHit, error) {
	if strings.TrimSpace(match) == "" || k <= 0 {
		return nil, nil
	}
	rows, err := db.search.QueryContext(ctx, `SELECT `+hitColumns+`, s.score FROM
		(SELECT f.rowid AS num, bm25(notebook_chunks_fts) AS score FROM notebook_chunks_fts f
		 JOIN notebook_chunks c2 ON c2.num = f.rowid
		 WHERE notebook_chunks_fts MATCH ? AND c2.notebook_id = ? ORDER BY score LIMIT ?) s
		JOIN notebook_chunks c ON c.num = s.num JOIN notebook_documents d ON d.id = c.document_id AND d.deleted_at IS NULL
		ORDER BY s.score`, match, notebookID, k)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search chunk text: %w", err)
	}
	return scanHits(rows)
}

// SearchChunksVector finds the k nearest chunks of a notebook embedded by
// model, exactly: sqlite-vec's KNN for small notebooks, a scan of the
// cached in-memory slab for large ones; a large notebook whose slab does
// not fit the cache gets a binary coarse search + float rerank instead
// (see notebookvec.go).
func (db *DB) SearchChunksVector(ctx context.Context, notebookID, model string, vec []float32, k int) ([]core.ChunkHit, error) {
	return db.SearchChunksVectorVia(ctx, VectorAuto, notebookID, model, vec, k)
}

// VectorPath names a vector search path; tests and benchmarks compare them.
type VectorPath int

const (
	VectorAuto        VectorPath = iota // by notebook size and cache room, as SearchChunksVector
	VectorSQLiteExact                   // sqlite-vec's exact float KNN
	VectorSlab                          // exact scan of the in-memory slab (built for the call if not cached)
	VectorCoarse                        // sqlite-vec binary coarse KNN + float rerank
)

// SearchChunksVectorVia is SearchChunksVector along a chosen path.
func (db *DB) SearchChunksVectorVia(ctx context.Context, path VectorPath, notebookID, model string, vec []float32, k int) ([]core.ChunkHit, error) {
	if len(vec) != VectorDim || k <= 0 {
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
	q := unit(vec)
	s := nv.Slabs[model]
	if path == VectorAuto {
		switch {
		case s != nil:
			path = VectorSlab
		case n > SlabMinChunks:
			path = VectorCoarse
		default:
			path = VectorSQLiteExact
		}
	}
	if path == VectorSlab {
		if s == nil {
			if s, err = db.loadSlab(ctx, db.read, notebookID, model, n); err != nil {
				return nil, err
			}
		}
		return db.hitsByNum(ctx, s.Search(q, k))
	}
	blob := vecBlob(q)
	part := vecPartition(notebookID, model)
	knn := `SELECT rowid, distance FROM notebook_chunk_vecs WHERE embedding MATCH ? AND k = ? AND part = ?`
	args := []any{blob, k, part}
	if path == VectorCoarse {
		knn = `WITH coarse AS MATERIALIZED (SELECT rowid AS num FROM notebook_chunk_bits WHERE embedding MATCH vec_bit(?) AND k = ? AND part = ?)
			SELECT f.num AS rowid, vec_distance_l2(f.embedding, ?) AS distance FROM coarse JOIN notebook_chunk_floats f ON f.num = coarse.num
			ORDER BY distance LIMIT ?`
		args = []any{signBits(vec), CoarseFactor * k, part, blob, k}
	}
	rows, err := db.search.QueryContext(ctx, `WITH v AS MATERIALIZED (`+knn+`) SELECT `+hitColumns+`, v.distance FROM v
		JOIN notebook_chunks c ON c.num = v.rowid JOIN notebook_documents d ON d.id = c.document_id AND d.deleted_at IS NULL
		ORDER BY v.distance`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search chunk vectors: %w", err)
	}
	hits, err := scanHits(rows)
	for i := range hits {
		// Unit vectors: cosine distance = L2² / 2.
		hits[i].Score = hits[i].Score * hits[i].Score / 2
	}
	return hits, err
}

// hitsByNum reads the chunks a slab scan found, in its order.
func (db *DB) hitsByNum(ctx context.Context, found []vecscan.Hit) ([]core.ChunkHit, error) {
	if len(found) == 0 {
		return nil, nil
	}
	args := make([]any, len(found))
	for i, f := range found {
		args[i] = f.ID
	}
	rows, err := db.search.QueryContext(ctx, `SELECT `+hitColumns+`, 0 FROM notebook_chunks c
		JOIN notebook_documents d ON d.id = c.document_id AND d.deleted_at IS NULL
		WHERE c.num IN (?`+strings.Repeat(",?", len(found)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search chunk vectors: %w", err)
	}
	hits, err := scanHits(rows)
	if err != nil {
		return nil, err
	}
	byNum := make(map[int64]core.ChunkHit, len(hits))
	for _, h := range hits {
		byNum[h.Num] = h
	}
	out := make([]core.ChunkHit, 0, len(hits))
	for _, f := range found {
		if h, ok := byNum[f.ID]; ok {
			h.Score = float64(f.Dist)
			out = append(out, h)
		}
	}
	return out, nil
}

// CountChunkTextMatches counts the chunks (of every notebook) an FTS5
// expression matches, stopping at limit: cheap, as it reads only the
// posting lists, so callers can drop query terms too common to be worth
// ranking (BM25 costs a few µs per matching row).
func (db *DB) CountChunkTextMatches(ctx context.Context, match string, limit int) (int, error) {
	if strings.TrimSpace(match) == "" || limit <= 0 {
		return 0, nil
	}
	var n int
	if err := db.search.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT rowid FROM notebook_chunks_fts WHERE notebook_chunks_fts MATCH ? LIMIT ?)`,
		match, limit).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count chunk text matches: %w", err)
	}
	return n, nil
}

func vecPartition(notebookID, model string) string { return notebookID + " " + model }

// unit returns v scaled to length 1 (a copy), so L2 ranks as cosine does.
func unit(v []float32) []float32 { return vecscan.Unit(v) }

// NotebookModels lists the embedding models present in a notebook (from
// the counts cached with its index version).
func (db *DB) NotebookModels(ctx context.Context, notebookID string) ([]string, error) {
	nv, err := db.notebookVectors(ctx, notebookID)
	if err != nil {
		return nil, err
	}
	return nv.Models(), nil
}

// CreateNotebookMessage appends a conversation turn.
func (db *DB) CreateNotebookMessage(ctx context.Context, m *core.NotebookMessage) error {
	if m.ID == "" {
		m.ID = NewID()
	}
	if m.Citations == nil {
		m.Citations = []core.Citation{}
	}
	cites, err := json.Marshal(m.Citations)
	if err != nil {
		return fmt.Errorf("sqlite: encode citations: %w", err)
	}
	// Logged like every synced write, so the conversation reaches the
	// owner's other devices.
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	m.CreatedAt = tx.now
	now := formatTime(m.CreatedAt)
	hlc, err := tx.logChange(ctx, m.UserID, "notebook_messages", m.ID, core.OpInsert, map[string]any{"notebook_id": m.NotebookID,
		"role": m.Role, "content": m.Content, "citations": m.Citations, "engine": m.Engine, "created_at": now})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notebook_messages (id, user_id, notebook_id, role, content, citations, engine, created_at, updated_at, hlc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.UserID, m.NotebookID, m.Role, m.Content, string(cites), m.Engine, now, now, hlc); err != nil {
		return fmt.Errorf("sqlite: create notebook message: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create notebook message: commit: %w", err)
	}
	return nil
}

// FindNotebookMessages returns the latest messages, oldest first.
func (db *DB) FindNotebookMessages(ctx context.Context, notebookID string, limit int) ([]*core.NotebookMessage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, user_id, notebook_id, role, content, citations, engine, created_at FROM
		(SELECT * FROM notebook_messages WHERE notebook_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?) ORDER BY created_at, id`, notebookID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find notebook messages: %w", err)
	}
	defer rows.Close()
	out := []*core.NotebookMessage{}
	for rows.Next() {
		var m core.NotebookMessage
		var cites, created string
		if err := rows.Scan(&m.ID, &m.UserID, &m.NotebookID, &m.Role, &m.Content, &cites, &m.Engine, &created); err != nil {
			return nil, fmt.Errorf("sqlite: scan notebook message: %w", err)
		}
		if err := json.Unmarshal([]byte(cites), &m.Citations); err != nil {
			return nil, fmt.Errorf("sqlite: decode citations: %w", err)
		}
		if m.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}

var _ core.NotebookStore = (*DB)(nil)
