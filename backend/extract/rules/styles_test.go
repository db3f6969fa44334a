package rules

import "testing"

// Cases written while probing the rules with fresh texts in every style
// (email, transcript, chat, note, document, handwriting, unpunctuated
// speech). Each pins a general convention, not an evaluation item.

// Emails: requests under a courtesy condition, invitations and advice are
// tasks; travel, states and contract language are not.
func TestEmailAsksAndInvitations(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a request under an approval condition stands", kind: "email",
			text:  "Hi Rosa,\nIf the lease looks right to you, please sign it and send it back by Friday.\nThanks,\nOwen",
			wants: []want{{Title: "Sign it and send it back", Assignee: "Rosa", Due: "2026-03-06"}}},
		{name: "if you agree, please", kind: "email",
			text:  "Hi Rosa,\nIf you agree with the edits, please forward the memo to payroll.\nOwen",
			wants: []want{{Title: "Forward the memo to payroll", Assignee: "Rosa"}}},
		{name: "other conditions stay hypothetical", kind: "chat",
			text: "owen: if the vendor raises prices again, please call me"},
		{name: "the detector's suggestion is titled by the ask, not the condition", kind: "email",
			text:  "Hi Rosa,\nIf the vendor raises prices again, please call me.\nOwen",
			wants: []want{{Title: "Call me", Assignee: "Rosa"}}},
		{name: "a dated let-me-know is an ask", kind: "email",
			text:  "Hi Rosa,\nPlease let me know by Thursday if you have any comments on the plan.\nOwen",
			wants: []want{{Title: "Send any comments", Assignee: "Rosa", Due: "2026-03-05"}}},
		{name: "an undated one is a courtesy", kind: "email",
			text: "Hi Rosa,\nLet me know if you have any comments.\nOwen"},
		{name: "see you at a time is a meeting", kind: "email",
			text:  "Hi Rosa,\nSee you at the station on Wednesday at 8.\nOwen",
			wants: []want{{Title: "Meet at the station", Due: "2026-03-04 08:00", Type: "meeting"}}},
		{name: "see you soon is a closing", kind: "email",
			text: "Hi Rosa,\nSee you soon.\nOwen"},
		{name: "an invitation to an event", kind: "email",
			text:  "Hi Rosa,\nWe hope you will join us for the spring gala on March 20.\nOwen",
			wants: []want{{Title: "Spring gala", Assignee: "Rosa", Due: "2026-03-20", Type: "meeting"}}},
		{name: "scheduled to speak", kind: "email",
			text:  "Hi Rosa,\nYou are scheduled to speak at the members' lunch on Thursday.\nOwen",
			wants: []want{{Title: "Speak at the members' lunch", Assignee: "Rosa", Due: "2026-03-05", Type: "meeting"}}},
		{name: "like to have a meeting, undated", kind: "email",
			text:  "Hi Rosa,\nI would like to have a short meeting about the hedging policy.\nOwen",
			wants: []want{{Title: "Meeting about the hedging policy", Type: "meeting"}}},
		{name: "advice is a request", kind: "email",
			text:  "Hi Rosa,\nI think you should call the broker before Friday.\nOwen",
			wants: []want{{Title: "Call the broker", Assignee: "Rosa", Due: "2026-03-06"}}},
		{name: "a recommendation is a proposal", kind: "email",
			text:  "Hi Rosa,\nMy recommendation would be to ask Paula to take over the account.\nOwen",
			wants: []want{{Title: "Ask Paula to take over the account"}}},
		{name: "will need to", kind: "email",
			text:  "Hi Rosa,\nI will need to update the rate tables before the audit.\nOwen",
			wants: []want{{Title: "Update the rate tables before the audit", Assignee: "Owen"}}},
		{name: "'ll have to", kind: "email",
			text:  "Hi Rosa,\nI'll have to reschedule the review.\nOwen",
			wants: []want{{Title: "Reschedule the review", Assignee: "Owen"}}},
		{name: "a name in apposition", kind: "email",
			text:  "Hi Rosa,\nOur office manager, Dana Pruitt, will book the conference room.\nOwen",
			wants: []want{{Title: "Book the conference room", Assignee: "Dana Pruitt"}}},
	})
}

func TestEmailStatesAreNotTasks(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "travel", kind: "email", text: "Hi Rosa,\nHeaded to Denver tomorrow.\nOwen"},
		{name: "travel with a subject", kind: "email", text: "Hi Rosa,\nI'm flying to Boston on Tuesday.\nOwen"},
		{name: "back at the office", kind: "email", text: "Hi Rosa,\nShe will return to the office on Monday.\nOwen"},
		{name: "on board is agreement", kind: "email", text: "Hi Rosa,\nMarta is on board with the new pricing.\nOwen"},
		{name: "on vacation", kind: "email", text: "Hi Rosa,\nMarta is on vacation until the 9th.\nOwen"},
		{name: "a wish", kind: "email", text: "Hi Rosa,\nWish I could join you all for dinner tonight.\nOwen"},
		{name: "contract language", kind: "email", text: "Hi Rosa,\nEach party shall deliver written notice within ten days.\nOwen"},
		{name: "a third party is no party", kind: "email", text: "Hi Rosa,\nThe third party guarantee language was added on Friday.\nOwen"},
		{name: "job requirements", kind: "email", text: "Hi Rosa,\nMust possess five years of trading experience.\nOwen"},
		{name: "an aside after a verb", kind: "email", text: "Hi Rosa,\nTake, for example, the power desk in Portland.\nOwen"},
		{name: "a courtesy promise to write", kind: "email", text: "Hi Rosa,\nI'll write more when things calm down.\nOwen"},
		{name: "drive safely", kind: "email", text: "Hi Rosa,\nDrive safely!\nOwen"},
		{name: "a follow-up header", kind: "email", text: "Hi Rosa,\nFollow up to my previous message: the figures were wrong.\nOwen"},
	})
}

