package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sentry/backend/core"
)

// CreateUploadSession stores a new session.
func (db *DB) CreateUploadSession(ctx context.Context, s *core.UploadSession) error {
	if s.ID == "" {
		s.ID = NewID()
	}
	s.CreatedAt = db.Now().UTC().Truncate(time.Millisecond)
	if _, err := db.write.ExecContext(ctx, `INSERT INTO upload_sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		s.ID, s.UserID, formatTime(s.CreatedAt), formatTime(s.ExpiresAt)); err != nil {
		return formatError(err, "create upload session", userMissing)
	}
	return nil
}

// FindUploadSession returns a live session.
func (db *DB) FindUploadSession(ctx context.Context, id string) (*core.UploadSession, error) {
	var s core.UploadSession
	var created, expires string
	err := db.read.QueryRowContext(ctx, `SELECT id, user_id, created_at, expires_at FROM upload_sessions WHERE id = ? AND deleted_at IS NULL AND expires_at > ?`,
		id, formatTime(db.Now())).Scan(&s.ID, &s.UserID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Upload session not found or expired; create a new one.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find upload session: %w", err)
	}
	if s.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if s.ExpiresAt, err = parseTime(expires); err != nil {
		return nil, err
	}
	return &s, nil
}

// DeleteUploadSession soft-deletes a session and its uploads.
func (db *DB) DeleteUploadSession(ctx context.Context, id string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := formatTime(tx.now)
	if _, err := tx.ExecContext(ctx, `UPDATE upload_sessions SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, now, id); err != nil {
		return fmt.Errorf("sqlite: delete upload session: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, user_id FROM uploads WHERE session_id = ? AND deleted_at IS NULL`, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete upload session: %w", err)
	}
	type pair struct{ id, user string }
	var ups []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.id, &p.user); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: delete upload session: %w", err)
		}
		ups = append(ups, p)
	}
	rows.Close()
	for _, p := range ups {
		hlc, err := tx.logChange(ctx, p.user, "uploads", p.id, core.OpDelete, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE uploads SET deleted_at = ?, updated_at = ?, version = version + 1, hlc = ? WHERE id = ?`, now, now, hlc, p.id); err != nil {
			return fmt.Errorf("sqlite: delete upload: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete upload session: commit: %w", err)
	}
	return nil
}

const uploadColumns = `id, user_id, session_id, filename, content_type, kind, size_bytes, sha256, storage_path, status, is_temporary, expires_at, created_at, updated_at, deleted_at, error`

func scanUpload(row interface{ Scan(...any) error }) (*core.Upload, error) {
	var u core.Upload
	var expires, deleted sql.NullString
	var created, updated string
	if err := row.Scan(&u.ID, &u.UserID, &u.SessionID, &u.Filename, &u.ContentType, &u.Kind, &u.SizeBytes, &u.SHA256, &u.StoragePath,
		&u.Status, &u.Temporary, &expires, &created, &updated, &deleted, &u.Error); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, core.Errorf(core.ENOTFOUND, "Upload not found.")
		}
		return nil, fmt.Errorf("sqlite: scan upload: %w", err)
	}
	var err error
	if u.ExpiresAt, err = parseTimePtr(expires); err != nil {
		return nil, err
	}
	if u.DeletedAt, err = parseTimePtr(deleted); err != nil {
		return nil, err
	}
	if u.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if u.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateUpload records a stored file.
func (db *DB) CreateUpload(ctx context.Context, u *core.Upload) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if u.ID == "" {
		u.ID = NewID()
	}
	u.CreatedAt, u.UpdatedAt = tx.now, tx.now
	if u.Status == "" {
		u.Status = "stored"
	}
	hlc, err := tx.logChange(ctx, u.UserID, "uploads", u.ID, core.OpInsert, map[string]any{
		"filename": u.Filename, "kind": u.Kind, "size_bytes": u.SizeBytes, "sha256": u.SHA256})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO uploads (`+uploadColumns+`, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
		u.ID, u.UserID, u.SessionID, u.Filename, u.ContentType, u.Kind, u.SizeBytes, u.SHA256, u.StoragePath, u.Status, u.Temporary,
		formatTimePtr(u.ExpiresAt), formatTime(u.CreatedAt), formatTime(u.UpdatedAt), u.Error, hlc); err != nil {
		return formatError(err, "create upload", userMissing)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create upload: commit: %w", err)
	}
	return nil
}

// FindUploadByID returns a live upload.
func (db *DB) FindUploadByID(ctx context.Context, id string) (*core.Upload, error) {
	return scanUpload(db.read.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = ? AND deleted_at IS NULL`, id))
}

