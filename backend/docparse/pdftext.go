package docparse

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// matrix is a PDF transformation matrix [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n (apply m, then n).
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func translate(tx, ty float64) matrix { return matrix{1, 0, 0, 1, tx, ty} }

// gstate is the part of the graphics and text state that places glyphs.
type gstate struct {
	ctm      matrix
	font     *pdfFont
	fontSize float64
	tc, tw   float64 // character and word spacing
	th       float64 // horizontal scaling (1 = 100%)
	tl       float64 // leading
	rise     float64
}

// contentRun interprets the content streams of one page (and the forms
// they draw) and feeds glyphs to a layout.
type contentRun struct {
	st     *pdfState
	out    *layout
	gs     gstate
	stack  []gstate
	tm     matrix
	tlm    matrix
	ops    int
	depth  int
	err    error
	marked []markedContent
}

type markedContent struct {
	actual string // the text that replaces the glyphs drawn inside
	has    bool
	shown  bool
}

const maxGStack = 512

// pageText returns the text of one page.
func (st *pdfState) pageText(pg pdfPage) (string, error) {
	out := &layout{budget: &st.budget}
	r := &contentRun{st: st, out: out, gs: gstate{ctm: identity, th: 1}, tm: identity, tlm: identity}
	var content []byte
	switch c := st.deref(pg.dict["Contents"]).(type) {
	case types.StreamDict:
		content = st.stream(pg.dict["Contents"])
	case types.Array:
		var parts [][]byte
		for i, o := range c {
			if i > 10_000 {
				break
			}
			if b := st.stream(o); b != nil {
				parts = append(parts, b)
			}
		}
		// Streams of one page may split anywhere between tokens.
		content = joinBytes(parts, '\n')
	}
	r.run(content, pg.res)
	if r.err != nil {
		return "", r.err
	}
	if out.over {
		return "", errTextTooLarge(st.lim)
	}
	return string(out.b), nil
}

func joinBytes(parts [][]byte, sep byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, sep)
	}
	return b
}

// run interprets one content stream with its resources.
func (r *contentRun) run(content []byte, res types.Dict) {
	if len(content) == 0 {
		return
	}
	r.st.workLeft -= int64(len(content))
	if r.st.workLeft < 0 {
		return
	}
	fonts := r.st.dict(res["Font"])
	lx := &lexer{data: content}
	var args []psToken
	var arrays [][]psToken // open arrays (TJ operands)
	var dict []psToken     // tokens of the last inline dictionary (BDC properties)
	dictDepth := 0
	for {
		t, ok := lx.next()
		if !ok {
			return
		}
		switch t.kind {
		case tokArrayStart:
			if len(arrays) < 8 {
				arrays = append(arrays, nil)
			}
			continue
		case tokArrayEnd:
			if n := len(arrays); n > 0 {
				arr := arrays[n-1]
				arrays = arrays[:n-1]
				if n == 1 {
					args = append(args, psToken{kind: tokArrayStart, b: nil, num: float64(len(arr))})
					args = append(args, arr...)
					args = append(args, psToken{kind: tokArrayEnd})
				}
			}
			continue
		case tokDictStart:
			if dictDepth == 0 {
				dict = dict[:0]
			}
			dictDepth++
			continue
		case tokDictEnd:
			if dictDepth > 0 {
				dictDepth--
			}
			continue
		}
		if len(arrays) > 0 {
			if t.kind != tokOp && len(arrays[len(arrays)-1]) < 1<<16 {
				arrays[len(arrays)-1] = append(arrays[len(arrays)-1], t)
			}
			continue
		}
		if dictDepth > 0 {
			if len(dict) < 256 {
				dict = append(dict, t)
			}
			continue
		}
		if t.kind != tokOp {
			if len(args) < 4096 {
				args = append(args, t)
			}
			continue
		}
		r.ops++
		if r.ops > pdfMaxPageOps {
			return
		}
		if r.ops&4095 == 0 {
			if err := r.st.ctx.Err(); err != nil {
				r.err = err
				return
			}
		}
		if r.out.over {
			return
		}
		r.op(string(t.b), args, dict, fonts, res, lx)
		args = args[:0]
		arrays = arrays[:0]
		dict = dict[:0]
	}
}

