package rules

import (
	"regexp"
	"strings"

	"sentry/backend/extract/dates"
	"sentry/backend/extract/gate"
)

var (
	reEventSubj = regexp.MustCompile(`^(?:the |our |a |an |this |my |your |today's |tomorrow's )?([\w' &/:-]{1,60}?(?:\b(?:dr|mr|mrs|ms|prof|st)\.[\w' &/:-]{1,30}?)?)\s+(?:is|are` +
		`|'s|will be|has been|have been|is now|are now|gets|got|was moved|has moved|moved|got moved|is moving|was rescheduled|has been moved|will now be|takes place|take place` +
		`|will take place|happens|is happening|starts|begins|kicks off|will start|will begin|stays|remains|continues|will stay|will remain` +
		`|will continue)\s+(?:(?:moved|rescheduled|scheduled|set|planned|booked|confirmed|happening|taking place|still|now|being held|going to be|pushed|postponed|delayed` +
		`|brought forward|held|on|at|for|to|from|in|starting|due to start)\s+)*`)
	reVisit = regexp.MustCompile(`^((?:the |our |a |an |my |your |his |her |their )?[\w' &.-]{1,40}?)\s+(?:is|are|will be|'s` +
		`|'re)\s+(?:coming(?: in| over| by| round| to the office)?|visiting|stopping by|dropping by|arriving|flying in)\b`)
	reRecap = gate.MustCompile(`\b(?:recap|summary|notes|minutes|takeaways|highlights|outcomes?|debrief|readout|write-?up) (?:of|from|for|on)\b` +
		`|\bthanks? (?:you )?(?:all )?for (?:attending|joining|coming)\b`)
	rePostponed  = gate.MustCompile(`\b(?:(?:has|have) been|was|were|is|are|got|gets) (?:postponed|put on hold|pushed back|delayed|suspended)\b`)
	reNewDate    = regexp.MustCompile(`^\s*(?:to|until|till|for)\b`)
	reInviteLead = regexp.MustCompile(`(?i)^(?:(?:updated |new )?(?:invitation|invite|event|meeting request|accepted|tentative)` +
		`|(?:final|last|next|first|second|third) (?:item|topic|point)|(?:agenda )?item \d+|topic)\s*:\s*(?:the\s+)?`)
	reReflexive = regexp.MustCompile(`(?i)\s+(?:itself|themselves)\b`)
	reMeetThat  = regexp.MustCompile(`(?i)^(?:that|about|regarding|re:?)\s+(?:the\s+)?`)
	reEventLbl  = regexp.MustCompile(`^([\w' &/-]{2,40}?)\s*:\s*`)
	reMeetLead  = regexp.MustCompile(`(?i)^(?:(?:don't|do not|dont) forget|remember|reminder|note|fyi|heads up|just a reminder|a reminder)\b[\s:,-]*(?:that\s+|about\s+)?(?:the\s+|our\s+)?`)
	reToken     = regexp.MustCompile(`[a-z0-9][a-z0-9:'-]*`)
	reArticle   = regexp.MustCompile(`^(?:a|an|the|our|another|my|your|their|his|her|this|that|some|quick|short|brief|first|second|final|next)\s+`)
)

// meeting decides whether the clause is a meeting, appointment or event to
// attend, and returns its title.
func (a *analyzer) meeting(u unit, raw, l string, p int, ds []dates.Hit, fr clauseFrame, question bool) (string, bool) {
	body := l[p:]
	dated, past := datedAhead(l, ds)
	if dated && past || isMeetingOff(body) {
		return "", false
	}
	switch fr.kind {
	case fProposal, fCommit, fTeam, fRequest, fImperative, fSelf, fAssign:
		return a.meetingByVerb(raw, l, ds, fr, dated)
	case fNone, fItem:
	default:
		return "", false
	}
	if !dated {
		return "", false
	}
	return a.meetingByNoun(raw, l, p, ds, question)
}

// datedAhead says whether the clause names a date or time (dated) and
// whether every one it names is past.
func datedAhead(l string, ds []dates.Hit) (dated, past bool) {
	past = true
	for _, h := range ds {
		if h.Ref || h.Weak {
			continue
		}
		if h.HasDate || h.HasTime || h.Recurring {
			dated = true
			if !h.Past && !afterPastVerb(l, h.Start) {
				past = false
			}
		}
	}
	return dated, past
}

