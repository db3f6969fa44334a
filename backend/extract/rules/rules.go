// Package rules is the built-in, offline task extractor: hand-written rules
// that find commitments ("I'll…"), requests ("can you…", "please…"), to-do
// items, action-item sections and meetings in transcripts, emails, notes,
// chats, documents and OCR'd handwriting, and resolve their assignees and
// due dates. It is the default engine when no language model is installed,
// so it favours precision: done, cancelled, hypothetical and negated items
// are left out.
//
// It imports only the standard library; the extraction service adapts its
// Task to core.ExtractedTask.
package rules

import (
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"sentry/backend/extract/dates"
	"sentry/backend/extract/gate"
)

// Options steer an extraction.
type Options struct {
	Now  time.Time // reference time; its Location is the user's time zone for relative dates
	Kind string    // meeting_transcript, email, note, chat, document, handwritten_ocr, or "" (unknown)
}

// Task is one task or meeting found in the text.
type Task struct {
	Title       string     // a short imperative ("Write the changelog")
	Description string     // the source sentence(s) worth keeping
	Assignee    string     // who committed or was asked; "" when nobody is named
	Due         *time.Time // in Options.Now's location; nil when none
	DueText     string     // the phrase it came from ("by Friday")
	Type        string     // "task" or "meeting"
	Priority    string     // "", "low", "medium", "high", "urgent"
	Confidence  float64    // 0–1
	Sentence    string     // evidence: the source sentence
	Start, End  int        // byte offsets of Sentence in the input text
}

// Task types.
const (
	TypeTask    = "task"
	TypeMeeting = "meeting"
)

// MaxTitle bounds a title in bytes.
const MaxTitle = 255

// Extract finds the tasks and meetings in text.
func Extract(text string, opt Options) []Task {
	return extract(text, opt, true)
}

// extract runs the rules; intent adds the learned request detector in emails.
func extract(text string, opt Options, intent bool) []Task {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return analyse(text, opt, intent).result()
}

// analyse reads text and leaves the task candidates in the analyzer.
func analyse(text string, opt Options, intent bool) *analyzer {
	a := &analyzer{
		text:     text,
		kind:     normKind(opt.Kind),
		clock:    dates.NewClock(opt.Now),
		speakers: map[string]string{},
		intent:   intent && normKind(opt.Kind) == "email",
	}
	a.recordSignals = a.intent
	a.parseLines()
	a.buildUnits()
	a.run()
	return a
}

func normKind(k string) string {
	k = strings.ToLower(strings.TrimSpace(k))
	switch k {
	case "transcript", "meeting":
		return "meeting_transcript"
	case "ocr", "handwriting", "handwritten":
		return "handwritten_ocr"
	case "doc":
		return "document"
	case "mail":
		return "email"
	}
	return k
}

// analyzer holds one extraction's state.
type analyzer struct {
	text           string
	kind           string
	clock          dates.Clock
	lines          []line
	units          []unit
	speakers       map[string]string // lower-case name → name as written
	addressee      string            // the email's "you"
	quoteFrom      int               // first line of a quoted earlier message (0: none)
	quoteAddressee string            // that message's "you"
	quoteSender    string            // that message's "I"
	sender         string            // the email's "I"
	greeted        bool
	cands          []*candidate
	lastDate       *dates.Hit // latest resolved date, for "before then"
	dateCache      map[span][]dates.Hit
	sents          []sentRef
	intent         bool     // back the rules up with the request detector
	recordSignals  bool     // record what the rules saw, for the detector
	signals        []string // what the rules saw in the current sentence
	onSentence     func()   // training: called after each sentence is read
}

// sentRef remembers each sentence for context and references.
type sentRef struct {
	sp      span
	speaker string
	unit    int
}

