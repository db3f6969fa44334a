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
	"time"

	"sentry/backend/config"
	"sentry/backend/jobtest"
	"sentry/backend/modelmgr"
)

// A known speech model is downloaded by its name: no address or checksum
// to paste. Bad names are a 400 naming the field; a team server refuses.
func TestSpeechModelDownloadByName(t *testing.T) {
	site := speechModelSite(t)

	b := newBackend(t, true)
	b.app.Models.CatalogBase = site + "/vosk/"
	me := localAccount(t, b)
	_, body := b.do("GET", "/api/settings/speech-model", me.Access, nil)
	if !strings.Contains(string(body), `"id":"vosk-model-small-en-us-0.15"`) || !strings.Contains(string(body), `"editable":true,"folder":true,"shared":false`) {
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

// speechModelSite serves a small model archive as the known model
// "vosk-model-test-0.1" of the list, under <site>/vosk/.
func speechModelSite(t *testing.T) string {
	t.Helper()
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
	return site.URL
}

// On a team server the speech model is the server's, used for everyone's
// recordings: its administrators (email confirmed) download one of the
// list by name — never an address or a folder of the server's machine —
// and every other user sees it and is refused.
func TestSpeechModelOnAServerIsTheAdministrators(t *testing.T) {
	site := speechModelSite(t)
	b, smtp := newMailBackend(t, func(c *config.Config) { c.Admins = []string{"boss@example.com"} })
	b.app.Models.CatalogBase = site + "/vosk/"
	member := b.signUp("member@example.com")
	boss := b.signUp("boss@example.com")
	code := lastCode(t, b, smtp, "boss@example.com", "confirm")
	if res, body := b.do("POST", "/api/auth/verify-email", "", map[string]any{"email": "boss@example.com", "code": code}); res.StatusCode != 200 {
		t.Fatalf("confirm: %d %s", res.StatusCode, body)
	}
	type who struct{ Editable, Folder, Shared, Ready bool }
	status := func(acc account) who {
		t.Helper()
		res, body := b.do("GET", "/api/settings/speech-model", acc.Access, nil)
		var w who
		if err := json.Unmarshal(body, &w); err != nil || res.StatusCode != 200 {
			t.Fatalf("status: %d %s", res.StatusCode, body)
		}
		return w
	}
	if w := status(member); w.Editable || w.Folder || !w.Shared {
		t.Fatalf("a member: %+v", w)
	}
	if w := status(boss); !w.Editable || w.Folder || !w.Shared {
		t.Fatalf("an administrator: %+v", w)
	}
	for _, c := range []struct {
		name, method, path string
		acc                account
		body               any
		says               string
	}{
		{"a member's download", "POST", "/api/settings/speech-model/download", member, map[string]any{"model": "vosk-model-test-0.1"}, "administrators"},
		{"a member's folder", "PUT", "/api/settings/speech-model", member, map[string]any{"path": "/tmp"}, "administrators"},
		{"an administrator's address", "POST", "/api/settings/speech-model/download", boss, map[string]any{"url": site + "/vosk/vosk-model-test-0.1.zip", "sha256": strings.Repeat("a", 64)}, "from the list"},
		{"an administrator's folder", "PUT", "/api/settings/speech-model", boss, map[string]any{"path": "/tmp"}, "from the list"},
	} {
		res, body := b.do(c.method, c.path, c.acc.Access, c.body)
		if code, _ := errorOf(t, body); res.StatusCode != 403 || code != "forbidden" || !strings.Contains(string(body), c.says) {
			t.Errorf("%s: %d %s", c.name, res.StatusCode, body)
		}
	}
	if res, body := b.do("POST", "/api/settings/speech-model/download", boss.Access, map[string]any{"model": "vosk-model-test-0.1"}); res.StatusCode != 202 {
		t.Fatalf("the administrator's download: %d %s", res.StatusCode, body)
	}
	b.app.Models.Wait(10 * time.Second)
	if w := status(member); !w.Ready {
		t.Fatalf("the member does not have the server's model: %+v", w)
	}
}
