// Package docparse decides what a user's file is by its content and pulls
// the text out of documents (PDF, DOCX, plain text, Markdown, HTML, email)
// with page numbers and byte offsets, so answers can cite where they came
// from.
//
// Every byte handed to this package comes from a user and is treated as
// hostile: input size, extracted text, archive entries, decompressed bytes,
// pages, nesting and work per page are all bounded, library panics are
// recovered, and every error is a *core.Error with a message safe to show.
package docparse

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"sentry/backend/core"
)

// Kind is a file type that Sentry accepts.
type Kind string

// The kinds Detect can return.
const (
	KindPDF      Kind = "pdf"
	KindDOCX     Kind = "docx"
	KindTXT      Kind = "txt"
	KindMarkdown Kind = "markdown"
	KindHTML     Kind = "html"
	KindEML      Kind = "eml"
	KindPNG      Kind = "png"
	KindJPEG     Kind = "jpeg"
	KindWEBP     Kind = "webp"
	KindTIFF     Kind = "tiff"
	KindWAV      Kind = "wav"
	KindMP3      Kind = "mp3"
	KindM4A      Kind = "m4a"
	KindOGG      Kind = "ogg"
	KindFLAC     Kind = "flac"
	KindMP4      Kind = "mp4"
	KindWEBM     Kind = "webm"
	KindMOV      Kind = "mov"
)

var kindInfo = map[Kind]struct{ class, mime string }{
	KindPDF:      {"document", "application/pdf"},
	KindDOCX:     {"document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	KindTXT:      {"document", "text/plain"},
	KindMarkdown: {"document", "text/markdown"},
	KindHTML:     {"document", "text/html"},
	KindEML:      {"document", "message/rfc822"},
	KindPNG:      {"image", "image/png"},
	KindJPEG:     {"image", "image/jpeg"},
	KindWEBP:     {"image", "image/webp"},
	KindTIFF:     {"image", "image/tiff"},
	KindWAV:      {"audio", "audio/wav"},
	KindMP3:      {"audio", "audio/mpeg"},
	KindM4A:      {"audio", "audio/mp4"},
	KindOGG:      {"audio", "audio/ogg"},
	KindFLAC:     {"audio", "audio/flac"},
	KindMP4:      {"video", "video/mp4"},
	KindWEBM:     {"video", "video/webm"},
	KindMOV:      {"video", "video/quicktime"},
}

// Class returns "document", "image", "audio" or "video", or "" for a kind
// this package does not know.
func (k Kind) Class() string { return kindInfo[k].class }

// Page is one page of a document's text.
type Page struct {
	Number int    // 1-based; 1 for formats without pages
	Text   string // valid UTF-8
	Offset int    // byte offset of Text within Document.Text
}

// Document is the text extracted from a file.
type Document struct {
	Kind  Kind
	Title string // from metadata / first heading / email subject, when known
	Text  string // all pages joined with "\n\n"
	Pages []Page
	// PagesWithoutText lists PDF pages whose text layer is empty (scans)
	// so the caller can OCR them.
	PagesWithoutText []int
	Meta             map[string]string // e.g. email From/To/Date/Subject
}

// Limits bound the work Parse does on one file. Zero fields take the
// defaults.
type Limits struct {
	MaxBytes      int64 // input size (default 100 MiB)
	MaxTextBytes  int64 // extracted text (default 20 MiB): stop and error beyond
	MaxZipEntries int   // DOCX (default 10,000)
	MaxUnzipped   int64 // DOCX total uncompressed (default 200 MiB), counted while reading
	MaxPages      int   // PDF (default 5,000)
}

// Defaults for zero Limits fields.
const (
	DefaultMaxBytes      = 100 << 20
	DefaultMaxTextBytes  = 20 << 20
	DefaultMaxZipEntries = 10_000
	DefaultMaxUnzipped   = 200 << 20
	DefaultMaxPages      = 5_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = DefaultMaxTextBytes
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = DefaultMaxZipEntries
	}
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = DefaultMaxUnzipped
	}
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultMaxPages
	}
	return l
}

// Parse extracts text from a document kind (pdf, docx, txt, markdown, html,
// eml). Errors are *core.Error: EINVALID for damaged, encrypted or
// unparseable files, ETOOLARGE when a limit is crossed, EUNSUPPORTED for a
// kind without text extraction (images, audio, video). A cancelled ctx
// stops the work and its error is returned as is.
func Parse(ctx context.Context, data []byte, kind Kind, lim Limits) (doc *Document, err error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxBytes {
		return nil, core.Errorf(core.ETOOLARGE, "This file is larger than %s.", formatBytes(lim.MaxBytes))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var parse func(context.Context, []byte, Limits) (*Document, error)
	switch kind {
	case KindPDF:
		parse = parsePDF
	case KindDOCX:
		parse = parseDOCX
	case KindTXT:
		parse = parseTXT
	case KindMarkdown:
		parse = parseMarkdown
	case KindHTML:
		parse = parseHTML
	case KindEML:
		parse = parseEML
	default:
		if kind.Class() != "" {
			return nil, core.Errorf(core.EUNSUPPORTED, "Text cannot be extracted from %s files.", strings.ToUpper(string(kind)))
		}
		return nil, core.Errorf(core.EUNSUPPORTED, "This type of file is not supported.")
	}
	// The parsers bound their own work; this catches what a library or a
	// missed case throws at us, so a hostile file never takes the process
	// down.
	defer func() {
		if r := recover(); r != nil {
			doc = nil
			err = &recoveredError{kind: kind, value: r, stack: debug.Stack()}
			err = damaged(kind, err)
		}
	}()
	doc, err = parse(ctx, data, lim)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		var ce *core.Error
		if !errors.As(err, &ce) {
			err = damaged(kind, err)
		}
		return nil, err
	}
	doc.Kind = kind
	return doc, nil
}

