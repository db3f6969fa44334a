package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/upload"
	"sentry/sync/client"
)

// fileTransport is the real HTTP path that can break file transfers: it
// lets through a number of file chunks of one method, then fails the rest
// as a dropped connection would, and records the range of each.
type fileTransport struct {
	mu     sync.Mutex
	method string // PUT or GET: the chunks that may break
	allow  int    // chunks let through before the connection breaks (-1: all)
	ranges map[string][]string
}

func (f *fileTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/api/sync/blobs/") && (r.Method == "PUT" || r.Method == "GET") {
		f.mu.Lock()
		rng := r.Header.Get("Content-Range")
		if r.Method == "GET" {
			rng = r.Header.Get("Range")
		}
		f.ranges[r.Method] = append(f.ranges[r.Method], rng)
		broken := r.Method == f.method && f.allow == 0
		if r.Method == f.method && f.allow > 0 {
			f.allow--
		}
		f.mu.Unlock()
		if broken {
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, errors.New("read: connection reset by peer")
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (f *fileTransport) breakAfter(method string, n int) {
	f.mu.Lock()
	f.method, f.allow = method, n
	f.mu.Unlock()
}

func (f *fileTransport) sent(method string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ranges[method]...)
}

// fileDevice is a device whose engine is the app's own (NewSyncEngine's
// options: files on), over a transport that can break transfers.
type fileDevice struct {
	*device
	files *fileTransport
}

// chunk is the size files move in here: small, so a file of a few
// hundred kilobytes takes several chunks.
const testChunk = 64 << 10

func newFileDevice(t *testing.T, name string) *fileDevice {
	t.Helper()
	return openFileDevice(t, name, t.TempDir())
}

// openFileDevice starts a device on a data folder (again, after a restart).
func openFileDevice(t *testing.T, name, dir string) *fileDevice {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = dir
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	u, err := a.LocalUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := core.NewContextWithUser(context.Background(), u)
	o, err := a.SyncEngineOptions(ctx, &client.FileSecrets{Path: filepath.Join(cfg.DataDir, app.SyncTokenFile)})
	if err != nil {
		t.Fatal(err)
	}
	ft := &fileTransport{allow: -1, ranges: map[string][]string{}}
	o.HTTP = &http.Client{Transport: ft, Timeout: time.Minute}
	o.DeviceName = name
	o.Files.Chunk = testChunk
	d := &device{t: t, name: name, app: a, user: u, ctx: ctx, eng: client.New(o), net: &faultyTransport{}}
	return &fileDevice{device: d, files: ft}
}

// syncFiles is a `sync now` whose rows must all go; files may not.
func (d *fileDevice) syncFiles() client.Result {
	d.t.Helper()
	r, err := d.eng.SyncNow(d.ctx)
	if err != nil {
		d.t.Fatalf("%s: sync: %v", d.name, err)
	}
	return r
}

// TestSyncFilesBetweenDevices: a text file added to a notebook on one
// device arrives byte for byte on the person's other device and is
// indexed there (its passages found by a search); an upload and a
// download broken after their first chunk go on from where they stopped,
// the download after its app was restarted.
func TestSyncFilesBetweenDevices(t *testing.T) { onBothStores(t, testSyncFiles) }

func testSyncFiles(t *testing.T, dbURL string) {
	srv := newServingSyncServer(t, dbURL)
	srv.account("files@example.com", "files-sync-pass-1")
	laptop, desk := newFileDevice(t, "laptop"), newFileDevice(t, "desk")
	srv.connect(t, "files@example.com", "files-sync-pass-1", laptop.device, desk.device)

	// A text file of a few chunks, with one passage to find.
	var text bytes.Buffer
	for i := 0; text.Len() < 4*testChunk-1000; i++ {
		fmt.Fprintf(&text, "Paragraph %d of the field notes. The survey team walked the northern ridge and counted the birds.\n\n", i)
		if i == 700 {
			text.WriteString("The zebracorn was seen near the old quarry at dawn.\n\n")
		}
	}
	data := text.Bytes()
	nb, err := laptop.app.Notebooks.Create(laptop.ctx, "Field research", "")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := laptop.app.Notebooks.Upload(laptop.ctx, nb.ID, upload.Put{Filename: "field-notes.txt", Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}

	// The laptop's upload breaks after its first chunk: the rows go, the
	// file waits with what the server has.
	laptop.files.breakAfter("PUT", 1)
	r := laptop.syncFiles()
	if r.Pushed < 3 || r.BlobsSent != 0 || r.BlobsPending != 1 || r.BlobError == "" {
		t.Fatalf("laptop's broken sync: %+v", r)
	}
	if st, err := laptop.eng.Status(laptop.ctx); err != nil || st.BlobUploadsPending != 1 {
		t.Fatalf("laptop's status while the file waits: %+v %v", st, err)
	}
	laptop.files.breakAfter("PUT", -1)
	r = laptop.syncFiles()
	if r.BlobsSent != 1 || r.BlobsPending != 0 || r.BlobError != "" {
		t.Fatalf("laptop's sync after the break: %+v", r)
	}
	puts := laptop.files.sent("PUT")
	fromStart := 0
	for _, p := range puts {
		if strings.HasPrefix(p, "bytes 0-") {
			fromStart++
		}
	}
	if fromStart != 1 || len(puts) != 5 || puts[2] != puts[1] {
		t.Fatalf("the upload started over instead of going on from its offset: %q", puts)
	}
	if st, err := laptop.eng.Status(laptop.ctx); err != nil || st.BlobUploadsPending != 0 {
		t.Fatalf("laptop's status after: %+v %v", st, err)
	}

	// The desk gets the rows; its download breaks after a chunk, then goes
	// on from there.
	desk.files.breakAfter("GET", 1)
	r = desk.syncFiles()
	if r.Pulled < 3 || r.BlobsReceived != 0 || r.BlobsPending != 1 {
		t.Fatalf("desk's broken sync: %+v", r)
	}
	if st, err := desk.eng.Status(desk.ctx); err != nil || st.BlobDownloadsPending != 1 {
		t.Fatalf("desk's status while the file comes: %+v %v", st, err)
	}
	got, err := desk.app.Notebooks.Document(desk.ctx, nb.ID, doc.ID)
	if err != nil {
		t.Fatalf("the document did not reach the desk: %v", err)
	}
	if got.Status == core.DocReady {
		t.Fatalf("the desk indexed a document whose file is not there: %+v", got)
	}
	// The desk's app stops and starts again: the transfer and its offset
	// were kept.
	dir := desk.app.Config.DataDir
	desk.app.Close()
	before := desk.files.sent("GET")
	desk = openFileDevice(t, "desk", dir)
	desk.files.ranges["GET"] = before
	r = desk.syncFiles()
	if r.BlobsReceived != 1 || r.BlobsPending != 0 || r.BlobError != "" {
		t.Fatalf("desk's sync after the break: %+v", r)
	}
	gets := desk.files.sent("GET")
	if len(gets) != 5 || gets[0] != "bytes=0-65535" || gets[1] != gets[2] || gets[2] != "bytes=65536-131071" {
		t.Fatalf("the download started over instead of going on from its offset: %q", gets)
	}
	up, err := desk.app.DB.FindUploadByID(desk.ctx, doc.UploadID)
	if err != nil || up.StoragePath == "" {
		t.Fatalf("the desk's upload row has no bytes: %+v %v", up, err)
	}
	onDesk, err := desk.app.Uploads.Read(desk.ctx, up)
	if err != nil || !bytes.Equal(onDesk, data) {
		t.Fatalf("the desk's copy differs (%d bytes, want %d): %v", len(onDesk), len(data), err)
	}

	// And the desk indexes it: the passage is found there.
	for {
		got, err = desk.app.Notebooks.Document(desk.ctx, nb.ID, doc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == core.DocReady || got.Status == core.DocFailed {
			break
		}
		if t.Context().Err() != nil {
			t.Fatalf("the desk never indexed the document: %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got.Status != core.DocReady || got.ChunkCount == 0 {
		t.Fatalf("the desk's index of the document: %+v", got)
	}
	hits, err := desk.app.Notebooks.Search(desk.ctx, nb.ID, "zebracorn quarry", 3)
	if err != nil || len(hits) == 0 || !strings.Contains(hits[0].Text, "zebracorn") {
		t.Fatalf("search on the desk: %+v %v", hits, err)
	}
}