func TestPassivesAgentsAndPronounTitles(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a passive with its agent is the agent's", kind: "email",
			text:  "Hi Rosa,\nThe new lease will have to be approved by Dana Lee, who is away until Monday.\nOwen",
			wants: []want{{Title: "Approve the new lease", Assignee: "Dana Lee"}}},
		{name: "a particle before by", kind: "email",
			text:  "Hi Rosa,\nThe budget needs to be signed off by Carl.\nOwen",
			wants: []want{{Title: "Sign off the budget", Assignee: "Carl"}}},
		{name: "by a date is no agent", kind: "email",
			text:  "Hi Rosa,\nThe forms must be filed by Friday.\nOwen",
			wants: []want{{Title: "File the forms", Due: "2026-03-06"}}},
		{name: "people being moved is news", kind: "email",
			text: "Hi Rosa,\nTonight Maria and I are going to be moved to the new server.\nOwen"},
		{name: "do it keeps its verb", kind: "email",
			text:  "Hi Rosa,\nI'll do it on Thursday.\nOwen",
			wants: []want{{Title: "Do it", Assignee: "Owen", Due: "2026-03-05"}}},
		{name: "looking at a date for a meeting", kind: "email",
			text:  "Hi Rosa,\nWe are looking at March 12 for the kickoff meeting.\nOwen",
			wants: []want{{Title: "Kickoff meeting", Due: "2026-03-12", Type: "meeting"}}},
		{name: "a term of a contract", kind: "document",
			text: "Lease terms\n\nEach Tenant shall pay the rent on the first day of the month."},
		{name: "a noun that did something", kind: "email",
			text: "Hi Rosa,\nUnfortunately work deadlines interfered with my plans to visit.\nOwen"},
	})
}

// News of a trip is not a task, but a promise after it is.
func TestTripsThenPromises(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a purpose after the trip", kind: "meeting_transcript",
			text:  "Ana: I'm heading to the client site tomorrow to install the new router.",
			wants: []want{{Title: "Install the new router", Assignee: "Ana", Due: "2026-03-03"}}},
		{name: "off to the bank to deposit", kind: "meeting_transcript",
			text:  "Ben: I'm off to the bank to deposit the checks.",
			wants: []want{{Title: "Deposit the checks", Assignee: "Ben"}}},
		{name: "back on a day and will", kind: "meeting_transcript",
			text:  "Cy: I'll be back on Thursday and will finish the audit then.",
			wants: []want{{Title: "Finish the audit", Assignee: "Cy", Due: "2026-03-05"}}},
		{name: "no subject, then will", kind: "chat",
			text:  "dee: headed to the warehouse now, will count the stock before noon",
			wants: []want{{Title: "Count the stock", Assignee: "dee", Due: "2026-03-02 12:00"}}},
		{name: "the trip alone", kind: "meeting_transcript",
			text: "Eve: I'm flying to Denver on Tuesday."},
		{name: "see you at an event names the event", kind: "meeting_transcript",
			text:  "Fay: See you all at the offsite on Thursday!",
			wants: []want{{Title: "Offsite", Due: "2026-03-05", Type: "meeting"}}},
		{name: "a sentence opening with In is no trip", kind: "email",
			text: "Hi Rosa,\nIn particular, Debbie does not like to drive at night any more.\nOwen"},
	})
}

