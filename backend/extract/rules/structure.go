package rules

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"sentry/backend/extract/dates"
	"sentry/backend/extract/gate"
)

// Section kinds: what the list items under a header are.
const (
	secNone     = iota
	secAction   // "Action items:", "TODO", "Next steps:" — every item is a task
	secShopping // "Groceries:" — items are things to buy
	secPassive  // "Decisions:", "Notes:", "Done:" — items are not tasks
	secNeutral  // any other header ("Home", "Work")
)

// line is one line of the input with its layout decoded.
type line struct {
	start, end int // content span: after indentation, bullet, checkbox, speaker
	indent     int
	blank      bool
	bullet     bool
	check      int // 0 none, 1 open "[ ]", 2 done "[x]"
	speaker    string
	header     bool // a header with nothing after it
	label      string
	labelKind  int
	labelDate  *dates.Hit
	skip       bool // subject lines, greetings, sign-offs, signatures
	greeting   bool
	done       bool // struck through or marked done
	quoted     bool // part of an earlier message quoted in a reply
}

// unit is a run of text read as one piece: a speaker's turn, a list item,
// a paragraph.
type unit struct {
	start, end int
	speaker    string
	item       bool // a list item (bullet, checkbox, numbered) or a line of a list-like note
	check      int
	section    int
	sectionHdr string
	sectionDue *dates.Hit
	line       int // index of its first line
	done       bool
}

var (
	reBareNumber = regexp.MustCompile(`^\d{1,2}\s+`)
	reBullet     = regexp.MustCompile(`^(?:[-*•·+–—▪◦●○■>]|\d{1,2}[.)]|[a-z][)])\s+`)
	reCheckbox   = regexp.MustCompile(`^(?:\[\s?\]|\(\s?\)|☐|□|❑|⬜)\s*`)
	reChecked    = regexp.MustCompile(`^(?:\[[xX✓✔✗*]\]|\([xX✓✔]\)|☑|☒|✓|✔|✅|\[done\])\s*`)
	reSpeaker    = regexp.MustCompile(`^(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]m)?[\])]?\s*[-–]?\s*)?(?:\*\*)?([A-Za-z][\w.'’-]*(?:\s+(?:[A-Za-z][\w.'’-]*` +
		`|\d{1,3}\b)){0,2})(?:\*\*)?\s*(?:[\[(]\s*\d{1,2}:\d{2}(?::\d{2})?\s*[\])]|\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?)?\s*(?:\*\*)?:(?:\*\*)?\s+(\S.*)$`)
	reIRC      = regexp.MustCompile(`^(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?[\])]?\s*)?<([\w.'-]+)>\s+(\S.*)$`)
	reLabel    = regexp.MustCompile(`^([A-Za-z][\w '’/&-]{0,40}?)\s*:\s*(.*)$`)
	reGreeting = regexp.MustCompile(`(?i)^(?:hi|hello|hey|dear|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening)|morning` +
		`|afternoon)\b[\s,]*([\p{L}][\p{L}'’.-]*(?:\s+(?:and\s+|&\s+)?[\p{L}][\p{L}'’.-]*){0,3})?\s*[,!:.–—-]*\s*$`)
	reBareName = regexp.MustCompile(`^([\p{Lu}][\p{L}'’-]+(?:\s+[\p{Lu}][\p{L}'’-]+)?)\s*,\s*$`)
	reSignoff  = regexp.MustCompile(`(?i)^(?:thanks|thank you|thanks again|many thanks|thx|tx|ty|best|best wishes|all the best|best regards|kind regards|warm regards|regards|rgds` +
		`|cheers|sincerely|yours|yours truly|warmly|talk soon|take care|love|br|ciao|later` +
		`|speak soon)\b[\s,!.]*(?:-\s*)?([\p{Lu}][\p{L}'’-]*(?:\s+[\p{Lu}][\p{L}'’-]*){0,2})?[\s.!]*$`)
	reHeaderFd = regexp.MustCompile(`(?i)^(?:subject|re|fwd?|from|to|cc|bcc|date|sent)\s*:`)
)

// parseLines decodes the layout of text.
func (a *analyzer) parseLines() {
	text := a.text
	pos := 0
	for pos <= len(text) {
		nl := strings.IndexByte(text[pos:], '\n')
		end := len(text)
		if nl >= 0 {
			end = pos + nl
		}
		a.lines = append(a.lines, a.decodeLine(pos, end))
		if nl < 0 {
			break
		}
		pos = end + 1
	}
	a.detectSpeakers()
	a.detectEmailParts()
	a.tables()
	a.detectHeaders()
}

