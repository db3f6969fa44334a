package rules

import (
	"strings"

	"sentry/backend/extract/dates"
)

// frameTable is tried in order; see frames.go. Earlier rows are the more
// specific wordings ("let me know" before "let me", "I will need to"
// before "will").
var frameTable []frameRow

func init() {
	frameTable = []frameRow{
		{name: "let-me-know", pattern: reLetMeKn, kind: fRequest, conf: 0.7, guards: notQuestion, read: readLetMeKnow,
			positive: ex("Let me know which caterer you prefer by Friday."),
			negative: ex("Can you let me know?")},
		{name: "promise-after-trip", pattern: reGoingThen, groups: true, lead: tripLeads, kind: fCommit, conf: 0.7,
			guards: notQuestion, read: readPromiseAfterTrip,
			positive: ex("I'm heading to the depot tomorrow to collect the spare keys."),
			negative: ex("I'm heading to Denver tomorrow.")},
		{name: "ask-whether", pattern: reAskWhether, kind: fRequest, conf: 0.7, guards: verbAfter, actor: forAddressee,
			positive: ex("I am writing to ask whether you would be willing to chair the budget panel."),
			negative: ex("I am writing to ask whether you enjoyed the trip.")},
		{name: "commitment", pattern: reCommit, groups: true, kind: fCommit, conf: 0.8, guards: verbAfter, read: readCommitment,
			positive: ex("I'll renew the parking permit on Monday."),
			negative: ex("Will I renew the parking permit?", "I'll be in the office.")},
		{name: "progressive-future", pattern: reProgFut, groups: true, kind: fCommit, conf: 0.6, guards: notQuestion,
			read:     readProgressiveFuture,
			positive: ex("I'm booking the caterer on Friday."),
			negative: ex("We're going to go to the beach.")},
		{name: "third-person-promise", pattern: reThirdC, kind: fAssign, conf: 0.65, guards: verbAfter | notQuestion,
			actor:    forPronoun,
			positive: exIn("meeting_transcript", "Lena: Pat called earlier. She'll order the new badges by Friday."),
			negative: ex("She'll be thrilled.")},
		{name: "bare-will", pattern: reBareWill, kind: fCommit, conf: 0.7,
			guards: verbAfter | notBeAfter | notQuestion | spokenOrMail, actor: forSpeaker,
			positive: exIn("chat", "Ravi: will post the seating plan tomorrow"),
			negative: exIn("chat", "Ravi: will be late tomorrow")},
		{name: "let-me", pattern: reLetMe, kind: fCommit, conf: 0.75, guards: verbAfter | notQuestion, actor: forSpeaker,
			positive: ex("Let me check the shipping rates tomorrow."),
			negative: ex("Let me know what you think.")},
		{name: "availability", pattern: reAvail, kind: fProposal, conf: 0.6, guards: onlyQuestion, read: readAvailability,
			positive: exIn("chat", "Mia: are you free Thu 4/9 @ 3pm for a sync?"),
			negative: exIn("chat", "Mia: are you free to help with the garden?")},
		{name: "lets", pattern: reLets, kind: fProposal, conf: 0.65, actor: forVocative, read: readLets,
			positive: exIn("meeting_transcript", "Omar: Let's meet again on Tuesday at 10 to review the roadmap."),
			negative: ex("Let's hope it works.")},
		{name: "mind-you", pattern: reMindYou, kind: fRequest, conf: 0.8, read: readMindYou,
			positive: ex("Would you mind sending me the floor plan by Friday?"),
			negative: ex("Would you mind?")},
		{name: "think-should", pattern: reThinkShould, groups: true, kind: fRequest, conf: 0.65,
			guards: verbAfter | notQuestion, read: readThinkShould,
			positive: ex("I think you should call the insurer before Friday."),
			negative: ex("I think you should be proud.")},
		{name: "good-to", pattern: reGoodTo, kind: fProposal, conf: 0.55, guards: verbAfter | notQuestion, actor: forVocative,
			positive: ex("It'd be good to decide on the venue before Thursday."),
			negative: ex("It would be good to know.")},
		{name: "my-suggestion", pattern: reMySuggest, kind: fProposal, conf: 0.6, guards: verbAfter | notQuestion,
			actor:    forVocative,
			positive: ex("My recommendation would be to ask the landlord for a longer lease by Friday."),
			negative: ex("My recommendation would be the blue one.")},
		{name: "suggestion", pattern: reSuggest, groups: true, kind: fRequest, conf: 0.7, guards: verbAfter,
			read:     readSuggestion,
			positive: ex("I would suggest that you review the contract before Monday."),
			negative: ex("I would suggest the blue one.")},
		{name: "may-i", pattern: reMayI, kind: fRequest, conf: 0.65, read: readMayI,
			positive: ex("Could I get a copy of the lease by Friday?"),
			negative: ex("May I say how pleased we are.")},
		{name: "needed-from", pattern: reNeededFrom, onRaw: true, groups: true, kind: fAssign, conf: 0.65,
			read:     readNeededFrom,
			positive: exIn("note", "Approval needed from Dana on the floor plan by next Wed"),
			negative: exIn("note", "Approval needed from the board by next Wed")},
		{name: "need-thing", pattern: reNeedThing, groups: true, kind: fRequest, conf: 0.6,
			guards: notQuestion | spokenOrMail, read: readNeedThing,
			positive: exIn("chat", "Kim: also need the seating chart by EOW"),
			negative: exIn("chat", "Kim: also need the seating chart")},
		{name: "ask-you", pattern: reAskYou, kind: fRequest, conf: 0.8, guards: verbAfter, read: readAskYou,
			positive: ex("Can you book the meeting room for Tuesday?"),
			negative: ex("Would you like to see the garden?")},
		{name: "any-chance", pattern: reChance, kind: fRequest, conf: 0.8, guards: verbAfter, read: readAskYou,
			positive: ex("Any chance you could send the invoice today?"),
			negative: ex("Any chance you could be here?")},
		{name: "need-you", pattern: reNeedYou, kind: fRequest, conf: 0.8, guards: verbAfter, read: readAskYou,
			positive: ex("I need you to sign the permit form by Friday."),
			negative: ex("I need you to be patient.")},
		{name: "appreciate-if", pattern: reAppr, kind: fRequest, conf: 0.8, guards: verbAfter, read: readAskYou,
			positive: ex("I'd appreciate it if you could send the receipts by Monday."),
			negative: ex("I'd appreciate it if you could be on time.")},
		{name: "youll-ask", pattern: reYoullAsk, kind: fRequest, conf: 0.65, guards: verbAfter, read: readYoullAsk,
			positive: ex("Owen, you'll send the recap?"),
			negative: ex("You'll receive the parcel on Monday.")},
		{name: "you-must", pattern: reYouMust, kind: fRequest, conf: 0.7, guards: verbAfter | notQuestion,
			actor:    forAddressee,
			positive: ex("You need to renew your badge by March 3."),
			negative: ex("You need to be careful.")},
		{name: "anyone", pattern: reAnyone, lead: anyoneLeads, kind: fRequest, conf: 0.6, guards: verbAfter,
			read:     readAnyone,
			positive: exIn("meeting_transcript", "Ana: Is anyone free to review the grant draft by Thursday?"),
			negative: exIn("meeting_transcript", "Ana: Is anyone free?")},
		{name: "someone", pattern: reSomeone, kind: fRequest, conf: 0.6, guards: verbAfter,
			positive: exIn("meeting_transcript", "Ana: Could someone water the plants on Friday?"),
			negative: exIn("meeting_transcript", "Ana: Could someone be there?")},
		{name: "everyone", pattern: reAskAll, kind: fRequest, conf: 0.7, guards: verbAfter, actor: forEveryone,
			positive: ex("Can everyone fill out the parking survey by Friday?"),
			negative: ex("Can everyone be quiet?")},
		{name: "please", pattern: rePlease, kind: fRequest, conf: 0.8, guards: notQuestion, read: readPlease,
			positive: ex("Please send the signed lease by Friday."),
			negative: ex("Please find attached the report.")},
		{name: "reminder", pattern: reRemind, kind: fRequest, conf: 0.65, guards: notQuestion, read: readReminder,
			positive: ex("Make sure the visitors sign in at the front desk on Monday.", "Don't forget to renew the domain by Friday."),
			negative: ex("Make sure it's near the station.")},
		{name: "you-own", pattern: reYouOwn, kind: fDeadline, conf: 0.7, guards: named, read: readYouOwn,
			positive: exIn("meeting_transcript", "Lee: Sam, you own the donor letter - due next Friday."),
			negative: exIn("meeting_transcript", "Lee: You own the donor letter - due next Friday.")},
		{name: "has-own", kind: fDeadline, conf: 0.7, read: readHasOwn,
			positive: exIn("meeting_transcript", "Lee: Ana has the pricing page copy, by the 15th."),
			negative: ex("Ana has the pricing page copy.")},
		{name: "named-modal", kind: fAssign, conf: 0.75, read: readNamedModal,
			positive: ex("Noor will update the staff rota by Friday."),
			negative: ex("Dave is on vacation next week.", "Each Tenant shall pay the rent on the first.")},
		{name: "list-third-person", kind: fAssign, conf: 0.65, read: readListThirdPerson,
			positive: exIn("document", "Onboarding checklist:\n- HR sends the welcome pack by Friday\n"),
			negative: ex("HR sends the welcome pack every month.")},
		{name: "passive-need", pattern: rePassive, groups: true, kind: fNeed, conf: 0.5, guards: notQuestion,
			read:     readPassiveNeed,
			positive: exIn("meeting_transcript", "Bob: The seating plan still needs to be printed.", "Bob: The lease will have to be approved by Mark Taylor."),
			negative: ex("The office will be moved next month.")},
		{name: "needs-ing", pattern: reNeedsIng, groups: true, kind: fNeed, conf: 0.5, guards: notQuestion,
			read:     readNeedsIng,
			positive: exIn("meeting_transcript", "Bob: The fence needs painting."),
			negative: ex("It needs painting before Saturday.")},
		{name: "due", pattern: reDue, groups: true, kind: fDeadline, conf: 0.55, guards: notQuestion, read: readDue,
			positive: ex("Expense reports are due Thursday."),
			negative: ex("It is due Thursday.")},
		{name: "deadline-for", pattern: reDeadline, groups: true, kind: fDeadline, conf: 0.55, guards: notQuestion,
			read:     readDeadlineFor,
			positive: ex("The deadline for the grant application is March 3."),
			negative: ex("The deadline for it is March 3.")},
		{name: "noun-deadline", pattern: reNPDeadline, groups: true, kind: fDeadline, conf: 0.55, guards: notQuestion,
			read:     readNounDeadline,
			positive: exIn("note", "passport renewal - due May 2"),
			negative: exIn("note", "passport renewal - due soon")},
		{name: "note-to-self", pattern: reSelf, kind: fSelf, conf: 0.65, guards: verbAfter | notQuestion,
			read:     readNoteToSelf,
			positive: exIn("note", "need to call the bank tomorrow"),
			negative: exIn("note", "need to know the answer")},
		{name: "dash-verb", pattern: reDashVerb, onRaw: true, groups: true, kind: fImperative, conf: 0.65,
			read:     readDashVerb,
			positive: exIn("note", "dentist - reschedule to next month"),
			negative: exIn("email", "dentist - reschedule to next month")},
		{name: "imperative", kind: fImperative, conf: 0.65, guards: notQuestion, read: readImperative,
			positive: exIn("note", "Renew the car insurance by Friday."),
			negative: exIn("note", "Budget review.", "Take, for example, the garden.")},
	}
}

