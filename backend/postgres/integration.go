package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/core"
)

var _ core.IntegrationStore = (*DB)(nil)

// Integration rows hold sealed third-party tokens. They are this
// installation's secrets, sealed with its own key, so unlike tasks they are
// not written to the change log: they never sync to another device.

const integrationColumns = `id, user_id, provider, access_token_enc, refresh_token_enc, token_expires_at, scopes,
	sync_cursor, last_synced_at, status, last_error, last_error_at, created_at, updated_at`

var integrationMissing = core.Errorf(core.ENOTFOUND, "This integration is not connected.")

func scanIntegration(row pgx.Row) (*core.Integration, error) {
	var in core.Integration
	if err := row.Scan(&in.ID, &in.UserID, &in.Provider, &in.AccessTokenEnc, &in.RefreshTokenEnc, &in.TokenExpiresAt, &in.Scopes,
		&in.SyncCursor, &in.LastSyncedAt, &in.Status, &in.LastError, &in.LastErrorAt, &in.CreatedAt, &in.UpdatedAt); err != nil {
		return nil, err
	}
	in.TokenExpiresAt, in.LastSyncedAt, in.LastErrorAt = utcPtr(in.TokenExpiresAt), utcPtr(in.LastSyncedAt), utcPtr(in.LastErrorAt)
	in.CreatedAt, in.UpdatedAt = in.CreatedAt.UTC(), in.UpdatedAt.UTC()
	return &in, nil
}

// FindIntegration returns the live integration of a user and provider.
func (db *DB) FindIntegration(ctx context.Context, userID, provider string) (*core.Integration, error) {
	if !storable(userID, provider) {
		return nil, integrationMissing
	}
	in, err := scanIntegration(db.pool.QueryRow(ctx, `SELECT `+integrationColumns+` FROM integrations
		WHERE user_id = $1 AND provider = $2 AND deleted_at IS NULL`, userID, provider))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, integrationMissing
	} else if err != nil {
		return nil, formatError(err, fmt.Sprintf("find integration %s of %s", provider, userID), onViolation{})
	}
	return in, nil
}

func (db *DB) findIntegrations(ctx context.Context, what, where string, args ...any) ([]*core.Integration, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+integrationColumns+` FROM integrations WHERE `+where, args...)
	if err != nil {
		return nil, formatError(err, what, onViolation{})
	}
	defer rows.Close()
	out := []*core.Integration{}
	for rows.Next() {
		in, err := scanIntegration(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: %s: scan: %w", what, err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, what, onViolation{})
	}
	return out, nil
}

// FindIntegrations returns a user's live integrations by provider.
func (db *DB) FindIntegrations(ctx context.Context, userID string) ([]*core.Integration, error) {
	if !storable(userID) {
		return []*core.Integration{}, nil
	}
	return db.findIntegrations(ctx, "find integrations of "+userID, `user_id = $1 AND deleted_at IS NULL ORDER BY provider COLLATE "C"`, userID)
}

// FindAllIntegrations returns every user's live integrations, least
// recently synced first (never synced before all).
func (db *DB) FindAllIntegrations(ctx context.Context) ([]*core.Integration, error) {
	return db.findIntegrations(ctx, "find all integrations", `deleted_at IS NULL ORDER BY last_synced_at NULLS FIRST, id`)
}

// ConnectIntegration stores fresh tokens on the live row, or a new row.
func (db *DB) ConnectIntegration(ctx context.Context, in *core.Integration) error {
	if !storable(in.UserID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	in.TokenExpiresAt = msPtr(in.TokenExpiresAt)
	var id string
	var created time.Time
	err = tx.QueryRow(ctx, `SELECT id, created_at FROM integrations WHERE user_id = $1 AND provider = $2 AND deleted_at IS NULL FOR UPDATE`,
		in.UserID, in.Provider).Scan(&id, &created)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		in.ID, in.CreatedAt, in.SyncCursor = NewID(), tx.now, ""
		if _, err := tx.Exec(ctx, `INSERT INTO integrations (id, user_id, provider, access_token_enc, refresh_token_enc,
			token_expires_at, scopes, status, last_error, created_at, updated_at, hlc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $9, $10)`,
			in.ID, in.UserID, in.Provider, in.AccessTokenEnc, in.RefreshTokenEnc, in.TokenExpiresAt, in.Scopes,
			core.IntegrationConnected, tx.now, tx.db.hlc()); err != nil {
			return formatError(err, "connect integration "+in.Provider, onViolation{Missing: "User not found.",
				Duplicate: "This integration was connected at the same moment; try again."})
		}
	case err != nil:
		return formatError(err, "connect integration "+in.Provider, onViolation{})
	default:
		in.ID, in.CreatedAt = id, created.UTC()
		if _, err := tx.Exec(ctx, `UPDATE integrations SET access_token_enc = $1, refresh_token_enc = $2, token_expires_at = $3,
			scopes = $4, status = $5, last_error = '', last_error_at = NULL, updated_at = $6, version = version + 1, hlc = $7 WHERE id = $8`,
			in.AccessTokenEnc, in.RefreshTokenEnc, in.TokenExpiresAt, in.Scopes, core.IntegrationConnected, tx.now, tx.db.hlc(), id); err != nil {
			return formatError(err, "connect integration "+in.Provider, onViolation{})
		}
	}
	in.Status, in.LastError, in.LastErrorAt, in.UpdatedAt = core.IntegrationConnected, "", nil, tx.now
	return tx.commit(ctx, "connect integration "+in.Provider)
}