// isMeetingOff says the clause tells of a meeting that was ("Quick recap
// of today's roadmap review") or is off until a new date ("The workshop on
// Friday has been postponed").
func isMeetingOff(body string) bool {
	if reRecap.MatchString(body) {
		return true
	}
	m := rePostponed.FindStringIndex(body)
	return m != nil && !reNewDate.MatchString(body[m[1]:])
}

// meetingByVerb reads a meeting from the verb of a frame: one that meets
// ("let's sync", "catch up"), schedules ("set up a call"), moves an event,
// or proposes a time.
func (a *analyzer) meetingByVerb(raw, l string, ds []dates.Hit, fr clauseFrame, dated bool) (string, bool) {
	v := fr.verb
	if v == "" {
		v = firstWordOf(l[fr.verbStart:])
	}
	vEnd := min(fr.verbStart+len(v), len(l)) // where the verb ends in the text
	if fr.verb != "" {
		vEnd = min(fr.verbTo, len(l))
	}
	after := strings.TrimLeft(l[vEnd:], " ")
	if dated {
		if t, ok := a.movedOrPlannedMeeting(raw, l, ds, v, vEnd, after); ok {
			return t, true
		}
	}
	if t, ok, decided := a.meetOrScheduleMeeting(raw, l, ds, fr, v, vEnd, after, dated); decided {
		return t, ok
	}
	if fr.kind == fProposal && dated {
		return a.proposedMeeting(raw, l, ds, fr, v)
	}
	return "", false
}

// movedOrPlannedMeeting reads a dated event being moved ("We are moving
// the all-hands from Wednesday to Thursday": the meeting, at its new time)
// or looked at ("We are looking at June 4 for the kickoff meeting").
func (a *analyzer) movedOrPlannedMeeting(raw, l string, ds []dates.Hit, v string, vEnd int, after string) (string, bool) {
	if moveVerbs.Has(v) {
		if np := eventAfter(l, vEnd); np >= 0 {
			end := len(raw)
			if at := firstDateAfter(ds, np); at > np {
				end = at // the title stops where the dates begin
			}
			return a.cleanMeetingTitle(raw, np, end, ds), true
		}
	}
	if v == "look" && strings.HasPrefix(after, "at ") {
		if k := strings.Index(after, " for "); k > 0 {
			at := len(l) - len(after) + k + len(" for ")
			if np := eventAfter(l, at); np >= 0 {
				return a.cleanMeetingTitle(raw, np, len(raw), ds), true
			}
		}
	}
	return "", false
}

// meetOrScheduleMeeting reads a verb of meeting ("meet", "sync", "catch
// up", "talk" when dated) or of scheduling an event ("set up a call");
// decided is false when the verb is neither.
func (a *analyzer) meetOrScheduleMeeting(raw, l string, ds []dates.Hit, fr clauseFrame, v string, vEnd int, after string, dated bool) (t string, ok, decided bool) {
	switch {
	case v == "meet" || v == "sync" || v == "huddle" || v == "regroup" || v == "reconvene" ||
		v == "catch" && strings.HasPrefix(after, "up") ||
		v == "get" && strings.HasPrefix(after, "together") ||
		v == "touch" && strings.HasPrefix(after, "base") ||
		(v == "hop" || v == "jump") && strings.HasPrefix(after, "on a call") ||
		(v == "talk" || v == "chat" || v == "connect" || v == "discuss") && (dated || fr.kind == fProposal) && (dated || fr.kind != fImperative):
		if fr.kind == fImperative && !dated && v != "meet" && v != "sync" {
			return "", false, true
		}
		if (v == "discuss" || v == "talk") && !dated {
			return "", false, true
		}
		return a.cleanMeetingTitle(raw, fr.verbStart, len(raw), ds), true, true
	case schedulingVerbs.Has(v):
		np := eventAfter(l, vEnd)
		if np < 0 {
			return "", false, true
		}
		if !dated && fr.kind != fProposal && !((fr.kind == fCommit || fr.kind == fTeam) && (strings.Contains(l[:fr.verbStart], "love to") || strings.Contains(l[:fr.verbStart], "like to"))) {
			return "", false, true
		}
		if v == "do" || v == "get" || v == "go" || v == "come" || v == "put" || v == "make" {
			if !dated {
				return "", false, true
			}
		}
		return a.cleanMeetingTitle(raw, np, len(raw), ds), true, true
	}
	return "", false, false
}