// readLetMeKnow: "let me know …" asks to tell the speaker; the title starts at "let".
func readLetMeKnow(in *frameInput, m []int) (clauseFrame, rowResult) {
	l := in.l
	start := in.p + m[0]
	if strings.HasPrefix(l[start:], "please ") {
		start += len("please ")
	}
	for _, pre := range []string{"pls ", "kindly ", "do ", "just "} {
		if strings.HasPrefix(l[start:], pre) {
			start += len(pre)
		}
	}
	if i := strings.Index(l[start:], "let "); i >= 0 {
		start += i
	}
	return in.asked(fRequest, start, 0.7), rowFrame
}

// readPromiseAfterTrip: "I'm heading to the site tomorrow to install the
// router", "I'll be back Monday and will finish the audit then": the trip
// is news; what follows it is the promise.
func readPromiseAfterTrip(in *frameInput, m []int) (clauseFrame, rowResult) {
	rest := in.body[m[1]:]
	for _, k := range reThenAct.FindAllStringIndex(rest, 4) {
		if i := in.p + m[1] + k[1]; in.verbAt(i) && firstWordOf(in.l[i:]) != "be" {
			subj := subjectOf(in, m, 1)
			if subj == "" {
				subj = subjectOf(in, m, 2)
			}
			f := clauseFrame{kind: fCommit, verbStart: i, self: subj != "we", conf: 0.7, trip: true}
			if subj == "we" {
				f.kind, f.self = fTeam, false
			}
			return f, rowFrame
		}
	}
	return clauseFrame{}, rowNext
}

