package upload

import (
	"context"

	"sentry/backend/core"
)

// CheckStored refuses (too_large, with the quota's message) when a user's
// live uploads already take more than the quota. Synced files' rows count
// as soon as they arrive, before their bytes: the server takes the bytes
// only while the rows fit, so no more than the quota is ever stored.
func (s *Service) CheckStored(ctx context.Context, userID string) error {
	used, err := s.store.UserUploadBytes(ctx, userID)
	if err != nil {
		return err
	}
	if used > s.QuotaBytes {
		return quotaError(s.QuotaBytes)
	}
	return nil
}

// MaxFileBytes is the largest file accepted.
func (s *Service) MaxFileBytes() int64 { return s.MaxBytes }

// BlobStore is the store the uploads' bytes are in.
func (s *Service) BlobStore() core.BlobStore { return s.blobs }
