package httpapi_test

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"strings"
	"testing"

	"sentry/backend/pdfraster"
)

// scannedPDF wraps a JPEG in a one-page PDF with no text layer, as a
// scanner makes them.
func scannedPDF(t *testing.T, jpg []byte) []byte {
	t.Helper()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	w, h := cfg.Width, cfg.Height
	content := fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im0 Do Q", w, h)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>", w, h),
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream", w, h, len(jpg), jpg),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func TestScannedPDFPagesGoToOCR(t *testing.T) {
	if !pdfraster.Available() {
		t.Skip("skipped: pdftoppm (poppler-utils) is not installed")
	}
	b := newUploadBackend(t, nil)
	acc := b.signUp("scan@example.com")
	pdf := scannedPDF(t, fixture(t, "tesseract/testdata/whiteboard.jpg"))
	res, body := b.sendFile("/api/extract/document?review=true", acc.Access, "scan.pdf", pdf)
	if res.StatusCode != 202 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	run := b.waitRun(acc.Access, decodeRun(t, body).ID)
	if run.Status != "done" || len(run.Tasks) == 0 {
		t.Fatalf("run: %+v", run)
	}
	var titles []string
	for _, it := range run.Tasks {
		titles = append(titles, strings.ToLower(it.Title+" "+it.Evidence.Sentence))
	}
	all := strings.Join(titles, " | ")
	if !strings.Contains(all, "email the client") {
		t.Fatalf("tasks from the scanned page: %s", all)
	}
}
