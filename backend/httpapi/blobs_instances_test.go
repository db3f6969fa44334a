package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sentry/backend/blobtest"
	"sentry/backend/config"
	"sentry/backend/postgres/pgtest"
)

// sharedStore is one blobs store that several servers use.
type sharedStore struct {
	url, accessKey, secretKey string
	// files lists what the store holds for a user.
	files func(t *testing.T, userID string) []string
}

// sharedStores are a folder on a shared volume, and a bucket of the
// S3-compatible server of scripts/with-s3 when there is one.
func sharedStores(t *testing.T) map[string]func(t *testing.T) sharedStore {
	return map[string]func(t *testing.T) sharedStore{
		"file": func(t *testing.T) sharedStore {
			dir := t.TempDir()
			return sharedStore{url: "file://" + dir, files: func(t *testing.T, userID string) []string {
				var out []string
				_ = filepath.WalkDir(filepath.Join(dir, userID), func(p string, d fs.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						out = append(out, p)
					}
					return nil
				})
				return out
			}}
		},
		"s3": func(t *testing.T) sharedStore {
			b := blobtest.NewS3(t)
			return sharedStore{url: b.URL(), accessKey: b.AccessKey, secretKey: b.SecretKey, files: func(t *testing.T, userID string) []string {
				return b.Objects(t, userID+"/")
			}}
		},
	}
}

// twoInstances starts two servers with data folders of their own on one
// PostgreSQL database (a fresh schema of scripts/with-postgres's) and one
// blobs store; skipped without PostgreSQL.
func twoInstances(t *testing.T, st sharedStore, mut func(*config.Config)) (*testBackend, *testBackend) {
	t.Helper()
	db := pgtest.SchemaURL(t)
	var b [2]*testBackend
	for i := range b {
		b[i] = newBackendWith(t, false, func(c *config.Config) {
			c.DatabaseURL, c.OllamaHost = db, ""
			c.Blobs, c.BlobsAccessKey, c.BlobsSecretKey = st.url, st.accessKey, st.secretKey
			if mut != nil {
				mut(c)
			}
		})
	}
	if b[0].app.Config.DataDir == b[1].app.Config.DataDir {
		t.Fatal("the instances share a data folder")
	}
	return b[0], b[1]
}

func (b *testBackend) uploadSession(acc account) string {
	b.t.Helper()
	res, body := b.do("POST", "/api/uploads/create-session", acc.Access, nil)
	if res.StatusCode != 201 {
		b.t.Fatalf("session: %d %s", res.StatusCode, body)
	}
	var sess struct {
		ID string `json:"session_id"`
	}
	_ = json.Unmarshal(body, &sess)
	return sess.ID
}

// A file uploaded through one instance downloads byte for byte, whole and
// in ranges, through the other; deleted through the second, its bytes are
// purged from the shared store by the second's clean-up; and deleting the
// account through either removes every file of the user from the store.
func TestUploadsAcrossInstances(t *testing.T) {
	for name, store := range sharedStores(t) {
		t.Run(name, func(t *testing.T) {
			st := store(t)
			one, two := twoInstances(t, st, nil)
			me := one.signUp("shared-files@example.com")

			const size = 6<<20 + 12345 // more than one part of a multipart write
			big := writeBigFile(t, size)
			sess := one.uploadSession(me)
			res, body := one.sendFileFrom("/api/uploads/session/"+sess+"/upload", me.Access, big)
			if res.StatusCode != 201 {
				t.Fatalf("upload through one: %d %s", res.StatusCode, body)
			}
			var up struct {
				ID     string `json:"id"`
				SHA256 string `json:"sha256"`
				Size   int64  `json:"size_bytes"`
			}
			_ = json.Unmarshal(body, &up)
			whole := fileSHA(t, big, 0, size)
			if up.SHA256 != whole || up.Size != size {
				t.Fatalf("recorded %d bytes, sha %s", up.Size, up.SHA256)
			}
			if got := st.files(t, me.ID); len(got) != 1 {
				t.Fatalf("the shared store holds %v", got)
			}

			content := "/api/uploads/" + up.ID + "/content"
			dls := []*download{{}, {rng: "bytes=1000000-2999999"}, {rng: fmt.Sprintf("bytes=%d-", size-5000)}, {rng: "bytes=-100"}}
			two.downloadAll(content, me.Access, dls)
			want := []struct {
				status   int
				off, len int64
			}{{200, 0, size}, {206, 1000000, 2000000}, {206, size - 5000, 5000}, {206, size - 100, 100}}
			for i, d := range dls {
				if d.err != nil || d.status != want[i].status || d.n != want[i].len || d.sha != fileSHA(t, big, want[i].off, want[i].len) {
					t.Errorf("GET %q through two: %d, %d bytes, %v", d.rng, d.status, d.n, d.err)
				}
			}

			if res, body := two.do("DELETE", "/api/uploads/session/"+sess, me.Access, nil); res.StatusCode != 204 {
				t.Fatalf("delete through two: %d %s", res.StatusCode, body)
			}
			if res, _ := one.do("GET", content, me.Access, nil); res.StatusCode != 404 {
				t.Fatalf("a deleted file through one: %d", res.StatusCode)
			}
			// The periodic clean-up job may have removed it first.
			if n, err := two.app.Uploads.Cleanup(context.Background()); err != nil || n > 1 {
				t.Fatalf("clean-up on two: %d, %v", n, err)
			}
			if got := st.files(t, me.ID); len(got) != 0 {
				t.Fatalf("the purged file is still stored: %v", got)
			}

			// Account deletion through one removes what two stored.
			sess = two.uploadSession(me)
			for i := range 2 {
				res, body := two.sendFile("/api/uploads/session/"+sess+"/upload", me.Access, fmt.Sprintf("note-%d.txt", i), []byte(strings.Repeat("to keep ", 100+i)))
				if res.StatusCode != 201 {
					t.Fatalf("upload through two: %d %s", res.StatusCode, body)
				}
			}
			if got := st.files(t, me.ID); len(got) != 2 {
				t.Fatalf("the shared store holds %v", got)
			}
			if res, body := one.do("DELETE", "/api/users/"+me.ID, me.Access, nil); res.StatusCode != 204 {
				t.Fatalf("delete the account through one: %d %s", res.StatusCode, body)
			}
			if got := st.files(t, me.ID); len(got) != 0 {
				t.Fatalf("the deleted account's files are still stored: %v", got)
			}
		})
	}
}

