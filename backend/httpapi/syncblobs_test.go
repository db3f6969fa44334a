package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"sentry/backend/config"
	"sentry/backend/syncsvc"
)

// blobRow pushes an uploads row naming a file of size bytes with that
// hash, as a device does before it sends the bytes.
func (d *syncDevice) blobRow(n int, sha string, size int64) string {
	d.b.t.Helper()
	c := d.clock(0)
	fields := map[string]any{"filename": "notes.txt", "content_type": "text/plain", "kind": "txt", "size_bytes": size, "sha256": sha,
		"status": "stored", "error": "", "created_at": "2026-12-01T09:00:00.000Z"}
	clocks := map[string]string{}
	for f := range fields {
		clocks[f] = c
	}
	id := newRowID(n)
	out := d.mustPush(fmt.Sprintf("00000000-0000-7000-8000-%012d", n), map[string]any{"table": "uploads", "scope_id": d.acc.ID, "row_id": id,
		"fields": fields, "clocks": clocks, "base": map[string]string{}, "change_ids": []string{fmt.Sprintf("0193a2b4-0000-7000-9000-%012d", n)}})
	if len(out.Applied) != 1 {
		d.b.t.Fatalf("uploads row not applied: %+v", out)
	}
	return id
}

// raw sends bytes with headers.
func (b *testBackend) raw(method, path, token string, header map[string]string, body []byte) (*http.Response, []byte) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, b.srv.URL+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, out
}

func (b *testBackend) putChunk(token, sha, scope string, data []byte, from, to int, total int) (*http.Response, []byte) {
	b.t.Helper()
	q := ""
	if scope != "" {
		q = "?scope=" + scope
	}
	return b.raw("PUT", "/api/sync/blobs/"+sha+q, token, map[string]string{"Content-Range": fmt.Sprintf("bytes %d-%d/%d", from, to-1, total)}, data[from:to])
}

func randomBytes(t testing.TB, n int) ([]byte, string) {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return b, hex.EncodeToString(h[:])
}

