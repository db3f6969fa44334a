// Package lease keeps a claimed job's row alive: while a worker works on
// an extraction run or a notebook document, it touches the row
// (Heartbeat). A row that has gone a lease without a touch belongs to a
// worker that died, and the next worker to claim it takes it over (the job
// queue brings its job back, see backend/jobs); a live one is never taken
// from its worker.
package lease

import (
	"context"
	"time"
)

// Default is how long a claimed row may go without a sign of life. With
// a beat every quarter of it, a dead worker's row is free again at most
// three quarters of a lease after it died: well inside the two minutes
// in which another server takes over a dead one's job.
const Default = time.Minute

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
