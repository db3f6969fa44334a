package tesseract

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"strings"
	"testing"
)

// pageLines is a page of ordinary prose and list items, 44 lines.
func pageLines() []string {
	base := []string{
		"Minutes of the product council, third quarter review",
		"Attendees: Helen, Marco, Priya, Sam and the design team",
		"1. Helen to order the new monitors by Friday",
		"2. Marco will send the revised budget to finance",
		"3. Priya to book the offsite venue for October",
		"Decisions: ship the beta to ten customers next month",
		"Risks: the vendor contract ends before the launch date",
		"Next meeting on Tuesday at ten in the large room",
		"Action: Sam writes the release notes and the changelog",
		"Please review the pricing page before the board call",
		"The support backlog fell from 120 to 45 open tickets",
	}
	var out []string
	for len(out) < 44 {
		out = append(out, base...)
	}
	return out[:44]
}

// BenchmarkRecognizePage300dpi: one US-letter page drawn at 300 dpi
// (2550×3300 pixels, text about 12 pt) through preprocessing and Tesseract.
// It reports the word recall too, so a faster setting that reads worse shows.
func BenchmarkRecognizePage300dpi(b *testing.B) {
	lines := pageLines()
	img, _ := render(2550, 3300, 4, lines)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	want := strings.Join(lines, "\n")
	b.Run("preprocess", func(b *testing.B) {
		for b.Loop() {
			g, err := decodeImage(data)
			if err != nil {
				b.Fatal(err)
			}
			_ = preprocess(g, false)
		}
	})
	b.Run("recognize", func(b *testing.B) {
		var recall float64
		for b.Loop() {
			r, err := Recognize(context.Background(), data, Options{})
			if err != nil {
				b.Fatal(err)
			}
			recall = wordRecall(r.Text, want)
		}
		b.ReportMetric(recall, "word-recall")
		if recall < 0.9 {
			b.Errorf("%s", fmt.Sprintf("word recall %.2f: the benchmark page is not being read", recall))
		}
	})
}
