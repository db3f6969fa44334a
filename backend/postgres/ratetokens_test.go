package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/ratelimit"
)

// The per-user API bucket on a real database: a new bucket is full, takes
// never give out more than it holds (parallel takes included), it refills
// at its rate up to the burst, a clock behind the stored one refills
// nothing, and two servers' limiters leasing from it let the burst through
// in all.
func TestRateTokensOnPostgres(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := &core.User{Email: "rate@example.com", FirstName: "Test", LastName: "User", PasswordHash: "x"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const rate, burst = 2.0, 10.0

	var mu sync.Mutex
	var wg sync.WaitGroup
	total := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, _, err := db.TakeRateTokens(ctx, u.ID, 3, rate, burst, now)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 10 {
		t.Fatalf("parallel takes got %d tokens from a new bucket of 10", total)
	}
	if n, left, err := db.TakeRateTokens(ctx, u.ID, 3, rate, burst, now.Add(-time.Minute)); err != nil || n != 0 || left != 0 {
		t.Fatalf("clock behind: took %d, left %v, %v; want nothing", n, left, err)
	}
	if n, left, err := db.TakeRateTokens(ctx, u.ID, 3, rate, burst, now.Add(1250*time.Millisecond)); err != nil || n != 2 || left != 0.5 {
		t.Fatalf("after 1.25 s at 2/s: took %d, left %v, %v; want 2 and 0.5 left", n, left, err)
	}
	if n, left, err := db.TakeRateTokens(ctx, u.ID, 30, rate, burst, now.Add(time.Hour)); err != nil || n != 10 || left != 0 {
		t.Fatalf("after an hour: took %d, left %v, %v; want the burst, 10", n, left, err)
	}

	v := &core.User{Email: "rate2@example.com", FirstName: "Test", LastName: "User", PasswordHash: "x"}
	if err := db.CreateUser(ctx, v); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	a, b := ratelimit.NewSharedBuckets(db, 0.001, 10, nil), ratelimit.NewSharedBuckets(db, 0.001, 10, nil)
	a.Lease, b.Lease, a.Now, b.Now = 3, 3, clock, clock
	through := 0
	for range 20 {
		for _, s := range []*ratelimit.SharedBuckets{a, b} {
			if err := s.Allow(v.ID); err == nil {
				through++
			} else if core.ErrorCode(err) != core.ERATELIMITED {
				t.Fatal(err)
			}
		}
	}
	if through != 10 {
		t.Fatalf("%d requests through two servers; want the burst, 10", through)
	}
}
