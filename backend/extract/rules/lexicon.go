package rules

import "strings"

// Word lists. They are deliberately plain data so that tuning the engine
// means editing a list, not a regular expression.

// actionVerbs are base forms that start an imperative or follow a
// commitment ("I'll …") or request ("can you …") frame.
var actionVerbs = wordSet(`
accept access add address adjust advise agree align allocate analyse analyze announce answer apply approve archive
arrange ask assemble assess assign attach attend audit authorize automate back backup bake bring book brief
build buy calculate call cancel capture catch change charge chase check circulate claim clarify clean clear close
coach collect comment communicate compare compile complete confirm connect consider consolidate contact continue
convert coordinate copy correct cover create cut dm debug decide declutter define delegate delete deliver deploy
describe design determine develop discuss dispatch distribute do document download draft draw drop edit email e-mail
enable enroll ensure enter escalate estimate evaluate examine execute expense explain explore export extend fax
figure file fill finalise finalize find finish fix flag follow forward gather generate get give go grab handle
help hire host identify implement import improve include inform initiate input inspect install integrate interview
investigate invite invoice issue join keep kick label launch lead learn let list load locate lock log look mail
maintain make manage map mark measure meet memorize mention merge message migrate monitor mop mow move notify
obtain onboard open order organise organize outline own pack paint parse patch pay phone pick ping pitch place
plan plant polish post practice practise prep prepare present print prioritise prioritize probe process procure
produce proofread propose prototype provide publish pull purchase push put raise reach read rebase rebook
rebuild recap receive recommend reconcile record recruit redo reduce refactor refill refund register reimburse
reinstall release remind remove renew reorder repair replace reply report request research reschedule reserve
reset resolve respond restart restore resubmit retest return review revise revisit rewrite rotate rsvp run save
scan schedule scope screen search secure select sell send set settle setup share ship shop shortlist sign slack
sort speak spec specify split start stock store streamline study submit summarise summarize supply support swap
sweep sync take talk tell test text tidy track train transfer translate triage trim try turn unblock unpack update
upgrade upload validate verify vet visit vacuum walk wash water watch wipe wrap write
work page aim accompany amend assist bill chair chop code compose configure consult cook decorate defer deposit
disable dispose double-check drive dust empty expedite extract facilitate feed fetch fold format fund grade greet
hand hang hold iron jot justify lay leave lend loop negotiate nominate nudge offer outsource pair park paste
perform photograph plug poll pour price prime prune quote rake rank rate rearrange recharge reconnect recycle
refer refresh rehearse reject relocate renegotiate rent repaint repeat resend resize restock resume retrieve
revert rework rinse route sanitize scrub seal serve service shovel shred sketch skim solve source sponsor spray
stage staple stop substitute tape teach tighten trace transcribe tune tweak type unclog uninstall unplug unlock
weed weigh whitelist wire withdraw relay introduce pass show circle roll troubleshoot diagnose benchmark tag demo
film mock wireframe downgrade reboot revoke grant offboard promote thank exchange donate
photocopy notarize vote nail sort kick reach touch provision spin sunset deprecate decommission rollback hotfix
brief recruit screen shortlist contact invite chase phone ring fax copy proof come stop drop swing pop
`)

// phrasalParticles may follow a verb as part of it ("follow up", "pick up").
var phrasalParticles = wordSet(`up out over back in on off through around down along ahead`)

// pastForms maps irregular past tenses and participles to base forms.
var pastForms = map[string]string{
	"sent": "send", "did": "do", "done": "do", "made": "make", "took": "take", "taken": "take", "gave": "give",
	"given": "give", "wrote": "write", "written": "write", "paid": "pay", "bought": "buy", "brought": "bring",
	"built": "build", "met": "meet", "spoke": "speak", "spoken": "speak", "told": "tell", "got": "get",
	"gotten": "get", "went": "go", "gone": "go", "found": "find", "left": "leave", "ran": "run", "drew": "draw",
	"drawn": "draw", "chose": "choose", "chosen": "choose", "held": "hold", "kept": "keep", "caught": "catch",
	"taught": "teach", "thought": "think", "sold": "sell", "shown": "show", "began": "begin", "begun": "begin",
	"drove": "drive", "driven": "drive", "fed": "feed", "hung": "hang", "led": "lead", "lent": "lend",
	"lost": "lose", "rang": "ring", "rung": "ring", "saw": "see", "seen": "see", "sat": "sit", "shook": "shake",
	"spent": "spend", "stood": "stand", "swept": "sweep", "threw": "throw", "thrown": "throw", "understood": "understand",
	"woke": "wake", "won": "win", "wore": "wear", "worn": "wear", "had": "have", "was": "be", "were": "be",
	"been": "be", "forgot": "forget", "forgotten": "forget", "knew": "know", "known": "know", "heard": "hear",
	"felt": "feel", "dealt": "deal", "flew": "fly", "flown": "fly", "froze": "freeze", "frozen": "freeze",
	"rode": "ride", "ridden": "ride", "rewrote": "rewrite", "rewritten": "rewrite", "redid": "redo", "redone": "redo",
	"undid": "undo", "undone": "undo", "upheld": "uphold", "withdrew": "withdraw", "mowed": "mow", "mown": "mow",
	"read": "read", "set": "set", "put": "put", "cut": "cut", "shut": "shut", "split": "split", "quit": "quit",
}

