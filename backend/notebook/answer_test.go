package notebook

import (
	"strings"
	"testing"

	"sentry/backend/core"
)

// A model's reply cites passages; the sentence each claim comes from is
// marked, so the passage panel shows that sentence and not the passage.
func TestMarkQuotes(t *testing.T) {
	text := "Budget\nAlice sends the budget on Friday. Carol must review the contract by 12 May. The office is closed on Monday."
	const start = 500
	tests := []struct {
		name  string
		reply string
		want  []string
	}{
		{"one claim", "Carol reviews the contract by 12 May [1].", []string{"Carol must review the contract by 12 May."}},
		{"two claims in reading order", "The office is closed on Monday [1]. Alice sends the budget on Friday [1].",
			[]string{"Alice sends the budget on Friday.", "The office is closed on Monday."}},
		{"a claim with nothing in common marks nothing", "It depends on the weather [1].", nil},
		{"no marker of this passage", "Carol reviews it [2].", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cites := []core.Citation{{N: 1, Text: text, Start: start, End: start + len(text)}}
			markQuotes(tc.reply, cites)
			var got []string
			for _, q := range cites[0].Quotes {
				got = append(got, text[q.Start-start:q.End-start])
			}
			if len(got) != len(tc.want) {
				t.Fatalf("marked %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("marked %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestPointsBack(t *testing.T) {
	for s, want := range map[string]bool{"He is the on-call engineer.": true, "This takes a day.": true, "Their plan, however.": true,
		"Daniel is on call.": false, "The team agreed.": false, "Hello there.": false} {
		if pointsBack(s) != want {
			t.Errorf("pointsBack(%q) = %v", s, !want)
		}
	}
	text := "## Escalations\n\nPage Daniel for sign-in trouble. He is on call until Monday.\n\n## Other\n\nIt rains."
	he := strings.Index(text, "He is")
	if prev, ok := previousSentence(text, he); !ok || text[prev.start:prev.end] != "Page Daniel for sign-in trouble." {
		t.Errorf("previous sentence of %q: %v %q", text[he:], ok, text[prev.start:prev.end])
	}
	if _, ok := previousSentence(text, strings.Index(text, "It rains")); ok {
		t.Error("the previous sentence crossed into another section")
	}
}

// TestSpeaksOfOther: a question whose answer sentence is about something
// else — another number, another kind of the same thing, a thing the
// document never names — is a near miss; one worded differently from
// its answer is not.
func TestSpeaksOfOther(t *testing.T) {
	doc := map[string]bool{}
	for _, s := range []string{"Two backend engineers will be hired before the end of the year.", "The team agreed to ship version 4.2 of the mobile app on 24 November.",
		"Chemical waste is collected every Thursday afternoon.", "Lab coats and safety glasses must be worn.", "The IT helpdesk answers on extension 4400.",
		"Do not issue refunds over 100 euros without approval from the billing lead, Hana Sato.", "Economy class is the standard for flights under six hours.",
		"The tenant may end the lease after the third year by giving six months' written notice."} {
		for _, w := range matchTerms(s) {
			doc[w] = true
		}
	}
	for _, c := range []struct {
		q, sentence string
		near        bool
	}{
		{"How many frontend engineers will be hired?", "Two backend engineers will be hired before the end of the year.", true},
		{"How many backend engineers will be hired?", "Two backend engineers will be hired before the end of the year.", false},
		{"When will version 5.0 of the mobile app ship?", "The team agreed to ship version 4.2 of the mobile app on 24 November.", true},
		{"When will version 4.2 of the mobile app ship?", "The team agreed to ship version 4.2 of the mobile app on 24 November.", false},
		{"When is glass waste collected?", "Chemical waste is collected every Thursday afternoon.", true},
		{"When is chemical waste collected?", "Chemical waste is collected every Thursday afternoon.", false},
		{"What is the payroll helpdesk extension?", "The IT helpdesk answers on extension 4400.", true},
		{"Where is the fire assembly point of the Leeds office?", "The IT helpdesk answers on extension 4400.", true},
		// Worded otherwise: an action, a plain adjective, an adverb.
		{"Who must approve refunds over 100 euros?", "Do not issue refunds over 100 euros without approval from the billing lead, Hana Sato.", false},
		{"Which class is standard for short flights?", "Economy class is the standard for flights under six hours.", false},
		{"How much notice must the tenant give to end the lease early?", "The tenant may end the lease after the third year by giving six months' written notice.", false},
	} {
		got := speaksOfOther(c.q, analyse(c.q), candidate{text: c.sentence}, doc)
		if got != c.near {
			t.Errorf("%q against %q: near miss %v, want %v", c.q, c.sentence, got, c.near)
		}
	}
}
