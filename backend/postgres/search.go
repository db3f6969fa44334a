package postgres

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Task search matches what the SQLite store's FTS5 index matches: words are
// runs of letters and digits, case- and diacritic-folded (unicode61 with
// remove_diacritics), and every query word matches as a prefix. The words
// are made here, in Go, for both the stored lexemes and the query, so the
// server's text parser (which splits e-mail addresses, URLs and hyphens
// its own way) never decides what a word is.

// maxLexeme bounds a stored word in bytes: the server refuses longer
// lexemes, and a word that long is only ever found by a prefix of it.
const maxLexeme = 256

// words splits s into folded search words.
func words(s string) []string {
	fields := strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	for i, w := range fields {
		if len(w) > maxLexeme {
			n := maxLexeme
			for n > 0 && !utf8.RuneStart(w[n]) {
				n--
			}
			fields[i] = w[:n]
		}
	}
	return fields
}

// fold lower-cases s and removes combining marks ("Café" → "cafe").
func fold(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// searchLexemes returns the distinct words of a task's searchable text,
// stored with array_to_tsvector.
func searchLexemes(parts ...string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, p := range parts {
		for _, w := range words(p) {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// prefixQuery turns free text into a tsquery that matches every word as a
// prefix ('budg':* & 'rep':*); "" when the text has no words. Words are
// letters and digits only, so they need no escaping inside the quotes.
func prefixQuery(q string) string {
	ws := words(q)
	if len(ws) > 16 {
		ws = ws[:16]
	}
	for i, w := range ws {
		ws[i] = "'" + w + "':*"
	}
	return strings.Join(ws, " & ")
}