// bareItemStart: the text after "1 " starts with an action ("pick up…",
// "Call…"), so the number numbers the list; "2 eggs" or "10 AM" keep it.
func bareItemStart(t string) bool {
	w := strings.ToLower(firstField(t))
	return w != "" && baseVerb(strings.Trim(w, ".,:;!?")) != ""
}

func (a *analyzer) decodeLine(ls, le int) line {
	text := a.text
	s, e := ls, le
	for e > s && (text[e-1] == '\r' || text[e-1] == ' ' || text[e-1] == '\t') {
		e--
	}
	ind := 0
	for s < e && (text[s] == ' ' || text[s] == '\t') {
		s++
		ind++
	}
	ln := line{start: s, end: e, indent: ind}
	// "> Hi Ellen, can you…": a quoted line of an earlier message.
	if a.kind == "email" || a.kind == "" {
		for s < e && text[s] == '>' {
			ln.quoted = true
			s++
			for s < e && (text[s] == ' ' || text[s] == '\t') {
				s++
			}
		}
		ln.start = s
	}
	if s >= e || strings.TrimFunc(text[s:e], func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }) == "" {
		ln.blank = true
		return ln
	}
	// "Page 2 of 3", "Budget review — page 1": a page's numbering and
	// running header, printed on it and read by OCR or from a PDF, are no
	// part of what it says.
	if from, whole := a.pageLabel(text[s:e]); whole {
		ln.skip = true
		return ln
	} else if from > 0 {
		s += from // "Page 2 Tom will send the deck": what follows the label
		ln.start = s
	}
	if m := reBullet.FindStringIndex(text[s:e]); m != nil {
		ln.bullet = true
		s += m[1]
	} else if m := reBareNumber.FindStringIndex(text[s:e]); m != nil && (a.kind == "handwritten_ocr" || a.kind == "note") && bareItemStart(text[s+m[1]:e]) {
		// "1 pick up dry cleaning": handwriting and OCR drop the dot of a
		// numbered list.
		ln.bullet = true
		s += m[1]
	}
	if m := reCheckbox.FindStringIndex(text[s:e]); m != nil {
		ln.bullet, ln.check = true, 1
		s += m[1]
	} else if m := reChecked.FindStringIndex(text[s:e]); m != nil {
		ln.bullet, ln.check, ln.done = true, 2, true
		s += m[1]
	}
	ln.start = s
	c := text[s:e]
	if strings.HasPrefix(c, "~~") && strings.HasSuffix(c, "~~") && len(c) > 4 {
		ln.done = true
	}
	lc := gate.LowerASCII(c)
	if hasAnySuffix(lc, doneMarks...) {
		ln.done = true
	}
	return ln
}

var (
	rePageLead  = regexp.MustCompile(`^(?i:page|pg\.?|p\.)\s?\d{1,4}(?:\s*(?i:of|/)\s*\d{1,4})?\b`)
	rePageTail  = regexp.MustCompile(`(\s*[-–—|·•,:]\s*|\s+)(?i:page|pg\.?|p\.)\s?\d{1,4}(?:\s*(?i:of|/)\s*\d{1,4})?$`)
	rePageAlone = regexp.MustCompile(`^(?:[-–—]\s*\d{1,4}\s*[-–—]|\d{1,4}\s+(?i:of)\s+\d{1,4})$`)
	rePageSep   = regexp.MustCompile(`^\s*[-–—|·•:]+\s*`)
)

// pageLabel finds a page's numbering in a line ("Page 2", "Page 2 of 3",
// "- 2 -"), alone or with the running heading printed beside it ("Page 1
// minutes", "Board minutes, page 2 of 4", "Budget review — Page 1"): then
// the whole line is furniture. When a sentence follows the label on its
// line ("Page 2 Tom will send the deck"), from is where it starts. "Page
// Tom", "sign page 2 of the lease" and "Review the contract - page 2" say
// something: the words beside the number must be a heading with no verb
// frame of their own.
func (a *analyzer) pageLabel(c string) (from int, whole bool) {
	if strings.IndexAny(c, "0123456789") < 0 {
		return 0, false // cheap: every label has a number
	}
	t := strings.TrimRight(c, " .")
	if rePageAlone.MatchString(t) {
		return 0, true
	}
	if !hasPageWord(t) {
		return 0, false
	}
	if m := rePageLead.FindStringIndex(t); m != nil {
		off := m[1]
		sep := rePageSep.FindStringIndex(t[off:])
		if sep != nil {
			off += sep[1] // "Page 3 – Action items"
		} else if off < len(t) && t[off] != ' ' && t[off] != '\t' {
			return 0, false
		}
		for off < len(t) && (t[off] == ' ' || t[off] == '\t') {
			off++
		}
		rest := t[off:]
		if rest == "" {
			return 0, true
		}
		if a.frameKind(rest) == fNone {
			return 0, headingWords(rest) // not "Page 2 of the lease is missing"
		}
		if r, _ := utf8.DecodeRuneInString(rest); sep != nil || unicode.IsUpper(r) {
			return off, false // "Page 2 Tom will send the deck"
		}
		return 0, false
	}
	if m := rePageTail.FindStringSubmatchIndex(t); m != nil && m[0] > 0 {
		left := strings.TrimSpace(t[:m[0]])
		if left == "" || len(strings.Fields(left)) > 8 || strings.ContainsAny(left[len(left)-1:], ".?!") {
			return 0, false
		}
		if strings.TrimSpace(t[m[2]:m[3]]) == "" && !labelWords.Has(strings.ToLower(lastField(left))) {
			return 0, false // "sign page 2": the page is what to sign
		}
		return 0, a.frameKind(left) == fNone
	}
	return 0, false
}

