package core

import (
	"context"
	"time"
)

// Integration providers: each is one grant, one row and one sync cursor.
const (
	IntegrationGoogleTasks    = "google_tasks"
	IntegrationGoogleCalendar = "google_calendar"
	IntegrationZoom           = "zoom"
)

// Integration states.
const (
	IntegrationConnected      = "connected"
	IntegrationNeedsReconnect = "needs_reconnect"
)

// Error codes of integrations. A provider that fails or answers nonsense is
// bad_gateway (502); a grant that was revoked or no longer covers what we
// need is reconnect_required (409): only the user can fix it, by
// connecting again.
const (
	EBADGATEWAY = "bad_gateway"
	ERECONNECT  = "reconnect_required"
)

// Integration is a user's connection to a provider. Tokens are sealed by
// the integration feature before they reach a store, and never leave it
// in clear.
type Integration struct {
	ID              string
	UserID          string
	Provider        string
	AccessTokenEnc  []byte
	RefreshTokenEnc []byte
	TokenExpiresAt  *time.Time
	Scopes          string
	// SyncCursor is the provider's incremental sync position (a time for
	// Google Tasks, a sync token for Google Calendar).
	SyncCursor   string
	LastSyncedAt *time.Time
	Status       string
	LastError    string
	LastErrorAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// IntegrationFlow is a started connect flow awaiting its callback.
type IntegrationFlow struct {
	StateHash    string
	UserID       string
	Provider     string
	CodeVerifier string
	RedirectURI  string
	ReturnTo     string
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// IntegrationLink ties a provider's object (a Google task, a calendar
// event, a Zoom meeting) to the local task it was synced with, and
// remembers both sides as they were at the last sync, so the next sync
// knows which side changed.
type IntegrationLink struct {
	UserID       string
	Provider     string
	RemoteID     string
	RemoteListID string
	TaskID       string
	// RemoteUpdated is the provider's modification stamp (or a fingerprint
	// of the fields we map) at the last sync.
	RemoteUpdated string
	// LocalVersion is the task's version at the last sync.
	LocalVersion int64

	// Read from the task row by FindIntegrationLinks.
	TaskVersion   int64
	TaskUpdatedAt time.Time
	TaskDeletedAt *time.Time
}

// IntegrationStore persists integrations, connect flows and links.
type IntegrationStore interface {
	// FindIntegration returns the live integration; not_found.
	FindIntegration(ctx context.Context, userID, provider string) (*Integration, error)
	// FindIntegrations returns a user's live integrations.
	FindIntegrations(ctx context.Context, userID string) ([]*Integration, error)
	// FindAllIntegrations returns every user's live integrations, for the
	// background sync schedule.
	FindAllIntegrations(ctx context.Context) ([]*Integration, error)
	// ConnectIntegration stores fresh tokens for (UserID, Provider): it
	// updates the live row (keeping its cursor) or inserts one, marks it
	// connected and clears the last error. It fills in ID and the times.
	ConnectIntegration(ctx context.Context, in *Integration) error
	// UpdateIntegrationTokens replaces the sealed tokens after a refresh.
	// not_found.
	UpdateIntegrationTokens(ctx context.Context, id string, access, refresh []byte, expiry *time.Time) error
	// RecordIntegrationSync stores a successful sync: cursor, time, state
	// connected, no error. not_found.
	RecordIntegrationSync(ctx context.Context, id, cursor string, at time.Time) error
	// RecordIntegrationError stores a failed sync's state and message.
	// not_found.
	RecordIntegrationError(ctx context.Context, id, status, message string, at time.Time) error
	// DisconnectIntegration tombstones the live row and wipes its tokens.
	// not_found.
	DisconnectIntegration(ctx context.Context, userID, provider string) error

	// CreateIntegrationFlow stores a started connect flow.
	CreateIntegrationFlow(ctx context.Context, f *IntegrationFlow) error
	// TakeIntegrationFlow deletes and returns a flow (single use);
	// not_found when unknown or expired.
	TakeIntegrationFlow(ctx context.Context, stateHash string) (*IntegrationFlow, error)

	// FindIntegrationLinks returns a user's links for a provider, with the
	// linked task's version and tombstone.
	FindIntegrationLinks(ctx context.Context, userID, provider string) ([]*IntegrationLink, error)
	// SaveIntegrationLink inserts or replaces the link of (UserID,
	// Provider, RemoteID).
	SaveIntegrationLink(ctx context.Context, l *IntegrationLink) error
	// DeleteIntegrationLink removes a link (no error when absent).
	DeleteIntegrationLink(ctx context.Context, userID, provider, remoteID string) error
}
