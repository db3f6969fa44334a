package core

import (
	"context"
	"time"
)

// RateTokenStore keeps one token bucket per key where every server on one
// database takes from it, so a per-user request limit holds for all of
// them together. Servers take tokens a few at a time (a lease), not one
// per request.
type RateTokenStore interface {
	// TakeRateTokens refills key's bucket to now (rate tokens a second, at
	// most burst; a new bucket is full), takes up to n whole tokens and
	// returns how many it took and how many tokens are left, in one atomic
	// step.
	TakeRateTokens(ctx context.Context, key string, n int, rate, burst float64, now time.Time) (taken int, left float64, err error)
}
