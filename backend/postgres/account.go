package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
)

// CreateAuthCode stores c and voids earlier unused codes of its purpose.
func (db *DB) CreateAuthCode(ctx context.Context, c *core.AuthCode) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if c.ID == "" {
		c.ID = NewID()
	}
	c.CreatedAt, c.ExpiresAt = tx.now, ms(c.ExpiresAt)
	if _, err := tx.Exec(ctx, `UPDATE auth_codes SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL`,
		tx.now, c.UserID, c.Purpose); err != nil {
		return formatError(err, "void old codes", onViolation{})
	}
	if _, err := tx.Exec(ctx, `INSERT INTO auth_codes (id, user_id, purpose, code_hash, attempts, created_at, expires_at, client_challenge)
		VALUES ($1, $2, $3, $4, 0, $5, $6, $7)`,
		c.ID, c.UserID, c.Purpose, c.CodeHash, c.CreatedAt, c.ExpiresAt, c.ClientChallenge); err != nil {
		return formatError(err, "create code", onViolation{})
	}
	return tx.commit(ctx, "create code")
}

const authCodeColumns = `id, user_id, purpose, code_hash, attempts, created_at, expires_at, used_at, client_challenge`

func scanAuthCode(row pgx.Row) (*core.AuthCode, error) {
	var c core.AuthCode
	if err := row.Scan(&c.ID, &c.UserID, &c.Purpose, &c.CodeHash, &c.Attempts, &c.CreatedAt, &c.ExpiresAt, &c.UsedAt, &c.ClientChallenge); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, core.Errorf(core.ENOTFOUND, "Code not found.")
		}
		return nil, formatError(err, "scan code", onViolation{})
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC(), utcPtr(c.UsedAt)
	return &c, nil
}

// FindActiveAuthCode returns the latest unused, unexpired code.
func (db *DB) FindActiveAuthCode(ctx context.Context, userID, purpose string) (*core.AuthCode, error) {
	if !storable(userID, purpose) {
		return nil, core.Errorf(core.ENOTFOUND, "Code not found.")
	}
	return scanAuthCode(db.pool.QueryRow(ctx, `SELECT `+authCodeColumns+` FROM auth_codes
		WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 ORDER BY created_at DESC, id DESC LIMIT 1`,
		userID, purpose, db.now()))
}

// FindAuthCodeByHash finds a code by its hash, used or not.
func (db *DB) FindAuthCodeByHash(ctx context.Context, hash string) (*core.AuthCode, error) {
	if !storable(hash) {
		return nil, core.Errorf(core.ENOTFOUND, "Code not found.")
	}
	return scanAuthCode(db.pool.QueryRow(ctx, `SELECT `+authCodeColumns+` FROM auth_codes WHERE code_hash = $1`, hash))
}

// CountAuthCodeAttempt adds one failed attempt.
func (db *DB) CountAuthCodeAttempt(ctx context.Context, id string) (int, error) {
	var n int
	if !storable(id) {
		return 0, core.Errorf(core.ENOTFOUND, "Code not found.")
	}
	err := db.pool.QueryRow(ctx, `UPDATE auth_codes SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts`, id).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, core.Errorf(core.ENOTFOUND, "Code not found.")
	} else if err != nil {
		return 0, formatError(err, "count attempt", onViolation{})
	}
	return n, nil
}

// UseAuthCode spends a code exactly once.
func (db *DB) UseAuthCode(ctx context.Context, id string) error {
	if !storable(id) {
		return core.Errorf(core.ECONFLICT, "This code was already used.")
	}
	tag, err := db.pool.Exec(ctx, `UPDATE auth_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL`, db.now(), id)
	if err != nil {
		return formatError(err, "use code", onViolation{})
	}
	if tag.RowsAffected() != 1 {
		return core.Errorf(core.ECONFLICT, "This code was already used.")
	}
	return nil
}

