package rules

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"sentry/backend/extract/dates"
	"sentry/backend/extract/gate"
)

var (
	reCutWho  = regexp.MustCompile(`(?i),\s*who(?:'s|\s+(?:is|are|was|were|will|has|had|would|can))\b.*$`)
	reCutTail = regexp.MustCompile(`(?i)(?:\s+|,\s*)(?:at (?:your|the|my) earliest convenience|when convenient|so that|so (?:i|we|you|they|he|she|it|the)\b|because|since` +
		`|as soon as possible|in order to|, which|which|when you get a chance` +
		`|when(?:ever)? (?:you|they|we|someone|somebody|anyone) (?:have|get|has|gets) (?:a )?(?:chance|minute|moment|sec|second|time)|whenever you can|when you can` +
		`|if (?:you can|possible|needed|necessary|you have time|you get a chance|you could|that's ok|that works)|it's urgent|it is urgent|that's urgent|thanks|thank you|thx|cheers` +
		`|please|pls|ok\?|okay\?|right\?|yeah\?|if\b|as discussed|as mentioned|as agreed|per our|like we discussed|like i said|, as)\b.*$`)
	reTrailFill = gate.MustCompile(`(?i)(?:[\s,]+(?:please|pls|for me|for us|asap|this time|first thing|first thing in the morning|probably|hopefully|ideally|too|as well|again|then` +
		`|now|right away|immediately|urgently|first|if possible|later|soon|ok|okay|thanks|today|tonight|!+|\?+|\.+|as promised|either|though|anyway|yet|still|when you can` +
		`|at some point|myself|yourself|ourselves|themselves|himself|herself))+\s*$`)
	reLeadFill = regexp.MustCompile(`(?i)^(?:(?:please|pls|also|just|kindly|quickly|go ahead and|try to|then|first|definitely|maybe|possibly|still|also please|really|actually` +
		`|personally|now|do|instead)\s+)+`)
	reDangling = regexp.MustCompile(`(?i)(?:[\s,;:]+(?:by|on|at|before|until|till|due|for|in|from|the|to|and|or|with|of|a|an|around|after|this|next|no later than|sometime|some time` +
		`|within|over|during|starting|latest|eod|about|re))+\s*$`)
	reMe   = gate.MustCompile(`\bme\b`)
	reMy   = gate.MustCompile(`\bmy\b`)
	reYour = gate.MustCompile(`(?i)\byour\b`)
)

// newTask builds a task candidate from a clause and its frame.
func (a *analyzer) newTask(ui int, u unit, s span, idx int, raw, l string, f clauseFrame, end int, ds []dates.Hit, who string) *candidate {
	c := &candidate{typ: TypeTask, conf: f.conf, sent: s, unit: ui, speaker: u.speaker, sentIdx: idx, weak: f.kind == fNeed || f.kind == fDeadline, frameKind: f.kind, rule: f.rule}
	a.taskAssignee(c, u, f, who)
	owner, ownerCut := a.owner(raw, f.verbStart, end, u)
	if owner != "" && (c.assignee == "" || f.kind == fItem || f.kind == fImperative) {
		c.assignee, c.you, c.team = owner, false, false
	}
	if ownerCut >= 0 && ownerCut < end {
		end = ownerCut
	}
	end, ds = cutRelativeWho(raw, f.verbStart, end, ds)
	// Due date.
	c.due = a.pickDue(u, raw, ds)
	// Title.
	requester := ""
	if f.kind == fRequest || f.you {
		requester = u.speaker
		if requester == "" {
			requester = a.selfName(u)
		}
	}
	c.title = a.buildTitle(raw, l, f, end, ds, requester)
	c.title = stripOwner(c.title, c.assignee)
	if c.due != nil && c.due.Text != "" {
		c.title = titleWithoutDue(c.title, c.due)
	}
	if c.title == "" || bareEvents.Has(strings.ToLower(c.title)) {
		return nil // "The new intern will start on Monday": an event, not work
	}
	c.desc = collapse(a.text[s.start:s.end])
	if isAnaphoric(c.title) {
		c.anaphoric = true
		if ctx := a.contextFor(idx, u.speaker); ctx != "" {
			c.desc += " (Context: " + ctx + ")"
		}
	}
	if c.due != nil {
		c.conf += 0.05
	}
	if c.assignee != "" {
		c.conf += 0.05
	}
	if c.conf > 0.95 {
		c.conf = 0.95
	}
	return c
}