// proposedMeeting reads a dated proposal as a meeting when it names an
// event ("are you free for a quick sync on Wednesday?") or a time to be
// together ("Let's review everything together on Thursday at 11.").
func (a *analyzer) proposedMeeting(raw, l string, ds []dates.Hit, fr clauseFrame, v string) (string, bool) {
	// "are you free for a quick sync on Wednesday?"
	if np := eventAfter(l, fr.verbStart); np >= 0 && !actionVerbs.Has(v) {
		return a.cleanMeetingTitle(raw, np, len(raw), ds), true
	}
	// "are you free Wed 3/11 at 2pm for a 30-min sync on the Q2 plan?"
	if w := strings.Fields(l[fr.verbStart:]); !actionVerbs.Has(v) {
		for i := range w {
			if i < 12 && eventAt(w, i) {
				if at := npStart(l, fr.verbStart, w, i); at >= 0 {
					return a.titleWithoutArticle(raw, at, ds), true
				}
			}
		}
	}
	// "Let's review everything together on Thursday at 11."
	if timed(ds) || strings.Contains(l, "together") || discussVerbs.Has(v) {
		return a.cleanMeetingTitle(raw, fr.verbStart, len(raw), ds), true
	}
	return "", false
}

// titleWithoutArticle is the meeting title from at, without a leading
// article ("the all-hands" → "All-hands").
func (a *analyzer) titleWithoutArticle(raw string, at int, ds []dates.Hit) string {
	t := a.cleanMeetingTitle(raw, at, len(raw), ds)
	if m := reArticle.FindStringIndex(strings.ToLower(t)); m != nil && m[1] < len(t) {
		t = capitalise(t[m[1]:])
	}
	return t
}

// meetingByNoun reads a dated clause with no frame, or a list line, as a
// meeting by what it names: a visit, an event and its time, a labelled date
// ("Next council: March 26"), or an event word ("Dentist appointment
// Thursday 3pm").
func (a *analyzer) meetingByNoun(raw, l string, p int, ds []dates.Hit, question bool) (string, bool) {
	body := l[p:]
	if !question {
		if t, ok := a.visitMeeting(raw, l, p, ds); ok {
			return t, true
		}
	}
	// "Quarterly planning is on Thursday at 2pm", "The review is scheduled for March 10".
	if m := reEventSubj.FindStringSubmatchIndex(body); m != nil {
		np := body[m[2]:m[3]]
		if first := firstDateAfter(ds, p+m[1]-4); first >= 0 && first <= p+m[1]+1 && (hasEventNoun(np) || timed(ds)) && !strings.Contains(np, " due") {
			return a.cleanMeetingTitle(raw, p+m[2], p+m[3], nil), true
		}
	}
	if question {
		// "lunch tomorrow at noon?" proposes; "anyone watching the game
		// tonight?" does not.
		w := strings.Fields(strings.TrimPrefix(strings.TrimPrefix(body, "a "), "quick "))
		if len(w) == 0 || len(w) > 6 || !eventAt(w, 0) {
			return "", false
		}
	}
	// "Next council: March 26".
	if m := reEventLbl.FindStringSubmatchIndex(body); m != nil {
		np := body[m[2]:m[3]]
		if first := firstDateAfter(ds, p+m[1]); first >= p+m[3] && first <= p+m[1]+4 && (hasEventNoun(np) || strings.HasPrefix(np, "next ")) {
			t := strings.TrimSpace(raw[p+m[2] : p+m[3]])
			return capitalise(t), true
		}
	}
	// "The board approved a dividend, payable on April 30": the board acted;
	// "Had lunch with Leo on Friday": it happened.
	if pastAfterSubject(body) || a.isNarrative(body) {
		return "", false
	}
	return a.eventWordMeeting(raw, l, p, ds)
}

