package postgres

import (
	"math"
	"strconv"
	"strings"
)

// Notebook passages are searched as SQLite's FTS5 searches them
// (tokenize = 'porter unicode61 remove_diacritics 2', ranked by bm25()):
// the store makes the words itself — runs of letters and digits, case- and
// diacritic-folded (words, as for task search), then Porter-stemmed — for
// the stored tsvector (with positions, so phrases and term frequencies
// survive) and for the query, so the server's own text parser and
// dictionaries never decide what matches.

// maxPosition is the largest word position a tsvector keeps, and
// maxPositions how many positions it keeps per word.
const (
	maxPosition  = 16383
	maxPositions = 256
)

// chunkVector returns the tsvector literal of a passage's words and how
// many words it has (BM25's document length).
func chunkVector(text string) (string, int) {
	ws := words(text)
	pos := map[string][]int{}
	var order []string
	for i, w := range ws {
		s := porterStem(w)
		p, seen := pos[s]
		if !seen {
			order = append(order, s)
		}
		if len(p) < maxPositions {
			pos[s] = append(p, min(i+1, maxPosition))
		}
	}
	var b strings.Builder
	for i, s := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		// Words are letters and digits only: nothing to escape.
		b.WriteString("'" + s + "':")
		for j, p := range pos[s] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String(), len(ws)
}

// matchTerm is one quoted string of an FTS5 expression: its stemmed
// words, a phrase when there are several.
type matchTerm []string

func (t matchTerm) tsquery() string {
	parts := make([]string, len(t))
	for i, w := range t {
		parts[i] = "'" + w + "'"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " <-> ") + ")"
}

// freq is the term's frequency in a passage: its word's count, or for a
// phrase the count of its rarest word there (an upper bound on the
// phrase's occurrences).
func (t matchTerm) freq(tf map[string]int) int {
	f := -1
	for _, w := range t {
		if f < 0 || tf[w] < f {
			f = tf[w]
		}
	}
	return max(f, 0)
}

// match is a parsed FTS5 expression: terms joined by AND and OR (AND
// binds tighter in both dialects).
type match struct {
	terms []matchTerm
	ops   []string // ops[i] joins terms[i] and terms[i+1]: "&" or "|"
}

// parseMatch reads the FTS5 expressions the notebook feature builds:
// double-quoted strings ("" inside is a quote) and bare words, joined by
// AND or OR (a missing operator is AND, as in FTS5). Terms without a word
// drop out with their operator. nil when no term is left.
func parseMatch(expr string) *match {
	var m match
	op := ""
	add := func(text string) {
		t := matchTerm{}
		for _, w := range words(text) {
			t = append(t, porterStem(w))
		}
		if len(t) == 0 {
			return
		}
		if len(m.terms) > 0 {
			if op == "" {
				op = "&"
			}
			m.ops = append(m.ops, op)
		}
		m.terms = append(m.terms, t)
		op = ""
	}
	for i := 0; i < len(expr); {
		switch c := expr[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			var b strings.Builder
			i++
			for i < len(expr) {
				if expr[i] == '"' {
					if i+1 < len(expr) && expr[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(expr[i])
				i++
			}
			add(b.String())
		default:
			j := i
			for j < len(expr) && !strings.ContainsRune(" \t\r\n\"", rune(expr[j])) {
				j++
			}
			switch w := expr[i:j]; w {
			case "AND":
				op = "&"
			case "OR":
				op = "|"
			default:
				add(w)
			}
			i = j
		}
	}
	if len(m.terms) == 0 {
		return nil
	}
	return &m
}

func (m *match) tsquery() string {
	var b strings.Builder
	for i, t := range m.terms {
		if i > 0 {
			b.WriteString(" " + m.ops[i-1] + " ")
		}
		b.WriteString(t.tsquery())
	}
	return b.String()
}

// lexemes are the distinct words of every term.
func (m *match) lexemes() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range m.terms {
		for _, w := range t {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// bm25Term is one term's share of a passage's BM25 score, as FTS5 computes
// it: n passages of total hold the term, tf times in this one of length
// words against a mean of avg.
func bm25Term(total, n, tf, words, avg float64) float64 {
	const k1, b = 1.2, 0.75
	idf := math.Log((total - n + 0.5) / (n + 0.5))
	if idf <= 0 {
		idf = 1e-6
	}
	if avg <= 0 {
		avg = 1
	}
	return idf * (tf * (k1 + 1)) / (tf + k1*(1-b+b*words/avg))
}
