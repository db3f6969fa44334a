package lease

import (
	"context"
	"testing"
	"time"

	"sentry/backend/jobtest"
)

// A heartbeat touches until it is stopped, and not after.
func TestHeartbeatTouchesUntilStopped(t *testing.T) {
	beats := make(chan struct{}, 100)
	stop := Heartbeat(context.Background(), 4*time.Millisecond, func(context.Context) error {
		beats <- struct{}{}
		return nil
	})
	jobtest.Receive(t, "a first beat", beats)
	jobtest.Receive(t, "a second beat", beats)
	stop()
	for len(beats) > 0 {
		<-beats
	}
	// stop waited for the beating goroutine: nothing can arrive now.
	select {
	case <-beats:
		t.Fatal("a beat after stop")
	default:
	}
}

// The reaper asks for the jobs silent since one lease ago, and reports
// what it took over.
func TestReapRequeuesJobsSilentForALease(t *testing.T) {
	base := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	cutoffs := make(chan time.Time, 10)
	found := make(chan int, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Reap(ctx, 2*time.Millisecond, func() time.Time { return base }, func(_ context.Context, before time.Time) (int, error) {
			cutoffs <- before
			return 3, nil
		}, func(n int, err error) { found <- n })
	}()
	if c := jobtest.Receive(t, "a requeue", cutoffs); !c.Equal(base.Add(-2 * time.Millisecond)) {
		t.Fatalf("cutoff %v, want one lease before now", c)
	}
	if n := jobtest.Receive(t, "a report", found); n != 3 {
		t.Fatalf("reported %d", n)
	}
	cancel()
	jobtest.Receive(t, "the reaper to stop", done)
}
