package docparse

import (
	_ "embed"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	pdffont "github.com/pdfcpu/pdfcpu/pkg/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/text/encoding/charmap"
)

// glyphnames.txt maps glyph names to code points: the Latin, Greek,
// Cyrillic, punctuation, symbol and ligature part of the Adobe Glyph List.
// Names of the forms uniXXXX and uXXXX[XX] are decoded by rule.
//
//go:embed glyphnames.txt
var glyphNamesData string

var (
	glyphOnce  sync.Once
	glyphNames map[string]rune
)

func glyphRune(name string) (string, bool) {
	glyphOnce.Do(func() {
		glyphNames = make(map[string]rune, 1700)
		for _, line := range strings.Split(glyphNamesData, "\n") {
			n, hex, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			v, err := strconv.ParseUint(hex, 16, 32)
			if err == nil {
				glyphNames[n] = rune(v)
			}
		}
	})
	if len(name) == 1 && (name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		return name, true
	}
	if r, ok := glyphNames[name]; ok {
		return string(r), true
	}
	// "a.sc", "one.oldstyle": the part before the dot names the character.
	if i := strings.IndexByte(name, '.'); i > 0 {
		return glyphRune(name[:i])
	}
	// "f_f_i": a ligature of its components.
	if strings.Contains(name, "_") {
		var b strings.Builder
		for _, part := range strings.Split(name, "_") {
			s, ok := glyphRune(part)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		}
		return b.String(), true
	}
	if hex, ok := strings.CutPrefix(name, "uni"); ok && len(hex) >= 4 && len(hex)%4 == 0 {
		var b strings.Builder
		for i := 0; i < len(hex); i += 4 {
			v, err := strconv.ParseUint(hex[i:i+4], 16, 16)
			if err != nil || (v >= 0xD800 && v <= 0xDFFF) {
				return "", false
			}
			b.WriteRune(rune(v))
		}
		return b.String(), true
	}
	if hex, ok := strings.CutPrefix(name, "u"); ok && len(hex) >= 4 && len(hex) <= 6 {
		v, err := strconv.ParseUint(hex, 16, 32)
		if err == nil && v <= unicode10FFFF && (v < 0xD800 || v > 0xDFFF) {
			return string(rune(v)), true
		}
	}
	return "", false
}

const unicode10FFFF = 0x10FFFF

// The simple-font base encodings.
var (
	standardEncoding [256]string
	winAnsiEncoding  [256]string
	macRomanEncoding [256]string
	symbolEncoding   [256]string
	encodingsOnce    sync.Once
)

