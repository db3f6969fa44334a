package ratelimit

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"

	"sentry/backend/core"
)

// Limiter is what the API needs of a per-user limit: Buckets in one
// process, or SharedBuckets for several servers on one database.
type Limiter interface {
	// Allow takes one request for key, or refuses with rate_limited and
	// a Retry-After.
	Allow(key string) error
}

var (
	_ Limiter = (*Buckets)(nil)
	_ Limiter = (*SharedBuckets)(nil)
)

// SharedBuckets is Buckets' twin for several servers on one database: one
// bucket per key in a core.RateTokenStore, which every server takes from.
// So as not to ask the database on every request, a server takes up to
// Lease tokens at a time and spends them from memory.
//
// The bound: every request let through spends a token the shared bucket
// gave out, and the bucket gives out at most Burst + Rate·t in any span
// t. Tokens a server took before the span but spends in it come on top,
// and a server holds fewer than Lease of them per key (more taken than
// that is dropped), so in any span t a user gets at most
// Burst + Rate·t + (Lease−1) × servers requests. Held tokens are dropped
// after LeaseTTL, which only ever lets fewer through.
//
// When the store fails, Allow falls back to Local (this server's own
// bucket, the limit per server) and leaves the store alone for Backoff:
// the limiter never fails a request of its own.
type SharedBuckets struct {
	Store    core.RateTokenStore
	Local    *Buckets
	Rate     float64
	Burst    float64
	Lease    int
	LeaseTTL time.Duration
	// Timeout bounds each call to the store; Backoff is how long the
	// local bucket alone decides after a failed call.
	Timeout time.Duration
	Backoff time.Duration
	Now     func() time.Time
	Logger  *slog.Logger

	mu   sync.Mutex
	held map[string]heldTokens
	down time.Time
}

type heldTokens struct {
	n     int
	until time.Time
}

// DefaultLease takes a fifth of a second's worth of requests at a time,
// at most a tenth of the burst, at least one.
func DefaultLease(rate, burst float64) int {
	return max(1, min(int(math.Ceil(rate/5)), int(burst)/10))
}

// NewSharedBuckets limits each key to rate requests a second (burst at
// once) over every server on store; rate <= 0 disables limiting.
func NewSharedBuckets(store core.RateTokenStore, rate float64, burst int, logger *slog.Logger) *SharedBuckets {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := float64(max(burst, 1))
	return &SharedBuckets{Store: store, Local: NewBuckets(rate, burst), Rate: rate, Burst: b,
		Lease: DefaultLease(rate, b), LeaseTTL: 10 * time.Second, Timeout: time.Second, Backoff: 5 * time.Second,
		Now: time.Now, Logger: logger, held: map[string]heldTokens{}}
}

// Allow spends a held token for key, or takes a lease from the store.
func (s *SharedBuckets) Allow(key string) error {
	if s == nil || s.Rate <= 0 {
		return nil
	}
	now := s.Now()
	s.mu.Lock()
	if h, ok := s.held[key]; ok && h.n > 0 && now.Before(h.until) {
		h.n--
		s.held[key] = h
		s.mu.Unlock()
		return nil
	}
	down := now.Before(s.down)
	s.mu.Unlock()
	if down {
		return s.Local.Allow(key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	taken, left, err := s.Store.TakeRateTokens(ctx, key, max(1, s.Lease), s.Rate, s.Burst, now)
	cancel()
	if err != nil {
		s.Logger.Warn("api rate limit: shared bucket unavailable, limiting per server", slog.Any("error", err))
		s.mu.Lock()
		s.down = now.Add(s.Backoff)
		s.mu.Unlock()
		return s.Local.Allow(key)
	}
	if taken == 0 {
		wait := time.Duration((1 - left) / s.Rate * float64(time.Second))
		secs := max(1, int(math.Ceil(wait.Seconds())))
		return &core.Error{Code: core.ERATELIMITED, RetryAfter: time.Duration(secs) * time.Second,
			Message: "Too many requests. Slow down and try again shortly."}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[string]heldTokens{}
	}
	if len(s.held) > MaxKeys {
		for k, h := range s.held {
			if h.n == 0 || !now.Before(h.until) {
				delete(s.held, k)
			}
		}
	}
	h := s.held[key]
	if !now.Before(h.until) {
		h.n = 0
	}
	// One of the taken tokens is this request's; keep fewer than Lease.
	h.n = min(max(1, s.Lease)-1, h.n+taken-1)
	h.until = now.Add(s.LeaseTTL)
	s.held[key] = h
	return nil
}