func TestVisitsMentionsAndReferences(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a visit for an event", kind: "email",
			text:  "Hi Tom,\nThe auditors are coming in on March 12 at 9am for the walkthrough.\nAisha",
			wants: []want{{Title: "Walkthrough", Due: "2026-03-12 09:00", Type: "meeting"}}},
		{name: "a person coming over", kind: "email",
			text:  "Hi Tom,\nThe plumber is coming on Friday morning.\nAisha",
			wants: []want{{Title: "Meet the plumber", Due: "2026-03-06", Type: "meeting"}}},
		{name: "things arriving are no meeting", kind: "email",
			text: "Hi Tom,\nThe new chairs are arriving on Monday.\nAisha"},
		{name: "then is the date said earlier in the sentence", kind: "email",
			text:  "Hi Tom,\nI'll review the memo over the weekend.\nOur lease ends on March 20 - please update the deck before then.\nAisha",
			wants: []want{{Title: "Review the memo", Assignee: "Aisha", Due: "2026-03-08"}, {Title: "Update the deck", Assignee: "Tom", Due: "2026-03-20"}}},
		{name: "a conditional courtesy is not a suggestion", kind: "email",
			text: "Hi Tom,\nIf you have any questions, let me know.\nAisha"},
		{name: "a mention addresses", kind: "chat",
			text:  "sam: thx. also @kai the release notes still need to be written before friday",
			wants: []want{{Title: "Write the release notes", Assignee: "kai", Due: "2026-03-06"}}},
		{name: "a mention as subject", kind: "chat",
			text:  "sam: @kai will post the notes tomorrow",
			wants: []want{{Title: "Post the notes", Assignee: "kai", Due: "2026-03-03"}}},
		{name: "will without a subject is the speaker's", kind: "chat",
			text:  "kai: on it, will post a draft tomorrow",
			wants: []want{{Title: "Post a draft", Assignee: "kai", Due: "2026-03-03"}}},
		{name: "a decided move names the meeting", kind: "meeting_transcript",
			text:  "Priya: Also, we said we'd move the all-hands to next Tuesday at 10.",
			wants: []want{{Title: "All-hands", Due: "2026-03-10 10:00", Type: "meeting"}}},
	})
}

func TestDiarisedTurnsHandOffsAndPrep(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "numbered speakers", kind: "meeting_transcript",
			text: "Speaker 1: okay can you send the metadata file over today\nSpeaker 2: will do. I'll also ask them for a test account\n" +
				"Speaker 1: the security questionnaire is due on the 30th\nSpeaker 3: I can take that one",
			wants: []want{{Title: "Send the metadata file", Assignee: "Speaker 2", Due: "2026-03-02"},
				{Title: "Ask them for a test account", Assignee: "Speaker 2"},
				{Title: "Submit the security questionnaire", Assignee: "Speaker 3", Due: "2026-03-30"}}},
		{name: "numbered steps in a note are no speakers", kind: "note",
			text:  "Step 1: call the bank\nStep 2: cancel the old card",
			wants: []want{{Title: "Call the bank"}, {Title: "Cancel the old card"}}},
		{name: "a recap is about a meeting that was", kind: "email",
			text: "Hi all,\nQuick recap of today's roadmap review.\nCarla"},
		{name: "still needs to, then own that", kind: "email",
			text:  "Hi all,\nDesign still needs to finalize the onboarding flow; Noor, can you own that?\nCarla",
			wants: []want{{Title: "Finalize the onboarding flow", Assignee: "Noor"}}},
		{name: "preparation is due at the meeting", kind: "email",
			text: "Hi all,\nThe next review is on Thursday, March 12 at 2pm. Please come prepared with your top three risks.\nCarla",
			wants: []want{{Title: "Next review", Due: "2026-03-12 14:00", Type: "meeting"},
				{Title: "Come prepared with the top three risks", Due: "2026-03-12 14:00"}}},
		{name: "will have to after a name", kind: "email",
			text:  "Hi all,\nTom will have to sign the lease.\nCarla",
			wants: []want{{Title: "Sign the lease", Assignee: "Tom"}}},
		{name: "going to be late is no task", kind: "email",
			text: "Hi all,\nTom is going to be late.\nCarla"},
	})
}

func TestAppreciatedAsksAndHandwrittenDays(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "it would be great if you could", kind: "email",
			text:  "Hi Sam,\nIt would be great if you could send the file by Friday.\nDev",
			wants: []want{{Title: "Send the file", Assignee: "Sam", Due: "2026-03-06"}}},
		{name: "it would be great if someone could", kind: "email",
			text:  "Hi Sam,\nNot urgent, but it would be great if someone could look into the broken tracking link when they have a chance.\nDev",
			wants: []want{{Title: "Look into the broken tracking link", Priority: "low"}}},
		{name: "it would be nice if we could, someday", kind: "email",
			text: "Hi Sam,\nIt would be nice if we could redo the website someday.\nDev"},
		{name: "a day before a dash dates the line", kind: "handwritten_ocr",
			text: "WEEKLY PLANNING\nMon 3/9 - Sales mtg 9am\nFri - Lunch w/ Priya 12:30\nThu - finsh slides for board deck",
			wants: []want{{Title: "Sales mtg", Due: "2026-03-09 09:00", Type: "meeting"}, {Title: "Lunch w/ Priya", Due: "2026-03-06 12:30", Type: "meeting"},
				{Title: "Finish slides for board deck", Due: "2026-03-05"}}},
		{name: "Remember: is no one", kind: "handwritten_ocr",
			text:  "todo\n- Remember: Jake's bday Sat -> buy gift",
			wants: []want{{Title: "Remember: Jake's bday -> buy gift", Due: "2026-03-07"}}},
	})
}

