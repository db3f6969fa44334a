package rules

import (
	"bufio"
	_ "embed"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"sentry/backend/extract/gate"
)

// The request detector: a logistic model over the words and word pairs of one
// sentence, learned from labelled email sentences (see intent_model.txt for
// where they come from and TestTrainIntent for how it is trained). It backs up
// the hand-written rules in emails, where requests come in more shapes than
// rules can list ("Are you available that date?", "An e-mail on major
// developments would be helpful."). The rules still decide the title,
// assignee and date; the detector only answers "does this sentence ask or
// propose something?".

//go:embed intent_model.txt
var intentModelText string

// intentModel is a sparse logistic model.
type intentModel struct {
	bias      float64
	threshold float64 // at or above: the rules' request is confirmed
	add       float64 // at or above: a sentence the rules passed over becomes a task
	w         map[string]float64
}

var (
	intentOnce sync.Once
	intentM    *intentModel
)

// intentDetector returns the embedded model, parsed once (or the one a
// training run is trying).
func intentDetector() *intentModel {
	if intentTrial != nil {
		return intentTrial
	}
	intentOnce.Do(func() { intentM = parseIntentModel(intentModelText) })
	return intentM
}

// intentTrial replaces the embedded model while training chooses thresholds.
var intentTrial *intentModel

// parseIntentModel reads "# comment", "bias V", "threshold V" and
// "feature<TAB>weight" lines ("add_threshold V" too; it defaults to the
// threshold). A malformed line is skipped: the model is part of
// the binary, so this only guards against a bad edit.
func parseIntentModel(s string) *intentModel {
	m := &intentModel{threshold: 0.5, add: -1, w: map[string]float64{}}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			continue
		}
		switch k {
		case "bias":
			m.bias = f
		case "threshold":
			m.threshold = f
		case "add_threshold":
			m.add = f
		default:
			m.w[k] = f
		}
	}
	if m.add < 0 {
		m.add = m.threshold
	}
	return m
}

// prob is the probability that the sentence carries a request or proposal.
// rule describes what the rules found in it (ruleFeatures).
func (m *intentModel) prob(sentence string, rule []string) float64 {
	z := m.bias
	for _, f := range intentFeatures(sentence, rule) {
		z += m.w[f]
	}
	return 1 / (1 + math.Exp(-z))
}

// intentFeatures turns a sentence into the model's features: its words, word
// pairs (with the sentence start and end as words, so "^ please" and
// "? $" count), its length band and what the rules found.
func intentFeatures(sentence string, rule []string) []string {
	toks := intentTokens(sentence)
	out := make([]string, 0, 2*len(toks)+4)
	prev, prev2 := "^", ""
	for _, t := range toks {
		out = append(out, "w:"+t, "b:"+prev+"_"+t)
		if prev2 != "" {
			out = append(out, "t:"+prev2+"_"+prev+"_"+t)
		}
		prev2, prev = prev, t
	}
	out = append(out, "b:"+prev+"_$")
	n := len(toks)
	switch {
	case n <= 3:
		out = append(out, "len:1")
	case n <= 7:
		out = append(out, "len:2")
	case n <= 15:
		out = append(out, "len:3")
	case n <= 30:
		out = append(out, "len:4")
	default:
		out = append(out, "len:5")
	}
	return append(out, rule...)
}

// ruleFeatures describes the rules' findings in a sentence for the detector.
func ruleFeatures(cs []*candidate) []string {
	if len(cs) == 0 {
		return nil
	}
	out := []string{"rule"}
	for _, c := range cs {
		out = append(out, "rule:"+c.typ)
		if c.due != nil {
			out = append(out, "rule:due")
		}
		if c.you {
			out = append(out, "rule:you")
		}
		if c.weak {
			out = append(out, "rule:weak")
		}
	}
	return out
}

// intentTokens lower-cases and splits a sentence into words; numbers become
// "0", links "<url>", addresses "<email>"; "?" is kept as a word.
func intentTokens(s string) []string {
	var toks []string
	for _, f := range strings.Fields(s) {
		lf := strings.ToLower(f)
		switch {
		case strings.Contains(lf, "$link") || strings.HasPrefix(lf, "http") || strings.HasPrefix(lf, "www."):
			toks = append(toks, "<url>")
			continue
		case strings.Contains(lf, "@") && strings.Contains(lf, "."):
			toks = append(toks, "<email>")
			continue
		}
		var b strings.Builder
		flush := func() {
			if b.Len() > 0 {
				toks = append(toks, b.String())
				b.Reset()
			}
		}
		for _, r := range lf {
			switch {
			case r >= 'a' && r <= 'z', r == '\'' && b.Len() > 0:
				b.WriteRune(r)
			case r == '’' && b.Len() > 0:
				b.WriteByte('\'')
			case r >= '0' && r <= '9':
				if s := b.String(); s != "0" && !strings.HasSuffix(s, "0") {
					flush()
					b.WriteByte('0')
				}
			case r == '?':
				flush()
				toks = append(toks, "?")
			case r > 127 && (r >= 'à' && r <= 'ÿ'):
				b.WriteRune(r)
			default:
				flush()
			}
		}
		flush()
	}
	return toks
}

