package workload

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/jobtest"
)

// fakeClock stands in for the timers of a Recalculator: time moves only
// when the test advances it, so what is asserted is the debouncing, not
// how fast a busy machine runs.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []*fakeTimer
	fired  int
}

type fakeTimer struct {
	c      *fakeClock
	at     time.Duration
	f      func()
	active bool
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now + d, f: f, active: true}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active, t.at = true, t.c.now+d
	return was
}

// Advance moves the clock on by d and starts, each on its own goroutine as
// time.AfterFunc does, the timers that are due. The channel closes when
// all of those have returned.
func (c *fakeClock) Advance(d time.Duration) <-chan struct{} {
	c.mu.Lock()
	c.now += d
	var due []func()
	for _, t := range c.timers {
		if t.active && t.at <= c.now {
			t.active = false
			due = append(due, t.f)
		}
	}
	c.fired += len(due)
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, f := range due {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

func (c *fakeClock) Fired() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fired
}

// runs records a Recalculator's runs; each run waits for release when
// gate is set.
type runs struct {
	mu       sync.Mutex
	users    []string
	running  atomic.Int32
	overlaps atomic.Int32
	started  chan string
	gate     chan struct{}
}

func newRuns(gated bool) *runs {
	r := &runs{started: make(chan string, 100)}
	if gated {
		r.gate = make(chan struct{}, 100)
	}
	return r
}

func (r *runs) fn(_ context.Context, userID string) error {
	if r.running.Add(1) > 1 {
		r.overlaps.Add(1)
	}
	defer r.running.Add(-1)
	r.started <- userID
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	r.users = append(r.users, userID)
	r.mu.Unlock()
	return nil
}

func (r *runs) done() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]string(nil), r.users...)
	sort.Strings(out)
	return out
}

func newTestRecalculator(fn func(context.Context, string) error) (*Recalculator, *fakeClock) {
	clock := &fakeClock{}
	r := NewRecalculator(time.Minute, fn, nil)
	r.afterFunc = clock.AfterFunc
	return r, clock
}

// A burst of changes costs one run per user, once the user's changes have
// been quiet for the whole delay; events that are not about tasks or the
// workload start nothing.
func TestRecalculatorDebounces(t *testing.T) {
	rs := newRuns(false)
	r, clock := newTestRecalculator(rs.fn)
	for range 20 {
		r.Handle(context.Background(), core.Event{Type: core.EventTaskUpdated, UserID: "a"})
		r.Trigger("b")
		<-clock.Advance(time.Minute - time.Second) // each change restarts the quiet period
	}
	r.Handle(context.Background(), core.Event{Type: "notebook.indexed", UserID: "c"})
	r.Trigger("") // no user: nothing to recalculate
	if n := clock.Fired(); n != 0 {
		t.Fatalf("%d recalculations started while changes kept coming", n)
	}
	<-clock.Advance(time.Second)
	if n := clock.Fired(); n != 2 {
		t.Fatalf("%d recalculations started after the quiet period, want one for a and one for b", n)
	}
	r.Close() // waits for the runs
	if got := rs.done(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("runs %v: want one each for a and b, none for c", got)
	}
}

// A change during a run schedules exactly one more, after it: runs for a
// user never overlap.
func TestRecalculatorRunsOnceMoreAfterAChangeDuringARun(t *testing.T) {
	rs := newRuns(true)
	r, clock := newTestRecalculator(rs.fn)
	defer func() {
		close(rs.gate) // a run still waiting, should the test fail, ends
		r.Close()
	}()
	r.Trigger("a")
	clock.Advance(time.Minute)
	jobtest.Receive(t, "the first run", rs.started)
	for range 3 {
		r.Trigger("a")
	}
	jobtest.Receive(t, "the timer of the changes during the run", clock.Advance(time.Minute))
	rs.gate <- struct{}{} // the first run ends
	if u := jobtest.Receive(t, "the run for the changes made during the first", rs.started); u != "a" {
		t.Fatalf("second run for %q", u)
	}
	rs.gate <- struct{}{}
	r.Close()
	if got := rs.done(); len(got) != 2 || rs.overlaps.Load() != 0 {
		t.Fatalf("runs %v with %d overlapping: want two, one after the other", got, rs.overlaps.Load())
	}
}

// Close cancels what is pending, and nothing starts after it.
func TestRecalculatorCloseCancelsPending(t *testing.T) {
	rs := newRuns(false)
	r, clock := newTestRecalculator(rs.fn)
	r.Trigger("a")
	r.Close()
	r.Trigger("a")
	r.Close() // twice is fine
	<-clock.Advance(time.Hour)
	if n := clock.Fired(); n != 0 || len(rs.done()) != 0 {
		t.Fatalf("%d timers fired and runs %v after Close", n, rs.done())
	}
}