// candidate is a task being built.
type candidate struct {
	title, desc string
	assignee    string
	you         bool // asked of "you": resolved from the conversation
	team        bool // "we need to…": a later "I'll take it" claims it
	due         *dates.Hit
	typ         string
	priority    string
	conf        float64
	weak        bool   // a statement of need; merged into a firmer mention
	frameKind   int    // the frame kind it came from (fCommit, fRequest, …)
	rule        string // the frames-table row it came from ("" when none)
	open        bool   // work up for grabs ("who can take the demo?")
	all         bool   // asked of everyone: not claimed by one "sure"
	sent        span
	unit        int
	speaker     string
	anaphoric   bool
	sentIdx     int
	dropped     bool
}

// turns is what run carries from one unit to the next in a conversation:
// the previous speaker's turn and the tasks it made, which an answer may
// take on, finish or replace.
type turns struct {
	prevTurn  int // index into units of the previous speaker turn; -1 before the first
	prevCands []*candidate
}

func (a *analyzer) run() {
	t := &turns{prevTurn: -1}
	for ui, u := range a.units {
		a.readUnit(t, ui, u)
	}
	a.resolveYou()
}

// readUnit reads one unit: as context only, as an answer to the previous
// turn ("done", "will do", "me"), or for its own tasks.
func (a *analyzer) readUnit(t *turns, ui int, u unit) {
	if u.done || u.section == secPassive {
		// Still remember its sentences as context.
		a.rememberSentences(ui, u, true)
		return
	}
	// answer: a turn of another speaker than the previous one.
	answer := u.speaker != "" && t.prevTurn >= 0 && !strings.EqualFold(a.units[t.prevTurn].speaker, u.speaker)
	utterance := normUtterance(a.text[u.start:u.end])
	if answer && isDoneReply(a.text[u.start:u.end]) {
		// "rob: can you update the invite" — "sue: done": already done.
		for _, c := range t.prevCands {
			if c.typ == TypeTask {
				c.dropped = true
			}
		}
		t.prevCands = nil
		t.prevTurn = ui
		return
	}
	// "I can look after lunch" takes on a request; after a mere report
	// ("the build is red") it is a task of its own.
	lookReply := len(t.prevCands) > 0 && (reLookReply.MatchString(utterance) || reCanReply.MatchString(utterance))
	if len(t.prevCands) > 0 && t.prevCands[0].open && reMeReply.MatchString(utterance) && len(strings.Fields(utterance)) <= 5 {
		lookReply = true // "me, by Friday" to "who can take the follow-up?"
	}
	if answer && !lookReply && len(t.prevCands) > 0 && reClaim.MatchString(utterance) && !a.isAcceptance(u) {
		// "I can do it, but I'll need help with packing": a yes to the
		// request, then more of its own.
		a.claim(t.prevCands, u)
	}
	if u.speaker != "" && (lookReply || a.isAcceptance(u)) {
		a.acceptTurn(t, ui, u, answer)
		return
	}
	if a.isTitleLine(u) {
		a.rememberSentences(ui, u, false)
		return
	}
	var made []*candidate
	followUp := false
	if answer && len(t.prevCands) == 0 {
		if c := a.questionFollowUp(t.prevTurn, ui); c != nil {
			made = append(made, c)
			followUp = true
		}
	}
	made = append(made, a.unitTasks(t, ui, u, followUp)...)
	if answer && len(made) > 0 && len(t.prevCands) > 0 && !followUp {
		made = a.answerTakesRequest(t, u, utterance, made)
	}
	if answer {
		dropOpenAsks(t.prevCands, made)
	}
	if u.speaker != "" {
		if len(made) == 0 && answer && !a.isAcceptance(u) && !a.isReplyCommit(u) {
			// A turn that neither asks nor accepts keeps the earlier
			// request open for one more turn only if it is a question.
			t.prevCands = nil
		}
		if len(made) > 0 {
			t.prevCands = made
		}
		t.prevTurn = ui
	}
	a.cands = append(a.cands, made...)
}

// rememberSentences keeps a unit's sentences as context for later ones
// (and its dates, for "before then", when withDates).
func (a *analyzer) rememberSentences(ui int, u unit, withDates bool) {
	for _, s := range a.sentences(u) {
		a.sents = append(a.sents, sentRef{sp: s, speaker: u.speaker, unit: ui})
		if withDates {
			a.noteDates(s)
		}
	}
}

