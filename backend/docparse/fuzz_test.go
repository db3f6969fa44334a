package docparse

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// fuzzLimits keep each fuzz run small so the fuzzer explores quickly.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxTextBytes: 1 << 20, MaxZipEntries: 100, MaxUnzipped: 8 << 20, MaxPages: 50}

// fuzzParse parses data as kind and checks the promises of Parse: no
// panic (Parse recovers them, so a recovered panic fails the fuzz run), no
// endless work, user-safe errors, valid UTF-8 and consistent page offsets.
func fuzzParse(t *testing.T, data []byte, kind Kind) {
	ctx := &workBudget{Context: context.Background(), checks: fuzzWorkBudget}
	doc, err := Parse(ctx, data, kind, fuzzLimits)
	if err != nil {
		var rec *recoveredError
		if errors.As(err, &rec) && panickedHere(rec.stack) {
			t.Fatalf("panic: %v\n%s", rec.value, rec.stack)
		}
		if errors.Is(err, errWorkBudget) {
			t.Fatalf("parse did not finish within %d context checks", fuzzWorkBudget)
		}
		checkErr(t, err)
		return
	}
	checkDoc(t, doc)
}

// fuzzWorkBudget is how many times a parse of one fuzz input may ask its
// context whether to stop. The parsers ask every so many steps of work
// (checkCtx), so this bounds work, not time: a loop that never ends but
// still checks ctx is caught after the same work on any machine, however
// slow or busy. A parse that does not check ctx at all hangs the fuzzer,
// which reports that too. The seeds need a few hundred checks at most.
const fuzzWorkBudget = 1 << 20

var errWorkBudget = errors.New("docparse test: work budget used up")

// workBudget is a context that says stop once its parse has asked it more
// than checks times. It never has a Done channel: the parsers poll Err.
type workBudget struct {
	context.Context
	checks int64
	asked  atomic.Int64
}

func (w *workBudget) Err() error {
	if w.asked.Add(1) > w.checks {
		return errWorkBudget
	}
	return w.Context.Err()
}

// panickedHere reports whether a recovered panic was raised by this
// package's code. Panics raised inside the PDF library on malformed files
// are expected: Parse turns them into damaged-file errors.
func panickedHere(stack []byte) bool {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			for _, next := range lines[i+1:] {
				if strings.HasPrefix(next, "\t") || strings.HasPrefix(next, "runtime.") {
					continue // file lines and runtime frames
				}
				return strings.HasPrefix(next, "sentry/backend/docparse.")
			}
		}
	}
	return true
}

// addFiles seeds f with the testdata files matching pattern.
func addFiles(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte("%PDF-1.7"), "a.txt")
	f.Add([]byte("\x89PNG\r\n\x1a\n"), "a.pdf")
	f.Add(mp3Frames(), "a")
	f.Add(cat(id3(10), []byte("fLaC")), "a")
	f.Add(ftyp("M4A ", "isom"), "a")
	f.Add(ebml("webm"), "a")
	f.Add([]byte("From: a@b\nReceived: x\n\nbody"), "a")
	f.Add([]byte("<!doctype html><p>x"), "a")
	f.Add([]byte("# Title\n\n- [ ] task\n"), "a.md")
	f.Add([]byte("\xff\xfeh\x00"), "a")
	f.Add(makeDOCX(f, p("x")), "a.docx")
	f.Fuzz(func(t *testing.T, head []byte, name string) {
		kind, mime, ok := Detect(head, name)
		if ok != (kind != "") || ok != (mime != "") {
			t.Fatalf("inconsistent result %q %q %v", kind, mime, ok)
		}
		if ok && kind.Class() == "" {
			t.Fatalf("kind %q has no class", kind)
		}
		if k2, m2, ok2 := Detect(head, name); k2 != kind || m2 != mime || ok2 != ok {
			t.Fatalf("not deterministic")
		}
		if ok && kind != KindMarkdown && kind != KindTXT {
			// Only text flavours may depend on the name.
			if k3, _, _ := Detect(head, "other.bin"); k3 != kind {
				t.Fatalf("%q became %q when renamed", kind, k3)
			}
		}
	})
}

func FuzzParsePDF(f *testing.F) {
	addFiles(f, "*.pdf")
	f.Add(onePagePDF("BT /F1 12 Tf 72 700 Td (Hello) Tj ET", ""))
	f.Add(onePagePDF("BT /F2 12 Tf [(a) -300 (b)] TJ /Span <</ActualText (x)>> BDC (y) Tj EMC ET", "<< /Font << /F1 5 0 R /F2 6 0 R >> >>",
		"<< /Type /Font /Subtype /Type0 /Encoding /Identity-H /ToUnicode 7 0 R /DescendantFonts [8 0 R] >>",
		pdfStream("", "1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfrange <0000> <00FF> <0041> endbfrange"),
		"<< /Subtype /CIDFontType2 /W [1 [500] 2 10 300] >>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, data, KindPDF)
	})
}

func FuzzParseDOCX(f *testing.F) {
	addFiles(f, "*.docx")
	f.Add(makeDOCX(f, p("Hello")+`<w:tbl><w:tr><w:tc>`+p("a")+`</w:tc><w:tc>`+p("b")+`</w:tc></w:tr></w:tbl>`))
	f.Add(makeZip(f, zipEntry{"[Content_Types].xml", contentTypes}, zipEntry{"word/document.xml", "<w:document><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>"}))
	f.Add([]byte(`<w:document><w:body><w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>T</w:t><w:tab/></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc></w:tr></w:tbl><mc:Fallback><w:t>x</w:t></mc:Fallback></w:body></w:document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, data, KindDOCX)
		// Mutated archives rarely inflate, so the same bytes are also
		// tried as the document part of a valid archive.
		fuzzParse(t, storedDOCX(t, data), KindDOCX)
	})
}

// storedDOCX wraps body as word/document.xml in an uncompressed archive.
func storedDOCX(t testing.TB, body []byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range []zipEntry{{"[Content_Types].xml", contentTypes}, {"word/document.xml", string(body)}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	zw.Close()
	return b.Bytes()
}

func FuzzParseHTML(f *testing.F) {
	f.Add([]byte(`<!DOCTYPE html><html><head><title>T</title><style>x</style></head><body><h1>H</h1><p>a &amp; b</p><table><tr><td>1</td><td>2</td></tr></table><pre> x </pre><script>y</script></body></html>`))
	f.Add([]byte("<html><head><meta charset=\"shift_jis\"><body>\x82\xa0"))
	f.Add([]byte("<html><body><img alt=\"pic\"><svg><p>x</svg><textarea>t</textarea>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, data, KindHTML)
	})
}

func FuzzParseEML(f *testing.F) {
	addFiles(f, "*.eml")
	f.Add([]byte("From: a@example.com\nSubject: =?utf-8?q?hi?=\n\nbody"))
	f.Add([]byte("From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html; charset=koi8-r\nContent-Transfer-Encoding: quoted-printable\n\n<p>=C1</p>\n--b\nContent-Type: message/rfc822\n\nFrom: x\n\ny\n--b--\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, data, KindEML)
	})
}