// readCommitment: "I'll …", "we will …"; "I can …" is weak unless it takes
// the work on, wishes ("I want to") are weaker, and a question promises nothing.
func readCommitment(in *frameInput, m []int) (clauseFrame, rowResult) {
	if in.question {
		return clauseFrame{}, rowStop
	}
	subj := subjectOf(in, m, 1)
	f := weOrI(clauseFrame{kind: fCommit, verbStart: in.p + m[1], conf: 0.8}, subj)
	if subj == "we" {
		f.conf = 0.65
	}
	frameWords := in.body[:m[1]]
	switch {
	case strings.Contains(frameWords, " can ") || strings.Contains(frameWords, " could "):
		if !takeOnVerbs.Has(firstWordOf(in.l[f.verbStart:])) {
			f.weak = true
		}
	case strings.Contains(frameWords, "want to") || strings.Contains(frameWords, "hope to") || strings.Contains(frameWords, "like to") || strings.Contains(frameWords, "love to"):
		f.conf, f.weak = 0.6, true
	case strings.Contains(frameWords, "should"):
		f.conf = 0.6
	}
	return f, rowFrame
}

// readProgressiveFuture: "I'm sending it tomorrow"; "we're going to go …" is no task.
func readProgressiveFuture(in *frameInput, m []int) (clauseFrame, rowResult) {
	if b := gerundBase(in.body[m[4]:m[5]]); b != "" && b != "go" {
		f := clauseFrame{kind: fCommit, verbStart: in.p + m[4], verb: b, verbTo: in.p + m[5], conf: 0.6, weak: true}
		return weOrI(f, subjectOf(in, m, 1)), rowFrame
	}
	if strings.HasPrefix(in.body[m[4]:], "going to ") {
		return clauseFrame{}, rowStop // "I'm going to" is a commitment's; this is "we're going to go …"
	}
	return clauseFrame{}, rowNext
}

