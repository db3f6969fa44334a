// Package ingest turns an upload into positioned text (core.Source): the
// text of a document with its pages, of an image with each word's box, of
// a recording with each word's time. It is the one place that knows which
// file kinds exist and how each is read; extraction and notebooks both
// read uploads through it.
//
// Documents are parsed here (text layers, with scanned PDF pages rendered
// and read by OCR); everything that needs an engine installed on the
// machine (OCR, page rendering, audio decoding, speech recognition, image
// descriptions) is reached through the core interfaces in Engines, which
// the composition root wires and tests may replace.
package ingest

import (
	"context"
	"io"
	"strings"

	"sentry/backend/core"
	"sentry/backend/docparse"
)

// KindPDF is the kind of PDF documents, the only kind with pages to render.
const KindPDF = string(docparse.KindPDF)

// Engines are what reading needs beyond the document parsers. A nil engine
// makes the files that need it fail with a reason (unsupported); a reader
// without engines reads documents' text layers only.
type Engines struct {
	OCR       core.OCR
	Pages     core.PageRenderer
	Audio     core.AudioDecoder
	Speech    core.Transcriber
	Describer core.ImageDescriber
}

// Reader reads uploads with its engines. It is safe for concurrent use.
type Reader struct {
	engines Engines
}

// New returns a reader over the given engines.
func New(e Engines) *Reader { return &Reader{engines: e} }

// Options tune one read.
type Options struct {
	// Handwriting reads an image as notes written by hand.
	Handwriting bool
	// Describe adds a description of an image after its text, when an
	// image describer is wired (the text's spans stay where they are).
	Describe bool
}

// Progress reports a stage of a read, for people to see, and the fraction
// of the read done (0 to 1).
type Progress func(stage string, done float64)

// ScanDPI is the resolution scanned PDF pages are rendered at for OCR.
const ScanDPI = 200

// Detect tells a file's kind and MIME type by its content (the name helps
// only for formats without a signature); ok is false for files Sentry does
// not accept.
func Detect(head []byte, name string) (kind, mime string, ok bool) {
	k, m, ok := docparse.Detect(head, name)
	return string(k), m, ok
}

// Class tells a kind's class: document, image, audio or video ("" for
// unknown kinds).
func Class(kind string) string { return docparse.Kind(kind).Class() }

// Read reads data of the given kind (as Detect names it). Errors are
// *core.Error with messages for users: invalid for damaged files,
// unsupported for kinds or files that need an engine that is not here
// (the message says what to install), too_large past the parsers' limits.
// A cancelled ctx returns its error.
func (r *Reader) Read(ctx context.Context, data []byte, kind string, opt Options, progress Progress) (*core.Source, error) {
	if progress == nil {
		progress = func(string, float64) {}
	}
	var src *core.Source
	var err error
	switch Class(kind) {
	case "document":
		src, err = r.document(ctx, data, docparse.Kind(kind), progress)
	case "image":
		src, err = r.image(ctx, data, opt, progress)
	case "audio", "video":
		src, err = r.recording(ctx, data, kind, progress)
	default:
		return nil, core.Errorf(core.EUNSUPPORTED, "Files of kind %q cannot be read.", kind)
	}
	if src != nil {
		src.Text = core.BlankNUL(src.Text)
	}
	return src, err
}

// ReadFile detects the kind of a file by its content and name and reads it.
func (r *Reader) ReadFile(ctx context.Context, data []byte, filename string, opt Options, progress Progress) (*core.Source, error) {
	kind, _, ok := Detect(data, filename)
	if !ok {
		return nil, core.Errorf(core.EUNSUPPORTED, "This kind of file is not supported.")
	}
	return r.Read(ctx, data, kind, opt, progress)
}

// RenderPage draws one page (1-based) of the PDF read from pdf as PNG at
// dpi, as a file to stream (closed by the caller). Errors: unsupported
// when no page renderer is available.
func (r *Reader) RenderPage(ctx context.Context, pdf io.Reader, page, dpi int) (io.ReadSeekCloser, error) {
	if r.engines.Pages == nil {
		return nil, core.Errorf(core.EUNSUPPORTED, "Showing PDF pages is not available on this installation.")
	}
	return r.engines.Pages.RenderPage(ctx, pdf, page, dpi)
}

// image reads an image by OCR and keeps each word's box.
func (r *Reader) image(ctx context.Context, data []byte, opt Options, progress Progress) (*core.Source, error) {
	if r.engines.OCR == nil {
		return nil, core.Errorf(core.EUNSUPPORTED, "Reading text in images (OCR) is not available on this installation.")
	}
	progress("reading the image (OCR)", 0.2)
	res, err := r.engines.OCR.Recognize(ctx, data, core.OCROptions{Handwriting: opt.Handwriting})
	if err != nil {
		return nil, err
	}
	src := &core.Source{Kind: "note"}
	if opt.Handwriting {
		src.Kind = "handwritten_ocr"
	}
	src.Text, src.Regions = placeWords(res)
	if opt.Describe && r.engines.Describer != nil {
		progress("describing the image", 0.6)
		if d := r.engines.Describer.Describe(ctx, data); d != "" {
			src.Text += "\n\n" + d // after the OCR text, so regions stay right
		}
	}
	return src, nil
}

// placeWords finds each OCR word in the text in order, so lines stay as
// read, and remembers its box.
func placeWords(res *core.OCRText) (string, []core.Span) {
	var spans []core.Span
	at := 0
	for _, w := range res.Words {
		i := strings.Index(res.Text[at:], w.Text)
		if i < 0 {
			continue
		}
		start := at + i
		box := w.Box
		spans = append(spans, core.Span{Start: start, End: start + len(w.Text), Region: &box})
		at = start + len(w.Text)
	}
	return res.Text, spans
}
