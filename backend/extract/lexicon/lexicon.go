// Package lexicon reads the word lists rule engines keep as text files: one
// entry a line, blank lines and "#" comments skipped, an entry being a word
// or a phrase of several words.
package lexicon

import "strings"

// Set is a word list for membership tests. A phrase is stored with single
// spaces between its words.
type Set struct {
	entries map[string]bool
	longest int // words in the longest entry
}

// Parse reads a list (see the package comment) into a Set.
func Parse(text string) Set {
	s := Set{entries: map[string]bool{}}
	for _, e := range Lines(text) {
		s.entries[e] = true
		s.longest = max(s.longest, strings.Count(e, " ")+1)
	}
	return s
}

// Lines returns a list's entries in the order written, each with its
// words joined by single spaces.
func Lines(text string) []string {
	var out []string
	for _, ln := range strings.Split(text, "\n") {
		if i := strings.Index(ln, "#"); i >= 0 {
			ln = ln[:i]
		}
		if f := strings.Fields(ln); len(f) > 0 {
			out = append(out, strings.Join(f, " "))
		}
	}
	return out
}

// Has says whether entry is in the set; a phrase must be spelt with single
// spaces.
func (s Set) Has(entry string) bool { return s.entries[entry] }

// Longest is the number of words in the set's longest entry.
func (s Set) Longest() int { return s.longest }

// PhraseAt returns how many words, from words[i] on, the longest entry
// starting there spans, or 0 when none does. Each word is passed through
// clean first (punctuation trimmed, say) unless clean is nil.
func (s Set) PhraseAt(words []string, i int, clean func(string) string) int {
	if i < 0 || i >= len(words) {
		return 0
	}
	word := func(k int) string {
		if clean == nil {
			return words[k]
		}
		return clean(words[k])
	}
	best := 0
	if s.entries[word(i)] {
		best = 1
	}
	phrase := word(i)
	for n := 2; n <= s.longest && i+n <= len(words); n++ {
		phrase += " " + word(i+n-1)
		if s.entries[phrase] {
			best = n
		}
	}
	return best
}

// Pairs reads a list whose lines hold two words ("sent send") into a map
// from the first to the second.
func Pairs(text string) map[string]string {
	m := map[string]string{}
	for _, e := range Lines(text) {
		if k, v, ok := strings.Cut(e, " "); ok {
			m[k] = v
		}
	}
	return m
}
