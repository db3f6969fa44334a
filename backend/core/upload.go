package core

import (
	"context"
	"io"
	"time"
)

// Upload is a stored user file.
type Upload struct {
	ID          string `json:"id"`
	UserID      string `json:"user_id"`
	SessionID   string `json:"session_id,omitempty"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Kind        string `json:"kind"`
	SizeBytes   int64  `json:"size_bytes"`
	SHA256      string `json:"sha256"`
	StoragePath string `json:"-"`
	Status      string `json:"status"`
	// Error says why a refused upload failed (status "failed").
	Error     string     `json:"error,omitempty"`
	Temporary bool       `json:"temporary"`
	ExpiresAt *time.Time `json:"expires_at"`
	// DuplicateOf is an earlier live upload of the same bytes.
	DuplicateOf string     `json:"duplicate_of,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"-"`
	// Download is set on a syncing device when the bytes are not here
	// yet: on the team server (state on_server, fetched when opened) or
	// coming (downloading, with the bytes received).
	Download *FileFetch `json:"download,omitempty"`
}

// UploadSession groups the files of one upload action.
type UploadSession struct {
	ID        string    `json:"session_id"`
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// UploadStore keeps uploads and upload sessions.
type UploadStore interface {
	CreateUploadSession(ctx context.Context, s *UploadSession) error
	// FindUploadSession returns not_found for unknown, deleted or expired sessions.
	FindUploadSession(ctx context.Context, id string) (*UploadSession, error)
	DeleteUploadSession(ctx context.Context, id string) error
	CreateUpload(ctx context.Context, u *Upload) error
	// FindUploadByID returns not_found for unknown or deleted uploads.
	FindUploadByID(ctx context.Context, id string) (*Upload, error)
	FindUploads(ctx context.Context, f UploadFilter) ([]*Upload, error)
	// FindUploadBySHA returns the user's newest live upload with that hash.
	FindUploadBySHA(ctx context.Context, userID, sha string) (*Upload, error)
	// UserUploadBytes sums the sizes of a user's live uploads.
	UserUploadBytes(ctx context.Context, userID string) (int64, error)
	// KeepUpload makes a temporary upload permanent.
	KeepUpload(ctx context.Context, id string) error
	// DeleteUpload soft-deletes an upload (its file is removed by cleanup).
	DeleteUpload(ctx context.Context, id string) error
	// FindExpiredUploads lists uploads whose files can go: deleted, or
	// temporary and past their expiry.
	FindExpiredUploads(ctx context.Context, now time.Time, limit int) ([]*Upload, error)
	// MarkUploadPurged records that an upload's file is gone.
	MarkUploadPurged(ctx context.Context, id string) error
}

// UploadFilter selects a user's uploads.
type UploadFilter struct {
	UserID    string
	SessionID string
	Limit     int
}

// StoredBlob describes a file written by a BlobStore.
type StoredBlob struct {
	Path   string
	Size   int64
	SHA256 string
	Head   []byte
}

// BlobStore keeps file bytes: on disk, or in an object store that several
// servers share. Keys are made by NewBlobKey; every method refuses any
// other key. Files stream in and out, never whole in memory (but Read).
// A store that cannot be reached answers unavailable.
type BlobStore interface {
	// Put writes r under a new key of userID's (too_large beyond
	// maxBytes; nothing is left behind on any error). An error of r's
	// keeps its code.
	Put(ctx context.Context, userID string, r io.Reader, maxBytes int64) (*StoredBlob, error)
	// Read returns a whole file (too_large beyond max; not_found if it
	// is gone), for the parsers that need all of it.
	Read(ctx context.Context, key string, max int64) ([]byte, error)
	// Open returns a file to stream or serve in ranges, never holding it
	// in memory (not_found if it is gone). The caller closes it; ctx
	// bounds every read of it.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// Remove deletes a file; a missing one is not an error.
	Remove(ctx context.Context, key string) error
	// RemoveUser deletes every file of a user (the account is deleted).
	RemoveUser(ctx context.Context, userID string) error
}

// UploadReservationStore keeps the quota held by uploads being written in
// the database, so that servers sharing it hold one quota between them.
// A reservation lives until released or until it expires (its server
// died); the upload that holds it renews it while it runs.
type UploadReservationStore interface {
	// ReserveUploadBytes takes up to want bytes of quota for the user:
	// what neither live uploads nor live reservations hold. n is 0 (and
	// id "") when none is free. Reservations of one user are taken one at
	// a time.
	ReserveUploadBytes(ctx context.Context, userID string, want, quota int64, now, expires time.Time) (id string, n int64, err error)
	// UpdateUploadReservation sets what a reservation holds and when it
	// expires; an unknown id is not an error (it expired and went).
	UpdateUploadReservation(ctx context.Context, id string, bytes int64, expires time.Time) error
	// ReleaseUploadReservation removes a reservation; an unknown id is
	// not an error.
	ReleaseUploadReservation(ctx context.Context, id string) error
}