// storedFiles counts the files the blob store holds for a scope.
func (b *testBackend) storedFiles(scope string) int {
	b.t.Helper()
	n := 0
	_ = filepath.WalkDir(filepath.Join(b.app.Config.DataDir, "files", scope), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func (b *testBackend) count(query string, args ...any) int {
	b.t.Helper()
	var n int
	if err := b.queryRow(query, args...).Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

// A file goes up in chunks; a chunk sent again from the start is refused
// with the server's offset, and the upload goes on from there instead;
// once whole it is checked, kept once, and read back by any device of its
// owner, whole or in ranges.
func TestSyncBlobsResumeFromOffset(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("files@example.com")
	laptop, phone := b.bindDevice(me, "laptop-1"), b.bindDevice(me, "phone-1")
	data, sha := randomBytes(t, 300_000)
	laptop.blobRow(1, sha, int64(len(data)))
	path := "/api/sync/blobs/" + sha + "?scope=" + me.ID

	res, _ := b.raw("HEAD", path, me.Access, nil, nil)
	if res.StatusCode != 404 || res.Header.Get("Upload-Offset") != "0" || res.Header.Get("Upload-Length") != "300000" {
		t.Fatalf("HEAD before: %d offset %q length %q", res.StatusCode, res.Header.Get("Upload-Offset"), res.Header.Get("Upload-Length"))
	}
	if res, body := b.raw("GET", path, me.Access, nil, nil); res.StatusCode != 404 {
		t.Fatalf("GET before the bytes: %d %s", res.StatusCode, body)
	}
	res, body := b.putChunk(me.Access, sha, me.ID, data, 0, 100_000, len(data))
	var st syncsvc.BlobState
	if res.StatusCode != 200 || json.Unmarshal(body, &st) != nil || st.Offset != 100_000 || st.Complete {
		t.Fatalf("first chunk: %d %s", res.StatusCode, body)
	}
	// The connection broke; the device asks how far the server got.
	res, _ = b.raw("HEAD", path, me.Access, nil, nil)
	if res.StatusCode != 404 || res.Header.Get("Upload-Offset") != "100000" {
		t.Fatalf("HEAD after a chunk: %d offset %q", res.StatusCode, res.Header.Get("Upload-Offset"))
	}
	// Starting over is refused with where to go on from.
	res, body = b.putChunk(me.Access, sha, me.ID, data, 0, 100_000, len(data))
	if res.StatusCode != 409 || res.Header.Get("Upload-Offset") != "100000" {
		t.Fatalf("chunk from 0 again: %d offset %q %s", res.StatusCode, res.Header.Get("Upload-Offset"), body)
	}
	if code, _ := errorOf(t, body); code != "conflict" {
		t.Fatalf("code %s", code)
	}
	// The phone (same person) resumes it from the offset.
	res, body = b.putChunk(me.Access, sha, "", data, 100_000, 300_000, len(data))
	if res.StatusCode != 200 || json.Unmarshal(body, &st) != nil || !st.Complete || st.Offset != 300_000 {
		t.Fatalf("last chunk: %d %s", res.StatusCode, body)
	}
	if n := b.count(`SELECT count(*) FROM sync_blob_parts`); n != 0 {
		t.Fatalf("%d chunk rows left", n)
	}
	if n := b.count(`SELECT count(*) FROM sync_blobs WHERE scope_id = ? AND sha256 = ? AND size_bytes = 300000`, me.ID, sha); n != 1 {
		t.Fatalf("%d whole-file rows", n)
	}
	if n := b.storedFiles(me.ID); n != 1 {
		t.Fatalf("%d files stored, want the one whole file", n)
	}
	res, _ = b.raw("HEAD", path, me.Access, nil, nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Length") != "300000" {
		t.Fatalf("HEAD after: %d length %q", res.StatusCode, res.Header.Get("Content-Length"))
	}
	_ = phone
	res, body = b.raw("GET", "/api/sync/blobs/"+sha, me.Access, nil, nil)
	if res.StatusCode != 200 || !bytes.Equal(body, data) || res.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("GET: %d, %d bytes, equal %v", res.StatusCode, len(body), bytes.Equal(body, data))
	}
	res, body = b.raw("GET", path, me.Access, map[string]string{"Range": "bytes=250000-"}, nil)
	if res.StatusCode != 206 || !bytes.Equal(body, data[250_000:]) {
		t.Fatalf("GET a range: %d, %d bytes", res.StatusCode, len(body))
	}
	res, _ = b.raw("GET", path, me.Access, map[string]string{"Range": "bytes=400000-"}, nil)
	if res.StatusCode != 416 {
		t.Fatalf("GET past the end: %d", res.StatusCode)
	}
	// Sending it again changes nothing.
	res, body = b.putChunk(me.Access, sha, me.ID, data, 0, 100_000, len(data))
	if res.StatusCode != 200 || json.Unmarshal(body, &st) != nil || !st.Complete {
		t.Fatalf("again: %d %s", res.StatusCode, body)
	}
	if n := b.storedFiles(me.ID); n != 1 {
		t.Fatalf("%d files stored after sending again", n)
	}
}

// Bytes that do not match their hash keep nothing; a chunk the server
// cannot take is a clear 4xx naming what is wrong; another person's file
// is as if it did not exist, even with the same bytes; another scope is
// refused; over the quota is 413.
func TestSyncBlobsRefusals(t *testing.T) {
	b := newBackendWith(t, false, func(c *config.Config) { c.QuotaMB, c.MaxUploadMB = 12, 10 })
	me, other := b.signUp("me-files@example.com"), b.signUp("other-files@example.com")
	mine, theirs := b.bindDevice(me, "mine-1"), b.bindDevice(other, "theirs-1")
	data, sha := randomBytes(t, 50_000)
	mine.blobRow(1, sha, int64(len(data)))
	theirData, theirSHA := randomBytes(t, 40_000)
	theirs.blobRow(2, theirSHA, int64(len(theirData)))
	if res, body := b.putChunk(other.Access, theirSHA, "", theirData, 0, len(theirData), len(theirData)); res.StatusCode != 200 {
		t.Fatalf("their upload: %d %s", res.StatusCode, body)
	}
	// Both hold a row of the same bytes: each scope has its own copy, and
	// mine says nothing of theirs.
	theirs.blobRow(3, sha, int64(len(data)))
	if res, body := b.putChunk(other.Access, sha, "", data, 0, len(data), len(data)); res.StatusCode != 200 {
		t.Fatalf("their copy of my bytes: %d %s", res.StatusCode, body)
	}
	if res, _ := b.raw("HEAD", "/api/sync/blobs/"+sha, me.Access, nil, nil); res.StatusCode != 404 || res.Header.Get("Upload-Offset") != "0" {
		t.Fatalf("my HEAD after their copy: %d offset %q", res.StatusCode, res.Header.Get("Upload-Offset"))
	}

	wrong := bytes.Clone(data)
	wrong[49_999] ^= 1
	res, body := b.putChunk(me.Access, sha, "", wrong, 0, 30_000, len(data))
	if res.StatusCode != 200 {
		t.Fatalf("first chunk: %d %s", res.StatusCode, body)
	}
	res, body = b.putChunk(me.Access, sha, "", wrong, 30_000, len(data), len(data))
	if code, field := errorOf(t, body); res.StatusCode != 400 || code != "invalid" || field != "sha256" {
		t.Fatalf("bytes not matching the hash: %d %s", res.StatusCode, body)
	}
	if n := b.count(`SELECT count(*) FROM sync_blob_parts WHERE scope_id = ?`, me.ID); n != 0 {
		t.Fatalf("%d chunk rows kept after a mismatch", n)
	}
	if n := b.storedFiles(me.ID); n != 0 {
		t.Fatalf("%d files kept after a mismatch", n)
	}
	if res, _ := b.raw("HEAD", "/api/sync/blobs/"+sha, me.Access, nil, nil); res.StatusCode != 404 || res.Header.Get("Upload-Offset") != "0" {
		t.Fatalf("HEAD after a mismatch: %d offset %q", res.StatusCode, res.Header.Get("Upload-Offset"))
	}

	var team, theirTeam struct{ ID string }
	_, mineBody := b.do("POST", "/api/teams", me.Access, map[string]any{"name": "Files team"})
	_, strangers := b.do("POST", "/api/teams", other.Access, map[string]any{"name": "Not mine"})
	if json.Unmarshal(mineBody, &team) != nil || json.Unmarshal(strangers, &theirTeam) != nil || team.ID == "" || theirTeam.ID == "" {
		t.Fatalf("teams: %s %s", mineBody, strangers)
	}
	big := make([]byte, 8<<20+1)
	bigSHA := hex.EncodeToString(func() []byte { h := sha256.Sum256(big); return h[:] }())
	mine.blobRow(4, bigSHA, int64(len(big)))
	huge := b.signUp("huge@example.com")
	hugeDev := b.bindDevice(huge, "huge-1")
	hugeData, hugeSHA := randomBytes(t, 1000)
	// Rows of 5 and 9 MB: together over the quota of 12.
	hugeDev.blobRow(5, hugeSHA, 5<<20)
	_, otherHuge := randomBytes(t, 10)
	hugeDev.blobRow(6, otherHuge, 9<<20)

	for _, c := range []struct {
		name    string
		token   string
		method  string
		path    string
		header  map[string]string
		body    []byte
		status  int
		code    string
		field   string
		nothing bool // no Upload-Offset (the file is unknown to the caller)
	}{
		{name: "bad sha get", token: me.Access, method: "GET", path: "/api/sync/blobs/xyz", status: 400, code: "invalid", field: "sha256"},
		{name: "upper-case sha", token: me.Access, method: "PUT", path: "/api/sync/blobs/" + hexUpper(sha), header: map[string]string{"Content-Range": "bytes 0-0/50000"}, body: []byte{1}, status: 400, code: "invalid", field: "sha256"},
		{name: "their file, get", token: me.Access, method: "GET", path: "/api/sync/blobs/" + theirSHA, status: 404, code: "not_found", nothing: true},
		{name: "their file, head", token: me.Access, method: "HEAD", path: "/api/sync/blobs/" + theirSHA, status: 404, nothing: true},
		{name: "their file, put", token: me.Access, method: "PUT", path: "/api/sync/blobs/" + theirSHA, header: map[string]string{"Content-Range": "bytes 0-39999/40000"}, body: theirData, status: 404, code: "not_found", nothing: true},
		{name: "their scope", token: me.Access, method: "GET", path: "/api/sync/blobs/" + theirSHA + "?scope=" + other.ID, status: 403, code: "forbidden", nothing: true},
		{name: "a team not mine", token: me.Access, method: "GET", path: "/api/sync/blobs/" + theirSHA + "?scope=" + theirTeam.ID, status: 403, code: "forbidden", nothing: true},
		{name: "my team, no such row there", token: me.Access, method: "GET", path: "/api/sync/blobs/" + sha + "?scope=" + team.ID, status: 404, code: "not_found", nothing: true},
		{name: "no token", method: "GET", path: "/api/sync/blobs/" + sha, status: 401, code: "unauthorized", nothing: true},
		{name: "no Content-Range", token: me.Access, method: "PUT", path: "/api/sync/blobs/" + sha, body: data, status: 400, code: "invalid", field: "Content-Range", nothing: true},
		{name: "Content-Range backwards", token: me.Access, method: "PUT", path: "/api/sync/blobs/" + sha, header: map[string]string{"Content-Range": "bytes 9-1/50000"}, body: data[:9], status: 400, code: "invalid", field: "Content-Range"},
		{name: "Content-Range not bytes", token: me.Access, method: "PUT", path: "/api/sync/blobs/" + sha, header: map[string]string{"Content-Range": "0-9/50000"}, body: data[:10], status: 400, code: "invalid", field: "Content-Range"},
		{name: "Content-Range past the total", token: me.Access, method: "PUT", path: "/api/sync/blobs/" + sha, header: map[string]string{"Content-Range": "bytes 0-50000/50000"}, body: data, status: 400, code: "invalid", field: "Content-Range"},
		{name: "total not the file's size", token: me.Access, method: "PUT", path: "/api/sync/blobs/" + sha, header: map[string]string{"Content-Range": "bytes 0-9/60000"}, body: data[:10], status: 400, code: "invalid", field: "Content-Range"},
		{name: "body shorter than the range", token: me.Access, method: "PUT", path: "/api/sync/blobs/" + sha, header: map[string]string{"Content-Range": "bytes 0-99/50000"}, body: data[:10], status: 400, code: "invalid", field: "Content-Range"},
		{name: "not from the offset", token: me.Access, method: "PUT", path: "/api/sync/blobs/" + sha, header: map[string]string{"Content-Range": "bytes 10-19/50000"}, body: data[10:20], status: 409, code: "conflict"},
		{name: "chunk over 8 MiB", token: me.Access, method: "PUT", path: "/api/sync/blobs/" + bigSHA, header: map[string]string{"Content-Range": fmt.Sprintf("bytes 0-%d/%d", len(big)-1, len(big))}, body: big, status: 413, code: "too_large"},
		{name: "over the quota", token: huge.Access, method: "PUT", path: "/api/sync/blobs/" + hugeSHA, header: map[string]string{"Content-Range": "bytes 0-999/" + strconv.Itoa(5<<20)}, body: hugeData[:1000], status: 413, code: "too_large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, body := b.raw(c.method, c.path, c.token, c.header, c.body)
			if res.StatusCode != c.status {
				t.Fatalf("%d, want %d: %s", res.StatusCode, c.status, body)
			}
			if c.method != "HEAD" {
				code, field := errorOf(t, body)
				if code != c.code || (c.field != "" && field != c.field) {
					t.Fatalf("error %s/%s, want %s/%s: %s", code, field, c.code, c.field, body)
				}
			}
			if c.nothing && res.Header.Get("Upload-Offset") != "" {
				t.Fatalf("Upload-Offset %q told about a file the caller cannot see", res.Header.Get("Upload-Offset"))
			}
		})
	}
	// Nothing of theirs changed, and nothing was kept for the refusals.
	if res, body := b.raw("GET", "/api/sync/blobs/"+theirSHA, other.Access, nil, nil); res.StatusCode != 200 || !bytes.Equal(body, theirData) {
		t.Fatalf("their file after: %d", res.StatusCode)
	}
	if n := b.storedFiles(me.ID) + b.storedFiles(huge.ID); n != 0 {
		t.Fatalf("%d files kept for refused chunks", n)
	}
	// The right bytes still go up whole after all that.
	if res, body := b.putChunk(me.Access, sha, "", data, 0, len(data), len(data)); res.StatusCode != 200 {
		t.Fatalf("my upload: %d %s", res.StatusCode, body)
	}
	if res, body := b.raw("GET", "/api/sync/blobs/"+sha, me.Access, nil, nil); res.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("my file: %d", res.StatusCode)
	}
}