func initEncodings() {
	for c := 0x20; c < 0x7f; c++ {
		standardEncoding[c] = string(rune(c))
	}
	standardEncoding['\''] = "\u2019"
	standardEncoding['`'] = "\u2018"
	for c, s := range map[int]string{
		0xA1: "¡", 0xA2: "¢", 0xA3: "£", 0xA4: "⁄", 0xA5: "¥", 0xA6: "ƒ", 0xA7: "§", 0xA8: "¤",
		0xA9: "'", 0xAA: "“", 0xAB: "«", 0xAC: "‹", 0xAD: "›", 0xAE: "ﬁ", 0xAF: "ﬂ", 0xB1: "–",
		0xB2: "†", 0xB3: "‡", 0xB4: "·", 0xB6: "¶", 0xB7: "•", 0xB8: "‚", 0xB9: "„", 0xBA: "”",
		0xBB: "»", 0xBC: "…", 0xBD: "‰", 0xBF: "¿", 0xC1: "`", 0xC2: "´", 0xC3: "ˆ", 0xC4: "˜",
		0xC5: "¯", 0xC6: "˘", 0xC7: "˙", 0xC8: "¨", 0xCA: "˚", 0xCB: "¸", 0xCD: "˝", 0xCE: "˛",
		0xCF: "ˇ", 0xD0: "—", 0xE1: "Æ", 0xE3: "ª", 0xE8: "Ł", 0xE9: "Ø", 0xEA: "Œ", 0xEB: "º",
		0xF1: "æ", 0xF5: "ı", 0xF8: "ł", 0xF9: "ø", 0xFA: "œ", 0xFB: "ß",
	} {
		standardEncoding[c] = s
	}
	for c := 0x20; c < 256; c++ {
		if c == 0x7f {
			continue
		}
		if r := charmap.Windows1252.DecodeByte(byte(c)); r != utf8.RuneError && r >= 0x20 {
			winAnsiEncoding[c] = string(r)
		}
		if r := charmap.Macintosh.DecodeByte(byte(c)); r != utf8.RuneError && r >= 0x20 {
			macRomanEncoding[c] = string(r)
		}
	}
	// PDF's WinAnsi shows a bullet for the unused codes and a space for 0xA0.
	for _, c := range []int{0x81, 0x8D, 0x8F, 0x90, 0x9D} {
		winAnsiEncoding[c] = "•"
	}
	winAnsiEncoding[0xA0] = " "
	winAnsiEncoding[0xAD] = "-"
	// The Symbol font: ASCII punctuation and digits, Greek letters and the
	// common math signs.
	for c := 0x20; c < 0x7f; c++ {
		symbolEncoding[c] = string(rune(c))
	}
	upper := "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ"
	lower := "αβχδεφγηιϕκλμνοπθρστυϖωξψζ"
	for i, r := range []rune(upper) {
		symbolEncoding['A'+i] = string(r)
	}
	for i, r := range []rune(lower) {
		symbolEncoding['a'+i] = string(r)
	}
	for c, s := range map[int]string{
		0x22: "∀", 0x24: "∃", 0x27: "∋", 0x2A: "∗", 0x2D: "−", 0x40: "≅", 0x5C: "∴", 0x5E: "⊥",
		0x60: "", 0xA1: "ϒ", 0xA2: "′", 0xA3: "≤", 0xA4: "⁄", 0xA5: "∞", 0xA6: "ƒ", 0xA7: "♣",
		0xA8: "♦", 0xA9: "♥", 0xAA: "♠", 0xAB: "↔", 0xAC: "←", 0xAD: "↑", 0xAE: "→", 0xAF: "↓",
		0xB0: "°", 0xB1: "±", 0xB2: "″", 0xB3: "≥", 0xB4: "×", 0xB5: "∝", 0xB6: "∂", 0xB7: "•",
		0xB8: "÷", 0xB9: "≠", 0xBA: "≡", 0xBB: "≈", 0xBC: "…", 0xC5: "⊕", 0xC6: "∅", 0xC7: "∩",
		0xC8: "∪", 0xCE: "∈", 0xCF: "∉", 0xD1: "∇", 0xD5: "∏", 0xD6: "√", 0xD7: "⋅", 0xD9: "∧",
		0xDA: "∨", 0xDB: "⇔", 0xDE: "⇒", 0xE0: "◊", 0xE5: "∑", 0xF2: "∫",
	} {
		symbolEncoding[c] = s
	}
}

// pdfFont decodes the bytes of shown strings into codes, text and widths.
type pdfFont struct {
	composite bool
	codeLens  codeSpace // composite fonts: how many bytes each code takes
	ucs2      bool      // composite font whose codes are UTF-16
	toUni     *cmap
	simple    [256]string // simple fonts: text for each code from the encoding
	widths    [256]float64
	hasWidth  [256]bool
	cidW      *cidWidths
	dw        float64 // default width (glyph units)
	scale     float64 // glyph units to text space (1/1000, or a Type3 FontMatrix)
	unknown   bool    // a font we could not read: show nothing
}

// glyph is one decoded character code.
type glyph struct {
	text  string
	width float64 // in text space units per unit font size
	space bool    // single-byte code 32, which word spacing applies to
}

