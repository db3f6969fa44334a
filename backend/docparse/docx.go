package docparse

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"sentry/backend/core"
)

// Why DOCX reading stopped, turned into core errors by parseDOCX.
var (
	errUnzipBudget = errors.New("docx: uncompressed size limit")
	errTagGap      = errors.New("docx: text run limit")
	errXMLDepth    = errors.New("docx: nesting limit")
)

// maxXMLDepth bounds element nesting; the XML decoder keeps a record per
// open element, so depth is memory.
const maxXMLDepth = 2000

// docxReader reads entries of a DOCX archive, counting every decompressed
// byte against one budget. Sizes in the headers are never trusted.
type docxReader struct {
	zr     *zip.Reader
	files  map[string]*zip.File
	budget int64
	lim    Limits
}

func parseDOCX(ctx context.Context, data []byte, lim Limits) (*Document, error) {
	// Count central directory records before archive/zip allocates one
	// header per record: the signature count bounds what it would read.
	if n := bytes.Count(data, []byte("PK\x01\x02")); n > lim.MaxZipEntries {
		return nil, core.Errorf(core.ETOOLARGE, "This DOCX has more than %d parts.", lim.MaxZipEntries)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("docx: open: %w", err)
	}
	if len(zr.File) > lim.MaxZipEntries {
		return nil, core.Errorf(core.ETOOLARGE, "This DOCX has more than %d parts.", lim.MaxZipEntries)
	}
	r := &docxReader{zr: zr, files: make(map[string]*zip.File, len(zr.File)), budget: lim.MaxUnzipped, lim: lim}
	for _, f := range zr.File {
		if !safeZipName(f.Name) {
			return nil, fmt.Errorf("docx: unsafe entry name %q", f.Name)
		}
		if _, dup := r.files[f.Name]; dup {
			// Two parts with one name make readers disagree on content.
			return nil, fmt.Errorf("docx: duplicate entry %q", f.Name)
		}
		r.files[f.Name] = f
	}

	main := r.mainPart()
	f := r.files[main]
	if f == nil {
		return nil, core.Errorf(core.EINVALID, "This DOCX is damaged: it has no document text.")
	}
	if f.UncompressedSize64 > uint64(lim.MaxUnzipped) {
		return nil, r.tooLarge()
	}
	w := &docxWalker{lim: lim, budget: lim.MaxTextBytes}
	if err := r.readXML(ctx, f, w.token); err != nil {
		return nil, r.mapErr(err)
	}
	w.flushAll()

	doc := &Document{Meta: map[string]string{}}
	if cf := r.files["docProps/core.xml"]; cf != nil {
		// Metadata is optional: a broken core.xml does not spoil the text.
		title, creator := r.coreProps(ctx, cf)
		doc.Title = title
		if creator != "" {
			doc.Meta["Author"] = creator
		}
	}
	if doc.Title == "" {
		doc.Title = w.title
	}
	if int64(w.out.Len()) > lim.MaxTextBytes {
		return nil, errTextTooLarge(lim)
	}
	if err := assemble(doc, []string{w.out.String()}, lim); err != nil {
		return nil, err
	}
	return doc, nil
}

func (r *docxReader) tooLarge() error {
	return core.Errorf(core.ETOOLARGE, "This DOCX expands to more than %s.", formatBytes(r.lim.MaxUnzipped))
}

func (r *docxReader) mapErr(err error) error {
	var ce *core.Error
	switch {
	case errors.As(err, &ce):
		return err
	case errors.Is(err, errUnzipBudget):
		return r.tooLarge()
	case errors.Is(err, errTagGap), errors.Is(err, errTextLimit):
		return errTextTooLarge(r.lim)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("docx: %w", err)
}

// safeZipName refuses names that would escape a folder if anyone ever
// extracted the archive: absolute paths, "..", backslashes, NULs.
func safeZipName(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") {
		return false
	}
	if len(name) >= 2 && name[1] == ':' {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return false
		}
	}
	return true
}

// mainPart finds the main document part through the package
// relationships, falling back to the usual name.
func (r *docxReader) mainPart() string {
	const fallback = "word/document.xml"
	f := r.files["_rels/.rels"]
	if f == nil || f.UncompressedSize64 > 1<<20 {
		return fallback
	}
	var target string
	err := r.readXML(context.Background(), f, func(t xml.Token) error {
		if se, ok := t.(xml.StartElement); ok && se.Name.Local == "Relationship" && target == "" {
			var typ, tgt string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "Type":
					typ = a.Value
				case "Target":
					tgt = a.Value
				}
			}
			if strings.HasSuffix(typ, "/officeDocument") {
				target = strings.TrimPrefix(path.Clean("/"+tgt), "/")
			}
		}
		return nil
	})
	if err != nil || target == "" || r.files[target] == nil {
		return fallback
	}
	return target
}