// updateIntegration runs one UPDATE on a live integration row; set uses
// $1… for args, and the bookkeeping follows them.
func (db *DB) updateIntegration(ctx context.Context, what, id, set string, args ...any) error {
	if !storable(id) {
		return integrationMissing
	}
	n := len(args)
	args = append(append([]any{}, args...), db.now(), db.hlc(), id)
	tag, err := db.pool.Exec(ctx, `UPDATE integrations SET `+set+fmt.Sprintf(`, updated_at = $%d, version = version + 1, hlc = $%d
		WHERE id = $%d AND deleted_at IS NULL`, n+1, n+2, n+3), args...)
	if err != nil {
		return formatError(err, what+" of integration "+id, onViolation{})
	}
	if tag.RowsAffected() == 0 {
		return integrationMissing
	}
	return nil
}

// UpdateIntegrationTokens replaces the sealed tokens after a refresh.
func (db *DB) UpdateIntegrationTokens(ctx context.Context, id string, access, refresh []byte, expiry *time.Time) error {
	return db.updateIntegration(ctx, "tokens", id, `access_token_enc = $1, refresh_token_enc = $2, token_expires_at = $3`,
		access, refresh, msPtr(expiry))
}

// RecordIntegrationSync stores a successful sync.
func (db *DB) RecordIntegrationSync(ctx context.Context, id, cursor string, at time.Time) error {
	return db.updateIntegration(ctx, "sync", id, `sync_cursor = $1, last_synced_at = $2, status = $3, last_error = '', last_error_at = NULL`,
		cursor, ms(at), core.IntegrationConnected)
}

// RecordIntegrationError stores a failed sync's state and message.
func (db *DB) RecordIntegrationError(ctx context.Context, id, status, message string, at time.Time) error {
	return db.updateIntegration(ctx, "error", id, `status = $1, last_error = $2, last_error_at = $3`, status, message, ms(at))
}

// DisconnectIntegration tombstones the live row and wipes its tokens.
func (db *DB) DisconnectIntegration(ctx context.Context, userID, provider string) error {
	if !storable(userID, provider) {
		return integrationMissing
	}
	tag, err := db.pool.Exec(ctx, `UPDATE integrations SET access_token_enc = NULL, refresh_token_enc = NULL,
		token_expires_at = NULL, deleted_at = $1, updated_at = $1, version = version + 1, hlc = $2
		WHERE user_id = $3 AND provider = $4 AND deleted_at IS NULL`, db.now(), db.hlc(), userID, provider)
	if err != nil {
		return formatError(err, fmt.Sprintf("disconnect integration %s of %s", provider, userID), onViolation{})
	}
	if tag.RowsAffected() == 0 {
		return integrationMissing
	}
	return nil
}

