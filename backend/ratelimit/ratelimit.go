// Package ratelimit throttles callers: a failure counter for auth endpoints
// (so many failures per key in a window, then refuse until the window
// slides) and a token bucket per user for the API as a whole
// (golang.org/x/time/rate).
//
// Failures counts attempts still in flight as well as recorded failures,
// so that parallel attempts cannot all pass the check before the first of
// them fails: Reserve takes a slot on every key at once, and the caller
// then either turns it into a failure or releases it.
package ratelimit

import (
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"sentry/backend/core"
)

// MaxKeys bounds memory: beyond it the stalest keys are forgotten.
const MaxKeys = 100_000

// Throttle is what the auth endpoints need of a failure counter: the
// in-process Failures, or Shared, which keeps the counts in a database
// that several servers share.
type Throttle interface {
	// Check refuses with rate_limited when any key is at its limit.
	Check(keys ...string) error
	// Limited reports whether key is at its limit (a hint).
	Limited(key string) bool
	// Reserve checks every key and counts one attempt in flight on each.
	Reserve(keys ...string) (*Reservation, error)
	// Fail records one failure for every key.
	Fail(keys ...string)
	// Reset forgets a key's failures.
	Reset(key string)
}

var (
	_ Throttle = (*Failures)(nil)
	_ Throttle = (*Shared)(nil)
)

// Failures counts failures per key in a sliding window. Keys look like
// "prefix:value"; PrefixMax sets a limit per prefix (e.g. more for "ip",
// which a whole office may share), Max applies to the rest.
type Failures struct {
	Max       int
	PrefixMax map[string]int
	Window    time.Duration
	Now       func() time.Time

	mu sync.Mutex
	m  map[string][]time.Time
	// inflight counts reserved attempts per key whose outcome is not known
	// yet; they count against the limit like failures.
	inflight map[string]int
}

// NewFailures allows max failures per key per window.
func NewFailures(max int, window time.Duration) *Failures {
	return &Failures{Max: max, Window: window, Now: time.Now, m: map[string][]time.Time{}, inflight: map[string]int{}}
}

// inflightRetry is the Retry-After of a refusal caused by attempts still in
// flight: they resolve within a request's time.
const inflightRetry = time.Second

func (f *Failures) recent(key string, now time.Time) []time.Time {
	ts := f.m[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= f.Window {
		i++
	}
	if i == len(ts) {
		delete(f.m, key)
		return nil
	}
	ts = ts[i:]
	f.m[key] = ts
	return ts
}

// Check refuses with rate_limited (and when to retry) if any key has
// reached the limit, counting attempts in flight. It reserves nothing: a
// caller that checks a secret must use Reserve.
func (f *Failures) Check(keys ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.check(f.Now(), keys)
}

func (f *Failures) check(now time.Time, keys []string) error {
	var wait time.Duration
	for _, k := range keys {
		if k == "" {
			continue
		}
		wait = max(wait, waitFor(now, f.Window, f.limit(k), f.recent(k, now), f.inflight[k]))
	}
	return refusal(wait)
}

// waitFor is how long a key with these recent failures (oldest first) and
// attempts in flight must wait before one more attempt; 0 lets it pass.
func waitFor(now time.Time, window time.Duration, limit int, ts []time.Time, busy int) time.Duration {
	switch {
	case len(ts) >= limit:
		return max(0, window-now.Sub(ts[len(ts)-limit]))
	case len(ts)+busy >= limit:
		return inflightRetry
	}
	return 0
}

// refusal is the rate_limited error for a wait, or nil for none.
func refusal(wait time.Duration) error {
	if wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		return &core.Error{Code: core.ERATELIMITED, RetryAfter: time.Duration(secs) * time.Second,
			Message: "Too many attempts. Wait a few minutes, then try again."}
	}
	return nil
}

// Limited reports whether key has reached its limit, counting attempts in
// flight. It is a hint for choosing keys, not a reservation.
func (f *Failures) Limited(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recent(key, f.Now()))+f.inflight[key] >= f.limit(key)
}

// Reservation is one attempt counted against its keys while its outcome
// is unknown. Exactly one of Fail and Release takes effect; later calls do
// nothing, so "defer r.Release()" after an explicit Fail is safe.
type Reservation struct {
	f    *Failures
	keys []string
	done bool
	// end, when set, ends an attempt kept elsewhere (Shared) instead.
	end  func(failed bool)
	once sync.Once
}