// pastOnly are past forms that cannot be base forms or nouns, used to
// recognise narration of what already happened.
var pastOnly = wordSet(`sent did made took gave wrote paid bought brought built met spoke told got went found left ran drew
chose held kept caught taught sold began drove fed hung led lost rang saw shook spent stood swept threw understood
woke won wore forgot knew heard felt dealt flew froze rode rewrote redid undid withdrew`)

// eventNouns name meetings, appointments and events one attends.
var eventNouns = wordSet(`meeting meetings call calls sync syncs standup stand-up standups huddle review 1:1 1-on-1
one-on-one interview appointment appt lunch dinner breakfast brunch coffee drinks party celebration workshop
webinar seminar conference summit offsite off-site retreat session catch-up catchup check-in checkin retro
retrospective planning kickoff kick-off all-hands allhands townhall town-hall training class lecture presentation
council committee board drill rehearsal ceremony wedding game concert recital practice hearing consultation
checkup check-up briefing debrief walkthrough hangout meetup meet-up gathering reception orientation demo
showcase hackathon screening playdate recital jam tournament match funeral fundraiser gala banquet dentist doctor defence defense viva
vet physio therapy haircut exam visit inspection tour viewing event festival fair expo show outing picnic bbq barbecue
potluck scrum surgery massage lesson tutoring graduation shower open-house huddle deposition mtg mtng
conf-call`)

// meetingVerbs make a meeting by themselves ("let's meet", "sync on Tuesday").
var meetingVerbs = wordSet(`meet sync catch talk chat huddle connect regroup reconvene gather hop jump touch`)

// schedulingVerbs turn a following event noun into a meeting when a date is
// given ("set up a call next Wednesday").
var schedulingVerbs = wordSet(`set setup schedule book arrange organise organize have hold host plan attend join do grab
get go come put make`)

// roleNouns may be an assignee ("the manager prepares…", "IT must…").
var roleNouns = wordSet(`manager managers team lead owner designer designers developer developers engineer engineers admin
assistant accountant lawyer landlord contractor vendor client recruiter intern hire pm ops support finance legal
marketing sales it hr facilities security platform infra infrastructure design product engineering qa devops
editor reviewer author organiser organizer host chair secretary treasurer coordinator committee board dept
department office staff crew everyone everybody someone somebody`)

// groupNames greet a group, not one person ("Hi team,").
var groupNames = wordSet(`all team everyone everybody folks guys there y'all yall both gang friends colleagues people crew
squad team, all, parents families students members staff residents neighbours neighbors customers clients
volunteers participants attendees committee board teachers employees partners sir madam sirs`)

// notNames are capitalised words that start sentences but name nobody.
var notNames = wordSet(`also and but so then ok okay yes yeah yep no nope sure for in on at with by from of to after before into about for in on at with by from of to after before into about great perfect thanks thank cool right
alright well hi hello hey dear please note fyi btw ps first next finally however unfortunately meanwhile
today tomorrow tonight monday tuesday wednesday thursday friday saturday sunday i we you he she they it this
that these those there here everyone everybody someone somebody anyone anybody nobody team all the a an my our
your their his her its if when while once after before as since because although though just maybe perhaps
reminder update agreed good morning afternoon evening regards best cheers sorry oh hmm um uh actually again
still anyway besides otherwise instead plus what who why how where which whoever let lets
headed heading off back flying driving leaving travelling traveling wish hoping remember remind important urgent asap`)

// labelWords introduce a field rather than a speaker ("Subject:", "Root cause:").
var labelWords = wordSet(`subject re fwd fw from to cc bcc date sent time when where location venue agenda attendees present
absent notes note minutes summary decisions decision actions action todo todos tasks task reminder reminders update
updates status impact owner owners due deadline ps fyi nb important urgent question questions answer q a groceries
shopping idea ideas goal goals background context problem problems solution issue issues risk risks blockers blocker
done wip open closed pros cons results result outcome outcomes conclusion details description title name email
phone address cost price total budget week day morning afternoon evening today tomorrow tonight followups
follow-ups follow-up followup next steps step home work personal errands misc other bugs bug features feature
highlights lowlights learnings wins plan plans priority priorities objective objectives scope parking lot
thought thoughts random cause root kpis metrics numbers stats mitigation mitigations dependencies dependency
assumptions constraints findings recommendation recommendations proposal timeline milestones milestone progress
remarks comments feedback observations overview purpose requirements deliverable deliverables fix workaround`)

