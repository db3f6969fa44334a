package notebook

import (
	"strings"
	"unicode"
)

// stopwords are dropped from queries and lexical features: they match
// everything and so rank nothing.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all also am an and any are as at be because been before being below
		between both but by can could did do does doing down during each few for from further had has have having he her here hers herself
		him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours
		ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those
		through to too under until up very was we were what when where which while who whom why will with would you your yours yourself
		yourselves s t don may might must shall whether`) {
		m[w] = true
	}
	return m
}()

// words splits text into lower-case words of letters and digits.
func words(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, strings.ToLower(s[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, strings.ToLower(s[start:]))
	}
	return out
}

// stem is a light suffix stripper, enough to join plural and verb forms
// in hashed features (FTS5 has its own Porter stemmer).
func stem(w string) string {
	n := len(w)
	switch {
	case n > 5 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 5 && strings.HasSuffix(w, "ing"):
		return w[:n-3]
	case n > 4 && strings.HasSuffix(w, "ed"):
		return w[:n-2]
	case n > 4 && strings.HasSuffix(w, "es") && !strings.HasSuffix(w, "ses"):
		return w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// terms are the content words of s, stemmed.
func terms(s string) []string {
	ws := words(s)
	out := ws[:0]
	for _, w := range ws {
		if !stopwords[w] && len(w) < 64 {
			out = append(out, stem(w))
		}
	}
	return out
}

// ftsTerms are the distinct content words of a question as quoted FTS5
// strings, so no user syntax ever reaches MATCH.
func ftsTerms(q string) []string {
	seen := map[string]bool{}
	var parts []string
	for _, w := range words(q) {
		if stopwords[w] || seen[w] || len(w) > 64 {
			continue
		}
		seen[w] = true
		parts = append(parts, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
		if len(parts) == 64 {
			break
		}
	}
	return parts
}

// ftsQuery turns a user's question into a safe FTS5 expression: each
// distinct content word quoted, ORed.
func ftsQuery(q string) string { return strings.Join(ftsTerms(q), " OR ") }

// FTSQuery is ftsQuery for benchmarks and tools.
func FTSQuery(q string) string { return ftsQuery(q) }