// readAvailability: "are you free Wed 3/11 at 2pm for a sync?" proposes a meeting.
func readAvailability(in *frameInput, m []int) (clauseFrame, rowResult) {
	i := in.p + m[1]
	w := firstWordOf(in.l[i:])
	if eventAfter(in.l, i) >= 0 || meetingVerbs.Has(w) || schedulingVerbs.Has(w) || eventInWords(in.l[i:], 12) {
		return clauseFrame{kind: fProposal, verbStart: i, conf: 0.6}, rowFrame
	}
	return clauseFrame{}, rowNext
}

// readLets: "let's …", "shall we …" propose an action or a meeting.
func readLets(in *frameInput, m []int) (clauseFrame, rowResult) {
	i := in.p + m[1]
	if in.verbAt(i) || meetingVerbs.Has(firstWordOf(in.l[i:])) {
		return clauseFrame{kind: fProposal, verbStart: i, who: in.who, conf: 0.65}, rowFrame
	}
	return clauseFrame{}, rowNext
}

// readMindYou: "would you mind sending …": the gerund is the verb.
func readMindYou(in *frameInput, m []int) (clauseFrame, rowResult) {
	i := in.p + m[1]
	w := firstWordOf(in.l[i:])
	if b := gerundBase(w); b != "" {
		f := in.asked(fRequest, i, 0.8)
		f.verb, f.verbTo = b, i+len(w)
		return f, rowFrame
	}
	return clauseFrame{}, rowNext
}

// readThinkShould: "I think you should call the broker" asks; "I think we
// should …" proposes.
func readThinkShould(in *frameInput, m []int) (clauseFrame, rowResult) {
	if subjectOf(in, m, 1) == "we" {
		return clauseFrame{kind: fProposal, verbStart: in.p + m[1], who: in.who, conf: 0.6}, rowFrame
	}
	return in.asked(fRequest, in.p+m[1], 0.65), rowFrame
}

// readSuggestion: "I'd suggest you …" asks; "I'd suggest we …" proposes.
func readSuggestion(in *frameInput, m []int) (clauseFrame, rowResult) {
	if subj := subjectOf(in, m, 1); subj == "we" || subj == "us" {
		return clauseFrame{kind: fProposal, verbStart: in.p + m[1], who: in.who, conf: 0.6}, rowFrame
	}
	return in.asked(fRequest, in.p+m[1], 0.7), rowFrame
}

// readMayI: "can I get a copy …": the verb phrase starts at "get".
func readMayI(in *frameInput, m []int) (clauseFrame, rowResult) {
	i := in.p + m[1]
	for k := m[1] - 2; k > 0; k-- {
		if in.body[k] == ' ' {
			i = in.p + k + 1
			break
		}
	}
	if !strings.HasPrefix(in.body[i-in.p:], "ask") {
		return in.asked(fRequest, i, 0.65), rowFrame
	}
	return in.asked(fRequest, in.p+m[1], 0.65), rowFrame
}

