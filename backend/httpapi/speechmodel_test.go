package httpapi_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"sentry/backend/jobtest"
	"sentry/backend/modelmgr"
)

// A known speech model is downloaded by its name: no address or checksum
// to paste. Bad names are a 400 naming the field; a team server refuses.
func TestSpeechModelDownloadByName(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{"m/am/final.mdl": "am", "m/conf/mfcc.conf": "--sample-frequency=16000", "m/graph/HCLG.fst": "g"} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	data := buf.Bytes()
	saved := modelmgr.Known
	modelmgr.Known = append(append([]modelmgr.KnownModel(nil), saved...), modelmgr.KnownModel{ID: "vosk-model-test-0.1", Language: "Test", Lang: "xx", Size: int64(len(data))})
	t.Cleanup(func() { modelmgr.Known = saved })
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/vosk/vosk-model-test-0.1.zip" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	}))
	t.Cleanup(site.Close)

	b := newBackend(t, true)
	b.app.Models.CatalogBase = site.URL + "/vosk/"
	me := localAccount(t, b)
	_, body := b.do("GET", "/api/settings/speech-model", me.Access, nil)
	if !strings.Contains(string(body), `"id":"vosk-model-small-en-us-0.15"`) {
		t.Fatalf("the status offers no list: %s", body)
	}
	for _, tc := range []struct {
		name string
		body any
	}{
		{"unknown name", map[string]any{"model": "vosk-model-nope"}},
		{"nothing", map[string]any{}},
		{"both", map[string]any{"model": "vosk-model-test-0.1", "url": "https://x.example/m.zip", "sha256": strings.Repeat("a", 64)}},
	} {
		res, body := b.do("POST", "/api/settings/speech-model/download", me.Access, tc.body)
		if _, field := errorOf(t, body); res.StatusCode != 400 || field != "model" {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body)
		}
	}
	res, body := b.do("POST", "/api/settings/speech-model/download", me.Access, map[string]any{"model": "vosk-model-test-0.1"})
	if res.StatusCode != 202 || !strings.Contains(string(body), `"model":"vosk-model-test-0.1"`) {
		t.Fatalf("start: %d %s", res.StatusCode, body)
	}
	var st struct {
		Ready    bool   `json:"ready"`
		Path     string `json:"path"`
		Download struct {
			State, Error, SHA256 string
		} `json:"download"`
	}
	jobtest.Wait(t, "the speech model download", func() (bool, string) {
		_, body := b.do("GET", "/api/settings/speech-model", me.Access, nil)
		_ = json.Unmarshal(body, &st)
		return st.Download.State == "done" || st.Download.State == "failed", st.Download.State
	})
	if !st.Ready || st.Download.State != "done" || len(st.Download.SHA256) != 64 || !strings.Contains(st.Path, "vosk-model-test-0.1-") {
		t.Fatalf("after: %+v", st)
	}

	server := newBackend(t, false)
	acc := server.signUp("speech@example.com")
	res, body = server.do("POST", "/api/settings/speech-model/download", acc.Access, map[string]any{"model": "vosk-model-small-en-us-0.15"})
	if res.StatusCode != 403 || strings.Contains(string(body), "SENTRY_") {
		t.Fatalf("server: %d %s", res.StatusCode, body)
	}
}
