package core

import (
	"context"
	"time"
)

// The device side of sync keeps its state in the local store: the server
// it is bound to, the pull cursor, the outbox of local changes and what
// the server said about each. The sync engine (sync/client) speaks the
// wire protocol and hands the store these shapes, which mirror the wire's
// (core imports nothing outside the standard library).

// SyncBinding ties a data folder to one team server database.
type SyncBinding struct {
	ServerURL string `json:"server_url"`
	// RemoteUserID is the person's id on the server: their personal
	// scope. LocalUserID is the local profile, which owns the rows here.
	RemoteUserID string    `json:"remote_user_id"`
	LocalUserID  string    `json:"local_user_id"`
	DatabaseID   string    `json:"database_id"`
	Epoch        int64     `json:"epoch"`
	DeviceID     string    `json:"device_id"`
	BoundAt      time.Time `json:"bound_at"`
}

// SyncScope is a scope the device belongs to on the server.
type SyncScope struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // user or team
	Name string `json:"name,omitempty"`
}

// SyncPatch is one row's pending local write: the row's current values and
// field clocks for the fields its changes touched, the base (clocks the
// writer had seen) of the earliest of them, and every change id behind it.
type SyncPatch struct {
	Table     string            `json:"table"`
	ScopeID   string            `json:"scope_id"`
	RowID     string            `json:"row_id"`
	Fields    map[string]any    `json:"fields"`
	Clocks    map[string]string `json:"clocks"`
	Base      map[string]string `json:"base"`
	ChangeIDs []string          `json:"change_ids"`
}

// SyncBatch is what one push sends. Its id is recorded on its changes
// before it is sent, so a retry sends the same id.
type SyncBatch struct {
	BatchID string
	Patches []SyncPatch
}

// SyncRowState is a row as the server holds it.
type SyncRowState struct {
	State   map[string]any    `json:"state"`
	Clocks  map[string]string `json:"clocks"`
	Deleted bool              `json:"deleted"`
}

// SyncRejection is a patch the server refused for good.
type SyncRejection struct {
	ChangeIDs []string
	Table     string
	RowID     string
	Code      string
	Message   string
	Row       *SyncRowState // the server's row, nil when it has none the caller may see
}

// SyncPushResult is the server's answer to one batch.
type SyncPushResult struct {
	BatchID    string
	Applied    []string
	Superseded []string
	Rejected   []SyncRejection
}

// SyncEntry is one row's current state on the server, from a pull.
type SyncEntry struct {
	ScopeID string
	Table   string
	RowID   string
	SyncRowState
}

// Sync control types (a pull's messages about scopes and the server).
const (
	SyncScopeAdded   = "scope_added"
	SyncScopeRevoked = "scope_revoked"
	SyncEpochChanged = "epoch_changed"
	// SyncResyncScope: the device fell behind the server's horizon; the
	// scope comes again from the start, and at the end of the download
	// the rows it did not bring are dropped unless they hold changes the
	// server has not acknowledged.
	SyncResyncScope = "resync_scope"
)

// SyncControl is one control message of a pull.
type SyncControl struct {
	Type            string
	ScopeID         string
	Kind            string
	Name            string
	Epoch           int64
	RestoredHighHLC string
}

// SyncPage is one pull page, applied with its cursor in one transaction.
type SyncPage struct {
	Entries []SyncEntry
	Control []SyncControl
	Cursor  string
	// Done is set on the last page of a pull (the server has no more):
	// scopes downloaded again are complete.
	Done bool
}

// SyncApplied names a local row a pull changed, so the engine can publish
// the event a local write would have.
type SyncApplied struct {
	Table  string
	RowID  string
	UserID string
	Op     string // insert, update, delete
	Fields []string
}

// SyncClientState is what the status line and `sentry sync status` show.
type SyncClientState struct {
	Binding     *SyncBinding
	Cursor      string
	Pending     int
	Rejected    int
	Conflicts   int
	LastPushAt  *time.Time
	LastPullAt  *time.Time
	LastError   string
	LastErrorAt *time.Time
	Scopes      []SyncScope
}

// SyncRejected is one local change the server refused, kept for the person.
type SyncRejected struct {
	ChangeID   string         `json:"change_id"`
	Table      string         `json:"table"`
	RowID      string         `json:"row_id"`
	Op         string         `json:"op"`
	Fields     map[string]any `json:"fields"`
	Code       string         `json:"code"`
	Message    string         `json:"message"`
	RejectedAt time.Time      `json:"rejected_at"`
}

// SyncClientStore is the device side of sync in the local store.
type SyncClientStore interface {
	// SyncBinding returns the current binding; not_found when the folder
	// is not connected to a server.
	SyncBinding(ctx context.Context) (*SyncBinding, error)
	// BindSync records a binding. Binding to another server or database
	// resets the cursor and makes every local change pending again (the
	// new server gets everything; merging known clocks again is a no-op).
	BindSync(ctx context.Context, b *SyncBinding, scopes []SyncScope) error
	// SyncOutbox returns the next batch of pending local changes (nil when
	// there are none): an unacknowledged batch first, with its old id.
	SyncOutbox(ctx context.Context, maxPatches, maxBytes int) (*SyncBatch, error)
	// ReopenSyncBatch releases an unanswered batch's changes, so the next
	// push sends them under a new batch id (after the same batch failed
	// again and again: starting clean is harmless, a change id is merged
	// once).
	ReopenSyncBatch(ctx context.Context, batchID string) error
	// MarkSyncPushed records the server's answer to a batch: applied and
	// superseded changes are pushed, rejected ones kept with their reason,
	// and each rejected row rebuilt from the server's row with this
	// device's other pending changes merged over it.
	MarkSyncPushed(ctx context.Context, res *SyncPushResult) error
	// ApplySyncPage merges a pull page into local rows, handles its control
	// messages and saves its cursor, in one transaction.
	ApplySyncPage(ctx context.Context, p *SyncPage) ([]SyncApplied, error)
	// SyncClientState reports counts and times for the status.
	SyncClientState(ctx context.Context) (*SyncClientState, error)
	// RecordSyncResult notes a sync attempt's outcome: "" clears the last
	// error; conflicts < 0 leaves the conflict count as it is.
	RecordSyncResult(ctx context.Context, errMsg string, conflicts int) error
	// RejectedChanges lists the changes the server refused, newest first.
	RejectedChanges(ctx context.Context, limit int) ([]*SyncRejected, error)
	// SettleConflict hides a conflict the person has settled here;
	// SettledConflicts lists those ids.
	SettleConflict(ctx context.Context, id string) error
	SettledConflicts(ctx context.Context) (map[string]bool, error)
	// KeepSyncValue writes a value to one synced field as a local edit
	// (a conflict's "Keep this one"); not_found for a row not here.
	KeepSyncValue(ctx context.Context, table, rowID, field string, value any) error
	// SyncedRow reads one synced row as sync sees it: its synced fields
	// (as they travel) and field clocks; not_found for a row not here.
	SyncedRow(ctx context.Context, table, rowID string) (*SyncRowState, error)
	// ForgetSync unbinds the folder (the local data stays).
	ForgetSync(ctx context.Context) error
}