// nums returns the last n numeric operands, or ok=false.
func nums(args []psToken, n int) ([]float64, bool) {
	if len(args) < n {
		return nil, false
	}
	out := make([]float64, n)
	for i, a := range args[len(args)-n:] {
		if a.kind != tokNum {
			return nil, false
		}
		out[i] = a.num
	}
	return out, true
}

func (r *contentRun) op(op string, args, dict []psToken, fonts, res types.Dict, lx *lexer) {
	switch op {
	case "BMC", "BDC":
		// Marked content may carry the real text of what it draws
		// (ActualText): ligatures, hyphens, glyphs without Unicode.
		mc := markedContent{}
		if op == "BDC" {
			for i := 0; i+1 < len(dict); i++ {
				if dict[i].kind == tokName && string(dict[i].b) == "ActualText" && dict[i+1].kind == tokString {
					mc.actual, mc.has = textString(dict[i+1].b), true
				}
			}
		}
		if len(r.marked) < 64 {
			r.marked = append(r.marked, mc)
		}
	case "EMC":
		if n := len(r.marked); n > 0 {
			r.marked = r.marked[:n-1]
		}
	case "q":
		if len(r.stack) < maxGStack {
			r.stack = append(r.stack, r.gs)
		}
	case "Q":
		if n := len(r.stack); n > 0 {
			r.gs = r.stack[n-1]
			r.stack = r.stack[:n-1]
		}
	case "cm":
		if v, ok := nums(args, 6); ok {
			r.gs.ctm = matrix{v[0], v[1], v[2], v[3], v[4], v[5]}.mul(r.gs.ctm)
		}
	case "BT":
		r.tm, r.tlm = identity, identity
	case "Tf":
		if len(args) >= 2 && args[len(args)-2].kind == tokName && args[len(args)-1].kind == tokNum {
			r.gs.fontSize = args[len(args)-1].num
			if fonts != nil {
				if o, ok := fonts[string(args[len(args)-2].b)]; ok {
					r.gs.font = r.st.fonts.load(o)
					return
				}
			}
			r.gs.font = nil
		}
	case "Tc":
		if v, ok := nums(args, 1); ok {
			r.gs.tc = v[0]
		}
	case "Tw":
		if v, ok := nums(args, 1); ok {
			r.gs.tw = v[0]
		}
	case "Tz":
		if v, ok := nums(args, 1); ok {
			r.gs.th = v[0] / 100
		}
	case "TL":
		if v, ok := nums(args, 1); ok {
			r.gs.tl = v[0]
		}
	case "Ts":
		if v, ok := nums(args, 1); ok {
			r.gs.rise = v[0]
		}
	case "Td":
		if v, ok := nums(args, 2); ok {
			r.tlm = translate(v[0], v[1]).mul(r.tlm)
			r.tm = r.tlm
		}
	case "TD":
		if v, ok := nums(args, 2); ok {
			r.gs.tl = -v[1]
			r.tlm = translate(v[0], v[1]).mul(r.tlm)
			r.tm = r.tlm
		}
	case "Tm":
		if v, ok := nums(args, 6); ok {
			r.tlm = matrix{v[0], v[1], v[2], v[3], v[4], v[5]}
			r.tm = r.tlm
		}
	case "T*":
		r.nextLine()
	case "Tj":
		if n := len(args); n > 0 && args[n-1].kind == tokString {
			r.show(args[n-1].b)
		}
	case "'":
		if n := len(args); n > 0 && args[n-1].kind == tokString {
			r.nextLine()
			r.show(args[n-1].b)
		}
	case "\"":
		if n := len(args); n >= 3 && args[n-1].kind == tokString && args[n-2].kind == tokNum && args[n-3].kind == tokNum {
			r.gs.tw, r.gs.tc = args[n-3].num, args[n-2].num
			r.nextLine()
			r.show(args[n-1].b)
		}
	case "TJ":
		start := -1
		for i := len(args) - 1; i >= 0; i-- {
			if args[i].kind == tokArrayStart {
				start = i
				break
			}
		}
		if start < 0 {
			return
		}
		for _, a := range args[start+1:] {
			switch a.kind {
			case tokString:
				r.show(a.b)
			case tokNum:
				tx := -a.num / 1000 * r.gs.fontSize * r.gs.th
				r.tm = translate(tx, 0).mul(r.tm)
			}
		}
	case "Do":
		if n := len(args); n > 0 && args[n-1].kind == tokName {
			r.form(string(args[n-1].b), res)
		}
	case "ID":
		lx.skipInlineImage()
	}
}

