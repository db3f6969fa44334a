package modelmgr_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sentry/backend/core"
	"sentry/backend/modelmgr"
)

// withKnown adds a model to the list for one test.
func withKnown(t *testing.T, k modelmgr.KnownModel) {
	t.Helper()
	saved := modelmgr.Known
	modelmgr.Known = append(append([]modelmgr.KnownModel(nil), saved...), k)
	t.Cleanup(func() { modelmgr.Known = saved })
}

// catalog serves archives by name, as the model list's site does, and
// records the paths asked for.
func catalog(t *testing.T, files map[string][]byte) (string, *[]string) {
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		data, ok := files[strings.TrimPrefix(r.URL.Path, "/models/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/models/", &asked
}

func TestTheListNamesRealModels(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range modelmgr.Known {
		if !strings.HasPrefix(k.ID, "vosk-model-") || k.Language == "" || k.Lang == "" || k.Size < 30_000_000 || seen[k.ID] {
			t.Errorf("entry %+v", k)
		}
		if k.SHA256 != "" && len(k.SHA256) != 64 {
			t.Errorf("%s: a pinned checksum is 64 hex digits", k.ID)
		}
		seen[k.ID] = true
	}
	if !seen["vosk-model-small-en-us-0.15"] {
		t.Fatal("the usual English model is not offered")
	}
}

func TestDownloadAKnownModelByName(t *testing.T) {
	data, sum := modelZip(t, nil)
	withKnown(t, modelmgr.KnownModel{ID: "vosk-model-test-0.1", Language: "Test", Lang: "xx", Size: int64(len(data))})
	base, asked := catalog(t, map[string][]byte{"vosk-model-test-0.1.zip": data})
	m := newManager(t)
	m.CatalogBase = base
	st := m.Status(context.Background())
	if len(st.Catalog) != len(modelmgr.Known) || st.Catalog[0].ID != "vosk-model-small-en-us-0.15" {
		t.Fatalf("the status does not offer the list: %d entries", len(st.Catalog))
	}
	if _, err := m.StartKnown(context.Background(), "vosk-model-test-0.1"); err != nil {
		t.Fatal(err)
	}
	j := finished(t, m)
	if j.State != "done" || j.Model != "vosk-model-test-0.1" || j.SHA256 != sum || j.Progress != 1 {
		t.Fatalf("job %+v", j)
	}
	if len(*asked) != 1 || (*asked)[0] != "/models/vosk-model-test-0.1.zip" {
		t.Fatalf("asked for %v", *asked)
	}
	st = m.Status(context.Background())
	if !st.Ready || filepath.Base(st.Path) != "vosk-model-test-0.1-"+sum[:8] {
		t.Fatalf("after: %+v", st)
	}
}

func TestAKnownModelOfTheWrongSizeIsNotInstalled(t *testing.T) {
	data, _ := modelZip(t, nil)
	withKnown(t, modelmgr.KnownModel{ID: "vosk-model-test-0.1", Language: "Test", Lang: "xx", Size: 40 * 1_000_000})
	base, _ := catalog(t, map[string][]byte{"vosk-model-test-0.1.zip": data})
	m := newManager(t)
	m.CatalogBase = base
	if _, err := m.StartKnown(context.Background(), "vosk-model-test-0.1"); err != nil {
		t.Fatal(err)
	}
	if j := finished(t, m); j.State != "failed" || !strings.Contains(j.Error, "not the 40 MB the model list gives") {
		t.Fatalf("job %+v", j)
	}
	if st := m.Status(context.Background()); st.Ready || st.Path != "" {
		t.Fatalf("a download of the wrong size was installed: %+v", st)
	}
}

func TestAPinnedChecksumMustMatch(t *testing.T) {
	data, _ := modelZip(t, nil)
	withKnown(t, modelmgr.KnownModel{ID: "vosk-model-test-0.1", Language: "Test", Lang: "xx", Size: int64(len(data)), SHA256: strings.Repeat("0", 64)})
	base, _ := catalog(t, map[string][]byte{"vosk-model-test-0.1.zip": data})
	m := newManager(t)
	m.CatalogBase = base
	if _, err := m.StartKnown(context.Background(), "vosk-model-test-0.1"); err != nil {
		t.Fatal(err)
	}
	if j := finished(t, m); j.State != "failed" || !strings.Contains(j.Error, "checksum") {
		t.Fatalf("job %+v", j)
	}
}

func TestAnUnknownNameIsRefused(t *testing.T) {
	m := newManager(t)
	_, err := m.StartKnown(context.Background(), "../../etc/passwd")
	if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != "model" {
		t.Fatalf("got %v", err)
	}
}
