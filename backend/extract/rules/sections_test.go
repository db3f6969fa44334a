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
		{name: "I still need to", kind: "chat",
			text:  "lia: I still need to update the slides\nkai: ok",
			wants: []want{{Title: "Update the slides", Assignee: "lia"}}},
	})
}