func (r *contentRun) nextLine() {
	r.tlm = translate(0, -r.gs.tl).mul(r.tlm)
	r.tm = r.tlm
}

// form draws a form XObject: its content with its own resources (or the
// current ones), its matrix, and the graphics state restored afterwards.
func (r *contentRun) form(name string, res types.Dict) {
	if r.depth >= pdfMaxFormDepth {
		return
	}
	xobjs := r.st.dict(res["XObject"])
	if xobjs == nil {
		return
	}
	o, ok := xobjs[name]
	if !ok {
		return
	}
	d := r.st.dict(o)
	if d == nil || r.st.name(d["Subtype"]) != "Form" {
		return
	}
	content := r.st.stream(o)
	if len(content) == 0 {
		return
	}
	formRes := r.st.dict(d["Resources"])
	if formRes == nil {
		formRes = res
	}
	saved, savedStack, tm, tlm := r.gs, len(r.stack), r.tm, r.tlm
	if m, ok := r.st.deref(d["Matrix"]).(types.Array); ok && len(m) == 6 {
		var v matrix
		for i := range v {
			v[i] = r.st.num(m[i])
		}
		r.gs.ctm = v.mul(r.gs.ctm)
	}
	r.depth++
	r.run(content, formRes)
	r.depth--
	r.gs, r.stack, r.tm, r.tlm = saved, r.stack[:min(savedStack, len(r.stack))], tm, tlm
}

// show places the glyphs of one string.
func (r *contentRun) show(s []byte) {
	f := r.gs.font
	if f == nil {
		f = &pdfFont{unknown: true, scale: 1}
	}
	gs := &r.gs
	f.decode(s, func(g glyph) {
		trm := matrix{gs.fontSize * gs.th, 0, 0, gs.fontSize, 0, gs.rise}.mul(r.tm).mul(gs.ctm)
		x0, y0 := trm[4], trm[5]
		tx := g.width*gs.fontSize + gs.tc
		if g.space {
			tx += gs.tw
		}
		tx *= gs.th
		r.tm = translate(tx, 0).mul(r.tm)
		end := matrix{gs.fontSize * gs.th, 0, 0, gs.fontSize, 0, gs.rise}.mul(r.tm).mul(gs.ctm)
		size := math.Hypot(trm[2], trm[3])
		dx, dy := trm[0], trm[1]
		if n := math.Hypot(dx, dy); n > 0 {
			dx, dy = dx/n, dy/n
		} else {
			dx, dy = 1, 0
		}
		text := g.text
		if mc := r.actualText(); mc != nil {
			text = ""
			if !mc.shown {
				text, mc.shown = mc.actual, true
			}
		}
		r.out.add(text, x0, y0, end[4], end[5], size, dx, dy)
	})
}

// actualText returns the innermost marked content with ActualText.
func (r *contentRun) actualText() *markedContent {
	for i := len(r.marked) - 1; i >= 0; i-- {
		if r.marked[i].has {
			return &r.marked[i]
		}
	}
	return nil
}

// layout turns placed glyphs into lines of text: a glyph far from where
// the previous one ended starts a new line (a blank line for a wide gap),
// a wide gap along the line becomes a tab (table columns), a narrower one
// a space. A glyph drawn again over itself (a fake bold) is dropped, and
// a spacing accent drawn over a letter (as TeX does) is combined with it.
// Glyphs without text still move the pen, so the break before an unmapped
// bullet is kept.
type layout struct {
	b      []byte
	budget *int64
	over   bool

	have           bool // a glyph has been placed
	endX, endY     float64
	dirX, dirY     float64
	size           float64
	pending        sep // separator owed before the next text
	startX, startY float64
	last           string // last text written, at b[lastAt:]
	lastAt         int
	lastEndX       float64
	lastEndY       float64
}

type sep uint8

const (
	sepNone sep = iota
	sepSpace
	sepTab
	sepLine
	sepPara
)

func (l *layout) write(s string) {
	*l.budget -= int64(len(s))
	if *l.budget < 0 {
		l.over = true
		return
	}
	l.b = append(l.b, s...)
}

