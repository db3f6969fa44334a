package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// Text to read tasks from may hold NUL characters (a paste from a binary
// file, a document's padding). They carry nothing to read, and one store
// cannot hold them in text, so both stores must give the same answer: the
// text is read with each NUL as a space (offsets unchanged), and what is
// kept and shown has none.
func TestExtractTextWithNULIsReadOnEveryStore(t *testing.T) {
	b := newBackend(t, false)
	acc := b.signUp("nul@example.com")
	text := "Dana, please send the budget\x00 by Friday.\x00\x00 Thanks!"
	res, body := b.do("POST", "/api/extract/text", acc.Access, map[string]any{"text": text, "now": "2026-03-02T09:00:00-05:00"})
	if res.StatusCode != 201 {
		t.Fatalf("status %d, want 201: %s", res.StatusCode, body)
	}
	run := decodeRun(t, body)
	if run.Status != "done" || len(run.Tasks) == 0 {
		t.Fatalf("run %+v: %s", run, body)
	}
	if strings.Contains(string(body), `\u0000`) {
		t.Fatalf("the answer still holds NUL: %s", body)
	}
	res, src := b.do("GET", "/api/extraction/"+run.ID+"/source", acc.Access, nil)
	if res.StatusCode != 200 {
		t.Fatalf("source: %d %s", res.StatusCode, src)
	}
	var got struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(src, &got); err != nil {
		t.Fatalf("%v: %s", err, src)
	}
	if want := strings.ReplaceAll(text, "\x00", " "); got.Text != want {
		t.Fatalf("source text %q, want %q", got.Text, want)
	}
}
