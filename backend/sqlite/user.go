package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sentry/backend/core"
)

const userColumns = `id, email, password_hash, first_name, last_name, email_verified, is_local, token_version, created_at, updated_at, version`

// CreateUser inserts u. conflict when the email is taken.
func (db *DB) CreateUser(ctx context.Context, u *core.User) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	// Checked before lower-casing, which would hide bad bytes.
	if err := core.CheckStorable("email", u.Email); err != nil {
		return err
	}
	u.ID = NewID()
	u.Email = core.NormalizeEmail(u.Email)
	if err := checkUserText(u); err != nil {
		return err
	}
	u.CreatedAt, u.UpdatedAt, u.Version = tx.now, tx.now, 1
	hlc, err := tx.logChange(ctx, u.ID, "users", u.ID, core.OpInsert, map[string]any{
		"email": u.Email, "first_name": u.FirstName, "last_name": u.LastName, "is_local": u.IsLocal,
	})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.PasswordHash, u.FirstName, u.LastName, u.EmailVerified, u.IsLocal, u.TokenVersion,
		formatTime(u.CreatedAt), formatTime(u.UpdatedAt), u.Version, hlc)
	if err != nil {
		return formatError(err, "create user", emailTaken)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create user: commit: %w", err)
	}
	return nil
}

func scanUser(row interface{ Scan(...any) error }) (*core.User, error) {
	var u core.User
	var created, updated string
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.FirstName, &u.LastName, &u.EmailVerified, &u.IsLocal,
		&u.TokenVersion, &created, &updated, &u.Version); err != nil {
		return nil, err
	}
	var err error
	if u.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if u.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &u, nil
}

func (db *DB) findUser(ctx context.Context, q sqlQueryer, where string, args ...any) (*core.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE deleted_at IS NULL AND `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "User not found.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find user: %w", err)
	}
	return u, nil
}

// FindUserByID returns not_found for unknown or deleted users.
func (db *DB) FindUserByID(ctx context.Context, id string) (*core.User, error) {
	return db.findUser(ctx, db.read, `id = ?`, id)
}

// FindUserByEmail returns not_found for unknown or deleted users.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*core.User, error) {
	return db.findUser(ctx, db.read, `email = ?`, core.NormalizeEmail(email))
}

// FindLocalUser returns the desktop's local profile.
func (db *DB) FindLocalUser(ctx context.Context) (*core.User, error) {
	return db.findUser(ctx, db.read, `is_local = 1 ORDER BY created_at LIMIT 1`)
}

// UpdateUser applies upd. not_found; conflict when the new email is taken.
func (db *DB) UpdateUser(ctx context.Context, id string, upd core.UserUpdate) (*core.User, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u, err := db.findUser(ctx, tx, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	fields, err := upd.Apply(u)
	if err != nil {
		return nil, err
	}
	if err := checkUserText(u); err != nil {
		return nil, err
	}
	u.UpdatedAt = tx.now
	u.Version++
	hlc, err := tx.logChange(ctx, u.ID, "users", u.ID, core.OpUpdate, fields)
	if err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE users SET email = ?, password_hash = ?, first_name = ?, last_name = ?, email_verified = ?,
		token_version = ?, updated_at = ?, version = ?, hlc = ? WHERE id = ?`,
		u.Email, u.PasswordHash, u.FirstName, u.LastName, u.EmailVerified, u.TokenVersion, formatTime(u.UpdatedAt), u.Version, hlc, u.ID)
	if err != nil {
		return nil, formatError(err, "update user "+id, emailTaken)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: update user %s: commit: %w", id, err)
	}
	return u, nil
}

