package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/jobtest"
	"sentry/backend/ollama/ollamatest"
	"sentry/backend/pdfraster"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

type nbAnswer struct {
	Answer    string `json:"answer"`
	Engine    string `json:"engine"`
	Found     bool   `json:"found"`
	Citations []struct {
		N          int     `json:"n"`
		DocumentID string  `json:"document_id"`
		Filename   string  `json:"filename"`
		ChunkID    string  `json:"chunk_id"`
		Text       string  `json:"text"`
		Page       int     `json:"page"`
		Start      int     `json:"start"`
		Score      float64 `json:"score"`
		Quotes     []struct {
			Start int `json:"start"`
			End   int `json:"end"`
		} `json:"quotes"`
	} `json:"citations"`
	Indexing *struct{ Documents, Ready int } `json:"indexing"`
}

func (b *testBackend) createNotebook(acc account, name string) string {
	b.t.Helper()
	res, body := b.do("POST", "/api/notebooks/create", acc.Access, map[string]any{"name": name})
	if res.StatusCode != 201 {
		b.t.Fatalf("create notebook: %d %s", res.StatusCode, body)
	}
	var n struct{ ID string }
	_ = json.Unmarshal(body, &n)
	return n.ID
}

// waitIndexed polls the documents until none is queued or indexing.
func (b *testBackend) waitIndexed(acc account, nb string) []map[string]any {
	b.t.Helper()
	var docs []map[string]any
	jobtest.Wait(b.t, "notebook indexed", func() (bool, string) {
		res, body := b.do("GET", "/api/notebooks/"+nb+"/documents", acc.Access, nil)
		if res.StatusCode != 200 {
			b.t.Fatalf("documents: %d %s", res.StatusCode, body)
		}
		var out struct {
			Documents []map[string]any
			Progress  struct{ Pending int }
		}
		_ = json.Unmarshal(body, &out)
		docs = out.Documents
		return out.Progress.Pending == 0, string(body) // stages, progress and updated_at move
	})
	return docs
}

