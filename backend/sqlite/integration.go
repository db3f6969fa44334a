package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sentry/backend/core"
)

var _ core.IntegrationStore = (*DB)(nil)

// Integration rows hold sealed third-party tokens. They are this
// installation's secrets, sealed with its own key, so unlike tasks they are
// not written to the change log: they never sync to another device.

const integrationColumns = `id, user_id, provider, access_token_enc, refresh_token_enc, token_expires_at, scopes,
	sync_cursor, last_synced_at, status, last_error, last_error_at, created_at, updated_at`

func scanIntegration(row interface{ Scan(...any) error }) (*core.Integration, error) {
	var in core.Integration
	var expires, synced, errAt sql.NullString
	var created, updated string
	if err := row.Scan(&in.ID, &in.UserID, &in.Provider, &in.AccessTokenEnc, &in.RefreshTokenEnc, &expires, &in.Scopes,
		&in.SyncCursor, &synced, &in.Status, &in.LastError, &errAt, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if in.TokenExpiresAt, err = parseTimePtr(expires); err != nil {
		return nil, err
	}
	if in.LastSyncedAt, err = parseTimePtr(synced); err != nil {
		return nil, err
	}
	if in.LastErrorAt, err = parseTimePtr(errAt); err != nil {
		return nil, err
	}
	if in.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if in.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &in, nil
}

// FindIntegration returns the live integration of a user and provider.
func (db *DB) FindIntegration(ctx context.Context, userID, provider string) (*core.Integration, error) {
	in, err := scanIntegration(db.read.QueryRowContext(ctx, `SELECT `+integrationColumns+` FROM integrations
		WHERE user_id = ? AND provider = ? AND deleted_at IS NULL`, userID, provider))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "This integration is not connected.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find integration %s of %s: %w", provider, userID, err)
	}
	return in, nil
}

// FindIntegrations returns a user's live integrations by provider.
func (db *DB) FindIntegrations(ctx context.Context, userID string) ([]*core.Integration, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+integrationColumns+` FROM integrations
		WHERE user_id = ? AND deleted_at IS NULL ORDER BY provider`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find integrations of %s: %w", userID, err)
	}
	defer rows.Close()
	out := []*core.Integration{}
	for rows.Next() {
		in, err := scanIntegration(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find integrations of %s: scan: %w", userID, err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find integrations of %s: %w", userID, err)
	}
	return out, nil
}

// FindAllIntegrations returns every user's live integrations, least
// recently synced first.
func (db *DB) FindAllIntegrations(ctx context.Context) ([]*core.Integration, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+integrationColumns+` FROM integrations
		WHERE deleted_at IS NULL ORDER BY last_synced_at IS NOT NULL, last_synced_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find all integrations: %w", err)
	}
	defer rows.Close()
	out := []*core.Integration{}
	for rows.Next() {
		in, err := scanIntegration(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find all integrations: scan: %w", err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find all integrations: %w", err)
	}
	return out, nil
}

// ConnectIntegration stores fresh tokens on the live row, or a new row.
func (db *DB) ConnectIntegration(ctx context.Context, in *core.Integration) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id, created string
	err = tx.QueryRowContext(ctx, `SELECT id, created_at FROM integrations WHERE user_id = ? AND provider = ? AND deleted_at IS NULL`,
		in.UserID, in.Provider).Scan(&id, &created)
	now := formatTime(tx.now)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		in.ID, in.CreatedAt, in.SyncCursor = NewID(), tx.now, ""
		if _, err := tx.ExecContext(ctx, `INSERT INTO integrations (id, user_id, provider, access_token_enc, refresh_token_enc,
			token_expires_at, scopes, status, last_error, created_at, updated_at, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`,
			in.ID, in.UserID, in.Provider, in.AccessTokenEnc, in.RefreshTokenEnc, formatTimePtr(in.TokenExpiresAt), in.Scopes,
			core.IntegrationConnected, now, now, tx.db.hlc()); err != nil {
			return fmt.Errorf("sqlite: connect integration %s: %w", in.Provider, err)
		}
	case err != nil:
		return fmt.Errorf("sqlite: connect integration %s: %w", in.Provider, err)
	default:
		in.ID = id
		if in.CreatedAt, err = parseTime(created); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE integrations SET access_token_enc = ?, refresh_token_enc = ?, token_expires_at = ?,
			scopes = ?, status = ?, last_error = '', last_error_at = NULL, updated_at = ?, version = version + 1, hlc = ? WHERE id = ?`,
			in.AccessTokenEnc, in.RefreshTokenEnc, formatTimePtr(in.TokenExpiresAt), in.Scopes, core.IntegrationConnected,
			now, tx.db.hlc(), id); err != nil {
			return fmt.Errorf("sqlite: connect integration %s: %w", in.Provider, err)
		}
	}
	in.Status, in.LastError, in.LastErrorAt, in.UpdatedAt = core.IntegrationConnected, "", nil, tx.now
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: connect integration %s: commit: %w", in.Provider, err)
	}
	return nil
}