// decode splits s into codes and calls fn for each.
func (f *pdfFont) decode(s []byte, fn func(glyph)) {
	if f.unknown {
		for _, c := range s {
			fn(glyph{width: 0.5, space: c == 32})
		}
		return
	}
	for len(s) > 0 {
		n := 1
		if f.composite {
			n = f.codeLens.length(s)
		}
		if n > len(s) {
			n = len(s)
		}
		code := uint32(0)
		for _, c := range s[:n] {
			code = code<<8 | uint32(c)
		}
		s = s[n:]
		g := glyph{space: n == 1 && code == 32}
		text, ok := "", false
		if f.toUni != nil {
			text, ok = f.toUni.lookup(code, n)
		}
		if !ok {
			switch {
			case !f.composite:
				text = f.simple[code]
			case f.ucs2:
				if code >= 0xD800 && code <= 0xDFFF {
					text = ""
				} else if n == 4 {
					text = string(utf16.Decode([]uint16{uint16(code >> 16), uint16(code)}))
				} else {
					text = string(rune(code))
				}
			}
		}
		g.text = text
		w := f.dw
		if f.composite {
			if f.cidW != nil {
				if cw, ok := f.cidW.lookup(code); ok {
					w = cw
				}
			}
		} else if f.hasWidth[code] {
			w = f.widths[code]
		}
		g.width = w * f.scale
		fn(g)
	}
}

// codeSpace holds codespace ranges; codes are 1 to 4 bytes long.
type codeSpace struct {
	ranges []codeRange
	fixed  int // when there are no ranges: 2 for Identity, 0 for "1 or 2 by lead byte"
}

type codeRange struct {
	lo, hi []byte
}

func (cs *codeSpace) length(s []byte) int {
	for _, r := range cs.ranges {
		n := len(r.lo)
		if n > len(s) {
			continue
		}
		in := true
		for i := 0; i < n; i++ {
			if s[i] < r.lo[i] || s[i] > r.hi[i] {
				in = false
				break
			}
		}
		if in {
			return n
		}
	}
	if len(cs.ranges) > 0 {
		// No range matched: take the shortest length, as readers do.
		short := 4
		for _, r := range cs.ranges {
			short = min(short, len(r.lo))
		}
		return short
	}
	if cs.fixed > 0 {
		return cs.fixed
	}
	if s[0] >= 0x80 {
		return 2
	}
	return 1
}

// cmap is a parsed ToUnicode CMap.
type cmap struct {
	space  codeSpace
	chars  map[uint64]string // key: length<<32 | code
	ranges []bfRange         // sorted by lo within a length
}

type bfRange struct {
	n      int
	lo, hi uint32
	dst    []uint16 // base target, last unit incremented along the range
	arr    []string // or one target per code
}

// Bounds for one CMap: more entries than fonts ever need.
const (
	maxCMapEntries = 200_000
	maxCMapBytes   = 8 << 20
)

func (m *cmap) lookup(code uint32, n int) (string, bool) {
	if s, ok := m.chars[uint64(n)<<32|uint64(code)]; ok {
		return s, true
	}
	i := sort.Search(len(m.ranges), func(i int) bool {
		r := m.ranges[i]
		return r.n > n || r.n == n && r.hi >= code
	})
	for ; i < len(m.ranges) && m.ranges[i].n == n; i++ {
		r := m.ranges[i]
		if code < r.lo {
			break
		}
		if code > r.hi {
			continue
		}
		off := code - r.lo
		if r.arr != nil {
			if int(off) < len(r.arr) {
				return r.arr[off], true
			}
			return "", false
		}
		if len(r.dst) == 0 {
			return "", false
		}
		u := append([]uint16(nil), r.dst...)
		u[len(u)-1] += uint16(off)
		return utf16Text(u), true
	}
	return "", false
}

