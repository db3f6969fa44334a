package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"sentry/backend/core"
)

// CreateAuthCode stores c and voids earlier unused codes of its purpose.
func (db *DB) CreateAuthCode(ctx context.Context, c *core.AuthCode) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if c.ID == "" {
		c.ID = NewID()
	}
	c.CreatedAt = tx.now
	if _, err := tx.ExecContext(ctx, `UPDATE auth_codes SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`,
		formatTime(tx.now), c.UserID, c.Purpose); err != nil {
		return fmt.Errorf("sqlite: void old codes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO auth_codes (id, user_id, purpose, code_hash, attempts, created_at, expires_at, client_challenge) VALUES (?, ?, ?, ?, 0, ?, ?, ?)`,
		c.ID, c.UserID, c.Purpose, c.CodeHash, formatTime(c.CreatedAt), formatTime(c.ExpiresAt), c.ClientChallenge); err != nil {
		return fmt.Errorf("sqlite: create code: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create code: commit: %w", err)
	}
	return nil
}

const authCodeColumns = `id, user_id, purpose, code_hash, attempts, created_at, expires_at, used_at, client_challenge`

func scanAuthCode(row interface{ Scan(...any) error }) (*core.AuthCode, error) {
	var c core.AuthCode
	var created, expires string
	var used sql.NullString
	if err := row.Scan(&c.ID, &c.UserID, &c.Purpose, &c.CodeHash, &c.Attempts, &created, &expires, &used, &c.ClientChallenge); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, core.Errorf(core.ENOTFOUND, "Code not found.")
		}
		return nil, fmt.Errorf("sqlite: scan code: %w", err)
	}
	var err error
	if c.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if c.ExpiresAt, err = parseTime(expires); err != nil {
		return nil, err
	}
	if c.UsedAt, err = parseTimePtr(used); err != nil {
		return nil, err
	}
	return &c, nil
}

// FindActiveAuthCode returns the latest unused, unexpired code.
func (db *DB) FindActiveAuthCode(ctx context.Context, userID, purpose string) (*core.AuthCode, error) {
	return scanAuthCode(db.read.QueryRowContext(ctx, `SELECT `+authCodeColumns+` FROM auth_codes
		WHERE user_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ? ORDER BY created_at DESC LIMIT 1`,
		userID, purpose, formatTime(db.Now())))
}

// FindAuthCodeByHash finds a code by its hash, used or not.
func (db *DB) FindAuthCodeByHash(ctx context.Context, hash string) (*core.AuthCode, error) {
	return scanAuthCode(db.read.QueryRowContext(ctx, `SELECT `+authCodeColumns+` FROM auth_codes WHERE code_hash = ?`, hash))
}

// CountAuthCodeAttempt adds one failed attempt.
func (db *DB) CountAuthCodeAttempt(ctx context.Context, id string) (int, error) {
	var n int
	err := db.write.QueryRowContext(ctx, `UPDATE auth_codes SET attempts = attempts + 1 WHERE id = ? RETURNING attempts`, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, core.Errorf(core.ENOTFOUND, "Code not found.")
	} else if err != nil {
		return 0, fmt.Errorf("sqlite: count attempt: %w", err)
	}
	return n, nil
}