// coreProps reads the title and author from docProps/core.xml.
func (r *docxReader) coreProps(ctx context.Context, f *zip.File) (title, creator string) {
	if f.UncompressedSize64 > 1<<20 {
		return "", ""
	}
	var cur *string
	var tb, cb strings.Builder
	_ = r.readXML(ctx, f, func(t xml.Token) error {
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "title":
				cur = &title
			case "creator":
				cur = &creator
			default:
				cur = nil
			}
		case xml.EndElement:
			cur = nil
		case xml.CharData:
			switch {
			case cur == &title && tb.Len() < 4096:
				tb.Write(t)
			case cur == &creator && cb.Len() < 4096:
				cb.Write(t)
			}
		}
		return nil
	})
	return oneLine(tb.String(), 500), oneLine(cb.String(), 200)
}

// readXML streams one entry through the XML decoder, calling fn for each
// token. Decompression is done here rather than by archive/zip so that
// every byte is counted against the budget, whatever the headers say.
func (r *docxReader) readXML(ctx context.Context, f *zip.File, fn func(xml.Token) error) error {
	raw, err := f.OpenRaw()
	if err != nil {
		return err
	}
	cr := &countReader{r: raw}
	var rd io.Reader
	switch f.Method {
	case zip.Store:
		rd = cr
	case zip.Deflate:
		fr := flate.NewReader(cr)
		defer fr.Close()
		rd = fr
	default:
		return fmt.Errorf("compression method %d", f.Method)
	}
	rd = &budgetReader{r: rd, budget: &r.budget, compressed: &cr.n}
	rd = &tagGapReader{r: rd, max: r.lim.MaxTextBytes}
	dec := xml.NewDecoder(rd)
	dec.Strict = true
	depth, ops := 0, 0
	for {
		if err := checkCtx(ctx, &ops); err != nil {
			return err
		}
		t, err := dec.RawToken()
		if err == io.EOF {
			if depth != 0 {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return errXMLDepth
			}
		case xml.EndElement:
			depth--
		}
		if err := fn(t); err != nil {
			return err
		}
	}
}

// budgetReader fails once more than *budget bytes have been read through
// it (several readers share one budget), and once an entry has inflated
// past ratioFloor bytes at more than maxRatio times its compressed size:
// real documents compress about 5 to 20 times, zip bombs a thousand.
type budgetReader struct {
	r          io.Reader
	budget     *int64
	compressed *uint64 // compressed bytes consumed so far
	read       uint64
}

type countReader struct {
	r io.Reader
	n uint64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += uint64(n)
	return n, err
}

const (
	ratioFloor = 8 << 20
	maxRatio   = 100
)

func (b *budgetReader) Read(p []byte) (int, error) {
	if *b.budget < 0 {
		return 0, errUnzipBudget
	}
	if int64(len(p)) > *b.budget+1 {
		p = p[:*b.budget+1]
	}
	n, err := b.r.Read(p)
	*b.budget -= int64(n)
	b.read += uint64(n)
	if *b.budget < 0 || b.read > ratioFloor && b.read/maxRatio > *b.compressed {
		return n, errUnzipBudget
	}
	return n, err
}

// tagGapReader fails when more than max bytes pass without a '<': the XML
// decoder buffers a whole text run or tag in memory, so this bounds it.
type tagGapReader struct {
	r   io.Reader
	max int64
	gap int64
}

func (t *tagGapReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if i := bytes.LastIndexByte(p[:n], '<'); i >= 0 {
		t.gap = int64(n - i - 1)
	} else {
		t.gap += int64(n)
	}
	if t.gap > t.max {
		return n, errTagGap
	}
	return n, err
}

var errTextLimit = errors.New("docx: text limit")

// docxWalker turns WordprocessingML tokens into lines: paragraphs are
// lines, table rows are lines of tab-separated cells, list items start
// with "- ", headings get a blank line before them.
type docxWalker struct {
	lim    Limits
	budget int64
	out    strings.Builder
	title  string

	skip   int // depth inside a subtree whose text is a duplicate or deleted
	inRun  int
	inText bool
	paras  []*docxPara
	tables []*docxTable
}

type docxPara struct {
	text    strings.Builder
	heading bool
	title   bool
	list    bool
}

type docxTable struct {
	cells []string
	cell  *strings.Builder
}

// isW reports whether a raw name is a WordprocessingML (w:) element. The
// decoder is used raw (no namespace resolution, which costs memory per
// element), so the conventional prefix is what we have; documents from
// every common writer use it.
func isW(n xml.Name, local string) bool {
	return n.Local == local && (n.Space == "w" || n.Space == "")
}