// taskAssignee decides who a task is for from its frame: the one it names,
// the one addressed, the speaker of a note to self; or "you", or the team.
func (a *analyzer) taskAssignee(c *candidate, u unit, f clauseFrame, who string) {
	switch {
	case f.who != "":
		c.assignee = f.who
	case who != "":
		c.assignee = who
	case f.self:
		c.assignee = a.selfName(u)
	}
	if f.kind == fTeam {
		c.team = true
	}
	c.all = f.all
	if f.you && c.assignee == "" {
		c.you = true
	}
}

// cutRelativeWho: "…by Mark Taylor, who is out until next week": the
// relative clause is about Mark, and its dates are not the task's.
func cutRelativeWho(raw string, verbStart, end int, ds []dates.Hit) (int, []dates.Hit) {
	m := reCutWho.FindStringIndex(raw[verbStart:end])
	if m == nil {
		return end, ds
	}
	end = verbStart + m[0]
	kept := ds[:0:0]
	for _, h := range ds {
		if h.Start < end {
			kept = append(kept, h)
		}
	}
	return end, kept
}

// titleWithoutDue takes the due phrase out of a title ("before the start
// date"); "for Tuesday's workshop" becomes "for the workshop".
func titleWithoutDue(title string, due *dates.Hit) string {
	dt := strings.TrimRight(due.Text, ".,;!?")
	// asciiLower keeps byte offsets (strings.ToLower may not, on bad UTF-8).
	i := strings.Index(gate.LowerASCII(title), gate.LowerASCII(dt))
	if i <= 0 || i+len(dt) > len(title) {
		return title
	}
	put := ""
	if strings.HasSuffix(dt, "'s") || strings.HasSuffix(dt, "’s") {
		// "for Tuesday's workshop" → "for the workshop".
		if due.Prep != "" && strings.HasPrefix(strings.ToLower(dt), due.Prep+" ") {
			put = due.Prep + " "
		}
		put += "the "
	}
	return capitalise(trimDangling(tidy(title[:i] + put + title[i+len(dt):])))
}

// newMeeting builds a meeting candidate.
func (a *analyzer) newMeeting(ui int, u unit, s span, idx int, raw, title string, ds []dates.Hit, who string) *candidate {
	c := &candidate{typ: TypeMeeting, title: title, conf: 0.7, sent: s, unit: ui, speaker: u.speaker, sentIdx: idx, assignee: who}
	ds = dates.MergeDayTime(dropMovedFrom(ds))
	recurring := false
	for _, h := range ds {
		if h.Recurring {
			recurring = true
		}
	}
	if !recurring {
		for _, h := range ds {
			if (h.HasDate || h.HasTime) && !h.Past && !h.Ref && !h.Weak {
				hh := h
				if !hh.HasDate && u.sectionDue != nil {
					hh.Date, hh.HasDate = dates.AtClock(u.sectionDue.Date, hh.Date.Hour(), hh.Date.Minute()), true
				}
				c.due = &hh
				break
			}
		}
		if c.due == nil && u.sectionDue != nil {
			c.due = u.sectionDue
		}
	}
	if c.due != nil {
		c.conf += 0.1
		// "the client dinner is on the 12th at 7": evening, not morning.
		if c.due.HasTime && c.due.Date.Hour() >= 1 && c.due.Date.Hour() <= 11 && eveningEvent(title) && !reAMMark.MatchString(strings.ToLower(c.due.Text)) {
			d := *c.due
			d.Date = d.Date.Add(12 * time.Hour)
			c.due = &d
		}
	}
	c.desc = collapse(a.text[s.start:s.end])
	if c.title == "" {
		c.title = capitalise(trimDangling(cutTail(collapse(raw))))
	}
	return c
}

// selfName is who "I" is: the speaker, or the sender of an email.
func (a *analyzer) selfName(u unit) string {
	if u.speaker != "" {
		return u.speaker
	}
	if a.kind == "email" || a.greeted {
		if a.quoteFrom > 0 && a.lines[u.line].quoted {
			return a.quoteSender
		}
		return a.sender
	}
	return ""
}