func TestPromisesAfterAClauseOfTime(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "before I go", kind: "meeting_transcript",
			text:  "Kofi: I'll be out Thursday and Friday. Before I go I'll hand over the on-call rotation to Joel.",
			wants: []want{{Title: "Hand over the on-call rotation to Joel", Assignee: "Kofi"}}},
		{name: "once we have, with a comma", kind: "meeting_transcript",
			text:  "Ana: Once we have the numbers, I'll update the forecast.",
			wants: []want{{Title: "Update the forecast", Assignee: "Ana"}}},
		{name: "a clause of time alone", kind: "meeting_transcript",
			text: "Ana: When I was in Denver the weather was great."},
	})
}

func TestCopiedChatTimesAndFormalAsks(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "name, then the time, then a colon", kind: "chat",
			text:  "nadia 10:05 AM: also can someone review my PR for the log rotation fix?\nleo 10:07 AM: I'll take a look in a bit",
			wants: []want{{Title: "Review nadia's PR for the log rotation fix", Assignee: "leo"}}},
		{name: "if you are able to accept, could you", kind: "email",
			text:  "Dear Dr. Alvarez,\nIf you are able to accept, could you confirm by 6 March?\nHannah",
			wants: []want{{Title: "Confirm", Assignee: "Dr. Alvarez", Due: "2026-03-06", Priority: "low"}}},
		{name: "writing to ask whether you would be willing", kind: "email",
			text:  "Dear Dr. Alvarez,\nI am writing to ask whether you would be willing to serve as an external examiner.\nHannah",
			wants: []want{{Title: "Serve as an external examiner", Assignee: "Dr. Alvarez"}}},
	})
}

func TestTitlesAroundDatesAndLabels(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a possessive date leaves 'the'", kind: "email",
			text:  "Hi Marco,\nCould you book the meeting room for Tuesday's workshop?\nFiona",
			wants: []want{{Title: "Book the meeting room for the workshop", Assignee: "Marco", Due: "2026-03-03"}}},
		{name: "re: is no topic label", kind: "handwritten_ocr",
			text:  "Mon\n- call insurance re: claim\n- submit timesheet!!",
			wants: []want{{Title: "Call insurance re: claim", Due: "2026-03-09"}, {Title: "Submit timesheet", Due: "2026-03-09", Priority: "high"}}},
		{name: "an appointment with Dr. and what to bring to it", kind: "email",
			text: "Dear Mr. Hale,\nYour appointment with Dr. Singh is confirmed for March 12 at 9:30am. Please arrive 15 minutes early and bring your insurance card.\nRiverside Clinic",
			wants: []want{{Title: "Appointment with Dr. Singh", Due: "2026-03-12 09:30", Type: "meeting"},
				{Title: "Arrive 15 minutes early and bring the insurance card", Assignee: "Mr. Hale", Due: "2026-03-12 09:30"}}},
	})
}

func TestOwnersListsAndMovedMeetings(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "owners with teams, participles and a meeting line after", kind: "document",
			text: "Board prep\n\nOwners:\n- Finance (Gail): final budget deck - due March 18\n- Legal (Ahmed): updated risk register - due March 20\nThe board meeting itself is on March 24 at 1pm.\n",
			wants: []want{{Title: "Final budget deck", Assignee: "Gail", Due: "2026-03-18"}, {Title: "Updated risk register", Assignee: "Ahmed", Due: "2026-03-20"},
				{Title: "Board meeting", Due: "2026-03-24 13:00", Type: "meeting"}}},
		{name: "a meeting moved to its new day, greeted as Team", kind: "email",
			text:  "Team,\nWe are moving the all-hands from Wednesday to Thursday, same time (10am).\nNina",
			wants: []want{{Title: "All-hands", Due: "2026-03-05 10:00", Type: "meeting"}}},
	})
}

// Speech recognition writes long runs without punctuation; asks and
// promises inside them are still found.
func TestUnpunctuatedSpeech(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a run of asks and promises", kind: "meeting_transcript",
			text: "okay so i will send the report by friday and um can you book the room for tuesday also we need to renew the insurance before the end of the month the budget review is on thursday.",
			wants: []want{{Title: "Send the report", Due: "2026-03-06"}, {Title: "Book the room", Due: "2026-03-03"},
				{Title: "Renew the insurance", Due: "2026-03-31"}, {Title: "Budget review", Due: "2026-03-05", Type: "meeting"}}},
		{name: "a name before the ask goes with it", kind: "meeting_transcript",
			text:  "so the main thing is the launch next week i think we are in good shape i'll check the landing page tonight and uh sarah can you ping legal about the terms.",
			wants: []want{{Title: "Check the landing page", Due: "2026-03-02"}, {Title: "Ping legal about the terms"}}},
	})
}

func TestPostponedAndStandingMeetings(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a postponed workshop is off; the ask instead stands", kind: "email",
			text:  "Hi Dan,\nThe workshop on Friday has been postponed, so no need to prepare the demo. Could you instead review the Q3 roadmap doc by end of next week?\nLia",
			wants: []want{{Title: "Review the Q3 roadmap doc", Assignee: "Dan", Due: "2026-03-13"}}},
		{name: "postponed to a date is the meeting at that date", kind: "email",
			text:  "Hi Dan,\nThe workshop has been postponed to Friday at 2pm.\nLia",
			wants: []want{{Title: "Workshop", Due: "2026-03-06 14:00", Type: "meeting"}}},
		{name: "a standing meeting stays", kind: "meeting_transcript",
			text:  "Amir: And the weekly sync stays every Tuesday at 11.",
			wants: []want{{Title: "Weekly sync", Type: "meeting"}}},
	})
}

