package docparse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"sentry/backend/core"
)

// PDF files are read by pdfcpu (cross-reference tables and streams, object
// streams, every standard filter, RC4 and AES encryption with an empty
// user password, repair of common damage, resource limits). Text is then
// taken from the page content streams by our own interpreter (pdftext.go),
// which knows fonts, encodings and ToUnicode maps and places glyphs so that
// spaces and line breaks follow the layout.

// Work bounds for one PDF beyond Limits.
const (
	pdfMaxDecodeBytes = 64 << 20  // one decoded stream
	pdfMaxWorkBytes   = 512 << 20 // content bytes interpreted in the whole file
	pdfMaxPageOps     = 5_000_000 // operators interpreted for one page
	pdfMaxFormDepth   = 12        // nested form XObjects
	pdfMaxTreeDepth   = 64        // page tree depth
	pdfMaxDerefHops   = 16        // indirect references followed in a row
	pdfStreamCacheMax = 64 << 20  // decoded form streams kept for reuse
)

var pdfcpuSetup sync.Once

func pdfConfig() *model.Configuration {
	pdfcpuSetup.Do(func() {
		// Without this pdfcpu writes a configuration folder into the
		// user's profile on first use.
		model.ConfigPath = "disable"
	})
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Offline = true
	conf.UserPW, conf.OwnerPW = "", ""
	conf.Limits.MaxDecodeBytes = pdfMaxDecodeBytes
	conf.Limits.MaxObjectCount = 2_000_000
	conf.Limits.MaxXRefEntries = 2_000_000
	conf.Limits.MaxObjectStreamCount = 200_000
	conf.Limits.MaxRecursionDepth = 64
	return conf
}

func errPDFEncrypted() error {
	return core.Errorf(core.EINVALID, "This PDF is encrypted; remove the password and upload it again.")
}

func parsePDF(ctx context.Context, data []byte, lim Limits) (*Document, error) {
	conf := pdfConfig()
	conf.Limits.MaxStreamBytes = lim.MaxBytes
	pc, err := pdfcpu.ReadWithContext(ctx, bytes.NewReader(data), conf)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		if errors.Is(err, pdfcpu.ErrWrongPassword) || bytes.Contains(data, []byte("/Encrypt")) {
			return nil, &parseError{err: errPDFEncrypted().(*core.Error), cause: err}
		}
		return nil, fmt.Errorf("pdf: read: %w", err)
	}
	st := &pdfState{
		ctx:      ctx,
		x:        pc.XRefTable,
		workLeft: pdfMaxWorkBytes,
		cache:    map[int][]byte{},
		budget:   lim.MaxTextBytes,
		lim:      lim,
	}
	st.fonts = &fontLoader{cache: map[int]*pdfFont{}, fs: st}

	pages, err := st.collectPages(lim.MaxPages)
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, core.Errorf(core.EINVALID, "This PDF has no pages.")
	}

	doc := &Document{Meta: map[string]string{}}
	st.info(doc)
	texts := make([]string, len(pages))
	for i, pg := range pages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		text, err := st.pageText(pg)
		if err != nil {
			return nil, err
		}
		texts[i] = text
	}
	if err := assemble(doc, texts, lim); err != nil {
		return nil, err
	}
	for _, p := range doc.Pages {
		if strings.TrimSpace(p.Text) == "" {
			doc.PagesWithoutText = append(doc.PagesWithoutText, p.Number)
		}
	}
	doc.Meta["Pages"] = fmt.Sprint(len(pages))
	return doc, nil
}

// pdfState is the per-file state of text extraction.
type pdfState struct {
	ctx        context.Context
	x          *model.XRefTable
	fonts      *fontLoader
	cache      map[int][]byte // decoded streams by object number
	cacheBytes int64
	workLeft   int64 // content bytes we may still interpret
	budget     int64 // text bytes we may still produce
	lim        Limits
}

// pdfPage is a page dictionary with its inherited resources.
type pdfPage struct {
	dict types.Dict
	res  types.Dict
}

