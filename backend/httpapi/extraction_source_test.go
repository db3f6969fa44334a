package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

type sourceJSON struct {
	ExtractionID  string `json:"extraction_id"`
	Text          string `json:"text"`
	TextKept      bool   `json:"text_kept"`
	Kind          string `json:"kind"`
	Filename      string `json:"filename"`
	ContentType   string `json:"content_type"`
	UploadID      string `json:"upload_id"`
	FileAvailable bool   `json:"file_available"`
}

func (b *testBackend) source(token, id string) sourceJSON {
	b.t.Helper()
	res, body := b.do("GET", "/api/extraction/"+id+"/source", token, nil)
	if res.StatusCode != 200 {
		b.t.Fatalf("source of %s: %d %s", id, res.StatusCode, body)
	}
	var s sourceJSON
	if err := json.Unmarshal(body, &s); err != nil {
		b.t.Fatalf("%v: %s", err, body)
	}
	return s
}

// get sends a GET with extra headers and returns the raw response.
func (b *testBackend) get(path, token string, headers map[string]string) (*http.Response, []byte) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
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

func TestExtractionSourceOfText(t *testing.T) {
	b := newUploadBackend(t, nil)
	acc := b.signUp("source-text@example.com")
	// Non-ASCII before the evidence: spans are byte offsets, not characters.
	text := "Café notes — naïve plan.\nBob will send the report by Friday."
	res, body := b.do("POST", "/api/extract/text", acc.Access, map[string]any{"text": text, "review": true})
	if res.StatusCode != 201 {
		t.Fatalf("extract: %d %s", res.StatusCode, body)
	}
	run := decodeRun(t, body)
	if len(run.Tasks) == 0 {
		t.Fatalf("no tasks: %s", body)
	}
	src := b.source(acc.Access, run.ID)
	if src.Text != text || !src.TextKept || src.Kind != "text" || src.UploadID != "" || src.FileAvailable || src.ExtractionID != run.ID {
		t.Fatalf("source: %+v", src)
	}
	ev := run.Tasks[0].Evidence
	if ev.End > len(src.Text) || ev.Start < 0 || ev.Start >= ev.End || src.Text[ev.Start:ev.End] != ev.Sentence {
		t.Fatalf("evidence %d..%d %q is not that span of the text %q", ev.Start, ev.End, ev.Sentence, src.Text)
	}
}