// owner reads an owner annotation of an item: "(Sam)", "@sam", "— Sam",
// "Sam: …", "owner: Sam". It returns the name and where the annotation
// starts when it trails the text (-1 otherwise).
var reOwnerParDue = regexp.MustCompile(`\(\s*(@?[\p{Lu}][\p{L}'’.-]*(?:\s[\p{Lu}][\p{L}'’-]*)?)\s*[,;/–—-]\s*(?:due|by|eta|deadline|until|before)\b[^)]*\)`)

func (a *analyzer) owner(raw string, from, to int, u unit) (string, int) {
	seg := raw[:to]
	// Cheap tests first: each pattern needs a character or word to match.
	ls := gate.LowerASCII(seg)
	hasKw := strings.Contains(ls, "owner") || strings.Contains(ls, "assign") || strings.Contains(ls, "who") || strings.Contains(ls, "responsible")
	hasPar := strings.ContainsAny(seg, "([")
	hasAt := strings.IndexByte(seg, '@') >= 0
	if m := findSubIf(hasKw, reOwnerKw, seg); m != nil && m[0] >= from {
		return strings.TrimPrefix(seg[m[2]:m[3]], "@"), m[0]
	}
	// "(Jonas, due Oct 16)": the owner before the date in one parenthesis.
	if m := findSubIf(hasPar, reOwnerParDue, seg); m != nil && m[0] >= from {
		if n := strings.TrimPrefix(seg[m[2]:m[3]], "@"); a.isPersonName(n) && a.wholeDate(n) == nil {
			return n, m[0]
		}
	}
	if m := findSubIf(hasPar, reOwnerPar, seg); m != nil && m[0] >= from {
		n := strings.TrimPrefix(seg[m[2]:m[3]], "@")
		if a.isPersonName(n) && len(dates.Find(n, a.clock)) == 0 && !a.dayRange(n) || strings.HasPrefix(seg[m[2]:m[3]], "@") {
			return n, m[0]
		}
	}
	if m := findSubIf(hasAt, reOwnerAt, seg); m != nil {
		return seg[m[2]:m[3]], -1
	}
	if u.item || u.section == secAction {
		for _, re := range []*regexp.Regexp{reOwnerColon, reOwnerDash, reOwnerMid} {
			if m := re.FindStringSubmatchIndex(seg); m != nil {
				if n := seg[m[2]:m[3]]; a.isPersonName(n) && a.wholeDate(n) == nil && !a.dayRange(n) {
					return n, -1
				}
			}
		}
		if m := reOwnerEnd.FindStringSubmatchIndex(seg); m != nil && m[0] >= from {
			if n := seg[m[2]:m[3]]; a.isPersonName(n) {
				return n, m[0]
			}
		}
		if m := reOwnerPre.FindStringSubmatchIndex(raw); m != nil {
			n := ""
			if m[2] >= 0 {
				n = raw[m[2]:m[3]]
			} else {
				n = raw[m[4]:m[5]]
			}
			if a.isPersonName(n) && a.wholeDate(n) == nil {
				return n, -1
			}
		}
	}
	return "", -1
}

// pickDue chooses the clause's due date: a deadline phrase ("by Friday")
// first, then the first date; then "before then", a section's date, a
// possessive date ("Monday's pitch").
func (a *analyzer) pickDue(u unit, raw string, ds []dates.Hit) *dates.Hit {
	ds = dates.MergeDayTime(ds)
	var first, deadline, weak *dates.Hit
	for i := range ds {
		h := &ds[i]
		if h.Ref {
			continue
		}
		if h.Recurring {
			return nil
		}
		if h.Past || h.Moved || !(h.HasDate || h.HasTime) {
			continue
		}
		if h.Weak {
			if weak == nil {
				weak = h
			}
			continue
		}
		if first == nil {
			first = h
		}
		switch h.Prep {
		case "by", "before", "until", "till", "til", "due", "due by", "due on", "no later than", "not later than", "prior to", "ahead of":
			if deadline == nil {
				deadline = h
			}
		}
	}
	pick := func(h *dates.Hit) *dates.Hit {
		c := *h
		if !c.HasDate && c.HasTime && u.sectionDue != nil {
			// "10am" under a "Sat:" header is Saturday at 10.
			c.Date, c.HasDate = dates.AtClock(u.sectionDue.Date, c.Date.Hour(), c.Date.Minute()), true
		}
		return &c
	}
	if deadline != nil {
		return pick(deadline)
	}
	if first != nil {
		return pick(first)
	}
	for i := range ds {
		if ds[i].Ref && a.lastDate != nil {
			d := *a.lastDate
			d.Text = ds[i].Text
			return &d
		}
	}
	if d := a.nounRef(raw); d != nil {
		return d
	}
	if u.sectionDue != nil {
		d := *u.sectionDue
		return &d
	}
	if weak != nil {
		return pick(weak)
	}
	return nil
}

