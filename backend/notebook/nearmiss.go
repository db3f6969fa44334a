package notebook

import (
	"strings"
	"unicode"
)

// A near miss is a question whose words are in the documents but whose
// answer is not: "How many frontend engineers will be hired?" over notes
// that say "Two backend engineers will be hired", or "When will version
// 5.0 ship?" over "version 4.2 ships on 24 November". Most of the
// question is found, so the cover alone lets it through; what gives it
// away is the one word that names what is asked about.

// token is a word of a question or sentence as written, with its
// matching form.
type token struct {
	raw, low, term string
	stop           bool
}

func tokens(s string) []token {
	var out []token
	start := -1
	flush := func(end int) {
		raw := s[start:end]
		low := strings.ToLower(raw)
		out = append(out, token{raw: raw, low: low, term: matchTerm(stem(low)), stop: stopwords[low]})
		start = -1
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			flush(i)
		}
	}
	if start >= 0 {
		flush(len(s))
	}
	return out
}

// content: a word that carries meaning, or an acronym ("IT") that looks
// like a stopword in lower case.
func (t token) content() bool {
	if !t.stop {
		return true
	}
	return len(t.raw) > 1 && strings.ToUpper(t.raw) == t.raw && strings.ToLower(t.raw) != t.raw
}

func isNumber(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// determiners open a noun phrase: the word after one (or after one and a
// modifier) names a thing.
var determiners = map[string]bool{"the": true, "a": true, "an": true, "this": true, "that": true, "these": true, "those": true,
	"my": true, "our": true, "your": true, "their": true, "its": true, "his": true, "her": true, "many": true, "each": true, "every": true}

// verbMarkers come before a verb ("must approve", "to end"): the word
// after one is an action, which the documents may word differently.
var verbMarkers = map[string]bool{"must": true, "should": true, "can": true, "could": true, "will": true, "would": true,
	"may": true, "might": true, "shall": true, "do": true, "does": true, "did": true, "to": true}

// speaksOfOther reports a near miss for the best sentence: a number the
// question names that is not in the sentence or its heading ("version
// 5.0" answered with "version 4.2"), or a word of the question missing
// from the sentence's document that names what is asked about — a word
// of a noun phrase ("the Leeds office", "a shared calendar", "how many
// frontend engineers"), or a modifier where the sentence has another
// before the same noun ("radioactive waste" against "chemical waste").
// Words the documents may well put otherwise are let through: light
// words, adverbs in -ly, and actions (after must, will, to, …).
func speaksOfOther(query string, q question, best candidate, doc map[string]bool) bool {
	qs := tokens(query)
	sent := tokens(best.text)
	here := map[string]bool{}
	inSentence := map[string]bool{}
	for _, t := range sent {
		here[t.low] = true
		inSentence[t.term] = true
	}
	for _, t := range tokens(best.heading) {
		here[t.low] = true
	}
	asked := map[string]bool{}
	for _, t := range q.terms {
		asked[t] = true
	}
	for i, t := range qs {
		if isNumber(t.low) {
			if !here[t.low] {
				return true
			}
			continue
		}
		if !asked[t.term] || inSentence[t.term] || lightWords[t.term] || strings.HasSuffix(t.low, "ly") {
			continue
		}
		if i > 0 && verbMarkers[qs[i-1].low] {
			continue
		}
		// In a noun phrase, and nowhere in the document: right after a
		// determiner, or after one and a word.
		if !doc[t.term] && (i > 0 && determiners[qs[i-1].low] || i > 1 && determiners[qs[i-2].low] && !qs[i-1].stop) {
			return true
		}
		// A modifier the sentence replaces: "frontend engineers" where
		// the sentence says "backend engineers" (even when the document
		// has the word elsewhere: "glass waste" against "chemical waste"
		// in a manual that mentions safety glasses).
		if i+1 < len(qs) && !qs[i+1].stop {
			head := qs[i+1].term
			for j := 1; j < len(sent); j++ {
				if sent[j].term == head && sent[j-1].content() && !asked[sent[j-1].term] && !isNumber(sent[j-1].low) {
					return true
				}
			}
		}
	}
	return false
}
