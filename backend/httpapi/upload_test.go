package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/jobtest"
)

func newUploadBackend(t *testing.T, mut func(*config.Config)) *testBackend {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.OllamaHost = "" // the built-in rules
	if mut != nil {
		mut(&cfg)
	}
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &testBackend{t: t, app: a, srv: srv}
}

// sendFile posts one file as multipart field "file".
func (b *testBackend) sendFile(path, token, name string, data []byte) (*http.Response, []byte) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, out
}

func fixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUploadSessions(t *testing.T) {
	b := newUploadBackend(t, nil)
	acc := b.signUp("up@example.com")
	other := b.signUp("nosy@example.com")
	res, body := b.do("POST", "/api/uploads/create-session", acc.Access, nil)
	if res.StatusCode != 201 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	var sess struct {
		ID string `json:"session_id"`
	}
	json.Unmarshal(body, &sess)
	path := "/api/uploads/session/" + sess.ID + "/upload"

	res, body = b.sendFile(path, acc.Access, "../../etc/notes.txt", []byte("Call the plumber tomorrow.\n"))
	if res.StatusCode != 201 || !strings.Contains(string(body), `"kind":"txt"`) || !strings.Contains(string(body), `"filename":"notes.txt"`) {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	var first struct{ ID, SHA256 string }
	json.Unmarshal(body, &first)
	// The same bytes again are recognised.
	_, body = b.sendFile(path, acc.Access, "copy.txt", []byte("Call the plumber tomorrow.\n"))
	if !strings.Contains(string(body), `"duplicate_of":"`+first.ID+`"`) {
		t.Fatalf("duplicate not recognised: %s", body)
	}
	// Type by content: a PNG named .pdf is an image; an executable is refused.
	_, body = b.sendFile(path, acc.Access, "scan.pdf", fixture(t, "tesseract/testdata/small.png"))
	if !strings.Contains(string(body), `"kind":"png"`) {
		t.Fatalf("png named pdf: %s", body)
	}
	res, body = b.sendFile(path, acc.Access, "tool.pdf", append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...))
	if res.StatusCode != 415 {
		t.Fatalf("executable: %d %s", res.StatusCode, body)
	}
	res, _ = b.sendFile(path, acc.Access, "empty.txt", nil)
	if res.StatusCode != 400 {
		t.Fatalf("empty file: %d", res.StatusCode)
	}
	// Not multipart.
	res, _ = b.do("POST", path, acc.Access, map[string]any{"file": "x"})
	if res.StatusCode != 415 {
		t.Fatalf("JSON body: %d", res.StatusCode)
	}
	_, body = b.do("GET", "/api/uploads/session/"+sess.ID+"/files", acc.Access, nil)
	// Three stored, and a record of each refused one with its reason.
	if strings.Count(string(body), `"id":`) != 5 || strings.Count(string(body), `"status":"failed"`) != 2 ||
		!strings.Contains(string(body), `"error":"The file is empty."`) {
		t.Fatalf("files: %s", body)
	}
	// Someone else's session does not exist for them.
	if res, _ := b.sendFile(path, other.Access, "x.txt", []byte("hi")); res.StatusCode != 404 {
		t.Fatalf("upload into another user's session: %d", res.StatusCode)
	}
	if res, _ := b.do("GET", "/api/uploads/history/"+acc.ID, other.Access, nil); res.StatusCode != 403 {
		t.Fatalf("another user's history: %d", res.StatusCode)
	}
	_, hist := b.do("GET", "/api/uploads/history/"+acc.ID, acc.Access, nil)
	if strings.Count(string(hist), `"id":`) != 5 {
		t.Fatalf("history: %s", hist)
	}
	// Delete the session: its files leave the history, and cleanup removes them from disk.
	if res, _ := b.do("DELETE", "/api/uploads/session/"+sess.ID, acc.Access, nil); res.StatusCode != 204 {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	_, hist = b.do("GET", "/api/uploads/history/"+acc.ID, acc.Access, nil)
	if strings.Contains(string(hist), `"id":`) {
		t.Fatalf("history after delete: %s", hist)
	}
	// The periodic clean-up job may have removed some of them first.
	n, err := b.app.Uploads.Cleanup(context.Background())
	if err != nil || n > 3 {
		t.Fatalf("cleanup removed %d (%v)", n, err)
	}
	var left []string
	filepath.Walk(filepath.Join(b.app.Config.DataDir, "files"), func(p string, fi os.FileInfo, _ error) error {
		if fi != nil && !fi.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 0 {
		t.Fatalf("files left on disk: %v", left)
	}
}

func TestUploadLimits(t *testing.T) {
	b := newUploadBackend(t, func(c *config.Config) { c.MaxUploadMB, c.QuotaMB = 1, 2 })
	acc := b.signUp("limits@example.com")
	_, body := b.do("POST", "/api/uploads/create-session", acc.Access, nil)
	var sess struct {
		ID string `json:"session_id"`
	}
	json.Unmarshal(body, &sess)
	path := "/api/uploads/session/" + sess.ID + "/upload"
	big := bytes.Repeat([]byte("a line of text\n"), (1<<20)/15+10)
	res, body := b.sendFile(path, acc.Access, "big.txt", big)
	if res.StatusCode != 413 {
		t.Fatalf("over the file limit: %d %s", res.StatusCode, body)
	}
	half := bytes.Repeat([]byte("x"), 900<<10)
	for i := 0; i < 2; i++ {
		half[0] = byte('a' + i)
		if res, body := b.sendFile(path, acc.Access, "part.txt", half); res.StatusCode != 201 {
			t.Fatalf("upload %d: %d %s", i, res.StatusCode, body)
		}
	}
	res, body = b.sendFile(path, acc.Access, "more.txt", half)
	if res.StatusCode != 413 || !strings.Contains(string(body), "storage is full") {
		t.Fatalf("over the quota: %d %s", res.StatusCode, body)
	}
}

// waitRun polls an extraction until it ends.
func (b *testBackend) waitRun(token, id string) runJSON {
	b.t.Helper()
	var run runJSON
	jobtest.Wait(b.t, "extraction run "+id, func() (bool, string) {
		_, body := b.do("GET", "/api/extraction/"+id, token, nil)
		run = decodeRun(b.t, body)
		return run.Status == "done" || run.Status == "failed" || run.Status == "cancelled", string(body)
	})
	return run
}

func TestExtractFromFiles(t *testing.T) {
	b := newUploadBackend(t, nil)
	acc := b.signUp("files@example.com")

	// A document.
	res, body := b.sendFile("/api/extract/document", acc.Access, "minutes.txt", []byte("Action items:\n- Priya will send the budget report by Friday.\n- Book the room for the review.\n"))
	if res.StatusCode != 202 {
		t.Fatalf("document: %d %s", res.StatusCode, body)
	}
	run := b.waitRun(acc.Access, decodeRun(t, body).ID)
	if run.Status != "done" || len(run.Tasks) == 0 || run.Tasks[0].Status != "created" {
		t.Fatalf("document run: %+v", run)
	}
	_, list := b.do("GET", "/api/tasks/"+acc.ID+"?source=extracted_document", acc.Access, nil)
	if !strings.Contains(string(list), "budget report") || !strings.Contains(string(list), `"upload_id":"`) {
		t.Fatalf("tasks from the document: %s", list)
	}

	// A Word file and a PDF (text layer, with pages).
	for _, f := range []string{"libreoffice.docx", "libreoffice-3pages.pdf"} {
		res, body = b.sendFile("/api/extract/document?review=true", acc.Access, f, fixture(t, "docparse/testdata/"+f))
		if res.StatusCode != 202 {
			t.Fatalf("%s: %d %s", f, res.StatusCode, body)
		}
		if run := b.waitRun(acc.Access, decodeRun(t, body).ID); run.Status != "done" {
			t.Fatalf("%s run: %+v", f, run)
		}
	}

	// A photo, read by real Tesseract.
	res, body = b.sendFile("/api/extract/image?review=true", acc.Access, "note.png", fixture(t, "tesseract/testdata/note.png"))
	if res.StatusCode != 202 {
		t.Fatalf("image: %d %s", res.StatusCode, body)
	}
	run = b.waitRun(acc.Access, decodeRun(t, body).ID)
	if run.Status != "done" {
		t.Fatalf("image run: %+v", run)
	}

	// Wrong kind for the endpoint.
	res, _ = b.sendFile("/api/extract/image", acc.Access, "notes.txt", []byte("just text"))
	if res.StatusCode != 415 {
		t.Fatalf("text to the image endpoint: %d", res.StatusCode)
	}
	// Audio without a speech model: a clear failure naming what to install.
	res, body = b.sendFile("/api/extract/audio", acc.Access, "memo.wav", fixture(t, "audio/testdata/speech.wav"))
	if res.StatusCode != 202 {
		t.Fatalf("audio: %d %s", res.StatusCode, body)
	}
	run = b.waitRun(acc.Access, decodeRun(t, body).ID)
	if run.Status != "failed" || !strings.Contains(run.Error, "model") {
		t.Fatalf("audio run: %+v", run)
	}
	// A batch: one run per file.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, name := range []string{"a.txt", "b.md"} {
		fw, _ := mw.CreateFormFile("files", name)
		fw.Write([]byte("TODO: renew the domain " + name + "\n"))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.srv.URL+"/api/extract/batch", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+acc.Access)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 202 || strings.Count(string(out), `"extraction_id"`) != 2 {
		t.Fatalf("batch: %d %s", res.StatusCode, out)
	}
}