// readNeededFrom: "Decision needed from Dana on pricing by next Wed".
func readNeededFrom(in *frameInput, m []int) (clauseFrame, rowResult) {
	raw, p := in.raw, in.p
	if !in.a.isPersonName(raw[p+m[4] : p+m[5]]) {
		return clauseFrame{}, rowNext
	}
	noun := strings.ToLower(raw[p+m[2] : p+m[3]])
	return clauseFrame{kind: fAssign, verbStart: p + m[1], verb: neededVerb[strings.TrimSuffix(noun, "s")], verbTo: p + m[1],
		who: raw[p+m[4] : p+m[5]], conf: 0.65}, rowFrame
}

// readNeedThing: "also need the copy deck by EOW": the speaker needs it
// from the other, by a date.
func readNeedThing(in *frameInput, m []int) (clauseFrame, rowResult) {
	if len(dates.Find(in.raw[in.p+m[1]:], in.a.clock)) == 0 {
		return clauseFrame{}, rowNext
	}
	f := in.asked(fRequest, in.p+m[2], 0.6)
	f.verb, f.verbTo = "send", in.p+m[2]
	return f, rowFrame
}

// readAskYou: "can you …", "any chance you could …", "I need you to …",
// "I'd appreciate it if you could …"; "would you like" offers, and "be"
// asks for a state unless it is "be able to".
func readAskYou(in *frameInput, m []int) (clauseFrame, rowResult) {
	l := in.l
	i := in.p + m[1]
	if firstWordOf(l[i:]) == "be" && !strings.HasPrefix(l[i:], "be able to") {
		return clauseFrame{}, rowNext
	}
	if strings.HasPrefix(l[i:], "be able to ") {
		i += len("be able to ") // "would you be able to send…": send
	}
	if strings.HasPrefix(l[in.p+m[0]:], "would you like") || strings.HasPrefix(l[in.p+m[0]:], "would u like") {
		return clauseFrame{}, rowNext
	}
	return in.asked(fRequest, i, 0.8), rowFrame
}

// readYoullAsk: "Owen, you'll send the recap?": an ask with the answer
// expected; "you'll receive …" is news.
func readYoullAsk(in *frameInput, m []int) (clauseFrame, rowResult) {
	if !(in.who != "" || in.question || in.u.item && in.a.kind == "email") || youllNews.Has(firstWordOf(in.l[in.p+m[1]:])) {
		return clauseFrame{}, rowNext
	}
	return in.asked(fRequest, in.p+m[1], 0.65), rowFrame
}

// readAnyone: "is anyone free to …" asks whoever answers.
func readAnyone(in *frameInput, m []int) (clauseFrame, rowResult) {
	return clauseFrame{kind: fRequest, verbStart: in.p + m[1], conf: 0.6, you: in.u.speaker != ""}, rowFrame
}

// readPlease: "please …"; "please find attached" and other gerunds are no ask.
func readPlease(in *frameInput, m []int) (clauseFrame, rowResult) {
	i := in.p + m[1]
	w := firstWordOf(in.l[i:])
	if in.verbAt(i) && w != "be" || strings.HasPrefix(in.l[i:], "be sure") {
		return in.asked(fRequest, i, 0.8), rowFrame
	}
	if b := baseVerb(w); b != "" && b != w && strings.HasSuffix(w, "ing") {
		return clauseFrame{}, rowStop
	}
	return clauseFrame{}, rowNext
}

// readReminder: "make sure …", "don't forget to …", "remember to …" at the
// clause start.
func readReminder(in *frameInput, m []int) (clauseFrame, rowResult) {
	if m[0] > 1 {
		return clauseFrame{}, rowNext
	}
	l, p, who := in.l, in.p, in.who
	i := p + m[1]
	kw := strings.TrimSpace(l[p+m[0] : i])
	heard := in.u.speaker != "" || in.a.addressee != ""
	if strings.HasPrefix(kw, "make sure") || strings.HasPrefix(kw, "ensure") || strings.HasPrefix(kw, "be sure") || strings.HasPrefix(kw, "please make sure") {
		if in.verbAt(i) {
			return clauseFrame{kind: fRequest, verbStart: i, who: who, you: who == "" && in.u.speaker != "" || who == "" && in.a.addressee != "", conf: 0.65}, rowFrame
		}
		if reCondPron.MatchString(l[i:]) {
			return clauseFrame{}, rowStop // "make sure it's near the venue": a condition on another task
		}
		return clauseFrame{kind: fRequest, verbStart: p + m[0], who: who, you: who == "" && heard, conf: 0.6, keep: true}, rowFrame
	}
	if (strings.Contains(kw, "forget") || strings.HasPrefix(kw, "remember")) && in.verbAt(i) {
		return clauseFrame{kind: fRequest, verbStart: i, who: who, you: who == "" && heard, conf: 0.7}, rowFrame
	}
	return clauseFrame{}, rowNext
}

