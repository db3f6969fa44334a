package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sentry/backend/core"
)

// Synced files (SYNC.md §7): the server's record of whole files and
// partial uploads per scope, and a device's queue of transfers.

var (
	_ core.SyncBlobStore     = (*DB)(nil)
	_ core.BlobTransferStore = (*DB)(nil)
)

// FindSyncBlob returns a scope's whole file.
func (db *DB) FindSyncBlob(ctx context.Context, scopeID, sha string) (*core.SyncBlob, error) {
	b := &core.SyncBlob{ScopeID: scopeID, SHA256: sha}
	var created string
	err := db.read.QueryRowContext(ctx, `SELECT size_bytes, storage_key, created_at FROM sync_blobs WHERE scope_id = ? AND sha256 = ?`, scopeID, sha).
		Scan(&b.Size, &b.StorageKey, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "The file is not on the server.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find sync blob: %w", err)
	}
	b.CreatedAt, _ = parseTime(created)
	return b, nil
}

// FindSyncBlobParts lists a partial upload's chunks by offset.
func (db *DB) FindSyncBlobParts(ctx context.Context, scopeID, sha string) ([]*core.SyncBlobPart, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT offset_bytes, size_bytes, total_bytes, storage_key, created_at FROM sync_blob_parts
		WHERE scope_id = ? AND sha256 = ? ORDER BY offset_bytes`, scopeID, sha)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find sync blob parts: %w", err)
	}
	defer rows.Close()
	var out []*core.SyncBlobPart
	for rows.Next() {
		p := &core.SyncBlobPart{ScopeID: scopeID, SHA256: sha}
		var created string
		if err := rows.Scan(&p.Offset, &p.Size, &p.Total, &p.StorageKey, &created); err != nil {
			return nil, fmt.Errorf("sqlite: scan sync blob part: %w", err)
		}
		p.CreatedAt, _ = parseTime(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

var partTaken = onViolation{Duplicate: "Another request already sent the bytes at this offset; ask the server how far it got (HEAD) and go on from there."}

// AddSyncBlobPart records one chunk.
func (db *DB) AddSyncBlobPart(ctx context.Context, p *core.SyncBlobPart) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO sync_blob_parts (scope_id, sha256, offset_bytes, size_bytes, total_bytes, storage_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, p.ScopeID, p.SHA256, p.Offset, p.Size, p.Total, p.StorageKey, formatTime(db.Now()))
	return formatError(err, "add sync blob part", partTaken)
}

// FinishSyncBlob records the whole file and drops its chunks' rows.
func (db *DB) FinishSyncBlob(ctx context.Context, b *core.SyncBlob) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: finish sync blob: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO sync_blobs (scope_id, sha256, size_bytes, storage_key, created_at) VALUES (?, ?, ?, ?, ?)`,
		b.ScopeID, b.SHA256, b.Size, b.StorageKey, formatTime(db.Now())); err != nil {
		return formatError(err, "finish sync blob", onViolation{Duplicate: "The server already has this file."})
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sync_blob_parts WHERE scope_id = ? AND sha256 = ?`, b.ScopeID, b.SHA256); err != nil {
		return fmt.Errorf("sqlite: finish sync blob: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: finish sync blob: commit: %w", err)
	}
	return nil
}

// DeleteSyncBlobParts forgets a partial upload.
func (db *DB) DeleteSyncBlobParts(ctx context.Context, scopeID, sha string) error {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM sync_blob_parts WHERE scope_id = ? AND sha256 = ?`, scopeID, sha); err != nil {
		return fmt.Errorf("sqlite: delete sync blob parts: %w", err)
	}
	return nil
}

