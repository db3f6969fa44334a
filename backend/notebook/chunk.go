package notebook

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ChunkOptions size chunks in tokens (words, roughly).
type ChunkOptions struct {
	Target  int // aim for this many tokens per chunk (default 260)
	Max     int // never more (default 380)
	Overlap int // tokens repeated from the previous chunk (default 50)
}

func (o ChunkOptions) withDefaults() ChunkOptions {
	if o.Target <= 0 {
		o.Target = 260
	}
	if o.Max < o.Target {
		o.Max = o.Target * 3 / 2
	}
	if o.Overlap < 0 || o.Overlap >= o.Target {
		o.Overlap = 0
	} else if o.Overlap == 0 {
		o.Overlap = 50
	}
	return o
}

// PageSpan is where a page's text starts in the whole text.
type PageSpan struct {
	Number int
	Offset int
}

// Piece is one chunk of a text: [Start, End) byte offsets into it.
type Piece struct {
	Text    string
	Heading string
	Start   int
	End     int
	Page    int
	PageEnd int
	Tokens  int
	// AudioStart and AudioEnd: where a recording's passage was said (s).
	AudioStart, AudioEnd float64
}

// segment is a sentence, a heading or a slice of an over-long sentence.
type segment struct {
	start, end int
	tokens     int
	heading    bool
	paraStart  bool
}

// Split cuts text into chunks that follow its structure: a heading starts
// a new chunk, paragraphs are kept whole when they fit, long paragraphs
// are cut between sentences, and each chunk repeats the last sentences of
// the one before (Overlap) so a fact on a boundary is found either way.
// Every chunk keeps its byte offsets and page numbers.
func Split(text string, pages []PageSpan, opt ChunkOptions) []Piece {
	opt = opt.withDefaults()
	segs := segments(text, opt.Max)
	if len(segs) == 0 {
		return nil
	}
	var out []Piece
	heading := ""
	i := 0
	for i < len(segs) {
		// Headings open a chunk and are remembered for those that follow.
		j, tokens := i, 0
		for j < len(segs) {
			s := segs[j]
			if j > i && s.heading && tokens >= opt.Target/4 {
				break
			}
			// A new page starts a new chunk, so citations name the right page.
			if j > i && len(pages) > 1 && pageAt(pages, s.start) != pageAt(pages, segs[j-1].start) {
				break
			}
			if j > i && tokens+s.tokens > opt.Max {
				break
			}
			if j > i && tokens >= opt.Target && s.paraStart {
				break
			}
			tokens += s.tokens
			j++
			if tokens >= opt.Target && j < len(segs) && segs[j].tokens+tokens > opt.Target*5/4 {
				break
			}
		}
		for k := i; k < j; k++ {
			if segs[k].heading {
				heading = strings.TrimSpace(strings.TrimLeft(text[segs[k].start:segs[k].end], "#"))
			}
		}
		start, end := segs[i].start, segs[j-1].end
		p := Piece{Text: text[start:end], Heading: heading, Start: start, End: end, Tokens: tokens}
		p.Page, p.PageEnd = pageAt(pages, start), pageAt(pages, max(start, end-1))
		if !(len(segs[i:j]) == 1 && segs[i].heading && j < len(segs)) {
			out = append(out, p)
		}
		if j >= len(segs) {
			break
		}
		// Step back over whole sentences for the overlap, but always move on.
		next, back := j, 0
		for next-1 > i && !segs[next-1].heading && back+segs[next-1].tokens <= opt.Overlap &&
			pageAt(pages, segs[next-1].start) == pageAt(pages, segs[j].start) {
			next--
			back += segs[next].tokens
		}
		i = next
	}
	return out
}

func pageAt(pages []PageSpan, off int) int {
	if len(pages) == 0 {
		return 1
	}
	k := sort.Search(len(pages), func(i int) bool { return pages[i].Offset > off })
	if k == 0 {
		return pages[0].Number
	}
	return pages[k-1].Number
}

func countTokens(s string) int { return len(strings.Fields(s)) }