// hasPageWord: t has "page", "pg" or "p." somewhere (any case).
func hasPageWord(t string) bool {
	for i := 0; i+1 < len(t); i++ {
		if t[i]|0x20 == 'p' {
			if n := t[i+1]; n|0x20 == 'a' || n|0x20 == 'g' || n == '.' {
				return true
			}
		}
	}
	return false
}

// headingWords: a few words that name a section rather than say something
// ("minutes", "Team sync notes", "(continued)").
func headingWords(s string) bool {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 6 || strings.ContainsAny(s[len(s)-1:], ".?!") {
		return false
	}
	w := strings.ToLower(strings.Trim(f[0], "(),"))
	if labelWords.Has(w) || w == "cont" || w == "cont'd" || w == "contd" || w == "continued" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(f[0])
	return unicode.IsUpper(r) || r == '('
}

// speakerOf returns the speaker name and where the utterance starts, or "".
func (a *analyzer) speakerOf(ln line) (string, int) {
	c := a.text[ln.start:ln.end]
	var name string
	var rest int
	if m := reSpeaker.FindStringSubmatchIndex(c); m != nil {
		name, rest = c[m[2]:m[3]], m[4]
	} else if m := reIRC.FindStringSubmatchIndex(c); m != nil {
		name, rest = c[m[2]:m[3]], m[4]
	} else {
		return "", 0
	}
	name = strings.Trim(name, "*")
	ln2 := strings.ToLower(name)
	if labelWords.Has(ln2) || isLabelPhrase(ln2) || notNames.Has(ln2) {
		return "", 0
	}
	words := strings.Fields(name)
	if len(words) > 1 {
		for _, w := range words[1:] {
			r, _ := utf8.DecodeRuneInString(w)
			if unicode.IsDigit(r) {
				// "Speaker 2:" from a diarised transcript; "Step 2:" is no one.
				if a.kind != "meeting_transcript" && a.kind != "chat" && !speakerWords.Has(strings.ToLower(words[0])) {
					return "", 0
				}
				continue
			}
			if !unicode.IsUpper(r) {
				return "", 0
			}
		}
		if labelWords.Has(strings.ToLower(words[0])) {
			return "", 0
		}
	}
	if dates.IsWeekday(ln2) || dates.IsMonth(ln2) {
		// "Fri: submit the report" is a date; "Sun: I'm blocked…" in a
		// transcript is someone called Sun speaking.
		first := strings.ToLower(firstField(c[rest:]))
		if a.kind != "meeting_transcript" && a.kind != "chat" || !speakerOpeners.Has(strings.Trim(first, ",.!")) {
			return "", 0
		}
	}
	if baseVerb(words[0]) != "" && len(words) > 1 {
		return "", 0 // "email Tara re: venue"
	}
	return name, ln.start + rest
}

// speakerWords name an anonymous speaker before a number ("Speaker 2").
var speakerWords = words("speaker_words")

func isLabelPhrase(l string) bool {
	for _, set := range [][]string{actionSectionWords, shoppingSectionWords, passiveSectionWords} {
		for _, w := range set {
			if l == w {
				return true
			}
		}
	}
	return false
}