func TestRepliesWithQuotes(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "the reply's sender is I; the quoted asks are for whom they greet", kind: "email",
			text: "Hi Rob,\n\nSounds good, I'll send the signed copy tomorrow.\n\nBest,\nEllen\n\n" +
				"On Mon, Mar 2, 2026 at 8:14 AM Rob Chen <rob@example.com> wrote:\n> Hi Ellen, can you sign the amendment and send it back by Wednesday?\n> Also please confirm the delivery address.\n> Thanks, Rob\n",
			wants: []want{{Title: "Send the signed copy", Assignee: "Ellen", Due: "2026-03-03"},
				{Title: "Sign the amendment and send it back", Assignee: "Ellen", Due: "2026-03-04"},
				{Title: "Confirm the delivery address", Assignee: "Ellen"}}},
		{name: "a name after a semicolon is asked", kind: "email",
			text:  "All,\nFacilities will need access to the basement; Carlos, please make sure the keys are at the front desk by Friday 5pm.\nJordan",
			wants: []want{{Title: "Make sure the keys are at the front desk", Assignee: "Carlos", Due: "2026-03-06 17:00"}}},
		{name: "it'd be good to", kind: "email",
			text:  "Hey Priya -\n\nJust circling back on the vendor shortlist. No rush, but it'd be good to decide before our call on Thursday.\n\nSam",
			wants: []want{{Title: "Decide before our call", Due: "2026-03-05", Priority: "low"}}},
	})
}

func TestReportsPoliciesAndTeams(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a report's narrative, its decisions and its next steps", kind: "document",
			text: "Annual Report 2025\n\nThe new warehouse will reduce delivery times by two days. The board approved a dividend of 12p per share, payable on April 30.\n\n" +
				"Next steps\nThe operations team will complete the ERP migration by June 30.",
			wants: []want{{Title: "Complete the ERP migration", Assignee: "operations team", Due: "2026-06-30"}}},
		{name: "standing rules are not tasks; a dated duty is", kind: "document",
			text:  "Lab Safety Procedures\n\nSpills should be reported to the lab manager immediately. Waste solvents must be disposed of in the labelled containers.\n\nAnnual safety training is due by March 31 for all staff.",
			wants: []want{{Title: "Complete annual safety training", Due: "2026-03-31"}}},
		{name: "a report label is no speaker", kind: "document",
			text:  "Status\n\nMitigation: Priya will check in with the vendor daily until the SDK ships.\n",
			wants: []want{{Title: "Check in with the vendor daily until the SDK ships", Assignee: "Priya"}}},
		{name: "starting is an event", kind: "document",
			text: "Hiring\n\nThe new intern will start on Monday.\n"},
	})
}

func TestChatShorthandAndHandOuts(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "need the thing by a date, and a will-try with a day", kind: "chat",
			text:  "dev: pls send me the figma link tmrw\nria: sure thing\ndev: also need the copy deck by EOW\nria: will try, prob thurs",
			wants: []want{{Title: "Send dev the figma link", Assignee: "ria", Due: "2026-03-03"}, {Title: "Send the copy deck", Assignee: "ria", Due: "2026-03-06"}}},
		{name: "free at a time for a sync", kind: "email",
			text:  "Hi Alex,\nQuick q - are you free Wed 3/11 @ 2pm for a 30-min sync on the Q2 plan?\nJamie",
			wants: []want{{Title: "Sync on the Q2 plan", Due: "2026-03-11 14:00", Type: "meeting"}}},
		{name: "you own, has, by", kind: "meeting_transcript",
			text: "Lead: Okay, action items. Sam, you own the customer survey - due next Friday. Ana has the pricing page copy, by the 15th.",
			wants: []want{{Title: "Own the customer survey", Assignee: "Sam", Due: "2026-03-13"},
				{Title: "Own the pricing page copy", Assignee: "Ana", Due: "2026-03-15"}}},
		{name: "having a cold is no hand-out", kind: "meeting_transcript",
			text: "Lead: Ana has a cold."},
		{name: "note shorthand: a bracketed question, a deadline after shouting", kind: "note",
			text:  "todo\ncall bank re: card (lost?)\ntaxes!!! deadline 4/15",
			wants: []want{{Title: "Call bank re: card (lost?)"}, {Title: "File taxes", Due: "2026-04-15", Priority: "high"}}},
	})
}