// acceptTurn reads a turn that accepts: "Will do." takes on the previous
// request and adds nothing; "Sure, by Friday." after "did you book the
// hotel?" makes the question a task.
func (a *analyzer) acceptTurn(t *turns, ui int, u unit, answer bool) {
	if answer {
		a.claim(t.prevCands, u)
		if len(t.prevCands) == 0 {
			if c := a.questionFollowUp(t.prevTurn, ui); c != nil {
				a.cands = append(a.cands, c)
				t.prevCands = []*candidate{c}
			}
		}
	}
	a.rememberSentences(ui, u, false)
	t.prevTurn = ui
}

// unitTasks reads the tasks of each sentence of a unit, with the request
// detector in emails, and joins what one sentence says to the one before
// ("It's critical." lends it its priority). After a question made into a
// task (followUp), "I'll have it done by Wednesday" answers it and is left
// out.
func (a *analyzer) unitTasks(t *turns, ui int, u unit, followUp bool) []*candidate {
	var made, last []*candidate
	for _, s := range a.sentences(u) {
		idx := len(a.sents)
		a.sents = append(a.sents, sentRef{sp: s, speaker: u.speaker, unit: ui})
		a.signals = a.signals[:0]
		cs := a.sentenceTasks(ui, u, s, idx)
		if a.onSentence != nil {
			a.onSentence()
		}
		if a.intent {
			cs = a.checkIntent(ui, u, s, idx, cs)
		}
		cs = handOff(last, cs)
		prepForMeeting(last, cs)
		if len(last) == 0 && u.speaker != "" {
			prepForMeeting(t.prevCands, cs) // "the retro moved to Thursday 2pm" — "I'll bring the action items"
		}
		if len(cs) == 0 && len(last) > 0 {
			a.lendPriority(s, last)
		}
		if len(cs) > 0 {
			last = cs
		}
		if followUp {
			cs = dropAnaphoric(cs)
		}
		made = append(made, cs...)
		a.noteDates(s)
	}
	return made
}

// lendPriority gives a short sentence's priority ("It's critical.") to the
// tasks of the sentence before.
func (a *analyzer) lendPriority(s span, last []*candidate) {
	sent := a.text[s.start:s.end]
	if pr := priorityOf(sent, sent); pr != "" && len(strings.Fields(sent)) <= 6 {
		for _, c := range last {
			if c.priority == "" || c.priority == "low" {
				c.priority = pr
			}
		}
	}
}

// dropAnaphoric leaves out the tasks that only refer back ("it", "them").
func dropAnaphoric(cs []*candidate) []*candidate {
	kept := cs[:0]
	for _, c := range cs {
		if !c.anaphoric {
			kept = append(kept, c)
		}
	}
	return kept
}

// answerTakesRequest reads an answer to the previous turn's requests: "Will
// do, I'll get them in this week", whose only tasks are "it"/"them", takes
// the request on with its date (and makes nothing new); "Will do. I'll also
// ask them for a test account" says yes and keeps a promise of its own.
func (a *analyzer) answerTakesRequest(t *turns, u unit, utterance string, made []*candidate) []*candidate {
	allAnaphoric := true
	for _, m := range made {
		if !m.anaphoric || m.typ != TypeTask {
			allAnaphoric = false
		}
	}
	openAsk := false
	for _, c := range t.prevCands {
		if c.typ == TypeTask && (c.open || c.you || c.team || c.assignee == "") {
			openAsk = true
		}
	}
	if allAnaphoric && (reAcceptLead.MatchString(utterance) || openAsk) {
		// "Can someone share the doc?" — "I'll share it right after
		// this call": the answer takes the request on, with its date.
		a.claimWithDates(t.prevCands, u, made)
		return nil
	}
	if reAcceptLead.MatchString(utterance) {
		// "Will do. I'll also ask them for a test account": yes to
		// the request, and a promise of its own.
		a.claim(t.prevCands, u)
	}
	return made
}

