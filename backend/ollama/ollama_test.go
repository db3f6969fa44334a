package ollama_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/ollama"
	"sentry/backend/ollama/ollamatest"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("EST", -5*3600))

func newExtractor(t *testing.T, chat ollamatest.ChatFunc) (*ollama.Extractor, *ollamatest.Server) {
	t.Helper()
	srv := ollamatest.Start(t, "llama3.1:8b")
	srv.Chat = chat
	c, err := ollama.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &ollama.Extractor{Client: c, Model: "llama3.1:8b"}, srv
}

const text = "Alice: Bob, please write the changelog by Wednesday.\nBob: OK."

func TestExtractSendsSchemaAndLocatesQuotes(t *testing.T) {
	e, srv := newExtractor(t, func(req map[string]any) string {
		return `{"tasks":[{"title":"Write the changelog","description":"","assignee":"Bob","due":"2026-03-04","type":"task","priority":null,"quote":"Bob, please write the changelog by Wednesday."}]}`
	})
	got, err := e.Extract(context.Background(), text, core.ExtractOptions{Now: now, Kind: "meeting_transcript"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Assignee != "Bob" || got[0].Due.Format("2006-01-02") != "2026-03-04" {
		t.Fatalf("got %+v", got)
	}
	ev := got[0].Evidence
	if text[ev.Start:ev.End] != "Bob, please write the changelog by Wednesday." {
		t.Fatalf("evidence span %d-%d = %q", ev.Start, ev.End, text[ev.Start:ev.End])
	}
	req := srv.Requests()[0]
	if req["format"] == nil || req["stream"] != false {
		t.Fatalf("request lacks a schema or streams: %v", req)
	}
	if !strings.Contains(req["messages"].([]any)[1].(map[string]any)["content"].(string), "2026-03-02T09:00:00-05:00") {
		t.Fatal("the reference time was not sent")
	}
}

func TestOneRepairRetry(t *testing.T) {
	calls := 0
	e, _ := newExtractor(t, func(req map[string]any) string {
		calls++
		if calls == 1 {
			return `{"tasks":[{"title":"","type":"task","quote":"x"}]}`
		}
		msgs := req["messages"].([]any)
		if !strings.Contains(msgs[len(msgs)-1].(map[string]any)["content"].(string), "empty title") {
			return `{"tasks":[]}` // the repair request must say what was wrong
		}
		return `{"tasks":[{"title":"Write the changelog","type":"task","quote":"write the changelog"}]}`
	})
	got, err := e.Extract(context.Background(), text, core.ExtractOptions{Now: now})
	if err != nil || len(got) != 1 || calls != 2 {
		t.Fatalf("got %+v, %v after %d calls", got, err, calls)
	}
}

func TestInvalidTwiceFails(t *testing.T) {
	e, _ := newExtractor(t, func(map[string]any) string { return `not json` })
	if _, err := e.Extract(context.Background(), text, core.ExtractOptions{Now: now}); err == nil {
		t.Fatal("accepted invalid output")
	}
}

func TestLongInputIsChunkedAndMerged(t *testing.T) {
	var b strings.Builder
	for b.Len() < 3*ollama.ChunkBytes {
		b.WriteString("Carol: I'll book the venue for the offsite. Dan: sounds good, nothing else to add here today.\n")
	}
	long := b.String()
	e, srv := newExtractor(t, func(map[string]any) string {
		return `{"tasks":[{"title":"Book the venue","assignee":"Carol","type":"task","quote":"I'll book the venue for the offsite."}]}`
	})
	got, err := e.Extract(context.Background(), long, core.ExtractOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n < 3 {
		t.Fatalf("%d chunks for %d bytes", n, len(long))
	}
	if len(got) != 1 {
		t.Fatalf("the same task from every chunk was not merged: %d", len(got))
	}
}

func TestChunksCoverTheText(t *testing.T) {
	long := strings.Repeat("Short sentence here. ", 2000)
	chunks := ollama.Chunks(long, 1000)
	end := 0
	for _, c := range chunks {
		if c.Offset > end {
			t.Fatalf("gap before offset %d", c.Offset)
		}
		if long[c.Offset:c.Offset+len(c.Text)] != c.Text {
			t.Fatal("chunk does not match its offset")
		}
		end = c.Offset + len(c.Text)
	}
	if end != len(long) {
		t.Fatalf("chunks end at %d of %d", end, len(long))
	}
}

func TestClientModelsAndEmbed(t *testing.T) {
	srv := ollamatest.Start(t, "nomic-embed-text:latest")
	c, _ := ollama.New(strings.TrimPrefix(srv.URL, "http://"), nil)
	ok, err := c.HasModel(context.Background(), "nomic-embed-text")
	if err != nil || !ok {
		t.Fatalf("has model: %v %v", ok, err)
	}
	vecs, err := c.Embed(context.Background(), "nomic-embed-text", []string{"a b", "c"})
	if err != nil || len(vecs) != 2 || len(vecs[0]) != 768 {
		t.Fatalf("embed: %v", err)
	}
	if _, err := c.Chat(context.Background(), ollama.ChatRequest{Model: "missing"}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("missing model: %v", err)
	}
	var raw json.RawMessage
	_ = raw
}

func TestStandInStreamsByDefault(t *testing.T) {
	srv := ollamatest.Start(t, "llama3.1:8b")
	srv.Chat = func(map[string]any) string { return "one two three" }
	res, err := http.Post(srv.URL+"/api/chat", "application/json", strings.NewReader(`{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	var got strings.Builder
	lines, done := 0, false
	for dec.More() {
		var m struct {
			Message struct{ Content string } `json:"message"`
			Done    bool                     `json:"done"`
		}
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		got.WriteString(m.Message.Content)
		lines++
		done = m.Done
	}
	if got.String() != "one two three" || lines < 3 || !done {
		t.Fatalf("streamed %q in %d lines, done %v", got.String(), lines, done)
	}
}
