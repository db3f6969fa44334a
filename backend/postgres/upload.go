package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
)

var _ core.UploadStore = (*DB)(nil)

var (
	uploadMissing  = core.Errorf(core.ENOTFOUND, "Upload not found.")
	sessionMissing = core.Errorf(core.ENOTFOUND, "Upload session not found or expired; create a new one.")
)

// CreateUploadSession stores a new session.
func (db *DB) CreateUploadSession(ctx context.Context, s *core.UploadSession) error {
	if !storable(s.UserID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	if s.ID == "" {
		s.ID = NewID()
	}
	s.CreatedAt, s.ExpiresAt = db.now(), ms(s.ExpiresAt)
	if _, err := db.pool.Exec(ctx, `INSERT INTO upload_sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		s.ID, s.UserID, s.CreatedAt, s.ExpiresAt); err != nil {
		return formatError(err, "create upload session", userMissing)
	}
	return nil
}

// FindUploadSession returns a live session.
func (db *DB) FindUploadSession(ctx context.Context, id string) (*core.UploadSession, error) {
	if !storable(id) {
		return nil, sessionMissing
	}
	var s core.UploadSession
	err := db.pool.QueryRow(ctx, `SELECT id, user_id, created_at, expires_at FROM upload_sessions WHERE id = $1 AND deleted_at IS NULL AND expires_at > $2`,
		id, db.now()).Scan(&s.ID, &s.UserID, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sessionMissing
	} else if err != nil {
		return nil, formatError(err, "find upload session", onViolation{})
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return &s, nil
}

// DeleteUploadSession soft-deletes a session and its uploads.
func (db *DB) DeleteUploadSession(ctx context.Context, id string) error {
	if !storable(id) {
		return nil
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := tx.Exec(ctx, `UPDATE upload_sessions SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL`, tx.now, id); err != nil {
		return formatError(err, "delete upload session", onViolation{})
	}
	rows, err := tx.Query(ctx, `SELECT id, user_id FROM uploads WHERE session_id = $1 AND deleted_at IS NULL ORDER BY id FOR UPDATE`, id)
	if err != nil {
		return formatError(err, "delete upload session", onViolation{})
	}
	type pair struct{ id, user string }
	var ups []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.id, &p.user); err != nil {
			rows.Close()
			return formatError(err, "delete upload session", onViolation{})
		}
		ups = append(ups, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return formatError(err, "delete upload session", onViolation{})
	}
	for _, p := range ups {
		hlc, err := tx.logChange(ctx, p.user, "uploads", p.id, core.OpDelete, nil)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE uploads SET deleted_at = $1, updated_at = $1, version = version + 1, hlc = $2 WHERE id = $3`, tx.now, hlc, p.id); err != nil {
			return formatError(err, "delete upload", onViolation{})
		}
	}
	return tx.commit(ctx, "delete upload session")
}

const uploadColumns = `id, user_id, session_id, filename, content_type, kind, size_bytes, sha256, storage_path, status, is_temporary, expires_at, created_at, updated_at, deleted_at, error`

func scanUpload(row pgx.Row) (*core.Upload, error) {
	var u core.Upload
	if err := row.Scan(&u.ID, &u.UserID, &u.SessionID, &u.Filename, &u.ContentType, &u.Kind, &u.SizeBytes, &u.SHA256, &u.StoragePath,
		&u.Status, &u.Temporary, &u.ExpiresAt, &u.CreatedAt, &u.UpdatedAt, &u.DeletedAt, &u.Error); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, uploadMissing
		}
		return nil, formatError(err, "scan upload", onViolation{})
	}
	u.ExpiresAt, u.DeletedAt, u.CreatedAt, u.UpdatedAt = utcPtr(u.ExpiresAt), utcPtr(u.DeletedAt), u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, nil
}

// CreateUpload records a stored file.
func (db *DB) CreateUpload(ctx context.Context, u *core.Upload) error {
	if !storable(u.UserID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if u.ID == "" {
		u.ID = NewID()
	}
	u.CreatedAt, u.UpdatedAt = tx.now, tx.now
	u.ExpiresAt = msPtr(u.ExpiresAt)
	if u.Status == "" {
		u.Status = "stored"
	}
	hlc, err := tx.logChange(ctx, u.UserID, "uploads", u.ID, core.OpInsert, map[string]any{
		"filename": u.Filename, "kind": u.Kind, "size_bytes": u.SizeBytes, "sha256": u.SHA256})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO uploads (`+uploadColumns+`, hlc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15, $16)`,
		u.ID, u.UserID, u.SessionID, u.Filename, u.ContentType, u.Kind, u.SizeBytes, u.SHA256, u.StoragePath, u.Status, u.Temporary,
		u.ExpiresAt, u.CreatedAt, u.UpdatedAt, u.Error, hlc); err != nil {
		return formatError(err, "create upload", userMissing)
	}
	return tx.commit(ctx, "create upload")
}

// FindUploadByID returns a live upload.
func (db *DB) FindUploadByID(ctx context.Context, id string) (*core.Upload, error) {
	if !storable(id) {
		return nil, uploadMissing
	}
	return scanUpload(db.pool.QueryRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = $1 AND deleted_at IS NULL`, id))
}