var (
	reIntentLead = regexp.MustCompile(`(?i)^(?:(?:fyi|ps|p\.s\.|also|and|so|but|ok|okay|hi|hello|hey|thanks|dear)\b[.,:!]*\s*)+`)
	reIntentAsk  = regexp.MustCompile(`(?i)^(?:(?:can|could|would|will)\s+(?:you|u)\s+(?:(?:please|kindly|instead|also|just|still)\s+)*|would you mind\s+|do you mind\s+|please\s+|pls\s+|kindly\s+)`)
)

// checkIntent lets the detector add a request the rules missed in an email
// sentence. It never removes what the rules found: it learned from real
// mail, where reminders, hand-offs, bare instructions and commitments are
// labelled "no request", while by our conventions they are tasks
// (TestDetectorKeepsConventionalTasks).
func (a *analyzer) checkIntent(ui int, u unit, s span, idx int, cs []*candidate) []*candidate {
	if len(cs) > 0 {
		return cs
	}
	if c := a.detectedRequest(ui, u, s, idx); c != nil {
		return []*candidate{c}
	}
	return nil
}

// detectedRequest makes a task of a sentence the rules passed over but the
// request detector recognises. Its title is the sentence itself, trimmed of
// greetings and politeness; the confidence stays low so it sorts below the
// rules' findings and the review list shows it as a suggestion.
func (a *analyzer) detectedRequest(ui int, u unit, s span, idx int) *candidate {
	raw := a.text[s.start:s.end]
	if len(strings.Fields(raw)) < 3 || len(raw) > 600 {
		return nil
	}
	if strings.HasSuffix(strings.TrimSpace(raw), ":") && reListIntro.MatchString(gate.LowerASCII(raw)) {
		return nil // "As discussed, here are the next steps:" introduces a list
	}
	l := gate.LowerASCII(raw)
	if reHypo.MatchString(l) || reCancel.MatchString(l) || reIntentClosing.MatchString(l) || reCondHead.MatchString(l) && reBoiler.MatchString(l) {
		return nil // the rules' filters stand
	}
	for _, sg := range a.signals {
		switch sg {
		case "sig:cond", "sig:boiler", "sig:filtered", "sig:past":
			// A condition, boilerplate ("let me know if you have any
			// questions"), a pleasantry or what already happened: the rules
			// looked and said no on purpose.
			return nil
		}
	}
	// "I shall be in the office tomorrow", "I'm on the road until
	// Thursday": where someone will be is news, not an ask, unless it
	// turns to the reader ("…if you want to talk").
	if rePresence.MatchString(strings.TrimLeft(reIntentLead.ReplaceAllString(l, ""), " ")) && !reYouWord.MatchString(l) {
		return nil
	}
	p := intentDetector().prob(raw, a.signals)
	if p < intentDetector().add {
		return nil
	}
	// The date goes to the due field, not the title ("Confirm by 1 June").
	t := tidy(removeSpans(raw, 0, len(raw), a.datesOf(s), true))
	// "Chris, as per our discussion, …": drop a leading greeting name.
	if i := strings.Index(t, ", "); i > 0 && i < 24 && looksLikeName(t[:i]) {
		t = t[i+2:]
	}
	t = reIntentLead.ReplaceAllString(t, "")
	// "If you are free Thursday, could we…": the ask follows the condition.
	if reCondHead.MatchString(gate.LowerASCII(t)) {
		if i := strings.Index(t, ", "); i > 0 && len(strings.Fields(t[i+2:])) >= 3 {
			t = t[i+2:]
		}
	}
	ask := reIntentAsk.FindStringIndex(t)
	if ask != nil {
		t = t[ask[1]:]
	}
	t = capitalise(trimDangling(limitWords(cutTail(t), 12)))
	if t == "" {
		return nil
	}
	c := &candidate{typ: TypeTask, title: t, conf: 0.3 + 0.3*(p-0.5), sent: s, unit: ui, speaker: u.speaker, sentIdx: idx,
		desc: collapse(raw)}
	// A request in an email is asked of its reader.
	c.you = true
	c.due = a.pickDue(u, raw, a.datesOf(s))
	return c
}

var (
	reListIntro = regexp.MustCompile(`^(?:[^,]{0,40},\s*)?(?:here(?:'s| is| are)|below (?:is|are)|these are|the following (?:is|are))\b`)
	rePresence  = regexp.MustCompile(`^(?:i|we|he|she|they)(?:'ll be|’ll be| will be| shall be|'m| am|'re| are| will| shall)\s+(?:\w+ly\s+|still\s+|also\s+)?(?:at|in|on the road` +
		`|on vacation|on leave|out|away|off|back|travell?ing|flying|driving|leaving|returning|heading|headed|gone)\b`)
	reYouWord       = regexp.MustCompile(`\b(?:you|your|u|we can|we could|we should|let's|lets)\b|\?`)
	reIntentClosing = regexp.MustCompile(`^(?:have a (?:good|great|nice|lovely|wonderful)|enjoy|thanks|thank you|regards|best|cheers|talk (?:to you )?soon|see you)\b`)
)