// UseAuthCode spends a code exactly once.
func (db *DB) UseAuthCode(ctx context.Context, id string) error {
	res, err := db.write.ExecContext(ctx, `UPDATE auth_codes SET used_at = ? WHERE id = ? AND used_at IS NULL`, formatTime(db.Now()), id)
	if err != nil {
		return fmt.Errorf("sqlite: use code: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return core.Errorf(core.ECONFLICT, "This code was already used.")
	}
	return nil
}

// FindSessions lists live refresh families: for each, its newest token
// that is neither used, revoked nor expired.
func (db *DB) FindSessions(ctx context.Context, userID string) ([]*core.Session, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT family_id, device_name, ip,
			(SELECT MIN(created_at) FROM refresh_tokens f WHERE f.family_id = t.family_id), created_at, expires_at
		FROM refresh_tokens t
		WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
		ORDER BY created_at DESC`, userID, formatTime(db.Now()))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find sessions: %w", err)
	}
	defer rows.Close()
	out := []*core.Session{}
	for rows.Next() {
		var s core.Session
		var created, last, expires string
		if err := rows.Scan(&s.ID, &s.DeviceName, &s.IP, &created, &last, &expires); err != nil {
			return nil, fmt.Errorf("sqlite: scan session: %w", err)
		}
		if s.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		if s.LastUsedAt, err = parseTime(last); err != nil {
			return nil, err
		}
		if s.ExpiresAt, err = parseTime(expires); err != nil {
			return nil, err
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}

// RevokeUserSessions revokes every refresh token of a user.
func (db *DB) RevokeUserSessions(ctx context.Context, userID string) error {
	if _, err := db.write.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
		formatTime(db.Now()), userID); err != nil {
		return fmt.Errorf("sqlite: revoke sessions: %w", err)
	}
	return nil
}

// FindRefreshFamilyOwner returns the user of a refresh family.
func (db *DB) FindRefreshFamilyOwner(ctx context.Context, familyID string) (string, error) {
	var uid string
	err := db.read.QueryRowContext(ctx, `SELECT user_id FROM refresh_tokens WHERE family_id = ? LIMIT 1`, familyID).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", core.Errorf(core.ENOTFOUND, "Session not found.")
	} else if err != nil {
		return "", fmt.Errorf("sqlite: find session: %w", err)
	}
	return uid, nil
}

// FindLiveSessionOwner returns the user of a refresh family that is not
// revoked (revocation marks every token of the family).
func (db *DB) FindLiveSessionOwner(ctx context.Context, familyID string) (string, error) {
	var uid string
	err := db.read.QueryRowContext(ctx, `SELECT user_id FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NULL LIMIT 1`, familyID).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", core.Errorf(core.ENOTFOUND, "Session not found.")
	} else if err != nil {
		return "", fmt.Errorf("sqlite: find live session %s: %w", familyID, err)
	}
	return uid, nil
}

// userTables are every table with a user_id column, children first.
var userTables = []string{"tasks", "uploads", "integrations", "auth_providers", "refresh_tokens", "auth_codes",
	"user_profiles", "user_preferences", "user_constraints", "user_behavioral_profiles", "burnout_analyses",
	"qualitative_data", "audit_log", "extraction_runs", "upload_sessions", "changes"}

// DeleteUser removes the user and every row they own, in one transaction.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := db.findUser(ctx, tx, `id = ?`, id); err != nil {
		return err
	}
	for _, t := range userTables {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE user_id = ?`, id); err != nil {
			return fmt.Errorf("sqlite: delete user %s: %s: %w", id, t, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: delete user %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete user %s: commit: %w", id, err)
	}
	return nil
}

// CreateAuditEntry appends to the audit log.
func (db *DB) CreateAuditEntry(ctx context.Context, e *core.AuditEntry) error {
	if e.ID == "" {
		e.ID = NewID()
	}
	e.CreatedAt = db.Now().UTC()
	details, err := json.Marshal(e.Details)
	if err != nil || e.Details == nil {
		details = []byte("{}")
	}
	var uid any
	if e.UserID != "" {
		uid = e.UserID
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO audit_log (id, user_id, event, ip, user_agent, details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.ID, uid, e.Event, e.IP, truncateStr(e.UserAgent, 300), string(details), formatTime(e.CreatedAt)); err != nil {
		return fmt.Errorf("sqlite: audit: %w", err)
	}
	return nil
}

// FindAuditEntries returns a user's newest audit entries.
func (db *DB) FindAuditEntries(ctx context.Context, userID string, limit int) ([]*core.AuditEntry, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, ifnull(user_id, ''), event, ip, user_agent, details, created_at FROM audit_log
		WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find audit: %w", err)
	}
	defer rows.Close()
	out := []*core.AuditEntry{}
	for rows.Next() {
		var e core.AuditEntry
		var details, created string
		if err := rows.Scan(&e.ID, &e.UserID, &e.Event, &e.IP, &e.UserAgent, &details, &created); err != nil {
			return nil, fmt.Errorf("sqlite: scan audit: %w", err)
		}
		_ = json.Unmarshal([]byte(details), &e.Details)
		if e.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// CreateOAuthFlow stores a started OAuth flow.
func (db *DB) CreateOAuthFlow(ctx context.Context, f *core.OAuthFlow) error {
	now := db.Now().UTC()
	f.CreatedAt = now
	// Forget abandoned flows on the way.
	if _, err := db.write.ExecContext(ctx, `DELETE FROM oauth_flows WHERE expires_at < ?`, formatTime(now)); err != nil {
		return fmt.Errorf("sqlite: prune oauth flows: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO oauth_flows (state_hash, provider, code_verifier, nonce, redirect_uri, return_to, created_at, expires_at, client_challenge)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.StateHash, f.Provider, f.CodeVerifier, f.Nonce, f.RedirectURI, f.ReturnTo,
		formatTime(f.CreatedAt), formatTime(f.ExpiresAt), f.ClientChallenge); err != nil {
		return fmt.Errorf("sqlite: create oauth flow: %w", err)
	}
	return nil
}

// TakeOAuthFlow deletes and returns the flow with that state.
func (db *DB) TakeOAuthFlow(ctx context.Context, stateHash string) (*core.OAuthFlow, error) {
	var f core.OAuthFlow
	var created, expires string
	err := db.write.QueryRowContext(ctx, `DELETE FROM oauth_flows WHERE state_hash = ? RETURNING state_hash, provider, code_verifier, nonce, redirect_uri, return_to, created_at, expires_at, client_challenge`,
		stateHash).Scan(&f.StateHash, &f.Provider, &f.CodeVerifier, &f.Nonce, &f.RedirectURI, &f.ReturnTo, &created, &expires, &f.ClientChallenge)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "This sign-in link has expired or was already used; start again.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: take oauth flow: %w", err)
	}
	if f.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if f.ExpiresAt, err = parseTime(expires); err != nil {
		return nil, err
	}
	if db.Now().After(f.ExpiresAt) {
		return nil, core.Errorf(core.ENOTFOUND, "This sign-in link has expired or was already used; start again.")
	}
	return &f, nil
}

// FindIdentity returns a linked provider identity.
func (db *DB) FindIdentity(ctx context.Context, provider, subject string) (*core.Identity, error) {
	var id core.Identity
	err := db.read.QueryRowContext(ctx, `SELECT id, user_id, provider, provider_user_id, email, email_verified FROM auth_providers
		WHERE provider = ? AND provider_user_id = ? AND deleted_at IS NULL`, provider, subject).
		Scan(&id.ID, &id.UserID, &id.Provider, &id.ProviderUserID, &id.Email, &id.EmailVerified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Identity not linked.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find identity: %w", err)
	}
	return &id, nil
}

// CreateIdentity links a provider identity to a user.
func (db *DB) CreateIdentity(ctx context.Context, id *core.Identity) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	id.ID = NewID()
	hlc, err := tx.logChange(ctx, id.UserID, "auth_providers", id.ID, core.OpInsert, map[string]any{"provider": id.Provider})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO auth_providers (id, user_id, provider, provider_user_id, email, email_verified, created_at, updated_at, hlc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id.ID, id.UserID, id.Provider, id.ProviderUserID, id.Email, id.EmailVerified,
		formatTime(tx.now), formatTime(tx.now), hlc)
	if err != nil {
		return formatError(err, "create identity", onViolation{Duplicate: "This " + id.Provider + " account is already linked."})
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create identity: commit: %w", err)
	}
	return nil
}

func truncateStr(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
