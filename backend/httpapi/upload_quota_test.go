package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sentry/backend/config"
)

// Parallel uploads share one quota: however they interleave, what is
// stored never passes it, the rest are refused as too large, and a
// refused upload leaves no file behind.
func TestParallelUploadsKeepQuota(t *testing.T) {
	const quota = 2 << 20
	b := newUploadBackend(t, func(c *config.Config) { c.MaxUploadMB, c.QuotaMB = 1, quota>>20 })
	acc := b.signUp("quota-race@example.com")
	_, body := b.do("POST", "/api/uploads/create-session", acc.Access, nil)
	var sess struct {
		ID string `json:"session_id"`
	}
	_ = json.Unmarshal(body, &sess)
	url := b.srv.URL + "/api/uploads/session/" + sess.ID + "/upload"

	const n = 12
	bodies := make([][]byte, n)
	types := make([]string, n)
	for i := range bodies {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("part-%d.txt", i))
		fw.Write(bytes.Repeat([]byte(fmt.Sprintf("upload %2d line\n", i)), (900<<10)/15)) // 0.9 MB, each different
		mw.Close()
		bodies[i], types[i] = buf.Bytes(), mw.FormDataContentType()
	}
	type result struct {
		status int
		body   []byte
		err    error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(bodies[i]))
			req.Header.Set("Content-Type", types[i])
			req.Header.Set("Authorization", "Bearer "+acc.Access)
			<-start
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				results[i].err = err
				return
			}
			defer res.Body.Close()
			out, _ := io.ReadAll(res.Body)
			results[i] = result{status: res.StatusCode, body: out}
		})
	}
	close(start)
	wg.Wait()

	var stored int64
	accepted := 0
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("upload %d: %v", i, r.err)
		}
		switch r.status {
		case http.StatusCreated:
			var up struct {
				SizeBytes int64 `json:"size_bytes"`
			}
			_ = json.Unmarshal(r.body, &up)
			stored += up.SizeBytes
			accepted++
		case http.StatusRequestEntityTooLarge:
			if code, _ := errorOf(t, r.body); code != "too_large" || !strings.Contains(string(r.body), "storage is full") {
				t.Fatalf("upload %d refused with %s: %s", i, code, r.body)
			}
		default:
			t.Fatalf("upload %d: %d %s", i, r.status, r.body)
		}
	}
	if stored > quota || accepted == 0 {
		t.Fatalf("%d uploads accepted, %d bytes stored with a quota of %d", accepted, stored, quota)
	}
	// What the server keeps agrees: the files on disk are the accepted ones.
	var files int
	var onDisk int64
	_ = filepath.Walk(filepath.Join(b.app.Config.DataDir, "files"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files++
			onDisk += fi.Size()
		}
		return nil
	})
	if files != accepted || onDisk != stored {
		t.Fatalf("%d files (%d bytes) on disk, %d accepted (%d bytes)", files, onDisk, accepted, stored)
	}
	_, hist := b.do("GET", "/api/uploads/history/"+acc.ID, acc.Access, nil)
	if got := strings.Count(string(hist), `"status":"stored"`); got != accepted {
		t.Fatalf("%d stored in the history, %d accepted: %s", got, accepted, hist)
	}
	t.Logf("%d of %d uploads stored (%d bytes of a %d-byte quota)", accepted, n, stored, quota)
}
