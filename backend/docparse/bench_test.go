package docparse

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/go-pdf/fpdf"
)

// BenchmarkParsePDF measures a 300-page text PDF.
func BenchmarkParsePDF(b *testing.B) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetFont("Helvetica", "", 11)
	for i := 0; i < 300; i++ {
		pdf.AddPage()
		for j := 0; j < 40; j++ {
			pdf.Cell(0, 6, fmt.Sprintf("Page %d line %d: the quick brown fox jumps over the lazy dog.", i+1, j+1))
			pdf.Ln(6)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		doc, err := Parse(context.Background(), data, KindPDF, Limits{})
		if err != nil || len(doc.Pages) != 300 {
			b.Fatal(err)
		}
	}
}
