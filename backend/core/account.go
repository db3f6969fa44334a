package core

import (
	"context"
	"time"
)

// Purposes of one-time codes.
const (
	CodeVerifyEmail   = "verify_email"
	CodeResetPassword = "reset_password"
	CodeOAuthLogin    = "oauth_login"
)

// AuthCode is a one-time code, stored only as a keyed hash.
type AuthCode struct {
	ID        string
	UserID    string
	Purpose   string
	CodeHash  string
	Attempts  int
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	// ClientChallenge is a native client's PKCE S256 challenge.
	ClientChallenge string
}

// Session is one signed-in device: a refresh-token family.
type Session struct {
	ID         string    `json:"id"`
	DeviceName string    `json:"device_name"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

// AuditEntry records an auth event. Details never hold secrets.
type AuditEntry struct {
	ID        string         `json:"id"`
	UserID    string         `json:"user_id,omitempty"`
	Event     string         `json:"event"`
	IP        string         `json:"ip,omitempty"`
	UserAgent string         `json:"user_agent,omitempty"`
	Details   map[string]any `json:"details,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

// OAuthFlow is a started OAuth sign-in awaiting its callback.
type OAuthFlow struct {
	StateHash    string
	Provider     string
	CodeVerifier string
	Nonce        string
	RedirectURI  string
	ReturnTo     string
	// ClientChallenge is a native client's PKCE S256 challenge, carried
	// to the login code it will redeem.
	ClientChallenge string
	CreatedAt       time.Time
	ExpiresAt       time.Time
}

// Identity links a user to an account at an OAuth provider.
type Identity struct {
	ID             string
	UserID         string
	Provider       string
	ProviderUserID string
	Email          string
	EmailVerified  bool
}

// AccountStore holds what accounts need beyond users and refresh tokens.
type AccountStore interface {
	// CreateAuthCode stores c and voids the user's earlier unused codes
	// of the same purpose.
	CreateAuthCode(ctx context.Context, c *AuthCode) error
	// FindActiveAuthCode returns the user's latest unused, unexpired code
	// of purpose; not_found otherwise.
	FindActiveAuthCode(ctx context.Context, userID, purpose string) (*AuthCode, error)
	// FindAuthCodeByHash returns not_found for unknown hashes.
	FindAuthCodeByHash(ctx context.Context, hash string) (*AuthCode, error)
	// CountAuthCodeAttempt adds one failed attempt and returns the total.
	CountAuthCodeAttempt(ctx context.Context, id string) (int, error)
	// UseAuthCode marks a code used; conflict if it already was.
	UseAuthCode(ctx context.Context, id string) error

	// FindSessions lists the user's live refresh families.
	FindSessions(ctx context.Context, userID string) ([]*Session, error)
	// RevokeUserSessions revokes every refresh token of the user.
	RevokeUserSessions(ctx context.Context, userID string) error
	// FindRefreshFamily returns the owner of a family; not_found.
	FindRefreshFamilyOwner(ctx context.Context, familyID string) (string, error)
	// FindLiveSessionOwner returns the owner of a family that is not
	// revoked; not_found when the family is unknown or revoked. It runs
	// on every authenticated request whose answer is not cached, so it
	// must be one indexed read.
	FindLiveSessionOwner(ctx context.Context, familyID string) (string, error)

	// DeleteUser removes the user and every row they own.
	DeleteUser(ctx context.Context, id string) error

	CreateAuditEntry(ctx context.Context, e *AuditEntry) error
	FindAuditEntries(ctx context.Context, userID string, limit int) ([]*AuditEntry, error)

	CreateOAuthFlow(ctx context.Context, f *OAuthFlow) error
	// TakeOAuthFlow deletes and returns a flow (single use); not_found
	// when absent or expired.
	TakeOAuthFlow(ctx context.Context, stateHash string) (*OAuthFlow, error)
	// FindIdentity returns not_found when the identity is not linked.
	FindIdentity(ctx context.Context, provider, providerUserID string) (*Identity, error)
	CreateIdentity(ctx context.Context, id *Identity) error
}

// Message is an email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Mailer sends email.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// ExternalIdentity is what an OAuth provider vouches for.
type ExternalIdentity struct {
	Provider      string
	Subject       string
	Email         string
	EmailVerified bool
	FirstName     string
	LastName      string
}

// OAuthProvider is one sign-in provider (Google, Apple, Facebook).
type OAuthProvider interface {
	Name() string
	// AuthURL is where to send the browser, with state, the PKCE S256
	// challenge of codeVerifier, nonce and the exact redirect URI.
	AuthURL(state, codeVerifier, nonce, redirectURI string) string
	// Exchange trades a callback's code for a verified identity.
	Exchange(ctx context.Context, code, codeVerifier, nonce, redirectURI, userJSON string) (*ExternalIdentity, error)
	// ResponseMode is "query" (GET callback) or "form_post" (POST).
	ResponseMode() string
}