func hexUpper(s string) string { return string(bytes.ToUpper([]byte(s))) }

// A partial upload that got no chunk for a week is dropped, its chunks'
// files too; one still arriving is kept; the file can be sent again from
// the start.
func TestSyncBlobsAbandonedUploadDropped(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("abandon@example.com")
	dev := b.bindDevice(me, "abandon-1")
	old, oldSHA := randomBytes(t, 90_000)
	fresh, freshSHA := randomBytes(t, 80_000)
	dev.blobRow(1, oldSHA, int64(len(old)))
	dev.blobRow(2, freshSHA, int64(len(fresh)))
	for _, f := range []struct {
		data []byte
		sha  string
	}{{old, oldSHA}, {fresh, freshSHA}} {
		for _, end := range []int{30_000, 60_000} {
			if res, body := b.putChunk(me.Access, f.sha, "", f.data, end-30_000, end, len(f.data)); res.StatusCode != 200 {
				t.Fatalf("chunk: %d %s", res.StatusCode, body)
			}
		}
	}
	if n := b.storedFiles(me.ID); n != 4 {
		t.Fatalf("%d chunk files, want 4", n)
	}
	// The first upload's chunks are eight days old.
	var aged any = time.Now().Add(-8 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	if b.app.PG != nil {
		aged = time.Now().Add(-8 * 24 * time.Hour)
	}
	var one int
	if b.app.PG != nil {
		if err := b.queryRow(`UPDATE sync_blob_parts SET created_at = ? WHERE sha256 = ? RETURNING 1`, aged, oldSHA).Scan(&one); err != nil {
			t.Fatal(err)
		}
	} else {
		// The store reads through read-only connections: write beside it.
		db, err := sql.Open("sqlite", "file:"+b.app.Config.DatabasePath()+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`UPDATE sync_blob_parts SET created_at = ? WHERE sha256 = ?`, aged, oldSHA); err != nil {
			t.Fatal(err)
		}
	}
	n, err := b.app.Server().SyncBlobs.Sweep(context.Background(), time.Now())
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d %v, want the one abandoned upload", n, err)
	}
	if n := b.storedFiles(me.ID); n != 2 {
		t.Fatalf("%d chunk files after the sweep, want the fresh upload's 2", n)
	}
	if res, _ := b.raw("HEAD", "/api/sync/blobs/"+oldSHA, me.Access, nil, nil); res.StatusCode != 404 || res.Header.Get("Upload-Offset") != "0" {
		t.Fatalf("abandoned upload after the sweep: %d offset %q", res.StatusCode, res.Header.Get("Upload-Offset"))
	}
	if res, _ := b.raw("HEAD", "/api/sync/blobs/"+freshSHA, me.Access, nil, nil); res.Header.Get("Upload-Offset") != "60000" {
		t.Fatalf("fresh upload after the sweep: offset %q", res.Header.Get("Upload-Offset"))
	}
	if res, body := b.putChunk(me.Access, freshSHA, "", fresh, 60_000, len(fresh), len(fresh)); res.StatusCode != 200 {
		t.Fatalf("fresh upload's last chunk: %d %s", res.StatusCode, body)
	}
	if res, body := b.putChunk(me.Access, oldSHA, "", old, 0, len(old), len(old)); res.StatusCode != 200 {
		t.Fatalf("the dropped upload sent again: %d %s", res.StatusCode, body)
	}
	for _, f := range [][]byte{old, fresh} {
		h := sha256.Sum256(f)
		if res, body := b.raw("GET", "/api/sync/blobs/"+hex.EncodeToString(h[:]), me.Access, nil, nil); res.StatusCode != 200 || !bytes.Equal(body, f) {
			t.Fatalf("GET after: %d", res.StatusCode)
		}
	}
}

