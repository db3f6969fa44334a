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
