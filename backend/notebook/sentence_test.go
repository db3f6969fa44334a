package notebook

import (
	"slices"
	"testing"
)

func TestPassageSentences(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		want     []string
		headings []string
	}{
		{"markdown heading is context, not a sentence",
			"## Hotels\n\nThe nightly hotel limit is 180 euros. Longer stays need approval.",
			[]string{"The nightly hotel limit is 180 euros.", "Longer stays need approval."}, []string{"Hotels", "Hotels"}},
		{"title line glued to its paragraph (PDF layout)",
			"Fire safety\nThe assembly point is the car park across the road. Alarms are tested every\nWednesday at 10:00.",
			[]string{"The assembly point is the car park across the road.", "Alarms are tested every\nWednesday at 10:00."}, []string{"Fire safety", "Fire safety"}},
		{"running title and page number",
			"Harbor Lane Office Handbook\n\nLaptops are replaced every four years.\n\nPage 3 of 4",
			[]string{"Laptops are replaced every four years."}, []string{"Harbor Lane Office Handbook"}},
		{"bare page number line",
			"Passwords must be long.\n12",
			[]string{"Passwords must be long."}, []string{""}},
		{"a wrapped line is not a heading",
			"Lost badges are replaced by reception for a fee of\n15 pounds.",
			[]string{"Lost badges are replaced by reception for a fee of\n15 pounds."}, []string{""}},
		{"label line states something",
			"Attendees: Priya Natarajan (chair), Jonas Weber\n\nThe team agreed.",
			[]string{"Attendees: Priya Natarajan (chair), Jonas Weber", "The team agreed."}, []string{"", ""}},
		{"list bullets dropped",
			"## Timeline\n\n- 09:05 The change was deployed.\n- 09:59 It was rolled back.",
			[]string{"09:05 The change was deployed.", "09:59 It was rolled back."}, []string{"Timeline", "Timeline"}},
		{"label lines are statements of their own",
			"Subject: Weekend handover\nFrom: Noor Haddad\nTo: Weekend rota",
			[]string{"Subject: Weekend handover", "From: Noor Haddad", "To: Weekend rota"}, []string{"", "", ""}},
		{"markdown heading with a colon",
			"# Postmortem: checkout outage\n\nThe outage lasted 47 minutes.",
			[]string{"The outage lasted 47 minutes."}, []string{"Postmortem: checkout outage"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got, heads []string
			for _, s := range passageSentences(tc.text) {
				got = append(got, tc.text[s.start:s.end])
				heads = append(heads, s.heading)
			}
			if !slices.Equal(got, tc.want) || !slices.Equal(heads, tc.headings) {
				t.Errorf("got %q under %q\nwant %q under %q", got, heads, tc.want, tc.headings)
			}
		})
	}
}

func TestQuestionKind(t *testing.T) {
	tests := []struct {
		q    string
		kind factKind
		drop string
	}{
		{"How long did the outage last?", durationFact, "long"},
		{"How many orders failed?", quantityFact, "many"},
		{"How much is the deposit?", quantityFact, "much"},
		{"Within how many days must claims be sent?", quantityFact, "many"},
		{"When does the lease start?", dateFact, ""},
		{"By when must Carol review it?", dateFact, ""},
		{"Who was on call?", personFact, ""},
		{"Where is the assembly point?", placeFact, ""},
		{"Why was the mode postponed?", reasonFact, ""},
		{"What caused the outage?", reasonFact, ""},
		{"How often are laptops replaced?", frequencyFact, "often"},
		{"Is alcohol reimbursed?", anyFact, ""},
		{"What is the long-term plan, and when?", anyFact, ""},
	}
	for _, tc := range tests {
		kind, drop := questionKind(tc.q)
		if kind != tc.kind || (tc.drop != "" && !drop[tc.drop]) {
			t.Errorf("%q: kind %d drop %v, want %d dropping %q", tc.q, kind, drop, tc.kind, tc.drop)
		}
	}
}

func TestStates(t *testing.T) {
	tests := []struct {
		kind factKind
		s    string
		want bool
	}{
		{durationFact, "The outage lasted 47 minutes.", true},
		{durationFact, "Postmortem: checkout outage.", false},
		{quantityFact, "About 3,200 orders failed.", true},
		{quantityFact, "Orders failed.", false},
		{dateFact, "Carol must review the contract by 12 May.", true},
		{dateFact, "Business class may be booked.", false},
		{dateFact, "Fire alarms are tested every Wednesday at 10:00.", true},
		{personFact, "Aiko Tanaka will prepare the release notes.", true},
		{personFact, "The release notes are ready.", false},
		{placeFact, "The defibrillator hangs beside the lifts.", true},
		{reasonFact, "It was postponed because testing found conflicts.", true},
		{frequencyFact, "Laptops are replaced every four years.", true},
	}
	for _, tc := range tests {
		if got := states(tc.kind, tc.s) > 0; got != tc.want {
			t.Errorf("states(%d, %q) = %v, want %v", tc.kind, tc.s, got, tc.want)
		}
	}
}

func TestMatchTermJoinsWordForms(t *testing.T) {
	for _, pair := range [][2]string{{"replacement", "replaced"}, {"badge", "badges"}, {"effective", "effect"}, {"require", "required"}, {"nightly", "night"}} {
		if a, b := matchTerm(stem(pair[0])), matchTerm(stem(pair[1])); a != b {
			t.Errorf("%s → %s, %s → %s", pair[0], a, pair[1], b)
		}
	}
}
