package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/upload"
	"sentry/sync/client"
)

// switchTransport takes the device off the network while down is set.
type switchTransport struct {
	down atomic.Bool
	next http.RoundTripper
}

func (s *switchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.down.Load() {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errors.New("dial tcp: connect: network is unreachable")
	}
	return s.next.RoundTrip(r)
}

// openDevice is a device whose window is open: the desktop's local API
// (in process, signed in as the local profile), files downloaded at sync
// only up to eagerMax bytes, and a switch to take it offline.
type openDevice struct {
	*fileDevice
	net   *switchTransport
	token string
}

func newOpenDevice(t *testing.T, name string, eagerMax int64) *openDevice {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Desktop = true
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
	sw := &switchTransport{next: ft}
	o.HTTP = &http.Client{Transport: sw, Timeout: time.Minute}
	o.DeviceName = name
	o.Files.Chunk = testChunk
	o.Files.EagerMax = eagerMax
	d := &device{t: t, name: name, app: a, user: u, ctx: ctx, eng: client.New(o), net: &faultyTransport{}}
	od := &openDevice{fileDevice: &fileDevice{device: d, files: ft}, net: sw}
	var sess struct {
		AccessToken string `json:"access_token"`
	}
	if code, body := od.local("POST", "/api/auth/local-session"); code != 200 || json.Unmarshal(body, &sess) != nil || sess.AccessToken == "" {
		t.Fatalf("%s: local sign-in: %d %s", name, code, body)
	} else {
		od.token = sess.AccessToken
	}
	return od
}

// local calls the device's own API as its window does.
func (d *openDevice) local(method, path string) (int, []byte) {
	d.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if d.token != "" {
		req.Header.Set("Authorization", "Bearer "+d.token)
	}
	w := httptest.NewRecorder()
	d.app.Handler().ServeHTTP(w, req)
	body, _ := io.ReadAll(w.Result().Body)
	return w.Code, body
}

// historyDownload is an upload's download state in the device's upload
// history (nil when its bytes are here).
func (d *openDevice) historyDownload(id string) *core.FileFetch {
	d.t.Helper()
	code, body := d.local("GET", "/api/uploads/history/"+d.user.ID)
	var h struct{ Uploads []*core.Upload }
	if code != 200 || json.Unmarshal(body, &h) != nil {
		d.t.Fatalf("%s: upload history: %d %s", d.name, code, body)
	}
	for _, u := range h.Uploads {
		if u.ID == id {
			return u.Download
		}
	}
	d.t.Fatalf("%s: upload %s is not in the history: %s", d.name, id, body)
	return nil
}