func TestExtractionSourceAndUploadContent(t *testing.T) {
	b := newUploadBackend(t, nil)
	me, other := b.signUp("source-me@example.com"), b.signUp("source-other@example.com")
	doc := "Minutes\n\nPriya will send the budget report by Friday.\n"
	res, body := b.sendFile("/api/extract/document?review=true", me.Access, "minutes.txt", []byte(doc))
	if res.StatusCode != 202 {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	run := b.waitRun(me.Access, decodeRun(t, body).ID)
	if run.Status != "done" || len(run.Tasks) == 0 {
		t.Fatalf("run: %+v", run)
	}
	src := b.source(me.Access, run.ID)
	if src.Kind != "document" || src.Filename != "minutes.txt" || src.UploadID == "" || !src.FileAvailable ||
		!strings.HasPrefix(src.ContentType, "text/plain") || !strings.Contains(src.Text, "Priya will send the budget report") {
		t.Fatalf("source: %+v", src)
	}
	ev := run.Tasks[0].Evidence
	if src.Text[ev.Start:ev.End] != ev.Sentence {
		t.Fatalf("evidence %q is not text[%d:%d] = %q", ev.Sentence, ev.Start, ev.End, src.Text[ev.Start:ev.End])
	}

	// Their HTML upload, to check it is never served as a page.
	res, body = b.sendFile("/api/extract/document", other.Access, "page.html", []byte("<!doctype html><html><body><script>alert(1)</script><p>Dana will call the bank tomorrow.</p></body></html>"))
	if res.StatusCode != 202 {
		t.Fatalf("their upload: %d %s", res.StatusCode, body)
	}
	theirRun := b.waitRun(other.Access, decodeRun(t, body).ID)
	theirSrc := b.source(other.Access, theirRun.ID)

	content := "/api/uploads/" + src.UploadID + "/content"
	cases := []scenario{
		{name: "source without a token", method: "GET", path: "/api/extraction/" + run.ID + "/source", status: 401, errCode: "unauthorized"},
		{name: "source of another user's run", method: "GET", path: "/api/extraction/" + run.ID + "/source", token: "other", status: 404, errCode: "not_found"},
		{name: "source of an unknown run", method: "GET", path: "/api/extraction/nope/source", token: "me", status: 404, errCode: "not_found"},
		{name: "content without a token", method: "GET", path: content, status: 401, errCode: "unauthorized"},
		{name: "content of another user's upload", method: "GET", path: content, token: "other", status: 404, errCode: "not_found"},
		{name: "content of an unknown upload", method: "GET", path: "/api/uploads/nope/content", token: "me", status: 404, errCode: "not_found"},
		{name: "another word after an upload id", method: "GET", path: "/api/uploads/" + src.UploadID + "/contents", token: "me", status: 404, errCode: "not_found"},
		{name: "another word after a run id", method: "GET", path: "/api/extraction/" + run.ID + "/sources", token: "me", status: 404, errCode: "not_found"},
		{name: "extraction history still answers beside the source route", method: "GET", path: "/api/extraction/history/{me}", token: "me", status: 200, contains: []string{run.ID}},
		{name: "history still answers beside the content route", method: "GET", path: "/api/uploads/history/{me}", token: "me", status: 200, contains: []string{"minutes.txt"}},
		{name: "download without a token", method: "POST", path: "/api/uploads/" + src.UploadID + "/download", status: 401, errCode: "unauthorized"},
		{name: "download of another user's upload", method: "POST", path: "/api/uploads/" + src.UploadID + "/download", token: "other", status: 404, errCode: "not_found"},
		{name: "download of an unknown upload", method: "POST", path: "/api/uploads/nope/download", token: "me", status: 404, errCode: "not_found"},
		{name: "download of a file that is here", method: "POST", path: "/api/uploads/" + src.UploadID + "/download", token: "me", status: 200,
			contains: []string{`"state":"here"`, fmt.Sprintf(`"received":%d,"size":%d`, len(doc), len(doc))}},
	}
	runScenarios(t, b, me, other, map[string]string{"{me}": me.ID}, cases)

	// The whole file: its bytes, type, inline, not sniffed.
	res, out := b.get(content, me.Access, nil)
	if res.StatusCode != 200 || string(out) != doc {
		t.Fatalf("content: %d %q", res.StatusCode, out)
	}
	h := res.Header
	if !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || !strings.HasPrefix(h.Get("Content-Disposition"), "inline") ||
		!strings.Contains(h.Get("Content-Disposition"), "minutes.txt") || h.Get("X-Content-Type-Options") != "nosniff" ||
		h.Get("Accept-Ranges") != "bytes" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("headers: %v", h)
	}

	// A range, as an audio element asks when seeking.
	res, out = b.get(content, me.Access, map[string]string{"Range": "bytes=9-13"})
	if res.StatusCode != 206 || string(out) != doc[9:14] || res.Header.Get("Content-Range") != "bytes 9-13/"+strconv.Itoa(len(doc)) {
		t.Fatalf("range: %d %q %v", res.StatusCode, out, res.Header)
	}
	res, _ = b.get(content, me.Access, map[string]string{"Range": "bytes=9999-"})
	if res.StatusCode != 416 {
		t.Fatalf("unsatisfiable range: %d", res.StatusCode)
	}

	// An HTML upload is plain text when served, and the owner can read it.
	res, out = b.get("/api/uploads/"+theirSrc.UploadID+"/content", other.Access, nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") || !strings.Contains(string(out), "<script>") {
		t.Fatalf("html content: %d %v", res.StatusCode, res.Header)
	}
	if res, _ := b.get("/api/uploads/"+theirSrc.UploadID+"/content", me.Access, nil); res.StatusCode != 404 {
		t.Fatalf("their html as me: %d", res.StatusCode)
	}
}