func TestAnswersTakeRequestsOn(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "someone asked, an 'it' answer takes it", kind: "meeting_transcript",
			text:  "Dev: Can someone share the on-call doc with me?\nKim: I'll share it right after this call.",
			wants: []want{{Title: "Share the on-call doc with Dev", Assignee: "Kim"}}},
		{name: "who can chase, that's me with a date", kind: "meeting_transcript",
			text:  "Maria: Who can chase finance?\nLi: That's me. I'll get it signed off by Wednesday.",
			wants: []want{{Title: "Chase finance", Assignee: "Li", Due: "2026-03-04"}}},
		{name: "you'll, asked", kind: "meeting_transcript",
			text:  "Host: Let's wrap up. Owen, you'll send the recap?\nOwen: Yep, by end of day.",
			wants: []want{{Title: "Send the recap", Assignee: "Owen", Due: "2026-03-02"}}},
		{name: "already done, with more said", kind: "meeting_transcript",
			text: "Host: And Jen will book the venue for the launch party.\nJen: Already done actually, booked it yesterday."},
		{name: "asking people is no pronoun's work", kind: "meeting_transcript",
			text:  "Ann: can you send the file over today\nBob: will do. I'll also ask them for a test account",
			wants: []want{{Title: "Send the file", Assignee: "Bob", Due: "2026-03-02"}, {Title: "Ask them for a test account", Assignee: "Bob"}}},
	})
}

func TestHandwrittenMisreadingsAndSelfLines(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "digits read for letters are mended in titles", kind: "handwritten_ocr",
			text:  "T0D0 list\n- ca11 the p1umber ab0ut sink\n- pay water bi11 by 3/12\n- pick up Emma fr0m schoo1 Wed 3pm\n- renew F150 registration for Q3",
			wants: []want{{Title: "Call the plumber about sink"}, {Title: "Pay water bill", Due: "2026-03-12"}, {Title: "Pick up Emma from school", Due: "2026-03-04 15:00"}, {Title: "Renew F150 registration for Q3"}}},
		{name: "me - is the writer; a to-do may wonder", kind: "handwritten_ocr",
			text:  "Meeting w/ Sarah re budget\nnext steps:\nSarah - send revised numbers Fri\nme - update forecast model\nask Tom about hiring freeze?",
			wants: []want{{Title: "Send revised numbers", Assignee: "Sarah", Due: "2026-03-06"}, {Title: "Update forecast model"}, {Title: "Ask Tom about hiring freeze"}}},
	})
}

func TestNotificationsAndInvitations(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a calendar invitation", kind: "email",
			text:  "Invitation: Design review @ Wed Mar 4, 2026 2pm - 3pm (EST)\n\nOrganizer: Priya Shah\nJoin with Google Meet: meet.example.com/abc-defg-hij\nPlease RSVP by Tuesday.",
			wants: []want{{Title: "Design review", Due: "2026-03-04 14:00", Type: "meeting"}, {Title: "RSVP", Due: "2026-03-03"}}},
		{name: "a shipping notice asks nothing", kind: "email",
			text: "Your order #48213 has shipped!\nYour package will arrive on Thursday, March 5. Track your package at the link below.\nQuestions? Contact our support team."},
		{name: "rent with a thousands comma", kind: "email",
			text:  "Hi Ms. Ortiz,\n\nThis is a reminder that your rent payment of $1,450 is due on March 5.\n\nGreenview Property Management",
			wants: []want{{Title: "Pay the rent payment of $1,450", Due: "2026-03-05"}}},
		{name: "a topic before a comma stays out of the deadline", kind: "meeting_transcript",
			text:  "Quinn: For the conference talk, the abstract is due on the 15th.\nRita: I can write the first draft of the abstract this week.",
			wants: []want{{Title: "Write the first draft of the abstract", Assignee: "Rita", Due: "2026-03-06"}}},
		{name: "dear parents greets a group", kind: "email",
			text:  "Dear parents,\nPlease return the order form by March 10.\nMs. Lopez",
			wants: []want{{Title: "Return the order form", Due: "2026-03-10"}}},
	})
}

func TestNoteLinesWithDatesAndNeeds(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "short lines that name a thing and its date", kind: "note",
			text:  "Car stuff\noil change overdue!\ntires - check pressure\ninsurance renewal 3/28",
			wants: []want{{Title: "Oil change overdue", Priority: "high"}, {Title: "Check tires pressure"}, {Title: "Insurance renewal", Due: "2026-03-28"}}},
		{name: "a day range in brackets is no owner", kind: "note",
			text:  "Reading list: Dune.\nRemember to water the plants while Mia is away (Tue-Fri).",
			wants: []want{{Title: "Water the plants while Mia is away", Due: "2026-03-03"}}},
		{name: "a decision needed from someone", kind: "note",
			text:  "Ideas for Q2: referral program? partner webinars?\nDecision needed from Dana on pricing by next Wed.",
			wants: []want{{Title: "Decide on pricing", Assignee: "Dana", Due: "2026-03-11"}}},
		{name: "a dated memory is no task", kind: "note",
			text: "Journal\nHad lunch with Leo on Friday.\nGreat chat about his trip."},
	})
}

func TestOwningInProseIsARole(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a role described in a document", kind: "document",
			text: "Account overview\n\nSarah owns the relationship with Acme."},
		{name: "the same said in a meeting hands it out", kind: "meeting_transcript",
			text:  "Lead: Sarah owns the relationship with Acme.",
			wants: []want{{Title: "Own the relationship with Acme", Assignee: "Sarah"}}},
	})
}

