package postgres_test

import (
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/ratelimit"
)

// The shared sign-in throttle on a real database, two servers' throttles
// on one store, the clock driven: failures slide out of the window,
// attempts in flight count until they end (or expire when their server
// died), a release counts nothing, a reset forgets.
func TestSharedThrottleOnPostgres(t *testing.T) {
	db := MustOpenDB(t)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	const window = 5 * time.Minute
	a, b := ratelimit.NewShared(db, 3, window, nil), ratelimit.NewShared(db, 3, window, nil)
	a.Now, b.Now = clock, clock
	a.PrefixMax = map[string]int{"ip": 10}
	b.PrefixMax = a.PrefixMax

	refused := func(err error) bool { return core.ErrorCode(err) == core.ERATELIMITED }

	// Three failures, alternating servers, fill login:x on both.
	for i := range 3 {
		th := a
		if i%2 == 1 {
			th = b
		}
		r, err := th.Reserve("ip:1", "login:x")
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		r.Fail()
		r.Release() // after Fail: nothing
		now = now.Add(time.Second)
	}
	for _, th := range []*ratelimit.Shared{a, b} {
		_, err := th.Reserve("ip:1", "login:x")
		if !refused(err) || core.ErrorRetryAfter(err) < window-10*time.Second || core.ErrorRetryAfter(err) > window {
			t.Fatalf("fourth attempt: %v (retry after %s)", err, core.ErrorRetryAfter(err))
		}
		if !th.Limited("login:x") || th.Limited("ip:1") {
			t.Fatal("Limited disagrees with Reserve")
		}
	}
	// Another account from the same address still passes (ip:1 has room).
	r, err := b.Reserve("ip:1", "login:y")
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	// The window slides: the oldest failure leaves, one attempt passes.
	now = now.Add(window - 2*time.Second)
	if err := a.Check("login:x"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	a.Reset("login:x")
	if b.Limited("login:x") {
		t.Fatal("reset on A not seen by B")
	}

	// Attempts in flight count: three reserved and never ended refuse a
	// fourth (retry in a second) until their server is presumed dead.
	for range 3 {
		if _, err := a.Reserve("login:z"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Reserve("login:z"); !refused(err) || core.ErrorRetryAfter(err) != time.Second {
		t.Fatalf("with 3 in flight: %v", err)
	}
	now = now.Add(ratelimit.InFlightTTL)
	r, err = b.Reserve("login:z")
	if err != nil {
		t.Fatalf("after the in-flight attempts expired: %v", err)
	}
	r.Release()

	// Fail without a reservation counts too.
	b.Fail("login:w", "login:w", "")
	b.Fail("login:w")
	b.Fail("login:w")
	if err := a.Check("login:w"); !refused(err) {
		t.Fatalf("three recorded failures: %v", err)
	}
}
