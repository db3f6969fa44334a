// Package blobtest is the conformance suite every core.BlobStore passes:
// the disk store and the object store answer the same for the same
// calls — streaming writes larger than any buffer, hashes and sizes,
// range reads and seeking, deletion, missing files, hostile keys — and
// leave nothing behind when a write fails.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"sentry/backend/core"
)

// Harness is one store under test.
type Harness struct {
	Store core.BlobStore
	// Leftovers lists everything the store holds: files, and whatever a
	// write in progress keeps (temporary files, unfinished multipart
	// uploads), so a test can see that a failed write left nothing.
	Leftovers func(t *testing.T) []string
	// Big is the size of the file written through the store in one
	// stream: larger than the store's write buffers (at least two parts
	// of a multipart upload).
	Big int64
}

// Run runs every case; open gives each a fresh, empty store.
func Run(t *testing.T, open func(t *testing.T) Harness) {
	cases := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"PutReadRemove", testPutReadRemove},
		{"EmptyFile", testEmptyFile},
		{"StreamsABigFile", testStreamsABigFile},
		{"RangeRequests", testRangeRequests},
		{"Seek", testSeek},
		{"Missing", testMissing},
		{"TooLargeLeavesNothing", testTooLargeLeavesNothing},
		{"TooLargeAfterManyBuffers", testTooLargeAfterManyBuffers},
		{"SourceErrorKeepsItsCode", testSourceError},
		{"CanceledPutLeavesNothing", testCanceledPut},
		{"HostileKeys", testHostileKeys},
		{"RemoveUser", testRemoveUser},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

func put(t *testing.T, s core.BlobStore, user string, data []byte) *core.StoredBlob {
	t.Helper()
	st, err := s.Put(context.Background(), user, bytes.NewReader(data), 1<<30)
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	return st
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func testPutReadRemove(t *testing.T, h Harness) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("memo "), 5000)
	st := put(t, h.Store, "user-1", data)
	if st.Size != int64(len(data)) || st.SHA256 != sum(data) || !bytes.Equal(st.Head, data[:core.BlobHeadSize]) {
		t.Fatalf("stored size %d sha %s head %d bytes", st.Size, st.SHA256, len(st.Head))
	}
	if !core.ValidBlobKey(st.Path) || !strings.HasPrefix(st.Path, "user-1/") {
		t.Fatalf("key %q", st.Path)
	}
	got, err := h.Store.Read(ctx, st.Path, 1<<20)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read: %d bytes, %v", len(got), err)
	}
	if _, err := h.Store.Read(ctx, st.Path, int64(len(data))-1); core.ErrorCode(err) != core.ETOOLARGE {
		t.Fatalf("read past its bound: %v", err)
	}
	other := put(t, h.Store, "user-1", data)
	if other.Path == st.Path {
		t.Fatal("the same bytes got the same key twice")
	}
	if err := h.Store.Remove(ctx, st.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.Read(ctx, st.Path, 1<<20); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("read after remove: %v", err)
	}
	if _, err := h.Store.Open(ctx, st.Path); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("open after remove: %v", err)
	}
	if err := h.Store.Remove(ctx, st.Path); err != nil {
		t.Fatalf("second remove: %v", err)
	}
	if got, err := h.Store.Read(ctx, other.Path, 1<<20); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the other copy: %v", err)
	}
	if left := h.Leftovers(t); !slices.Equal(left, []string{other.Path}) {
		t.Fatalf("the store holds %v, want only %s", left, other.Path)
	}
}

func testEmptyFile(t *testing.T, h Harness) {
	st := put(t, h.Store, "u", nil)
	if st.Size != 0 || st.SHA256 != sum(nil) || len(st.Head) != 0 {
		t.Fatalf("stored %+v", st)
	}
	f, err := h.Store.Open(context.Background(), st.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b, err := io.ReadAll(f); err != nil || len(b) != 0 {
		t.Fatalf("read %d bytes, %v", len(b), err)
	}
}

// pattern is a file of any size made on the fly, never held in memory:
// it repeats every patternPeriod bytes, a prime, so a range read from a
// wrong offset shows.
type pattern struct{ off, size int64 }

const patternPeriod = 1_000_003

var periodBytes = sync.OnceValue(func() []byte {
	b := make([]byte, patternPeriod)
	for i := range b {
		b[i] = byte((i*7 + i/4093) % 251)
	}
	return b
})

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.size {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.size-p.off)]
	n := 0
	for n < len(b) {
		n += copy(b[n:], periodBytes()[(p.off+int64(n))%patternPeriod:])
	}
	p.off += int64(n)
	return n, nil
}

func patternBytes(off, n int64) []byte {
	b := make([]byte, n)
	p := &pattern{off: off, size: off + n}
	io.ReadFull(p, b)
	return b
}

