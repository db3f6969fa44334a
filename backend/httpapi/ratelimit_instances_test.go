package httpapi_test

import (
	"net/http"
	"sync"
	"testing"

	"sentry/backend/config"
)

// The per-user API limit holds for two servers on one PostgreSQL database
// together: one user hammering both in parallel gets the burst once, not
// once per server (a burst of 10 with the refill at one token per 1000 s
// leases one token at a time, so the bound's (lease−1) × servers is 0),
// the refusals carry Retry-After, and another user is untouched.
func TestAPIRateLimitAcrossInstances(t *testing.T) {
	const n, burst = 40, 10
	a, b := twoInstances(t, sharedStores(t)["file"](t), func(c *config.Config) { c.RateLimit, c.RateBurst = 0.001, burst })
	acc, other := a.signUp("busy@example.com"), a.signUp("calm@example.com")
	da, db := a.device(""), b.device("")
	var mu sync.Mutex
	total := map[int]int{}
	var wg sync.WaitGroup
	for _, d := range []*device{da, db} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			count := parallel(t, n, func() (int, http.Header, []byte, error) { return d.send("GET", "/api/auth/me", acc.Access, nil) })
			mu.Lock()
			defer mu.Unlock()
			for c, k := range count {
				total[c] += k
			}
		}()
	}
	wg.Wait()
	if total[200] != burst || total[429] != 2*n-burst {
		t.Fatalf("answers over both servers %v; want %d × 200 and %d × 429", total, burst, 2*n-burst)
	}
	for _, d := range []*device{da, db} {
		code, h, _, err := d.send("GET", "/api/auth/me", acc.Access, nil)
		if err != nil || code != 429 || h.Get("Retry-After") == "" {
			t.Fatalf("after the burst: %d Retry-After %q %v; want 429 with Retry-After", code, h.Get("Retry-After"), err)
		}
		if code, _, _, err := d.send("GET", "/api/auth/me", other.Access, nil); err != nil || code != 200 {
			t.Fatalf("another user was limited: %d %v", code, err)
		}
	}
}
