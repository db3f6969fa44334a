package rules

import (
	"strings"
	"testing"
	"time"
)

// want is the part of a Task a rule test checks. Title is compared
// exactly; an empty Due means no due date.
type want struct {
	Title    string
	Assignee string
	Due      string // "2006-01-02", or "2006-01-02 15:04" to check the time too
	Type     string // "" means task
	Priority string
}

var testNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("EST", -5*3600)) // a Monday

func checkTasks(t *testing.T, text, kind string, wants []want) {
	t.Helper()
	got := Extract(text, Options{Now: testNow, Kind: kind})
	if len(got) != len(wants) {
		var titles []string
		for _, g := range got {
			titles = append(titles, g.Title)
		}
		t.Fatalf("got %d tasks %q, want %d", len(got), titles, len(wants))
	}
	for i, w := range wants {
		g := got[i]
		due := ""
		if g.Due != nil {
			due = g.Due.Format("2006-01-02")
			if len(w.Due) > 10 {
				due = g.Due.Format("2006-01-02 15:04")
			}
		}
		typ := w.Type
		if typ == "" {
			typ = TypeTask
		}
		if g.Title != w.Title || g.Assignee != w.Assignee || due != w.Due || g.Type != typ || g.Priority != w.Priority {
			t.Errorf("task %d:\n got  {%q who=%q due=%q %s pri=%q}\n want {%q who=%q due=%q %s pri=%q}",
				i, g.Title, g.Assignee, due, g.Type, g.Priority, w.Title, w.Assignee, w.Due, typ, w.Priority)
		}
		if g.Sentence != text[g.Start:g.End] {
			t.Errorf("task %d: evidence %q is not text[%d:%d]", i, g.Sentence, g.Start, g.End)
		}
		if g.Confidence <= 0 || g.Confidence > 1 {
			t.Errorf("task %d: confidence %v", i, g.Confidence)
		}
	}
}

type ruleCase struct {
	name  string
	kind  string
	text  string
	wants []want
}

func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkTasks(t, tc.text, tc.kind, tc.wants) })
	}
}

func TestCommitments(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "speaker's I'll", kind: "meeting_transcript",
			text:  "Ana: I'll send the budget to finance by Friday.",
			wants: []want{{Title: "Send the budget to finance", Assignee: "Ana", Due: "2026-03-06"}}},
		{name: "I will and let me", kind: "chat",
			text:  "bo: I will update the wiki tomorrow\ncy: let me check the logs tonight",
			wants: []want{{Title: "Update the wiki", Assignee: "bo", Due: "2026-03-03"}, {Title: "Check the logs", Assignee: "cy", Due: "2026-03-02"}}},
		{name: "named subject will", kind: "meeting_transcript",
			text:  "Dee: Omar will prepare the demo environment next week.",
			wants: []want{{Title: "Prepare the demo environment", Assignee: "Omar", Due: "2026-03-13"}}},
		{name: "I can with a date", kind: "meeting_transcript",
			text:  "Eve: I can draft the proposal this week.",
			wants: []want{{Title: "Draft the proposal", Assignee: "Eve", Due: "2026-03-06"}}},
		{name: "I can without a date is ability", kind: "meeting_transcript",
			text: "Eve: I can reproduce the crash on my laptop."},
		{name: "two actions with their own dates", kind: "meeting_transcript",
			text:  "Fay: I'll fix the login bug today and deploy the patch tomorrow.",
			wants: []want{{Title: "Fix the login bug", Assignee: "Fay", Due: "2026-03-02"}, {Title: "Deploy the patch", Assignee: "Fay", Due: "2026-03-03"}}},
		{name: "adding it to my list claims the need", kind: "chat",
			text:  "gil: we need to renew the SSL cert before the 20th\nhal: adding it to my list",
			wants: []want{{Title: "Renew the SSL cert", Assignee: "hal", Due: "2026-03-20", Priority: ""}}},
		{name: "I'll take that one", kind: "meeting_transcript",
			text:  "Ivy: Someone should email the venue about parking.\nJon: I'll take that one.",
			wants: []want{{Title: "Email the venue about parking", Assignee: "Jon"}}},
		{name: "I in a note is nobody", kind: "note",
			text:  "I need to call the bank on Thursday.",
			wants: []want{{Title: "Call the bank", Due: "2026-03-05"}}},
		{name: "I in an email is the sender", kind: "email",
			text:  "Hi Kim,\nI'll send the signed contract tomorrow.\nThanks,\nLee",
			wants: []want{{Title: "Send the signed contract", Assignee: "Lee", Due: "2026-03-03"}}},
		{name: "she will resolves to the name", kind: "note",
			text:  "Lunch with Carla - she will send the revised numbers by Wednesday.",
			wants: []want{{Title: "Send the revised numbers", Assignee: "Carla", Due: "2026-03-04"}}},
	})
}

