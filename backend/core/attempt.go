package core

import (
	"context"
	"time"
)

// AttemptCount is what is known of one throttle key: its failures since
// the window began (oldest first) and its attempts still in flight.
type AttemptCount struct {
	Failures []time.Time
	InFlight int
}

// AttemptStore keeps the auth throttle's attempts where every server on
// one database sees them, so the limits hold for all of them together.
// The throttle's rules (limits, windows, when to refuse) stay with the
// caller; the store only counts, atomically.
type AttemptStore interface {
	// ReserveAttempt takes every key's lock, reads its count (failures at
	// or after since, attempts in flight not expired at now) and calls
	// check with them; when check answers nil it records one attempt in
	// flight on every key, forgotten at expires if never ended, and
	// returns its id. check's error is returned as it is.
	ReserveAttempt(ctx context.Context, keys []string, since, now, expires time.Time, check func(map[string]AttemptCount) error) (string, error)
	// EndAttempt ends attempt id: as a failure at now on each of its keys,
	// kept until keep, or (failed false) forgotten.
	EndAttempt(ctx context.Context, id string, failed bool, now, keep time.Time) error
	// RecordFailures records a failure at now on every key, kept until keep.
	RecordFailures(ctx context.Context, keys []string, now, keep time.Time) error
	// CountAttempts reads keys' counts like ReserveAttempt, reserving nothing.
	CountAttempts(ctx context.Context, keys []string, since, now time.Time) (map[string]AttemptCount, error)
	// ForgetFailures drops key's failures.
	ForgetFailures(ctx context.Context, key string) error
	// PruneAttempts drops everything kept past its time at now.
	PruneAttempts(ctx context.Context, now time.Time) error
}
