package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"sentry/backend/core"
	"sentry/backend/docparse"
)

// document parses a document; the pages of a PDF that have no text layer
// (scans) are rendered and read by OCR when both engines are here, and
// left empty otherwise, so the pages with text are still read.
func (r *Reader) document(ctx context.Context, data []byte, kind docparse.Kind, progress Progress) (*core.Source, error) {
	progress("extracting text", 0.2)
	doc, err := docparse.Parse(ctx, data, kind, docparse.Limits{})
	if err != nil {
		return nil, err
	}
	src := &core.Source{Kind: "document"}
	if kind == docparse.KindEML {
		src.Kind = "email"
	}
	scanned := map[int]bool{}
	for _, n := range doc.PagesWithoutText {
		scanned[n] = true
	}
	canScan := r.engines.OCR != nil && r.engines.Pages != nil
	unread := 0
	var b strings.Builder
	for i, p := range doc.Pages {
		text := p.Text
		if scanned[p.Number] && canScan {
			progress(fmt.Sprintf("reading scanned page %d of %d by OCR", p.Number, len(doc.Pages)), 0.2+0.6*float64(i)/float64(len(doc.Pages)))
			t, err := r.scannedPage(ctx, data, p.Number)
			switch {
			case core.ErrorCode(err) == core.EUNSUPPORTED:
				canScan = false // no renderer after all: keep the pages with text
			case err != nil:
				return nil, err
			default:
				text = strings.ToValidUTF8(t, "")
			}
		}
		if scanned[p.Number] && !canScan {
			unread++
		}
		if i > 0 {
			b.WriteString("\n\n")
		}
		start := b.Len()
		b.WriteString(text)
		src.Pages = append(src.Pages, core.Span{Start: start, End: b.Len(), Page: p.Number})
	}
	src.Text = b.String()
	if unread > 0 && strings.TrimSpace(src.Text) == "" {
		return nil, core.Errorf(core.EUNSUPPORTED, "This PDF is scanned pages without a text layer and they could not be read here; reading them needs pdftoppm (install poppler-utils) and Tesseract.")
	}
	return src, nil
}

// scannedPage renders one page of a PDF and reads it by OCR.
func (r *Reader) scannedPage(ctx context.Context, pdf []byte, page int) (string, error) {
	f, err := r.engines.Pages.RenderPage(ctx, bytes.NewReader(pdf), page, ScanDPI)
	if err != nil {
		return "", err
	}
	png, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return "", fmt.Errorf("ingest: read rendered page %d: %w", page, err)
	}
	res, err := r.engines.OCR.Recognize(ctx, png, core.OCROptions{})
	if err != nil {
		return "", err
	}
	return res.Text, nil
}