func TestNotebookScenarios(t *testing.T) {
	b := newUploadBackend(t, nil)
	me, other := b.signUp("nb-owner@example.com"), b.signUp("nb-other@example.com")
	nb := b.createNotebook(me, "Plans")
	theirs := b.createNotebook(other, "Theirs")
	res, body := b.sendFile("/api/notebooks/"+nb+"/upload", me.Access, "plan.pdf", fixture(t, "docparse/testdata/libreoffice-3pages.pdf"))
	if res.StatusCode != 202 || !strings.Contains(string(body), `"status":"queued"`) || !strings.Contains(string(body), `"document_id"`) {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	var up struct {
		DocumentID string `json:"document_id"`
	}
	_ = json.Unmarshal(body, &up)
	res, body = b.sendFile("/api/notebooks/"+nb+"/upload", me.Access, "broken.pdf", []byte("%PDF-1.4\ngarbage that is not a pdf"))
	if res.StatusCode != 202 {
		t.Fatalf("broken upload: %d %s", res.StatusCode, body)
	}
	docs := b.waitIndexed(me, nb)
	statuses := map[string]string{}
	for _, d := range docs {
		statuses[d["filename"].(string)] = d["status"].(string)
		if d["status"] == "failed" && d["error"] == "" {
			t.Fatalf("failed without a reason: %v", d)
		}
	}
	if statuses["plan.pdf"] != "ready" || statuses["broken.pdf"] != "failed" {
		t.Fatalf("statuses %v", statuses)
	}
	subst := map[string]string{"{nb}": nb, "{theirs}": theirs, "{doc}": up.DocumentID}
	runScenarios(t, b, me, other, subst, []scenario{
		{name: "list", method: "GET", path: "/api/notebooks", token: "me", status: 200, contains: []string{`"name":"Plans"`}},
		{name: "get", method: "GET", path: "/api/notebooks/{nb}", token: "me", status: 200, contains: []string{`"id":"` + nb + `"`}},
		{name: "nameless", method: "POST", path: "/api/notebooks/create", token: "me", body: map[string]any{"name": " "}, status: 400, errCode: "invalid", errField: "name"},
		{name: "a name I already use", method: "POST", path: "/api/notebooks/create", token: "me", body: map[string]any{"name": "plans"}, status: 409, errCode: "conflict", errField: "name",
			contains: []string{`A notebook named \"plans\" already exists; choose another name.`}},
		{name: "a name another user uses", method: "POST", path: "/api/notebooks/create", token: "me", body: map[string]any{"name": "Theirs"}, status: 201},
		{name: "unknown field", method: "POST", path: "/api/notebooks/create", token: "me", body: map[string]any{"name": "x", "colour": "red"}, status: 400, errCode: "invalid"},
		{name: "another user's notebook", method: "GET", path: "/api/notebooks/{theirs}", token: "me", status: 404, errCode: "not_found"},
		{name: "another user's documents", method: "GET", path: "/api/notebooks/{theirs}/documents", token: "me", status: 404, errCode: "not_found"},
		{name: "another user's chat", method: "POST", path: "/api/notebooks/{theirs}/chat", token: "me", body: map[string]any{"query": "hello"}, status: 404, errCode: "not_found"},
		{name: "my document via their notebook", method: "DELETE", path: "/api/notebooks/{theirs}/documents/{doc}", token: "me", status: 404},
		{name: "my document as them", method: "DELETE", path: "/api/notebooks/{nb}/documents/{doc}", token: "other", status: 404},
		{name: "empty query", method: "POST", path: "/api/notebooks/{nb}/chat", token: "me", body: map[string]any{"query": ""}, status: 400, errCode: "invalid", errField: "query"},
		{name: "huge query", method: "POST", path: "/api/notebooks/{nb}/chat", token: "me", body: map[string]any{"query": strings.Repeat("budget ", 1000)}, status: 400, errCode: "invalid", errField: "query"},
		{name: "bad history", method: "POST", path: "/api/notebooks/{nb}/chat", token: "me", body: map[string]any{"query": "q", "history": []any{map[string]any{"role": "system", "content": "x"}}}, status: 400, errField: "history"},
		{name: "no token", method: "GET", path: "/api/notebooks", status: 401},
	})
	// The original file and its pages, for the citation viewer.
	var broken string
	for _, d := range docs {
		if d["filename"] == "broken.pdf" {
			broken = d["id"].(string)
		}
	}
	txt := b.upload(me, nb, "notes.txt", "Plain notes.")
	htm := b.upload(me, nb, "page.html", "<html><body><script>alert(1)</script><p>Hello</p></body></html>")
	b.waitIndexed(me, nb)
	get := func(path, token string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", b.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}
	base := "/api/notebooks/" + nb + "/documents/"
	res, body = get(base+up.DocumentID+"/file", me.Access)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(body, fixture(t, "docparse/testdata/libreoffice-3pages.pdf")) {
		t.Fatalf("file: %d %v", res.StatusCode, res.Header)
	}
	if res, body := get(base+htm+"/file", me.Access); res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.Contains(string(body), "<script>") {
		t.Fatalf("html file: %d %v", res.StatusCode, res.Header)
	}
	if pdfraster.Available() {
		res, body = get(base+up.DocumentID+"/pages/2?dpi=60", me.Access)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(body, []byte("\x89PNG")) {
			t.Fatalf("page: %d %s", res.StatusCode, body)
		}
		if cfg, err := png.DecodeConfig(bytes.NewReader(body)); err != nil || cfg.Width < 300 || cfg.Width > 800 {
			t.Fatalf("page size at 60 dpi: %+v %v", cfg, err)
		}
	} else {
		t.Log("pdftoppm is not installed: page rendering not exercised")
	}
	for _, c := range []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"page past the end", base + up.DocumentID + "/pages/4", me.Access, 404, "not_found"},
		{"page zero", base + up.DocumentID + "/pages/0", me.Access, 400, "invalid"},
		{"page not a number", base + up.DocumentID + "/pages/two", me.Access, 400, "invalid"},
		{"dpi too high", base + up.DocumentID + "/pages/1?dpi=2000", me.Access, 400, "invalid"},
		{"not a PDF", base + txt + "/pages/1", me.Access, 415, "unsupported_media_type"},
		{"PDF never indexed", base + broken + "/pages/1", me.Access, 409, "conflict"},
		{"their file", base + up.DocumentID + "/file", other.Access, 404, "not_found"},
		{"their page", base + up.DocumentID + "/pages/1", other.Access, 404, "not_found"},
		{"my document through their notebook", "/api/notebooks/" + theirs + "/documents/" + up.DocumentID + "/file", me.Access, 404, "not_found"},
		{"unknown document", base + "nope/file", me.Access, 404, "not_found"},
	} {
		res, body := get(c.path, c.token)
		if res.StatusCode != c.status || !strings.Contains(string(body), `"code":"`+c.code+`"`) {
			t.Errorf("%s: %d %s", c.name, res.StatusCode, body)
		}
	}

	// A file of no supported kind: 415.
	if res, body := b.sendFile("/api/notebooks/"+nb+"/upload", me.Access, "x.bin", []byte("\x00\x01\x02\x03binary\x00\xff")); res.StatusCode != 415 {
		t.Fatalf("binary: %d %s", res.StatusCode, body)
	}
	// Upload to someone else's notebook: 404.
	if res, body := b.sendFile("/api/notebooks/"+theirs+"/upload", me.Access, "plan.txt", []byte("Alice will send the budget.")); res.StatusCode != 404 {
		t.Fatalf("upload to theirs: %d %s", res.StatusCode, body)
	}

	res, body = b.do("POST", "/api/notebooks/"+nb+"/chat", me.Access, map[string]any{"query": "Who must review the contract, and by when?"})
	if res.StatusCode != 200 {
		t.Fatalf("chat: %d %s", res.StatusCode, body)
	}
	var a nbAnswer
	_ = json.Unmarshal(body, &a)
	if !a.Found || a.Engine != "extractive" || !strings.Contains(a.Answer, "Carol must review the contract") || len(a.Citations) == 0 {
		t.Fatalf("answer %s", body)
	}
	var cited bool
	for _, c := range a.Citations {
		// Only the sources the answer cites are listed, each with the
		// sentences it quotes.
		if !strings.Contains(a.Answer, "["+strconv.Itoa(c.N)+"]") || len(c.Quotes) == 0 {
			t.Fatalf("source [%d] is listed but not quoted: %s", c.N, body)
		}
		if strings.Contains(c.Text, "Carol") {
			q := c.Quotes[0]
			cited = c.Page == 3 && c.Filename == "plan.pdf" && c.DocumentID == up.DocumentID && c.ChunkID != "" && c.Score > 0 &&
				strings.HasPrefix(c.Text[q.Start-c.Start:q.End-c.Start], "Page three: Carol must review the contract")
		}
	}
	if !cited {
		t.Fatalf("the answer does not cite page 3: %s", body)
	}
	// Streamed.
	req, _ := http.NewRequest("POST", b.srv.URL+"/api/notebooks/"+nb+"/chat", strings.NewReader(`{"query":"When is the budget review?"}`))
	req.Header.Set("Authorization", "Bearer "+me.Access)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	sres, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	events := map[string]int{}
	sc := bufio.NewScanner(sres.Body)
	for sc.Scan() {
		if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events[ev]++
		}
	}
	sres.Body.Close()
	if sres.Header.Get("Content-Type") != "text/event-stream" || events["citations"] != 1 || events["token"] == 0 || events["done"] != 1 {
		t.Fatalf("stream: %s %v", sres.Header.Get("Content-Type"), events)
	}
	// Nothing relevant: abstain.
	_, body = b.do("POST", "/api/notebooks/"+nb+"/chat", me.Access, map[string]any{"query": "What is the boiling point of tungsten?"})
	_ = json.Unmarshal(body, &a)
	if a.Found || !strings.Contains(a.Answer, "couldn't find") || len(a.Citations) != 0 {
		t.Fatalf("should abstain: %s", body)
	}
	// The conversation is kept.
	res, body = b.do("GET", "/api/notebooks/"+nb+"/messages", me.Access, nil)
	if res.StatusCode != 200 || strings.Count(string(body), `"role":"user"`) != 3 {
		t.Fatalf("messages: %d %s", res.StatusCode, body)
	}
	// Delete a document, then the notebook; the uploads go too.
	if res, body := b.do("DELETE", "/api/notebooks/"+nb+"/documents/"+up.DocumentID, me.Access, nil); res.StatusCode != 204 {
		t.Fatalf("delete document: %d %s", res.StatusCode, body)
	}
	if res, body := b.do("DELETE", "/api/notebooks/"+nb, me.Access, nil); res.StatusCode != 204 {
		t.Fatalf("delete notebook: %d %s", res.StatusCode, body)
	}
	if res, _ := b.do("GET", "/api/notebooks/"+nb, me.Access, nil); res.StatusCode != 404 {
		t.Fatalf("deleted notebook: %d", res.StatusCode)
	}
	var live int
	_ = b.queryRow(`SELECT count(*) FROM uploads WHERE user_id = ? AND deleted_at IS NULL AND status != 'failed'`, me.ID).Scan(&live)
	if live != 0 {
		t.Fatalf("%d uploads left", live)
	}
	if res, _ := b.do("GET", "/api/notebooks/"+theirs, other.Access, nil); res.StatusCode != 200 {
		t.Fatalf("the other user's notebook: %d", res.StatusCode)
	}
}