// open opens a file as the window does until its bytes come (each 202
// saying how far the download got), and returns them.
func (d *openDevice) open(path string, size int) []byte {
	d.t.Helper()
	var last int64 = -1
	bound := time.Now().Add(waitBound)
	for answers := 0; ; answers++ {
		code, body := d.local("GET", path)
		if code == 200 {
			if answers == 0 {
				d.t.Fatalf("%s: %s was served at once: it was never left on the server", d.name, path)
			}
			return body
		}
		var p core.FileFetch
		if code != 202 || json.Unmarshal(body, &p) != nil || p.State != core.FileDownloading || p.Size != int64(size) || p.Received < last || p.Received > p.Size {
			d.t.Fatalf("%s: open %s while it downloads: %d %s (before: %d bytes)", d.name, path, code, body, last)
		}
		last = p.Received
		if time.Now().After(bound) {
			d.t.Fatalf("%s: %s never arrived (last: %s)", d.name, path, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitBound is how long a download may take here before the test gives up
// on it: an outer bound for a broken build, not a speed target.
const waitBound = 2 * time.Minute

// TestSyncFilesDownloadOnOpen: a file over the eager limit is left on the
// team server at sync and comes, in chunks, when the person opens it on
// their other device — its bytes equal the original; while the device is
// offline, opening it says the file is on the team server and downloads
// when connected, and it does once the device is back.
func TestSyncFilesDownloadOnOpen(t *testing.T) { onBothStores(t, testSyncFilesOnOpen) }

func testSyncFilesOnOpen(t *testing.T, dbURL string) {
	srv := newServingSyncServer(t, dbURL)
	srv.account("opens@example.com", "open-files-pass-1")
	const eagerMax = 3 * testChunk
	laptop := newFileDevice(t, "laptop")
	desk := newOpenDevice(t, "desk", eagerMax)
	srv.connect(t, "opens@example.com", "open-files-pass-1", laptop.device, desk.device)

	// A small note, and two recordings' transcripts over the limit (a few
	// chunks each).
	text := func(n int, what string) []byte {
		var b bytes.Buffer
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, "%s, line %d: the committee went through the budget line by line.\n", what, i)
		}
		return b.Bytes()
	}
	small, big, big2, big3 := text(10<<10, "note"), text(5*testChunk+1234, "minutes"), text(4*testChunk+99, "appendix"), text(4*testChunk, "annex")
	put := func(name string, data []byte) *core.Upload {
		up, err := laptop.app.Uploads.Store(laptop.ctx, upload.Put{Filename: name, Body: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		return up
	}
	upSmall, upBig, upBig2, upBig3 := put("note.txt", small), put("minutes.txt", big), put("appendix.txt", big2), put("annex.txt", big3)
	if r := laptop.syncFiles(); r.BlobsSent != 4 || r.BlobsPending != 0 {
		t.Fatalf("laptop's sync: %+v", r)
	}

	// At sync the desk takes the small file only.
	if r := desk.syncFiles(); r.Pulled < 3 || r.BlobsReceived != 1 || r.BlobsPending != 0 || r.BlobError != "" {
		t.Fatalf("desk's sync: %+v", r)
	}
	for _, c := range []struct {
		up   *core.Upload
		here bool
	}{{upSmall, true}, {upBig, false}, {upBig2, false}, {upBig3, false}} {
		got, err := desk.app.DB.FindUploadByID(desk.ctx, c.up.ID)
		if err != nil || (got.StoragePath != "") != c.here {
			t.Fatalf("desk's %s after sync: here=%v, want %v (%v)", c.up.Filename, got != nil && got.StoragePath != "", c.here, err)
		}
	}
	st, err := desk.eng.Status(desk.ctx)
	if err != nil || st.BlobsOnServer != 3 || st.BlobsOnServerBytes != int64(len(big)+len(big2)+len(big3)) || st.BlobDownloadsPending != 0 {
		t.Fatalf("desk's status with three files on the server: %+v %v", st, err)
	}
	// `sentry sync status` says so, in words and in its JSON.
	var out bytes.Buffer
	printSyncStatus(&out, st)
	js, _ := json.Marshal(st)
	if !strings.Contains(out.String(), "On the team server until opened: 3 large files") ||
		!strings.Contains(string(js), fmt.Sprintf(`"blobs_on_server":3,"blobs_on_server_bytes":%d`, len(big)+len(big2)+len(big3))) {
		t.Fatalf("sync status with three files on the server:\n%s\n%s", out.String(), js)
	}
	fetchedAtSync := len(desk.files.sent("GET"))

	// The window is open: the sync loop runs and opens reach the engine.
	stop := desk.app.StartSync(context.Background(), desk.eng)
	t.Cleanup(stop)
	if p := desk.historyDownload(upBig.ID); p == nil || p.State != core.FileOnServer || p.Size != int64(len(big)) {
		t.Fatalf("the desk's history shows the big file as %+v, want on the server", p)
	}
	if p := desk.historyDownload(upSmall.ID); p != nil {
		t.Fatalf("the desk's history shows the small file, which is here, as %+v", p)
	}

	// Offline, opening it says where it is and that it comes when
	// connected — for a person, not a 404 or a 500.
	desk.net.down.Store(true)
	for _, path := range []string{"/api/uploads/" + upBig2.ID + "/content", "/api/uploads/" + upBig2.ID + "/download"} {
		method := "GET"
		if strings.HasSuffix(path, "/download") {
			method = "POST"
		}
		code, body := desk.local(method, path)
		var e struct {
			Error struct{ Code, Message string }
		}
		if code != 503 || json.Unmarshal(body, &e) != nil || e.Error.Code != core.EUNAVAILABLE ||
			!strings.Contains(e.Error.Message, "on the team server") || !strings.Contains(e.Error.Message, "when this device is connected") {
			t.Fatalf("offline %s %s: %d %s", method, path, code, body)
		}
	}
	desk.net.down.Store(false)

	// Opened online, the big file comes in chunks through the same
	// resumable path as the small ones, and is served once here.
	got := desk.open("/api/uploads/"+upBig.ID+"/content", len(big))
	if !bytes.Equal(got, big) {
		t.Fatalf("the file opened on the desk differs from the laptop's (%d bytes, want %d)", len(got), len(big))
	}
	gets := desk.files.sent("GET")[fetchedAtSync:]
	if len(gets) < 6 || gets[0] != "bytes=0-65535" {
		t.Fatalf("the big file did not come in chunks from the start: %q", gets)
	}
	if p := desk.historyDownload(upBig.ID); p != nil {
		t.Fatalf("the desk's history still shows the opened file as %+v", p)
	}

	// The file opened while offline was kept to download once connected:
	// the loop brings it without another open.
	bound := time.Now().Add(waitBound)
	for desk.historyDownload(upBig2.ID) != nil {
		if time.Now().After(bound) {
			t.Fatal("the file opened while offline never came once the desk was back online")
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, body := desk.local("POST", "/api/uploads/"+upBig2.ID+"/download")
	var p core.FileFetch
	if code != 200 || json.Unmarshal(body, &p) != nil || p.State != core.FileHere || p.Received != int64(len(big2)) {
		t.Fatalf("download of a file that is here: %d %s", code, body)
	}
	if code, body := desk.local("GET", "/api/uploads/"+upBig2.ID+"/content"); code != 200 || !bytes.Equal(body, big2) {
		t.Fatalf("the second file on the desk: %d, %d bytes, want %d", code, len(body), len(big2))
	}
	// Every download breaks: the Download action still answers how far it
	// got, with why the last try failed, while it is tried again; once the
	// connection holds, the file comes.
	desk.files.breakAfter("GET", 0)
	bound = time.Now().Add(waitBound)
	for {
		code, body := desk.local("POST", "/api/uploads/"+upBig3.ID+"/download")
		var p core.FileFetch
		if code != 202 || json.Unmarshal(body, &p) != nil || p.State != core.FileDownloading {
			t.Fatalf("open while downloads break: %d %s", code, body)
		}
		if strings.Contains(p.Retrying, "can't be reached") {
			break
		}
		if time.Now().After(bound) {
			t.Fatalf("a download that keeps breaking never said so: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	desk.files.breakAfter("GET", -1)

	if got := desk.open("/api/uploads/"+upBig3.ID+"/content", len(big3)); !bytes.Equal(got, big3) {
		t.Fatalf("the file whose downloads broke differs (%d bytes, want %d)", len(got), len(big3))
	}
	if st, err := desk.eng.Status(desk.ctx); err != nil || st.BlobsOnServer != 0 || st.BlobDownloadsPending != 0 {
		t.Fatalf("desk's status with every file here: %+v %v", st, err)
	}
}
