package rules

import (
	"embed"
	"strings"

	"sentry/backend/extract/lexicon"
)

// Word lists. They are plain data in words/*.txt, one entry a line (a word
// or a phrase), "#" comments, so that tuning the engine means editing a
// list, not a regular expression.

//go:embed words/*.txt
var wordFiles embed.FS

// wordFile returns the text of words/<name>.txt; a missing list is a
// programming error.
func wordFile(name string) string {
	b, err := wordFiles.ReadFile("words/" + name + ".txt")
	if err != nil {
		panic("rules: word list " + name + ": " + err.Error())
	}
	return string(b)
}

// words reads words/<name>.txt as a set of single words, which the engine
// looks up one word at a time; a phrase in it is a programming error.
func words(name string) lexicon.Set {
	s := lexicon.Parse(wordFile(name))
	if s.Longest() > 1 {
		panic("rules: word list " + name + " holds a phrase; read it with phrases and look it up with PhraseAt")
	}
	return s
}

// phrases reads words/<name>.txt as a set of words and phrases, which the
// engine looks up with PhraseAt.
func phrases(name string) lexicon.Set { return lexicon.Parse(wordFile(name)) }

// lines reads words/<name>.txt as a list in the order written.
func lines(name string) []string { return lexicon.Lines(wordFile(name)) }

// actionVerbs are base forms that start an imperative or follow a
// commitment ("I'll …") or request ("can you …") frame.
var actionVerbs = words("action_verbs")

// phrasalParticles may follow a verb as part of it ("follow up", "pick up").
var phrasalParticles = words("phrasal_particles")

// pastForms maps irregular past tenses and participles to base forms.
var pastForms = lexicon.Pairs(wordFile("past_forms"))

// pastOnly are past forms that cannot be base forms or nouns, used to
// recognise narration of what already happened.
var pastOnly = words("past_only")

// eventNouns name meetings, appointments and events one attends.
var eventNouns = phrases("event_nouns")

// meetingVerbs make a meeting by themselves ("let's meet", "sync on Tuesday").
var meetingVerbs = words("meeting_verbs")

// schedulingVerbs turn a following event noun into a meeting when a date is
// given ("set up a call next Wednesday").
var schedulingVerbs = words("scheduling_verbs")

// roleNouns may be an assignee ("the manager prepares…", "IT must…").
var roleNouns = words("role_nouns")

// groupNames greet a group, not one person ("Hi team,").
var groupNames = words("group_names")

// notNames are capitalised words that start sentences but name nobody.
var notNames = words("not_names")

// labelWords introduce a field rather than a speaker ("Subject:", "Root cause:").
var labelWords = words("label_words")

// sectionKinds classify a header's words.
var actionSectionWords = lines("action_section_words")

var shoppingSectionWords = lines("shopping_section_words")

var passiveSectionWords = lines("passive_section_words")

// acceptances are whole replies that take on the previous request.
var acceptances = lines("acceptances")

// acceptanceLeads open a reply that takes on a request and says when.
var acceptanceLeads = lines("acceptance_leads")

// stopWords carry no content of their own.
var stopWords = words("stop_words")

// baseVerb returns the base form of w when w is an inflection (-s, -ed,
// -ing or irregular) of a known action verb, and "" otherwise.
func baseVerb(w string) string {
	w = strings.ToLower(w)
	if actionVerbs.Has(w) {
		return w
	}
	if b, ok := pastForms[w]; ok {
		return b
	}
	for _, c := range verbCandidates(w) {
		if actionVerbs.Has(c) {
			return c
		}
	}
	return ""
}

func verbCandidates(w string) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 2 {
			out = append(out, s)
		}
	}
	switch {
	case strings.HasSuffix(w, "ies"):
		add(w[:len(w)-3] + "y")
	case strings.HasSuffix(w, "es"):
		add(w[:len(w)-2])
		add(w[:len(w)-1])
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		add(w[:len(w)-1])
	}
	if strings.HasSuffix(w, "ied") {
		add(w[:len(w)-3] + "y")
	}
	if strings.HasSuffix(w, "ed") {
		s := w[:len(w)-2]
		add(s)
		add(s + "e")
		if n := len(s); n >= 2 && s[n-1] == s[n-2] {
			add(s[:n-1])
		}
	}
	if strings.HasSuffix(w, "ing") {
		s := w[:len(w)-3]
		add(s)
		add(s + "e")
		if n := len(s); n >= 2 && s[n-1] == s[n-2] {
			add(s[:n-1])
		}
	}
	return out
}

// gerundBase returns the base verb of an -ing form ("sending" → "send").
func gerundBase(w string) string {
	w = strings.ToLower(w)
	if !strings.HasSuffix(w, "ing") {
		return ""
	}
	return baseVerb(w)
}

// pastBase returns the base verb of a past tense or participle.
func pastBase(w string) string {
	w = strings.ToLower(w)
	if b, ok := pastForms[w]; ok {
		return b
	}
	if !strings.HasSuffix(w, "ed") {
		return ""
	}
	return baseVerb(w)
}

// thirdPersonBase returns the base verb of a third-person -s form.
func thirdPersonBase(w string) string {
	w = strings.ToLower(w)
	if !strings.HasSuffix(w, "s") || strings.HasSuffix(w, "ss") {
		return ""
	}
	for _, c := range verbCandidates(w) {
		if actionVerbs.Has(c) {
			return c
		}
	}
	return ""
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
