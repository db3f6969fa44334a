package rules

import "sentry/backend/extract/lexicon"

// The frames table: the wordings that make a clause a task, a meeting, an
// ask or a promise, tried in order on the clause from where its wording
// starts (after a vocative, a marker, a label). The first row that reads
// the clause decides; a row may also say the clause is no task at all.
//
// A row is a general pattern, what it makes (kind and confidence), the
// cheap guards that must hold, and examples: sentences the whole engine
// must read with this row (and turn into a task), and sentences the row
// must leave alone. TestFrameExamples runs them.

// frameInput is a clause as the frames table reads it.
type frameInput struct {
	a        *analyzer
	u        unit
	raw, l   string // the clause as written and lower-cased (same offsets)
	body     string // l[p:]
	p        int    // where the wording starts
	who      string // a vocative's name ("Bob, please …")
	question bool

	subjectDone bool // subjectName and subjectEnd are set
	subjectName string
	subjectEnd  int
}

// verbAt says whether an action verb in base form starts at l[i:].
func (in *frameInput) verbAt(i int) bool {
	w := firstWordOf(in.l[i:])
	if !actionVerbs.Has(w) && i > 0 && properNounAt(in.raw, i) {
		return false // "I am going to Chicago tomorrow"
	}
	return actionVerbs.Has(w) || w == "have" || w == "be" || w == "get" || w == "go" || w == "make" || w == "let" || looksVerb(w)
}

// subject is the named subject at the wording's start (a.subject), read once.
func (in *frameInput) subject() (string, int) {
	if !in.subjectDone {
		in.subjectName, in.subjectEnd = in.a.subject(in.raw, in.l, in.p)
		in.subjectDone = true
	}
	return in.subjectName, in.subjectEnd
}

// asked is a frame asking the vocative's person, or "you" when none is named.
func (in *frameInput) asked(kind, verbStart int, conf float64) clauseFrame {
	return clauseFrame{kind: kind, verbStart: verbStart, who: in.who, you: in.who == "", conf: conf}
}

// rowResult is what a row made of a clause.
type rowResult int

const (
	rowNext  rowResult = iota // the row does not apply: try the next one
	rowFrame                  // the row read the clause
	rowStop                   // the row applies and says the clause is no task
)

// frameGuard is a cheap condition a row needs besides its pattern.
type frameGuard uint

const (
	notQuestion  frameGuard = 1 << iota // the clause is not a question
	onlyQuestion                        // the clause is a question
	verbAfter                           // an action verb starts right after the match
	notBeAfter                          // and it is not "be"
	spokenOrMail                        // a speaker or an email's sender is there to be "I"
	named                               // a vocative names someone ("Sam, you own …")
)

// frameActor says who a row's generic frame is for.
type frameActor int

const (
	forNobody    frameActor = iota // nobody named
	forSpeaker                     // "I": the speaker or sender
	forAddressee                   // the vocative's person, else "you"
	forVocative                    // the vocative's person, if any
	forPronoun                     // "he/she/they": resolved from the context
	forEveryone                    // everyone: nobody in particular
)

// finder is a compiled pattern (a gated or a plain regular expression).
type finder interface {
	FindStringIndex(string) []int
	FindStringSubmatchIndex(string) []int
}

// frameExample is one example of a row: a text and the kind of document.
type frameExample struct {
	text string
	doc  string // the document kind; "" is an email
}

// frameRow is one row of the frames table.
type frameRow struct {
	name     string
	pattern  finder      // matched on the lower-case wording (on the clause as written with onRaw); nil: read matches
	onRaw    bool        // match the clause as written
	groups   bool        // read needs the pattern's groups
	lead     lexicon.Set // when set, the wording's first word must be in it (a pre-test for speed)
	kind     int
	conf     float64
	guards   frameGuard
	actor    frameActor
	read     func(in *frameInput, m []int) (clauseFrame, rowResult) // nil: the verb phrase starts after the match
	positive []frameExample
	negative []frameExample
}

// readFrame reads a clause with the frames table.
func (in *frameInput) readFrame() clauseFrame {
	for i := range frameTable {
		if f, res := frameTable[i].apply(in); res != rowNext {
			if res == rowStop {
				return clauseFrame{}
			}
			f.rule = frameTable[i].name
			return f
		}
	}
	return clauseFrame{}
}

// apply tries one row on the clause.
func (r *frameRow) apply(in *frameInput) (clauseFrame, rowResult) {
	g := r.guards
	if g&notQuestion != 0 && in.question || g&onlyQuestion != 0 && !in.question ||
		g&named != 0 && in.who == "" || g&spokenOrMail != 0 && in.u.speaker == "" && in.a.kind != "email" {
		return clauseFrame{}, rowNext
	}
	if r.lead.Longest() > 0 && !r.lead.Has(leadWord(in.body)) {
		return clauseFrame{}, rowNext
	}
	var m []int
	if r.pattern != nil {
		text := in.body
		if r.onRaw {
			text = in.raw[in.p:]
		}
		if r.groups {
			m = r.pattern.FindStringSubmatchIndex(text)
		} else {
			m = r.pattern.FindStringIndex(text)
		}
		if m == nil {
			return clauseFrame{}, rowNext
		}
		if g&verbAfter != 0 && !in.verbAt(in.p+m[1]) || g&notBeAfter != 0 && firstWordOf(in.l[in.p+m[1]:]) == "be" {
			return clauseFrame{}, rowNext
		}
	}
	if r.read != nil {
		return r.read(in, m)
	}
	return r.generic(in, in.p+m[1]), rowFrame
}

// generic is the row's frame with the verb phrase at verbStart.
func (r *frameRow) generic(in *frameInput, verbStart int) clauseFrame {
	f := clauseFrame{kind: r.kind, verbStart: verbStart, conf: r.conf}
	switch r.actor {
	case forSpeaker:
		f.self = true
	case forAddressee:
		f.who, f.you = in.who, in.who == ""
	case forVocative:
		f.who = in.who
	case forPronoun:
		f.pron = true
	case forEveryone:
		f.all = true
	}
	return f
}

// ex is a shorthand for examples in emails.
func ex(texts ...string) []frameExample {
	out := make([]frameExample, len(texts))
	for i, t := range texts {
		out[i] = frameExample{text: t}
	}
	return out
}

// exIn is a shorthand for examples in one kind of document.
func exIn(doc string, texts ...string) []frameExample {
	out := ex(texts...)
	for i := range out {
		out[i].doc = doc
	}
	return out
}

// subjectOf returns the clause's subject word "i" or "we" from group g.
func subjectOf(in *frameInput, m []int, g int) string {
	if m[2*g] < 0 {
		return ""
	}
	return in.body[m[2*g]:m[2*g+1]]
}

// weOrI turns a commitment's frame into the team's when its subject is "we".
func weOrI(f clauseFrame, subj string) clauseFrame {
	f.self = subj == "i"
	if subj == "we" {
		f.kind, f.self = fTeam, false
	}
	return f
}