// visitMeeting reads a visit to be there for: "The auditors are coming in
// on October 3 at 9am for the walkthrough", "Christie is coming at 1:30".
func (a *analyzer) visitMeeting(raw, l string, p int, ds []dates.Hit) (string, bool) {
	body := l[p:]
	m := reVisit.FindStringSubmatchIndex(body)
	if m == nil {
		return "", false
	}
	who := strings.TrimSpace(raw[p+m[2] : p+m[3]])
	if k := strings.Index(body[m[1]:], " for "); k >= 0 {
		if np := eventAfter(l, p+m[1]+k+len(" for ")); np >= 0 {
			end := len(raw)
			if c := strings.IndexByte(raw[np:], ','); c > 0 {
				end = np + c // "…for dinner tonight, and Kay is dropping by…"
			}
			return a.cleanMeetingTitle(raw, np, end, ds), true
		}
	}
	if !isPronoun(strings.ToLower(who)) && len(strings.Fields(who)) <= 4 && a.isVisitor(who) {
		return "Meet " + lowerDet(who), true
	}
	return "", false
}

// eventWordMeeting reads a short clause with an event word among its
// first words: "Dentist appointment Thursday 3pm", "drinks on me on
// friday!"
func (a *analyzer) eventWordMeeting(raw, l string, p int, ds []dates.Hit) (string, bool) {
	words := strings.Fields(l[p:])
	if len(words) > 14 {
		return "", false
	}
	for i := range words {
		if i >= 6 {
			break
		}
		if !eventAt(words, i) {
			continue
		}
		t := a.cleanMeetingTitle(raw, p, len(raw), ds)
		if isPronoun(words[0]) && i >= 2 {
			// "we said we'd move the all-hands to Tuesday": the all-hands.
			if at := npStart(l, p, words, i); at >= 0 {
				t = a.titleWithoutArticle(raw, at, ds)
			}
		}
		if len(strings.Fields(t)) > 6 {
			if at := eventAfter(l, p); at >= 0 {
				t = a.cleanMeetingTitle(raw, at, len(raw), ds)
			}
		}
		return t, true
	}
	return "", false
}

var discussVerbs = words("discuss_verbs")

// nonEventHeads follow an event noun that then names a thing: "meeting
// room", "call notes".
var nonEventHeads = words("non_event_heads")

// trimWordPunct trims the punctuation around a word of a sentence.
func trimWordPunct(w string) string { return strings.Trim(w, ",.!?:;()'\"") }

// eventAt: words[i] starts an event noun ("review", "town hall") used as
// an event.
func eventAt(words []string, i int) bool {
	n := eventNouns.PhraseAt(words, i, trimWordPunct)
	if n == 0 {
		return false
	}
	if i+n < len(words) && nonEventHeads.Has(trimWordPunct(words[i+n])) {
		return false
	}
	w := trimWordPunct(words[i])
	// "each party shall", "a third party", "the other party": a side to a
	// contract, not a celebration.
	if (w == "party" || w == "parties") && i > 0 && legalPartyBefore.Has(trimWordPunct(words[i-1])) {
		return false
	}
	return true
}

var moveVerbs = words("move_verbs")

// eventInWords: an event noun among the first n words of s.
func eventInWords(s string, n int) bool {
	w := strings.Fields(s)
	for i := range w {
		if i >= n {
			break
		}
		if eventAt(w, i) {
			return true
		}
	}
	return false
}

// npStart finds where the noun phrase of words[i] starts in l (from p),
// taking in a determiner before it.
func npStart(l string, p int, words []string, i int) int {
	at := p
	for j := 0; j <= i; j++ {
		k := strings.Index(l[at:], words[j])
		if k < 0 {
			return -1
		}
		if j == i || j == i-1 && determiners.Has(strings.Trim(words[j], ",.")) {
			return at + k
		}
		at += k + len(words[j])
	}
	return -1
}