func TestRequests(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "vocative please", kind: "meeting_transcript",
			text:  "Mo: Nia, please write the changelog by Wednesday.\nNia: OK.",
			wants: []want{{Title: "Write the changelog", Assignee: "Nia", Due: "2026-03-04"}}},
		{name: "can you in a two-person chat", kind: "chat",
			text:  "oz: can you review my PR when you get a chance?\npia: sure",
			wants: []want{{Title: "Review oz's PR", Assignee: "pia", Priority: "low"}}},
		{name: "could you with greeting addressee", kind: "email",
			text:  "Hi Quinn,\nCould you send over the case study you mentioned?\nBest, Rae",
			wants: []want{{Title: "Send over the case study you mentioned", Assignee: "Quinn"}}},
		{name: "would you mind with a gerund", kind: "email",
			text:  "Hi Sid,\nWould you mind reviewing the budget spreadsheet?\nTom",
			wants: []want{{Title: "Review the budget spreadsheet", Assignee: "Sid"}}},
		{name: "please me becomes the sender", kind: "email",
			text:  "Hi Uma,\nPlease send me your feedback on the draft by Friday so I can negotiate.\nThanks,\nVic",
			wants: []want{{Title: "Send Vic the feedback on the draft", Assignee: "Uma", Due: "2026-03-06"}}},
		{name: "we need to is unassigned", kind: "meeting_transcript",
			text:  "Wes: We need to update the onboarding docs.\nXia: Agreed.\nWes: Anyway, moving on.",
			wants: []want{{Title: "Update the onboarding docs"}}},
		{name: "make sure keeps its frame", kind: "email",
			text:  "Hi all,\nPlease make sure your desk is clear by Friday.\nFacilities",
			wants: []want{{Title: "Make sure the desk is clear", Due: "2026-03-06"}}},
		{name: "don't forget to", kind: "chat",
			text:  "yan: don't forget to submit the travel request\nzed: right",
			wants: []want{{Title: "Submit the travel request", Assignee: "zed"}}},
		{name: "accepted by the next speaker", kind: "meeting_transcript",
			text:  "Ada: Please add a regression test for it.\nBen: Will do.\nCal: Next item.",
			wants: []want{{Title: "Add a regression test for it", Assignee: "Ben"}}},
		{name: "before then refers to the meeting", kind: "meeting_transcript",
			text: "Dan: Planning is on Thursday at 2pm.\nDan: Eli, can you pull the numbers before then?",
			wants: []want{{Title: "Planning", Type: TypeMeeting, Due: "2026-03-05 14:00"},
				{Title: "Pull the numbers", Assignee: "Eli", Due: "2026-03-05"}}},
		{name: "done reply drops the request", kind: "chat",
			text: "fay: can you update the calendar invite?\ngus: done"},
		{name: "question follow-up", kind: "chat",
			text:  "hal: did you book the hotel for Berlin?\nian: not yet, doing it today",
			wants: []want{{Title: "Book the hotel for Berlin", Assignee: "ian", Due: "2026-03-02"}}},
	})
}

func TestListsAndSections(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "checkboxes open and done", kind: "note",
			text:  "TODO\n- [ ] book dentist appointment\n- [x] renew gym membership\n- [ ] send card to Grandma by Sunday",
			wants: []want{{Title: "Book dentist appointment"}, {Title: "Send card to Grandma", Due: "2026-03-08"}}},
		{name: "action items with owners", kind: "document",
			text: "Action items:\n- Jo: finalize the charter by March 9\n- Set up the shared drive (Kai)\n- @lin draft the comms plan\n- Venue booking - Max - next Friday",
			wants: []want{{Title: "Finalize the charter", Assignee: "Jo", Due: "2026-03-09"}, {Title: "Set up the shared drive", Assignee: "Kai"},
				{Title: "Draft the comms plan", Assignee: "lin"}, {Title: "Venue booking", Assignee: "Max", Due: "2026-03-13"}}},
		{name: "inline actions with X to", kind: "document",
			text:  "Minutes\n\nActions: Nell to collect customer quotes. Oli to draft the FAQ by March 12.",
			wants: []want{{Title: "Collect customer quotes", Assignee: "Nell"}, {Title: "Draft the FAQ", Assignee: "Oli", Due: "2026-03-12"}}},
		{name: "numbered checklist with roles", kind: "document",
			text:  "Onboarding checklist (start date March 9)\n1. IT must create the email account before the start date.\n2. The manager prepares a 30-day plan.",
			wants: []want{{Title: "Create the email account", Assignee: "IT", Due: "2026-03-09"}, {Title: "Prepare a 30-day plan", Assignee: "manager"}}},
		{name: "decisions are not tasks", kind: "document",
			text: "Decisions:\n- Ship the redesign in Q3.\n- Keep the old API until June."},
		{name: "date header gives its items a due date", kind: "handwritten_ocr",
			text:  "Fri:\n- finish slides\n- pay rent !!",
			wants: []want{{Title: "Finish slides", Due: "2026-03-06"}, {Title: "Pay rent", Due: "2026-03-06", Priority: "high"}}},
		{name: "journal date header is not a deadline", kind: "note",
			text:  "Mon 3/2\n- call the plumber",
			wants: []want{{Title: "Call the plumber"}}},
		{name: "comma-separated to-dos", kind: "note",
			text:  "TODO: book flights for the conference, ask Raj about the hotel",
			wants: []want{{Title: "Book flights for the conference"}, {Title: "Ask Raj about the hotel"}}},
		{name: "shopping list", kind: "note",
			text:  "Groceries: milk, eggs, bread.",
			wants: []want{{Title: "Buy milk, eggs, bread"}}},
	})
}