// detectSpeakers marks speaker turns. Transcripts and chats always have
// them; other inputs only when several lines clearly alternate speakers.
func (a *analyzer) detectSpeakers() {
	type sp struct {
		i    int
		name string
		at   int
	}
	var found []sp
	names := map[string]int{}
	for i, ln := range a.lines {
		if ln.blank || ln.bullet {
			continue
		}
		if name, at := a.speakerOf(ln); name != "" {
			found = append(found, sp{i, name, at})
			names[strings.ToLower(name)]++
		}
	}
	switch a.kind {
	case "meeting_transcript", "chat":
	case "":
		if len(found) < 2 || len(names) < 2 {
			return
		}
	default:
		if len(found) < 3 || len(names) < 2 {
			return
		}
		repeat := false
		for _, n := range names {
			if n > 1 {
				repeat = true
			}
		}
		if !repeat {
			return
		}
	}
	for _, f := range found {
		a.lines[f.i].speaker = f.name
		a.lines[f.i].start = f.at
		a.speakers[strings.ToLower(f.name)] = f.name
	}
}

// detectEmailParts finds the greeting (whose name is the addressee of
// "you"), sign-off and signature (the sender, who is "I").
func (a *analyzer) detectEmailParts() {
	if a.kind == "meeting_transcript" || a.kind == "chat" || len(a.speakers) > 0 {
		return
	}
	a.readGreeting()
	// A reply quotes the earlier message below an "On … wrote:" line or in
	// "> " lines: the reply's own sign-off comes before it.
	end := a.quoteStart()
	if end < len(a.lines) {
		a.readQuote(end)
	}
	a.readSignOff(end)
}

// readGreeting reads the header fields ("To: Dana") and the greeting
// ("Hi Dana,", "Dana,") among the first lines; a group greeted ("Team,")
// is nobody in particular.
func (a *analyzer) readGreeting() {
	seen := 0
	for i := range a.lines {
		ln := &a.lines[i]
		if ln.blank {
			continue
		}
		c := a.text[ln.start:ln.end]
		if reHeaderFd.MatchString(c) && seen < 8 {
			ln.skip = true
			if strings.HasPrefix(gate.LowerASCII(c), "to:") {
				if n := strings.TrimSpace(c[3:]); n != "" && !strings.ContainsAny(n, ",;") && !strings.Contains(n, "@") {
					a.addressee = firstName(n)
				}
			}
			continue
		}
		seen++
		if seen > 3 {
			break
		}
		if m := reGreeting.FindStringSubmatch(c); m != nil && len(c) < 60 {
			ln.skip, ln.greeting = true, true
			a.greeted = true
			a.addressee = ""
			if n := strings.TrimSpace(m[1]); n != "" && !isGroup(n) {
				a.addressee = n
			}
			break
		}
		if m := reBareName.FindStringSubmatch(c); m != nil && (!notNames.Has(strings.ToLower(m[1])) || isGroup(m[1])) {
			ln.skip, ln.greeting = true, true
			a.greeted = true
			if !isGroup(m[1]) {
				a.addressee = m[1] // "Team," greets a group: nobody in particular
			}
			break
		}
	}
}

// quoteStart is the first line of a quoted earlier message (an "On …
// wrote:" line or "> " lines) after the first line, or len(a.lines).
func (a *analyzer) quoteStart() int {
	end := len(a.lines)
	for i := range a.lines {
		ln := &a.lines[i]
		if ln.blank {
			continue
		}
		if c := a.text[ln.start:ln.end]; ln.quoted || reQuoteHead.MatchString(c) {
			if i > 0 {
				end = i
			}
			break
		}
	}
	return end
}

// readSignOff reads the sign-off ("Thanks, Sam") and the signature below it
// among the last lines before end: the sender.
func (a *analyzer) readSignOff(end int) {
	last := -1
	for i := end - 1; i >= 0 && i >= end-6; i-- {
		ln := &a.lines[i]
		if ln.blank {
			continue
		}
		c := a.text[ln.start:ln.end]
		if m := reSignoff.FindStringSubmatch(c); m != nil && len(c) < 50 {
			ln.skip = true
			if m[1] != "" {
				a.sender = m[1]
			} else if last >= 0 {
				if n := a.text[a.lines[last].start:a.lines[last].end]; looksLikeName(n) {
					a.sender = strings.TrimSpace(n)
				}
			}
			for j := i + 1; j < len(a.lines); j++ {
				if !a.lines[j].blank && looksLikeName(a.text[a.lines[j].start:a.lines[j].end]) {
					a.lines[j].skip = true
				}
			}
			break
		}
		if last < 0 {
			last = i
			if (a.greeted || a.kind == "email") && looksLikeName(c) && i > 0 {
				ln.skip = true
				a.sender = strings.TrimRight(strings.TrimSpace(c), ".")
			}
		}
	}
}

var reQuoteHead = regexp.MustCompile(`(?i)^(?:on\s.{4,200}\swrote:\s*$|-{2,}\s*(?:original message|forwarded message)\s*-{2,}\s*$)`)