// FindStaleSyncBlobParts lists the chunks of abandoned partial uploads.
func (db *DB) FindStaleSyncBlobParts(ctx context.Context, before time.Time, limit int) ([]*core.SyncBlobPart, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT p.scope_id, p.sha256, p.offset_bytes, p.size_bytes, p.total_bytes, p.storage_key, p.created_at
		FROM sync_blob_parts p JOIN (SELECT scope_id, sha256 FROM sync_blob_parts GROUP BY scope_id, sha256 HAVING max(created_at) < ?
		ORDER BY scope_id, sha256 LIMIT ?) s ON s.scope_id = p.scope_id AND s.sha256 = p.sha256 ORDER BY p.scope_id, p.sha256, p.offset_bytes`,
		formatTime(before), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: stale sync blob parts: %w", err)
	}
	defer rows.Close()
	var out []*core.SyncBlobPart
	for rows.Next() {
		p := &core.SyncBlobPart{}
		var created string
		if err := rows.Scan(&p.ScopeID, &p.SHA256, &p.Offset, &p.Size, &p.Total, &p.StorageKey, &created); err != nil {
			return nil, fmt.Errorf("sqlite: scan stale sync blob part: %w", err)
		}
		p.CreatedAt, _ = parseTime(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// referencedBlob is true when an uploads row of the blob's scope names it:
// live, or deleted at or after the cut-off (in the Trash).
const referencedBlob = `EXISTS (SELECT 1 FROM uploads u WHERE u.user_id = b.scope_id AND u.sha256 = b.sha256 AND u.status <> 'failed'
	AND (u.deleted_at IS NULL OR u.deleted_at >= ?))`

// FindUnreferencedSyncBlobs lists the whole files no uploads row names.
func (db *DB) FindUnreferencedSyncBlobs(ctx context.Context, before time.Time, limit int) ([]*core.SyncBlob, error) {
	cut := formatTime(before)
	rows, err := db.read.QueryContext(ctx, `SELECT b.scope_id, b.sha256, b.size_bytes, b.storage_key, b.created_at FROM sync_blobs b
		WHERE b.created_at < ? AND NOT `+referencedBlob+` ORDER BY b.created_at, b.scope_id, b.sha256 LIMIT ?`, cut, cut, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unreferenced sync blobs: %w", err)
	}
	defer rows.Close()
	var out []*core.SyncBlob
	for rows.Next() {
		b := &core.SyncBlob{}
		var created string
		if err := rows.Scan(&b.ScopeID, &b.SHA256, &b.Size, &b.StorageKey, &created); err != nil {
			return nil, fmt.Errorf("sqlite: scan unreferenced sync blob: %w", err)
		}
		b.CreatedAt, _ = parseTime(created)
		out = append(out, b)
	}
	return out, rows.Err()
}

// DeleteUnreferencedSyncBlob forgets a whole file no uploads row names.
func (db *DB) DeleteUnreferencedSyncBlob(ctx context.Context, scopeID, sha string, before time.Time) (bool, error) {
	cut := formatTime(before)
	res, err := db.write.ExecContext(ctx, `DELETE FROM sync_blobs AS b WHERE b.scope_id = ? AND b.sha256 = ? AND b.created_at < ? AND NOT `+referencedBlob,
		scopeID, sha, cut, cut)
	if err != nil {
		return false, fmt.Errorf("sqlite: delete sync blob: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// liveBytes is a live upload whose bytes this device holds.
const liveBytes = `deleted_at IS NULL AND purged_at IS NULL AND status <> 'failed' AND size_bytes > 0 AND sha256 <> ''`

// QueueBlobTransfers adds uploads of acknowledged local files and
// downloads of synced files whose bytes are not here.
func (db *DB) QueueBlobTransfers(ctx context.Context, scopeID string, eagerMax int64, now time.Time) (int, error) {
	ts := formatTime(now)
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: queue blob transfers: %w", err)
	}
	defer tx.Rollback()
	// An upload goes once the server has acknowledged its row: a local
	// change of it was pushed, and none is waiting.
	up, err := tx.ExecContext(ctx, `INSERT INTO blob_transfers (direction, scope_id, sha256, size_bytes, state, eager, next_at, created_at, updated_at)
		SELECT 'up', ?, u.sha256, max(u.size_bytes), 'pending', 1, ?, ?, ?
		FROM uploads u
		WHERE u.`+liveBytes+` AND u.storage_path <> ''
		  AND EXISTS (SELECT 1 FROM changes c WHERE c.table_name = 'uploads' AND c.row_id = u.id AND c.origin = 'local' AND c.pushed_at IS NOT NULL)
		  AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.table_name = 'uploads' AND c.row_id = u.id AND c.origin = 'local' AND c.pushed_at IS NULL AND c.rejected_at IS NULL)
		GROUP BY u.sha256
		ON CONFLICT (direction, scope_id, sha256) DO NOTHING`, scopeID, ts, ts, ts)
	if err != nil {
		return 0, fmt.Errorf("sqlite: queue blob uploads: %w", err)
	}
	// A download is eager for a small file, or one a notebook document
	// waits for; a finished download starts again when another row waits
	// for the same bytes (its copy was deleted, say).
	down, err := tx.ExecContext(ctx, `INSERT INTO blob_transfers (direction, scope_id, sha256, size_bytes, state, eager, next_at, created_at, updated_at)
		SELECT 'down', ?, u.sha256, max(u.size_bytes), 'pending',
		       max(u.size_bytes <= ? OR EXISTS (SELECT 1 FROM notebook_documents d WHERE d.upload_id = u.id AND d.deleted_at IS NULL)), ?, ?, ?
		FROM uploads u
		WHERE u.`+liveBytes+` AND u.storage_path = ''
		GROUP BY u.sha256
		ON CONFLICT (direction, scope_id, sha256) DO UPDATE SET
		  eager = max(blob_transfers.eager, excluded.eager),
		  done_bytes = CASE WHEN blob_transfers.state = 'done' THEN 0 ELSE blob_transfers.done_bytes END,
		  attempts = CASE WHEN blob_transfers.state = 'done' THEN 0 ELSE blob_transfers.attempts END,
		  next_at = CASE WHEN blob_transfers.state = 'done' THEN excluded.next_at ELSE blob_transfers.next_at END,
		  state = 'pending', size_bytes = excluded.size_bytes, updated_at = excluded.updated_at
		WHERE blob_transfers.state = 'done' OR blob_transfers.eager < excluded.eager`, scopeID, eagerMax, ts, ts, ts)
	if err != nil {
		return 0, fmt.Errorf("sqlite: queue blob downloads: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: queue blob transfers: commit: %w", err)
	}
	n1, _ := up.RowsAffected()
	n2, _ := down.RowsAffected()
	return int(n1 + n2), nil
}

// DueBlobTransfers lists the eager pending transfers due at now.
func (db *DB) DueBlobTransfers(ctx context.Context, now time.Time, limit int) ([]*core.BlobTransfer, error) {
	due := "9999-12-31T23:59:59.999Z"
	if !now.IsZero() {
		due = formatTime(now)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT direction, scope_id, sha256, size_bytes, done_bytes, state, eager, attempts, next_at, error
		FROM blob_transfers WHERE state = 'pending' AND eager = 1 AND next_at <= ? ORDER BY next_at, created_at LIMIT ?`, due, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due blob transfers: %w", err)
	}
	defer rows.Close()
	var out []*core.BlobTransfer
	for rows.Next() {
		t := &core.BlobTransfer{}
		var next string
		if err := rows.Scan(&t.Direction, &t.ScopeID, &t.SHA256, &t.Size, &t.Offset, &t.State, &t.Eager, &t.Attempts, &next, &t.Error); err != nil {
			return nil, fmt.Errorf("sqlite: scan blob transfer: %w", err)
		}
		t.NextAt, _ = parseTime(next)
		out = append(out, t)
	}
	return out, rows.Err()
}