// dropOpenAsks: "who's handling the demo?" answered "me. I'll prepare the
// demo environment…": the answer's own task replaces the open one.
func dropOpenAsks(prev, made []*candidate) {
	for _, m := range made {
		if !m.anaphoric && m.typ == TypeTask {
			for _, c := range prev {
				if c.open {
					c.dropped = true
				}
			}
			break
		}
	}
}

// isTitleLine: the first line of a document, a title rather than a
// sentence ("Minutes - Product council, Feb 27").
func (a *analyzer) isTitleLine(u unit) bool {
	if a.kind != "document" && a.kind != "" {
		return false
	}
	if u.item || u.speaker != "" || u.end-u.start > 120 {
		return false
	}
	for i := 0; i < len(a.lines) && i <= u.line; i++ {
		if !a.lines[i].blank && !a.lines[i].skip {
			if i != u.line {
				return false
			}
			break
		}
	}
	t := strings.TrimSpace(a.text[u.start:u.end])
	if t == "" || strings.ContainsAny(t[len(t)-1:], ".!?") || len(strings.Fields(t)) > 12 {
		return false
	}
	if a.kind == "" {
		// Unknown input: a title only when a blank line follows.
		if u.line+1 < len(a.lines) && !a.lines[u.line+1].blank {
			return false
		}
	}
	// A title names the text that follows it: a line with nothing after it
	// is the whole text ("Bob will send it Friday" piped in on its own).
	rest := false
	for i := u.line + 1; i < len(a.lines); i++ {
		if !a.lines[i].blank && !a.lines[i].skip {
			rest = true
			break
		}
	}
	if !rest {
		return false
	}
	// "Bob will send it Friday" says who does what: a sentence, even
	// without its full stop.
	return !a.saysWhoActs(u, a.text[u.start:u.end])
}

// saysWhoActs: a line whose wording gives someone something to do (a
// promise, a request, a hand-off, "we need to…", "let's…") reads as a
// sentence, not as a title or a heading. A bare verb at the start is not
// enough: "Action items" and "Call list" head lists.
func (a *analyzer) saysWhoActs(u unit, raw string) bool {
	f, ok := a.lineFrame(u, raw)
	if !ok {
		return false
	}
	switch f.kind {
	case fCommit, fTeam, fProposal, fRequest, fAssign:
		return f.verbStart > 0
	}
	return false
}

// frameKind is the frame a few words standing alone would be read with.
func (a *analyzer) frameKind(raw string) int {
	f, _ := a.lineFrame(unit{}, raw)
	return f.kind
}

// lineFrame reads raw, from its start, as a clause of u.
func (a *analyzer) lineFrame(u unit, raw string) (clauseFrame, bool) {
	l := gate.LowerASCII(strings.ReplaceAll(raw, "’", "'"))
	if len(l) != len(raw) {
		return clauseFrame{}, false // offsets would not line up; keep the old reading
	}
	return a.clauseFrameAt(u, raw, l, 0, "", false), true
}

var (
	reAskedDid = regexp.MustCompile(`^(?:(?:so|and|also|hey|btw)[,\s]+)*(?:(?:did|have|has)\s+(?:you|u|anyone|anybody|someone|somebody)` +
		`|(?:you were|were you|weren't you|are you|you're|you are) going to|you said you'd|did you say you'd)\s+(?:already\s+|yet\s+|managed to\s+|got around to\s+)?(\w+)\b(.*?)\??$`)
	reWillDo = regexp.MustCompile(`^(?:(?:no|not yet|nope|nah|not quite|soon|working on it|yes|yeah|yep|sure|ok|okay|right)[,.!\s]+)*(?:i'll|i will|will|doing|gonna|going to` +
		`|i'm going to|i'm doing|i am doing|i can|on it|i'm on it|working on it|about to|planning to|i plan to)\b`)
)