func TestMeetingNotesVolunteersAndEvenings(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a document titled meeting notes keeps its actions", kind: "document",
			text:  "Meeting notes — Marketing sync (Mar 2)\nAttendees: Kai, Bree, Omar\n- Campaign launch moved to Mar 20\n- Kai: finalize ad copy (Mar 10)\n- Bree to get legal approval for the landing page",
			wants: []want{{Title: "Finalize ad copy", Assignee: "Kai", Due: "2026-03-10"}, {Title: "Get legal approval for the landing page", Assignee: "Bree"}}},
		{name: "a Notes: section is still notes", kind: "document",
			text: "Notes:\n- Kai will finalize the ad copy"},
		{name: "volunteers asked, a yes with more", kind: "meeting_transcript",
			text:  "Lead: Any volunteers to coordinate with the movers?\nDana: I can do it, but I'll need help with packing on the weekend.\nEli: I'll help Dana with packing.",
			wants: []want{{Title: "Coordinate with the movers", Assignee: "Dana", Due: "2026-03-08"}, {Title: "Help Dana with packing", Assignee: "Eli"}}},
		{name: "dinner at 7 is in the evening; an agenda label leaves the title", kind: "meeting_transcript",
			text:  "Lead: Final item: the client dinner is on the 12th at 7.",
			wants: []want{{Title: "Client dinner", Due: "2026-03-12 19:00", Type: "meeting"}}},
		{name: "an emoji before a promise", kind: "chat",
			text:  "pm: reminder that the retro got moved to thursday 2pm\ndev2: 👍 i'll bring the action items from last time",
			wants: []want{{Title: "Retro", Due: "2026-03-05 14:00", Type: "meeting"}, {Title: "Bring the action items from last time", Assignee: "dev2", Due: "2026-03-05 14:00"}}},
		{name: "you'll in an email's list of next steps", kind: "email",
			text:  "Hi Jonas,\n\nAs discussed on the phone, here are the next steps:\n• You'll share the updated SOW by Wednesday.\n• We'll review it internally and get back to you by Friday.\n\nHelena",
			wants: []want{{Title: "Share the updated SOW", Assignee: "Jonas", Due: "2026-03-04"}, {Title: "Review it internally and get back to you", Due: "2026-03-06"}}},
	})
}

func TestActionMarkersAndOpenWorkHandedOver(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "AI, ACTION and TODO markers in notes", kind: "document",
			text: "Sprint planning - notes\nAI: Jo to update the API docs by Thursday\nAI (Sam): fix the flaky login test\nACTION - Priya - book the demo room for next Tuesday\n[ ] @lee write the migration script",
			wants: []want{{Title: "Update the API docs", Assignee: "Jo", Due: "2026-03-05"}, {Title: "Fix the flaky login test", Assignee: "Sam"},
				{Title: "Book the demo room", Assignee: "Priya", Due: "2026-03-10"}, {Title: "Write the migration script", Assignee: "lee"}}},
		{name: "open work taken by 'can you draft it'", kind: "email",
			text:  "Hello team,\n2) Leadership wants a one-page summary by March 12 - Tom, can you draft it?\nAnil",
			wants: []want{{Title: "Deliver one-page summary to Leadership", Assignee: "Tom", Due: "2026-03-12"}}},
		{name: "save the date", kind: "email",
			text:  "Hello team,\nSave the date: Q1 town hall on March 19 at 4pm.\nAnil",
			wants: []want{{Title: "Q1 town hall", Due: "2026-03-19 16:00", Type: "meeting"}}},
	})
}

// A line that says who does what is a sentence, even without its full
// stop: piped in on its own or first in a document, it is no title. A
// title still names the text below it.
func TestLoneLinesAndSentencesAreNoTitles(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a promise piped in alone, pronoun object", kind: "",
			text:  "Priya will send it Thursday\n",
			wants: []want{{Title: "Send it", Assignee: "Priya", Due: "2026-03-05"}}},
		{name: "going to, unpunctuated", kind: "",
			text:  "Marcus is going to fix it tomorrow",
			wants: []want{{Title: "Fix it", Assignee: "Marcus", Due: "2026-03-03"}}},
		{name: "a promise over a blank line", kind: "",
			text:  "Omar will email it to the board on Wednesday\n\nThanks",
			wants: []want{{Title: "Email it to the board", Assignee: "Omar", Due: "2026-03-04"}}},
		{name: "a one-line document", kind: "document",
			text:  "Dana will book it Friday\n",
			wants: []want{{Title: "Book it", Assignee: "Dana", Due: "2026-03-06"}}},
		{name: "a first line that is a sentence", kind: "document",
			text:  "Leah will circulate it by Wednesday\n\nThe venue is confirmed.",
			wants: []want{{Title: "Circulate it", Assignee: "Leah", Due: "2026-03-04"}}},
		{name: "a title over a promise", kind: "document",
			text:  "Release plan\n\nTom will tag the build on Thursday.",
			wants: []want{{Title: "Tag the build", Assignee: "Tom", Due: "2026-03-05"}}},
		{name: "a title over news", kind: "document",
			text: "Quarterly report\n\nThe numbers were strong."},
		{name: "a lone heading", kind: "",
			text: "Budget overview"},
	})
}

