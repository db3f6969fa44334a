package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var fuzzKinds = []string{"", "meeting_transcript", "email", "note", "chat", "document", "handwritten_ocr"}

// FuzzExtract checks the invariants the extraction service relies on:
// no panics, evidence offsets inside the text and matching it, and
// non-empty titles of at most MaxTitle bytes.
func FuzzExtract(f *testing.F) {
	seeds := []string{
		"Alice: Bob, please write the changelog by Wednesday.\nBob: OK.",
		"- [ ] book dentist\n- [x] renew gym\nTODO: call mom sunday, pay rent !!",
		"Hi Sam,\nCould you send the draft by 3/31? Thanks,\nKate",
		"Action items:\n1. IT must create the account before the start date.\n- Venue: Tara, by March 6",
		"Let's meet next Wednesday at 4pm. Every Monday at 9. in 2 weeks. the 31st. 2026-02-29",
		"sat 6pm ~~done~~ (done) @bob [Ann] émail Zoë — résumé by fri…",
		"\xff\xfe\x00 please \xc3 send it tomorrow",
		strings.Repeat("please send the report and ", 100),
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, string(b))
		}
	}
	for i, s := range seeds {
		f.Add(s, uint8(i))
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string, k uint8) {
		tasks := Extract(text, Options{Now: now, Kind: fuzzKinds[int(k)%len(fuzzKinds)]})
		for i, tk := range tasks {
			if tk.Start < 0 || tk.End > len(text) || tk.Start > tk.End {
				t.Fatalf("task %d: offsets %d:%d outside text of %d bytes", i, tk.Start, tk.End, len(text))
			}
			if tk.Sentence != text[tk.Start:tk.End] {
				t.Fatalf("task %d: sentence %q is not text[%d:%d]", i, tk.Sentence, tk.Start, tk.End)
			}
			if strings.TrimSpace(tk.Title) == "" || len(tk.Title) > MaxTitle {
				t.Fatalf("task %d: title %q (%d bytes)", i, tk.Title, len(tk.Title))
			}
			if !utf8.ValidString(tk.Title) {
				t.Fatalf("task %d: title %q is not valid UTF-8", i, tk.Title)
			}
			if tk.Type != TypeTask && tk.Type != TypeMeeting {
				t.Fatalf("task %d: type %q", i, tk.Type)
			}
			if tk.Confidence < 0 || tk.Confidence > 1 {
				t.Fatalf("task %d: confidence %v", i, tk.Confidence)
			}
		}
	})
}