// segments finds paragraphs (blank-line separated), headings and
// sentences, splitting sentences longer than max tokens.
func segments(text string, max int) []segment {
	var out []segment
	for _, para := range paragraphs(text) {
		ps, pe := para[0], para[1]
		body := text[ps:pe]
		if isHeading(body) {
			out = append(out, segment{start: ps, end: pe, tokens: countTokens(body), heading: true, paraStart: true})
			continue
		}
		first := true
		for _, s := range sentences(body) {
			ss, se := ps+s[0], ps+s[1]
			n := countTokens(text[ss:se])
			if n == 0 {
				continue
			}
			if n <= max {
				out = append(out, segment{start: ss, end: se, tokens: n, paraStart: first})
				first = false
				continue
			}
			// Over-long: cut every max/2 words.
			cut, count := ss, 0
			inWord := false
			for k := ss; k < se; {
				r, size := utf8.DecodeRuneInString(text[k:])
				if unicode.IsSpace(r) {
					if inWord {
						count++
						if count == max/2 {
							out = append(out, segment{start: cut, end: k, tokens: count, paraStart: first})
							first = false
							cut, count = k+size, 0
						}
					}
					inWord = false
				} else {
					inWord = true
				}
				k += size
			}
			if rest := strings.TrimSpace(text[cut:se]); rest != "" {
				out = append(out, segment{start: cut, end: se, tokens: countTokens(rest), paraStart: first})
				first = false
			}
		}
	}
	return out
}

// paragraphs returns the trimmed [start, end) of each blank-line separated
// block.
func paragraphs(text string) [][2]int {
	var out [][2]int
	start := 0
	emit := func(a, b int) {
		for a < b && isSpaceByte(text[a]) {
			a++
		}
		for b > a && isSpaceByte(text[b-1]) {
			b--
		}
		if a < b {
			out = append(out, [2]int{a, b})
		}
	}
	i := 0
	for i < len(text) {
		if text[i] == '\n' {
			// A blank line: newline, optional spaces, newline.
			k := i + 1
			for k < len(text) && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r') {
				k++
			}
			if k < len(text) && text[k] == '\n' {
				emit(start, i)
				for k < len(text) && isSpaceByte(text[k]) {
					k++
				}
				start, i = k, k
				continue
			}
		}
		i++
	}
	emit(start, len(text))
	return out
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\f' }

// isHeading: a Markdown heading, or one short line without closing
// punctuation (a title in extracted PDF/DOCX text).
func isHeading(p string) bool {
	if strings.Contains(p, "\n") {
		return false
	}
	if strings.HasPrefix(p, "#") {
		return true
	}
	n := countTokens(p)
	if n == 0 || n > 10 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(p)
	if strings.ContainsRune(".!?,;:\"')]", last) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(p)
	return unicode.IsUpper(first) || unicode.IsDigit(first)
}

// sentences returns [start, end) of each sentence in a paragraph: a break
// after . ! ? (and closing quotes) followed by space and an upper-case
// letter or digit, or at a line that starts a list item.
func sentences(p string) [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		split := -1
		switch {
		case c == '.' || c == '!' || c == '?':
			k := i + 1
			for k < len(p) && (p[k] == '"' || p[k] == '\'' || p[k] == ')' || p[k] == ']') {
				k++
			}
			if k < len(p) && isSpaceByte(p[k]) {
				m := k
				for m < len(p) && isSpaceByte(p[m]) {
					m++
				}
				if m < len(p) {
					r, _ := utf8.DecodeRuneInString(p[m:])
					if (unicode.IsUpper(r) || unicode.IsDigit(r) || r == '(' || r == '"') && !abbreviation(p[start:i]) {
						split = k
					}
				}
			}
		case c == '\n':
			m := i + 1
			for m < len(p) && (p[m] == ' ' || p[m] == '\t') {
				m++
			}
			if m < len(p) && (p[m] == '-' || p[m] == '*' || strings.HasPrefix(p[m:], "•")) {
				split = i
			}
		}
		if split > start {
			if s := trimSpan(p, start, split); s[0] < s[1] {
				out = append(out, s)
			}
			start = split
		}
	}
	if s := trimSpan(p, start, len(p)); s[0] < s[1] {
		out = append(out, s)
	}
	return out
}

func trimSpan(p string, a, b int) [2]int {
	for a < b && isSpaceByte(p[a]) {
		a++
	}
	for b > a && isSpaceByte(p[b-1]) {
		b--
	}
	return [2]int{a, b}
}

var abbreviations = map[string]bool{"e.g": true, "i.e": true, "etc": true, "vs": true, "dr": true, "mr": true, "mrs": true, "ms": true,
	"prof": true, "fig": true, "al": true, "no": true, "approx": true, "inc": true, "st": true}

func abbreviation(before string) bool {
	k := strings.LastIndexAny(before, " \n\t(")
	w := strings.ToLower(before[k+1:])
	return abbreviations[w] || (len(w) == 1 && unicode.IsLetter(rune(w[0])))
}