// A sentence that mentions a checklist or ends in "the next steps" is a
// sentence, not the heading of a list; real headings still head theirs.
func TestSentencesNamingListsAreNoHeadings(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a dated promise about a checklist", kind: "document",
			text:  "Sofia will review the onboarding checklist before Thursday.",
			wants: []want{{Title: "Review the onboarding checklist", Assignee: "Sofia", Due: "2026-03-05"}}},
		{name: "and the line after it is no item", kind: "document",
			text:  "Priya will draft the launch checklist by Friday.\nThe venue is booked.",
			wants: []want{{Title: "Draft the launch checklist", Assignee: "Priya", Due: "2026-03-06"}}},
		{name: "going to, in an email", kind: "email",
			text:  "Hi Ravi,\nMina is going to update the safety checklist by Wednesday.\nThanks,\nJo",
			wants: []want{{Title: "Update the safety checklist", Assignee: "Mina", Due: "2026-03-04"}}},
		{name: "a request about a checklist", kind: "email",
			text:  "Hi Ravi,\nCould you send me the move-out checklist by Friday?\nThanks,\nJo",
			wants: []want{{Title: "Send Jo the move-out checklist", Assignee: "Ravi", Due: "2026-03-06"}}},
		{name: "an unpunctuated note line", kind: "note",
			text:  "Theo will print the packing checklist tomorrow",
			wants: []want{{Title: "Print the packing checklist", Assignee: "Theo", Due: "2026-03-03"}}},
		{name: "a short promise ending in a list word", kind: "document",
			text:  "Kim will own the next steps",
			wants: []want{{Title: "Own the next steps", Assignee: "Kim"}}},
		{name: "a checklist heading still heads its items", kind: "document",
			text:  "Move-out checklist\n- return the keys by Friday\n- [x] clean the oven",
			wants: []want{{Title: "Return the keys", Due: "2026-03-06"}}},
		{name: "a checklist that is there is no task", kind: "email",
			text: "Hi Ravi,\nThe fire drill checklist is attached.\nJo"},
	})
}

// Page numbers and the running heads printed beside them, read by OCR or
// from a PDF, are boilerplate; "page" as a verb, or a page as the object,
// is not.
func TestPageNumbersAreBoilerplate(t *testing.T) {
	runCases(t, []ruleCase{
		{name: "a page number with a heading, alone", kind: "handwritten_ocr",
			text: "Page 4 minutes"},
		{name: "a page count", kind: "handwritten_ocr",
			text: "PAGE 3 OF 4"},
		{name: "a page number over a promise", kind: "handwritten_ocr",
			text:  "Pg 2 notes\nTom will send the deck by Friday.",
			wants: []want{{Title: "Send the deck", Assignee: "Tom", Due: "2026-03-06"}}},
		{name: "a page number between list lines", kind: "handwritten_ocr",
			text:  "order the banners\n- 3 -\nbook the photographer by Friday",
			wants: []want{{Title: "Order the banners"}, {Title: "Book the photographer", Due: "2026-03-06"}}},
		{name: "a running head after the heading", kind: "document",
			text:  "Board minutes, page 2 of 4\nLena will circulate the budget by Thursday.",
			wants: []want{{Title: "Circulate the budget", Assignee: "Lena", Due: "2026-03-05"}}},
		{name: "a running head as the first line", kind: "document",
			text:  "Budget review — Page 1\n\nLena will circulate the budget by Thursday.",
			wants: []want{{Title: "Circulate the budget", Assignee: "Lena", Due: "2026-03-05"}}},
		{name: "a section heading after the page number", kind: "",
			text:  "Pg. 2 – Action items\n- Ana: book the venue by Monday",
			wants: []want{{Title: "Book the venue", Assignee: "Ana", Due: "2026-03-09"}}},
		{name: "a sentence run on after the page number", kind: "handwritten_ocr",
			text:  "Page 2 Tom will send the deck by Friday.",
			wants: []want{{Title: "Send the deck", Assignee: "Tom", Due: "2026-03-06"}}},
		{name: "page as a verb", kind: "handwritten_ocr",
			text:  "Page Tom about the outage tonight.",
			wants: []want{{Title: "Page Tom about the outage", Due: "2026-03-02"}}},
		{name: "a page as the object", kind: "note",
			text:  "Please sign page 2 of the lease by Friday.",
			wants: []want{{Title: "Sign page 2 of the lease", Due: "2026-03-06"}}},
		{name: "a task with its page reference", kind: "handwritten_ocr",
			text:  "Review the contract - page 2",
			wants: []want{{Title: "Review the contract"}}},
		{name: "a page that was signed", kind: "document",
			text: "Page 2 of the lease was signed yesterday."},
	})
}
