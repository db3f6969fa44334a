package notebook

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A passage's text mixes sentences with what only frames them: headings,
// running titles, page numbers, labels of table columns. An answer quotes
// sentences only, so this file finds them and says what kind of fact each
// one states, to match it with what a question asks for.

// span is a sentence of a passage: [start, end) byte offsets into the
// passage's text, and the heading of the section it is in ("" if none is
// inside the passage).
type span struct {
	start, end int
	heading    string
}

// passageSentences returns a passage's sentences in reading order. Lines
// that frame the text (headings, running titles, page numbers) are left
// out, and so are list bullets; a heading is remembered for the sentences
// under it.
func passageSentences(text string) []span {
	var out []span
	heading := ""
	for _, p := range paragraphs(text) {
		body := text[p[0]:p[1]]
		if furniture(body) {
			continue
		}
		if isHeading(body) && !fieldLine(body) {
			heading = cleanHeading(body)
			continue
		}
		// Lines: a title line glued to its paragraph (PDF and plain-text
		// layouts) becomes the heading; page furniture is skipped.
		lines := lineSpans(body)
		runStart := -1
		flush := func(end int) {
			if runStart < 0 {
				return
			}
			for _, s := range sentences(body[runStart:end]) {
				a, b := p[0]+runStart+s[0], p[0]+runStart+s[1]
				a = skipBullet(text, a, b)
				if a < b {
					out = append(out, span{a, b, heading})
				}
			}
			runStart = -1
		}
		for i, l := range lines {
			line := body[l[0]:l[1]]
			prevEnds := i == 0 || endsSentence(body[lines[i-1][0]:lines[i-1][1]])
			nextStarts := i == len(lines)-1 || startsSentence(body[lines[i+1][0]:lines[i+1][1]])
			switch {
			case furniture(line):
				flush(l[0])
			case prevEnds && nextStarts && titleLine(line) && i < len(lines)-1:
				flush(l[0])
				heading = cleanHeading(line)
			case fieldLine(line) && i > 0:
				// "Label: value" lines (a mail's From:, To:, a form) are
				// each a statement of their own, never glued together.
				flush(l[0])
				runStart = l[0]
			default:
				if runStart < 0 {
					runStart = l[0]
				}
			}
		}
		flush(len(body))
	}
	return out
}

func cleanHeading(s string) string {
	return strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(s), "#"))
}