// PendingBlobTransfers counts the transfers still to do (downloads that
// wait until a file is needed are not counted).
func (db *DB) PendingBlobTransfers(ctx context.Context) (up, down int, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT ifnull(sum(direction = 'up'), 0), ifnull(sum(direction = 'down'), 0)
		FROM blob_transfers WHERE state = 'pending' AND eager = 1`).Scan(&up, &down)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: count blob transfers: %w", err)
	}
	return up, down, nil
}

// UpdateBlobTransfer saves a transfer's progress.
func (db *DB) UpdateBlobTransfer(ctx context.Context, t *core.BlobTransfer) error {
	_, err := db.write.ExecContext(ctx, `UPDATE blob_transfers SET done_bytes = ?, state = ?, attempts = ?, next_at = ?, error = ?, updated_at = ?
		WHERE direction = ? AND scope_id = ? AND sha256 = ?`,
		t.Offset, t.State, t.Attempts, formatTime(t.NextAt), t.Error, formatTime(db.Now()), t.Direction, t.ScopeID, t.SHA256)
	return formatError(err, "update blob transfer", onViolation{})
}

// LocalBlobPath returns the storage key of a live upload with that hash.
func (db *DB) LocalBlobPath(ctx context.Context, sha string) (string, error) {
	var key string
	err := db.read.QueryRowContext(ctx, `SELECT storage_path FROM uploads WHERE sha256 = ? AND storage_path <> '' AND purged_at IS NULL AND status <> 'failed'
		ORDER BY deleted_at IS NOT NULL, created_at DESC LIMIT 1`, sha).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", core.Errorf(core.ENOTFOUND, "This file's bytes are not on this device.")
	} else if err != nil {
		return "", fmt.Errorf("sqlite: local blob: %w", err)
	}
	return key, nil
}

// BlobWaiters lists the live uploads waiting for those bytes.
func (db *DB) BlobWaiters(ctx context.Context, sha string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM uploads WHERE sha256 = ? AND storage_path = '' AND `+liveBytes+` ORDER BY created_at, id`, sha)
	if err != nil {
		return nil, fmt.Errorf("sqlite: blob waiters: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: blob waiters: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// AttachBlob gives a waiting upload its bytes.
func (db *DB) AttachBlob(ctx context.Context, uploadID, storageKey string) error {
	res, err := db.write.ExecContext(ctx, `UPDATE uploads SET storage_path = ? WHERE id = ? AND storage_path = '' AND deleted_at IS NULL`, storageKey, uploadID)
	if err != nil {
		return fmt.Errorf("sqlite: attach blob: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return core.Errorf(core.ECONFLICT, "The upload has its bytes already, or is gone.")
	}
	return nil
}

// WantBlobDownload makes a download eager and puts it first in line.
func (db *DB) WantBlobDownload(ctx context.Context, scopeID, sha string, size int64, now time.Time) (*core.BlobTransfer, error) {
	ts := formatTime(now)
	// The zero time sorts before every due transfer: it goes next.
	first := formatTime(time.Time{})
	t := &core.BlobTransfer{Direction: core.BlobDown, ScopeID: scopeID, SHA256: sha}
	var next string
	// Only while an upload still waits for the bytes: an open that read
	// the row just before they arrived must not start them again.
	err := db.write.QueryRowContext(ctx, `INSERT INTO blob_transfers (direction, scope_id, sha256, size_bytes, state, eager, next_at, created_at, updated_at)
		SELECT 'down', ?, ?, ?, 'pending', 1, ?, ?, ?
		WHERE EXISTS (SELECT 1 FROM uploads u WHERE u.sha256 = ? AND u.storage_path = '' AND u.`+liveBytes+`)
		ON CONFLICT (direction, scope_id, sha256) DO UPDATE SET
		  eager = 1, next_at = excluded.next_at,
		  done_bytes = CASE WHEN blob_transfers.state = 'done' THEN 0 ELSE blob_transfers.done_bytes END,
		  attempts = CASE WHEN blob_transfers.state = 'done' THEN 0 ELSE blob_transfers.attempts END,
		  state = 'pending', size_bytes = excluded.size_bytes, updated_at = excluded.updated_at
		RETURNING size_bytes, done_bytes, state, eager, attempts, next_at, error`, scopeID, sha, size, first, ts, ts, sha).
		Scan(&t.Size, &t.Offset, &t.State, &t.Eager, &t.Attempts, &next, &t.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "No upload on this device waits for these bytes.")
	} else if err != nil {
		return nil, formatError(err, "want blob download", onViolation{})
	}
	t.NextAt, _ = parseTime(next)
	return t, nil
}

// WaitingBlobDownloads counts the downloads that wait to be opened.
func (db *DB) WaitingBlobDownloads(ctx context.Context) (n int, bytes int64, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT count(*), ifnull(sum(t.size_bytes), 0) FROM blob_transfers t
		WHERE t.direction = 'down' AND t.state = 'pending' AND t.eager = 0
		  AND EXISTS (SELECT 1 FROM uploads u WHERE u.sha256 = t.sha256 AND u.storage_path = '' AND u.`+liveBytes+`)`).Scan(&n, &bytes)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: count waiting blob downloads: %w", err)
	}
	return n, bytes, nil
}
