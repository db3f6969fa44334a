package rules

import "testing"

func TestPassiveHeadingsAndOpenQuestions(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "prose under a Decisions heading is a decision", kind: "document",
			text:  "Kickoff notes\n\nDecisions\nWe will use the existing auth service.\n\nAction items\n1. Dana to draft the API spec by Friday.",
			wants: []want{{Title: "Draft the API spec", Assignee: "Dana", Due: "2026-03-06"}}},
		{name: "prose under Decisions: with a colon too", kind: "document",
			text: "Kickoff notes\n\nDecisions:\nWe will move the launch to April.\n"},
		{name: "the section ends at a blank line", kind: "document",
			text:  "Notes\nThe vendor call went fine.\n\nPlease send the contract to legal by Thursday.",
			wants: []want{{Title: "Send the contract to legal", Due: "2026-03-05"}}},
		{name: "has anyone asked, someone takes it", kind: "chat",
			text:  "amy: has anyone booked the room for the retro?\nben: not yet, I'll do it today",
			wants: []want{{Title: "Book the room for the retro", Assignee: "ben", Due: "2026-03-02"}}},
		{name: "you were going to, answered with a date", kind: "meeting_transcript",
			text:  "Hana: Bea, you were going to update the changelog?\nBea: Yes, I'll have it done by Wednesday.",
			wants: []want{{Title: "Update the changelog", Assignee: "Bea", Due: "2026-03-04"}}},
		{name: "a topic before the colon", kind: "document",
			text:  "Minutes\n\n1. Bake sale: Ben to order the tables by Friday.",
			wants: []want{{Title: "Order the tables", Assignee: "Ben", Due: "2026-03-06"}}},
		{name: "a verb before report is an instruction", kind: "note",
			text:  "Plan\n- write report draft\n- book flights",
			wants: []want{{Title: "Write report draft"}, {Title: "Book flights"}}},
		{name: "no owner yet, then someone takes it", kind: "meeting_transcript",
			text:  "Nora: We still don't have an owner for the SEO audit.\nLeo: I'll take it.",
			wants: []want{{Title: "SEO audit", Assignee: "Leo"}}},
		{name: "who can take it? me, by Friday", kind: "chat",
			text:  "amy: who can take the vendor follow-up?\nbo: me, by Friday",
			wants: []want{{Title: "Vendor follow-up", Assignee: "bo", Due: "2026-03-06"}}},
		{name: "the answer's own task replaces the open one", kind: "chat",
			text:  "zoe: who's handling the customer demo?\nmax: me. I'll prepare the demo environment next week",
			wants: []want{{Title: "Prepare the demo environment", Assignee: "max", Due: "2026-03-13"}}},
		{name: "a courtesy closing is not a task", kind: "email",
			text: "Team,\nThat's the recap.\nPlease reply if I missed anything.\nGwen"},
		{name: "a comment after a dash leaves the title", kind: "email",
			text:  "Team,\n* Dev team to fix the checkout bug ASAP - this is critical\nGwen",
			wants: []want{{Title: "Fix the checkout bug", Assignee: "Dev team", Priority: "urgent"}}},
		{name: "handwriting drops the dots of a numbered list", kind: "handwritten_ocr",
			text:  "todo\n1 pick up dry cleaning\n2 reply to landlord",
			wants: []want{{Title: "Pick up dry cleaning"}, {Title: "Reply to landlord"}}},
		{name: "I still need to", kind: "chat",
			text:  "lia: I still need to update the slides\nkai: ok",
			wants: []want{{Title: "Update the slides", Assignee: "lia"}}},
	})
}

