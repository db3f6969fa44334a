package upload

import (
	"context"
)

// The quota counts a user's stored uploads and the bytes reserved by
// uploads being written. A reservation is taken before a file is written
// and released only after its upload is recorded (or refused); usage and
// reservations are read under one lock, so no bytes are ever counted in
// neither place. Reservations live in this process, which owns the
// database.

// reservation is the quota held by one upload in flight.
type reservation struct {
	s      *Service
	userID string
	n      int64
}

// reserve takes up to want bytes of the user's free quota (what is
// neither stored nor reserved); n is 0 when none is free.
func (s *Service) reserve(ctx context.Context, userID string, want int64) (*reservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	used, err := s.store.UserUploadBytes(ctx, userID)
	if err != nil {
		return nil, err
	}
	n := max(min(want, s.QuotaBytes-used-s.reserved[userID]), 0)
	if n > 0 {
		if s.reserved == nil {
			s.reserved = map[string]int64{}
		}
		s.reserved[userID] += n
	}
	return &reservation{s: s, userID: userID, n: n}, nil
}

// shrink keeps only size bytes reserved (the file is written: that is
// all it needs).
func (r *reservation) shrink(size int64) {
	if size < r.n {
		r.s.unreserve(r.userID, r.n-size)
		r.n = size
	}
}

// release gives the reservation back.
func (r *reservation) release() {
	r.s.unreserve(r.userID, r.n)
	r.n = 0
}

func (s *Service) unreserve(userID string, n int64) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reserved[userID] -= n; s.reserved[userID] <= 0 {
		delete(s.reserved, userID)
	}
}