// CreateRefreshToken stores a new (hashed) refresh token.
func (db *DB) CreateRefreshToken(ctx context.Context, t *core.RefreshToken) error {
	if t.ID == "" {
		t.ID = NewID()
	}
	if t.FamilyID == "" {
		t.FamilyID = t.ID
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.Now().UTC()
	}
	_, err := db.write.ExecContext(ctx, `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, device_name, ip, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.UserID, t.FamilyID, t.TokenHash, t.DeviceName, t.IP, formatTime(t.CreatedAt), formatTime(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlite: create refresh token: %w", err)
	}
	return nil
}

// FindRefreshTokenByHash returns not_found for an unknown hash.
func (db *DB) FindRefreshTokenByHash(ctx context.Context, hash string) (*core.RefreshToken, error) {
	var t core.RefreshToken
	var created, expires string
	var used, revoked sql.NullString
	err := db.read.QueryRowContext(ctx, `SELECT id, user_id, family_id, parent_id, token_hash, device_name, created_at, expires_at, used_at, revoked_at
		FROM refresh_tokens WHERE token_hash = ?`, hash).Scan(&t.ID, &t.UserID, &t.FamilyID, &t.ParentID, &t.TokenHash, &t.DeviceName, &created, &expires, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Refresh token not found.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find refresh token: %w", err)
	}
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if t.ExpiresAt, err = parseTime(expires); err != nil {
		return nil, err
	}
	if t.UsedAt, err = parseTimePtr(used); err != nil {
		return nil, err
	}
	if t.RevokedAt, err = parseTimePtr(revoked); err != nil {
		return nil, err
	}
	return &t, nil
}

// RotateRefreshToken marks old as used and stores next in one transaction;
// conflict when old was already used or revoked (a concurrent refresh won).
func (db *DB) RotateRefreshToken(ctx context.Context, oldID string, next *core.RefreshToken) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL`, formatTime(tx.now), oldID)
	if err != nil {
		return fmt.Errorf("sqlite: rotate refresh token: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return core.Errorf(core.ECONFLICT, "Refresh token was already used.")
	}
	return insertChildToken(ctx, tx, oldID, next, "rotate")
}

// insertChildToken stores next as oldID's child and commits tx.
func insertChildToken(ctx context.Context, tx *Tx, oldID string, next *core.RefreshToken, op string) error {
	if next.ID == "" {
		next.ID = NewID()
	}
	next.CreatedAt, next.ParentID = tx.now, oldID
	if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (id, user_id, family_id, parent_id, token_hash, device_name, ip, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, next.ID, next.UserID, next.FamilyID, next.ParentID, next.TokenHash, next.DeviceName, next.IP, formatTime(next.CreatedAt), formatTime(next.ExpiresAt)); err != nil {
		return fmt.Errorf("sqlite: %s refresh token: insert: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s refresh token: commit: %w", op, err)
	}
	return nil
}

// ReissueRefreshToken spends old's live child and stores next as old's
// child in one transaction; conflict unless old is used, not revoked, and
// has a child that is neither used nor revoked.
func (db *DB) ReissueRefreshToken(ctx context.Context, oldID string, next *core.RefreshToken) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ?
		WHERE parent_id = ? AND used_at IS NULL AND revoked_at IS NULL
		AND EXISTS (SELECT 1 FROM refresh_tokens o WHERE o.id = ? AND o.used_at IS NOT NULL AND o.revoked_at IS NULL)`,
		formatTime(tx.now), oldID, oldID)
	if err != nil {
		return fmt.Errorf("sqlite: reissue refresh token: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return core.Errorf(core.ECONFLICT, "Refresh token was already used.")
	}
	return insertChildToken(ctx, tx, oldID, next, "reissue")
}

// RevokeRefreshFamily revokes every token of a family.
func (db *DB) RevokeRefreshFamily(ctx context.Context, familyID string) error {
	if _, err := db.write.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`,
		formatTime(db.Now()), familyID); err != nil {
		return fmt.Errorf("sqlite: revoke refresh family: %w", err)
	}
	return nil
}

// checkUserText refuses what the Postgres store cannot keep, so both
// answer invalid: text that is not UTF-8 or holds NUL, and an email longer
// than an address can be (the server's unique index has a size limit).
func checkUserText(u *core.User) error {
	for _, f := range [][2]string{{"email", u.Email}, {"first_name", u.FirstName}, {"last_name", u.LastName}, {"password", u.PasswordHash}} {
		if err := core.CheckStorable(f[0], f[1]); err != nil {
			return err
		}
	}
	if len(u.Email) > 254 {
		return core.FieldError("email", "Email must be at most 254 characters.")
	}
	return nil
}

var emailTaken = onViolation{Duplicate: "An account with this email already exists."}

type sqlQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
