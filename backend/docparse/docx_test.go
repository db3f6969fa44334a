package docparse

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"

	"sentry/backend/core"
)

type zipEntry struct {
	name string
	body string
}

// makeZip writes entries in order with deflate.
func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="urn:content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`

// makeDOCX wraps body (the children of w:body) into a minimal DOCX.
func makeDOCX(t testing.TB, body string, extra ...zipEntry) []byte {
	t.Helper()
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="urn:wordprocessingml" xmlns:mc="urn:markup-compatibility"><w:body>` + body + `</w:body></w:document>`
	entries := append([]zipEntry{{"[Content_Types].xml", contentTypes}, {"word/document.xml", doc}}, extra...)
	return makeZip(t, entries...)
}

func p(text string) string {
	return `<w:p><w:r><w:t xml:space="preserve">` + text + `</w:t></w:r></w:p>`
}

func TestDOCX(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		extra []zipEntry
		want  string
		title string
	}{
		{
			name: "paragraphs and runs",
			body: p("First paragraph.") + `<w:p><w:r><w:t>Split </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>run</w:t></w:r><w:r><w:tab/><w:t>tabbed</w:t><w:br/><w:t>broken</w:t></w:r></w:p>`,
			want: "First paragraph.\nSplit run\ttabbed\nbroken",
		},
		{
			name:  "headings and lists",
			body:  `<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>Plan</w:t></w:r></w:p>` + p("Intro.") + `<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Action items</w:t></w:r></w:p><w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="3"/></w:numPr></w:pPr><w:r><w:t>Bob books the room</w:t></w:r></w:p>`,
			want:  "Plan\nIntro.\n\nAction items\n- Bob books the room",
			title: "Plan",
		},
		{
			name: "tables are tab separated",
			body: p("Before") + `<w:tbl><w:tblPr/><w:tr><w:tc><w:p><w:r><w:t>Owner</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Task</w:t></w:r></w:p><w:p><w:r><w:t>(two lines)</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc>` + p("Ann") + `</w:tc><w:tc><w:tbl><w:tr><w:tc>` + p("nested") + `</w:tc><w:tc>` + p("cells") + `</w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>` + p("After"),
			want: "Before\nOwner\tTask (two lines)\nAnn\tnested cells\nAfter",
		},
		{
			name: "deleted, moved and fallback text is skipped",
			body: `<w:p><w:r><w:t>Keep</w:t></w:r><w:del><w:r><w:delText>gone</w:delText></w:r></w:del><w:ins><w:r><w:t> added</w:t></w:r></w:ins><w:r><w:instrText> HYPERLINK "x" </w:instrText></w:r></w:p>` +
				`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>` + p("Text box") + `</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>` + p("Text box") + `</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>Anchor</w:t></w:r></w:p>`,
			want: "Keep added\nText box\nAnchor",
		},
		{
			name:  "title from core properties",
			body:  p("Body"),
			extra: []zipEntry{{"docProps/core.xml", `<cp:coreProperties xmlns:cp="x" xmlns:dc="y"><dc:title>Board Minutes</dc:title><dc:creator>Eve</dc:creator></cp:coreProperties>`}},
			want:  "Body",
			title: "Board Minutes",
		},
		{
			name:  "main part found through relationships",
			body:  p("ignored"),
			extra: []zipEntry{{"_rels/.rels", `<Relationships><Relationship Id="rId1" Type="urn:x/officeDocument/2006/relationships/officeDocument" Target="/word/main.xml"/></Relationships>`}, {"word/main.xml", `<w:document xmlns:w="w"><w:body>` + p("Main part") + `</w:body></w:document>`}},
			want:  "Main part",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := makeDOCX(t, tt.body, tt.extra...)
			if k, _, ok := Detect(data, "x.bin"); !ok || k != KindDOCX {
				t.Fatalf("Detect = %q %v", k, ok)
			}
			doc := mustParse(t, data, KindDOCX)
			if doc.Text != tt.want {
				t.Errorf("text = %q, want %q", doc.Text, tt.want)
			}
			if doc.Title != tt.title {
				t.Errorf("title = %q, want %q", doc.Title, tt.title)
			}
			if len(doc.Pages) != 1 || doc.Pages[0].Number != 1 {
				t.Errorf("pages = %+v", doc.Pages)
			}
		})
	}
}

func TestDOCXRefused(t *testing.T) {
	good := func(name string) []byte {
		return makeZip(t, zipEntry{"[Content_Types].xml", contentTypes}, zipEntry{"word/document.xml", `<w:document xmlns:w="w"><w:body>` + p("x") + `</w:body></w:document>`}, zipEntry{name, "x"})
	}
	tests := []struct {
		name string
		data []byte
		lim  Limits
		code string
	}{
		{"path traversal", good("../../etc/passwd"), Limits{}, core.EINVALID},
		{"absolute path", good("/etc/passwd"), Limits{}, core.EINVALID},
		{"backslash path", good(`word\..\..\x`), Limits{}, core.EINVALID},
		{"duplicate main part", good("word/document.xml"), Limits{}, core.EINVALID},
		{"no document part", makeZip(t, zipEntry{"[Content_Types].xml", contentTypes}, zipEntry{"word/styles.xml", "<x/>"}), Limits{}, core.EINVALID},
		{"broken xml", makeDOCX(t, "<w:p><w:r><w:t>open"), Limits{}, core.EINVALID},
		{"not a zip", []byte("PK\x03\x04 not really"), Limits{}, core.EINVALID},
		{"truncated", makeDOCX(t, p("hello"))[:100], Limits{}, core.EINVALID},
		{"too many entries", manyEntries(t, 50), Limits{MaxZipEntries: 20}, core.ETOOLARGE},
		{"too much text", makeDOCX(t, p(strings.Repeat("word ", 100))), Limits{MaxTextBytes: 100}, core.ETOOLARGE},
		{"too deep", makeDOCX(t, strings.Repeat("<w:sdt>", 5000)+strings.Repeat("</w:sdt>", 5000)), Limits{}, core.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(context.Background(), tt.data, KindDOCX, tt.lim)
			wantCode(t, err, tt.code)
		})
	}
}

func manyEntries(t testing.TB, n int) []byte {
	entries := []zipEntry{{"[Content_Types].xml", contentTypes}, {"word/document.xml", `<w:document><w:body/></w:document>`}}
	for i := 0; i < n; i++ {
		entries = append(entries, zipEntry{fmt.Sprintf("word/media/image%d.png", i), ""})
	}
	return makeZip(t, entries...)
}

// deflateRepeat returns a raw deflate stream that inflates to prefix,
// then chunk n times, then suffix, in about len(compressed chunk)·n bytes:
// each piece is compressed on its own and ends on a byte boundary, so the
// pieces can be repeated without compressing the whole output.
func deflateRepeat(t testing.TB, prefix string, chunk []byte, n int, suffix string) []byte {
	piece := func(data []byte, final bool) []byte {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		fw.Write(data)
		if final {
			fw.Close()
		} else {
			fw.Flush()
		}
		return b.Bytes()
	}
	var out bytes.Buffer
	out.Write(piece([]byte(prefix), false))
	c := piece(chunk, false)
	for i := 0; i < n; i++ {
		out.Write(c)
	}
	out.Write(piece([]byte(suffix), true))
	return out.Bytes()
}

// bombDOCX is a DOCX whose document.xml inflates to about 1 GiB of
// body while its header declares declared bytes.
func bombDOCX(t testing.TB, chunk string, declared uint64) []byte {
	const total = 1 << 30
	c := bytes.Repeat([]byte(chunk), (1<<20)/len(chunk))
	raw := deflateRepeat(t, `<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>`, c, total/len(c), `</w:t></w:r></w:p></w:body></w:document>`)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte(contentTypes))
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               "word/document.xml",
		Method:             zip.Deflate,
		CRC32:              crc32.ChecksumIEEE(nil),
		CompressedSize64:   uint64(len(raw)),
		UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(raw)
	zw.Close()
	return b.Bytes()
}

func TestDOCXZipBomb(t *testing.T) {
	tests := []struct {
		name     string
		chunk    string
		declared uint64
	}{
		// One text run of 1 GiB that claims to be 100 bytes.
		{"one run declared small", "a", 100},
		// Markup only (no text), so only the uncompressed-size guard stops it.
		{"markup declared small", "<w:r/>", 100},
		// Honest about its size: refused before inflating anything.
		{"declared huge", "a", 1 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := bombDOCX(t, tt.chunk, tt.declared)
			if len(data) > 4<<20 {
				t.Fatalf("bomb is %d bytes; the test wants a small file", len(data))
			}
			var err error
			mem := allocated(func() {
				_, err = Parse(context.Background(), data, KindDOCX, Limits{})
			})
			wantCode(t, err, core.ETOOLARGE)
			if mem > 256<<20 {
				t.Errorf("allocated %d MiB to refuse a zip bomb", mem>>20)
			}
		})
	}
}

func TestDOCXManyEntriesBomb(t *testing.T) {
	data := manyEntries(t, DefaultMaxZipEntries+10)
	var err error
	mem := allocated(func() {
		_, err = Parse(context.Background(), data, KindDOCX, Limits{})
	})
	wantCode(t, err, core.ETOOLARGE)
	if mem > 8<<20 {
		t.Errorf("allocated %d MiB to count entries", mem>>20)
	}
}