// recoveredError keeps a recovered panic for whoever unwraps the error to
// log it; users only see the damaged-file message.
type recoveredError struct {
	kind  Kind
	value any
	stack []byte
}

func (e *recoveredError) Error() string {
	return fmt.Sprintf("docparse: %s: panic: %v", e.kind, e.value)
}

// parseError is a damaged-file error that keeps its cause for logs.
type parseError struct {
	err   *core.Error
	cause error
}

func (e *parseError) Error() string   { return e.err.Error() }
func (e *parseError) Unwrap() []error { return []error{e.err, e.cause} }

// damaged returns the user-facing invalid error for kind, wrapping cause.
func damaged(kind Kind, cause error) error {
	var msg string
	switch kind {
	case KindPDF:
		msg = "This PDF is damaged or not a valid PDF."
	case KindDOCX:
		msg = "This DOCX is damaged."
	case KindEML:
		msg = "This email file is damaged."
	case KindHTML:
		msg = "This HTML file could not be read."
	default:
		msg = "This file could not be read."
	}
	return &parseError{err: core.Errorf(core.EINVALID, "%s", msg), cause: cause}
}

// errTextTooLarge is returned when extracted text passes MaxTextBytes.
func errTextTooLarge(lim Limits) error {
	return core.Errorf(core.ETOOLARGE, "This file has more than %s of text.", formatBytes(lim.MaxTextBytes))
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// cleanText makes extracted text safe and uniform: valid UTF-8 (bad bytes
// become U+FFFD), CRLF and CR become LF, control characters other than tab
// and newline are dropped, trailing spaces on lines and blank lines at the
// ends are removed, and runs of blank lines shrink to one.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	blank := 0  // consecutive newlines pending
	spaces := 0 // pending spaces/tabs (dropped at line end)
	var pending []byte
	started := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		c := s[i : i+size]
		i += size
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			r, c = '\n', "\n"
		case r == '\f' || r == '\v' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			r, c = '\n', "\n"
		}
		switch {
		case r == '\n':
			pending = pending[:0]
			spaces = 0
			if started {
				blank++
			}
		case r == ' ' || r == '\t' || r == '\u00a0':
			if r == '\u00a0' {
				c = " "
			}
			pending = append(pending, c...)
			spaces++
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\ufeff' || r == '\u200b' || r == '\u00ad':
			// Controls, zero-width marks and soft hyphens carry no text.
		default:
			if r >= 0xFB00 && r <= 0xFB06 {
				// Typographic ligatures (mostly from PDFs) become their
				// letters, so "ﬁnd" is found by "find".
				c = ligatures[r-0xFB00]
			}
			if blank > 0 {
				if blank > 2 {
					blank = 2
				}
				b.WriteString("\n\n"[:blank])
				blank = 0
			}
			if spaces > 0 {
				b.Write(pending)
				pending = pending[:0]
				spaces = 0
			}
			b.WriteString(c)
			started = true
		}
	}
	return b.String()
}

var ligatures = [...]string{"ff", "fi", "fl", "ffi", "ffl", "st", "st"}

// assemble builds the Document text from page texts: each page is cleaned
// and pages are joined with "\n\n", with offsets recorded.
func assemble(doc *Document, pages []string, lim Limits) error {
	var total int64
	doc.Pages = make([]Page, 0, len(pages))
	cleaned := make([]string, len(pages))
	for i, p := range pages {
		cleaned[i] = cleanText(p)
		total += int64(len(cleaned[i])) + 2
	}
	if total > lim.MaxTextBytes+2 {
		return errTextTooLarge(lim)
	}
	var b strings.Builder
	b.Grow(int(total))
	for i, p := range cleaned {
		if i > 0 {
			b.WriteString("\n\n")
		}
		doc.Pages = append(doc.Pages, Page{Number: i + 1, Text: p, Offset: b.Len()})
		b.WriteString(p)
	}
	doc.Text = b.String()
	if doc.Meta == nil {
		doc.Meta = map[string]string{}
	}
	doc.Title = oneLine(doc.Title, 500)
	return nil
}

// oneLine trims s to one clean line of at most max bytes.
func oneLine(s string, max int) string {
	s = cleanText(s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// checkCtx returns ctx's error every so often; n counts calls.
func checkCtx(ctx context.Context, n *int) error {
	*n++
	if *n&1023 == 0 {
		return ctx.Err()
	}
	return nil
}