// Reserve atomically checks every key (failures and attempts in flight)
// and, when none has reached its limit, counts one attempt in flight on
// each. It refuses with rate_limited otherwise, reserving nothing.
func (f *Failures) Reserve(keys ...string) (*Reservation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(f.Now(), keys); err != nil {
		return nil, err
	}
	if f.inflight == nil {
		f.inflight = map[string]int{}
	}
	r := &Reservation{f: f}
	for _, k := range keys {
		if k != "" {
			r.keys = append(r.keys, k)
			f.inflight[k]++
		}
	}
	return r, nil
}

// Fail turns the reserved attempt into a failure on every key, in the
// same step that ends it, so no other attempt slips into the gap.
func (r *Reservation) Fail() { r.finish(true) }

// Release frees the reserved attempt without counting it: it succeeded,
// or failed for a reason that says nothing about guessing.
func (r *Reservation) Release() { r.finish(false) }

func (r *Reservation) finish(failed bool) {
	if r.end != nil {
		r.once.Do(func() { r.end(failed) })
		return
	}
	f := r.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.done {
		return
	}
	r.done = true
	for _, k := range r.keys {
		if f.inflight[k]--; f.inflight[k] <= 0 {
			delete(f.inflight, k)
		}
	}
	if failed {
		f.fail(f.Now(), r.keys)
	}
}

func (f *Failures) limit(key string) int {
	if p, _, ok := strings.Cut(key, ":"); ok {
		if n, ok := f.PrefixMax[p]; ok {
			return n
		}
	}
	return f.Max
}

// Fail records one failure for every key.
func (f *Failures) Fail(keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail(f.Now(), keys)
}

func (f *Failures) fail(now time.Time, keys []string) {
	if f.m == nil {
		f.m = map[string][]time.Time{}
	}
	if len(f.m) > MaxKeys {
		f.prune(now)
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		ts := append(f.recent(k, now), now)
		if l := f.limit(k); len(ts) > l*2 {
			ts = ts[len(ts)-l*2:]
		}
		f.m[k] = ts
	}
}

// Reset forgets a key's failures (after a success).
func (f *Failures) Reset(key string) {
	f.mu.Lock()
	delete(f.m, key)
	f.mu.Unlock()
}

func (f *Failures) prune(now time.Time) {
	for k := range f.m {
		f.recent(k, now)
	}
	for k := range f.m { // still too many: drop arbitrary keys
		if len(f.m) <= MaxKeys/2 {
			break
		}
		delete(f.m, k)
	}
}

// Buckets is a token bucket per key: Rate tokens a second, up to Burst.
// The buckets themselves are rate.Limiters; Buckets keeps one per key,
// forgets full ones when there are too many, and turns a refusal into
// rate_limited with a Retry-After.
type Buckets struct {
	Rate  float64
	Burst float64
	Now   func() time.Time

	mu sync.Mutex
	m  map[string]*rate.Limiter
}

// NewBuckets returns per-key buckets; rate <= 0 disables limiting.
func NewBuckets(r float64, burst int) *Buckets {
	return &Buckets{Rate: r, Burst: float64(max(burst, 1)), Now: time.Now, m: map[string]*rate.Limiter{}}
}

// Allow takes one token for key, or says how long until one is free.
func (b *Buckets) Allow(key string) error {
	if b == nil || b.Rate <= 0 {
		return nil
	}
	now := b.Now()
	lim := b.limiter(key, now)
	if lim.AllowN(now, 1) {
		return nil
	}
	wait := time.Duration((1 - lim.TokensAt(now)) / b.Rate * float64(time.Second))
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return &core.Error{Code: core.ERATELIMITED, RetryAfter: time.Duration(secs) * time.Second,
		Message: "Too many requests. Slow down and try again shortly."}
}

// limiter returns key's bucket, making a full one for a new key.
func (b *Buckets) limiter(key string, now time.Time) *rate.Limiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]*rate.Limiter{}
	}
	lim, ok := b.m[key]
	if ok {
		return lim
	}
	if len(b.m) > MaxKeys {
		// A full bucket is what a new key gets, so forgetting one changes
		// nothing for its key.
		for k, l := range b.m {
			if l.TokensAt(now) >= float64(l.Burst()) {
				delete(b.m, k)
			}
		}
	}
	lim = rate.NewLimiter(rate.Limit(b.Rate), max(1, int(b.Burst)))
	b.m[key] = lim
	return lim
}