// readQuote marks the lines of the quoted message from line i on and reads
// who wrote it to whom: its own greeting is its "you", its sign-off or its
// "On … Rob Chen <…> wrote:" line its "I".
func (a *analyzer) readQuote(i int) {
	a.quoteFrom = i
	for j := i; j < len(a.lines); j++ {
		ln := &a.lines[j]
		ln.quoted = true
		if ln.blank {
			continue
		}
		c := a.text[ln.start:ln.end]
		if m := reQuoteHead.FindStringIndex(c); m != nil {
			ln.skip = true
			if n := reWroteName.FindStringSubmatch(c); n != nil {
				a.quoteSender = firstName(strings.TrimSpace(n[1]))
			}
			continue
		}
		if reHeaderFd.MatchString(c) {
			ln.skip = true
			continue
		}
		if a.quoteAddressee == "" {
			if m := reGreeting.FindStringSubmatch(c); m != nil && len(c) < 60 {
				ln.skip, ln.greeting = true, true
				if n := strings.TrimSpace(m[1]); n != "" && !isGroup(n) {
					a.quoteAddressee = n
				}
				continue
			}
			// "Hi Ellen, can you sign…": a greeting that runs into the ask.
			if m := reGreetLead.FindStringSubmatch(c); m != nil && !isGroup(m[1]) {
				a.quoteAddressee = m[1]
			}
		}
	}
}

var (
	reWroteName = regexp.MustCompile(`(?i)\d(?::\d\d)?\s*(?:am|pm)?,?\s+([\p{L}][\p{L}'’.-]*(?:\s+[\p{L}][\p{L}'’.-]*)?)\s*(?:<[^>]*>)?\s*wrote:\s*$`)
	reGreetLead = regexp.MustCompile(`^(?i:hi|hello|hey|dear)\s+([\p{Lu}][\p{L}'’-]*),`)
)

func isGroup(n string) bool {
	l := strings.ToLower(strings.TrimSpace(n))
	if groupNames.Has(l) {
		return true
	}
	if strings.Contains(l, " and ") || strings.Contains(l, "&") || strings.Contains(l, ",") {
		return true
	}
	f := strings.Fields(l)
	if len(f) > 0 && (groupNames.Has(f[0]) || f[0] == "all" || f[len(f)-1] == "team" || f[len(f)-1] == "all") {
		return true
	}
	return false
}

func firstName(n string) string {
	n = strings.TrimSpace(n)
	if i := strings.IndexAny(n, "<("); i > 0 {
		n = strings.TrimSpace(n[:i])
	}
	return n
}

// looksLikeName: one to three capitalised words and nothing else.
func looksLikeName(s string) bool {
	s = strings.TrimRight(strings.TrimSpace(s), ".")
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 3 {
		return false
	}
	for _, w := range f {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			return false
		}
		for _, r := range w {
			if !unicode.IsLetter(r) && r != '-' && r != '\'' && r != '.' {
				return false
			}
		}
	}
	return !notNames.Has(strings.ToLower(f[0])) || strings.EqualFold(f[0], "team")
}

// detectHeaders finds section headers and inline labels.
func (a *analyzer) detectHeaders() {
	for i := range a.lines {
		ln := &a.lines[i]
		if ln.blank || ln.skip || ln.speaker != "" {
			continue
		}
		c := strings.TrimSpace(a.text[ln.start:ln.end])
		c = strings.Trim(c, "*#_ ")
		words := strings.Fields(c)
		if len(words) == 0 {
			continue
		}
		if a.colonHeader(ln, c, words) {
			continue
		}
		// "Jordan will prepare the audit checklist by Friday." says who
		// does what: a sentence, not a heading, whatever words it holds.
		sentence := func() bool {
			return a.saysWhoActs(unit{start: ln.start, end: ln.end, line: i}, a.text[ln.start:ln.end])
		}
		if !ln.bullet && len(words) <= 6 && a.bareHeader(i, c, words, sentence) {
			continue
		}
		if !ln.bullet && strings.Contains(strings.ToLower(c), "checklist") && len(words) <= 14 && !sentence() {
			ln.header, ln.label, ln.labelKind = true, c, secAction
			continue
		}
		a.inlineLabel(ln)
	}
}

// colonHeader reads a short line ending in a colon ("Action items:",
// "Friday:") as a header; a list item is one only when its label names a
// kind of section.
func (a *analyzer) colonHeader(ln *line, c string, words []string) bool {
	if !strings.HasSuffix(c, ":") || len(words) > 6 {
		return false
	}
	label := strings.TrimSpace(strings.TrimSuffix(c, ":"))
	if ln.bullet && a.classifyLabel(label) == secNeutral {
		return false
	}
	ln.header = true
	ln.label = label
	ln.labelKind = a.classifyLabel(label)
	ln.labelDate = a.headerDate(label, true)
	if ln.labelDate != nil && ln.labelKind == secNone {
		ln.labelKind = secAction
	}
	return true
}