// A file larger than the store's buffers, of a size the store is not
// told, streams in and out: its hash and size are right, and writing it
// allocated far less than its size.
func testStreamsABigFile(t *testing.T, h Harness) {
	ctx := context.Background()
	size := h.Big + 12345
	periodBytes() // made before anything is measured
	want := sha256.New()
	io.Copy(want, &pattern{size: size})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	st, err := h.Store.Put(ctx, "user-big", &pattern{size: size}, size)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != size || st.SHA256 != hex.EncodeToString(want.Sum(nil)) {
		t.Fatalf("stored %d bytes, sha %s", st.Size, st.SHA256)
	}
	if alloc := int64(after.TotalAlloc - before.TotalAlloc); alloc >= size {
		t.Fatalf("writing %d bytes allocated %d: the file was held in memory", size, alloc)
	}
	f, err := h.Store.Open(ctx, st.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := sha256.New()
	runtime.ReadMemStats(&before)
	n, err := io.Copy(got, f)
	runtime.ReadMemStats(&after)
	if err != nil || n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("read back %d bytes, %v", n, err)
	}
	if alloc := int64(after.TotalAlloc - before.TotalAlloc); alloc >= size {
		t.Fatalf("reading %d bytes allocated %d: the file was held in memory", size, alloc)
	}
	// A range in the middle, after reading to the end.
	off := size/2 + 3
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 70000)
	if _, err := io.ReadFull(f, part); err != nil || !bytes.Equal(part, patternBytes(off, int64(len(part)))) {
		t.Fatalf("range at %d: %v", off, err)
	}
	if _, err := h.Store.Read(ctx, st.Path, size-1); core.ErrorCode(err) != core.ETOOLARGE {
		t.Fatalf("read of a big file past its bound: %v", err)
	}
}

// http.ServeContent, which serves uploads, answers ranges from the store.
func testRangeRequests(t *testing.T, h Harness) {
	data := patternBytes(0, 100000)
	st := put(t, h.Store, "u", data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := h.Store.Open(r.Context(), st.Path)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer f.Close()
		http.ServeContent(w, r, "", time.Time{}, f)
	}))
	defer srv.Close()
	for _, c := range []struct {
		rng      string
		from, to int // bytes [from, to)
	}{
		{"bytes=1000-1999", 1000, 2000},
		{"bytes=99990-", 99990, 100000},
		{"bytes=-10", 99990, 100000},
		{"bytes=0-0", 0, 1},
		{"", 0, 100000},
	} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if c.rng != "" {
			req.Header.Set("Range", c.rng)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		wantStatus := 206
		if c.rng == "" {
			wantStatus = 200
		}
		if res.StatusCode != wantStatus || !bytes.Equal(body, data[c.from:c.to]) {
			t.Errorf("Range %q: %d, %d bytes", c.rng, res.StatusCode, len(body))
		}
	}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Range", "bytes=200000-")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("range past the end: %d", res.StatusCode)
	}
}

func testSeek(t *testing.T, h Harness) {
	st := put(t, h.Store, "u", []byte("0123456789abcdef"))
	f, err := h.Store.Open(context.Background(), st.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	read := func(n int) string {
		b := make([]byte, n)
		if _, err := io.ReadFull(f, b); err != nil {
			t.Fatalf("read: %v", err)
		}
		return string(b)
	}
	seek := func(off int64, whence int, want int64) {
		if got, err := f.Seek(off, whence); err != nil || got != want {
			t.Fatalf("seek(%d, %d) = %d, %v; want %d", off, whence, got, err, want)
		}
	}
	if got := read(3); got != "012" {
		t.Fatalf("start: %q", got)
	}
	seek(10, io.SeekStart, 10)
	if got := read(4); got != "abcd" {
		t.Fatalf("after SeekStart: %q", got)
	}
	seek(-6, io.SeekCurrent, 8)
	if got := read(2); got != "89" {
		t.Fatalf("after SeekCurrent: %q", got)
	}
	seek(-3, io.SeekEnd, 13)
	if got := read(3); got != "def" {
		t.Fatalf("after SeekEnd: %q", got)
	}
	if n, err := f.Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Fatalf("read at the end: %d, %v", n, err)
	}
	seek(0, io.SeekStart, 0)
	if got := read(16); got != "0123456789abcdef" {
		t.Fatalf("again from the start: %q", got)
	}
	if _, err := f.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("seek before the start passed")
	}
}

func testMissing(t *testing.T, h Harness) {
	ctx := context.Background()
	key, err := core.NewBlobKey("nobody")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.Open(ctx, key); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("open: %v", err)
	}
	if _, err := h.Store.Read(ctx, key, 10); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("read: %v", err)
	}
	if err := h.Store.Remove(ctx, key); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if err := h.Store.RemoveUser(ctx, "nobody"); err != nil {
		t.Fatalf("remove user: %v", err)
	}
}

func wantNothingLeft(t *testing.T, h Harness) {
	t.Helper()
	if left := h.Leftovers(t); len(left) != 0 {
		t.Fatalf("left behind %v", left)
	}
}

