package docparse

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"sentry/backend/core"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// checkDoc verifies what every Document promises, whatever the input.
func checkDoc(t testing.TB, doc *Document) {
	t.Helper()
	if !utf8.ValidString(doc.Text) || !utf8.ValidString(doc.Title) {
		t.Fatalf("invalid UTF-8 in text or title")
	}
	for k, v := range doc.Meta {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			t.Fatalf("invalid UTF-8 in meta %q", k)
		}
	}
	var joined []string
	for i, p := range doc.Pages {
		if p.Number != i+1 {
			t.Fatalf("page %d has number %d", i+1, p.Number)
		}
		if p.Offset < 0 || p.Offset+len(p.Text) > len(doc.Text) || doc.Text[p.Offset:p.Offset+len(p.Text)] != p.Text {
			t.Fatalf("page %d: offset %d does not locate its text", p.Number, p.Offset)
		}
		if !utf8.ValidString(p.Text) {
			t.Fatalf("page %d: invalid UTF-8", p.Number)
		}
		joined = append(joined, p.Text)
	}
	if strings.Join(joined, "\n\n") != doc.Text {
		t.Fatalf("Text is not the pages joined with blank lines")
	}
	for _, n := range doc.PagesWithoutText {
		if n < 1 || n > len(doc.Pages) || strings.TrimSpace(doc.Pages[n-1].Text) != "" {
			t.Fatalf("PagesWithoutText lists page %d wrongly", n)
		}
	}
}

// checkErr verifies an error is a user-safe core error (or the context's).
func checkErr(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return
	}
	var ce *core.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *core.Error", err, err)
	}
	switch ce.Code {
	case core.EINVALID, core.ETOOLARGE, core.EUNSUPPORTED:
	default:
		t.Fatalf("unexpected code %q: %v", ce.Code, err)
	}
}

func mustParse(t *testing.T, data []byte, kind Kind) *Document {
	t.Helper()
	doc, err := Parse(context.Background(), data, kind, Limits{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", kind, err)
	}
	checkDoc(t, doc)
	return doc
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error, got none", code)
	}
	checkErr(t, err)
	if got := core.ErrorCode(err); got != code {
		t.Fatalf("want code %s, got %s (%v)", code, got, err)
	}
}

// golden is what the golden files record of a Document.
type golden struct {
	Kind             Kind
	Title            string
	Meta             map[string]string `json:",omitempty"`
	PagesWithoutText []int             `json:",omitempty"`
	Pages            []Page
}

// TestGolden extracts every document in testdata and compares with
// testdata/golden/<name>.json; run with -update after a deliberate change.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.*")
	if len(files) == 0 {
		t.Fatal("no test documents")
	}
	for _, f := range files {
		name := filepath.Base(f)
		if name == "README.md" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			kind, _, ok := Detect(data, name)
			if !ok {
				t.Fatalf("Detect refused %s", name)
			}
			var got any
			doc, err := Parse(context.Background(), data, kind, Limits{})
			if err != nil {
				checkErr(t, err)
				got = map[string]string{"Code": core.ErrorCode(err), "Message": core.ErrorMessage(err)}
			} else {
				checkDoc(t, doc)
				got = golden{Kind: doc.Kind, Title: doc.Title, Meta: doc.Meta, PagesWithoutText: doc.PagesWithoutText, Pages: doc.Pages}
			}
			out, _ := json.MarshalIndent(got, "", "  ")
			out = append(out, '\n')
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(want) != string(out) {
				t.Errorf("extraction of %s changed; got:\n%s", name, out)
			}
		})
	}
}

func TestParseUnsupportedKinds(t *testing.T) {
	for _, k := range []Kind{KindPNG, KindMP3, KindMP4, "exe", ""} {
		_, err := Parse(context.Background(), []byte("x"), k, Limits{})
		wantCode(t, err, core.EUNSUPPORTED)
	}
}

func TestParseTooLargeInput(t *testing.T) {
	_, err := Parse(context.Background(), make([]byte, 2048), KindTXT, Limits{MaxBytes: 1024})
	wantCode(t, err, core.ETOOLARGE)
}

func TestParseCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, k := range []Kind{KindPDF, KindDOCX, KindTXT, KindHTML, KindEML, KindMarkdown} {
		if _, err := Parse(ctx, []byte("hello"), k, Limits{}); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: want context.Canceled, got %v", k, err)
		}
	}
}

func TestKindClass(t *testing.T) {
	tests := []struct {
		kind Kind
		want string
	}{
		{KindPDF, "document"}, {KindDOCX, "document"}, {KindTXT, "document"}, {KindMarkdown, "document"},
		{KindHTML, "document"}, {KindEML, "document"}, {KindPNG, "image"}, {KindJPEG, "image"},
		{KindWEBP, "image"}, {KindTIFF, "image"}, {KindWAV, "audio"}, {KindMP3, "audio"},
		{KindM4A, "audio"}, {KindOGG, "audio"}, {KindFLAC, "audio"}, {KindMP4, "video"},
		{KindWEBM, "video"}, {KindMOV, "video"}, {"exe", ""},
	}
	for _, tt := range tests {
		if got := tt.kind.Class(); got != tt.want {
			t.Errorf("%s.Class() = %q, want %q", tt.kind, got, tt.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"crlf", "a\r\nb\rc", "a\nb\nc"},
		{"blank runs", "\n\n\na\n\n\n\nb\n\n", "a\n\nb"},
		{"trailing spaces", "a   \nb\t\n", "a\nb"},
		{"controls", "a\x00b\x07c\x1b", "abc"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"nbsp", "a\u00a0b", "a b"},
		{"indent kept", "a\n  b", "a\n  b"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("%s: cleanText(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// allocated returns the bytes f allocates: the bomb tests assert that a
// refused file costs little memory.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestParseConcurrent parses every test document from several goroutines
// at once: Parse keeps no shared mutable state (run with -race).
func TestParseConcurrent(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.*")
	var inputs [][]byte
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			inputs = append(inputs, data)
		}
	}
	const workers = 4
	docs := make(chan *Document, workers*len(inputs))
	var wg sync.WaitGroup
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, data := range inputs {
				if kind, _, ok := Detect(data, "x"); ok {
					if doc, err := Parse(context.Background(), data, kind, Limits{}); err == nil {
						docs <- doc
					}
				}
			}
		}()
	}
	wg.Wait()
	close(docs)
	for doc := range docs {
		checkDoc(t, doc)
	}
}
