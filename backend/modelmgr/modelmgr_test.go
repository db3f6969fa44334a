package modelmgr_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sentry/backend/jobtest"
	"sentry/backend/modelmgr"
	"sentry/backend/vosk"
)

type settings struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *settings) GetSetting(_ context.Context, k string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k], nil
}
func (s *settings) SetSetting(_ context.Context, k, v string) error {
	s.mu.Lock()
	s.m[k] = v
	s.mu.Unlock()
	return nil
}

// modelZip builds an archive shaped like a Vosk model, plus extra entries.
func modelZip(t *testing.T, extra map[string]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := map[string]string{"vosk-model-tiny/am/final.mdl": "am", "vosk-model-tiny/conf/mfcc.conf": "--sample-frequency=16000",
		"vosk-model-tiny/graph/HCLG.fst": "graph", "vosk-model-tiny/README": "tiny test model"}
	for k, v := range extra {
		files[k] = v
	}
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:])
}

func serve(t *testing.T, data []byte) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/vosk-model-tiny.zip"
}

// finished waits for m's download to end, by its own progress, and
// returns it.
func finished(t *testing.T, m *modelmgr.Manager) modelmgr.Job {
	t.Helper()
	var j modelmgr.Job
	jobtest.Wait(t, "the model download", func() (bool, string) {
		if d := m.Status(context.Background()).Download; d != nil {
			j = *d
		}
		return j.State == "done" || j.State == "failed", jobtest.State(j.State, j.Bytes, j.Progress, j.Error)
	})
	return j
}

func newManager(t *testing.T) *modelmgr.Manager {
	return &modelmgr.Manager{Dir: filepath.Join(t.TempDir(), "models"), Check: vosk.CheckModel, Settings: &settings{m: map[string]string{}}}
}

func TestDownloadVerifyUnpackSelect(t *testing.T) {
	m := newManager(t)
	data, sum := modelZip(t, nil)
	if st := m.Status(context.Background()); st.Ready || st.Problem == "" {
		t.Fatalf("before: %+v", st)
	}
	if _, err := m.Start(context.Background(), serve(t, data), sum); err != nil {
		t.Fatal(err)
	}
	j := finished(t, m)
	if j.State != "done" || j.Bytes != int64(len(data)) || j.Progress != 1 {
		t.Fatalf("job %+v", j)
	}
	st := m.Status(context.Background())
	if !st.Ready || !strings.HasPrefix(st.Path, m.Dir) {
		t.Fatalf("after: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(st.Path, "am", "final.mdl")); err != nil {
		t.Fatal(err)
	}
}

func TestChecksumMismatchInstallsNothing(t *testing.T) {
	m := newManager(t)
	data, _ := modelZip(t, nil)
	if _, err := m.Start(context.Background(), serve(t, data), strings.Repeat("0", 64)); err != nil {
		t.Fatal(err)
	}
	if j := finished(t, m); j.State != "failed" || !strings.Contains(j.Error, "checksum") {
		t.Fatalf("job %+v", j)
	}
	if st := m.Status(context.Background()); st.Ready {
		t.Fatal("a model was selected")
	}
	entries, _ := os.ReadDir(m.Dir)
	if len(entries) != 0 {
		t.Fatalf("left %d entries behind", len(entries))
	}
}

func TestZipSlipRefused(t *testing.T) {
	m := newManager(t)
	data, sum := modelZip(t, map[string]string{"../../escaped.txt": "gotcha"})
	m.Start(context.Background(), serve(t, data), sum)
	if j := finished(t, m); j.State != "failed" || !strings.Contains(j.Error, "leaves its folder") {
		t.Fatalf("job %+v", j)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(m.Dir)), "escaped.txt")); err == nil {
		t.Fatal("a file escaped the models folder")
	}
}

func TestNotAModelRefused(t *testing.T) {
	m := newManager(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("photos/cat.jpg")
	w.Write([]byte("meow"))
	zw.Close()
	sum := sha256.Sum256(buf.Bytes())
	m.Start(context.Background(), serve(t, buf.Bytes()), hex.EncodeToString(sum[:]))
	if j := finished(t, m); j.State != "failed" || !strings.Contains(j.Error, "not a Vosk speech model") {
		t.Fatalf("job %+v", j)
	}
}

func TestInputValidationAndFolderChoice(t *testing.T) {
	m := newManager(t)
	for _, bad := range []struct{ url, sum string }{
		{"ftp://x/m.zip", strings.Repeat("a", 64)}, {"http://example.com/m.zip", strings.Repeat("a", 64)}, {"https://x/m.zip", "abc"},
	} {
		if _, err := m.Start(context.Background(), bad.url, bad.sum); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
	if err := m.UseFolder(context.Background(), "relative/dir"); err == nil {
		t.Error("relative folder accepted")
	}
	if err := m.UseFolder(context.Background(), t.TempDir()); err == nil {
		t.Error("empty folder accepted")
	}
	dir := t.TempDir()
	for _, f := range []string{"am/final.mdl", "conf/mfcc.conf", "graph/HCLG.fst"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o700)
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600)
	}
	if err := m.UseFolder(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if st := m.Status(context.Background()); !st.Ready || st.Path != dir {
		t.Fatalf("after choosing: %+v", st)
	}
}

// slowSettings holds the folder's selection until released, as a busy
// database would.
type slowSettings struct {
	settings
	selecting chan struct{} // closed when SetSetting begins
	release   chan struct{}
}

func (s *slowSettings) SetSetting(ctx context.Context, k, v string) error {
	close(s.selecting)
	<-s.release
	return s.settings.SetSetting(ctx, k, v)
}

// A status read while the downloaded folder is being selected never says
// done without naming the folder (Settings would show "done" beside "no
// speech model yet").
func TestStatusDuringSelectionIsConsistent(t *testing.T) {
	st := &slowSettings{settings: settings{m: map[string]string{}}, selecting: make(chan struct{}), release: make(chan struct{})}
	m := &modelmgr.Manager{Dir: filepath.Join(t.TempDir(), "models"), Check: vosk.CheckModel, Settings: st}
	data, sum := modelZip(t, nil)
	if _, err := m.Start(context.Background(), serve(t, data), sum); err != nil {
		t.Fatal(err)
	}
	<-st.selecting
	got := make(chan modelmgr.Status)
	go func() { got <- m.Status(context.Background()) }()
	// Let the status read begin before the selection is stored.
	time.Sleep(50 * time.Millisecond)
	close(st.release)
	s := <-got
	if s.Download != nil && s.Download.State == "done" && (!s.Ready || s.Path == "") {
		t.Fatalf("done without the folder: %+v", s)
	}
	if j := finished(t, m); j.State != "done" {
		t.Fatalf("job %+v", j)
	}
}