// readYouOwn: "Sam, you own the customer survey - due next Friday": work
// handed out in minutes.
func readYouOwn(in *frameInput, m []int) (clauseFrame, rowResult) {
	if f, ok := ownFrame(in.raw, in.l, in.p+m[1], in.who, true, in.a.clock); ok {
		return f, rowFrame
	}
	return clauseFrame{}, rowNext
}

// readHasOwn: "Ana has the pricing page copy, by the 15th". "Tom owns the
// budget" hands work out in minutes or a list; in prose it may only
// describe a role, so there it needs a date.
func readHasOwn(in *frameInput, _ []int) (clauseFrame, rowResult) {
	name, end := in.subject()
	if name == "" || isPronoun(strings.ToLower(name)) {
		return clauseFrame{}, rowNext
	}
	m := reHasOwn.FindStringSubmatchIndex(in.l[end:])
	if m == nil {
		return clauseFrame{}, rowNext
	}
	u, a, l := in.u, in.a, in.l
	handOut := u.item || u.section == secAction || a.kind == "meeting_transcript" || a.kind == "chat"
	strong := handOut && l[end+m[2]:end+m[3]] != "has" && l[end+m[2]:end+m[3]] != "have"
	if f, ok := ownFrame(in.raw, l, end+m[1], name, strong, a.clock); ok {
		return f, rowFrame
	}
	return clauseFrame{}, rowNext
}

// readNamedModal: "Mike to document…", "Noor will update…", "IT must
// create…"; not "Dave is on board" nor a contract's "Each Tenant shall pay".
func readNamedModal(in *frameInput, _ []int) (clauseFrame, rowResult) {
	name, end := in.subject()
	if name == "" {
		return clauseFrame{}, rowNext
	}
	m := reModal.FindStringIndex(in.l[end:])
	if m == nil {
		return clauseFrame{}, rowNext
	}
	l := in.l
	i := end + m[1]
	w := firstWordOf(l[i:])
	if strings.HasSuffix(strings.TrimSpace(l[end:i]), "is on") && notHandling.Has(w) {
		return clauseFrame{}, rowStop // "Dave is on board", "Sue is on vacation"
	}
	if strings.HasPrefix(strings.TrimSpace(l[end:i]), "shall") && quantifiers.Has(firstWordOf(strings.ToLower(name))) {
		return clauseFrame{}, rowStop // "Each Tenant shall pay…": a term of a contract
	}
	if in.verbAt(i) && w != "be" && w != "have" && !(metricVerbs.Has(w) && !in.a.knownName(name) && !roleNouns.Has(strings.ToLower(name))) {
		return clauseFrame{kind: fAssign, verbStart: i, who: name, conf: 0.75}, rowFrame
	}
	if b := gerundBase(w); b != "" {
		return clauseFrame{kind: fAssign, verbStart: i, verb: b, verbTo: i + len(w), who: name, conf: 0.7}, rowFrame
	}
	return clauseFrame{}, rowNext
}

// readListThirdPerson: "HR sends the welcome pack" in a checklist.
func readListThirdPerson(in *frameInput, _ []int) (clauseFrame, rowResult) {
	name, end := in.subject()
	if name == "" || !(in.u.section == secAction || in.u.item) {
		return clauseFrame{}, rowNext
	}
	l := in.l
	w := firstWordOf(strings.TrimLeft(l[end:], " "))
	i := end + strings.Index(l[end:], w)
	rest := strings.TrimLeft(l[min(len(l), i+len(w)):], " ")
	if b := thirdPersonBase(w); b != "" && strings.HasSuffix(w, "s") && firstWordOf(rest) != "" && !strings.HasPrefix(rest, "-") {
		return clauseFrame{kind: fAssign, verbStart: i, verb: b, verbTo: i + len(w), who: name, conf: 0.65}, rowFrame
	}
	return clauseFrame{}, rowNext
}

