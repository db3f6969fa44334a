package upload

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"sentry/backend/core"
	"sentry/backend/lease"
)

// The quota counts a user's stored uploads and the bytes reserved by
// uploads being written. A reservation is taken before a file is written
// and released only once its upload is recorded (or refused), so no bytes
// are ever counted in neither place. In this process the record and the
// release happen under the lock the reservations are read under, so no
// bytes are counted in both places either: a parallel upload is never
// refused for room that is free.
//
// On a database several servers share (core.UploadReservationStore),
// reservations are rows there, taken under a per-user lock of the
// database: parallel uploads to different servers hold one quota between
// them. A row expires after Service.ReservationTTL unless its upload renews it,
// so the reservations of a server that died free themselves. Otherwise
// they live in this process, which owns the database.

// DefaultReservationTTL is how long a shared reservation lasts without
// renewal (Service.ReservationTTL); an upload in progress renews its own
// every quarter of it.
const DefaultReservationTTL = lease.Default

// reservation is the quota held by one upload in flight.
type reservation struct {
	s      *Service
	userID string
	n      int64

	// id is the shared reservation's row ("" in memory, or when nothing
	// was free); mu guards n against the renewal.
	id    string
	mu    sync.Mutex
	renew func()
}

// reserve takes up to want bytes of the user's free quota (what is
// neither stored nor reserved); n is 0 when none is free.
func (s *Service) reserve(ctx context.Context, userID string, want int64) (*reservation, error) {
	if s.shared != nil {
		now := s.Now()
		ttl := s.ReservationTTL
		id, n, err := s.shared.ReserveUploadBytes(ctx, userID, want, s.QuotaBytes, now, now.Add(ttl))
		if err != nil {
			return nil, err
		}
		r := &reservation{s: s, userID: userID, n: n, id: id}
		if id != "" {
			r.renew = lease.Heartbeat(context.WithoutCancel(ctx), ttl, func(ctx context.Context) error {
				return s.shared.UpdateUploadReservation(ctx, id, r.held(), s.Now().Add(ttl))
			})
		}
		return r, nil
	}
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

func (r *reservation) held() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// shrink keeps only size bytes reserved (the file is written: that is
// all it needs).
func (r *reservation) shrink(ctx context.Context, size int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if size >= r.n {
		return
	}
	if r.id != "" {
		// A failure leaves more reserved than needed until the release.
		if err := r.s.shared.UpdateUploadReservation(ctx, r.id, size, r.s.Now().Add(r.s.ReservationTTL)); err != nil {
			r.s.logger.Warn("shrink upload reservation", slog.Any("error", err))
			return
		}
	} else {
		r.s.unreserve(r.userID, r.n-size)
	}
	r.n = size
}

// release gives the reservation back.
func (r *reservation) release(ctx context.Context) {
	if r.renew != nil {
		r.renew()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.id != "" {
		// Even when the request ended; failing that, the row expires.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := r.s.shared.ReleaseUploadReservation(ctx, r.id); err != nil {
			r.s.logger.Warn("release upload reservation", slog.Any("error", err))
		}
		r.id = ""
	} else {
		r.s.unreserve(r.userID, r.n)
	}
	r.n = 0
}

// record stores the upload's row and hands its reservation over to it:
// in this process under the reservations' lock (the bytes move from
// reserved to stored at once); on a shared database the row is written
// and the reservation released after it, counting the bytes twice for a
// moment rather than never.
func (r *reservation) record(ctx context.Context, up *core.Upload) error {
	s := r.s
	if s.shared != nil {
		if err := s.store.CreateUpload(ctx, up); err != nil {
			return err
		}
		r.release(ctx)
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.store.CreateUpload(ctx, up); err != nil {
		return err
	}
	s.unreserveLocked(r.userID, r.n)
	r.n = 0
	return nil
}

func (s *Service) unreserve(userID string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unreserveLocked(userID, n)
}

func (s *Service) unreserveLocked(userID string, n int64) {
	if n <= 0 {
		return
	}
	if s.reserved[userID] -= n; s.reserved[userID] <= 0 {
		delete(s.reserved, userID)
	}
}
