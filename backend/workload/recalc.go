package workload

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"sentry/backend/core"
)

// DefaultRecalcDelay is how long a user's changes settle before their
// workload is recalculated: a burst of edits, an extraction that creates
// ten tasks or a sync of a hundred cost one recalculation.
const DefaultRecalcDelay = 2 * time.Second

// Recalculator runs fn for a user once their changes have been quiet for
// Delay. Runs for one user never overlap; a change during a run schedules
// one more.
type Recalculator struct {
	delay  time.Duration
	fn     func(ctx context.Context, userID string) error
	logger *slog.Logger
	// afterFunc starts the quiet periods: time.AfterFunc, or a test's clock.
	afterFunc func(d time.Duration, f func()) timer

	mu      sync.Mutex
	pending map[string]timer
	running map[string]bool
	again   map[string]bool
	closed  bool
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

// NewRecalculator returns a debouncer around fn.
func NewRecalculator(delay time.Duration, fn func(ctx context.Context, userID string) error, logger *slog.Logger) *Recalculator {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if delay <= 0 {
		delay = DefaultRecalcDelay
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Recalculator{delay: delay, fn: fn, logger: logger, afterFunc: realAfterFunc, pending: map[string]timer{},
		running: map[string]bool{}, again: map[string]bool{}, ctx: ctx, cancel: cancel}
}

// Trigger (re)starts userID's quiet period.
func (r *Recalculator) Trigger(userID string) {
	if userID == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if t, ok := r.pending[userID]; ok {
		if t.Stop() {
			t.Reset(r.delay)
			return
		}
	}
	r.wg.Add(1)
	var t timer
	t = r.afterFunc(r.delay, func() { r.fire(userID, &t) })
	r.pending[userID] = t
}

func (r *Recalculator) fire(userID string, self *timer) {
	defer r.wg.Done()
	r.mu.Lock()
	if r.pending[userID] == *self { // read under the lock Trigger held while setting it
		delete(r.pending, userID)
	}
	if r.closed {
		r.mu.Unlock()
		return
	}
	if r.running[userID] {
		// A run is in progress: it will run once more when it ends.
		r.again[userID] = true
		r.mu.Unlock()
		return
	}
	r.running[userID] = true
	r.mu.Unlock()
	for {
		if err := r.fn(r.ctx, userID); err != nil && r.ctx.Err() == nil && core.ErrorCode(err) != core.ENOTFOUND {
			r.logger.Error("workload recalculation failed", slog.String("user_id", userID), slog.Any("error", err))
		}
		r.mu.Lock()
		if r.again[userID] && !r.closed {
			delete(r.again, userID)
			r.mu.Unlock()
			continue
		}
		delete(r.running, userID)
		r.mu.Unlock()
		return
	}
}

// timer is the part of *time.Timer the Recalculator uses.
type timer interface {
	Stop() bool
	Reset(d time.Duration) bool
}

func realAfterFunc(d time.Duration, f func()) timer { return time.AfterFunc(d, f) }

// Handle is an event subscriber: task changes and workload events of a
// user trigger their recalculation.
func (r *Recalculator) Handle(_ context.Context, e core.Event) {
	switch e.Type {
	case core.EventTaskCreated, core.EventTaskUpdated, core.EventTaskDeleted, core.EventWorkloadChanged:
		r.Trigger(e.UserID)
	}
}

// Close cancels pending recalculations and waits for running ones.
func (r *Recalculator) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	for id, t := range r.pending {
		if t.Stop() {
			r.wg.Done()
		}
		delete(r.pending, id)
	}
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}