// questionFollowUp: "did you book the hotel?" (or "has anyone booked…") —
// "not yet, doing it today" makes the question's action a task of the one
// who answered.
func (a *analyzer) questionFollowUp(prev, cur int) *candidate {
	pu, u := a.units[prev], a.units[cur]
	q := strings.TrimSpace(a.text[pu.start:pu.end])
	if !strings.HasSuffix(q, "?") {
		return nil
	}
	// "Bea, you were going to update the changelog?": past the name.
	if i := strings.Index(q, ", "); i > 0 && i < 30 && a.isPersonName(q[:i]) {
		q = q[i+2:]
	}
	m := reAskedDid.FindStringSubmatchIndex(gate.LowerASCII(q))
	if m == nil {
		return nil
	}
	reply := normUtterance(a.text[u.start:u.end])
	if !reWillDo.MatchString(reply) || len(strings.Fields(reply)) > 10 {
		return nil
	}
	verb := q[m[2]:m[3]]
	b := baseVerb(verb)
	if b == "" {
		return nil
	}
	rest := strings.TrimRight(q[m[4]:m[5]], "? ")
	title := capitalise(trimDangling(cutTail(tidy(b + " " + rest))))
	c := &candidate{typ: TypeTask, title: title, assignee: u.speaker, conf: 0.6, sent: span{u.start, u.end}, unit: cur, speaker: u.speaker,
		desc: collapse(q) + " " + collapse(a.text[u.start:u.end])}
	for _, h := range dates.Find(a.text[u.start:u.end], a.clock) {
		if (h.HasDate || h.HasTime) && !h.Past && !h.Ref {
			hh := h
			c.due = &hh
			break
		}
	}
	c.sentIdx = len(a.sents)
	return c
}

// datesOf returns the date phrases of a sentence, computed once.
func (a *analyzer) datesOf(s span) []dates.Hit {
	if a.dateCache == nil {
		a.dateCache = map[span][]dates.Hit{}
	}
	if h, ok := a.dateCache[s]; ok {
		return h
	}
	h := dates.Find(a.text[s.start:s.end], a.clock)
	if len(a.speakers) > 0 {
		// "Sun?" when Sun is someone here is a turn, not Sunday.
		kept := h[:0]
		for _, d := range h {
			if !a.knownName(strings.Trim(d.Text, " ?.,!:;")) {
				kept = append(kept, d)
			}
		}
		h = kept
	}
	a.dateCache[s] = h
	return h
}

// noteDates remembers the latest date for "before then".
func (a *analyzer) noteDates(s span) {
	for _, h := range a.datesOf(s) {
		if h.HasDate && !h.Past && !h.Ref && !h.Recurring {
			hh := h
			a.lastDate = &hh
		}
	}
}

// isAcceptance: the whole turn takes on the previous request ("Will do.").
func (a *analyzer) isAcceptance(u unit) bool {
	t := normUtterance(a.text[u.start:u.end])
	if t == "" {
		return false
	}
	for _, p := range acceptances {
		if t == p {
			return true
		}
	}
	// "I'll take that one", "Sure, I can do that tomorrow."
	if m := reClaim.FindStringIndex(t); m != nil && len(strings.Fields(t)) <= 12 {
		rest := strings.TrimSpace(t[m[1]:])
		if rest == "" || len(dates.Find(rest, a.clock)) > 0 || len(strings.Fields(rest)) <= 2 {
			return true
		}
	}
	// "Sure, by Friday." / "OK, I'll do it tomorrow."
	for _, p := range acceptanceLeads {
		if strings.HasPrefix(t, p+" ") && len(strings.Fields(t)) <= 7 {
			rest := strings.TrimPrefix(t, p+" ")
			if newAction(rest) || reAskLead.MatchString(rest) {
				continue // "on it, will post a draft tomorrow" says what, not just yes; "okay can you…" asks
			}
			if hits := dates.Find(rest, a.clock); len(hits) > 0 || hasAnyPrefix(rest, takeIt...) {
				return true
			}
		}
	}
	return false
}

var reAskLead = regexp.MustCompile(`^(?:can|could|would|will|won't) (?:you|u|we|someone)\b|^(?:please|pls|let's|lets|let us)\b`)

