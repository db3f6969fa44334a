// Package activity is a user's change history: the change log that every
// store writes with each change, read back by its owner a page at a time.
package activity

import (
	"context"

	"sentry/backend/core"
)

// Page sizes of the history.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Service reads the change history; the store only persists it.
type Service struct {
	store core.ChangeStore
}

// NewService returns the history over store.
func NewService(store core.ChangeStore) *Service {
	return &Service{store: store}
}

// Find returns the caller's change log entries in clock order: those with
// an HLC after f.After, of f.Table and f.RowID when set, at most f.Limit
// (DefaultLimit when 0). Errors: unauthorized without a caller, forbidden
// when f.UserID is someone else, invalid (field "limit") for a limit
// outside 1–MaxLimit.
func (s *Service) Find(ctx context.Context, f core.ChangeFilter) ([]*core.Change, error) {
	if _, err := core.RequireSelf(ctx, f.UserID); err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit < 1 || f.Limit > MaxLimit {
		return nil, core.FieldError("limit", "Limit must be between 1 and %d.", MaxLimit)
	}
	changes, err := s.store.FindChanges(ctx, f)
	if err != nil {
		return nil, err
	}
	if changes == nil {
		changes = []*core.Change{}
	}
	return changes, nil
}
