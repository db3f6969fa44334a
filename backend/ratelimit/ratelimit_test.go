package ratelimit_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/ratelimit"
)

func TestFailuresLockAfterMaxAndSlide(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	f := ratelimit.NewFailures(5, 5*time.Minute)
	f.Now = func() time.Time { return now }
	for i := 0; i < 5; i++ {
		if err := f.Check("ip:1", "acct:a"); err != nil {
			t.Fatalf("attempt %d refused: %v", i, err)
		}
		f.Fail("ip:1", "acct:a")
		now = now.Add(10 * time.Second)
	}
	err := f.Check("ip:2", "acct:a") // another IP, same account
	if core.ErrorCode(err) != core.ERATELIMITED {
		t.Fatalf("sixth attempt: %v", err)
	}
	if ra := core.ErrorRetryAfter(err); ra <= 0 || ra > 5*time.Minute {
		t.Fatalf("retry after %v", ra)
	}
	f.PrefixMax = map[string]int{"ip": 20}
	if err := f.Check("ip:1"); err != nil {
		t.Fatalf("ip has its own, higher limit: %v", err)
	}
	if err := f.Check("ip:2", "acct:b"); err != nil {
		t.Fatalf("unrelated keys refused: %v", err)
	}
	now = now.Add(5 * time.Minute)
	if err := f.Check("acct:a"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	f.Fail("acct:c")
	f.Reset("acct:c")
}

func TestBuckets(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := ratelimit.NewBuckets(10, 20)
	b.Now = func() time.Time { return now }
	for i := 0; i < 20; i++ {
		if err := b.Allow("u1"); err != nil {
			t.Fatalf("burst request %d refused", i)
		}
	}
	if err := b.Allow("u1"); core.ErrorCode(err) != core.ERATELIMITED || core.ErrorRetryAfter(err) != time.Second {
		t.Fatalf("21st: %v (retry after %v, want the whole second)", err, core.ErrorRetryAfter(err))
	}
	if err := b.Allow("u2"); err != nil {
		t.Fatal("other user throttled")
	}
	now = now.Add(time.Second)
	for i := 0; i < 10; i++ {
		if err := b.Allow("u1"); err != nil {
			t.Fatalf("refilled request %d refused", i)
		}
	}
	var off *ratelimit.Buckets
	if off.Allow("x") != nil || ratelimit.NewBuckets(0, 1).Allow("x") != nil {
		t.Fatal("disabled limiter refused")
	}
}

// Retry-After says when the next token is due, in whole seconds.
func TestBucketsRetryAfter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := ratelimit.NewBuckets(0.01, 1) // one request per 100 s
	b.Now = func() time.Time { return now }
	if err := b.Allow("u1"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		after time.Duration
		want  time.Duration
	}{{0, 100 * time.Second}, {30 * time.Second, 70 * time.Second}, {99500 * time.Millisecond, time.Second}} {
		now = time.Unix(1_700_000_000, 0).Add(c.after)
		if err := b.Allow("u1"); core.ErrorRetryAfter(err) != c.want {
			t.Fatalf("%v after the first request: %v, retry after %v, want %v", c.after, err, core.ErrorRetryAfter(err), c.want)
		}
	}
	now = time.Unix(1_700_000_000, 0).Add(100 * time.Second)
	if err := b.Allow("u1"); err != nil {
		t.Fatalf("once the token is due: %v", err)
	}
}

// inParallel runs f n times at once and counts the nil errors.
func inParallel(n int, f func() error) int {
	var ok atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if f() == nil {
				ok.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	return int(ok.Load())
}

// Attempts in flight count against the limit: of 100 parallel
// reservations exactly the limit succeed, whatever their outcome later.
func TestReserveCountsAttemptsInFlight(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	f := ratelimit.NewFailures(5, 5*time.Minute)
	f.Now = func() time.Time { return now }
	var mu sync.Mutex
	var held []*ratelimit.Reservation
	got := inParallel(100, func() error {
		r, err := f.Reserve("ip:1", "acct:a")
		if err == nil {
			mu.Lock()
			held = append(held, r)
			mu.Unlock()
		}
		return err
	})
	if got != 5 {
		t.Fatalf("%d of 100 parallel reservations succeeded, want 5", got)
	}
	err := f.Check("acct:a")
	if core.ErrorCode(err) != core.ERATELIMITED || core.ErrorRetryAfter(err) <= 0 {
		t.Fatalf("check while 5 are in flight: %v", err)
	}
	if !f.Limited("acct:a") || f.Limited("acct:b") {
		t.Fatal("Limited disagrees with the reservations")
	}
	// Two succeed: their slots come back. Three fail: they stay.
	held[0].Release()
	held[1].Release()
	held[1].Fail() // ended already: no effect
	for _, r := range held[2:] {
		r.Fail()
		r.Release() // ended already: no effect
	}
	if got := inParallel(100, func() error { _, err := f.Reserve("acct:a"); return err }); got != 2 {
		t.Fatalf("%d reservations after 2 releases, want 2", got)
	}
	// The failures slide out of the window; the 2 in flight still count.
	now = now.Add(5 * time.Minute)
	if got := inParallel(100, func() error { _, err := f.Reserve("acct:a"); return err }); got != 3 {
		t.Fatalf("%d reservations after the window with 2 in flight, want 3", got)
	}
}

func TestReserveRefusesWithoutReserving(t *testing.T) {
	f := ratelimit.NewFailures(1, time.Minute)
	f.PrefixMax = map[string]int{"ip": 3}
	f.Fail("acct:a")
	if _, err := f.Reserve("ip:1", "acct:a"); core.ErrorCode(err) != core.ERATELIMITED {
		t.Fatalf("reserve past the account's limit: %v", err)
	}
	// The refused attempt took nothing from the address.
	for i := range 3 {
		if _, err := f.Reserve("ip:1"); err != nil {
			t.Fatalf("address reservation %d: %v", i, err)
		}
	}
}

// The API bucket holds under parallel requests: with the clock stopped,
// exactly the burst gets through.
func TestBucketsHoldUnderParallelRequests(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := ratelimit.NewBuckets(10, 20)
	b.Now = func() time.Time { return now }
	if got := inParallel(200, func() error { return b.Allow("u1") }); got != 20 {
		t.Fatalf("%d of 200 parallel requests allowed, want the burst of 20", got)
	}
}