// separation classifies the move from the end of the previous glyph to
// a glyph starting at (x0, y0). along < 0 means it starts back over the
// previous glyph.
func (l *layout) separation(x0, y0, size, dx, dy float64) (s sep, along float64) {
	sz := math.Max(size, l.size)
	vx, vy := x0-l.endX, y0-l.endY
	along = vx*l.dirX + vy*l.dirY
	perp := -vx*l.dirY + vy*l.dirX
	sameDir := dx*l.dirX+dy*l.dirY > 0.9
	switch {
	case !sameDir || math.Abs(perp) > 0.6*sz:
		if perp < -1.9*sz && sameDir {
			return sepPara, along
		}
		return sepLine, along
	case along > 1.5*sz:
		return sepTab, along
	case along > 0.15*sz || along < -sz:
		return sepSpace, along
	}
	return sepNone, along
}

func (l *layout) add(text string, x0, y0, x1, y1, size, dx, dy float64) {
	if l.over || !finite(x0, y0, x1, y1, size, dx, dy) {
		return
	}
	if size <= 0 {
		size = l.size
		if size <= 0 {
			size = 1
		}
	}
	blank := strings.TrimSpace(text) == ""
	s, along := sepNone, 0.0
	if l.have {
		s, along = l.separation(x0, y0, size, dx, dy)
		if !blank && l.last != "" && text == l.last &&
			math.Abs(x0-l.startX)+math.Abs(y0-l.startY) < 0.1*math.Max(size, l.size) {
			return // overprinted
		}
	}
	l.have = true
	l.endX, l.endY, l.dirX, l.dirY, l.size = x1, y1, dx, dy, size
	if blank {
		l.pending = max(l.pending, s)
		if text != "" {
			l.pending = max(l.pending, sepSpace)
		}
		return
	}
	l.pending = max(l.pending, s)
	if l.pending <= sepSpace && along < 0 && l.last != "" && len(l.b) == l.lastAt+len(l.last) {
		// A spacing accent drawn over a letter (TeX draws accents so):
		// the accent's middle lies within the letter.
		proj := func(x, y float64) float64 { return x*dx + y*dy }
		var mid, lo, hi float64
		if _, isAccent := combiningFor[l.last]; isAccent {
			mid = (proj(l.startX, l.startY) + proj(l.lastEndX, l.lastEndY)) / 2
			lo, hi = proj(x0, y0), proj(x1, y1)
		} else {
			mid = (proj(x0, y0) + proj(x1, y1)) / 2
			lo, hi = proj(l.startX, l.startY), proj(l.lastEndX, l.lastEndY)
		}
		if mid >= min(lo, hi) && mid <= max(lo, hi) {
			if c, ok := combineAccent(l.last, text); ok {
				l.b = l.b[:l.lastAt]
				l.pending = sepNone
				text = c
			}
		}
	}
	if len(l.b) > 0 {
		switch l.pending {
		case sepSpace:
			l.write(" ")
		case sepTab:
			l.write("\t")
		case sepLine:
			l.write("\n")
		case sepPara:
			l.write("\n\n")
		}
	}
	l.pending = sepNone
	l.lastAt = len(l.b)
	l.write(text)
	l.last = text
	l.startX, l.startY, l.lastEndX, l.lastEndY = x0, y0, x1, y1
}

// Spacing accents and the combining marks they stand for.
var combiningFor = map[string]rune{
	"\u00a8": 0x308, "\u00b4": 0x301, "`": 0x300, "\u02c6": 0x302, "^": 0x302, "\u02dc": 0x303,
	"~": 0x303, "\u00b8": 0x327, "\u02d8": 0x306, "\u02c7": 0x30C, "\u02d9": 0x307, "\u02da": 0x30A,
	"\u02dd": 0x30B, "\u02db": 0x328, "\u00af": 0x304,
}

// combineAccent joins a single letter and a spacing accent, in either
// order, into one precomposed character when Unicode has it.
func combineAccent(a, b string) (string, bool) {
	letter, mark := a, b
	m, ok := combiningFor[mark]
	if !ok {
		letter, mark = b, a
		if m, ok = combiningFor[mark]; !ok {
			return "", false
		}
	}
	if utf8.RuneCountInString(letter) != 1 {
		return "", false
	}
	r, _ := utf8.DecodeRuneInString(letter)
	switch r {
	case 'ı':
		r = 'i'
	case 'ȷ':
		r = 'j'
	}
	if !unicode.IsLetter(r) {
		return "", false
	}
	c := norm.NFC.String(string(r) + string(m))
	if utf8.RuneCountInString(c) != 1 {
		return "", false
	}
	return c, true
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