// collectPages walks the page tree once, depth first, with a visited set
// and bounded depth, passing inherited resources down.
func (st *pdfState) collectPages(maxPages int) ([]pdfPage, error) {
	root, err := st.x.Catalog()
	if err != nil {
		return nil, fmt.Errorf("pdf: catalog: %w", err)
	}
	visited := map[int]bool{}
	var pages []pdfPage
	var walk func(o types.Object, res types.Dict, depth int) error
	walk = func(o types.Object, res types.Dict, depth int) error {
		if depth > pdfMaxTreeDepth {
			return nil
		}
		if ref, ok := o.(types.IndirectRef); ok {
			n := ref.ObjectNumber.Value()
			if visited[n] {
				return nil
			}
			visited[n] = true
		}
		d := st.dict(o)
		if d == nil {
			return nil
		}
		if r := st.dict(d["Resources"]); r != nil {
			res = r
		}
		kids, isNode := st.deref(d["Kids"]).(types.Array)
		typ := st.name(d["Type"])
		if typ == "Page" || (!isNode && typ != "Pages") {
			if len(pages) >= maxPages {
				return core.Errorf(core.ETOOLARGE, "This PDF has more than %d pages.", maxPages)
			}
			pages = append(pages, pdfPage{dict: d, res: res})
			return nil
		}
		for _, k := range kids {
			if err := st.ctx.Err(); err != nil {
				return err
			}
			if err := walk(k, res, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root["Pages"], nil, 0); err != nil {
		return nil, err
	}
	return pages, nil
}

// info copies the document information dictionary into doc.
func (st *pdfState) info(doc *Document) {
	if st.x.Info == nil {
		return
	}
	d := st.dict(*st.x.Info)
	for _, k := range []string{"Title", "Author", "Subject", "Creator", "Producer"} {
		if s := st.text(d[k]); s != "" {
			if k == "Title" {
				doc.Title = s
			} else {
				doc.Meta[k] = oneLine(s, 500)
			}
		}
	}
}

// text decodes a PDF text string (UTF-16 with BOM, UTF-8 with BOM, or
// PDFDocEncoding).
func (st *pdfState) text(o types.Object) string {
	var b []byte
	switch v := st.deref(o).(type) {
	case types.StringLiteral:
		b, _ = types.Unescape(v.Value())
	case types.HexLiteral:
		b, _ = v.Bytes()
	default:
		return ""
	}
	return textString(b)
}

// textString decodes the bytes of a PDF text string.
func textString(b []byte) string {
	if len(b) > 64<<10 {
		b = b[:64<<10]
	}
	switch {
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return utf16Text(utf16BE(b[2:]))
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return strings.ToValidUTF8(string(b[3:]), "\uFFFD")
	}
	encodingsOnce.Do(initEncodings)
	var sb strings.Builder
	for _, c := range b {
		// PDFDocEncoding agrees with Latin-1 for text in practice, with
		// WinAnsi's punctuation in 0x80-0x9F close enough for titles.
		if s := winAnsiEncoding[c]; s != "" {
			sb.WriteString(s)
		} else if c >= 0x20 || c == '\t' || c == '\n' {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

func (st *pdfState) deref(o types.Object) types.Object {
	for i := 0; i < pdfMaxDerefHops; i++ {
		ref, ok := o.(types.IndirectRef)
		if !ok {
			return o
		}
		v, err := st.x.Dereference(ref)
		if err != nil {
			return nil
		}
		o = v
	}
	return nil
}

// dict returns o as a dictionary (a stream's dictionary for streams).
func (st *pdfState) dict(o types.Object) types.Dict {
	switch v := st.deref(o).(type) {
	case types.Dict:
		return v
	case types.StreamDict:
		return v.Dict
	}
	return nil
}

func (st *pdfState) name(o types.Object) string {
	if n, ok := st.deref(o).(types.Name); ok {
		return string(n)
	}
	return ""
}

func (st *pdfState) num(o types.Object) float64 {
	var v float64
	switch n := st.deref(o).(type) {
	case types.Integer:
		v = float64(n)
	case types.Float:
		v = float64(n)
	default:
		return 0
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v > 1e9 || v < -1e9 {
		return 0
	}
	return v
}

// stream returns the decoded bytes of a stream object, or nil when it
// cannot be decoded within the limits. Decoded streams referenced by
// object number are cached for reuse (fonts' maps, forms on every page).
func (st *pdfState) stream(o types.Object) []byte {
	ref, isRef := o.(types.IndirectRef)
	if isRef {
		if b, ok := st.cache[ref.ObjectNumber.Value()]; ok {
			return b
		}
	}
	sd, ok := st.deref(o).(types.StreamDict)
	if !ok {
		return nil
	}
	if sd.Content == nil {
		if err := sd.DecodeWithLimit(pdfMaxDecodeBytes); err != nil && len(sd.Content) == 0 {
			return nil
		}
	}
	b := sd.Content
	if b == nil {
		b = []byte{}
	}
	if isRef && st.cacheBytes+int64(len(b)) <= pdfStreamCacheMax {
		st.cache[ref.ObjectNumber.Value()] = b
		st.cacheBytes += int64(len(b))
	}
	return b
}