// sectionKinds classify a header's words.
var actionSectionWords = []string{"action item", "action items", "actions", "action points", "action", "next steps",
	"new actions", "new action items", "next actions", "open actions", "my actions", "your actions",
	"next step", "follow-ups", "follow ups", "followups", "follow-up", "todo", "todos", "to do", "to-do", "to-dos",
	"tasks", "task list", "open items", "outstanding", "checklist", "assignments", "deliverables", "homework",
	"reminders", "errands", "owners", "calls", "to call", "phone calls", "calls to make", "emails", "to email",
	"emails to send", "emails to write", "ais", "ai", "chores", "must do", "do today", "this week", "priorities"}

var shoppingSectionWords = []string{"groceries", "grocery list", "shopping", "shopping list", "to buy", "buy", "supermarket"}

var passiveSectionWords = []string{"decisions", "decision", "notes", "summary", "agenda", "attendees", "present",
	"absent", "background", "done", "completed", "finished", "discussed", "ideas", "idea", "brainstorm",
	"brainstorming", "parking lot", "questions", "open questions", "wishlist", "wish list", "someday", "maybe",
	"later maybe", "root cause", "context", "risks", "impact", "highlights", "learnings", "wins", "results",
	"random thought", "random thoughts", "thoughts", "fyi", "status", "updates", "update", "timeline",
	"what went well", "what went wrong", "what to improve", "what could be better", "what didn't go well",
	"what did not go well", "pain points", "challenges", "lessons learned", "not doing", "out of scope", "won't do", "dropped"}

// acceptances are whole replies that take on the previous request.
var acceptances = []string{"will try", "i'll try", "will do my best", "i'll do my best", "will do", "on it", "i'm on it", "im on it", "sure", "sure thing", "ok", "okay", "k", "yes",
	"yep", "yeah", "yup", "got it", "can do", "no problem", "np", "absolutely", "of course", "consider it done",
	"adding it to my list", "added to my list", "adding to my list", "i'll add it to my list", "on my list",
	"i'll take it", "i'll take that", "i can take it", "i can take that", "i'll do it", "i'll do that", "i can do it",
	"i can do that", "i'll handle it", "i'll handle that", "leave it with me", "i've got it", "i got it", "mine",
	"i'll take care of it", "i'll take care of that", "i'll own it", "i'll own that", "me", "i will", "i can",
	"roger", "roger that", "understood", "noted", "done deal", "happy to", "sure, will do", "ok, will do",
	"okay, will do", "yes, will do", "aye", "certainly", "definitely", "sounds good", "sounds good, will do",
	"will do!", "on it!", "sure!", "ok!", "👍", "i'll do it today", "i'll look into it", "i'll look into that",
	"i'm on that", "on that"}

var stopWords = wordSet(`a an the and or but to of for on in at by with from about into onto over after before
until till up down out off as is are be been was were it its this that these those my our your their his her
me us them i we you he she they so then also just please some any all each every re via per than too very
asap today tomorrow tonight week month`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// baseVerb returns the base form of w when w is an inflection (-s, -ed,
// -ing or irregular) of a known action verb, and "" otherwise.
func baseVerb(w string) string {
	w = strings.ToLower(w)
	if actionVerbs[w] {
		return w
	}
	if b, ok := pastForms[w]; ok {
		return b
	}
	for _, c := range verbCandidates(w) {
		if actionVerbs[c] {
			return c
		}
	}
	return ""
}

func verbCandidates(w string) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 2 {
			out = append(out, s)
		}
	}
	switch {
	case strings.HasSuffix(w, "ies"):
		add(w[:len(w)-3] + "y")
	case strings.HasSuffix(w, "es"):
		add(w[:len(w)-2])
		add(w[:len(w)-1])
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		add(w[:len(w)-1])
	}
	if strings.HasSuffix(w, "ied") {
		add(w[:len(w)-3] + "y")
	}
	if strings.HasSuffix(w, "ed") {
		s := w[:len(w)-2]
		add(s)
		add(s + "e")
		if n := len(s); n >= 2 && s[n-1] == s[n-2] {
			add(s[:n-1])
		}
	}
	if strings.HasSuffix(w, "ing") {
		s := w[:len(w)-3]
		add(s)
		add(s + "e")
		if n := len(s); n >= 2 && s[n-1] == s[n-2] {
			add(s[:n-1])
		}
	}
	return out
}

// gerundBase returns the base verb of an -ing form ("sending" → "send").
func gerundBase(w string) string {
	w = strings.ToLower(w)
	if !strings.HasSuffix(w, "ing") {
		return ""
	}
	return baseVerb(w)
}

// pastBase returns the base verb of a past tense or participle.
func pastBase(w string) string {
	w = strings.ToLower(w)
	if b, ok := pastForms[w]; ok {
		return b
	}
	if !strings.HasSuffix(w, "ed") {
		return ""
	}
	return baseVerb(w)
}

// thirdPersonBase returns the base verb of a third-person -s form.
func thirdPersonBase(w string) string {
	w = strings.ToLower(w)
	if !strings.HasSuffix(w, "s") || strings.HasSuffix(w, "ss") {
		return ""
	}
	for _, c := range verbCandidates(w) {
		if actionVerbs[c] {
			return c
		}
	}
	return ""
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
