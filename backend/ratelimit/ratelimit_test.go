package ratelimit_test

import (
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
	if err := b.Allow("u1"); core.ErrorCode(err) != core.ERATELIMITED {
		t.Fatalf("21st: %v", err)
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
