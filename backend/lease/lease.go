// Package lease keeps claimed background jobs (extraction runs, notebook
// indexing) alive and takes over the ones whose worker died, so several
// servers can share one database's queues: a worker touches its job while
// it runs (Heartbeat), and every server puts back in the queue the jobs
// nobody has touched for a lease's length (Reap). A job whose server is
// killed is picked up by another within about one and a half leases; a
// live one is never taken from its worker.
package lease

import (
	"context"
	"time"
)

// Default is how long a claimed job may go without a sign of life.
const Default = 2 * time.Minute

// Heartbeat calls touch every d/4 until stop is called or ctx ends.
func Heartbeat(ctx context.Context, d time.Duration, touch func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(max(d/4, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = touch(context.WithoutCancel(ctx)) // a missed beat is retried; the next one counts
			}
		}
	}()
	return func() { cancel(); <-done }
}

// Reap calls requeue with the time before which a job counts as dead,
// every d/2 until ctx ends, and found with each positive count.
func Reap(ctx context.Context, d time.Duration, now func() time.Time, requeue func(context.Context, time.Time) (int, error), found func(int, error)) {
	t := time.NewTicker(max(d/2, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := requeue(ctx, now().Add(-d))
			if (n > 0 || err != nil) && ctx.Err() == nil {
				found(n, err)
			}
		}
	}
}