func TestMoreDatePhrases(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "noon tomorrow", kind: "meeting_transcript",
			text:  "Ana: I'll send the report by noon tomorrow.",
			wants: []want{{Title: "Send the report", Assignee: "Ana", Due: "2026-03-03 12:00"}}},
		{name: "end of a quarter", kind: "meeting_transcript",
			text:  "Ana: I'll send the report by the end of Q2.",
			wants: []want{{Title: "Send the report", Assignee: "Ana", Due: "2026-06-30"}}},
		{name: "end of this quarter", kind: "meeting_transcript",
			text:  "Ana: I'll close the books before the end of the quarter.",
			wants: []want{{Title: "Close the books", Assignee: "Ana", Due: "2026-03-31"}}},
		{name: "a weekday's morning stays out of the title", kind: "meeting_transcript",
			text:  "Ana: I'll send the report by Friday morning.",
			wants: []want{{Title: "Send the report", Assignee: "Ana", Due: "2026-03-06"}}},
		{name: "first thing", kind: "meeting_transcript",
			text:  "Ana: I'll call the bank first thing tomorrow.",
			wants: []want{{Title: "Call the bank", Assignee: "Ana", Due: "2026-03-03"}}},
	})
}

func TestAskedOfEveryoneAndMergedPromises(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "asked of everyone is nobody's in particular", kind: "meeting_transcript",
			text:  "Pam: Also, can everyone fill out the capacity survey by Friday?\nEd: Sure.",
			wants: []want{{Title: "Fill out the capacity survey", Due: "2026-03-06"}}},
		{name: "a deadline and the promise about it", kind: "meeting_transcript",
			text:  "Pam: Last thing - the board deck is due March 30, I'll draft it.",
			wants: []want{{Title: "Draft the board deck", Assignee: "Pam", Due: "2026-03-30"}}},
		{name: "would you be able to", kind: "email",
			text:  "Hi Raj,\nFollowing up on our chat - would you be able to send over the lab results before Thursday?\nElena",
			wants: []want{{Title: "Send over the lab results", Assignee: "Raj", Due: "2026-03-05"}}},
		{name: "earliest convenience leaves the title", kind: "email",
			text:  "Hi Raj,\nKindly sign and return the consent form at your earliest convenience.\nElena",
			wants: []want{{Title: "Sign and return the consent form", Assignee: "Raj", Priority: "low"}}},
	})
}

func TestActionTables(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a markdown table of owners and dates", kind: "document",
			text:  "Q2 plan\n\n| Item | Owner | Due |\n|---|---|---|\n| Hire two engineers | Lina | Apr 30 |\n| Renew office lease | Finance | TBD |\n| ~~Old item~~ done | Ed | Mar 9 |\n",
			wants: []want{{Title: "Hire two engineers", Assignee: "Lina", Due: "2026-04-30"}, {Title: "Renew office lease", Assignee: "Finance"}}},
		{name: "tab-separated columns from a word processor", kind: "document",
			text:  "Action\tWho\tDeadline\nSend the survey\tMia\tFriday\n",
			wants: []want{{Title: "Send the survey", Assignee: "Mia", Due: "2026-03-06"}}},
		{name: "a table of something else is left to the sentence rules", kind: "document",
			text: "| Region | Revenue |\n|---|---|\n| North | 1.2m |\n"},
		{name: "calls and emails lists", kind: "note",
			text:  "Calls\n- dentist to reschedule\n\nEmails:\n- Sam about the invoice\n",
			wants: []want{{Title: "Call dentist to reschedule"}, {Title: "Email Sam about the invoice"}}},
		{name: "aiming at what isn't done", kind: "meeting_transcript",
			text:  "Eng: The API rate limiting isn't done yet; I'm aiming for end of next week.\nPam: ok",
			wants: []want{{Title: "Finish the API rate limiting", Assignee: "Eng", Due: "2026-03-13"}}},
		{name: "making a dated sync is attending it", kind: "chat",
			text:  "priya: can you guys make the 3pm sync?\ndev: yes",
			wants: []want{{Title: "Sync", Type: "meeting", Due: "2026-03-02 15:00"}}},
		{name: "coffee beans are bought", kind: "note",
			text:  "Groceries\n- oat milk\n- coffee beans\n",
			wants: []want{{Title: "Buy oat milk"}, {Title: "Buy coffee beans"}}},
	})
}

