package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
)

// Synced files (SYNC.md §7): the server's record of whole files and
// partial uploads per scope, as in the SQLite store.

var _ core.SyncBlobStore = (*DB)(nil)

var blobMissing = core.Errorf(core.ENOTFOUND, "The file is not on the server.")

// FindSyncBlob returns a scope's whole file.
func (db *DB) FindSyncBlob(ctx context.Context, scopeID, sha string) (*core.SyncBlob, error) {
	if !storable(scopeID, sha) {
		return nil, blobMissing
	}
	b := &core.SyncBlob{ScopeID: scopeID, SHA256: sha}
	err := db.pool.QueryRow(ctx, `SELECT size_bytes, storage_key, created_at FROM sync_blobs WHERE scope_id = $1 AND sha256 = $2`, scopeID, sha).
		Scan(&b.Size, &b.StorageKey, &b.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, blobMissing
	} else if err != nil {
		return nil, formatError(err, "find sync blob", onViolation{})
	}
	return b, nil
}

// FindSyncBlobParts lists a partial upload's chunks by offset.
func (db *DB) FindSyncBlobParts(ctx context.Context, scopeID, sha string) ([]*core.SyncBlobPart, error) {
	if !storable(scopeID, sha) {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT offset_bytes, size_bytes, total_bytes, storage_key, created_at FROM sync_blob_parts
		WHERE scope_id = $1 AND sha256 = $2 ORDER BY offset_bytes`, scopeID, sha)
	if err != nil {
		return nil, formatError(err, "find sync blob parts", onViolation{})
	}
	defer rows.Close()
	var out []*core.SyncBlobPart
	for rows.Next() {
		p := &core.SyncBlobPart{ScopeID: scopeID, SHA256: sha}
		if err := rows.Scan(&p.Offset, &p.Size, &p.Total, &p.StorageKey, &p.CreatedAt); err != nil {
			return nil, formatError(err, "scan sync blob part", onViolation{})
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find sync blob parts", onViolation{})
	}
	return out, nil
}

// AddSyncBlobPart records one chunk.
func (db *DB) AddSyncBlobPart(ctx context.Context, p *core.SyncBlobPart) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO sync_blob_parts (scope_id, sha256, offset_bytes, size_bytes, total_bytes, storage_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ScopeID, p.SHA256, p.Offset, p.Size, p.Total, p.StorageKey, db.now())
	return formatError(err, "add sync blob part", onViolation{Duplicate: "Another request already sent the bytes at this offset; ask the server how far it got (HEAD) and go on from there."})
}

// FinishSyncBlob records the whole file and drops its chunks' rows.
func (db *DB) FinishSyncBlob(ctx context.Context, b *core.SyncBlob) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := tx.Exec(ctx, `INSERT INTO sync_blobs (scope_id, sha256, size_bytes, storage_key, created_at) VALUES ($1, $2, $3, $4, $5)`,
		b.ScopeID, b.SHA256, b.Size, b.StorageKey, db.now()); err != nil {
		return formatError(err, "finish sync blob", onViolation{Duplicate: "The server already has this file."})
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sync_blob_parts WHERE scope_id = $1 AND sha256 = $2`, b.ScopeID, b.SHA256); err != nil {
		return formatError(err, "finish sync blob", onViolation{})
	}
	return tx.commit(ctx, "finish sync blob")
}

// DeleteSyncBlobParts forgets a partial upload.
func (db *DB) DeleteSyncBlobParts(ctx context.Context, scopeID, sha string) error {
	if !storable(scopeID, sha) {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM sync_blob_parts WHERE scope_id = $1 AND sha256 = $2`, scopeID, sha); err != nil {
		return formatError(err, "delete sync blob parts", onViolation{})
	}
	return nil
}

// FindStaleSyncBlobParts lists the chunks of abandoned partial uploads.
func (db *DB) FindStaleSyncBlobParts(ctx context.Context, before time.Time, limit int) ([]*core.SyncBlobPart, error) {
	rows, err := db.pool.Query(ctx, `SELECT p.scope_id, p.sha256, p.offset_bytes, p.size_bytes, p.total_bytes, p.storage_key, p.created_at
		FROM sync_blob_parts p JOIN (SELECT scope_id, sha256 FROM sync_blob_parts GROUP BY scope_id, sha256 HAVING max(created_at) < $1
		ORDER BY scope_id, sha256 LIMIT $2) s ON s.scope_id = p.scope_id AND s.sha256 = p.sha256 ORDER BY p.scope_id, p.sha256, p.offset_bytes`,
		before, limit)
	if err != nil {
		return nil, formatError(err, "stale sync blob parts", onViolation{})
	}
	defer rows.Close()
	var out []*core.SyncBlobPart
	for rows.Next() {
		p := &core.SyncBlobPart{}
		if err := rows.Scan(&p.ScopeID, &p.SHA256, &p.Offset, &p.Size, &p.Total, &p.StorageKey, &p.CreatedAt); err != nil {
			return nil, formatError(err, "scan stale sync blob part", onViolation{})
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "stale sync blob parts", onViolation{})
	}
	return out, nil
}

// referencedBlob is true when an uploads row of the blob's scope names it:
// live, or deleted at or after the cut-off ($1, in the Trash).
const referencedBlob = `EXISTS (SELECT 1 FROM uploads u WHERE u.user_id = b.scope_id AND u.sha256 = b.sha256 AND u.status <> 'failed'
	AND (u.deleted_at IS NULL OR u.deleted_at >= $1))`

// FindUnreferencedSyncBlobs lists the whole files no uploads row names.
func (db *DB) FindUnreferencedSyncBlobs(ctx context.Context, before time.Time, limit int) ([]*core.SyncBlob, error) {
	rows, err := db.pool.Query(ctx, `SELECT b.scope_id, b.sha256, b.size_bytes, b.storage_key, b.created_at FROM sync_blobs b
		WHERE b.created_at < $1 AND NOT `+referencedBlob+` ORDER BY b.created_at, b.scope_id, b.sha256 LIMIT $2`, before, limit)
	if err != nil {
		return nil, formatError(err, "unreferenced sync blobs", onViolation{})
	}
	defer rows.Close()
	var out []*core.SyncBlob
	for rows.Next() {
		b := &core.SyncBlob{}
		if err := rows.Scan(&b.ScopeID, &b.SHA256, &b.Size, &b.StorageKey, &b.CreatedAt); err != nil {
			return nil, formatError(err, "scan unreferenced sync blob", onViolation{})
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "unreferenced sync blobs", onViolation{})
	}
	return out, nil
}

// DeleteUnreferencedSyncBlob forgets a whole file no uploads row names.
func (db *DB) DeleteUnreferencedSyncBlob(ctx context.Context, scopeID, sha string, before time.Time) (bool, error) {
	if !storable(scopeID, sha) {
		return false, nil
	}
	tag, err := db.pool.Exec(ctx, `DELETE FROM sync_blobs b WHERE b.scope_id = $2 AND b.sha256 = $3 AND b.created_at < $1 AND NOT `+referencedBlob,
		before, scopeID, sha)
	if err != nil {
		return false, formatError(err, "delete sync blob", onViolation{})
	}
	return tag.RowsAffected() > 0, nil
}