// readPassiveNeed: "The changelog still needs to be written"; "… will
// have to be approved by Mark Taylor" is Mark's to do.
func readPassiveNeed(in *frameInput, m []int) (clauseFrame, rowResult) {
	raw, p, body := in.raw, in.p, in.body
	np := strings.TrimSpace(raw[p+m[2] : p+m[3]])
	b := pastBase(body[m[4]:m[5]])
	if b == "" || isPronoun(np) || rePersonal.MatchString(strings.ToLower(np)) {
		return clauseFrame{}, rowNext
	}
	f := clauseFrame{kind: fNeed, verbStart: p + m[4], verb: b, verbTo: p + m[5], object: np, conf: 0.5, weak: true}
	after := p + m[5]
	if bm := reByAgent.FindStringSubmatchIndex(raw[after:]); bm != nil && in.a.isPersonName(raw[after+bm[4]:after+bm[5]]) &&
		len(dates.Find(raw[after+bm[4]:after+bm[5]], in.a.clock)) == 0 {
		f.who = strings.TrimRight(raw[after+bm[4]:after+bm[5]], ".")
		f.verbTo = after + bm[1]
		if bm[2] >= 0 {
			f.verb += " " + strings.TrimSpace(raw[after+bm[2]:after+bm[3]]) // "signed off by"
		}
		f.conf = 0.6
	}
	// "will be moved" without a need is news, unless someone is named to do it.
	if strings.HasSuffix(strings.TrimSpace(body[:m[4]]), "will be") && f.who == "" {
		return clauseFrame{}, rowStop
	}
	return f, rowFrame
}

// readNeedsIng: "the fence needs painting".
func readNeedsIng(in *frameInput, m []int) (clauseFrame, rowResult) {
	np := strings.TrimSpace(in.raw[in.p+m[2] : in.p+m[3]])
	if b := gerundBase(in.body[m[4]:m[5]]); b != "" && !isPronoun(np) {
		return clauseFrame{kind: fNeed, verbStart: in.p + m[4], verb: b, verbTo: in.p + m[5], object: np, conf: 0.5, weak: true}, rowFrame
	}
	return clauseFrame{}, rowNext
}

// readDue: "Expense reports are due Thursday"; "The car is due for its
// inspection": the inspection is the task.
func readDue(in *frameInput, m []int) (clauseFrame, rowResult) {
	p := in.p
	np := strings.TrimSpace(in.raw[p+m[2] : p+m[3]])
	if isPronoun(np) || len(strings.Fields(np)) > 6 {
		return clauseFrame{}, rowNext
	}
	if fm := reDueFor.FindStringSubmatch(in.body[m[1]:]); fm != nil {
		return clauseFrame{kind: fDeadline, verbStart: p + m[2], verbTo: p + m[3], object: fm[1] + " for " + lowerDet(np), prefix: "Get", conf: 0.55, weak: true}, rowFrame
	}
	return deadlineFrame(p+m[2], p+m[3], np), rowFrame
}

// deadlineFrame is the task a deadline of np makes ("Pay the rent").
func deadlineFrame(start, end int, np string) clauseFrame {
	return clauseFrame{kind: fDeadline, verbStart: start, verbTo: end, object: np, prefix: dueVerb(np), conf: 0.55, weak: true}
}

// readDeadlineFor: "the deadline for the grant application is March 3".
func readDeadlineFor(in *frameInput, m []int) (clauseFrame, rowResult) {
	g := 2
	if m[2] < 0 {
		g = 4
	}
	np := strings.TrimSpace(in.raw[in.p+m[g] : in.p+m[g+1]])
	if isPronoun(np) {
		return clauseFrame{}, rowNext
	}
	return deadlineFrame(in.p+m[g], in.p+m[g+1], np), rowFrame
}

// readNounDeadline: "taxes!!! deadline 4/15", "passport renewal - due May 2".
func readNounDeadline(in *frameInput, m []int) (clauseFrame, rowResult) {
	p := in.p
	if strings.HasPrefix(in.body[m[1]:], "date") || len(dates.Find(in.raw[p+m[1]:], in.a.clock)) == 0 {
		return clauseFrame{}, rowNext
	}
	np := strings.TrimSpace(in.raw[p+m[2] : p+m[3]])
	if isPronoun(strings.ToLower(np)) || baseVerb(firstWordOf(strings.ToLower(np))) != "" {
		return clauseFrame{}, rowNext
	}
	return deadlineFrame(p+m[2], p+m[3], np), rowFrame
}

// readNoteToSelf: note style, "need to call the bank", "must renew passport".
func readNoteToSelf(in *frameInput, m []int) (clauseFrame, rowResult) {
	if statives.Has(firstWordOf(in.l[in.p+m[1]:])) {
		return clauseFrame{}, rowNext
	}
	return clauseFrame{kind: fSelf, verbStart: in.p + m[1], self: true, conf: 0.65}, rowFrame
}

