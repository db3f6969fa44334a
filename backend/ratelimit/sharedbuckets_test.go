package ratelimit_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/ratelimit"
)

// tokenStore is a core.RateTokenStore in memory, as the database keeps
// it: a bucket per key refilled to the call's time, taken from atomically.
type tokenStore struct {
	mu     sync.Mutex
	tokens map[string]float64
	at     map[string]time.Time
	calls  int
	err    error
}

func (s *tokenStore) TakeRateTokens(_ context.Context, key string, n int, rate, burst float64, now time.Time) (int, float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.err != nil {
		return 0, 0, s.err
	}
	if s.tokens == nil {
		s.tokens, s.at = map[string]float64{}, map[string]time.Time{}
	}
	tok, ok := s.tokens[key]
	if !ok {
		tok = burst
	} else if d := now.Sub(s.at[key]); d > 0 {
		tok = min(burst, tok+rate*d.Seconds())
	}
	took := min(n, max(0, int(math.Floor(tok))))
	s.tokens[key], s.at[key] = tok-float64(took), now
	return took, tok - float64(took), nil
}

// Three servers leasing 5 tokens at a time from one bucket of 20 let 20
// requests through in all, ask the store about once per lease, and
// refuse the rest with a Retry-After; after a second of refill at 4/s
// they let at most 4 + (lease−1) × 3 more through.
func TestSharedBucketsHoldOverServers(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	store := &tokenStore{}
	var servers []*ratelimit.SharedBuckets
	for range 3 {
		s := ratelimit.NewSharedBuckets(store, 4, 20, nil)
		s.Lease, s.Now = 5, clock
		servers = append(servers, s)
	}
	allowed := func(rounds int) int {
		n := 0
		for range rounds {
			for _, s := range servers {
				err := s.Allow("u1")
				switch {
				case err == nil:
					n++
				case core.ErrorCode(err) != core.ERATELIMITED:
					t.Fatalf("refusal %v; want rate_limited", err)
				default:
					var e *core.Error
					if !errors.As(err, &e) || e.RetryAfter < time.Second {
						t.Fatalf("refusal without Retry-After: %v", err)
					}
				}
			}
		}
		return n
	}
	if n := allowed(20); n != 20 {
		t.Fatalf("%d requests through at once; want the burst, 20", n)
	}
	if store.calls != 4+40 {
		t.Fatalf("%d store calls; want 4 leases and one per refused request (40)", store.calls)
	}
	now = now.Add(time.Second)
	if n, most := allowed(20), 4+(5-1)*3; n > most || n < 4 {
		t.Fatalf("%d through after a second; want 4 to %d", n, most)
	}
	if err := servers[0].Allow("u2"); err != nil {
		t.Fatalf("another key was limited: %v", err)
	}
}

// With the store failing, each server limits on its own bucket, and the
// limiter answers rate_limited or nothing: never an error of its own.
func TestSharedBucketsFallBackWhenTheStoreFails(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	store := &tokenStore{err: errors.New("connection refused")}
	s := ratelimit.NewSharedBuckets(store, 0.001, 3, nil)
	s.Now = func() time.Time { return now }
	s.Local.Now = s.Now
	for i := range 3 {
		if err := s.Allow("u1"); err != nil {
			t.Fatalf("request %d with the store down: %v", i, err)
		}
	}
	if err := s.Allow("u1"); core.ErrorCode(err) != core.ERATELIMITED {
		t.Fatalf("past the local burst: %v; want rate_limited", err)
	}
	if store.calls != 1 {
		t.Fatalf("store asked %d times while down; want once, then the back-off", store.calls)
	}
	store.mu.Lock()
	store.err = nil
	store.mu.Unlock()
	now = now.Add(s.Backoff)
	if err := s.Allow("u1"); err != nil {
		t.Fatalf("store back: %v", err)
	}
	if store.calls != 2 {
		t.Fatalf("store not asked again after the back-off: %d calls", store.calls)
	}
}
