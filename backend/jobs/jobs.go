// Package jobs is the one way background work runs: a feature registers a
// worker per kind of job and enqueues jobs whose arguments carry only ids;
// the queue runs each job on one worker at a time, retries a failed one
// with back-off, and after a restart runs what was left undone.
//
// Two queues implement Queue: Local, in this process, for a database that
// one process owns (the SQLite file; its features put back what a crash
// left behind when they start), and pgjobs.River on PostgreSQL, where any
// of several servers may run a job and a job whose server died is taken
// over by another.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Queue runs jobs of registered kinds.
type Queue interface {
	// Handle registers the worker of kind, running at most n jobs of it
	// at once in this process. Call it before Start, once per kind.
	Handle(kind string, n int, w Worker)
	// Enqueue adds a job of kind with args (JSON-encoded). A job of the
	// same kind and arguments that is still waiting or running is not
	// added again, so enqueueing is safe to repeat.
	Enqueue(ctx context.Context, kind string, args any) error
	// Every enqueues a job of kind, with empty arguments, at Start and
	// then every d: work that is due from time to time (clean-up,
	// syncs). Among the servers sharing a queue only one enqueues, and as
	// for Enqueue a job still waiting or running is not added again, so a
	// tick runs once in all, never twice at once. Call it before Start,
	// after Handle of kind, once per kind.
	Every(kind string, d time.Duration)
	// Start starts the workers; Stop (or the end of ctx) stops them.
	Start(ctx context.Context) error
	// Stop stops fetching jobs, cancels the running ones' contexts and
	// waits for their workers to return. Their jobs run again later.
	Stop(ctx context.Context) error
}

// Stats is what a queue tells /health: how many jobs are in each state.
type Stats interface {
	Stats(ctx context.Context) (map[string]int, error)
}

// Job is what a worker is given.
type Job struct {
	Kind string
	Args json.RawMessage
	// Attempt counts the times this job was started, this one included.
	Attempt int
}

// Decode reads the job's arguments into v.
func (j Job) Decode(v any) error {
	if err := json.Unmarshal(j.Args, v); err != nil {
		return fmt.Errorf("jobs: %s: arguments: %w", j.Kind, err)
	}
	return nil
}

// Worker works one job. nil means done; an error means try again after a
// back-off (until MaxAttempts); a *LaterError means try again after its
// delay without counting an attempt.
type Worker func(ctx context.Context, job Job) error

// LaterError asks for a job to be tried again after a while, without
// counting an attempt: the thing it works on is busy elsewhere.
type LaterError struct{ After time.Duration }

func (e *LaterError) Error() string { return fmt.Sprintf("jobs: try again in %s", e.After) }

// Later returns a *LaterError.
func Later(d time.Duration) error { return &LaterError{After: max(d, time.Second)} }

// AsLater reports whether err asks for a later try, and after how long.
func AsLater(err error) (time.Duration, bool) {
	var l *LaterError
	if errors.As(err, &l) {
		return l.After, true
	}
	return 0, false
}

// MaxAttempts bounds the tries of a job that keeps failing. Features keep
// their own, smaller, counts on their rows (an extraction gives up after
// three); this is the queue's safety net.
const MaxAttempts = 25

// Backoff is the wait before try attempt+1 after attempt failed: half a
// second, then 2 s, 4.5 s, 8 s … growing with the square, at most 10
// minutes.
func Backoff(attempt int) time.Duration {
	a := time.Duration(max(1, attempt))
	return min(a*a*500*time.Millisecond, 10*time.Minute)
}