// prepForMeeting dates preparation asked for right after a meeting ("The
// next review is on June 4. Please come prepared with your top risks.") by
// the meeting.
func prepForMeeting(last, cs []*candidate) {
	if len(last) == 0 {
		return
	}
	m := last[len(last)-1]
	if m.typ != TypeMeeting || m.due == nil {
		return
	}
	for _, c := range cs {
		if c.typ == TypeTask && c.due == nil && rePrepFor.MatchString(strings.ToLower(c.title)) {
			d := *m.due
			c.due = &d
		}
	}
}

var rePrepFor = regexp.MustCompile(`^(?:come|be|arrive|show up) (?:prepared|ready)\b|^arrive\b|^(?:make sure|ensure|be sure|remember to|don't forget to)\b` +
	`|^(?:bring|prepare|read|review|print|fill in|fill out|complete|submit|send)\b`)

// newAction: after a "yes", a verb with an object of its own ("will post
// a draft tomorrow"), not "I'll do it tomorrow" or "by Friday".
func newAction(rest string) bool {
	for _, lead := range []string{"i'll ", "i will ", "will ", "i can ", "i'm going to ", "going to "} {
		if strings.HasPrefix(rest, lead) {
			rest = rest[len(lead):]
			break
		}
	}
	f := strings.Fields(rest)
	if len(f) < 2 || !actionVerbs.Has(f[0]) {
		return false
	}
	switch f[0] {
	case "do", "have", "get", "take", "handle", "send", "finish":
		if lonePronoun.Has(f[1]) {
			return false
		}
	}
	return !lonePronoun.Has(f[1])
}

// claimWithDates hands the earlier request to the answering speaker, and
// gives it the answer's date when the request had none.
func (a *analyzer) claimWithDates(prev []*candidate, u unit, made []*candidate) {
	a.claim(prev, u)
	for _, m := range made {
		if m.due == nil {
			continue
		}
		for _, c := range prev {
			if c.typ == TypeTask && strings.EqualFold(c.assignee, u.speaker) && c.due == nil {
				d := *m.due
				c.due = &d
			}
		}
	}
}

// doneReplies open a reply saying the request is already done.
var doneReplies = lines("done_replies")

// isDoneReply: a reply saying the request is already done.
func isDoneReply(s string) bool {
	t := normUtterance(s)
	for _, p := range doneReplies {
		if strings.HasPrefix(t, p+" ") {
			return true // "Already done actually, booked it yesterday."
		}
	}
	switch t {
	case "done", "all done", "done already", "already done", "did it", "did that", "finished", "already did", "already did it",
		"already on it", "sent", "already sent", "just did", "just did it", "taken care of", "done and done", "yes done", "ok done":
		return true
	}
	return false
}

// isReplyCommit: a reply like "I'll take care of it" that claims the request.
func (a *analyzer) isReplyCommit(u unit) bool {
	t := normUtterance(a.text[u.start:u.end])
	return strings.Contains(t, "my list") || strings.Contains(t, "take care of it") || strings.Contains(t, "leave it with me")
}

var reAcceptLead = regexp.MustCompile(`^(?:will do|sure|ok|okay|yes|yep|yeah|absolutely|no problem|sounds good|on it|got it|happy to|(?:i'll |i will |will |i can )try|(?:i'll |will )do my best)\b`)

var reMeReply = regexp.MustCompile(`^(?:me|i can|i will|i'll|i'll do it|i can do it|i'll take it|mine)\b`)

// reCanReply: "I can after 2" to "anyone free to pair this afternoon?"
var reCanReply = regexp.MustCompile(`^(?:(?:sure|yes|yep|yeah|ok|okay)\s+)?(?:i can|i could|i'm free|i am free|i'm in` +
	`|count me in)(?:\s+(?:after|at|from|before|around)\s+\S+(?:\s?(?:am|pm))?|\s+(?:later|now|today|tomorrow|this afternoon|this morning|tonight))?$`)

var reLookReply = regexp.MustCompile(`^(?:(?:sure|ok|okay|yes|yep|yeah)\s+)?(?:i can|i'll|i will|let me|will|can)\s+(?:take a ` +
	`|have a )?look(?:\s+(?:at it|into it|at that))?(?:\s+(?:after lunch|later|today|tomorrow|now|this afternoon|this morning|tonight|in a bit|soon))?$`)

