package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"sentry/backend/config"
)

// BenchmarkHTTPMixed is the authenticated 50/50 create/list mix over real
// TCP, at 1, 16 and 64 concurrent clients (GOMAXPROCS × parallelism).
func BenchmarkHTTPMixed(b *testing.B) {
	for _, clients := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			be := newBackendWith(b, false, func(c *config.Config) { c.RateLimit = 0 }) // load, not abuse
			acc := be.signUp("mix@example.com")
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, DisableCompression: true}}
			body := []byte(`{"title":"Benchmark task","priority":"high","deadline":"2026-12-24T17:00:00Z"}`)
			var n atomic.Int64
			procs := max(1, clients/2) // testing multiplies by GOMAXPROCS (2 here)
			if clients == 1 {
				procs = 1
			}
			b.SetParallelism(procs)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var req *http.Request
					if n.Add(1)%2 == 0 {
						req, _ = http.NewRequest("POST", be.srv.URL+"/api/tasks/"+acc.ID, bytes.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
					} else {
						req, _ = http.NewRequest("GET", be.srv.URL+"/api/tasks/"+acc.ID+"?limit=50&sort=-created_at", nil)
					}
					req.Header.Set("Authorization", "Bearer "+acc.Access)
					res, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode >= 300 {
						b.Fatalf("status %d", res.StatusCode)
					}
				}
			})
		})
	}
}