// bareHeader reads a short line i without a colon as a header when it
// names a kind of section, a date, or heads a list — and is no sentence.
// It says true when the line is decided (a header, or the second half of a
// wrapped item).
func (a *analyzer) bareHeader(i int, c string, words []string, sentence func() bool) bool {
	ln := &a.lines[i]
	lc := strings.ToLower(strings.Trim(c, ".!-–— "))
	kind := a.classifyLabel(lc)
	if kind == secShopping && !isLabelPhrase(lc) {
		kind = secNone // "buy coffee" is an item, not a "Buy" header
	}
	if a.continuesPrev(i) {
		return true // the second half of a wrapped item ("email Sue the / photos")
	}
	nextItem := false
	for j := i + 1; j < len(a.lines); j++ {
		if a.lines[j].blank {
			continue
		}
		nextItem = a.lines[j].bullet
		break
	}
	d := a.headerDate(c, false)
	isDate := a.wholeDate(c) != nil
	// A passive heading standing alone on its line ("Decisions" after
	// a blank line) heads the prose below it too.
	alone := kind == secPassive && (i == 0 || a.lines[i-1].blank) && slices.Contains(passiveSectionWords, lc)
	if (kind == secAction || kind == secShopping || (kind == secPassive && (nextItem || alone)) || isDate || (nextItem && len(words) <= 4 && !strings.ContainsAny(c, ".!?,"))) && !sentence() {
		if kind == secNone {
			kind = secNeutral
		}
		if strings.Contains(lc, "checklist") || strings.Contains(lc, "to do") || strings.Contains(lc, "todo") {
			kind = secAction
		}
		ln.header, ln.label, ln.labelKind, ln.labelDate = true, c, kind, d
		return true
	}
	return false
}

// inlineLabel reads a label before the text of a line: "Actions: Karen to
// …", "Decisions: …", "Fri: call mom".
func (a *analyzer) inlineLabel(ln *line) {
	m := reLabel.FindStringSubmatchIndex(a.text[ln.start:ln.end])
	if m == nil {
		return
	}
	label := a.text[ln.start+m[2] : ln.start+m[3]]
	kind := a.classifyLabel(strings.ToLower(strings.TrimSpace(label)))
	d := a.headerDate(label, true)
	if kind != secNone || a.wholeDate(label) != nil || labelWords.Has(strings.ToLower(strings.TrimSpace(label))) {
		ln.label, ln.labelKind, ln.labelDate = label, kind, d
		if kind == secNone && d != nil {
			ln.labelKind = secAction
		}
		ln.start += m[4]
	}
}

// continuesPrev: line i follows, without a blank, a line that ends
// mid-phrase ("email Sue the").
func (a *analyzer) continuesPrev(i int) bool {
	if i == 0 || a.lines[i-1].blank {
		return false
	}
	p := a.lines[i-1]
	t := strings.TrimSpace(a.text[p.start:p.end])
	return t != "" && (connectorEnd.Has(strings.ToLower(lastField(t))) || strings.HasSuffix(t, ","))
}

// exactOnlyPassive are passive section words that also end the titles of
// documents ("Meeting notes", "Weekly status", "Project update").
var exactOnlyPassive = lines("exact_only_passive")

// classifyLabel says what kind of section a header's text opens.
func (a *analyzer) classifyLabel(label string) int {
	l := strings.ToLower(strings.TrimSpace(label))
	l = strings.Trim(l, "*#:_ ")
	has := func(set []string) bool {
		for _, w := range set {
			if l == w || strings.HasPrefix(l, w+" ") || strings.HasSuffix(l, " "+w) {
				return true
			}
		}
		return false
	}
	// "Notes:" opens notes, but "Meeting notes — Marketing sync" is the
	// title of a document full of actions: these words count only alone.
	passive := has(passiveSectionWords)
	if passive && !slices.Contains(exactOnlyPassive, l) {
		for _, w := range exactOnlyPassive {
			if strings.HasPrefix(l, w+" ") || strings.HasSuffix(l, " "+w) {
				passive = false
				for _, x := range passiveSectionWords {
					if !slices.Contains(exactOnlyPassive, x) && (l == x || strings.HasPrefix(l, x+" ") || strings.HasSuffix(l, " "+x)) {
						passive = true
					}
				}
				break
			}
		}
	}
	switch {
	case passive && !has(actionSectionWords):
		return secPassive
	case has(actionSectionWords):
		return secAction
	case has(shoppingSectionWords):
		return secShopping
	}
	if strings.Contains(l, "checklist") {
		return secAction
	}
	return secNone
}

