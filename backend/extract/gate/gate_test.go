package gate

import (
	"regexp"
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
		g := MustCompile(p)
		re := regexp.MustCompile(p)
		for _, in := range inputs {
			if g.MatchString(in) != re.MatchString(in) {
				t.Errorf("%q on %q: gate %v, matcher %v (lits %q)", p, in, g.MatchString(in), re.MatchString(in), g.lits)
			}
		}
	}
	if g := MustCompile(`\b(?:already|all (?:sorted|set))\b`); len(g.lits) == 0 {
		t.Fatal("phrase list got no gate")
	}
	if g := MustCompile(`(?i)\bcase\b`); !g.fold || !g.MatchString("In CASE of") || g.MatchString("cas") || !g.MatchString("caſe") == MustCompile(`(?i)\bcase\b`).MatchString("caſe") {
		t.Fatalf("case-folded gate: %+v", g)
	}
	if g := MustCompile(`\b(?:a|b)?c`); g.lits != nil && !g.MayMatch("c") {
		t.Fatal("optional prefix must not gate out a bare match")
	}
}

func TestGateRequiredLiterals(t *testing.T) {
	for p, want := range map[string]string{
		`,?\s+but\s+`:             "but",
		`\s*;\s+`:                 ";",
		`,\s+and\s+(?:also\s+)?x`: "and",
	} {
		g := MustCompile(p)
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