// Parallel uploads of one user spread over two instances hold one quota
// between them: what is stored never passes it, every refusal is a 413
// JSON error, and the space is free again afterwards.
func TestUploadQuotaAcrossInstances(t *testing.T) {
	st := sharedStores(t)["file"](t)
	one, two := twoInstances(t, st, func(c *config.Config) { c.MaxUploadMB, c.QuotaMB = 1, 2 })
	me := one.signUp("shared-quota@example.com")
	sess := one.uploadSession(me)
	const n = 12
	type result struct {
		status int
		body   []byte
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		b := []*testBackend{one, two}[i%2]
		data := []byte(strings.Repeat(fmt.Sprintf("upload %2d of the same user\n", i), (700<<10)/27))
		wg.Go(func() {
			<-start
			res, body := b.sendFile("/api/uploads/session/"+sess+"/upload", me.Access, "part.txt", data)
			results[i] = result{res.StatusCode, body}
		})
	}
	close(start)
	wg.Wait()
	var stored int64
	accepted := 0
	for i, r := range results {
		switch r.status {
		case 201:
			var up struct {
				Size int64 `json:"size_bytes"`
			}
			_ = json.Unmarshal(r.body, &up)
			stored += up.Size
			accepted++
		case 413:
			if code, _ := errorOf(t, r.body); code != "too_large" {
				t.Fatalf("upload %d: %s", i, r.body)
			}
		default:
			t.Fatalf("upload %d: %d %s", i, r.status, r.body)
		}
	}
	if accepted == 0 || stored > 2<<20 {
		t.Fatalf("%d accepted, %d bytes stored with a quota of 2 MB", accepted, stored)
	}
	var recorded int64
	if err := one.queryRow(`SELECT coalesce(sum(size_bytes), 0) FROM uploads WHERE user_id = ? AND status <> 'failed'`, me.ID).Scan(&recorded); err != nil || recorded != stored {
		t.Fatalf("recorded %d bytes, %d accepted (%v)", recorded, stored, err)
	}
	if got := st.files(t, me.ID); len(got) != accepted {
		t.Fatalf("%d files stored for %d accepted", len(got), accepted)
	}
	var held int
	if err := one.queryRow(`SELECT count(*) FROM upload_reservations`).Scan(&held); err != nil || held != 0 {
		t.Fatalf("%d reservations left (%v)", held, err)
	}
}

// proxy forwards TCP connections to target until it is stopped, and can
// be started again on the same address: a store that goes away and comes
// back.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func (p *proxy) start(t *testing.T) {
	t.Helper()
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr, p.conns = ln, ln.Addr().String(), map[net.Conn]bool{}
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
}

// When the S3-compatible store goes away, file requests answer 503 with a
// JSON error and /health says so; when it is back, they work again.
func TestBlobStoreLostWhileRunning(t *testing.T) {
	b := blobtest.NewS3(t)
	ep := strings.TrimPrefix(b.Endpoint, "http://")
	p := &proxy{target: ep}
	p.start(t)
	t.Cleanup(p.stop)
	srv := newBackendWith(t, false, func(c *config.Config) {
		c.OllamaHost = ""
		c.Blobs = "s3://" + b.Bucket + "?endpoint=http://" + p.addr
		c.BlobsAccessKey, c.BlobsSecretKey = b.AccessKey, b.SecretKey
	})
	me := srv.signUp("store-down@example.com")
	sess := srv.uploadSession(me)
	res, body := srv.sendFile("/api/uploads/session/"+sess+"/upload", me.Access, "memo.txt", []byte("the plan for Monday"))
	if res.StatusCode != 201 {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	var up struct{ ID string }
	_ = json.Unmarshal(body, &up)
	content := "/api/uploads/" + up.ID + "/content"

	p.stop()
	for _, c := range []struct {
		name string
		send func() (*http.Response, []byte)
	}{
		{"download", func() (*http.Response, []byte) { return srv.do("GET", content, me.Access, nil) }},
		{"upload", func() (*http.Response, []byte) {
			return srv.sendFile("/api/uploads/session/"+sess+"/upload", me.Access, "more.txt", []byte("more notes"))
		}},
	} {
		res, body := c.send()
		if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" {
			t.Fatalf("%s with the store gone: %d %s", c.name, res.StatusCode, body)
		}
		if code, _ := errorOf(t, body); code != "unavailable" {
			t.Fatalf("%s: %s", c.name, body)
		}
	}
	res, body = srv.do("GET", "/health", "", nil)
	if res.StatusCode != 503 || !strings.Contains(string(body), `"blobs"`) {
		t.Fatalf("health with the store gone: %d %s", res.StatusCode, body)
	}

	p.start(t)
	if res, body := srv.do("GET", content, me.Access, nil); res.StatusCode != 200 || string(body) != "the plan for Monday" {
		t.Fatalf("download with the store back: %d %s", res.StatusCode, body)
	}
	if res, body := srv.do("GET", "/health", "", nil); res.StatusCode != 200 {
		t.Fatalf("health with the store back: %d %s", res.StatusCode, body)
	}
}