func TestMeetings(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "event is on a day", kind: "meeting_transcript",
			text:  "Pam: Quarterly planning is on Thursday at 2pm, please be there.",
			wants: []want{{Title: "Quarterly planning", Type: TypeMeeting, Due: "2026-03-05 14:00"}}},
		{name: "let's have a review", kind: "meeting_transcript",
			text:  "Rob: Let's have a follow-up review on Friday at 3pm.",
			wants: []want{{Title: "Follow-up review", Type: TypeMeeting, Due: "2026-03-06 15:00"}}},
		{name: "set up a call", kind: "email",
			text:  "Hi Sue,\nI'd love to set up a call next Wednesday at 4pm to discuss the partnership.\nBest, Ted",
			wants: []want{{Title: "Call to discuss the partnership", Type: TypeMeeting, Due: "2026-03-11 16:00"}}},
		{name: "recurring meeting has no due date", kind: "meeting_transcript",
			text:  "Uri: And let's set up a cost review every Monday at 9.",
			wants: []want{{Title: "Cost review", Type: TypeMeeting}}},
		{name: "appointment in a note", kind: "note",
			text:  "Doctor appointment Thursday 2:30pm",
			wants: []want{{Title: "Doctor appointment", Type: TypeMeeting, Due: "2026-03-05 14:30"}}},
		{name: "scheduled for", kind: "document",
			text:  "Follow-ups:\n- The review with leadership is scheduled for March 10.",
			wants: []want{{Title: "Review with leadership", Type: TypeMeeting, Due: "2026-03-10"}}},
		{name: "availability question", kind: "chat",
			text:  "vi: are you free for a quick sync on Wednesday at 3pm?\nwu: yes",
			wants: []want{{Title: "Sync", Type: TypeMeeting, Due: "2026-03-04 15:00"}}},
		{name: "booking an appointment without a date is a task", kind: "note",
			text:  "- [ ] schedule vet appointment for Luna",
			wants: []want{{Title: "Schedule vet appointment for Luna"}}},
		{name: "meeting room is not a meeting", kind: "email",
			text:  "Hi Xu,\nCould you book a meeting room for March 12?\nYo",
			wants: []want{{Title: "Book a meeting room", Assignee: "Xu", Due: "2026-03-12"}}},
		{name: "past meeting is not listed", kind: "document",
			text: "Minutes - Product council, Feb 27\n\nPresent: 9 people."},
	})
}

func TestFiltering(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "already done", kind: "chat", text: "ann: did anyone call the client back?\nbea: yes, I called them this morning, all sorted"},
		{name: "narrated past", kind: "note", text: "Yesterday I finished the migration script and sent the report to Alex."},
		{name: "cancelled", kind: "email", text: "Good morning,\n\nThe workshop on Thursday is cancelled, so there's no need to prepare the slides anymore.\nBen"},
		{name: "hypothetical", kind: "email", text: "Hi Cy,\nWe could maybe consider a newsletter at some point, but let's not commit to anything yet.\nDi"},
		{name: "if we had time", kind: "meeting_transcript", text: "Ed: If we had time we could rewrite the importer."},
		{name: "brainstorm", kind: "note", text: "Brainstorm: podcast, merch, a community forum."},
		{name: "maybe someday", kind: "note", text: "Maybe someday learn the cello."},
		{name: "negated", kind: "meeting_transcript", text: "Flo: We won't ship the dashboard this sprint."},
		{name: "conditional instruction", kind: "email", text: "Hi team,\nIf you travelled, attach your receipts.\nFinance"},
		{name: "boilerplate", kind: "email", text: "If you have any questions, please contact us.\nTo unsubscribe click here."},
		{name: "pleasantries", kind: "email", text: "Hi Gus,\nThanks for the update. Have a great weekend!\nHal"},
		{name: "plain question", kind: "meeting_transcript", text: "Ike: Will the finance numbers be ready?"},
		{name: "hold off", kind: "email", text: "Dear all,\nPlease hold off on any announcements until further notice.\nComms"},
	})
}

