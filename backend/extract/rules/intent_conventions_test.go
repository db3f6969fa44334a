package rules

import (
	"testing"
	"time"
)

// The request detector learned from real mail, where reminders, hand-offs
// and bare instructions are rarer than requests. In our conventions they
// are tasks all the same, so whatever the rules find in these emails must
// survive the detector.
func TestDetectorKeepsConventionalTasks(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, s := range []string{
		"Send me the final numbers by Friday.",
		"Kim, book the meeting room for Tuesday.",
		"Remember to submit your timesheet by EOD.",
		"Don't forget to renew the domain before it expires on the 15th.",
		"Priya will draft the press release.",
		"Update the roadmap doc before the offsite.",
		"Make sure the invoices go out today.",
		"We need to finalize the slides before the client call.",
		"Please review the attached and sign where indicated.",
		"Kindly confirm your attendance by Wednesday.",
		"Action items: Joe to fix the login bug; Ana to email the vendor.",
		"Reminder: team lunch Friday at noon.",
		"I'll send the revised quote tomorrow.",
		"I will look into the billing error.",
		"Marco is going to chase the supplier about the late delivery.",
		"The quarterly report is due on the 20th.",
		"Print the handouts for Monday's workshop.",
		"Could you take a look at the attached contract and let me know your thoughts?",
	} {
		text := "Hi all,\n" + s + "\nThanks,\nBo"
		rules := extract(text, Options{Now: now, Kind: "email"}, false)
		with := Extract(text, Options{Now: now, Kind: "email"})
		if len(rules) == 0 {
			t.Errorf("%q: the rules find nothing (test sentence needs a rule)", s)
			continue
		}
		if len(with) < len(rules) {
			t.Errorf("%q: the detector dropped %d of the rules' %d task(s)", s, len(rules)-len(with), len(rules))
		}
	}
}

// Nor does it add what the rules left out on purpose: boilerplate,
// conditions, pleasantries, what already happened.
func TestDetectorRespectsTheRulesFilters(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, s := range []string{
		"Let me know if you have any questions.",
		"If you travelled, attach your receipts.",
		"Hope you had a great weekend.",
		"We shipped version 2.3 last week.",
		"The workshop on Thursday is cancelled.",
		"Sarah already sent the invoice.",
		// Where someone will be is news, not an ask.
		"I shall be in the office on Thursday afternoon.",
		"I'm on the road until Wednesday evening.",
		"We will be travelling all of next week.",
		"I am going to Chicago tomorrow on business.",
		"If you have any questions, let me know.",
	} {
		if ts := Extract("Hi all,\n"+s+"\nThanks,\nBo", Options{Now: now, Kind: "email"}); len(ts) != 0 {
			t.Errorf("%q: got %+v", s, ts)
		}
	}
}

// Praise is not an instruction ("Great work on the launch" is not "work on
// the launch").
func TestPraiseIsNotATask(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, kind := range []string{"email", "chat", "note", ""} {
		for _, s := range []string{"Great work on the launch, everyone!", "Nice job on the demo.", "Well done on the release, team.", "Kudos to Ana for fixing the build."} {
			if ts := Extract(s, Options{Now: now, Kind: kind}); len(ts) != 0 {
				t.Errorf("%s %q: got %+v", kind, s, ts)
			}
		}
	}
	// Work still gets done: "Work on the launch plan tomorrow" is a task.
	if ts := Extract("Work on the launch plan tomorrow.", Options{Now: now, Kind: "note"}); len(ts) != 1 {
		t.Errorf("instruction lost: %+v", ts)
	}
}