// updateIntegration runs one UPDATE on a live integration row.
func (db *DB) updateIntegration(ctx context.Context, what, id, set string, args ...any) error {
	now := formatTime(db.Now().UTC())
	args = append(append([]any{}, args...), now, db.hlc(), id)
	res, err := db.write.ExecContext(ctx, `UPDATE integrations SET `+set+`, updated_at = ?, version = version + 1, hlc = ?
		WHERE id = ? AND deleted_at IS NULL`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s of integration %s: %w", what, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return core.Errorf(core.ENOTFOUND, "This integration is not connected.")
	}
	return nil
}

// UpdateIntegrationTokens replaces the sealed tokens after a refresh.
func (db *DB) UpdateIntegrationTokens(ctx context.Context, id string, access, refresh []byte, expiry *time.Time) error {
	return db.updateIntegration(ctx, "tokens", id, `access_token_enc = ?, refresh_token_enc = ?, token_expires_at = ?`,
		access, refresh, formatTimePtr(expiry))
}

// RecordIntegrationSync stores a successful sync.
func (db *DB) RecordIntegrationSync(ctx context.Context, id, cursor string, at time.Time) error {
	return db.updateIntegration(ctx, "sync", id, `sync_cursor = ?, last_synced_at = ?, status = ?, last_error = '', last_error_at = NULL`,
		cursor, formatTime(at), core.IntegrationConnected)
}

// RecordIntegrationError stores a failed sync's state and message.
func (db *DB) RecordIntegrationError(ctx context.Context, id, status, message string, at time.Time) error {
	return db.updateIntegration(ctx, "error", id, `status = ?, last_error = ?, last_error_at = ?`, status, message, formatTime(at))
}