func TestPriorityAndDedupe(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "urgent", kind: "meeting_transcript",
			text:  "Jay: I'll patch the session bug today, it's urgent.",
			wants: []want{{Title: "Patch the session bug", Assignee: "Jay", Due: "2026-03-02", Priority: "urgent"}}},
		{name: "ASAP", kind: "note",
			text:  "Follow up with Greg on the contract ASAP",
			wants: []want{{Title: "Follow up with Greg on the contract", Priority: "urgent"}}},
		{name: "priority from the next sentence", kind: "email",
			text:  "Hi Kay,\nCan you make sure the backups finish before 10pm? It's critical.\nLou",
			wants: []want{{Title: "Make sure the backups finish", Assignee: "Kay", Due: "2026-03-02 22:00", Priority: "urgent"}}},
		{name: "low", kind: "email",
			text:  "Hi May,\nNo rush, but could you tidy up the shared folder?\nNed",
			wants: []want{{Title: "Tidy up the shared folder", Assignee: "May", Priority: "low"}}},
		{name: "need then request is one task", kind: "meeting_transcript",
			text:  "Ola: The changelog still needs to be written.\nPia: Ola, please write the changelog by Wednesday.",
			wants: []want{{Title: "Write the changelog", Assignee: "Ola", Due: "2026-03-04"}}},
		{name: "same request twice", kind: "meeting_transcript",
			text:  "Quy: I'll send the board deck by Thursday.\nRia: Please send the board deck by Thursday, Quy, the chair asked twice.",
			wants: []want{{Title: "Send the board deck", Assignee: "Quy", Due: "2026-03-05"}}},
		{name: "deadline absorbed by the commitment", kind: "meeting_transcript",
			text:  "Sal: The abstract is due on the 15th.\nTia: I can write the first draft of the abstract this week.",
			wants: []want{{Title: "Write the first draft of the abstract", Assignee: "Tia", Due: "2026-03-06"}}},
	})
}

func TestOCRTolerance(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "lowercase lines and noise", kind: "handwritten_ocr",
			text:  "call m0m sunday\ndentist - reschedule to next month\nfinish tax return by end of the month",
			wants: []want{{Title: "Call m0m", Due: "2026-03-08"}, {Title: "Reschedule dentist to next month"}, {Title: "Finish tax return", Due: "2026-03-31"}}},
		{name: "wrapped line and digit for letter", kind: "handwritten_ocr",
			text:  "- emai1 Sue the\nphotos\n- renew passport before\nthe trip in April",
			wants: []want{{Title: "Email Sue the photos"}, {Title: "Renew passport before the trip in April"}}},
	})
}

func TestEvidenceAndTitles(t *testing.T) {
	text := "Subject: launch\n\nHi Ana,\r\nPlease   send the final deck to the whole leadership team and the board members and the investors by Friday, thanks!\r\nBo"
	got := Extract(text, Options{Now: testNow, Kind: "email"})
	if len(got) != 1 {
		t.Fatalf("got %d tasks, want 1", len(got))
	}
	tk := got[0]
	if tk.Sentence != text[tk.Start:tk.End] || !strings.HasPrefix(tk.Sentence, "Please") {
		t.Errorf("evidence %q at %d:%d", tk.Sentence, tk.Start, tk.End)
	}
	if n := len(strings.Fields(tk.Title)); n > 12 {
		t.Errorf("title %q has %d words", tk.Title, n)
	}
	if !strings.Contains(tk.Description, "investors") {
		t.Errorf("description %q lost the rest of the sentence", tk.Description)
	}
	if tk.Assignee != "Ana" || tk.DueText != "by Friday" {
		t.Errorf("assignee %q due text %q", tk.Assignee, tk.DueText)
	}
}

func TestEmptyAndUnknownKind(t *testing.T) {
	if got := Extract("   \n\t", Options{Now: testNow}); len(got) != 0 {
		t.Errorf("blank text gave %d tasks", len(got))
	}
	got := Extract("Alice: I'll book the venue tomorrow.\nBob: Great, thanks.", Options{Now: testNow})
	if len(got) != 1 || got[0].Assignee != "Alice" {
		t.Errorf("unknown kind transcript: %+v", got)
	}
	// A zero Now still resolves against the current time.
	if got := Extract("Please call the bank tomorrow.", Options{Kind: "note"}); len(got) != 1 || got[0].Due == nil {
		t.Errorf("zero Now: %+v", got)
	}
}