// FindUploads lists a user's live uploads, newest first.
func (db *DB) FindUploads(ctx context.Context, f core.UploadFilter) ([]*core.Upload, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	out := []*core.Upload{}
	if !storable(f.UserID, f.SessionID) {
		return out, nil
	}
	q := `SELECT ` + uploadColumns + ` FROM uploads WHERE user_id = $1 AND deleted_at IS NULL`
	args := []any{f.UserID}
	if f.SessionID != "" {
		q += ` AND session_id = $2`
		args = append(args, f.SessionID)
	}
	args = append(args, f.Limit)
	if len(args) == 2 {
		q += ` ORDER BY created_at DESC, id DESC LIMIT $2`
	} else {
		q += ` ORDER BY created_at DESC, id DESC LIMIT $3`
	}
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, formatError(err, "find uploads", onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find uploads", onViolation{})
	}
	return out, nil
}

// FindUploadBySHA returns the newest live upload of the same bytes.
func (db *DB) FindUploadBySHA(ctx context.Context, userID, sha string) (*core.Upload, error) {
	if !storable(userID, sha) {
		return nil, uploadMissing
	}
	return scanUpload(db.pool.QueryRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE user_id = $1 AND sha256 = $2 AND deleted_at IS NULL AND status <> 'failed'
		ORDER BY created_at DESC, id DESC LIMIT 1`, userID, sha))
}

// UserUploadBytes sums a user's live uploads.
func (db *DB) UserUploadBytes(ctx context.Context, userID string) (int64, error) {
	if !storable(userID) {
		return 0, nil
	}
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(sum(size_bytes), 0)::bigint FROM uploads WHERE user_id = $1 AND deleted_at IS NULL AND status <> 'failed'`,
		userID).Scan(&n); err != nil {
		return 0, formatError(err, "upload bytes", onViolation{})
	}
	return n, nil
}

// KeepUpload makes an upload permanent.
func (db *DB) KeepUpload(ctx context.Context, id string) error {
	if !storable(id) {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE uploads SET is_temporary = false, expires_at = NULL, updated_at = $1 WHERE id = $2`, db.now(), id); err != nil {
		return formatError(err, "keep upload", onViolation{})
	}
	return nil
}

// DeleteUpload soft-deletes an upload.
func (db *DB) DeleteUpload(ctx context.Context, id string) error {
	if !storable(id) {
		return uploadMissing
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	u, err := scanUpload(tx.QueryRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, id))
	if err != nil {
		return err
	}
	hlc, err := tx.logChange(ctx, u.UserID, "uploads", u.ID, core.OpDelete, nil)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE uploads SET deleted_at = $1, updated_at = $1, version = version + 1, hlc = $2 WHERE id = $3`, tx.now, hlc, id); err != nil {
		return formatError(err, "delete upload", onViolation{})
	}
	return tx.commit(ctx, "delete upload")
}

// FindExpiredUploads lists uploads whose files should be removed.
func (db *DB) FindExpiredUploads(ctx context.Context, now time.Time, limit int) ([]*core.Upload, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE purged_at IS NULL AND storage_path <> ''
		AND (deleted_at IS NOT NULL OR (is_temporary AND expires_at < $1)) ORDER BY id LIMIT $2`, ms(now), limit)
	if err != nil {
		return nil, formatError(err, "find expired uploads", onViolation{})
	}
	defer rows.Close()
	var out []*core.Upload
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find expired uploads", onViolation{})
	}
	return out, nil
}

// MarkUploadPurged records that the file is gone (and tombstones the row).
func (db *DB) MarkUploadPurged(ctx context.Context, id string) error {
	if !storable(id) {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE uploads SET purged_at = $1, deleted_at = coalesce(deleted_at, $1), status = 'purged' WHERE id = $2`, db.now(), id); err != nil {
		return formatError(err, "mark purged", onViolation{})
	}
	return nil
}