// FindSessions lists live refresh families: for each, its newest token
// that is neither used, revoked nor expired.
func (db *DB) FindSessions(ctx context.Context, userID string) ([]*core.Session, error) {
	if !storable(userID) {
		return []*core.Session{}, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT family_id, device_name, ip,
			(SELECT min(created_at) FROM refresh_tokens f WHERE f.family_id = t.family_id), created_at, expires_at
		FROM refresh_tokens t
		WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
		ORDER BY created_at DESC, id DESC`, userID, db.now())
	if err != nil {
		return nil, formatError(err, "find sessions", onViolation{})
	}
	defer rows.Close()
	out := []*core.Session{}
	for rows.Next() {
		var s core.Session
		if err := rows.Scan(&s.ID, &s.DeviceName, &s.IP, &s.CreatedAt, &s.LastUsedAt, &s.ExpiresAt); err != nil {
			return nil, fmt.Errorf("postgres: scan session: %w", err)
		}
		s.CreatedAt, s.LastUsedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastUsedAt.UTC(), s.ExpiresAt.UTC()
		out = append(out, &s)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find sessions", onViolation{})
	}
	return out, nil
}

// RevokeUserSessions revokes every refresh token of a user.
func (db *DB) RevokeUserSessions(ctx context.Context, userID string) error {
	if !storable(userID) {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`,
		db.now(), userID); err != nil {
		return formatError(err, "revoke sessions", onViolation{})
	}
	return nil
}

// FindRefreshFamilyOwner returns the user of a refresh family.
func (db *DB) FindRefreshFamilyOwner(ctx context.Context, familyID string) (string, error) {
	var uid string
	if !storable(familyID) {
		return "", core.Errorf(core.ENOTFOUND, "Session not found.")
	}
	err := db.pool.QueryRow(ctx, `SELECT user_id FROM refresh_tokens WHERE family_id = $1 LIMIT 1`, familyID).Scan(&uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", core.Errorf(core.ENOTFOUND, "Session not found.")
	} else if err != nil {
		return "", formatError(err, "find session", onViolation{})
	}
	return uid, nil
}

// FindLiveSessionOwner returns the user of a refresh family that is not
// revoked (revocation marks every token of the family).
func (db *DB) FindLiveSessionOwner(ctx context.Context, familyID string) (string, error) {
	var uid string
	if !storable(familyID) {
		return "", core.Errorf(core.ENOTFOUND, "Session not found.")
	}
	err := db.pool.QueryRow(ctx, `SELECT user_id FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NULL LIMIT 1`, familyID).Scan(&uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", core.Errorf(core.ENOTFOUND, "Session not found.")
	} else if err != nil {
		return "", formatError(err, "find live session "+familyID, onViolation{})
	}
	return uid, nil
}

// ownedTables are the tables with a user_id that no foreign key cascades
// from users: DeleteUser clears them by hand. Every other user-owned table
// references users ON DELETE CASCADE.
var ownedTables = []string{"audit_log", "changes"}

