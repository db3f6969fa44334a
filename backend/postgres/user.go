package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
)

const userColumns = `id, email, password_hash, first_name, last_name, email_verified, is_local, token_version, created_at, updated_at, version`

// checkUserText refuses what no store can keep the same (see
// core.CheckStorable), and an email longer than an address can be: the
// unique index on emails has a size limit. The SQLite store has its twin.
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

// CreateUser inserts u. conflict when the email is taken.
func (db *DB) CreateUser(ctx context.Context, u *core.User) error {
	// Checked before lower-casing, which would hide bad bytes.
	if err := core.CheckStorable("email", u.Email); err != nil {
		return err
	}
	u.Email = core.NormalizeEmail(u.Email)
	if err := checkUserText(u); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	u.ID = NewID()
	u.CreatedAt, u.UpdatedAt, u.Version = tx.now, tx.now, 1
	hlc, err := tx.logChange(ctx, u.ID, "users", u.ID, core.OpInsert, map[string]any{
		"email": u.Email, "first_name": u.FirstName, "last_name": u.LastName, "is_local": u.IsLocal,
	})
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO users (`+userColumns+`, hlc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		u.ID, u.Email, u.PasswordHash, u.FirstName, u.LastName, u.EmailVerified, u.IsLocal, u.TokenVersion,
		u.CreatedAt, u.UpdatedAt, u.Version, hlc)
	if err != nil {
		return formatError(err, "create user", emailTaken)
	}
	return tx.commit(ctx, "create user")
}

func scanUser(row pgx.Row) (*core.User, error) {
	var u core.User
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.FirstName, &u.LastName, &u.EmailVerified, &u.IsLocal,
		&u.TokenVersion, &u.CreatedAt, &u.UpdatedAt, &u.Version); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, nil
}

// findUser reads one live user; lock adds FOR UPDATE inside a transaction.
func findUser(ctx context.Context, q queryer, where string, args ...any) (*core.User, error) {
	for _, a := range args {
		if s, ok := a.(string); ok && !storable(s) {
			return nil, core.Errorf(core.ENOTFOUND, "User not found.")
		}
	}
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE deleted_at IS NULL AND `+where, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "User not found.")
	} else if err != nil {
		return nil, formatError(err, "find user", onViolation{})
	}
	return u, nil
}

// FindUserByID returns not_found for unknown or deleted users.
func (db *DB) FindUserByID(ctx context.Context, id string) (*core.User, error) {
	return findUser(ctx, db.pool, `id = $1`, id)
}

// FindUserByEmail returns not_found for unknown or deleted users.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*core.User, error) {
	return findUser(ctx, db.pool, `email = $1`, core.NormalizeEmail(email))
}

// FindLocalUser returns the desktop's local profile.
func (db *DB) FindLocalUser(ctx context.Context) (*core.User, error) {
	return findUser(ctx, db.pool, `is_local ORDER BY created_at, id LIMIT 1`)
}

// UpdateUser applies upd. not_found; conflict when the new email is taken.
func (db *DB) UpdateUser(ctx context.Context, id string, upd core.UserUpdate) (*core.User, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	u, err := findUser(ctx, tx, `id = $1 FOR UPDATE`, id)
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
	_, err = tx.Exec(ctx, `UPDATE users SET email = $1, password_hash = $2, first_name = $3, last_name = $4, email_verified = $5,
		token_version = $6, updated_at = $7, version = $8, hlc = $9 WHERE id = $10`,
		u.Email, u.PasswordHash, u.FirstName, u.LastName, u.EmailVerified, u.TokenVersion, u.UpdatedAt, u.Version, hlc, u.ID)
	if err != nil {
		return nil, formatError(err, "update user "+id, emailTaken)
	}
	if err := tx.commit(ctx, "update user "+id); err != nil {
		return nil, err
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
		t.CreatedAt = db.now()
	}
	t.CreatedAt, t.ExpiresAt = ms(t.CreatedAt), ms(t.ExpiresAt)
	_, err := db.pool.Exec(ctx, `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, device_name, ip, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, t.ID, t.UserID, t.FamilyID, t.TokenHash, t.DeviceName, t.IP, t.CreatedAt, t.ExpiresAt)
	if err != nil {
		return formatError(err, "create refresh token", onViolation{})
	}
	return nil
}

