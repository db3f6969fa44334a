package core

import (
	"context"
	"time"
)

// Synced files move by their SHA-256, apart from the rows that name them
// (SYNC.md §7): a device uploads a file's bytes to the team server in
// chunks once the upload's row is acknowledged, and other devices download
// them. The server keeps one copy per scope; a partial upload is kept as
// its chunks, in order, until the last one arrives and the whole is
// checked against its hash.

// SyncBlobChunk is the largest chunk a device sends in one request.
const SyncBlobChunk = 8 << 20

// SyncBlob is a whole file the server holds for a scope.
type SyncBlob struct {
	ScopeID    string
	SHA256     string
	Size       int64
	StorageKey string
	CreatedAt  time.Time
}

// SyncBlobPart is one chunk of a partial upload, stored at StorageKey.
type SyncBlobPart struct {
	ScopeID    string
	SHA256     string
	Offset     int64
	Size       int64
	Total      int64
	StorageKey string
	CreatedAt  time.Time
}

// SyncBlobStore keeps the server's record of synced files (the bytes are
// in the BlobStore, never in the database).
type SyncBlobStore interface {
	// FindSyncBlob returns a scope's whole file; not_found when it has none.
	FindSyncBlob(ctx context.Context, scopeID, sha string) (*SyncBlob, error)
	// FindSyncBlobParts lists a partial upload's chunks by offset.
	FindSyncBlobParts(ctx context.Context, scopeID, sha string) ([]*SyncBlobPart, error)
	// AddSyncBlobPart records a chunk; conflict when its offset is taken
	// (another request wrote it first).
	AddSyncBlobPart(ctx context.Context, p *SyncBlobPart) error
	// FinishSyncBlob records the whole file and forgets the partial
	// upload's chunks, in one transaction; conflict when the scope already
	// has it.
	FinishSyncBlob(ctx context.Context, b *SyncBlob) error
	// DeleteSyncBlobParts forgets a partial upload's chunks.
	DeleteSyncBlobParts(ctx context.Context, scopeID, sha string) error
	// FindStaleSyncBlobParts lists the chunks of partial uploads whose
	// last chunk came before before (at most limit uploads' chunks).
	FindStaleSyncBlobParts(ctx context.Context, before time.Time, limit int) ([]*SyncBlobPart, error)
	// FindUnreferencedSyncBlobs lists whole files received before before
	// that no uploads row of their scope names any more: none live, none
	// deleted at or after before (in the Trash), none failed aside. At
	// most limit files, oldest first.
	FindUnreferencedSyncBlobs(ctx context.Context, before time.Time, limit int) ([]*SyncBlob, error)
	// DeleteUnreferencedSyncBlob forgets a scope's whole file if it is
	// still unreferenced as FindUnreferencedSyncBlobs says; false when it
	// was kept (a row names it again) or is gone already.
	DeleteUnreferencedSyncBlob(ctx context.Context, scopeID, sha string, before time.Time) (bool, error)
}

// Blob transfer directions and states on a device.
const (
	BlobUp   = "up"
	BlobDown = "down"

	BlobPending = "pending" // to do, when next_at has come
	BlobDone    = "done"
)

// BlobTransfer is one file to move between this device and its server:
// how far it got (Offset bytes), how often it failed and when to try
// again. It survives restarts.
type BlobTransfer struct {
	Direction string    `json:"direction"`
	ScopeID   string    `json:"scope_id"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size_bytes"`
	Offset    int64     `json:"offset"`
	State     string    `json:"state"`
	Eager     bool      `json:"eager"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at"`
	Error     string    `json:"error,omitempty"`
}

// BlobTransferStore keeps a device's queue of file transfers.
type BlobTransferStore interface {
	// QueueBlobTransfers adds the transfers the local rows call for:
	// uploads of this device's files whose rows the server acknowledged,
	// downloads of synced files whose bytes are not here (eager for files
	// of at most eagerMax bytes, or ones a notebook document waits for).
	// scopeID is the server's id of the personal scope. It returns how
	// many were added.
	QueueBlobTransfers(ctx context.Context, scopeID string, eagerMax int64, now time.Time) (int, error)
	// DueBlobTransfers lists pending transfers that are eager and due at
	// now (all pending eager ones when now is zero), oldest first.
	DueBlobTransfers(ctx context.Context, now time.Time, limit int) ([]*BlobTransfer, error)
	// PendingBlobTransfers counts pending transfers by direction.
	PendingBlobTransfers(ctx context.Context) (up, down int, err error)
	// UpdateBlobTransfer saves a transfer's progress, state and retry.
	UpdateBlobTransfer(ctx context.Context, t *BlobTransfer) error
	// LocalBlobPath returns where this device keeps a file's bytes (the
	// storage key of a live upload with that hash); not_found if nowhere.
	LocalBlobPath(ctx context.Context, sha string) (string, error)
	// BlobWaiters lists the live uploads with that hash whose bytes are
	// not on this device.
	BlobWaiters(ctx context.Context, sha string) ([]string, error)
	// AttachBlob gives an upload waiting for its bytes their storage key;
	// conflict when it has bytes already (or is gone).
	AttachBlob(ctx context.Context, uploadID, storageKey string) error
	// WantBlobDownload makes a file's download eager and first in line
	// (someone opened it), adding it if it is not queued, and returns it
	// with how far it has got; not_found when no live upload waits for
	// those bytes any more (they arrived).
	WantBlobDownload(ctx context.Context, scopeID, sha string, size int64, now time.Time) (*BlobTransfer, error)
	// WaitingBlobDownloads counts the downloads left on the server until
	// their file is opened (files over the eager limit), and their bytes.
	WaitingBlobDownloads(ctx context.Context) (n int, bytes int64, err error)
}