// DeleteUser removes the user and every row they own, in one transaction.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := findUser(ctx, tx, `id = $1 FOR UPDATE`, id); err != nil {
		return err
	}
	for _, t := range ownedTables {
		if _, err := tx.Exec(ctx, `DELETE FROM `+t+` WHERE user_id = $1`, id); err != nil {
			return formatError(err, "delete user "+id+": "+t, onViolation{})
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sync_scopes WHERE id = $1 AND kind = 'user'`, id); err != nil {
		return formatError(err, "delete user "+id+": scope", onViolation{})
	}
	if _, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id); err != nil {
		return formatError(err, "delete user "+id, onViolation{})
	}
	return tx.commit(ctx, "delete user "+id)
}

// CreateAuditEntry appends to the audit log.
func (db *DB) CreateAuditEntry(ctx context.Context, e *core.AuditEntry) error {
	if e.ID == "" {
		e.ID = NewID()
	}
	e.CreatedAt = db.now()
	details, err := json.Marshal(e.Details)
	if err != nil || e.Details == nil {
		details = []byte("{}")
	}
	// An audit entry is a record, not user data: what the server cannot
	// hold as text (NUL, bytes that are not UTF-8, say in a user agent)
	// is replaced rather than losing the entry.
	details = bytes.ReplaceAll(details, []byte(`\u0000`), []byte(`\ufffd`))
	var uid any
	if e.UserID != "" {
		uid = e.UserID
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO audit_log (id, user_id, event, ip, user_agent, details, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.ID, uid, auditText(e.Event, 100), auditText(e.IP, 100), auditText(e.UserAgent, 300), string(details), e.CreatedAt); err != nil {
		return formatError(err, "audit", onViolation{})
	}
	return nil
}

// FindAuditEntries returns a user's newest audit entries.
func (db *DB) FindAuditEntries(ctx context.Context, userID string, limit int) ([]*core.AuditEntry, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	if !storable(userID) {
		return []*core.AuditEntry{}, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id, coalesce(user_id, ''), event, ip, user_agent, details, created_at FROM audit_log
		WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, formatError(err, "find audit", onViolation{})
	}
	defer rows.Close()
	out := []*core.AuditEntry{}
	for rows.Next() {
		var e core.AuditEntry
		var details []byte
		if err := rows.Scan(&e.ID, &e.UserID, &e.Event, &e.IP, &e.UserAgent, &details, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("postgres: scan audit: %w", err)
		}
		_ = json.Unmarshal(details, &e.Details)
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, "find audit", onViolation{})
	}
	return out, nil
}

// CreateOAuthFlow stores a started OAuth flow.
func (db *DB) CreateOAuthFlow(ctx context.Context, f *core.OAuthFlow) error {
	now := db.now()
	f.CreatedAt, f.ExpiresAt = now, ms(f.ExpiresAt)
	// Forget abandoned flows on the way.
	if _, err := db.pool.Exec(ctx, `DELETE FROM oauth_flows WHERE expires_at < $1`, now); err != nil {
		return formatError(err, "prune oauth flows", onViolation{})
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO oauth_flows (state_hash, provider, code_verifier, nonce, redirect_uri, return_to, created_at, expires_at, client_challenge)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, f.StateHash, f.Provider, f.CodeVerifier, f.Nonce, f.RedirectURI, f.ReturnTo,
		f.CreatedAt, f.ExpiresAt, f.ClientChallenge); err != nil {
		return formatError(err, "create oauth flow", onViolation{})
	}
	return nil
}

// TakeOAuthFlow deletes and returns the flow with that state.
func (db *DB) TakeOAuthFlow(ctx context.Context, stateHash string) (*core.OAuthFlow, error) {
	var f core.OAuthFlow
	if !storable(stateHash) {
		return nil, core.Errorf(core.ENOTFOUND, "This sign-in link has expired or was already used; start again.")
	}
	err := db.pool.QueryRow(ctx, `DELETE FROM oauth_flows WHERE state_hash = $1 RETURNING state_hash, provider, code_verifier, nonce, redirect_uri, return_to, created_at, expires_at, client_challenge`,
		stateHash).Scan(&f.StateHash, &f.Provider, &f.CodeVerifier, &f.Nonce, &f.RedirectURI, &f.ReturnTo, &f.CreatedAt, &f.ExpiresAt, &f.ClientChallenge)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "This sign-in link has expired or was already used; start again.")
	} else if err != nil {
		return nil, formatError(err, "take oauth flow", onViolation{})
	}
	f.CreatedAt, f.ExpiresAt = f.CreatedAt.UTC(), f.ExpiresAt.UTC()
	if db.Now().After(f.ExpiresAt) {
		return nil, core.Errorf(core.ENOTFOUND, "This sign-in link has expired or was already used; start again.")
	}
	return &f, nil
}

// FindIdentity returns a linked provider identity.
func (db *DB) FindIdentity(ctx context.Context, provider, subject string) (*core.Identity, error) {
	var id core.Identity
	if !storable(provider, subject) {
		return nil, core.Errorf(core.ENOTFOUND, "Identity not linked.")
	}
	err := db.pool.QueryRow(ctx, `SELECT id, user_id, provider, provider_user_id, email, email_verified FROM auth_providers
		WHERE provider = $1 AND provider_user_id = $2 AND deleted_at IS NULL`, provider, subject).
		Scan(&id.ID, &id.UserID, &id.Provider, &id.ProviderUserID, &id.Email, &id.EmailVerified)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Identity not linked.")
	} else if err != nil {
		return nil, formatError(err, "find identity", onViolation{})
	}
	return &id, nil
}

// CreateIdentity links a provider identity to a user.
func (db *DB) CreateIdentity(ctx context.Context, id *core.Identity) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	id.ID = NewID()
	hlc, err := tx.logChange(ctx, id.UserID, "auth_providers", id.ID, core.OpInsert, map[string]any{"provider": id.Provider})
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO auth_providers (id, user_id, provider, provider_user_id, email, email_verified, created_at, updated_at, hlc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id.ID, id.UserID, id.Provider, id.ProviderUserID, id.Email, id.EmailVerified,
		tx.now, tx.now, hlc)
	if err != nil {
		return formatError(err, "create identity", onViolation{Duplicate: "This " + id.Provider + " account is already linked."})
	}
	return tx.commit(ctx, "create identity")
}

// auditText makes s storable text of at most n bytes, cut on a rune
// boundary.
func auditText(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