// execSQL runs a write beside the store (SQLite reads through read-only
// connections) and returns how many rows it changed.
func (b *testBackend) execSQL(query string, args ...any) int {
	b.t.Helper()
	if b.app.PG != nil {
		var n int
		if err := b.queryRow(`WITH w AS (`+query+` RETURNING 1) SELECT count(*) FROM w`, args...).Scan(&n); err != nil {
			b.t.Fatal(err)
		}
		return n
	}
	db, err := sql.Open("sqlite", "file:"+b.app.Config.DatabasePath()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(query, args...)
	if err != nil {
		b.t.Fatal(err)
	}
	n, _ := res.RowsAffected()
	return int(n)
}

// at is a time as the store keeps it.
func (b *testBackend) at(t time.Time) any {
	if b.app.PG != nil {
		return t
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// A scope's copy of a synced file is deleted, record and bytes, once no
// live or Trash-period uploads row of that scope names it and the grace
// period has passed; a live row, a row deleted within the grace period or
// a copy received within it keep it, and another scope's copy of the same
// bytes is judged by that scope's rows alone. The clock is the argument.
func TestSyncBlobsUnreferencedCollected(t *testing.T) {
	b := newBackend(t, false)
	me, other := b.signUp("gc-me@example.com"), b.signUp("gc-other@example.com")
	mine, theirs := b.bindDevice(me, "gc-mine"), b.bindDevice(other, "gc-theirs")
	live, liveSHA := randomBytes(t, 4_000)
	gone, goneSHA := randomBytes(t, 5_000)
	trash, trashSHA := randomBytes(t, 6_000)
	young, youngSHA := randomBytes(t, 7_000)
	rows := map[string]string{}
	for i, f := range []struct {
		data []byte
		sha  string
	}{{live, liveSHA}, {gone, goneSHA}, {trash, trashSHA}, {young, youngSHA}} {
		rows[f.sha] = mine.blobRow(101+i, f.sha, int64(len(f.data)))
		if res, body := b.putChunk(me.Access, f.sha, "", f.data, 0, len(f.data), len(f.data)); res.StatusCode != 200 {
			t.Fatalf("upload: %d %s", res.StatusCode, body)
		}
	}
	// The other account holds the same bytes as the one to go, named by a
	// live row of its own.
	theirs.blobRow(111, goneSHA, int64(len(gone)))
	if res, body := b.putChunk(other.Access, goneSHA, "", gone, 0, len(gone), len(gone)); res.StatusCode != 200 {
		t.Fatalf("other's upload: %d %s", res.StatusCode, body)
	}
	now := time.Now()
	days := func(n int) any { return b.at(now.Add(-time.Duration(n) * 24 * time.Hour)) }
	// Every copy arrived 40 days ago but the young one (5 days ago).
	if n := b.execSQL(`UPDATE sync_blobs SET created_at = ?`, days(40)); n != 5 {
		t.Fatalf("%d copies aged, want 5", n)
	}
	b.execSQL(`UPDATE sync_blobs SET created_at = ? WHERE sha256 = ?`, days(5), youngSHA)
	// Deleted 40 days ago: gone's and young's rows; 5 days ago: trash's.
	for sha, d := range map[string]int{goneSHA: 40, youngSHA: 40, trashSHA: 5} {
		if n := b.execSQL(`UPDATE uploads SET deleted_at = ? WHERE id = ?`, days(d), rows[sha]); n != 1 {
			t.Fatalf("row of %s… not deleted", sha[:8])
		}
	}
	if b.storedFiles(me.ID) != 4 || b.storedFiles(other.ID) != 1 {
		t.Fatalf("before: %d and %d files stored", b.storedFiles(me.ID), b.storedFiles(other.ID))
	}
	blobs := b.app.SyncBlobs
	n, err := blobs.Collect(context.Background(), now)
	if err != nil || n != 1 {
		t.Fatalf("collect: %d %v, want the one unreferenced copy", n, err)
	}
	if c := b.count(`SELECT count(*) FROM sync_blobs WHERE scope_id = ? AND sha256 = ?`, me.ID, goneSHA); c != 0 {
		t.Fatal("the unreferenced copy's record is still there")
	}
	if got := b.storedFiles(me.ID); got != 3 {
		t.Fatalf("%d files stored for the scope, want the live, Trash and young ones' 3", got)
	}
	if got := b.storedFiles(other.ID); got != 1 {
		t.Fatalf("the other scope's copy went too: %d files", got)
	}
	if res, body := b.raw("GET", "/api/sync/blobs/"+goneSHA, other.Access, nil, nil); res.StatusCode != 200 || !bytes.Equal(body, gone) {
		t.Fatalf("other scope's copy after the collection: %d", res.StatusCode)
	}
	// Nothing more to do at once.
	if n, err := blobs.Collect(context.Background(), now); err != nil || n != 0 {
		t.Fatalf("second collection: %d %v", n, err)
	}
	// 31 days on, the Trash row and the young copy have outlived the grace
	// period; the live row still keeps its copy.
	if n, err := blobs.Collect(context.Background(), now.Add(31*24*time.Hour)); err != nil || n != 2 {
		t.Fatalf("collect 31 days on: %d %v, want the Trash and young copies", n, err)
	}
	if got := b.count(`SELECT count(*) FROM sync_blobs WHERE scope_id = ?`, me.ID); got != 1 || b.storedFiles(me.ID) != 1 {
		t.Fatalf("%d records, %d files left for the scope, want the live one", got, b.storedFiles(me.ID))
	}
	if res, body := b.raw("GET", "/api/sync/blobs/"+liveSHA, me.Access, nil, nil); res.StatusCode != 200 || !bytes.Equal(body, live) {
		t.Fatalf("live copy after the collections: %d", res.StatusCode)
	}
	if got := b.storedFiles(other.ID); got != 1 {
		t.Fatalf("the other scope's live copy went: %d files", got)
	}
}