func testTooLargeLeavesNothing(t *testing.T, h Harness) {
	_, err := h.Store.Put(context.Background(), "u", bytes.NewReader(make([]byte, 2048)), 1024)
	if core.ErrorCode(err) != core.ETOOLARGE {
		t.Fatalf("got %v", err)
	}
	wantNothingLeft(t, h)
	// Exactly the limit passes.
	if st, err := h.Store.Put(context.Background(), "u", bytes.NewReader(make([]byte, 1024)), 1024); err != nil || st.Size != 1024 {
		t.Fatalf("at the limit: %v", err)
	}
}

// A stream found too large only after several buffers (parts) were
// written is refused, and what was written goes.
func testTooLargeAfterManyBuffers(t *testing.T, h Harness) {
	_, err := h.Store.Put(context.Background(), "u", &pattern{size: h.Big + 1}, h.Big)
	if core.ErrorCode(err) != core.ETOOLARGE {
		t.Fatalf("got %v", err)
	}
	wantNothingLeft(t, h)
}

func testSourceError(t *testing.T, h Harness) {
	cut := core.Errorf(core.EINVALID, "cut off")
	for _, r := range []io.Reader{
		io.MultiReader(strings.NewReader("some bytes"), iotest.ErrReader(cut)),
		io.MultiReader(&pattern{size: h.Big / 2 * 3}, iotest.ErrReader(cut)),
	} {
		_, err := h.Store.Put(context.Background(), "u", r, 1<<40)
		if !errors.Is(err, cut) || core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("got %v", err)
		}
		wantNothingLeft(t, h)
	}
}

func testCanceledPut(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Store.Put(ctx, "u", strings.NewReader("x"), 10); err == nil {
		t.Fatal("a canceled put succeeded")
	}
	wantNothingLeft(t, h)
}

// Keys and user ids that are not what NewBlobKey makes never reach the
// disk or the bucket.
func testHostileKeys(t *testing.T, h Harness) {
	ctx := context.Background()
	st := put(t, h.Store, "victim", []byte("keep me"))
	for _, id := range []string{"../x", "a/b", "", "..", ".", strings.Repeat("a", 65), "a\x00b", "a b", "ü", "victim/..", "%2e%2e"} {
		if _, err := h.Store.Put(ctx, id, strings.NewReader("x"), 10); err == nil {
			t.Errorf("user id %q accepted", id)
		}
		if err := h.Store.RemoveUser(ctx, id); err == nil {
			t.Errorf("files of user id %q removed", id)
		}
	}
	good := st.Path
	for _, k := range []string{
		"", "../secret.key", "/etc/passwd", "victim/../../x", "victim/./x", "victim",
		"/" + good, good + "/", good + "/..", "./" + good, strings.Replace(good, "/", "//", 1),
		strings.Replace(good, "/", `\`, -1), strings.ToUpper(good[len(good)-32:]), good[:len(good)-1] + "g",
		"victim/zz/" + good[len(good)-32:], good + "\x00", "victim/" + good[len(good)-32:], strings.Repeat("a/", 40),
		"../victim/" + good[len("victim/"):],
	} {
		if _, err := h.Store.Read(ctx, k, 10); err == nil {
			t.Errorf("key %q read", k)
		}
		if _, err := h.Store.Open(ctx, k); err == nil {
			t.Errorf("key %q opened", k)
		}
		if err := h.Store.Remove(ctx, k); err == nil {
			t.Errorf("key %q removed", k)
		}
	}
	if got, err := h.Store.Read(ctx, good, 10); err != nil || string(got) != "keep me" {
		t.Fatalf("the good file: %q %v", got, err)
	}
}

func testRemoveUser(t *testing.T, h Harness) {
	ctx := context.Background()
	a1 := put(t, h.Store, "user-a", []byte("a1"))
	a2 := put(t, h.Store, "user-a", patternBytes(0, 3000))
	b1 := put(t, h.Store, "user-ab", []byte("b1")) // shares a prefix with user-a
	if err := h.Store.RemoveUser(ctx, "user-a"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{a1.Path, a2.Path} {
		if _, err := h.Store.Read(ctx, k, 10000); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("%s after the user's removal: %v", k, err)
		}
	}
	if got, err := h.Store.Read(ctx, b1.Path, 10); err != nil || string(got) != "b1" {
		t.Fatalf("another user's file: %q %v", got, err)
	}
	if left := h.Leftovers(t); !slices.Equal(left, []string{b1.Path}) {
		t.Fatalf("the store holds %v", left)
	}
}

// Bench writes a file of size bytes through the store and reads it back
// whole, b.N times: the throughput of a store (b.SetBytes counts both
// ways) and what one round trip allocates.
func Bench(b *testing.B, s core.BlobStore, size int64) {
	ctx := context.Background()
	periodBytes()
	b.SetBytes(2 * size)
	b.ReportAllocs()
	for b.Loop() {
		st, err := s.Put(ctx, "bench", &pattern{size: size}, size)
		if err != nil {
			b.Fatal(err)
		}
		f, err := s.Open(ctx, st.Path)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, f); err != nil || n != size {
			b.Fatalf("read %d bytes: %v", n, err)
		}
		f.Close()
		if err := s.Remove(ctx, st.Path); err != nil {
			b.Fatal(err)
		}
	}
}