// DisconnectIntegration tombstones the live row and wipes its tokens.
func (db *DB) DisconnectIntegration(ctx context.Context, userID, provider string) error {
	now := formatTime(db.Now().UTC())
	res, err := db.write.ExecContext(ctx, `UPDATE integrations SET access_token_enc = NULL, refresh_token_enc = NULL,
		token_expires_at = NULL, deleted_at = ?, updated_at = ?, version = version + 1, hlc = ?
		WHERE user_id = ? AND provider = ? AND deleted_at IS NULL`, now, now, db.hlc(), userID, provider)
	if err != nil {
		return fmt.Errorf("sqlite: disconnect integration %s of %s: %w", provider, userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return core.Errorf(core.ENOTFOUND, "This integration is not connected.")
	}
	return nil
}

// CreateIntegrationFlow stores a started connect flow, dropping expired ones.
func (db *DB) CreateIntegrationFlow(ctx context.Context, f *core.IntegrationFlow) error {
	now := db.Now().UTC()
	f.CreatedAt = now
	if _, err := db.write.ExecContext(ctx, `DELETE FROM integration_flows WHERE expires_at < ?`, formatTime(now)); err != nil {
		return fmt.Errorf("sqlite: expire integration flows: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO integration_flows (state_hash, user_id, provider, code_verifier,
		redirect_uri, return_to, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		f.StateHash, f.UserID, f.Provider, f.CodeVerifier, f.RedirectURI, f.ReturnTo, formatTime(now), formatTime(f.ExpiresAt)); err != nil {
		return fmt.Errorf("sqlite: create integration flow: %w", err)
	}
	return nil
}

// TakeIntegrationFlow deletes and returns the live flow with that state.
func (db *DB) TakeIntegrationFlow(ctx context.Context, stateHash string) (*core.IntegrationFlow, error) {
	var f core.IntegrationFlow
	var created, expires string
	err := db.write.QueryRowContext(ctx, `DELETE FROM integration_flows WHERE state_hash = ?
		RETURNING state_hash, user_id, provider, code_verifier, redirect_uri, return_to, created_at, expires_at`, stateHash).
		Scan(&f.StateHash, &f.UserID, &f.Provider, &f.CodeVerifier, &f.RedirectURI, &f.ReturnTo, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "This connection attempt is unknown or was already used; start again.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: take integration flow: %w", err)
	}
	if f.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if f.ExpiresAt, err = parseTime(expires); err != nil {
		return nil, err
	}
	if !db.Now().Before(f.ExpiresAt) {
		return nil, core.Errorf(core.ENOTFOUND, "This connection attempt expired; start again.")
	}
	return &f, nil
}

// FindIntegrationLinks returns the links of a user and provider with the
// state of each linked task (tombstoned ones included).
func (db *DB) FindIntegrationLinks(ctx context.Context, userID, provider string) ([]*core.IntegrationLink, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT l.user_id, l.provider, l.remote_id, l.remote_list_id, l.task_id,
		l.remote_updated, l.local_version, t.version, t.updated_at, t.deleted_at
		FROM integration_links l JOIN tasks t ON t.id = l.task_id
		WHERE l.user_id = ? AND l.provider = ? ORDER BY l.remote_id`, userID, provider)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find links %s of %s: %w", provider, userID, err)
	}
	defer rows.Close()
	out := []*core.IntegrationLink{}
	for rows.Next() {
		var l core.IntegrationLink
		var updated string
		var deleted sql.NullString
		if err := rows.Scan(&l.UserID, &l.Provider, &l.RemoteID, &l.RemoteListID, &l.TaskID, &l.RemoteUpdated,
			&l.LocalVersion, &l.TaskVersion, &updated, &deleted); err != nil {
			return nil, fmt.Errorf("sqlite: find links %s of %s: scan: %w", provider, userID, err)
		}
		if l.TaskUpdatedAt, err = parseTime(updated); err != nil {
			return nil, err
		}
		if l.TaskDeletedAt, err = parseTimePtr(deleted); err != nil {
			return nil, err
		}
		out = append(out, &l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find links %s of %s: %w", provider, userID, err)
	}
	return out, nil
}

// SaveIntegrationLink inserts or replaces a link.
func (db *DB) SaveIntegrationLink(ctx context.Context, l *core.IntegrationLink) error {
	now := formatTime(db.Now().UTC())
	if _, err := db.write.ExecContext(ctx, `INSERT INTO integration_links (user_id, provider, remote_id, remote_list_id, task_id,
		remote_updated, local_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(user_id, provider, remote_id) DO UPDATE SET remote_list_id = excluded.remote_list_id, task_id = excluded.task_id,
		remote_updated = excluded.remote_updated, local_version = excluded.local_version, updated_at = excluded.updated_at`,
		l.UserID, l.Provider, l.RemoteID, l.RemoteListID, l.TaskID, l.RemoteUpdated, l.LocalVersion, now, now); err != nil {
		return fmt.Errorf("sqlite: save link %s %s: %w", l.Provider, l.RemoteID, err)
	}
	return nil
}

// DeleteIntegrationLink removes a link.
func (db *DB) DeleteIntegrationLink(ctx context.Context, userID, provider, remoteID string) error {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM integration_links WHERE user_id = ? AND provider = ? AND remote_id = ?`,
		userID, provider, remoteID); err != nil {
		return fmt.Errorf("sqlite: delete link %s %s: %w", provider, remoteID, err)
	}
	return nil
}