func (w *docxWalker) token(t xml.Token) error {
	switch t := t.(type) {
	case xml.StartElement:
		if w.skip > 0 {
			w.skip++
			return nil
		}
		switch {
		case t.Name.Space == "mc" && t.Name.Local == "Fallback",
			isW(t.Name, "moveFrom"), isW(t.Name, "del"),
			isW(t.Name, "instrText"), isW(t.Name, "delText"):
			// Fallback repeats the Choice content for old readers;
			// deleted and moved-away text and field codes are not text.
			w.skip = 1
		case isW(t.Name, "p"):
			w.paras = append(w.paras, &docxPara{})
		case isW(t.Name, "pStyle"):
			if p := w.para(); p != nil {
				v := strings.ToLower(attr(t, "val"))
				switch {
				case v == "title":
					p.title, p.heading = true, true
				case strings.HasPrefix(v, "heading"), strings.Contains(v, "berschrift"), strings.HasPrefix(v, "titre"):
					p.heading = true
				case strings.Contains(v, "list"):
					p.list = true
				}
			}
		case isW(t.Name, "outlineLvl"):
			if p := w.para(); p != nil && attr(t, "val") != "9" {
				p.heading = true
			}
		case isW(t.Name, "numId"):
			if p := w.para(); p != nil && attr(t, "val") != "0" {
				p.list = true
			}
		case isW(t.Name, "r"):
			w.inRun++
		case isW(t.Name, "t") || (t.Name.Space == "m" && t.Name.Local == "t"):
			w.inText = true
		case w.inRun > 0 && isW(t.Name, "tab"):
			return w.write("\t")
		case w.inRun > 0 && (isW(t.Name, "br") || isW(t.Name, "cr")):
			return w.write("\n")
		case w.inRun > 0 && isW(t.Name, "noBreakHyphen"):
			return w.write("-")
		case isW(t.Name, "tbl"):
			w.tables = append(w.tables, &docxTable{})
		case isW(t.Name, "tr"):
			if tb := w.table(); tb != nil {
				tb.cells = tb.cells[:0]
			}
		case isW(t.Name, "tc"):
			if tb := w.table(); tb != nil {
				tb.cell = &strings.Builder{}
			}
		}
	case xml.EndElement:
		if w.skip > 0 {
			w.skip--
			return nil
		}
		switch {
		case isW(t.Name, "p"):
			return w.endPara()
		case isW(t.Name, "r"):
			if w.inRun > 0 {
				w.inRun--
			}
		case isW(t.Name, "t") || (t.Name.Space == "m" && t.Name.Local == "t"):
			w.inText = false
		case isW(t.Name, "tc"):
			if tb := w.table(); tb != nil && tb.cell != nil {
				tb.cells = append(tb.cells, strings.Join(strings.Fields(tb.cell.String()), " "))
				tb.cell = nil
			}
		case isW(t.Name, "tr"):
			if tb := w.table(); tb != nil {
				sep := "\t"
				if len(w.tables) > 1 {
					sep = " " // a nested table flattens into its cell
				}
				row := strings.Join(tb.cells, sep)
				tb.cells = tb.cells[:0]
				if strings.TrimSpace(row) != "" {
					return w.emit(row, false)
				}
			}
		case isW(t.Name, "tbl"):
			if n := len(w.tables); n > 0 {
				w.tables = w.tables[:n-1]
			}
		}
	case xml.CharData:
		if w.skip == 0 && w.inText {
			return w.write(string(t))
		}
	}
	return nil
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (w *docxWalker) para() *docxPara {
	if n := len(w.paras); n > 0 {
		return w.paras[n-1]
	}
	return nil
}

func (w *docxWalker) table() *docxTable {
	if n := len(w.tables); n > 0 {
		return w.tables[n-1]
	}
	return nil
}

// write adds run text to the open paragraph (or straight to the output for
// text outside paragraphs).
func (w *docxWalker) write(s string) error {
	w.budget -= int64(len(s))
	if w.budget < 0 {
		return errTextLimit
	}
	if p := w.para(); p != nil {
		p.text.WriteString(s)
		return nil
	}
	return w.emit(s, false)
}

func (w *docxWalker) endPara() error {
	n := len(w.paras)
	if n == 0 {
		return nil
	}
	p := w.paras[n-1]
	w.paras = w.paras[:n-1]
	text := p.text.String()
	if strings.TrimSpace(text) == "" {
		return nil
	}
	if p.list {
		text = "- " + text
	}
	if p.heading && w.title == "" && (p.title || len(w.paras) == 0) {
		w.title = text
	}
	// A paragraph in a text box inside another paragraph gets its own
	// line, before the paragraph that holds it.
	return w.emit(text, p.heading)
}

// emit writes one line to the innermost open table cell (a nested
// table's rows flatten into the cell that holds it), or to the output.
func (w *docxWalker) emit(line string, heading bool) error {
	for i := len(w.tables) - 1; i >= 0; i-- {
		if tb := w.tables[i]; tb.cell != nil {
			if tb.cell.Len() > 0 {
				tb.cell.WriteByte(' ')
			}
			tb.cell.WriteString(line)
			return nil
		}
	}
	if int64(w.out.Len()+len(line)) > w.lim.MaxTextBytes {
		return errTextLimit
	}
	if w.out.Len() > 0 {
		if heading {
			w.out.WriteString("\n")
		}
		w.out.WriteString("\n")
	}
	w.out.WriteString(line)
	return nil
}

// flushAll writes paragraphs left open by a truncated document.
func (w *docxWalker) flushAll() {
	for len(w.paras) > 0 {
		_ = w.endPara()
	}
}