// With Ollama: vectors from /api/embed (model id stored with them) and a
// grounded answer whose [n] markers map to citations.
func TestNotebookWithOllama(t *testing.T) {
	stand := ollamatest.Start(t, "nomic-embed-text", "llama3.1:8b")
	stand.Chat = func(req map[string]any) string {
		msgs := req["messages"].([]any)
		last := msgs[len(msgs)-1].(map[string]any)["content"].(string)
		if !strings.Contains(last, "[1]") || !strings.Contains(last, "Question: Who reviews the contract?") {
			return "no sources"
		}
		return "Carol reviews the contract by 12 May [1]. Ignored marker [9]."
	}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.OllamaHost = stand.URL
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	b := &testBackend{t: t, app: a, srv: srv}
	me := b.signUp("ollama-nb@example.com")
	nb := b.createNotebook(me, "Contracts")
	if res, body := b.sendFile("/api/notebooks/"+nb+"/upload", me.Access, "c.txt", []byte("Carol must review the contract by 12 May.\n\nAlice sends the budget on Friday.")); res.StatusCode != 202 {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	docs := b.waitIndexed(me, nb)
	if docs[0]["status"] != "ready" || docs[0]["model"] != "ollama:nomic-embed-text" {
		t.Fatalf("document %v", docs[0])
	}
	res, body := b.do("POST", "/api/notebooks/"+nb+"/chat", me.Access, map[string]any{"query": "Who reviews the contract?",
		"history": []any{map[string]any{"role": "user", "content": "Hi"}, map[string]any{"role": "assistant", "content": "Hello"}}})
	var ans nbAnswer
	_ = json.Unmarshal(body, &ans)
	if res.StatusCode != 200 || ans.Engine != "ollama:llama3.1:8b" || !strings.HasPrefix(ans.Answer, "Carol reviews the contract by 12 May [1].") ||
		strings.Contains(ans.Answer, "[9]") || len(ans.Citations) != 1 || ans.Citations[0].N != 1 {
		t.Fatalf("grounded answer: %d %s", res.StatusCode, body)
	}
	// The passage's sentence the model drew on is marked.
	if c := ans.Citations[0]; len(c.Quotes) != 1 || c.Text[c.Quotes[0].Start-c.Start:c.Quotes[0].End-c.Start] != "Carol must review the contract by 12 May." {
		t.Fatalf("grounded answer's quotes: %s", body)
	}
	// The history went to the model between the system prompt and the question.
	reqs := stand.Requests()
	msgs := reqs[len(reqs)-1]["messages"].([]any)
	if len(msgs) != 4 || msgs[0].(map[string]any)["role"] != "system" || msgs[1].(map[string]any)["content"] != "Hi" {
		t.Fatalf("messages sent: %v", msgs)
	}

	// Streaming: the stand-in holds the answer after its first piece, and
	// that piece must already have reached the client as a token event.
	stand.Hold = make(chan struct{})
	events := b.chatStream(me, nb, "Who reviews the contract?")
	ev := <-events
	if ev.name != "citations" || !strings.Contains(ev.data, `"n":1`) || !strings.Contains(ev.data, `"engine":"ollama:llama3.1:8b"`) {
		t.Fatalf("first event %+v", ev)
	}
	if ev = jobtest.Receive(t, "a token while the model was still writing", events); ev.name != "token" || ev.data != `{"text":"Carol "}` {
		t.Fatalf("token %+v", ev)
	}
	close(stand.Hold)
	var text strings.Builder
	text.WriteString("Carol ")
	for ev = range events {
		if ev.name != "token" {
			break
		}
		var tok struct{ Text string }
		_ = json.Unmarshal([]byte(ev.data), &tok)
		text.WriteString(tok.Text)
	}
	if ev.name != "done" || text.String() != "Carol reviews the contract by 12 May [1]. Ignored marker [9]." {
		t.Fatalf("streamed %q, then %+v", text.String(), ev)
	}
	_ = json.Unmarshal([]byte(ev.data), &ans)
	if strings.Contains(ans.Answer, "[9]") || len(ans.Citations) != 1 || ans.Engine != "ollama:llama3.1:8b" {
		t.Fatalf("done %s", ev.data)
	}

	// A client that goes away mid-answer stops the model call.
	stand.Hold = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	events = b.chatStreamCtx(ctx, me, nb, "Who reviews the contract?")
	<-events // citations
	<-events // first token
	cancel()
	for range events {
	}
	jobtest.Wait(t, "the model call to stop after the client left", func() (bool, string) {
		return stand.Cancelled.Load() > 0, "model call still running"
	})
	close(stand.Hold)

	// Bad input fails before any event, as ordinary JSON.
	req, _ := http.NewRequest("POST", b.srv.URL+"/api/notebooks/"+nb+"/chat", strings.NewReader(`{"query":""}`))
	req.Header.Set("Authorization", "Bearer "+me.Access)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("bad streamed query: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

type sseEvent struct{ name, data string }

func (b *testBackend) chatStream(acc account, nb, query string) <-chan sseEvent {
	return b.chatStreamCtx(context.Background(), acc, nb, query)
}

// chatStreamCtx posts a question with Accept: text/event-stream and
// delivers the events as they arrive.
func (b *testBackend) chatStreamCtx(ctx context.Context, acc account, nb, query string) <-chan sseEvent {
	b.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequestWithContext(ctx, "POST", b.srv.URL+"/api/notebooks/"+nb+"/chat", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+acc.Access)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		b.t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent)
	go func() {
		defer close(out)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			case line == "" && ev.name != "":
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	return out
}

// renderText draws lines with the 7×13 bitmap font scaled up 4× (what a
// photographed page looks like to OCR, minus the noise).
func renderText(t *testing.T, lines []string) []byte {
	t.Helper()
	const scale = 4
	w, h := 640, 40+16*scale*len(lines)
	small := image.NewGray(image.Rect(0, 0, w/scale, h/scale))
	draw.Draw(small, small.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: small, Src: image.Black, Face: basicfont.Face7x13}
	for i, line := range lines {
		d.Dot = fixed.P(4, 14+16*i)
		d.DrawString(line)
	}
	big := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			big.SetGray(x, y, small.GrayAt(x/scale, y/scale))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, big); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Images are read by Tesseract and recordings by speech recognition, with
// the extraction engines; without a speech model a recording fails with a
// reason that says what to install, and the rest of the notebook works.
func TestNotebookImagesAndRecordings(t *testing.T) {
	b := newUploadBackend(t, nil)
	me := b.signUp("nb-media@example.com")
	nb := b.createNotebook(me, "Whiteboards")
	img := renderText(t, []string{"The greenhouse heater", "must be serviced", "before October."})
	if res, body := b.sendFile("/api/notebooks/"+nb+"/upload", me.Access, "board.png", img); res.StatusCode != 202 {
		t.Fatalf("image upload: %d %s", res.StatusCode, body)
	}
	if res, body := b.sendFile("/api/notebooks/"+nb+"/upload", me.Access, "memo.wav", fixture(t, "audio/testdata/speech.wav")); res.StatusCode != 202 {
		t.Fatalf("audio upload: %d %s", res.StatusCode, body)
	}
	docs := b.waitIndexed(me, nb)
	byName := map[string]map[string]any{}
	for _, d := range docs {
		byName[d["filename"].(string)] = d
	}
	if d := byName["board.png"]; d["status"] != "ready" || d["chunk_count"].(float64) < 1 || d["page_count"].(float64) != 1 {
		t.Fatalf("image: %v", d)
	}
	if d := byName["memo.wav"]; os.Getenv("SENTRY_VOSK_MODEL") == "" {
		if d["status"] != "failed" || !strings.Contains(d["error"].(string), "Vosk model") {
			t.Fatalf("recording without a speech model: %v", d)
		}
		t.Log("SENTRY_VOSK_MODEL is not set: the recording's transcription was not exercised, only its clear failure")
	} else if d["status"] != "ready" {
		t.Fatalf("recording: %v", d)
	}
	res, body := b.do("POST", "/api/notebooks/"+nb+"/chat", me.Access, map[string]any{"query": "When must the greenhouse heater be serviced?"})
	if res.StatusCode != 200 {
		t.Fatalf("chat: %d %s", res.StatusCode, body)
	}
	var a nbAnswer
	_ = json.Unmarshal(body, &a)
	if !a.Found || len(a.Citations) == 0 || a.Citations[0].Filename != "board.png" || a.Citations[0].Page != 1 ||
		!strings.Contains(strings.ToLower(a.Citations[0].Text), "october") {
		t.Fatalf("answer %s", body)
	}
}

// upload sends a text file to a notebook and returns the document id.
func (b *testBackend) upload(acc account, nb, name, text string) string {
	b.t.Helper()
	res, body := b.sendFile("/api/notebooks/"+nb+"/upload", acc.Access, name, []byte(text))
	if res.StatusCode != 202 {
		b.t.Fatalf("upload %s: %d %s", name, res.StatusCode, body)
	}
	var up struct {
		DocumentID string `json:"document_id"`
	}
	_ = json.Unmarshal(body, &up)
	return up.DocumentID
}

// A scanned PDF (pages without a text layer) is read by OCR, and its
// passages keep their page.
func TestNotebookScannedPDF(t *testing.T) {
	if !pdfraster.Available() {
		t.Skip("skipped: pdftoppm (poppler-utils) is not installed")
	}
	b := newUploadBackend(t, nil)
	me := b.signUp("nb-scan@example.com")
	nb := b.createNotebook(me, "Scans")
	pdf := scannedPDF(t, fixture(t, "tesseract/testdata/whiteboard.jpg"))
	if res, body := b.sendFile("/api/notebooks/"+nb+"/upload", me.Access, "board-scan.pdf", pdf); res.StatusCode != 202 {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	docs := b.waitIndexed(me, nb)
	if len(docs) != 1 || docs[0]["status"] != "ready" || docs[0]["chunk_count"].(float64) < 1 {
		t.Fatalf("scanned PDF: %v", docs)
	}
	res, body := b.do("POST", "/api/notebooks/"+nb+"/chat", me.Access, map[string]any{"query": "Who do we email?"})
	if res.StatusCode != 200 {
		t.Fatalf("chat: %d %s", res.StatusCode, body)
	}
	var a nbAnswer
	_ = json.Unmarshal(body, &a)
	if len(a.Citations) == 0 || a.Citations[0].Page != 1 || !strings.Contains(strings.ToLower(a.Citations[0].Text), "client") {
		t.Fatalf("answer %s", body)
	}
}
