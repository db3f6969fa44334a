// Package jobtest waits, in tests, for work that runs in the background —
// indexing, extraction, OCR, a server starting — by the job's own
// progress rather than by the clock. A race-enabled run on two busy cores
// can be ten times slower than a developer's laptop; a test that gives a
// job a fixed 20 seconds fails there while the job is still moving. Wait
// fails only when the job has stopped changing for a long time.
package jobtest

import (
	"fmt"
	"testing"
	"time"
)

var (
	// Stall is how long a job may show no change before Wait gives up.
	// One step of engine work (OCR of a page under the race detector)
	// takes tens of seconds; this is several times that.
	Stall = scaled(time.Minute)
	// Limit bounds a whole wait, however much the job moves.
	Limit = scaled(10 * time.Minute)
	// Patience bounds a wait for one event that has no progress to show
	// on the way (a goroutine returning, a token arriving from a stand-in).
	Patience = scaled(time.Minute)
)

// scaled stretches a bound for race-enabled builds, which run engine
// work up to ten times slower.
func scaled(d time.Duration) time.Duration {
	if raceEnabled {
		return 4 * d
	}
	return d
}

// Wait calls poll until it reports done. poll also returns what the job
// shows of itself — a status and stage, a progress fraction, a response
// body: while that keeps changing, Wait keeps waiting. It fails tb, naming
// what it waited for and the last state, when the state has not changed
// for Stall or the wait has lasted Limit (or the test binary's -timeout is
// about to end it). Polls back off from 10 ms to 250 ms so that the
// waiting does not take the cores the job needs.
func Wait(tb testing.TB, what string, poll func() (done bool, state string)) {
	tb.Helper()
	wait(tb, what, poll, time.Now, time.Sleep)
}

func wait(tb testing.TB, what string, poll func() (bool, string), now func() time.Time, sleep func(time.Duration)) {
	tb.Helper()
	start := now()
	end := start.Add(Limit)
	if d, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		// Fail with a message before the test binary panics on -timeout.
		if dl, ok := d.Deadline(); ok && dl.Add(-5*time.Second).Before(end) {
			end = dl.Add(-5 * time.Second)
		}
	}
	last, changed := "", start
	pause := 10 * time.Millisecond
	for first := true; ; first = false {
		done, state := poll()
		if done {
			return
		}
		t := now()
		if first || state != last {
			last, changed = state, t
		}
		switch {
		case t.Sub(changed) >= Stall:
			tb.Fatalf("%s: no progress for %s (after %s): %s", what, Stall, t.Sub(start).Round(time.Second), last)
			return
		case t.After(end):
			tb.Fatalf("%s: not done after %s, still moving: %s", what, t.Sub(start).Round(time.Second), last)
			return
		}
		sleep(pause)
		pause = min(2*pause, 250*time.Millisecond)
	}
}

// Receive waits up to Patience for a receive from ch — a value, or the
// zero value once ch is closed, as <-ch gives — and fails tb, naming what
// it waited for, if there is none.
func Receive[T any](tb testing.TB, what string, ch <-chan T) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(Patience):
		tb.Fatalf("%s: nothing after %s", what, Patience)
	}
	var zero T
	return zero
}

// State formats values as a state for Wait: "[indexing 0.4]".
func State(values ...any) string { return fmt.Sprintf("%v", values) }