// CreateIntegrationFlow stores a started connect flow, dropping expired ones.
func (db *DB) CreateIntegrationFlow(ctx context.Context, f *core.IntegrationFlow) error {
	if !storable(f.UserID) {
		return core.Errorf(core.ENOTFOUND, "User not found.")
	}
	now := db.now()
	f.CreatedAt, f.ExpiresAt = now, ms(f.ExpiresAt)
	if _, err := db.pool.Exec(ctx, `DELETE FROM integration_flows WHERE expires_at < $1`, now); err != nil {
		return formatError(err, "expire integration flows", onViolation{})
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO integration_flows (state_hash, user_id, provider, code_verifier,
		redirect_uri, return_to, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		f.StateHash, f.UserID, f.Provider, f.CodeVerifier, f.RedirectURI, f.ReturnTo, now, f.ExpiresAt); err != nil {
		return formatError(err, "create integration flow", userMissing)
	}
	return nil
}

// TakeIntegrationFlow deletes and returns the live flow with that state.
func (db *DB) TakeIntegrationFlow(ctx context.Context, stateHash string) (*core.IntegrationFlow, error) {
	unknown := core.Errorf(core.ENOTFOUND, "This connection attempt is unknown or was already used; start again.")
	if !storable(stateHash) {
		return nil, unknown
	}
	var f core.IntegrationFlow
	err := db.pool.QueryRow(ctx, `DELETE FROM integration_flows WHERE state_hash = $1
		RETURNING state_hash, user_id, provider, code_verifier, redirect_uri, return_to, created_at, expires_at`, stateHash).
		Scan(&f.StateHash, &f.UserID, &f.Provider, &f.CodeVerifier, &f.RedirectURI, &f.ReturnTo, &f.CreatedAt, &f.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, unknown
	} else if err != nil {
		return nil, formatError(err, "take integration flow", onViolation{})
	}
	f.CreatedAt, f.ExpiresAt = f.CreatedAt.UTC(), f.ExpiresAt.UTC()
	if !db.Now().Before(f.ExpiresAt) {
		return nil, core.Errorf(core.ENOTFOUND, "This connection attempt expired; start again.")
	}
	return &f, nil
}

// FindIntegrationLinks returns the links of a user and provider with the
// state of each linked task (tombstoned ones included).
func (db *DB) FindIntegrationLinks(ctx context.Context, userID, provider string) ([]*core.IntegrationLink, error) {
	out := []*core.IntegrationLink{}
	if !storable(userID, provider) {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT l.user_id, l.provider, l.remote_id, l.remote_list_id, l.task_id,
		l.remote_updated, l.local_version, t.version, t.updated_at, t.deleted_at
		FROM integration_links l JOIN tasks t ON t.id = l.task_id
		WHERE l.user_id = $1 AND l.provider = $2 ORDER BY l.remote_id`, userID, provider)
	if err != nil {
		return nil, formatError(err, fmt.Sprintf("find links %s of %s", provider, userID), onViolation{})
	}
	defer rows.Close()
	for rows.Next() {
		var l core.IntegrationLink
		if err := rows.Scan(&l.UserID, &l.Provider, &l.RemoteID, &l.RemoteListID, &l.TaskID, &l.RemoteUpdated,
			&l.LocalVersion, &l.TaskVersion, &l.TaskUpdatedAt, &l.TaskDeletedAt); err != nil {
			return nil, fmt.Errorf("postgres: find links %s of %s: scan: %w", provider, userID, err)
		}
		l.TaskUpdatedAt, l.TaskDeletedAt = l.TaskUpdatedAt.UTC(), utcPtr(l.TaskDeletedAt)
		out = append(out, &l)
	}
	if err := rows.Err(); err != nil {
		return nil, formatError(err, fmt.Sprintf("find links %s of %s", provider, userID), onViolation{})
	}
	return out, nil
}

// SaveIntegrationLink inserts or replaces a link.
func (db *DB) SaveIntegrationLink(ctx context.Context, l *core.IntegrationLink) error {
	if !storable(l.UserID, l.TaskID) {
		return core.Errorf(core.ENOTFOUND, "Task not found.")
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO integration_links (user_id, provider, remote_id, remote_list_id, task_id,
		remote_updated, local_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
		ON CONFLICT (user_id, provider, remote_id) DO UPDATE SET remote_list_id = excluded.remote_list_id, task_id = excluded.task_id,
		remote_updated = excluded.remote_updated, local_version = excluded.local_version, updated_at = excluded.updated_at`,
		l.UserID, l.Provider, l.RemoteID, l.RemoteListID, l.TaskID, l.RemoteUpdated, l.LocalVersion, db.now()); err != nil {
		return formatError(err, fmt.Sprintf("save link %s %s", l.Provider, l.RemoteID), onViolation{})
	}
	return nil
}

// DeleteIntegrationLink removes a link.
func (db *DB) DeleteIntegrationLink(ctx context.Context, userID, provider, remoteID string) error {
	if !storable(userID, provider, remoteID) {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM integration_links WHERE user_id = $1 AND provider = $2 AND remote_id = $3`,
		userID, provider, remoteID); err != nil {
		return formatError(err, fmt.Sprintf("delete link %s %s", provider, remoteID), onViolation{})
	}
	return nil
}