// FindRefreshTokenByHash returns not_found for an unknown hash.
func (db *DB) FindRefreshTokenByHash(ctx context.Context, hash string) (*core.RefreshToken, error) {
	var t core.RefreshToken
	if !storable(hash) {
		return nil, core.Errorf(core.ENOTFOUND, "Refresh token not found.")
	}
	err := db.pool.QueryRow(ctx, `SELECT id, user_id, family_id, parent_id, token_hash, device_name, created_at, expires_at, used_at, revoked_at
		FROM refresh_tokens WHERE token_hash = $1`, hash).Scan(&t.ID, &t.UserID, &t.FamilyID, &t.ParentID, &t.TokenHash, &t.DeviceName,
		&t.CreatedAt, &t.ExpiresAt, &t.UsedAt, &t.RevokedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Refresh token not found.")
	} else if err != nil {
		return nil, formatError(err, "find refresh token", onViolation{})
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt, t.RevokedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), utcPtr(t.UsedAt), utcPtr(t.RevokedAt)
	return &t, nil
}

// RotateRefreshToken marks old as used and stores next in one transaction;
// conflict when old was already used or revoked (a concurrent refresh won:
// the row lock makes the loser see the winner's used_at).
func (db *DB) RotateRefreshToken(ctx context.Context, oldID string, next *core.RefreshToken) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if !storable(oldID) {
		return core.Errorf(core.ECONFLICT, "Refresh token was already used.")
	}
	tag, err := tx.Exec(ctx, `UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL`, tx.now, oldID)
	if err != nil {
		return formatError(err, "rotate refresh token", onViolation{})
	}
	if tag.RowsAffected() != 1 {
		return core.Errorf(core.ECONFLICT, "Refresh token was already used.")
	}
	return insertChildToken(ctx, tx, oldID, next, "rotate refresh token")
}

// insertChildToken stores next as oldID's child and commits tx.
func insertChildToken(ctx context.Context, tx *Tx, oldID string, next *core.RefreshToken, op string) error {
	if next.ID == "" {
		next.ID = NewID()
	}
	next.CreatedAt, next.ExpiresAt, next.ParentID = tx.now, ms(next.ExpiresAt), oldID
	if _, err := tx.Exec(ctx, `INSERT INTO refresh_tokens (id, user_id, family_id, parent_id, token_hash, device_name, ip, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, next.ID, next.UserID, next.FamilyID, next.ParentID, next.TokenHash, next.DeviceName, next.IP,
		next.CreatedAt, next.ExpiresAt); err != nil {
		return formatError(err, op+": insert", onViolation{})
	}
	return tx.commit(ctx, op)
}

// ReissueRefreshToken spends old's live child and stores next as old's
// child in one transaction; conflict unless old is used, not revoked, and
// has a child that is neither used nor revoked. Of two at once, the row
// lock on the child makes the loser find it used.
func (db *DB) ReissueRefreshToken(ctx context.Context, oldID string, next *core.RefreshToken) error {
	if !storable(oldID) {
		return core.Errorf(core.ECONFLICT, "Refresh token was already used.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	tag, err := tx.Exec(ctx, `UPDATE refresh_tokens SET used_at = $1
		WHERE parent_id = $2 AND used_at IS NULL AND revoked_at IS NULL
		AND EXISTS (SELECT 1 FROM refresh_tokens o WHERE o.id = $2 AND o.used_at IS NOT NULL AND o.revoked_at IS NULL)`,
		tx.now, oldID)
	if err != nil {
		return formatError(err, "reissue refresh token", onViolation{})
	}
	if tag.RowsAffected() != 1 {
		return core.Errorf(core.ECONFLICT, "Refresh token was already used.")
	}
	return insertChildToken(ctx, tx, oldID, next, "reissue refresh token")
}

// RevokeRefreshFamily revokes every token of a family.
func (db *DB) RevokeRefreshFamily(ctx context.Context, familyID string) error {
	if !storable(familyID) {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL`,
		db.now(), familyID); err != nil {
		return formatError(err, "revoke refresh family", onViolation{})
	}
	return nil
}

var emailTaken = onViolation{Duplicate: "An account with this email already exists."}

// TimeFormat is how times appear in change log fields: UTC with
// milliseconds, as the SQLite store writes them.
const TimeFormat = "2006-01-02T15:04:05.000Z"

func formatTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(TimeFormat)
}