// FindUploads lists a user's live uploads, newest first.
func (db *DB) FindUploads(ctx context.Context, f core.UploadFilter) ([]*core.Upload, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT ` + uploadColumns + ` FROM uploads WHERE user_id = ? AND deleted_at IS NULL`
	args := []any{f.UserID}
	if f.SessionID != "" {
		q += ` AND session_id = ?`
		args = append(args, f.SessionID)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find uploads: %w", err)
	}
	defer rows.Close()
	out := []*core.Upload{}
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// FindUploadBySHA returns the newest live upload of the same bytes.
func (db *DB) FindUploadBySHA(ctx context.Context, userID, sha string) (*core.Upload, error) {
	return scanUpload(db.read.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE user_id = ? AND sha256 = ? AND deleted_at IS NULL AND status != 'failed'
		ORDER BY created_at DESC LIMIT 1`, userID, sha))
}

// UserUploadBytes sums a user's live uploads.
func (db *DB) UserUploadBytes(ctx context.Context, userID string) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, `SELECT ifnull(sum(size_bytes), 0) FROM uploads WHERE user_id = ? AND deleted_at IS NULL AND status != 'failed'`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: upload bytes: %w", err)
	}
	return n, nil
}

// KeepUpload makes an upload permanent.
func (db *DB) KeepUpload(ctx context.Context, id string) error {
	if _, err := db.write.ExecContext(ctx, `UPDATE uploads SET is_temporary = 0, expires_at = NULL, updated_at = ? WHERE id = ?`, formatTime(db.Now()), id); err != nil {
		return fmt.Errorf("sqlite: keep upload: %w", err)
	}
	return nil
}

// DeleteUpload soft-deletes an upload.
func (db *DB) DeleteUpload(ctx context.Context, id string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	u, err := scanUpload(tx.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = ? AND deleted_at IS NULL`, id))
	if err != nil {
		return err
	}
	hlc, err := tx.logChange(ctx, u.UserID, "uploads", u.ID, core.OpDelete, nil)
	if err != nil {
		return err
	}
	now := formatTime(tx.now)
	if _, err := tx.ExecContext(ctx, `UPDATE uploads SET deleted_at = ?, updated_at = ?, version = version + 1, hlc = ? WHERE id = ?`, now, now, hlc, id); err != nil {
		return fmt.Errorf("sqlite: delete upload: %w", err)
	}
	return tx.Commit()
}

// FindExpiredUploads lists uploads whose files should be removed.
func (db *DB) FindExpiredUploads(ctx context.Context, now time.Time, limit int) ([]*core.Upload, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE purged_at IS NULL AND storage_path != ''
		AND (deleted_at IS NOT NULL OR (is_temporary = 1 AND expires_at < ?)) LIMIT ?`, formatTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find expired uploads: %w", err)
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
	return out, rows.Err()
}

// MarkUploadPurged records that the file is gone (and tombstones the row).
func (db *DB) MarkUploadPurged(ctx context.Context, id string) error {
	now := formatTime(db.Now())
	if _, err := db.write.ExecContext(ctx, `UPDATE uploads SET purged_at = ?, deleted_at = ifnull(deleted_at, ?), status = 'purged' WHERE id = ?`, now, now, id); err != nil {
		return fmt.Errorf("sqlite: mark purged: %w", err)
	}
	return nil
}
