package docparse

import (
	"bytes"
	"strconv"
)

// A lexer for PDF content streams and CMap programs: numbers, strings,
// names, operators, array and dictionary brackets. It never fails: bytes
// it does not understand are skipped.

type tokKind uint8

const (
	tokNum tokKind = iota
	tokString
	tokName
	tokOp
	tokArrayStart
	tokArrayEnd
	tokDictStart
	tokDictEnd
)

type psToken struct {
	kind tokKind
	b    []byte // string bytes, name, or operator
	num  float64
}

type lexer struct {
	data []byte
	pos  int
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// next returns the next token; ok is false at the end of the data.
func (lx *lexer) next() (t psToken, ok bool) {
	d := lx.data
	for lx.pos < len(d) {
		c := d[lx.pos]
		switch {
		case isPDFSpace(c):
			lx.pos++
		case c == '%':
			for lx.pos < len(d) && d[lx.pos] != '\n' && d[lx.pos] != '\r' {
				lx.pos++
			}
		case c == '(':
			lx.pos++
			return psToken{kind: tokString, b: lx.literal()}, true
		case c == '<':
			if lx.pos+1 < len(d) && d[lx.pos+1] == '<' {
				lx.pos += 2
				return psToken{kind: tokDictStart}, true
			}
			lx.pos++
			return psToken{kind: tokString, b: lx.hex()}, true
		case c == '>':
			lx.pos++
			if lx.pos < len(d) && d[lx.pos] == '>' {
				lx.pos++
				return psToken{kind: tokDictEnd}, true
			}
		case c == '[':
			lx.pos++
			return psToken{kind: tokArrayStart}, true
		case c == ']':
			lx.pos++
			return psToken{kind: tokArrayEnd}, true
		case c == '{' || c == '}' || c == ')':
			lx.pos++
		case c == '/':
			lx.pos++
			return psToken{kind: tokName, b: lx.name()}, true
		default:
			start := lx.pos
			for lx.pos < len(d) && !isPDFSpace(d[lx.pos]) && !isPDFDelim(d[lx.pos]) {
				lx.pos++
			}
			word := d[start:lx.pos]
			if v, isNum := parseNum(word); isNum {
				return psToken{kind: tokNum, num: v}, true
			}
			return psToken{kind: tokOp, b: word}, true
		}
	}
	return psToken{}, false
}

// parseNum reads PDF numbers ("12", "-3.5", ".5", "4."); huge or
// malformed values become 0 so arithmetic stays finite.
func parseNum(w []byte) (float64, bool) {
	if len(w) == 0 {
		return 0, false
	}
	c := w[0]
	if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.') {
		return 0, false
	}
	for _, c := range w[1:] {
		if !(c >= '0' && c <= '9' || c == '.' || c == '-') {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(string(w), 64)
	if err != nil {
		// "--5", "1.2.3": producers' typos that readers take as 0.
		return 0, true
	}
	if v > 1e9 || v < -1e9 {
		return 0, true
	}
	return v, true
}

func (lx *lexer) literal() []byte {
	d := lx.data
	var out []byte
	depth := 1
	for lx.pos < len(d) {
		c := d[lx.pos]
		lx.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out
			}
		case '\\':
			if lx.pos >= len(d) {
				return out
			}
			e := d[lx.pos]
			lx.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if lx.pos < len(d) && d[lx.pos] == '\n' {
					lx.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && lx.pos < len(d) && d[lx.pos] >= '0' && d[lx.pos] <= '7'; k++ {
						v = v*8 + int(d[lx.pos]-'0')
						lx.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (lx *lexer) hex() []byte {
	d := lx.data
	var out []byte
	var hi byte
	half := false
	for lx.pos < len(d) {
		c := d[lx.pos]
		lx.pos++
		if c == '>' {
			break
		}
		v, ok := unhex(c)
		if !ok {
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}

func (lx *lexer) name() []byte {
	d := lx.data
	start := lx.pos
	for lx.pos < len(d) && !isPDFSpace(d[lx.pos]) && !isPDFDelim(d[lx.pos]) {
		lx.pos++
	}
	n := d[start:lx.pos]
	if bytes.IndexByte(n, '#') < 0 {
		return n
	}
	out := make([]byte, 0, len(n))
	for i := 0; i < len(n); i++ {
		if n[i] == '#' && i+2 < len(n) {
			h, ok1 := unhex(n[i+1])
			l, ok2 := unhex(n[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
				continue
			}
		}
		out = append(out, n[i])
	}
	return out
}

// skipInlineImage moves past the data of an inline image, which follows
// the ID operator: binary bytes up to an EI operator standing alone.
func (lx *lexer) skipInlineImage() {
	d := lx.data
	if lx.pos < len(d) && isPDFSpace(d[lx.pos]) {
		lx.pos++
	}
	for i := lx.pos; i+1 < len(d); i++ {
		if d[i] == 'E' && d[i+1] == 'I' && (i == 0 || isPDFSpace(d[i-1])) && (i+2 == len(d) || isPDFSpace(d[i+2]) || isPDFDelim(d[i+2])) {
			lx.pos = i + 2
			return
		}
	}
	lx.pos = len(d)
}
