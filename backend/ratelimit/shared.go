package ratelimit

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"sentry/backend/core"
)

// Shared is Failures' twin for several servers on one database: the same
// keys, limits and sliding window, with every attempt and failure kept in
// a core.AttemptStore, so that parallel attempts spread over the servers
// meet one limit. The store locks the keys while Reserve checks and
// counts, as Failures' mutex does in one process.
//
// Throttle's methods take no context (the in-process counter needs none):
// each call here gets its own deadline, and ending an attempt must happen
// even when the request that made it has been cancelled.
type Shared struct {
	Store     core.AttemptStore
	Max       int
	PrefixMax map[string]int
	Window    time.Duration
	Now       func() time.Time
	Logger    *slog.Logger
	// Timeout bounds each call to the store.
	Timeout time.Duration

	mu        sync.Mutex
	lastPrune time.Time
}

// InFlightTTL is how long an attempt in flight counts when its server
// never ends it (it died mid-request).
const InFlightTTL = time.Minute

// NewShared allows max failures per key per window, counted in store.
func NewShared(store core.AttemptStore, max int, window time.Duration, logger *slog.Logger) *Shared {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Shared{Store: store, Max: max, Window: window, Now: time.Now, Logger: logger, Timeout: 10 * time.Second}
}

func (s *Shared) limit(key string) int {
	if p, _, ok := strings.Cut(key, ":"); ok {
		if n, ok := s.PrefixMax[p]; ok {
			return n
		}
	}
	return s.Max
}

func (s *Shared) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.Timeout)
}

func (s *Shared) verdict(now time.Time, keys []string, counts map[string]core.AttemptCount) error {
	var wait time.Duration
	for _, k := range keys {
		if k == "" {
			continue
		}
		c := counts[k]
		wait = max(wait, waitFor(now, s.Window, s.limit(k), c.Failures, c.InFlight))
	}
	return refusal(wait)
}

// Check refuses with rate_limited if any key has reached its limit.
func (s *Shared) Check(keys ...string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	now := s.Now()
	counts, err := s.Store.CountAttempts(ctx, keys, now.Add(-s.Window), now)
	if err != nil {
		return err
	}
	return s.verdict(now, keys, counts)
}

// Limited reports whether key has reached its limit; when the store
// cannot tell, it says yes, which makes the caller apply the key.
func (s *Shared) Limited(key string) bool {
	return s.Check(key) != nil
}

// Reserve checks every key and counts one attempt in flight on each, in
// one transaction of the store.
func (s *Shared) Reserve(keys ...string) (*Reservation, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	now := s.Now()
	s.prune(ctx, now)
	id, err := s.Store.ReserveAttempt(ctx, keys, now.Add(-s.Window), now, now.Add(InFlightTTL),
		func(counts map[string]core.AttemptCount) error { return s.verdict(now, keys, counts) })
	if err != nil {
		return nil, err
	}
	return &Reservation{end: func(failed bool) {
		ctx, cancel := s.ctx()
		defer cancel()
		now := s.Now()
		if err := s.Store.EndAttempt(ctx, id, failed, now, now.Add(s.Window)); err != nil {
			s.Logger.Error("auth throttle: end attempt", slog.Any("error", err))
		}
	}}, nil
}

// Fail records one failure for every key.
func (s *Shared) Fail(keys ...string) {
	ctx, cancel := s.ctx()
	defer cancel()
	now := s.Now()
	if err := s.Store.RecordFailures(ctx, keys, now, now.Add(s.Window)); err != nil {
		s.Logger.Error("auth throttle: record failures", slog.Any("error", err))
	}
}

// Reset forgets a key's failures (after a success).
func (s *Shared) Reset(key string) {
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.Store.ForgetFailures(ctx, key); err != nil {
		s.Logger.Error("auth throttle: reset", slog.Any("error", err))
	}
}

// prune drops expired attempts of every key now and then; Reserve drops
// its own keys' each time.
func (s *Shared) prune(ctx context.Context, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.lastPrune) >= s.Window
	if due {
		s.lastPrune = now
	}
	s.mu.Unlock()
	if due {
		if err := s.Store.PruneAttempts(ctx, now); err != nil {
			s.Logger.Warn("auth throttle: prune", slog.Any("error", err))
		}
	}
}