func TestRepliesAndAsides(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a third party's dated ask, taken by a reply", kind: "meeting_transcript",
			text:  "Alice: Finance wants the Q4 forecast by the 15th.\nBob: I can own that.",
			wants: []want{{Title: "Deliver Q4 forecast to Finance", Assignee: "Bob", Due: "2026-03-15"}}},
		{name: "will do, with its own date", kind: "meeting_transcript",
			text:  "Alice: Dave, please sort out the laptop orders.\nDave: Will do, I'll get them in this week.",
			wants: []want{{Title: "Sort out the laptop orders", Assignee: "Dave", Due: "2026-03-06"}}},
		{name: "a meeting that moved", kind: "meeting_transcript",
			text:  "Alice: Also, the all-hands moved to Thursday 4pm.",
			wants: []want{{Title: "All-hands", Type: "meeting", Due: "2026-03-05 16:00"}}},
		{name: "a heads-up that an event is confirmed", kind: "email",
			text:  "Hi both,\nJust a heads-up that the client visit is confirmed for Tuesday at 10:00.\nNina",
			wants: []want{{Title: "Client visit", Type: "meeting", Due: "2026-03-03 10:00"}}},
		{name: "a name and a dash ask that person", kind: "email",
			text:  "Hi both,\nTom - can you book a meeting room?\nSara - please prepare a short demo.\nNina",
			wants: []want{{Title: "Book a meeting room", Assignee: "Tom"}, {Title: "Prepare a short demo", Assignee: "Sara"}}},
		{name: "who's got it? me", kind: "chat",
			text:  "eli: who's got the release notes this time?\nfay: me",
			wants: []want{{Title: "Release notes", Assignee: "fay"}}},
		{name: "owner and date in one parenthesis", kind: "document",
			text:  "Follow-ups\n- Add validation for flag defaults (Jonas, due March 16)",
			wants: []want{{Title: "Add validation for flag defaults", Assignee: "Jonas", Due: "2026-03-16"}}},
	})
}

func TestNamesAbsencesAndAsides(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "someone called Sun is not Sunday", kind: "meeting_transcript",
			text:  "Mia: Sun?\nSun: I'm blocked on the design review - Mia, can you chase the designers?\nMia: Yep, I'll ping them after this.",
			wants: []want{{Title: "Chase the designers", Assignee: "Mia"}}},
		{name: "an absence is not a task", kind: "meeting_transcript",
			text: "Sun: Also reminder: I'm off Friday."},
		{name: "(maybe) is optional", kind: "note",
			text:  "This week:\n- submit expense report\n- (maybe) reorganize closet",
			wants: []want{{Title: "Submit expense report", Due: "2026-03-06"}}},
		{name: "a dash after a weekday stays out of the title", kind: "note",
			text:  "This week:\nWed - haircut 5:30pm",
			wants: []want{{Title: "Haircut", Type: "meeting", Due: "2026-03-04"}}},
		{name: "I can after 2", kind: "chat",
			text:  "ola: anyone free to pair on the billing migration this afternoon?\npia: I can after 2",
			wants: []want{{Title: "Pair on the billing migration", Assignee: "pia", Due: "2026-03-02"}}},
		{name: "she is the one in the heading", kind: "handwritten_ocr",
			text:  "Mtg w/ Lisa\n- she will send contract draft\n- I need to review pricing",
			wants: []want{{Title: "Send contract draft", Assignee: "Lisa"}, {Title: "Review pricing"}}},
	})
}

func TestReportedPromisesAndLabels(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "someone said he'll", kind: "note",
			text:  "Kitchen reno\n- get 3 quotes from contractors\n- Paul said he'll measure the space on Saturday",
			wants: []want{{Title: "Get 3 quotes from contractors"}, {Title: "Measure the space", Assignee: "Paul", Due: "2026-03-07"}}},
		{name: "new actions inline", kind: "meeting_transcript",
			text:  "Host: OK. New actions: Zara to draft the Q3 roadmap by March 20.",
			wants: []want{{Title: "Draft the Q3 roadmap", Assignee: "Zara", Due: "2026-03-20"}}},
		{name: "a sentence-initial plural moves inside the title in lower case", kind: "email",
			text:  "Dear all,\nTimesheets for March must be submitted by Friday.\nHR",
			wants: []want{{Title: "Submit timesheets for March", Due: "2026-03-06"}}},
	})
}
