package core

import (
	"context"
	"time"
)

// The sync server's side of the store (the device side is in
// syncclient.go). The shapes mirror sync/wire's, since core imports only
// the standard library; values are JSON values as sync/schema types them
// (decoded with json.Decoder.UseNumber).

// Sync error codes beside the general ones: a client too old for the
// server (426), and a device clock too far ahead (409).
const (
	EUPGRADE   = "upgrade_required"
	ECLOCKSKEW = "clock_skew"
)

// PushPatch is a device's write to some fields of one row (wire.Patch).
type PushPatch struct {
	Table     string            `json:"table"`
	ScopeID   string            `json:"scope_id"`
	RowID     string            `json:"row_id"`
	Fields    map[string]any    `json:"fields"`
	Clocks    map[string]string `json:"clocks"`
	Base      map[string]string `json:"base"`
	ChangeIDs []string          `json:"change_ids"`
}

// ServerRow is a synced row as the server holds it: every synced field of
// the registry, their clocks and the row's owner and scope.
type ServerRow struct {
	Exists  bool              `json:"-"`
	UserID  string            `json:"-"` // owner, or a team task's creator
	ScopeID string            `json:"-"` // a team task's team, else the owner
	Fields  map[string]any    `json:"state"`
	Clocks  map[string]string `json:"clocks"`
	Deleted bool              `json:"deleted"`
}

// SyncConflict is a concurrent overwrite the server keeps (wire.Conflict).
type SyncConflict struct {
	ID          string    `json:"id"`
	ScopeID     string    `json:"scope_id"`
	Table       string    `json:"table"`
	RowID       string    `json:"row_id"`
	Field       string    `json:"field"`
	LoserValue  any       `json:"loser_value"`
	LoserClock  string    `json:"loser_clock"`
	WinnerValue any       `json:"winner_value"`
	WinnerClock string    `json:"winner_clock"`
	CreatedAt   time.Time `json:"created_at"`
}

// SyncWrite is what the sync feature decided for one patch: the merged
// values to write (only fields whose value or clock changed), the row's
// clocks after the merge, the conflicts it found and the conflict records
// it withdrew (a field and losing clock the writer had seen).
type SyncWrite struct {
	Fields map[string]any
	// Local are local-only columns a new row starts with (its own job
	// state on this node); never logged, never clocked.
	Local     map[string]any
	Clocks    map[string]string
	Conflicts []SyncConflict
	Withdrawn []SyncConflict
}

// PushRejected is a patch refused for good (wire.Rejection); Row is the
// row as the server holds it when the pusher may see it.
type PushRejected struct {
	ChangeIDs []string   `json:"change_ids"`
	Table     string     `json:"table"`
	RowID     string     `json:"row_id"`
	Code      string     `json:"code"`
	Message   string     `json:"message"`
	Row       *ServerRow `json:"row,omitempty"`
}

// PushResult is a committed push's outcome, stored with its batch so a
// retry gets the same answer.
type PushResult struct {
	Applied    []string         `json:"applied"`
	Superseded []string         `json:"superseded"`
	Rejected   []PushRejected   `json:"rejected"`
	Conflicts  int              `json:"conflicts"`
	ScopesSeq  map[string]int64 `json:"scopes_seq"`
	// Replayed is set when the batch had been received before.
	Replayed bool `json:"-"`
}

// SyncDecide is the sync feature's decision on one patch against the row
// as it stands (cur.Exists false for a new row): authorise, merge,
// validate. A non-nil rejection refuses the patch for good; a nil write
// with no rejection means nothing changes (all superseded). It runs inside
// the store's transaction and must not call the store.
type SyncDecide func(p *PushPatch, cur *ServerRow) (w *SyncWrite, rejection *Error, showRow bool)

// FeedEntry is one row's current state in a scope's feed, at the seq of
// its last change (wire.Entry).
type FeedEntry struct {
	ScopeID string `json:"scope_id"`
	Seq     int64  `json:"seq"`
	Table   string `json:"table"`
	RowID   string `json:"row_id"`
	ServerRow
}

// SyncDevice is a device bound to a user on this server.
type SyncDevice struct {
	ID            string           `json:"device_id"`
	UserID        string           `json:"user_id"`
	Name          string           `json:"name"`
	SchemaVersion int              `json:"schema_version"`
	CreatedAt     time.Time        `json:"created_at"`
	LastPushAt    *time.Time       `json:"last_push_at"`
	LastPullAt    *time.Time       `json:"last_pull_at"`
	LastSeqs      map[string]int64 `json:"last_seqs"`
}

// SyncServerStore is what the sync server keeps. Transactions stay in the
// store; decisions (who may write what, the merge) in the sync feature.
type SyncServerStore interface {
	// SyncIdentity is this database's id and epoch, which cursors name.
	SyncIdentity(ctx context.Context) (databaseID string, epoch int64, err error)
	// BindSyncDevice binds d.ID to d.UserID, or refreshes its name and
	// schema version; forbidden when the id is bound to another user.
	BindSyncDevice(ctx context.Context, d *SyncDevice) (*SyncDevice, error)
	// FindSyncDevice returns not_found for an unknown device.
	FindSyncDevice(ctx context.Context, id string) (*SyncDevice, error)
	// FindSyncDevices lists a user's devices.
	FindSyncDevices(ctx context.Context, userID string) ([]*SyncDevice, error)
	// ApplyPush applies one batch in one transaction: a batch seen before
	// returns its stored result; a change id merged before is superseded
	// without being merged again; every other patch goes through decide.
	// Writes are logged (origin remote) in their scope, conflicts kept.
	ApplyPush(ctx context.Context, userID, deviceID, batchID string, ps []PushPatch, decide SyncDecide) (*PushResult, error)
	// ReadFeed returns the rows of a scope changed after seq afterSeq,
	// each once with its current state (fields known to schemaVersion),
	// ordered by the seq of its last change, at most limit of them.
	ReadFeed(ctx context.Context, scopeID string, afterSeq int64, limit, schemaVersion int) ([]*FeedEntry, error)
	// ScopeSeqs returns each scope's last seq (0 for none yet).
	ScopeSeqs(ctx context.Context, scopes []string) (map[string]int64, error)
	// MarkSyncPulled records a device's pull and how far it got.
	MarkSyncPulled(ctx context.Context, deviceID string, seqs map[string]int64) error
	// FindSyncConflicts lists the conflicts kept in the given scopes,
	// newest first.
	FindSyncConflicts(ctx context.Context, scopes []string, limit int) ([]*SyncConflict, error)
	// SyncHorizons returns each scope's horizon: the highest seq of a
	// tombstone entry compaction removed (absent or 0 for none). A device
	// whose cursor is below it may have missed a deletion and downloads
	// the scope again.
	SyncHorizons(ctx context.Context, scopes []string) (map[string]int64, error)
	// CompactSyncLog keeps only the latest log entry of each synced row
	// (the feed sends a row's current state, so older entries say
	// nothing more), then removes tombstone entries — the last entry of a
	// deleted row — written before purgeBefore, raising the scope's
	// horizon past them. Rows stay in their tables (a deleted row as its
	// skeleton of id, deleted_at and clocks), so nothing deleted comes
	// back.
	CompactSyncLog(ctx context.Context, purgeBefore time.Time) (*SyncCompaction, error)
}

// SyncCompaction is what one compaction of the sync log did.
type SyncCompaction struct {
	Scopes     int   `json:"scopes"`     // scopes looked at
	Superseded int64 `json:"superseded"` // older entries of a row removed
	Tombstones int64 `json:"tombstones"` // expired tombstone entries removed
}