var reNounRef = gate.MustCompile(`(?i)\b(?:before|by|until|ahead of|prior to|in time for)\s+(?:the|our|my|your)\s+([a-z][a-z -]{2,30}?)\s*(?:[.,;!?)]|$|\s(?:and|so|or|to)\s)`)

// nounRef resolves "before the start date" from an earlier "start date
// March 9" in the text.
func (a *analyzer) nounRef(raw string) *dates.Hit {
	m := reNounRef.FindStringSubmatch(raw)
	if m == nil {
		return nil
	}
	np := strings.ToLower(strings.TrimSpace(m[1]))
	if len(np) < 4 {
		return nil
	}
	lt := gate.LowerASCII(a.text)
	for from := 0; ; {
		i := strings.Index(lt[from:], np)
		if i < 0 {
			return nil
		}
		at := from + i + len(np)
		win := a.text[at:min(len(a.text), at+40)]
		if k := strings.IndexAny(win, "\n.;"); k >= 0 {
			win = win[:k]
		}
		for _, h := range dates.Find(win, a.clock) {
			if h.HasDate && !h.Ref && !h.Recurring && h.Start <= 12 {
				hh := h
				hh.Text = strings.TrimSpace(m[0])
				return &hh
			}
		}
		from = at
		if from >= len(lt) {
			return nil
		}
	}
}

var reAMMark = regexp.MustCompile(`\d\s*(?:am|a\.m\.)|morning|breakfast`)

// eveningEvent: a meeting title naming something held in the evening.
func eveningEvent(title string) bool {
	for _, w := range strings.Fields(strings.ToLower(title)) {
		switch strings.Trim(w, ".,!?") {
		case "dinner", "drinks", "party", "concert", "gala", "banquet", "movie", "show", "reception", "happy", "supper":
			return true
		}
	}
	return false
}

// dropMovedFrom leaves out "from Wednesday" when the clause also says where
// it goes ("moving the all-hands from Wednesday to Thursday").
func dropMovedFrom(ds []dates.Hit) []dates.Hit {
	from, other := false, false
	for _, h := range ds {
		if h.Prep == "from" {
			from = true
		} else if (h.HasDate || h.HasTime) && !h.Past && !h.Ref {
			other = true
		}
	}
	if !from || !other {
		return ds
	}
	out := make([]dates.Hit, 0, len(ds))
	for _, h := range ds {
		if h.Prep != "from" {
			out = append(out, h)
		}
	}
	return out
}

// bareEvents are verbs that, alone, tell what happens rather than what to do.
var bareEvents = words("bare_events")

// mendOCRWords undoes digit-for-letter misreadings in words that are
// mostly letters ("p1umber", "bi11", "schoo1"), leaving codes, times and
// dates ("Q3", "3pm", "F150", "COVID19") alone.
func mendOCRWords(t string) string {
	f := strings.Fields(t)
	changed := false
	for i, w := range f {
		core := strings.TrimRight(w, ".,;:!?)")
		if len(core) < 4 {
			continue
		}
		letters, digits, other := 0, 0, false
		for j := 0; j < len(core); j++ {
			switch c := core[j]; {
			case isLetter(c):
				letters++
			case c == '0' || c == '1' || c == '3' || c == '4' || c == '5' || c == '8':
				digits++
			default:
				other = true
			}
		}
		if other || digits == 0 || letters*2 < len(core) {
			continue
		}
		if fixed := ocrWord(strings.ToLower(core)); fixed != strings.ToLower(core) {
			if core[0] >= 'A' && core[0] <= 'Z' {
				fixed = strings.ToUpper(fixed[:1]) + fixed[1:]
			}
			f[i] = fixed + w[len(core):]
			changed = true
		}
	}
	if !changed {
		return t
	}
	return strings.Join(f, " ")
}