// lineSpans are the [start, end) of each non-empty line of a paragraph.
func lineSpans(p string) [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '\n' {
			if s := trimSpan(p, start, i); s[0] < s[1] {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	return out
}

func endsSentence(line string) bool {
	line = strings.TrimRight(line, `"')] `)
	r, _ := utf8.DecodeLastRuneInString(line)
	return strings.ContainsRune(".!?:", r)
}

// startsSentence: the line after a title starts with a capital (or a
// list bullet); a digit more often continues a wrapped line ("a fee of" /
// "15 pounds.").
func startsSentence(line string) bool {
	if strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "•") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(line)
	return unicode.IsUpper(r)
}

// titleLine: a line that reads as a title — isHeading's shape, not a
// "Label: value" line, and not ending on a word that needs what follows
// ("… a fee of").
func titleLine(line string) bool {
	if !isHeading(line) || fieldLine(line) {
		return false
	}
	ws := words(line)
	return len(ws) > 0 && !stopwords[ws[len(ws)-1]]
}

// fieldLine is a "Label: value" line (Attendees: …, Status: final): it
// states something, so it is never a heading.
func fieldLine(s string) bool {
	if strings.HasPrefix(s, "#") {
		return false // a Markdown heading ("# Postmortem: …")
	}
	k := strings.Index(s, ": ")
	return k > 0 && k < len(s)-2
}

// furniture: page numbers and page labels ("7", "Page 3 of 10", "- 4 -").
var furnitureLine = regexp.MustCompile(`(?i)^\s*(?:[-–—]?\s*\d{1,4}\s*[-–—]?|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|\d{1,4}\s*(?:of|/)\s*\d{1,4})\s*$`)

func furniture(s string) bool { return furnitureLine.MatchString(s) }

func skipBullet(text string, a, b int) int {
	for a < b {
		switch {
		case text[a] == '-' || text[a] == '*' || text[a] == ' ' || text[a] == '\t':
			a++
		case strings.HasPrefix(text[a:b], "•"):
			a += len("•")
		default:
			return a
		}
	}
	return a
}

// Kinds of fact a question can ask for.
type factKind int

const (
	anyFact factKind = iota
	quantityFact
	durationFact
	dateFact
	personFact
	placeFact
	reasonFact
	frequencyFact
)

// questionKind reads what a question asks for from its first words, and
// the words that only say so ("how many", "how long"), which are not
// content to match.
func questionKind(q string) (factKind, map[string]bool) {
	ws := words(q)
	drop := map[string]bool{}
	has := func(i int, w ...string) bool {
		for k, x := range w {
			if i+k >= len(ws) || ws[i+k] != x {
				return false
			}
		}
		return true
	}
	for i, w := range ws {
		switch {
		case has(i, "how", "many"), has(i, "how", "much"):
			drop["many"], drop["much"] = true, true
			return quantityFact, drop
		case has(i, "how", "long"):
			drop["long"] = true
			return durationFact, drop
		case has(i, "how", "often"):
			drop["often"] = true
			return frequencyFact, drop
		case w == "when" || has(i, "what", "time") || has(i, "what", "date") || has(i, "what", "day") || has(i, "which", "day") || has(i, "what", "year") || has(i, "by", "when"):
			for _, x := range []string{"time", "date", "day", "year"} {
				drop[x] = true
			}
			return dateFact, drop
		case w == "who" || w == "whom" || w == "whose":
			return personFact, drop
		case w == "where":
			return placeFact, drop
		case w == "why" || has(i, "what", "caused") || has(i, "what", "cause"):
			return reasonFact, drop
		case has(i, "what", "percentage") || has(i, "what", "number") || has(i, "what", "amount") || has(i, "what", "price"):
			return quantityFact, drop
		}
		if i >= 2 {
			break // the kind is named at the start ("… and by when?" aside)
		}
	}
	return anyFact, drop
}

var (
	numberRE   = regexp.MustCompile(`(?i)\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|half|once|twice)\b`)
	durationRE = regexp.MustCompile(`(?i)(?:\d[\d.,]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a|an|several|few))\s*-?\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|months?|years?|quarters?)\b|\b\d{1,2}:\d{2}\s*(?:to|until|till|-|–)\s*\d{1,2}:\d{2}`)
	dateRE     = regexp.MustCompile(`(?i)\b(?:january|february|march|april|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekdays?|weekends?|today|tomorrow|yesterday|tonight|noon|midnight|morning|afternoon|evening|quarter|q[1-4])\b|\b(?:19|20)\d{2}\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s?(?:am|pm)\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b`)
	mayRE      = regexp.MustCompile(`\b\d{1,2}\s+May\b|\bMay\s+\d{1,2}\b|\b(?:in|by|until|since) May\b`)
	reasonRE   = regexp.MustCompile(`(?i)\b(?:because|due to|cause|caused|causes|since|as a result|so that|led to|owing to|reason)\b`)
	placeRE    = regexp.MustCompile(`(?i)\b(?:room|floor|street|road|avenue|building|office|reception|lobby|car park|hall|beside|next to|near|across|opposite|behind|above|below|inside|outside|city|at the|in the)\b`)
	freqRE     = regexp.MustCompile(`(?i)\b(?:every|each|daily|weekly|monthly|yearly|annually|hourly|once|twice|times a|per (?:day|week|month|year))\b`)
	moneyRE    = regexp.MustCompile(`(?i)[$€£¥]|\b(?:euros?|dollars?|pounds?|cents?|pence|francs?|yen|usd|eur|gbp)\b`)
	capWord    = regexp.MustCompile(`\b\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)+`)
	roleRE     = regexp.MustCompile(`(?i)\b(?:manager|director|team|engineer|lead|owner|chair|desk|helpdesk|reception|department|officer|head of|finance|support|staff|committee|council)\b`)
)

// states says how well a sentence states a fact of a kind: 1 clearly, a
// half for weaker evidence, 0 not at all.
func states(kind factKind, s string) float64 {
	switch kind {
	case quantityFact:
		if numberRE.MatchString(s) {
			if moneyRE.MatchString(s) || durationRE.MatchString(s) {
				return 1
			}
			return 0.8
		}
	case durationFact:
		if durationRE.MatchString(s) {
			return 1
		}
		if numberRE.MatchString(s) {
			return 0.5
		}
	case dateFact:
		if dateRE.MatchString(s) || mayRE.MatchString(s) {
			return 1
		}
	case personFact:
		if personName(s) {
			return 1
		}
		if roleRE.MatchString(s) {
			return 0.5
		}
	case placeFact:
		if placeRE.MatchString(s) {
			return 1
		}
	case reasonFact:
		if reasonRE.MatchString(s) {
			return 1
		}
	case frequencyFact:
		if freqRE.MatchString(s) {
			return 1
		}
		if dateRE.MatchString(s) {
			return 0.5
		}
	}
	return 0
}

// notNames are capitalised words that begin sentences or name times,
// not people.
var notNames = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`The A An This That These Those It Its Our Your We They He She I If In On At For From To By With
		And But Or When Where Who Why How What Which After Before During Page Room Floor Street Road January February March April May
		June July August September October November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday`) {
		m[w] = true
	}
	return m
}()

// personName: two or more capitalised words in a row, the first not a
// sentence opener or a month ("Aiko Tanaka will…", "…go to Ingrid Solberg").
func personName(s string) bool {
	for _, m := range capWord.FindAllString(s, -1) {
		first := strings.Fields(m)[0]
		if !notNames[first] {
			return true
		}
	}
	return false
}

// matchTerm folds a stemmed term further for matching a question with a
// sentence ("replacement", "replaced" → "replac"; "badge", "badges" →
// "badg"; "effective", "effect" → "effect"). It is for matching only: the built-in embedder's features keep
// stem, so stored vectors stay valid.
func matchTerm(t string) string {
	switch n := len(t); {
	case n > 7 && strings.HasSuffix(t, "ment"):
		t = t[:n-4]
	case n > 6 && (strings.HasSuffix(t, "ion") || strings.HasSuffix(t, "ive")):
		t = t[:n-3]
	case n > 5 && strings.HasSuffix(t, "ly"):
		t = t[:n-2]
	}
	if len(t) > 3 && strings.HasSuffix(t, "e") {
		t = t[:len(t)-1]
	}
	return t
}

// lightWords are verbs and nouns that carry little of a question's
// meaning ("when does it take effect", "what do they get"), folded like
// matchTerm: a sentence that lacks them may still answer.
var lightWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`take took taken get got make made give given go went come came put use need say said tell know mean
		happen thing kind way new`) {
		m[matchTerm(stem(w))] = true
	}
	return m
}()

// matchTerms are the folded content words of s.
func matchTerms(s string) []string {
	ts := terms(s)
	for i, t := range ts {
		ts[i] = matchTerm(t)
	}
	return ts
}
