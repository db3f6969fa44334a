package rules

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestGateAgreesWithMatcher(t *testing.T) {
	pats := []string{
		`\b(?:already|all (?:sorted|set)|is (?:done|finished))\b`,
		`\b(?:cancell?ed|called off|no need (?:to|for))\b`,
		`(?:x|y)+z`,
		`\bfoo\w*bar`,
		`(?i)\bcase\b`,
		`\b(?:a|b)?c`,
		`^(?:please|pls)\s+`,
		`(?i)(?:[\s,]+(?:please|thanks))+\s*$`,
		`(?i)\b(?:is|are) (?:done|sent)\b`,
	}
	inputs := []string{"", "it is done", "all set now", "already", "the trip was cancelled", "cancelled", "canceled",
		"no need for it", "Already", "IT IS DONE", "xyz", "yz", "z", "foobazbar", "CASE", "c", "please go", "pls", "nothing here"}
	for _, p := range pats {
		g := mustGate(p)
		re := regexp.MustCompile(p)
		for _, in := range inputs {
			if g.MatchString(in) != re.MatchString(in) {
				t.Errorf("%q on %q: gate %v, matcher %v (lits %q)", p, in, g.MatchString(in), re.MatchString(in), g.lits)
			}
		}
	}
	if g := mustGate(`\b(?:already|all (?:sorted|set))\b`); len(g.lits) == 0 {
		t.Fatal("phrase list got no gate")
	}
	if g := mustGate(`(?i)\bcase\b`); !g.fold || !g.MatchString("In CASE of") || g.MatchString("cas") || !g.MatchString("caſe") == mustGate(`(?i)\bcase\b`).MatchString("caſe") {
		t.Fatalf("case-folded gate: %+v", g)
	}
	if g := mustGate(`\b(?:a|b)?c`); g.lits != nil && !g.mayMatch("c") {
		t.Fatal("optional prefix must not gate out a bare match")
	}
}

func TestGateRequiredLiterals(t *testing.T) {
	for p, want := range map[string]string{
		`,?\s+but\s+`:             "but",
		`\s*;\s+`:                 ";",
		`,\s+and\s+(?:also\s+)?x`: "and",
	} {
		g := mustGate(p)
		if len(g.lits) != 1 || g.lits[0] != want {
			t.Errorf("%q: lits %q, want [%q]", p, g.lits, want)
		}
		re := regexp.MustCompile(p)
		for _, in := range []string{"a, but b", "a but b", "a; b", "x, and also x", "x, and x", "nothing", "but", ", and"} {
			if g.MatchString(in) != re.MatchString(in) {
				t.Errorf("%q on %q disagrees", p, in)
			}
		}
	}
}

// The first-word tests before rePraise, reMarkers and rePleasant must never
// hide a match: every clause start of every test text and fixture that a
// pattern matches passes its test too.
func TestLeadWordsCoverTheirPatterns(t *testing.T) {
	var texts []string
	for _, f := range []string{"testdata/chat_dm.txt", "testdata/project_doc.txt", "testdata/standup.txt", "testdata/vendor_email.txt", "testdata/weekend_ocr.txt"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	// Every alternative of the three patterns, as a clause would start.
	texts = append(texts, `great work on the launch. well done team. kudos to ana. hats off to bo. bravo.
and also, ok so, oh, yes, yeah, yep, sure, perfect, cool, right, alright, then, plus, btw, fyi, ps, p.s. one more thing: a reminder that
friendly reminder, quick reminder, gentle reminder, just a reminder, reminder: heads-up, just a heads up, this is a reminder of
nb, hey, hi, but, or, additionally, in addition, meanwhile, anyway, finally, lastly, hmm, um, uh, thanks, thank you, sounds good,
agreed, got it, noted, wait, actually, honestly, look, listen, ah, on it, i'm on it, will do,
i'll write more later. i will write back soon. i shall write again tomorrow. will write soon. drive safely. safe travels. travel safe.
hope you are well. i hope so. look forward to it. looking forward to it. see you. talk soon. speak soon. have a great weekend. have fun.
enjoy. get well soon. take care. stay safe. stay tuned. keep up the good work. thanks! thank you. many thanks. congrats! congratulations.
happy birthday. good luck. welcome aboard. cheers. find the attached. see attached. start saving now. find out more. learn more.
discover more. get started. go here. don't miss it. do not miss it.
i'm heading to the site to fix it. we're off to the bank to pay. i'll be back monday and will call. we are flying to oslo to meet them.
off to the store to buy milk. headed home, will call later. i am out today but will send it. we'll be in denver to see the plant.
any volunteers to help? got any takers for the demo? need volunteers to set up. we need volunteers for the fair. looking for takers to run it.
is anyone free to help? anybody available to review? someone able to cover? who's free to pair? does anyone want to join?
who can take notes? who will send it?`)
	for _, text := range texts {
		l := asciiLower(strings.ReplaceAll(text, "’", "'"))
		for i := 0; i < len(l); i++ {
			if i > 0 && l[i-1] != ' ' && l[i-1] != '\n' {
				continue
			}
			s := l[i:]
			if j := strings.IndexAny(s, ".!?\n"); j >= 0 && j+1 < len(s) {
				s = s[:j+1]
			}
			if rePraise.MatchString(s) && !praiseLead(s) {
				t.Errorf("praise %q: its first word is not in praiseWords", s)
			}
			if reMarkers.MatchString(s) && !markerLead(s) {
				t.Errorf("marker %q: its first word is not in markerWords", s)
			}
			if rePleasant.MatchString(s) && !pleasantLead(s) {
				t.Errorf("pleasantry %q: its first word is not in pleasantWords", s)
			}
			if reGoingThen.MatchString(s) && !tripLeads[leadWord(s)] {
				t.Errorf("trip %q: its first word is not in tripLeads", s)
			}
			if reAnyone.MatchString(s) && !anyoneLeads[leadWord(s)] {
				t.Errorf("open ask %q: its first word is not in anyoneLeads", s)
			}
		}
	}
}