// dayRange: "Tue-Fri", "Mon–Wed" — days, not an owner.
func (a *analyzer) dayRange(n string) bool {
	for _, part := range strings.FieldsFunc(strings.ToLower(n), func(r rune) bool { return r == '-' || r == '–' || r == '—' || r == '/' || r == ' ' }) {
		if dates.IsWeekday(part) || dates.IsMonth(part) {
			return true
		}
	}
	return false
}

// lonePronoun objects leave nothing of a title without their verb.
var lonePronoun = words("lone_pronoun")

// buildTitle makes the short imperative title.
func (a *analyzer) buildTitle(raw, l string, f clauseFrame, end int, ds []dates.Hit, requester string) string {
	if end > len(raw) {
		end = len(raw)
	}
	if f.verbStart >= end {
		return ""
	}
	var t string
	switch {
	case f.kind == fDeadline:
		t = f.prefix + " " + lowerCommon(lowerDet(f.object))
	case f.kind == fNeed:
		t = f.verb + " " + lowerCommon(lowerDet(f.object)) + " " + removeSpans(raw, f.verbTo, end, ds, true)
	case f.verb != "":
		t = f.verb + " " + removeSpans(raw, f.verbTo, end, ds, true)
	case f.object != "": // "dentist - reschedule …"
		v := firstWordOf(l[f.verbStart:])
		vend := f.verbStart + len(v)
		if w := firstWordOf(l[vend:]); phrasalParticles.Has(w) {
			vend = strings.Index(l[vend:], w) + vend + len(w)
		}
		t = raw[f.verbStart:vend] + " " + f.object + " " + removeSpans(raw, vend, end, ds, true)
	default:
		t = removeSpans(raw, f.verbStart, end, ds, true)
	}
	t = tidy(t)
	if lt := strings.ToLower(t); !strings.HasPrefix(lt, "do ") || !lonePronoun.Has(strings.Trim(lt[3:], " .!")) {
		t = reLeadFill.ReplaceAllString(t, "") // but "I'll do it" stays "Do it"
	}
	if f.kind != fItem {
		t = cutTail(t)
	}
	t = trimDangling(t)
	if f.kind == fDeadline && !strings.HasPrefix(strings.ToLower(t), "let ") {
		t = reYour.ReplaceAllString(t, "the") // "Pay your rent" → "Pay the rent"
	}
	if f.kind == fRequest || f.you {
		if requester != "" {
			t = reMe.ReplaceAllString(t, requester)
			t = reMy.ReplaceAllString(t, requester+"'s")
		}
		if !strings.HasPrefix(strings.ToLower(t), "let ") {
			t = reYour.ReplaceAllString(t, "the")
		}
	}
	t = strings.TrimLeft(t, "-–—*:;,. ")
	if a.kind == "handwritten_ocr" {
		t = mendOCRWords(t) // "ca11 the p1umber" → "call the plumber"
	}
	t = limitWords(t, 12)
	t = trimDangling(t)
	return capitalise(t)
}

var (
	reOwnerColon = regexp.MustCompile(`^[^:]{2,60}?:\s*([\p{Lu}][\p{L}'’-]*(?:\s[\p{Lu}][\p{L}'’-]*)?)\s*(?:[,;–—-]|$)`)
	reOwnerDash  = regexp.MustCompile(`^.{2,60}?\s+[-–—]\s+([\p{Lu}][\p{L}'’-]*(?:\s[\p{Lu}][\p{L}'’-]*)?)\s*(?:[-–—,;]|$)`)
	reOwnerMid   = regexp.MustCompile(`\(\s*(?:owner:?\s*|@)?([\p{Lu}][\p{L}'’-]*(?:\s[\p{Lu}][\p{L}'’-]*)?)\s*\)`)
)

var reAtMention = regexp.MustCompile(`(?:^|\s)@[\w.-]+:?`)