var reClaim = regexp.MustCompile(`^(?:(?:sure|ok|okay|yes|yep|yeah|fine|alright|no problem|sounds good|got it)\s+)*(?:i'll|i will|i can|i could|i'm happy to|i am happy to|happy to` +
	`|will|can|let me|i'll go ahead and)\s+(?:definitely\s+|also\s+|gladly\s+)?(?:do|take|handle|own|grab|cover|tackle|take care of|look into|sort out|sort|deal with|pick up|chase` +
	`|get on|jump on|get)\s+(?:that|it|this|those|these|them)(?:\s+(?:one|on|up|out|done))?\b`)

func normUtterance(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, "’", "'")
	s = strings.Trim(s, ".!?,;: \t\r\n")
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, " ,", ",")
	s = strings.ReplaceAll(s, ",", "")
	s = strings.ReplaceAll(s, ".", "")
	s = strings.ReplaceAll(s, "!", "")
	return s
}

// claim gives the previous turn's open requests to the one who accepted.
func (a *analyzer) claim(prev []*candidate, u unit) {
	var due *dates.Hit
	for _, h := range dates.Find(a.text[u.start:u.end], a.clock) {
		if h.HasDate && !h.Past && !h.Ref {
			hh := h
			due = &hh
			break
		}
	}
	for _, c := range prev {
		if c.typ == TypeMeeting {
			continue
		}
		if c.all {
			continue
		}
		if c.you || c.team || c.assignee == "" || strings.EqualFold(c.assignee, u.speaker) {
			c.assignee, c.you, c.team = u.speaker, false, false
			if c.due == nil && due != nil {
				c.due = due
			}
		}
	}
}

// resolveYou settles "you" in requests nobody claimed: the other person of
// a two-person conversation, or the email's addressee.
func (a *analyzer) resolveYou() {
	var names []string
	for _, n := range a.speakers {
		names = append(names, n)
	}
	for _, c := range a.cands {
		if !c.you || c.assignee != "" {
			continue
		}
		switch {
		case c.speaker != "" && len(names) == 2:
			for _, n := range names {
				if !strings.EqualFold(n, c.speaker) {
					c.assignee = n
				}
			}
		case c.speaker == "" && a.quoted(c.unit):
			c.assignee = a.quoteAddressee
		case c.speaker == "" && a.addressee != "":
			c.assignee = a.addressee
		}
	}
}

// quoted: unit ui is part of a quoted earlier message.
func (a *analyzer) quoted(ui int) bool {
	return a.quoteFrom > 0 && ui >= 0 && ui < len(a.units) && a.lines[a.units[ui].line].quoted
}

// result dedupes, orders and converts the candidates.
func (a *analyzer) result() []Task {
	cs := a.dedupe(a.cands)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].sent.start < cs[j].sent.start })
	var out []Task
	for _, c := range cs {
		t := Task{
			Title:       clampTitle(c.title),
			Description: c.desc,
			Assignee:    c.assignee,
			Type:        c.typ,
			Priority:    c.priority,
			Confidence:  round2(c.conf),
			Sentence:    a.text[c.sent.start:c.sent.end],
			Start:       c.sent.start,
			End:         c.sent.end,
		}
		if !strings.ContainsFunc(t.Title, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		if c.due != nil && c.due.HasDate || c.due != nil && c.due.HasTime {
			d := c.due.Date
			t.Due = &d
			t.DueText = c.due.Text
		}
		out = append(out, t)
	}
	return out
}

func round2(f float64) float64 {
	if f > 1 {
		f = 1
	}
	if f < 0 {
		f = 0
	}
	return float64(int(f*100+0.5)) / 100
}

// clampTitle keeps a title within MaxTitle bytes on a rune boundary.
func clampTitle(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if len(s) <= MaxTitle {
		return s
	}
	cut := MaxTitle - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}

// takeIt begin a reply that takes on the request before it.
var takeIt = []string{"will do", "i'll do it", "on it", "i'll take it"}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, x := range prefixes {
		if strings.HasPrefix(s, x) {
			return true
		}
	}
	return false
}
