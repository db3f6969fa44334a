package core

import "context"

// Stores is everything one Sentry process keeps, whichever database holds
// it: the SQLite file of the desktop and small servers, or PostgreSQL for
// a team server. The composition root opens one and hands its interfaces
// to the features; nothing else knows which it is.
type Stores interface {
	UserStore
	AccountStore
	TaskStore
	ChangeStore
	WorkloadStore
	ExtractionStore
	UploadStore
	IntegrationStore
	NotebookStore
	SettingStore

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// MigrationVersion is the schema version.
	MigrationVersion(ctx context.Context) (int64, error)
	Close() error
}

// SettingStore keeps installation settings (not user preferences).
type SettingStore interface {
	// GetSetting returns "" when the setting is unset.
	GetSetting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}