// utf16Text decodes UTF-16 code units, dropping NULs and lone surrogates.
func utf16Text(u []uint16) string {
	rs := utf16.Decode(u)
	var b strings.Builder
	for _, r := range rs {
		if r == 0 || r == utf8.RuneError {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func utf16BE(b []byte) []uint16 {
	if len(b) == 1 {
		return []uint16{uint16(b[0])}
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return u
}

func codeOf(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 4 {
		return 0, false
	}
	var c uint32
	for _, x := range b {
		c = c<<8 | uint32(x)
	}
	return c, true
}

// parseCMap reads codespace ranges and bfchar/bfrange mappings from a CMap
// program. It understands no more PostScript than CMaps use and ignores
// everything else.
func parseCMap(data []byte) *cmap {
	if len(data) > maxCMapBytes {
		data = data[:maxCMapBytes]
	}
	m := &cmap{chars: map[uint64]string{}}
	lx := &lexer{data: data}
	var operands []psToken
	entries := 0
	for entries < maxCMapEntries {
		t, ok := lx.next()
		if !ok {
			break
		}
		if t.kind != tokOp {
			if len(operands) < 3*maxCMapEntries {
				operands = append(operands, t)
			}
			if t.kind == tokArrayStart {
				// Keep array elements flat; bfrange arrays are rebuilt below.
				continue
			}
			continue
		}
		switch string(t.b) {
		case "endcodespacerange":
			for i := 0; i+1 < len(operands); i += 2 {
				lo, hi := operands[i], operands[i+1]
				if lo.kind == tokString && hi.kind == tokString && len(lo.b) == len(hi.b) && len(lo.b) >= 1 && len(lo.b) <= 4 {
					m.space.ranges = append(m.space.ranges, codeRange{lo.b, hi.b})
					entries++
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(operands); i += 2 {
				src, dst := operands[i], operands[i+1]
				code, ok := codeOf(src.b)
				if src.kind != tokString || !ok {
					continue
				}
				var text string
				switch dst.kind {
				case tokString:
					text = utf16Text(utf16BE(dst.b))
				case tokName:
					text, _ = glyphRune(string(dst.b))
				default:
					continue
				}
				m.chars[uint64(len(src.b))<<32|uint64(code)] = text
				entries++
			}
		case "endbfrange":
			for i := 0; i+2 < len(operands); {
				lo, hi := operands[i], operands[i+1]
				loC, ok1 := codeOf(lo.b)
				hiC, ok2 := codeOf(hi.b)
				if lo.kind != tokString || hi.kind != tokString || !ok1 || !ok2 || len(lo.b) != len(hi.b) || hiC < loC {
					i++
					continue
				}
				r := bfRange{n: len(lo.b), lo: loC, hi: hiC}
				j := i + 2
				switch operands[j].kind {
				case tokString:
					r.dst = utf16BE(operands[j].b)
					j++
				case tokArrayStart:
					j++
					for j < len(operands) && operands[j].kind != tokArrayEnd {
						if operands[j].kind == tokString && len(r.arr) < 65536 {
							r.arr = append(r.arr, utf16Text(utf16BE(operands[j].b)))
						}
						j++
					}
					j++
					if r.arr == nil {
						r.arr = []string{}
					}
				default:
					j++
				}
				i = j
				m.ranges = append(m.ranges, r)
				entries++
			}
		}
		operands = operands[:0]
	}
	sort.SliceStable(m.ranges, func(i, j int) bool {
		a, b := m.ranges[i], m.ranges[j]
		if a.n != b.n {
			return a.n < b.n
		}
		return a.lo < b.lo
	})
	return m
}

// fontLoader builds pdfFonts from font dictionaries, caching by object
// number so a font shared by many pages is read once.
type fontLoader struct {
	cache map[int]*pdfFont
	fs    *pdfState
}

func (l *fontLoader) load(o types.Object) *pdfFont {
	ref, isRef := o.(types.IndirectRef)
	if isRef {
		if f, ok := l.cache[ref.ObjectNumber.Value()]; ok {
			return f
		}
	}
	f := l.build(o)
	if isRef && len(l.cache) < 10_000 {
		l.cache[ref.ObjectNumber.Value()] = f
	}
	return f
}

func (l *fontLoader) build(o types.Object) *pdfFont {
	encodingsOnce.Do(initEncodings)
	d := l.fs.dict(o)
	if d == nil {
		return &pdfFont{unknown: true, scale: 1}
	}
	f := &pdfFont{scale: 0.001}
	subtype := l.fs.name(d["Subtype"])
	base := l.fs.name(d["BaseFont"])
	if i := strings.IndexByte(base, '+'); i == 6 {
		base = base[i+1:]
	}
	if tu := l.fs.stream(d["ToUnicode"]); tu != nil {
		f.toUni = parseCMap(tu)
	}
	if subtype == "Type0" {
		l.buildComposite(f, d)
		return f
	}
	// Simple font: base encoding, then Differences.
	var base256 *[256]string
	switch {
	case subtype == "TrueType":
		base256 = &winAnsiEncoding
	case strings.HasPrefix(base, "Symbol"):
		base256 = &symbolEncoding
	case strings.HasPrefix(base, "ZapfDingbats"), strings.HasPrefix(base, "Wingdings"), strings.HasPrefix(base, "Webdings"):
		base256 = &[256]string{}
	default:
		base256 = &standardEncoding
	}
	var diffs types.Array
	switch e := l.fs.deref(d["Encoding"]).(type) {
	case types.Name:
		if t := namedEncoding(string(e)); t != nil {
			base256 = t
		}
	case types.Dict:
		if t := namedEncoding(l.fs.name(e["BaseEncoding"])); t != nil {
			base256 = t
		}
		diffs, _ = l.fs.deref(e["Differences"]).(types.Array)
	}
	f.simple = *base256
	code := 0
	numbered, named := 0, 0 // names like "a65" at code 65
	for i, x := range diffs {
		if i > 4096 {
			break
		}
		switch v := l.fs.deref(x).(type) {
		case types.Integer:
			code = v.Value()
		case types.Float:
			code = int(v)
		case types.Name:
			if code >= 0 && code < 256 {
				f.simple[code], _ = glyphRune(string(v))
				if string(v) != ".notdef" {
					named++
					if numberedName(string(v)) == code {
						numbered++
					}
				}
			}
			code++
		}
	}
	if subtype == "Type3" && f.toUni == nil && named > 0 && numbered == named {
		// Bitmap fonts from TeX name each glyph after its code ("a100"
		// is code 100) in the TeX text encodings, which match ASCII for
		// letters and digits.
		for c := range f.simple {
			f.simple[c] = texTextCode(c)
		}
	}
	if subtype == "Type3" {
		if m, ok := l.fs.deref(d["FontMatrix"]).(types.Array); ok && len(m) == 6 {
			if s := l.fs.num(m[0]); s != 0 && !math.IsNaN(s) && !math.IsInf(s, 0) {
				f.scale = math.Abs(s)
			}
		}
	}
	f.dw = 500
	if fd := l.fs.dict(d["FontDescriptor"]); fd != nil {
		if mw := l.fs.num(fd["MissingWidth"]); mw > 0 {
			f.dw = mw
		}
	}
	first := int(l.fs.num(d["FirstChar"]))
	widths, _ := l.fs.deref(d["Widths"]).(types.Array)
	for i, w := range widths {
		c := first + i
		if c < 0 || c > 255 {
			continue
		}
		f.widths[c] = l.fs.num(w)
		f.hasWidth[c] = true
	}
	if widths == nil && pdffont.IsCoreFont(base) {
		for c := 0; c < 256; c++ {
			if w, err := pdffont.CharWidth(base, rune(c)); err == nil {
				f.widths[c], f.hasWidth[c] = float64(w), true
			}
		}
	}
	return f
}

// numberedName returns n for glyph names of the form "a65" or "g123"
// (one or two letters, then a decimal number), or -1.
func numberedName(name string) int {
	i := 0
	for i < len(name) && i < 2 && (name[i] >= 'a' && name[i] <= 'z' || name[i] >= 'A' && name[i] <= 'Z') {
		i++
	}
	if i == 0 || i == len(name) || len(name)-i > 3 {
		return -1
	}
	n, err := strconv.Atoi(name[i:])
	if err != nil {
		return -1
	}
	return n
}

// texTextCode maps a code of TeX's T1 and OT1 text encodings: ASCII
// letters, digits and most punctuation, the ligatures and quotes below
// 0x20, Latin-1 letters at 0xC0 and above.
func texTextCode(c int) string {
	switch {
	case c == 0x27:
		return "’"
	case c == 0x60:
		return "‘"
	case c > 0x20 && c < 0x7f:
		return string(rune(c))
	case c >= 0xC0 && c <= 0xFF && c != 0xD7 && c != 0xF7:
		return string(rune(c))
	}
	switch c {
	case 0x0B, 0x1B:
		return "ff"
	case 0x0C, 0x1C:
		return "fi"
	case 0x0D, 0x1D:
		return "fl"
	case 0x0E, 0x1E:
		return "ffi"
	case 0x0F, 0x1F:
		return "ffl"
	case 0x10:
		return "“"
	case 0x11:
		return "”"
	case 0x15:
		return "–"
	case 0x16:
		return "—"
	case 0xD7:
		return "Œ"
	case 0xF7:
		return "œ"
	}
	return ""
}

func namedEncoding(name string) *[256]string {
	switch name {
	case "WinAnsiEncoding":
		return &winAnsiEncoding
	case "MacRomanEncoding":
		return &macRomanEncoding
	case "StandardEncoding":
		return &standardEncoding
	}
	return nil
}

func (l *fontLoader) buildComposite(f *pdfFont, d types.Dict) {
	f.composite = true
	f.dw = 1000
	switch e := l.fs.deref(d["Encoding"]).(type) {
	case types.Name:
		name := string(e)
		switch {
		case strings.HasPrefix(name, "Identity-"):
			f.codeLens.fixed = 2
		case strings.Contains(name, "UCS2"):
			f.codeLens.fixed = 2
			f.ucs2 = true
		case strings.Contains(name, "UTF16"):
			f.ucs2 = true
			f.codeLens.ranges = []codeRange{
				{[]byte{0xD8, 0x00, 0xDC, 0x00}, []byte{0xDB, 0xFF, 0xDF, 0xFF}},
				{[]byte{0x00, 0x00}, []byte{0xFF, 0xFF}},
			}
		}
	case types.StreamDict:
		if data := l.fs.stream(e); data != nil {
			f.codeLens = parseCMap(data).space
		}
	}
	if f.codeLens.fixed == 0 && len(f.codeLens.ranges) == 0 && f.toUni != nil && len(f.toUni.space.ranges) > 0 {
		f.codeLens = f.toUni.space
	}
	desc, _ := l.fs.deref(d["DescendantFonts"]).(types.Array)
	if len(desc) == 0 {
		return
	}
	cid := l.fs.dict(desc[0])
	if cid == nil {
		return
	}
	if dw := l.fs.num(cid["DW"]); dw > 0 {
		f.dw = dw
	}
	if w, ok := l.fs.deref(cid["W"]).(types.Array); ok {
		f.cidW = l.cidWidths(w)
	}
}

// cidWidths holds a CID font's W array without expanding its ranges.
type cidWidths struct {
	single map[uint32]float64
	ranges []cidRange
}

type cidRange struct {
	lo, hi uint32
	w      float64
}

func (c *cidWidths) lookup(code uint32) (float64, bool) {
	if w, ok := c.single[code]; ok {
		return w, true
	}
	for _, r := range c.ranges {
		if code >= r.lo && code <= r.hi {
			return r.w, true
		}
	}
	return 0, false
}

func (l *fontLoader) cidWidths(w types.Array) *cidWidths {
	c := &cidWidths{single: map[uint32]float64{}}
	for i := 0; i < len(w) && len(c.single) < 100_000 && len(c.ranges) < 10_000; {
		first := l.fs.num(w[i])
		if first < 0 || first > math.MaxUint32 || i+1 >= len(w) {
			break
		}
		if arr, ok := l.fs.deref(w[i+1]).(types.Array); ok {
			for k, x := range arr {
				if k > 65536 {
					break
				}
				c.single[uint32(first)+uint32(k)] = l.fs.num(x)
			}
			i += 2
			continue
		}
		if i+2 >= len(w) {
			break
		}
		last := l.fs.num(w[i+1])
		if last >= first && last <= math.MaxUint32 {
			c.ranges = append(c.ranges, cidRange{uint32(first), uint32(last), l.fs.num(w[i+2])})
		}
		i += 3
	}
	return c
}