// headerDate is the due date a header gives its items ("Fri:"): not a
// journal date (today or earlier), and not a vague week unless it is
// clearly a label.
func (a *analyzer) headerDate(label string, colon bool) *dates.Hit {
	if a.knownName(strings.TrimSpace(label)) {
		return nil // "Sun:" is a speaker here, not Sunday
	}
	d := a.wholeDate(label)
	if d == nil {
		return nil
	}
	if !d.Date.After(a.clock.Today()) || d.Past {
		return nil
	}
	if d.WeekAnchor && !colon {
		return nil
	}
	return d
}

// wholeDate returns the date when s is nothing but a date ("Fri", "March 5").
func (a *analyzer) wholeDate(s string) *dates.Hit {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), ":-–—*#"))
	if s == "" || len(s) > 40 {
		return nil
	}
	hits := dates.Find(s, a.clock)
	if len(hits) != 1 || !hits[0].HasDate || hits[0].Ref {
		return nil
	}
	h := hits[0]
	rest := strings.TrimSpace(s[:h.Start] + s[h.End:])
	rest = strings.Trim(rest, " ,.-()")
	if rest != "" && !strings.EqualFold(rest, "due") && !strings.EqualFold(rest, "by") {
		return nil
	}
	return &h
}

// buildUnits groups lines into units.
func (a *analyzer) buildUnits() {
	section, hdr := secNone, ""
	var secDue *dates.Hit
	sawItems := false
	for i := 0; i < len(a.lines); i++ {
		ln := a.lines[i]
		if ln.blank {
			if section != secNone && a.nextIsItem(i) {
				continue
			}
			section, hdr, secDue = secNone, "", nil
			continue
		}
		if ln.skip {
			continue
		}
		if ln.header {
			section, hdr, secDue = ln.labelKind, ln.label, ln.labelDate
			if section == secNone {
				section = secNeutral
			}
			sawItems = false
			continue
		}
		u := unit{start: ln.start, end: ln.end, speaker: ln.speaker, item: ln.bullet, check: ln.check, line: i, done: ln.done}
		if ln.label != "" { // inline label governs this line only
			u.section, u.sectionHdr, u.sectionDue = ln.labelKind, ln.label, ln.labelDate
			if u.sectionDue == nil {
				u.sectionDue = secDue
			}
			if ln.labelKind == secNone && section != secNone {
				u.section, u.sectionHdr = section, hdr
			}
		} else {
			u.section, u.sectionHdr, u.sectionDue = section, hdr, secDue
		}
		if !ln.bullet && ln.speaker == "" && section != secNone && (a.kind == "note" || a.kind == "handwritten_ocr" || a.kind == "") {
			u.item = true // lines of a list written without bullets
		}
		if !ln.bullet && ln.speaker == "" && (a.kind == "handwritten_ocr" || a.kind == "note") && a.isShortLine(ln) {
			u.item = true
		}
		// Continuations.
		for i+1 < len(a.lines) {
			nx := a.lines[i+1]
			if nx.blank || nx.skip || nx.header || nx.bullet || nx.speaker != "" || nx.label != "" {
				break
			}
			if !a.continues(ln, nx, u) {
				break
			}
			i++
			u.end = nx.end
			ln = nx
		}
		// A plain line after a list ends the section.
		if !a.lines[u.line].bullet && section != secNone && ln.label == "" && a.kind != "handwritten_ocr" && a.kind != "note" {
			// Prose right under a passive header ("Decisions", "Notes") stays in
			// it until a blank line: "We will use the auth service" there is a
			// decision, not an action.
			if a.lines[u.line].indent == 0 && (sawItems || u.section != secAction && u.section != secPassive) {
				section, hdr, secDue = secNone, "", nil
				u.section, u.sectionHdr, u.sectionDue = secNone, "", nil
				if a.lines[u.line].label != "" {
					u.section, u.sectionHdr, u.sectionDue = a.lines[u.line].labelKind, a.lines[u.line].label, a.lines[u.line].labelDate
				}
			}
		}
		if a.lines[u.line].bullet {
			sawItems = true
		}
		a.units = append(a.units, u)
	}
}

func (a *analyzer) nextIsItem(i int) bool {
	for j := i + 1; j < len(a.lines); j++ {
		if a.lines[j].blank {
			continue
		}
		return a.lines[j].bullet
	}
	return false
}

func (a *analyzer) isShortLine(ln line) bool {
	return len(strings.Fields(a.text[ln.start:ln.end])) <= 12
}

var connectorEnd = words("connector_end")

var connectorStart = words("connector_start")

