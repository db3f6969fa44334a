// Package gate compiles regular expressions with a cheap literal pre-check,
// for rule engines that try many patterns on every sentence.
package gate

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// Regexp is a regular expression with a cheap pre-check. Go's matcher tries
// an unanchored pattern at every position of the input, which made long
// phrase lists ("already done", "called off", …) the rule engine's main cost.
// When every match must begin with one of a few literal strings, a sentence
// containing none of them cannot match, and strings.Contains says so far
// faster than the matcher.
type Regexp struct {
	*regexp.Regexp
	lits []string // nil: no gate, always run the matcher
	fold bool     // lits are lower case; compare with the input lower-cased
}

// MustCompile compiles pattern and works out its leading literals.
func MustCompile(pattern string) Regexp {
	g := Regexp{Regexp: regexp.MustCompile(pattern)}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return g
	}
	sre := re.Simplify()
	lits, _, ok := literals(sre, 256, &g.fold)
	var fold bool
	if req, rok := requiredLits(sre, 256, &fold); rok && (!ok || minLen(req) > minLen(lits)) {
		lits, ok, g.fold = req, true, fold
	}
	if !ok || len(lits) == 0 {
		return g
	}
	for _, l := range lits {
		if l == "" {
			return g // something can match with no literal first
		}
	}
	g.lits = lits
	return g
}

// MayMatch is false only when s cannot match.
func (g Regexp) MayMatch(s string) bool {
	if g.lits == nil {
		return true
	}
	if g.fold {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return true // non-ASCII letters fold in ways LowerASCII does not
			}
		}
		s = LowerASCII(s)
	}
	for _, l := range g.lits {
		if strings.Contains(s, l) {
			return true
		}
	}
	return false
}

func (g Regexp) MatchString(s string) bool {
	return g.MayMatch(s) && g.Regexp.MatchString(s)
}

func (g Regexp) FindStringIndex(s string) []int {
	if !g.MayMatch(s) {
		return nil
	}
	return g.Regexp.FindStringIndex(s)
}

func (g Regexp) FindStringSubmatchIndex(s string) []int {
	if !g.MayMatch(s) {
		return nil
	}
	return g.Regexp.FindStringSubmatchIndex(s)
}

func (g Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	if !g.MayMatch(s) {
		return nil
	}
	return g.Regexp.FindAllStringSubmatchIndex(s, n)
}

func (g Regexp) FindAllStringIndex(s string, n int) [][]int {
	if !g.MayMatch(s) {
		return nil
	}
	return g.Regexp.FindAllStringIndex(s, n)
}

func (g Regexp) ReplaceAllString(s, repl string) string {
	if !g.MayMatch(s) {
		return s
	}
	return g.Regexp.ReplaceAllString(s, repl)
}

// literals lists strings one of which every match of re starts with, and
// exact says the strings are all re matches; ok is false when that cannot
// be said.
// Case-insensitive literals come back lower-cased, with *fold set.
func literals(re *syntax.Regexp, limit int, fold *bool) (lits []string, exact, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			*fold = true
			return []string{strings.ToLower(string(re.Rune))}, true, true
		}
		return []string{string(re.Rune)}, true, true
	case syntax.OpCapture:
		return literals(re.Sub[0], limit, fold)
	case syntax.OpPlus:
		l, _, ok := literals(re.Sub[0], limit, fold)
		return l, false, ok
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false, false
		}
		l, _, ok := literals(re.Sub[0], limit, fold)
		return l, false, ok
	case syntax.OpCharClass:
		// A small class of single characters: each is a literal.
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				out = append(out, string(r))
				if len(out) > 8 {
					return nil, false, false
				}
			}
		}
		return out, true, true
	case syntax.OpAlternate:
		exact = true
		for _, s := range re.Sub {
			l, e, ok := literals(s, limit, fold)
			if !ok {
				return nil, false, false
			}
			exact = exact && e
			lits = append(lits, l...)
			if len(lits) > limit {
				return nil, false, false
			}
		}
		return lits, exact, true
	case syntax.OpConcat:
		i := 0
		for i < len(re.Sub) && zeroWidth(re.Sub[i].Op) {
			i++
		}
		if i == len(re.Sub) {
			return nil, false, false
		}
		acc, exact, ok := literals(re.Sub[i], limit, fold)
		if !ok {
			return nil, false, false
		}
		// While the parts so far match exactly those strings, extend them
		// with what follows: "(?:is|are) (?:done|sent)" gives "is done", ….
		for i++; exact && i < len(re.Sub); i++ {
			next, e, ok := literals(re.Sub[i], limit, fold)
			if !ok || len(acc)*len(next) > limit {
				return acc, false, true
			}
			out := make([]string, 0, len(acc)*len(next))
			for _, a := range acc {
				for _, n := range next {
					out = append(out, a+n)
				}
			}
			acc, exact = out, e
		}
		return acc, exact && i == len(re.Sub), true
	}
	return nil, false, false
}

// requiredLits lists strings one of which every match of re contains,
// not necessarily at its start: "(?:,\s+)?but\s+" contains "but". Of a
// sequence's parts it picks the one whose literals are longest.
func requiredLits(re *syntax.Regexp, limit int, fold *bool) ([]string, bool) {
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLits(re.Sub[0], limit, fold)
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false
		}
		return requiredLits(re.Sub[0], limit, fold)
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			l, ok := requiredLits(s, limit, fold)
			if !ok {
				return nil, false
			}
			out = append(out, l...)
			if len(out) > limit {
				return nil, false
			}
		}
		return out, true
	case syntax.OpConcat:
		var best []string
		var bestFold bool
		found := false
		for _, s := range re.Sub {
			var f bool
			l, ok := requiredLits(s, limit, &f)
			if ok && len(l) > 0 && (!found || minLen(l) > minLen(best)) {
				best, bestFold, found = l, f, true
			}
		}
		if found && bestFold {
			*fold = true
		}
		return best, found
	}
	l, _, ok := literals(re, limit, fold)
	return l, ok
}

// minLen is the length of the shortest string in ls.
func minLen(ls []string) int {
	if len(ls) == 0 {
		return 0
	}
	n := len(ls[0])
	for _, l := range ls[1:] {
		n = min(n, len(l))
	}
	return n
}

func zeroWidth(op syntax.Op) bool {
	switch op {
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpBeginText, syntax.OpBeginLine, syntax.OpEmptyMatch:
		return true
	}
	return false
}

// LowerASCII lowercases ASCII letters only, so byte offsets stay valid; it
// is the folding a case-insensitive gate compares with.
func LowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
