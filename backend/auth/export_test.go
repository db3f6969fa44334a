package auth

import "context"

// CheckSession exposes the per-request session check to benchmarks.
func (s *Service) CheckSession(ctx context.Context, userID, sid string) error {
	return s.checkSession(ctx, userID, sid)
}
