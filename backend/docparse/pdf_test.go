package docparse

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"sentry/backend/core"
)

// rawPDF assembles a PDF from object bodies (object n is objs[n-1]) with a
// correct cross-reference table. Object 1 must be the catalog.
func rawPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func pdfStream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// onePagePDF is a one-page PDF drawing content with fonts /F1 (Helvetica,
// WinAnsi) and /F2 (object 6 when given in extra), plus extra objects
// numbered from 6.
func onePagePDF(content, resources string, extra ...string) []byte {
	if resources == "" {
		resources = "<< /Font << /F1 5 0 R >> >>"
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources " + resources + " >>",
		pdfStream("", content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	return rawPDF(append(objs, extra...)...)
}

func TestPDFContent(t *testing.T) {
	tounicode := pdfStream("", `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0001> <0048> <0002> <0069> endbfchar
2 beginbfrange <0010> <0012> <0061> <0020> <0021> [<0078> <FB01>] endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end`)
	type0 := "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Some /Encoding /Identity-H /ToUnicode 7 0 R /DescendantFonts [8 0 R] >>"
	cid := "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+Some /DW 500 /W [1 [600 300]] >>"
	res2 := "<< /Font << /F1 5 0 R /F2 6 0 R >> >>"

	tests := []struct {
		name      string
		pdf       []byte
		want      string // the page text
		wantEmpty bool
	}{
		{
			name: "lines and words",
			pdf:  onePagePDF("BT /F1 12 Tf 72 700 Td (Hello) Tj ( world) Tj 0 -14 Td (Second line) Tj ET", ""),
			want: "Hello world\nSecond line",
		},
		{
			name: "TJ kerning and gaps",
			pdf:  onePagePDF("BT /F1 12 Tf 72 700 Td [(Ke) 20 (rn) -30 (ed) -400 (gap)] TJ ET", ""),
			want: "Kerned gap",
		},
		{
			name: "positioned words without spaces",
			pdf:  onePagePDF("BT /F1 12 Tf 1 0 0 1 72 700 Tm (Alpha) Tj 1 0 0 1 120 700 Tm (Beta) Tj ET", ""),
			want: "Alpha Beta",
		},
		{
			name: "T* and quote operators",
			pdf:  onePagePDF("BT /F1 12 Tf 14 TL 72 700 Td (one) Tj T* (two) Tj (three) ' 1 0 (four) \" ET", ""),
			want: "one\ntwo\nthree\nfour",
		},
		{
			name: "paragraph gap",
			pdf:  onePagePDF("BT /F1 10 Tf 72 700 Td (First) Tj 0 -40 Td (Second) Tj ET", ""),
			want: "First\n\nSecond",
		},
		{
			name: "table cells get tabs",
			pdf:  onePagePDF("BT /F1 10 Tf 72 700 Td (Owner) Tj 200 0 Td (Task) Tj ET", ""),
			want: "Owner\tTask",
		},
		{
			name: "winansi escapes",
			pdf:  onePagePDF(`BT /F1 12 Tf 72 700 Td (Caf\351 \223quoted\224 \226 100\200) Tj ET`, ""),
			want: "Café “quoted” – 100€",
		},
		{
			name: "differences with glyph names",
			pdf: onePagePDF("BT /F2 12 Tf 72 700 Td (\001nd \002 \003s) Tj ET", res2,
				"<< /Type /Font /Subtype /Type1 /BaseFont /Custom /Encoding << /BaseEncoding /StandardEncoding /Differences [1 /fi 2 /uni20AC 3 /quoteright] >> >>"),
			want: "find € ’s",
		},
		{
			name: "type0 identity with ToUnicode",
			pdf:  onePagePDF("BT /F2 12 Tf 72 700 Td <000100020010001100120020 0021> Tj ET", res2, type0, tounicode, cid),
			want: "Hiabcxfi",
		},
		{
			name: "type0 without ToUnicode has no text",
			pdf: onePagePDF("BT /F2 12 Tf 72 700 Td <00010002> Tj ET", res2,
				"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [7 0 R] >>", cid),
			wantEmpty: true,
		},
		{
			name: "actual text replaces glyphs",
			pdf:  onePagePDF("BT /F1 12 Tf 72 700 Td (Go) Tj /Span << /ActualText (\\376\\377\\000e\\000s) >> BDC (XYZ) Tj EMC ( now) Tj ET", ""),
			want: "Goes now",
		},
		{
			name: "form xobject",
			pdf: onePagePDF("q 1 0 0 1 0 0 cm /Fm1 Do Q BT /F1 12 Tf 72 600 Td (Body) Tj ET",
				"<< /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R >> >>",
				pdfStream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>", "BT /F1 12 Tf 72 700 Td (In a form) Tj ET")),
			want: "In a form\n\nBody",
		},
		{
			name: "self-drawing form stops",
			pdf: onePagePDF("/Fm1 Do",
				"<< /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R >> >>",
				pdfStream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R >> >>", "/Fm1 Do /Fm1 Do BT /F1 12 Tf 72 700 Td (x) Tj ET")),
			want: "x",
		},
		{
			name: "inline image data is skipped",
			pdf:  onePagePDF("BI /W 2 /H 2 /CS /G /BPC 8 ID \x00(Tj)\xffBT EI Q BT /F1 12 Tf 72 700 Td (After image) Tj ET", ""),
			want: "After image",
		},
		{
			name: "fake bold is not doubled",
			pdf:  onePagePDF("BT /F1 12 Tf 1 0 0 1 72 700 Tm (B) Tj 1 0 0 1 72.3 700 Tm (B) Tj 1 0 0 1 79.5 700 Tm (old) Tj ET", ""),
			want: "Bold",
		},
		{
			name:      "unknown font resource",
			pdf:       onePagePDF("BT /F9 12 Tf 72 700 Td (secret) Tj ET", ""),
			wantEmpty: true,
		},
		{
			name: "garbage operators are ignored",
			pdf:  onePagePDF("BT Tf Tj TJ 1 Td ] ] >> /F1 12 Tf 72 700 Td (ok) Tj ET Q Q Q", ""),
			want: "ok",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, tt.pdf, KindPDF)
			if len(doc.Pages) != 1 {
				t.Fatalf("pages = %d", len(doc.Pages))
			}
			got := doc.Pages[0].Text
			if tt.wantEmpty {
				if got != "" || !slices.Equal(doc.PagesWithoutText, []int{1}) {
					t.Fatalf("want a page without text, got %q (without text: %v)", got, doc.PagesWithoutText)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("text = %q, want %q", got, tt.want)
			}
		})
	}
}

// fpdfDocument makes a three-page PDF with the given middle page: the
// kind of file people upload, made by a common Go PDF writer.
func fpdfDocument(t *testing.T, middle func(*fpdf.Fpdf)) []byte {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Weekly Report", true)
	pdf.SetAuthor("Dana", true)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetFont("Helvetica", "", 12)
	pdf.AddPage()
	pdf.Cell(0, 10, tr("Weekly report — café meeting"))
	pdf.Ln(12)
	pdf.MultiCell(0, 6, "Eve should call the vendor on Tuesday. This paragraph is long enough to wrap onto a second line in the PDF output.", "", "L", false)
	pdf.AddPage()
	middle(pdf)
	pdf.AddPage()
	pdf.SetFont("Times", "B", 14)
	pdf.Cell(0, 10, "Last page in bold Times.")
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPDFScannedPage(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 40, 20))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(3, 3, color.Black)
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		t.Fatal(err)
	}
	data := fpdfDocument(t, func(pdf *fpdf.Fpdf) {
		// A scanned page: one picture and no text layer.
		pdf.RegisterImageOptionsReader("scan", fpdf.ImageOptions{ImageType: "PNG"}, &pngData)
		pdf.ImageOptions("scan", 10, 10, 190, 95, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	})
	doc := mustParse(t, data, KindPDF)
	if len(doc.Pages) != 3 {
		t.Fatalf("pages = %d, want 3", len(doc.Pages))
	}
	if !slices.Equal(doc.PagesWithoutText, []int{2}) {
		t.Errorf("PagesWithoutText = %v, want [2]", doc.PagesWithoutText)
	}
	if doc.Title != "Weekly Report" || doc.Meta["Author"] != "Dana" {
		t.Errorf("title %q, meta %v", doc.Title, doc.Meta)
	}
	wantPages := []string{
		"Weekly report — café meeting\n\nEve should call the vendor on Tuesday. This paragraph is long enough to wrap onto a second line in\nthe PDF output.",
		"",
		"Last page in bold Times.",
	}
	for i, p := range doc.Pages {
		if p.Text != wantPages[i] {
			t.Errorf("page %d = %q, want %q", i+1, p.Text, wantPages[i])
		}
	}
	if i := strings.Index(doc.Text, "Eve should call"); i < doc.Pages[0].Offset || i > doc.Pages[1].Offset {
		t.Errorf("a citation offset does not land on page 1")
	}
}

func TestPDFErrors(t *testing.T) {
	good := onePagePDF("BT /F1 12 Tf 72 700 Td (Hello) Tj ET", "")
	encrypted, err := os.ReadFile("testdata/encrypted-password.pdf")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		lim  Limits
		code string
		msg  string
	}{
		{"encrypted", encrypted, Limits{}, core.EINVALID, "This PDF is encrypted; remove the password and upload it again."},
		{"truncated", good[:len(good)/2], Limits{}, core.EINVALID, ""},
		{"header only", []byte("%PDF-1.7\n"), Limits{}, core.EINVALID, ""},
		{"not a pdf", []byte("hello world"), Limits{}, core.EINVALID, ""},
		{"no pages", rawPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"), Limits{}, core.EINVALID, "This PDF has no pages."},
		{"too many pages", fpdfDocument(t, func(*fpdf.Fpdf) {}), Limits{MaxPages: 2}, core.ETOOLARGE, ""},
		{"too much text", good, Limits{MaxTextBytes: 3}, core.ETOOLARGE, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(context.Background(), tt.data, KindPDF, tt.lim)
			wantCode(t, err, tt.code)
			if tt.msg != "" && core.ErrorMessage(err) != tt.msg {
				t.Errorf("message %q, want %q", core.ErrorMessage(err), tt.msg)
			}
		})
	}
}

func TestPDFPageTreeCycle(t *testing.T) {
	// The page tree node lists itself as a kid: the walk must end.
	data := rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 3 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		pdfStream("", "BT /F1 12 Tf 72 700 Td (Loop) Tj ET"),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	)
	doc, err := Parse(context.Background(), data, KindPDF, Limits{})
	if err != nil {
		checkErr(t, err)
		return
	}
	checkDoc(t, doc)
	if len(doc.Pages) != 1 || doc.Pages[0].Text != "Loop" {
		t.Errorf("pages %+v", doc.Pages)
	}
}