// readDashVerb: "dentist - reschedule to next month", "me - update
// forecast model", "Carol - update the forecast" in notes and lists.
func readDashVerb(in *frameInput, m []int) (clauseFrame, rowResult) {
	u, a, raw, p := in.u, in.a, in.raw, in.p
	if !(u.item || a.kind == "note" || a.kind == "handwritten_ocr") {
		return clauseFrame{}, rowNext
	}
	left := raw[p+m[2] : p+m[3]]
	v := strings.ToLower(raw[p+m[4] : p+m[5]])
	if !actionVerbs.Has(v) || baseVerb(firstWordOf(strings.ToLower(left))) != "" || pageNumbered(v, raw[p+m[5]:]) {
		return clauseFrame{}, rowNext
	}
	switch strings.ToLower(strings.TrimSpace(left)) {
	case "me", "i", "myself", "self":
		return clauseFrame{kind: fImperative, verbStart: p + m[4], self: true, conf: 0.7}, rowFrame
	}
	if n := strings.TrimSpace(left); (u.item || u.section == secAction) && !strings.Contains(n, " ") && a.isPersonName(n) {
		ln := strings.ToLower(n)
		if !eventNouns.Has(ln) && !roleNouns.Has(ln) && !labelWords.Has(ln) {
			return clauseFrame{kind: fImperative, verbStart: p + m[4], who: n, conf: 0.7}, rowFrame
		}
	}
	return clauseFrame{kind: fImperative, verbStart: p + m[4], object: left, conf: 0.65}, rowFrame
}

// readImperative: "send the deck by Friday". Someone else's imperative is
// a request to "you"; in notes it stays the writer's.
func readImperative(in *frameInput, _ []int) (clauseFrame, rowResult) {
	verb, verbLen, fixed := imperativeVerb(in)
	if verb == "" {
		return clauseFrame{}, rowNext
	}
	body := in.body
	if !(actionVerbs.Has(verb) || verb == "get" || verb == "make" || verb == "go" || verb == "have" && strings.HasPrefix(body, "have a look")) ||
		pageNumbered(verb, body[verbLen:]) {
		return clauseFrame{}, rowNext
	}
	if verbUsedAsNoun(verb, body, verbLen) {
		return clauseFrame{}, rowNext
	}
	// "Take, for example, …", "Look, …", "Help, …": an aside, not an order.
	if strings.HasPrefix(body[verbLen:], ":") || strings.HasPrefix(body[verbLen:], "-") || strings.HasPrefix(body[verbLen:], ",") {
		return clauseFrame{}, rowNext
	}
	a, u, who := in.a, in.u, in.who
	if !a.imperativeAllowed(u) {
		return clauseFrame{}, rowNext
	}
	f := clauseFrame{kind: fImperative, verbStart: in.p, who: who, conf: 0.65}
	if fixed != "" {
		f.verb, f.verbTo = fixed, in.p+verbLen
	}
	if u.item || u.section == secAction || u.check == 1 {
		f.conf = 0.75
	}
	if u.speaker != "" || a.addressee != "" || who != "" {
		f.you = who == ""
		f.kind = fRequest
		f.conf = 0.7
	}
	if a.kind == "note" || a.kind == "handwritten_ocr" {
		f.you = false
		f.kind = fImperative
	}
	return f, rowFrame
}

// imperativeVerb is the clause's first word as a verb, its length as
// written, and the verb mended when handwriting lost a letter ("finsh
// slides"); "" when the first word is not a plain word.
func imperativeVerb(in *frameInput) (verb string, n int, fixed string) {
	body := in.body
	w := firstWordOf(body)
	if len(w) > len(body) || !strings.HasPrefix(body, w) && len(firstRawWord(body)) != len(w) {
		w = ""
	}
	n = len(w)
	if !actionVerbs.Has(w) && in.a.kind == "handwritten_ocr" && w != "" {
		if v := typoVerb(w); v != "" {
			w, fixed = v, v
		}
	}
	return w, n, fixed
}

// verbUsedAsNoun: the verb is a noun here ("Call with Dana on Monday",
// "Budget review.", "Review is done").
func verbUsedAsNoun(verb, body string, verbLen int) bool {
	rest := strings.TrimLeft(body[verbLen:], " ")
	nw := firstWordOf(rest)
	if eventNouns.Has(verb) && (nounFollowers.Has(nw) || dates.IsWeekday(nw) && nw != "sun" || nw != "" && isDigit(nw[0])) {
		return true
	}
	if len(strings.Fields(strings.Trim(body, ".!? "))) <= 3 && eventNouns.Has(nw) {
		return true // "Budget review."
	}
	nounNext := reNounNext.MatchString(rest)
	if nounNext && !nounishVerbs.Has(verb) && reObjectNoun.MatchString(rest) {
		nounNext = false // "write report draft": the report is what to write
	}
	return nounNext
}