// continues says whether next continues the unit ending with cur (a
// wrapped line, an OCR line break) rather than starting something new.
func (a *analyzer) continues(cur, next line, u unit) bool {
	ct := strings.TrimSpace(a.text[cur.start:cur.end])
	nt := strings.TrimSpace(a.text[next.start:next.end])
	if ct == "" || nt == "" {
		return false
	}
	lastWord := strings.ToLower(lastField(ct))
	firstWord := strings.ToLower(strings.Trim(firstField(nt), ",.;:"))
	endsSentence := strings.ContainsAny(ct[len(ct)-1:], ".!?:;")
	if u.item && next.indent > a.lines[u.line].indent && next.indent > 0 {
		return true
	}
	if u.speaker != "" {
		return true // a turn runs until the next speaker
	}
	if endsSentence {
		return false
	}
	r0, _ := utf8.DecodeRuneInString(nt)
	if connectorEnd.Has(strings.Trim(lastWord, ",")) || strings.HasSuffix(ct, ",") || connectorStart.Has(firstWord) && !(u.item && unicode.IsUpper(r0)) {
		return true
	}
	if a.kind == "handwritten_ocr" || a.kind == "note" || u.item {
		return false
	}
	r, _ := utf8.DecodeRuneInString(nt)
	return unicode.IsLower(r) || len(ct) > 60
}

func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

func firstField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// span is a byte range of the input.
type span struct{ start, end int }

// abbreviations never end a sentence; softAbbrev end one only before a
// capital ("… at 2:15 PM. Please arrive …").
var abbreviations = words("abbreviations")

var softAbbrev = words("soft_abbrev")

// sentences splits the unit into sentences.
func (a *analyzer) sentences(u unit) []span {
	text := a.text
	var out []span
	s := u.start
	emit := func(from, to int) {
		for from < to && isSpaceByte(text[from]) {
			from++
		}
		for to > from && isSpaceByte(text[to-1]) {
			to--
		}
		if to <= from {
			return
		}
		// Bound the work on very long runs without punctuation.
		for to-from > maxSentence {
			cut := from + maxSentence
			for cut > from+maxSentence/2 && !isSpaceByte(text[cut]) {
				cut--
			}
			if cut <= from+maxSentence/2 {
				cut = from + maxSentence
				for cut < to && !utf8.RuneStart(text[cut]) {
					cut++
				}
			}
			out = append(out, span{from, cut})
			from = cut
			for from < to && isSpaceByte(text[from]) {
				from++
			}
		}
		if to > from {
			out = append(out, span{from, to})
		}
	}
	for i := u.start; i < u.end; i++ {
		ch := text[i]
		if ch != '.' && ch != '!' && ch != '?' && ch != '\n' {
			continue
		}
		if ch == '\n' {
			// Inside a unit a line break is a sentence break only after
			// a bullet-like or capitalised restart in notes.
			continue
		}
		j := i + 1
		for j < u.end && (text[j] == '.' || text[j] == '!' || text[j] == '?' || text[j] == '"' || text[j] == '\'' || text[j] == ')') {
			j++
		}
		if j < u.end && !isSpaceByte(text[j]) {
			continue
		}
		// "taxes!!! deadline 4/15": in notes, a lower-case word after "!"
		// goes on with the same item.
		if ch == '!' && (a.kind == "note" || a.kind == "handwritten_ocr") && j+1 < u.end && text[j] == ' ' && text[j+1] >= 'a' && text[j+1] <= 'z' {
			continue
		}
		if ch == '.' && j == i+1 {
			w := strings.ToLower(lastWordBefore(text[s:i]))
			if abbreviations.Has(w) || (len(w) == 1 && isLetter(w[0])) {
				continue
			}
			if softAbbrev.Has(w) && !(j+1 < u.end && text[j+1] >= 'A' && text[j+1] <= 'Z') {
				continue
			}
			if w != "" && isDigit(w[len(w)-1]) && j < u.end && j+1 < u.end && isDigit(text[j+1]) {
				continue
			}
		}
		emit(s, j)
		s = j
		i = j - 1
	}
	emit(s, u.end)
	return out
}

const maxSentence = 600

func lastWordBefore(s string) string {
	i := len(s)
	for i > 0 && (isLetter(s[i-1]) || s[i-1] == '.' || isDigit(s[i-1])) {
		i--
	}
	return strings.TrimSuffix(s[i:], ".")
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// speakerOpeners start an utterance in the first person or as a reply.
var speakerOpeners = words("speaker_openers")

// doneMarks end a list item that is already done.
var doneMarks = []string{"(done)", "- done", "✓", "✔", "[done]", "(completed)"}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