// stripOwner removes an owner annotation left in a title ("Grace: …",
// "@ivy …", "[Sam] …", "… (Vic)", "Venue booking: Tara").
func stripOwner(t, owner string) string {
	t0 := t
	if strings.IndexByte(t, '@') >= 0 {
		t = strings.TrimSpace(reAtMention.ReplaceAllString(t, " "))
	}
	if owner != "" && strings.Contains(strings.ToLower(t), strings.ToLower(owner)) {
		q := regexp.QuoteMeta(owner)
		for _, re := range []string{
			`(?i)^\[?` + q + `\]?\s*[:\-–—]\s*`,
			`(?i)^\[` + q + `\]\s*`,
			`(?i)\s*[(\[]\s*(?:owner:?\s*|@)?` + q + `\s*[)\]]`,
			`(?i)\s*[:\-–—]\s*` + q + `\s*(?:[,;\-–—]|$)`,
		} {
			t = strings.TrimSpace(regexp.MustCompile(re).ReplaceAllString(t, " "))
		}
	}
	// "Finance: final budget deck" from "Finance (Gail): …".
	if m := reRoleLead.FindStringSubmatchIndex(t); m != nil && roleNouns.Has(strings.ToLower(t[m[2]:m[3]])) && len(strings.Fields(t[m[1]:])) >= 2 {
		t = t[m[1]:]
	}
	if t == t0 {
		return t // buildTitle has tidied it already
	}
	return capitalise(trimDangling(tidy(t)))
}

var reRoleLead = regexp.MustCompile(`^([A-Za-z]+)\s*:\s+`)

func lowerDet(np string) string {
	for _, d := range []string{"The ", "A ", "An ", "Our ", "My ", "Your ", "This ", "These ", "Those ", "All "} {
		if strings.HasPrefix(np, d) {
			return strings.ToLower(d) + np[len(d):]
		}
	}
	return np
}

// removeSpans returns raw[from:to] without the date phrases in it. Moved
// targets ("to next month") and possessive dates stay when keepOdd.
func removeSpans(raw string, from, to int, ds []dates.Hit, keepOdd bool) string {
	if from < 0 {
		from = 0
	}
	if to > len(raw) {
		to = len(raw)
	}
	if from >= to {
		return ""
	}
	var b strings.Builder
	i := from
	for _, h := range ds {
		if h.End <= from || h.Start >= to {
			continue
		}
		if keepOdd && (h.Weak || h.Moved || h.Past) {
			continue // "the invoice from last month" keeps its words
		}
		if h.Start > i {
			b.WriteString(raw[i:h.Start])
		}
		if h.End > i {
			i = h.End
		}
		b.WriteByte(' ')
	}
	if i < to {
		b.WriteString(raw[i:to])
	}
	return b.String()
}

// reCutDash: " - this is critical" after an action comments on it.
var reCutDash = regexp.MustCompile(`(?i)\s+[-–—]+\s+(?:this|it|that)(?:'s|’s| is| was| will)\b.*$`)

func cutTail(t string) string {
	if m := reCutDash.FindStringIndex(t); m != nil && m[0] > 0 {
		t = t[:m[0]]
	}
	if m := reCutTail.FindStringIndex(t); m != nil && len(strings.Fields(t[:m[0]])) >= 1 {
		t = t[:m[0]]
	}
	if m := reCutWho.FindStringIndex(t); m != nil && m[0] > 0 {
		t = t[:m[0]] // "…by Mark Taylor, who is out of town"
	}
	return t
}

// replaceTail removes what an end-anchored pattern matches, looking only
// at the last words: a pattern ending in "$" is tried from every position,
// so on a long title most of its time went on text it can never match.
func replaceTail(re interface{ ReplaceAllString(string, string) string }, t string) string {
	const window = 48
	if len(t) <= window {
		return re.ReplaceAllString(t, "")
	}
	k := len(t) - window
	for k < len(t) && t[k] != ' ' {
		k++ // start the window at a space, so its first word is whole
	}
	if k >= len(t) {
		return re.ReplaceAllString(t, "")
	}
	return t[:k] + re.ReplaceAllString(t[k:], "")
}

func trimDangling(t string) string {
	for i := 0; i < 4; i++ {
		t = strings.TrimSpace(t)
		t = strings.TrimRight(t, ".,;:!?-–—(\"' ")
		n := replaceTail(reTrailFill, t)
		n = replaceTail(reDangling, n)
		if n == t {
			break
		}
		t = n
	}
	t = strings.TrimRight(strings.TrimSpace(t), ".,;:!?-–—(\"' ")
	// Balance a parenthesis left open by a cut.
	if strings.Count(t, "(") > strings.Count(t, ")") {
		t = strings.TrimSpace(t[:strings.LastIndex(t, "(")])
	}
	return t
}