func TestPDFLibraryPanicIsInvalid(t *testing.T) {
	// Whatever breaks inside, the caller gets a damaged-file error.
	err := damaged(KindPDF, fmt.Errorf("boom"))
	wantCode(t, err, core.EINVALID)
	if core.ErrorMessage(err) != "This PDF is damaged or not a valid PDF." {
		t.Errorf("message %q", core.ErrorMessage(err))
	}
}

func TestPDFFlateBomb(t *testing.T) {
	// A page whose content stream inflates to 1 GiB (text, then blank
	// space): the decoder stops at its limit, so the page is read as
	// having no text, cheaply.
	raw := deflateRepeat(t, "BT /F1 12 Tf 72 700 Td (x) Tj ET ", bytes.Repeat([]byte(" "), 1<<20), 1024, "")
	stream := string(append([]byte{0x78, 0xDA}, raw...)) // zlib header; the checksum is never reached
	data := rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	)
	var err error
	var doc *Document
	mem := allocated(func() {
		doc, err = Parse(context.Background(), data, KindPDF, Limits{})
	})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkDoc(t, doc)
	if !slices.Equal(doc.PagesWithoutText, []int{1}) {
		t.Errorf("PagesWithoutText = %v", doc.PagesWithoutText)
	}
	// Total allocation (not peak) across decoder buffer growth; well below
	// the 1 GiB the stream would inflate to. Room for the race detector.
	if mem > 768<<20 {
		t.Errorf("allocated %d MiB for a stream bomb", mem>>20)
	}
}
