-- +goose Up
-- Accounts and security: one-time codes (email verification, password
-- reset, OAuth login hand-off), OAuth flows in progress, the audit log of
-- auth events, and what the session list shows about each refresh family.

CREATE TABLE auth_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email','reset_password','oauth_login')),
    code_hash  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX auth_codes_user_idx ON auth_codes(user_id, purpose);
CREATE UNIQUE INDEX auth_codes_hash_idx ON auth_codes(code_hash);

CREATE TABLE oauth_flows (
    state_hash    TEXT PRIMARY KEY,
    provider      TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    nonce         TEXT NOT NULL DEFAULT '',
    redirect_uri  TEXT NOT NULL,
    return_to     TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);

CREATE TABLE audit_log (
    id         TEXT PRIMARY KEY,
    user_id    TEXT,
    event      TEXT NOT NULL,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    details    TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX audit_log_user_idx ON audit_log(user_id, created_at);

ALTER TABLE refresh_tokens ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN family_created_at TEXT NOT NULL DEFAULT '';

-- +goose Down
-- Forward-only.