// isVisitor: the subject of "is coming" names people ("Christie", "the
// auditors", "my parents"), not things ("the results").
func (a *analyzer) isVisitor(np string) bool {
	f := strings.Fields(np)
	head := strings.ToLower(strings.Trim(f[len(f)-1], ",.'’"))
	if roleNouns.Has(head) || peopleNouns.Has(head) || peopleNouns.Has(strings.TrimSuffix(head, "s")) {
		return true
	}
	return len(f) <= 2 && a.isPersonName(np) && !determiners.Has(strings.ToLower(f[0]))
}

var determiners = words("determiners")

// peopleNouns name people who visit.
var peopleNouns = words("people_nouns")

// legalPartyBefore: words before "party" that make it a side to a contract.
var legalPartyBefore = words("legal_party_before")

func timed(ds []dates.Hit) bool {
	for _, h := range ds {
		if h.HasTime {
			return true
		}
	}
	return false
}

func firstDateAfter(ds []dates.Hit, at int) int {
	best := -1
	for _, h := range ds {
		if h.Ref || h.Weak || !(h.HasDate || h.HasTime || h.Recurring) {
			continue
		}
		if h.End > at && (best < 0 || h.Start < best) {
			best = h.Start
		}
	}
	return best
}

func hasEventNoun(np string) bool {
	words := strings.Fields(np)
	for i := range words {
		if eventAt(words, i) {
			return true
		}
	}
	return false
}

// eventAfter finds the noun phrase of an event noun within a few words
// after i ("set up [a] [cost review]") and returns where it starts, or -1.
func eventAfter(l string, i int) int {
	rest := l[i:]
	off := i
	// Skip a particle ("set up", "put in").
	trimmed := strings.TrimLeft(rest, " ")
	off += len(rest) - len(trimmed)
	rest = trimmed
	if w := firstWordOf(rest); phrasalParticles.Has(w) || w == "for" || w == "to" {
		rest = rest[len(w):]
		trimmed = strings.TrimLeft(rest, " ")
		off += len(w) + len(rest) - len(trimmed)
		rest = trimmed
	}
	start := off
	for {
		m := reArticle.FindStringIndex(rest)
		if m == nil {
			break
		}
		rest = rest[m[1]:]
		off += m[1]
		start = off
	}
	toks := reToken.FindAllStringIndex(rest, 5)
	for n, tk := range toks {
		if n >= 4 {
			break
		}
		w := strings.Trim(rest[tk[0]:tk[1]], "'-")
		if eventNouns.Has(w) {
			next := ""
			if n+1 < len(toks) {
				next = rest[toks[n+1][0]:toks[n+1][1]]
			}
			if !nonEventHeads.Has(next) {
				return start
			}
		}
	}
	return -1
}

// cleanMeetingTitle turns raw[from:to] into a meeting title without its
// dates.
func (a *analyzer) cleanMeetingTitle(raw string, from, to int, ds []dates.Hit) string {
	t := tidy(removeSpans(raw, from, to, ds, false))
	t = reInviteLead.ReplaceAllString(t, "") // "Invitation: Design review @ Wed…"
	t = strings.TrimRight(t, " @")
	t = reLeadFill.ReplaceAllString(t, "")
	t = reMeetLead.ReplaceAllString(t, "")  // "Don't forget the webinar"
	t = reMeetThat.ReplaceAllString(t, "")  // "(heads-up) that the client visit…"
	t = reReflexive.ReplaceAllString(t, "") // "the board meeting itself"
	t = strings.TrimLeft(t, "-–—:;,. ")     // "Wed - haircut 5:30"
	t = cutTail(t)
	t = trimDangling(t)
	t = limitWords(t, 10)
	return capitalise(t)
}

// afterPastVerb: the date phrase at i follows a past tense ("the deck we
// discussed today", "it was added on Monday"), so it tells when something
// happened, not when to meet.
func afterPastVerb(l string, i int) bool {
	if i <= 0 || i > len(l) {
		return false
	}
	w := lastWordBefore(strings.TrimRight(l[:i], " ,"))
	if w == "was" || w == "were" || w == "had" || w == "did" || pastOnly.Has(w) {
		return true
	}
	return strings.HasSuffix(w, "ed") && pastBase(w) != "" && !actionVerbs.Has(w) && w != "scheduled" && w != "planned" &&
		w != "booked" && w != "moved" && w != "rescheduled" && w != "postponed" && w != "confirmed" && w != "set"
}