// limitWords keeps a title short: it cuts at a natural break, else after n
// words.
func limitWords(t string, n int) string {
	f := strings.Fields(t)
	if len(f) <= n {
		return t
	}
	for _, sep := range []string{", ", "; ", " – ", " - ", " (", " and ", " with ", " so ", " which "} {
		if i := strings.Index(t, sep); i > 0 {
			if k := len(strings.Fields(t[:i])); k >= 3 && k <= n {
				return strings.TrimSpace(t[:i])
			}
		}
	}
	return strings.Join(f[:n], " ")
}

func capitalise(t string) string {
	t = strings.TrimSpace(t)
	r, size := utf8.DecodeRuneInString(t)
	if r == utf8.RuneError || size == 0 {
		return t
	}
	return string(unicode.ToUpper(r)) + t[size:]
}

var (
	reSpaceComma = regexp.MustCompile(`\s+([,;:.!?])`)
	reEmptyParen = regexp.MustCompile(`\(\s*[-–—/,;:]*\s*\)|\[\s*\]|\(\s*(?:owner|assignee|who|due|by|expires|expiring|exp)\b[^)]*\)`)
)

// tidy collapses spaces and the gaps left by removed phrases.
func tidy(s string) string {
	s = collapse(s)
	s = reEmptyParen.ReplaceAllString(s, " ")
	s = collapse(s)
	s = reSpaceComma.ReplaceAllString(s, "$1")
	s = strings.ReplaceAll(s, ",,", ",")
	return strings.TrimLeft(s, ",;: ")
}

// collapse joins lines and runs of spaces.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

var reAnaphor = gate.MustCompile(`(?i)\b(?:it|this|that|them|these|those|one|a look|the issue|the problem|the bug)\b`)

func isAnaphoric(title string) bool {
	f := strings.Fields(title)
	if len(f) <= 2 {
		return true
	}
	if timeWords.Has(strings.ToLower(f[1])) {
		return true // "Decide before our call": decide what, the text before says
	}
	// "Share it right after this call": the object is the pronoun. "Ask
	// them for a test account" asks people, not a thing.
	switch o := strings.ToLower(f[1]); o {
	case "it", "that", "this", "these", "those":
		return true
	case "them":
		if !personVerbs.Has(strings.ToLower(f[0])) {
			return true
		}
	}
	// "Send it to Mark" leans on what came before; "Ask them for a test
	// account" says what it is.
	return len(f) <= 5 && reAnaphor.MatchString(strings.Join(f[:3], " "))
}

// personVerbs take people as their object.
var personVerbs = words("person_verbs")

var timeWords = words("time_words")

// contextFor returns the nearest earlier sentence by someone else (or the
// previous sentence when there are no speakers), to explain "it".
func (a *analyzer) contextFor(idx int, speaker string) string {
	for k := idx - 1; k >= 0 && k >= idx-4; k-- {
		sr := a.sents[k]
		if speaker != "" && strings.EqualFold(sr.speaker, speaker) {
			continue
		}
		t := collapse(a.text[sr.sp.start:sr.sp.end])
		if len(strings.Fields(t)) < 3 {
			continue
		}
		if len(t) > 200 {
			t = clampTitle(t[:200])
		}
		return t
	}
	return ""
}

// lowerCommon lower-cases a sentence-initial common noun moved inside a
// title ("Timesheets for July must be submitted" → "Submit timesheets for
// July"); names, acronyms and words it cannot tell stay as written.
// commonLeads open a noun phrase and are no names.
var commonLeads = words("common_leads")

func lowerCommon(np string) string {
	w := firstField(np)
	if len(w) < 4 || !strings.HasPrefix(np, w) || w[0] < 'A' || w[0] > 'Z' || gate.LowerASCII(w[1:]) != w[1:] {
		return np
	}
	lw := gate.LowerASCII(w)
	if commonLeads.Has(lw) {
		return lw + np[len(w):] // "Annual safety training"
	}
	for _, suf := range []string{"s", "ing", "tion", "ment", "ness", "ance", "ence"} {
		if strings.HasSuffix(lw, suf) && !strings.HasSuffix(lw, "ss") {
			return lw + np[len(w):]
		}
	}
	return np
}
