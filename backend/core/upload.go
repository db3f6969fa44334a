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

// BlobStore keeps file bytes.
type BlobStore interface {
	// Put writes r (too_large beyond maxBytes; nothing is left behind).
	Put(userID string, r io.Reader, maxBytes int64) (*StoredBlob, error)
	// Read returns a whole file (too_large beyond max; not_found if it
	// is gone), for the parsers that need all of it.
	Read(path string, max int64) ([]byte, error)
	// Open returns a file to stream or serve in ranges, never holding it
	// in memory (not_found if it is gone). The caller closes it.
	Open(path string) (io.ReadSeekCloser, error)
	Remove(path string) error
}
