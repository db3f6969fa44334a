package rules

import (
	"os"
	"strings"
	"testing"

	"sentry/backend/extract/gate"
)

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
		l := gate.LowerASCII(strings.ReplaceAll(text, "’", "'"))
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
			if reGoingThen.MatchString(s) && !tripLeads.Has(leadWord(s)) {
				t.Errorf("trip %q: its first word is not in tripLeads", s)
			}
			if reAnyone.MatchString(s) && !anyoneLeads.Has(leadWord(s)) {
				t.Errorf("open ask %q: its first word is not in anyoneLeads", s)
			}
		}
	}
}
