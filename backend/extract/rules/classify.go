package rules

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"sentry/backend/extract/dates"
	"sentry/backend/extract/gate"
)

// Frame kinds: how a clause says that something should be done.
const (
	fNone       = iota
	fCommit     // "I'll send it"
	fTeam       // "we need to update it"
	fProposal   // "let's …", "shall we …"
	fRequest    // "can you …", "please …"
	fAssign     // "Mike to document …", "Noor will …"
	fImperative // "send the deck"
	fNeed       // "the changelog needs to be written"
	fDeadline   // "expense reports are due Thursday"
	fItem       // an item of an action list with no verb frame
	fSelf       // "need to call the bank" in a note
)

// clauseFrame is what a clause's wording says: who should act and where the
// action (the verb phrase) starts.
type clauseFrame struct {
	kind      int
	verbStart int    // offset of the verb phrase in the clause
	verb      string // base form replacing an inflected verb at vp ("sending" → "send")
	verbTo    int    // end of the inflected verb it replaces
	object    string // a noun phrase to put after the verb ("the changelog" of "needs to be written")
	who       string // named assignee
	self      bool   // the speaker / sender
	you       bool
	conf      float64
	weak      bool
	prefix    string // a word to put before the title ("Submit")
	keep      bool   // keep the frame words in the title ("Make sure …")
	pron      bool   // the subject is "he/she/they": resolved from the context
	all       bool   // asked of everyone: nobody's in particular, and not claimed
	trip      bool   // a promise after news of a trip ("heading out, will call from the car")
	rule      string // the frames-table row that read the clause
}

var (
	rePraise = gate.MustCompile(`^(?:great|good|nice|excellent|awesome|amazing|fantastic|brilliant|terrific|superb|solid|impressive|wonderful) (?:work|job|effort|stuff|news|catch` +
		`|call|progress)\b|^(?:well done|kudos|hats off|bravo)\b`)
	reMarkers = regexp.MustCompile(`^(?:(?:and|also|so|ok|okay|oh|yes|yeah|yep|sure|great|perfect|cool|right|alright|well|then|plus|btw|fyi|ps|p\.s\.|one more thing` +
		`|(?:a |friendly |quick |gentle |just a |just a quick |a quick )?reminder(?: that)?|(?:just\s+)?(?:a\s+)?(?:quick\s+)?heads[- ]up` +
		`|this is (?:a|just a|your) (?:friendly |quick |gentle )?reminder(?: of| that| about| for)?|nb|hey|hi|but|or|additionally|in addition|meanwhile|anyway|finally|lastly|hmm|um` +
		`|uh|thanks|thank you|sounds good|agreed|got it|noted|on it|i'm on it|will do|wait|actually|honestly|look|listen|ah|and also|also,? and)\b[\s,:.!—–-]*)+`)
	reVocative  = regexp.MustCompile(`^(@[\w.-]+|[\p{Lu}][\p{L}'’-]*(?:\s[\p{Lu}][\p{L}'’-]*)?)\s*(?:,|\s[-–—])\s+`)
	reTodoOwner = regexp.MustCompile(`^(?:todo|to-do|fixme|action|ai|task)\s*\(\s*@?([\w.-]+)\s*\)\s*:?\s*`)
	reVocMid    = regexp.MustCompile(`,\s*(@?[\p{Lu}][\p{L}'’-]*)\s*,`)
	reVocTail   = regexp.MustCompile(`,\s*(@?[\p{Lu}][\p{L}'’-]*)\s*[?.!]*\s*$`)

	reBoiler = gate.MustCompile(`\b(?:unsubscribe|(?:reply|let me know|shout|tell me|write back) if i (?:missed|forgot|left out|got wrong) (?:anything|something)|click here` +
		`|click (?:on )?(?:the )?(?:link|button|below)|\$link|address book|safe[- ]sender|opt[- ]out|stop receiving|no longer (?:wish|want) to receive` +
		`|to ensure (?:delivery|that you|you)|view (?:this|it) (?:email|in your browser)|web version|privacy policy|terms (?:of|and) (?:service|conditions)|reply stop|text stop` +
		`|all rights reserved|do not reply to this|don't reply to this|if you have (?:any )?(?:other |further |more )?(?:questions|comments|concerns)` +
		`|if you need (?:any )?(?:help|assistance|anything|further)|(?:don't|do not) hesitate|feel free to (?:reach out|contact|get in touch)` +
		`|let (?:me|us) know if you (?:have|need) (?:any )?(?:questions|help|anything)|let (?:me|us) know if there(?:'s| is) anything` +
		`|please (?:see|find) (?:the )?(?:attached|enclosed|below|above)|please note|please be advised|please be aware|attached please find` +
		`|(?:contact|call|email|e-mail|write to|reach|message|visit) us\b|let me (?:tell|explain|introduce|say|start by|be clear|be honest|share)` +
		`|with (?:any )?(?:questions|concerns)|hold off|(?:keep|bear) (?:that|this|it|these|those) in mind|keep in mind|bear in mind|refrain from|until further notice` +
		`|(?:at|via|using|from) the link below|the link below to|contact (?:our|the) (?:support|customer service|customer care|help ?desk|service) (?:team|desk|line|center|centre)?` +
		`|follow[- ]?up (?:to|on) (?:my |your |the |our |a )?(?:previous|earlier|last|prior) (?:message|email|e-mail|note|mail)|sign up now|buy now|order now|shop now|act now` +
		`|join now|search now|call now|limited time|free shipping|% off|earn \$|make \$|https?://|www\.)`)
	reMailAddr = regexp.MustCompile(`\w@\w+\.(?:com|net|org)`)
	rePleasant = regexp.MustCompile(`^(?:(?:i'll |i will |i shall |will )write (?:more |again |back |you )?(?:later|soon|when|once|after|tomorrow|next)` +
		`|drive (?:safe|safely|carefully)|safe travels|travel safe|hope (?:you|this|all|everyone|that)|i hope|look(?:ing)? forward|see you|talk (?:soon|later)|speak soon` +
		`|have (?:a|an) (?:good|great|nice|lovely|wonderful|fantastic|safe|fun)|have fun|enjoy|get well|take care\s*[.!]*$|stay (?:safe|tuned)|keep (?:up the|it up)|thanks?\b` +
		`|thank you|many thanks|congrat|happy (?:birthday|holidays|new year|friday|monday)|good luck|welcome|cheers|find (?:the )?(?:attached|enclosed|below)` +
		`|see (?:the )?(?:attached|below|above)|start saving|find out|learn (?:how|more)|discover|get started|go here|don't miss|do not miss)`)
	reSuggest = gate.MustCompile(`\b(?:i(?:'d| would) (?:suggest|propose|recommend)(?: that)?|it would be (?:great|good|nice|ideal|helpful|useful|worthwhile|best) (?:if|for)` +
		`|it'd be (?:great|good|nice|best) if|it may be worthwhile for|it might be worth(?:while)? for|maybe it's time)\s+(we|us|you|u)\s+(?:could\s+|can\s+|to\s+|should\s+|would\s+` +
		`|all\s+)*`)
	reCondPron = regexp.MustCompile(`^(?:that\s+)?(?:it|that|this|they|these|those|he|she)(?:'s|'re| is| are| has| have| gets| get| stays| looks| works)\b`)
	reAnyone   = regexp.MustCompile(`^(?:(?:any|got any|need|we need|looking for)\s+(?:volunteers?|takers)\s+(?:to|for)\s+)` +
		`|^(?:is\s+)?(?:anyone|anybody|someone|somebody|who(?:'s| is)?)\s+(?:free|available|able|around|willing|up for it|happy|keen)\s+(?:to|and able to)\s+` +
		`|^(?:does\s+)?(?:anyone|anybody)\s+(?:want|have time)\s+to\s+|^who\s+(?:can|could|wants to|will)\s+`)
	reAvail = regexp.MustCompile(`^(?:are|r)\s+(?:you|u|y'all|you guys|you two)\s+(?:still\s+)?(?:free|available|around|up|open|ok|coming|going|joining|attending|able to make` +
		`|able to come|up for)\s+(?:for\s+|to\s+|it\s+to\s+)?|^(?:will|can|could)\s+(?:you|u)\s+(?:make it|join us|come|attend)\s+(?:to\s+|for\s+)?` +
		`|^(?:do|would)\s+(?:you|u)\s+(?:want|wanna|like)\s+to\s+|^(?:want|wanna)\s+to\s+|^(?:how|what)\s+about\s+|^(?:up|free)\s+for\s+|^fancy\s+` +
		`|^(?:can|could)\s+(?:you|u)\s+(?:make|do|join)\s+(?:it\s+(?:to\s+)?)?`)
	reThirdC = regexp.MustCompile(`^(he|she|they)(?:'ll| will| is going to|'s going to| are going to|'re going to| promised to| agreed to| offered to| needs to| has to| have to` +
		`| must| should| said (?:he|she|they)(?:'d| would| will))\s+(?:also\s+|then\s+)?`)
	reMayI = regexp.MustCompile(`^(?:may|can|could|might) (?:i|we) (?:please\s+)?(?:get|have|borrow|see|grab|request|ask (?:you|u) to|ask that you)\s+`)
	reHypo = gate.MustCompile(`\(maybe\)|\(optional\)|\(someday\)|\b(?:if (?:only|we had|i had|we have time|i have time|we get time|i get time|i find time|we find time` +
		`|time permits)|could maybe|maybe someday|someday|some day|at some point|one day we|in an ideal world|would be (?:nice|cool|great) (?:to|if)|might be (?:nice|cool|worth)` +
		`|what if|brainstorm\w*|idea:|ideas:|wild idea|pipe dream|just a thought|random thought|not my problem|let's not|lets not|let us not` +
		`|we could (?:maybe|possibly|perhaps|consider|also consider)|could consider|might consider|maybe we (?:could|should|can)|perhaps we (?:could|should|can)|we might|i might` +
		`|might want to think|wishlist|wish list|not (?:committing|commit) to|not (?:now|yet),? (?:but|though)|for another time|down the road|in the future|one of these days` +
		`|i wonder if|i was wondering whether|toying with|wish (?:i|we) (?:could|had|were|was|did))\b`)
	reCancel = gate.MustCompile(`\b(?:cancell?ed|called off|call(?:ing)? it off|no longer (?:needed|necessary|required|happening|going ahead)|no need (?:to|for)|not needed` +
		`|needn't|need not|don't need to|do not need to|doesn't need to|does not need to|never ?mind|scratch that|scrap(?:ped)? (?:that|it)|won't be (?:needed|necessary|happening)` +
		`|isn't happening|is off|are off|been dropped|is dropped|was dropped|declined?|turned (?:it|that|them)? ?down|postponed indefinitely|on hold|not going ahead` +
		`|skip(?:ping)? (?:it|that|this) (?:this|next)|(?:we|i|they|he|she) dropped (?:it|that|this))\b`)
	reDone = gate.MustCompile(`\b(?:already|(?:is|are|was|were|'s|all|been|got it|it's|that's) (?:done|finished|complete|completed|sorted|handled|fixed|sent|taken care of` +
		`|resolved|merged|shipped|booked|paid|submitted)|all (?:sorted|set|good)` +
		`|i've (?:already |just )?(?:\w+ed|sent|done|made|written|paid|bought|built|met|spoken|told|got|found|taken|given)` +
		`|we've (?:already |just )?(?:\w+ed|sent|done|made|written|paid|bought|built|met|spoken|told|got|found|taken|given)|(?:has|have) (?:already |just )?been` +
		`|just (?:sent|finished|did|wrapped up|submitted|pushed|merged|shipped|called|emailed|booked|paid)|took care of|yesterday` +
		`|last (?:night|week|month|friday|monday|tuesday|wednesday|thursday|saturday|sunday))\b`)
	reAway        = regexp.MustCompile(`^(?:i'm|i am|i'll be|i will be|we're|we are)\s+(?:off|out|away|ooo|out of (?:the )?office|on (?:leave|vacation|holiday|pto|sick leave))\b`)
	reThinkShould = regexp.MustCompile(`^i (?:really |honestly |still |do )?(?:think|believe|feel)(?: that)? (we|you|u) (?:really |definitely |probably )?(?:should|ought to|need to` +
		`|must)\s+(?:also\s+|just\s+)*`)
	reYouOwn     = regexp.MustCompile(`^you(?:'re| are)?\s+(?:own|owning|have|take|get|are on|'re on)\s+(?:(?:the|our|a|an)\s)`)
	reHasOwn     = regexp.MustCompile(`^\s+(owns|has|have|takes|gets|is on|will own|will take)\s+(?:(?:the|our|a|an)\s)`)
	reNPDeadline = regexp.MustCompile(`^((?:the |our |my )?[a-z][\w' /&-]{1,40}?)[!.]*\s+(?:[-–—:]\s*)?(?:deadline|due)\s*:?\s+`)
	reYoullAsk   = regexp.MustCompile(`^(?:you|u)(?:'ll| will)\s+(?:also\s+|still\s+|then\s+)?`)
	reNeededFrom = regexp.MustCompile(`^(?i:an? |the )?((?i:decisions?|approvals?|sign-?off|feedback|input|answers?|confirmation|review|response|go-ahead|ok))\s+(?:is ` +
		`|are )?(?:still )?(?:needed|required|wanted) from\s+([\p{Lu}][\p{L}'’-]*(?:\s[\p{Lu}][\p{L}'’-]*)?)\s*`)
	reOverdue    = regexp.MustCompile(`\boverdue\b|!!`)
	reURLPath    = regexp.MustCompile(`\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|app|us|dev)/\S`)
	reItemOwner  = regexp.MustCompile(`^([\p{Lu}][\p{L}'’-]*(?:\s[\p{Lu}][\p{L}'’.-]*)?)\s*:\s+`)
	reActionMark = regexp.MustCompile(`^(?:action(?: item)?|ai|todo|to-do|task)\s*(?:[-–—]+|:)\s*`)
	reSaveDate   = regexp.MustCompile(`^save the date\s*[:,—–-]?\s*`)
	reNeedThing  = regexp.MustCompile(`^(?:(?:i|we)\s+)?(?:also\s+|still\s+|really\s+|will\s+|'ll\s+)*need\s+((?:the|your|a|an|those|these|that|this|some)\s)`)
	reParenQ     = regexp.MustCompile(`\s*\([^()]*\?\)\s*$`)
	reGoodTo     = regexp.MustCompile(`^(?:but |so |and )?it(?:'d| would)(?: really| probably)? be (?:good|great|best|helpful|ideal|wise|smart|useful) to\s+`)
	reMySuggest  = regexp.MustCompile(`^(?:so |and )?my (?:only |main |first |one |strong )?(?:recommendation|suggestion|proposal|advice) (?:is|would be|will be|here is) (?:that we |to )`)
	reSeeYou     = regexp.MustCompile(`^(?:(?:i'll|i will|i shall|we'll|we will|will)\s+)?see (?:you|y'all|you all|everyone|you guys|you both)(?: there| then)?\s+(?:at|on|in|this` +
		`|next|tomorrow|tonight|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)\b`)
	reHopeJoin = regexp.MustCompile(`^(?:we|i) (?:hope|trust) (?:that )?you (?:will|can|'ll|could|are able to) (?:be able to )?(?:join|attend|come to|be at|make it to)\s+`)
	reSchedYou = regexp.MustCompile(`^(?:you(?:'re| are)|we(?:'ve| have) you)\s+(?:now\s+|also\s+)?(?:scheduled|booked|slated|set|confirmed|registered|signed up|down)\s+(?:to|for)\s+`)
	reKnowByIf = regexp.MustCompile(`^(?:please\s+|pls\s+|kindly\s+)?let (?:me|us) know\b.{0,40}?\bif you have (?:any )?(?:further |other |more |additional )?(comments|changes` +
		`|concerns|objections|edits|feedback|corrections|revisions)\b`)
	reByAgent    = regexp.MustCompile(`^(\s+(?:off|out|up|over|through))?\s+by\s+([\p{Lu}][\p{L}.'’-]*(?:\s[\p{Lu}][\p{L}.'’-]*){0,2})`)
	rePersonal   = regexp.MustCompile(`(?:^|\s)(?:i|we|me|us|you)(?:\s|$)`)
	reAskWhether = gate.MustCompile(`\b(?:writing|write|wanted|want|would like|'d like|like) to ask (?:you )?(?:whether|if) you (?:would|might|could|can` +
		`|will)(?: be (?:willing|able|available|happy|prepared) to)?\s+`)
	reTimeLead = regexp.MustCompile(`^(?:before|after|once|when|as soon as|right after|until|till)\s+[^,.;?!]{2,60}?(?:,\s*` +
		`|\s+)((?:i|we)(?:'ll| will| shall|'m going to| am going to| are going to|'re going to| need to| have to| must| plan to)\s)`)
	reDueWord   = regexp.MustCompile(`\b(?:due|deadline)\b`)
	reApprAsk   = regexp.MustCompile(`\bwould be (?:great|good|helpful|nice|ideal|awesome|useful|wonderful) if (?:you|u|someone|somebody|anyone|one of you)\s+(?:could|can|would)\b`)
	reAtVoc     = regexp.MustCompile(`^(@[\w.-]*\w)[:]?\s+`)
	reBareWill  = regexp.MustCompile(`^(?:will|'ll|gonna|going to|shall)\s+(?:also\s+|just\s+|then\s+|definitely\s+|probably\s+)?`)
	reGoingThen = regexp.MustCompile(`^(?:(i|we)(?:'m|'re| am| are|'ll be| will be| shall be)\s+)?(?:(?:off|headed|heading|flying|driving|leaving|travell?ing|going|returning` +
		`|on (?:my|our) way)\s+(?:to|for|back|home|in|into|out|over|up|down)\b)|^(i|we)(?:'m|'re| am| are|'ll be| will be| shall be)\s+(?:back|out|away|at|in)\b`)
	reThenAct = regexp.MustCompile(`\bto\s+|(?:,\s*|\s+)(?:and\s+|then\s+|but\s+)*(?:i'll|i will|i shall|will|we'll|we will)\s+(?:also\s+|then\s+|just\s+)?`)
	reAppos   = regexp.MustCompile(`^(?i:our|my|your|the|their|his|her)\s+[\p{Ll} -]{2,40}?,\s+([\p{Lu}][\p{L}.'’-]*(?:\s[\p{Lu}][\p{L}.'’-]*){0,2}),`)
	reTravel  = regexp.MustCompile(`^(?:(?:i|we|he|she|they)(?:'m|'re|'s| am| are| is| will be|'ll be| shall be)\s+)?(?:off|headed|heading|flying|driving|leaving|travell?ing` +
		`|on (?:my|our|his|her|their) way)\s+(?:out\s+)?(?:to|for|back to|home|back home)\b` +
		`|^(?:(?:i|we|he|she|they)(?:'ll| will| shall)\s+)?(?:return|be returning|be back)\s+(?:to (?:the )?(?:office|work|town)|from|home)\b`)
	reNegStart = regexp.MustCompile(`^(?:(?:i|we|you|he|she|they|it)\s+)?(?:won't|will not|wont|can't|cannot|cant|couldn't|shouldn't|should not|don't|do not|dont|didn't|did not` +
		`|doesn't|does not|am not|are not|aren't|isn't|is not|never|not going to|not gonna|no way)\b`)
	rePolite = regexp.MustCompile(`^(?:if (?:you(?:'re| are) (?:able|willing|happy|free) to (?:accept|do (?:it|so|this)|help|take (?:it|this) on|join|attend|come)` +
		`|[^,]{0,60}?\b(?:meets? with your approval|meets? your approval|looks? (?:good|right|ok|okay|fine|correct|acceptable)` +
		`|(?:is|are|seems?) (?:acceptable|agreeable|ok|okay|fine|correct|in order)|works? for you)` +
		`|you (?:agree|approve|concur|are (?:happy|ok|okay|fine|comfortable|satisfied) with|are in agreement)` +
		`|you (?:get|have|find) (?:a |the )?(?:chance|minute|moment|sec|second|time)|you can|you could|possible|you don't mind|you do not mind|not too much trouble` +
		`|it's not too much trouble|you're free|you are free|you have a sec)|when(?:ever)? you (?:get|have|find) (?:a |the )?(?:chance|minute|moment|sec|second|time)|when you can` +
		`|at your (?:earliest )?convenience)[^,]*,\s*`)
	reCondHead = regexp.MustCompile(`^(?:if|unless|in case|should you|provided|assuming|whether)\b`)

	reCommit = regexp.MustCompile(`^(i|we)(?:\s+(?:also|then|just|definitely|probably|still|really|first|will\s+probably)\b)?(?: would be happy to| will make sure to` +
		`| will be able to|'ll make sure to| am planning to| will make sure| would like to| would love to|'m planning to|'d be happy to|'ll be able to| are going to| will need to` +
		`| will have to| volunteer to|'ll make sure| am going to|'re going to| will try to| have got to| am happy to|'m going to|’m going to|'ll need to|'ll have to|'m happy to` +
		`| offered to| promise to| intend to|'d like to|'d love to|'ll try to|'ve got to| am gonna|'m gonna| plan to| want to| need to| have to| hope to| should| shall| gonna| could` +
		`| gotta| will| must| can|'ll|’ll)\s+(?:also\s+|just\s+|quickly\s+|then\s+|first\s+|definitely\s+|probably\s+|try to\s+|go\s+(?:and\s+)?|now\s+|still\s+|personally\s+` +
		`|happily\s+|gladly\s+)*`)
	reProgFut = regexp.MustCompile(`^(i|we)(?:'m|’m| am|'re| are)\s+(?:also\s+|just\s+)?(\w+ing)\b`)
	reLetMe   = regexp.MustCompile(`^(?:let me|lemme)\s+(?:just\s+|quickly\s+|go\s+)?`)
	reLetMeKn = gate.MustCompile(`\b(?:please\s+|pls\s+|kindly\s+|do\s+|can you\s+|could you\s+|would you\s+|just\s+)*let (me|us)\s+know\b`)
	reLets    = regexp.MustCompile(`^(?:let's|let’s|lets|let us|shall we|should we|how about we|why don't we|why not|maybe we should|we could|can we|could we` +
		`|we should probably)\s+(?:also\s+|just\s+|quickly\s+|try to\s+|go ahead and\s+)*`)
	reAskYou = gate.MustCompile(`\b(?:can|could|would|will|won't|cud|wud|can't)\s+(?:you guys|you all|you two|you both|y'all|you(?: and [\w'-]+)?|u` +
		`|ya)[,\s]+(?:(?:please|pls|kindly|also|just|quickly|maybe|possibly|perhaps|still|instead|rather|first|go ahead and|try to|both|help(?: me| us)?)[,\s]+)*`)
	reMindYou = gate.MustCompile(`\b(?:would|do|will)\s+(?:you|u)\s+mind\s+(?:also\s+|just\s+)?`)
	reChance  = gate.MustCompile(`\bany chance (?:you|u) (?:could|can|might)\s+`)
	rePlease  = regexp.MustCompile(`(?:^|[\s,:;(—–-])(?:please|pls|plz|pl[sz]e|kindly)[,\s]+(?:do\s+|also\s+|just\s+|quickly\s+|go ahead and\s+|try to\s+|remember to\s+` +
		`|make sure to\s+|be sure to\s+|don't forget to\s+|ensure you\s+|feel free to\s+)*`)
	reNeedYou = gate.MustCompile(`\b(?:i|we)\s+(?:need|want|'d like|would like|would love|'d love|expect|will need|'ll need|'d need|would need)\s+(?:you|u|y'all|you guys|you all` +
		`|everyone|everybody|all of you)\s+to\s+(?:please\s+|also\s+|just\s+)*`)
	reYouMust = regexp.MustCompile(`^(?:you|u|y'all|you guys|you all|everyone|everybody|all of you)\s+(?:need to|have to|must|should|will need to|'ll need to|'ll have to` +
		`|will have to|might want to|may want to|'ll want to|ought to|are to|'re to|are expected to|are required to|are asked to)\s+(?:please\s+|also\s+|just\s+)*`)
	reAppr = gate.MustCompile(`\b(?:it would be (?:great|good|helpful|nice|ideal|awesome|useful|wonderful) if|it'd be (?:great|good|helpful|nice|ideal|awesome) if` +
		`|i'd appreciate (?:it )?if|i would appreciate (?:it )?if|i'd be grateful if|i would be grateful if|if)\s+(?:you|u)\s+(?:could|can|would)\s+(?:please\s+|also\s+|just\s+)*`)
	reRemind  = regexp.MustCompile(`(?:^|\s)(?:please\s+)?(?:don't|do not|dont|remember|be sure|make sure|ensure)\s*(?:forget\s+)?(?:to\s+)?`)
	reSomeone = gate.MustCompile(`\b(?:can|could|would|will)\s+(?:someone|somebody|anyone|anybody|one of you)\s+(?:please\s+)?` +
		`|\b(?:someone|somebody)\s+(?:needs to|should|has to|must|will need to)\s+|\bneed(?:s)?\s+(?:someone|somebody|a volunteer)\s+to\s+|\bwho can\s+` +
		`|\b(?:it would be (?:great|good|helpful|nice|ideal|useful) if|it'd be (?:great|good|helpful|nice) if|i'd appreciate it if|i would appreciate it if|if)\s+(?:someone|somebody` +
		`|anyone|anybody|one of you)\s+(?:could|can|would)\s+(?:please\s+)?`)
	reSelf  = regexp.MustCompile(`^(?:need to|needs to|must|have to|gotta|got to|should|remember to|don't forget to|dont forget to|do not forget to|to do:|todo:|todo)\s+(?:also\s+|just\s+)*`)
	reModal = regexp.MustCompile(`^\s+(?:(?:still|also|really|definitely|probably|then|now|first)\s+)?(?:said (?:she|he|they)(?:'d| would| will)|are responsible for` +
		`|is responsible for|is taking care of|are supposed to|is supposed to|volunteered to|will have to|are going to|will need to|is going to|is handling|promised to|offered to` +
		`|agreed to|needs to|need to|have to|should|has to|are to|shall|is to|could|is on|will|must|'ll|’ll|can|to)\s+(?:also\s+|then\s+|first\s+|please\s+)*`)
	rePassive = regexp.MustCompile(`^((?:the |our |my |your |this |that |these |those |a |an |all |both )?[\w' /&-]{1,40}?)\s+(?:still\s+|also\s+|really\s+)?(?:needs?|has|have|must` +
		`|should|ought|will need|will have|will|is going|are going)\s+(?:to\s+)?be\s+(?:\w+ly\s+)?(\w+)\b`)
	reNeedsIng = regexp.MustCompile(`^((?:the |our |my |your |this |that |these |those |a |an )?[\w' /&-]{1,40}?)\s+(?:still\s+|really\s+)?needs?\s+(\w+ing)\b`)
	reDue      = regexp.MustCompile(`(?:^|,\s+|that\s+|reminder:?\s+)((?:the |our |my |your |all |this |these |those )?(?:[\w' /&$.-]|,\d){1,50}?)\s+(?:is|are|'s|are all|is all)\s+(?:still\s+)?due\b`)
	reDueFor   = regexp.MustCompile(`^\s+for\s+(?:a|an|its|their|his|her|the|our|my|your)?\s*([a-z][a-z -]{1,30}?)(?:\s+(?:by|before|on|in|at|until|next|this)\b|[.,;!]|$)`)
	reDeadline = gate.MustCompile(`\bdeadline (?:for|on) ((?:the |our |my |your )?[\w' /&-]{1,40}?)\s+(?:is|was moved to|has moved to)\b|^((?:the |our |my )?[\w' /&-]{1,40}?)\s+deadline\s+is\b`)
	reOwnerPar = regexp.MustCompile(`\s*[(\[]\s*(?:owner:?\s*|@)?([\p{Lu}@][\p{L}.'’-]*(?:\s[\p{Lu}][\p{L}'’-]*)?)\s*[)\]]\s*[.!]*\s*$`)
	reOwnerAt  = regexp.MustCompile(`(?:^|\s)@([\w.-]+)`)
	reOwnerEnd = regexp.MustCompile(`\s+(?:[-–—]|->|→)\s*([\p{Lu}][\p{L}'’-]*(?:\s[\p{Lu}][\p{L}'’-]*)?)\s*[.!]*\s*$`)
	reOwnerPre = regexp.MustCompile(`^(?:\[([\p{L}][\p{L}' -]*)\]\s*|([\p{Lu}][\p{L}'’-]*(?:\s[\p{Lu}][\p{L}'’-]*)?)\s*:\s+)`)
	reOwnerKw  = regexp.MustCompile(`(?i)[\s,;(-]*\b(?:owner|assignee|assigned to|who|responsible)\s*[:=-]?\s*([\p{Lu}@][\p{L}.'’-]*(?:\s[\p{Lu}][\p{L}'’-]*)?)\)?\s*[.!]*\s*$`)
	reDashVerb = regexp.MustCompile(`^([\p{L}0-9][\p{L}0-9' ]{0,30}?)\s+[-–—:]+\s+(\p{L}+)`)
	reAskAll   = gate.MustCompile(`^(?:(?:can|could|would|will)\s+(?:everyone|everybody|all of you|each of you|the whole team)` +
		`|(?:everyone|everybody|all of you|each of you),?\s+(?:please|pls)|(?:everyone|everybody|all of you|each of you)\s+(?:needs? to|should|must|has to|have to))\s+(?:please\s+)?`)
	reWantsBy = gate.MustCompile(`^(?:the\s+)?([a-z][\w&'’ -]{1,30}?)\s+(?:wants|needs|is asking for|are asking for|asked for|has asked for|have asked for|requested|would like` +
		`|expects)\s+(?:the\s+|a\s+|an\s+|our\s+|their\s+|its\s+)?(.+?)\s+(?:by|before|no later than)\s+`)
	reSaidWill = regexp.MustCompile(`^([a-z][\w'’-]*)\s+(?:said|says|mentioned|promised|confirmed|agreed)\s+(?:that\s+)?(?:he|she|they)(?:'ll|’ll| will| would|'d| is going to| are going to| can)\s+`)
	reNoOwner  = gate.MustCompile(`^(?:we\s+|i\s+)?(?:still\s+)?(?:don't|do not|dont|didn't|did not)\s+(?:yet\s+)?have\s+(?:an?\s+|any\s+)?(?:owner|anyone|someone|somebody|volunteer` +
		`|a volunteer)\s+(?:yet\s+)?(?:for|to do|to take|to own|to handle)\s+(.+?)(?:\s+yet)?[.!?]*$` +
		`|^who(?:'s| is| wants to| can| will| could| has|'s got| has got)\s+(?:own|owning|take|taking|do|doing|handle|handling|pick up|picking up|grab|got|on)\s+(.+?)\??$`)
	// reObjectNoun: words after a verb that reNounNext reads as "the first
	// word was a noun" ("Status report", "Weekly update"), which after a verb
	// that is rarely a noun are its object ("write report draft").
	reObjectNoun = regexp.MustCompile(`^(?:report|notes|summary|update|status)\b`)
	reNounNext   = regexp.MustCompile(`^(?:is|was|are|were|has|had|will|would|should|can|could|looks|went|seems|from|of|'s|got|needs|needed|came|arrived|status|update|went|was|today` +
		`|yesterday|done|finished|sent|received|report|notes|summary)\b`)
	reHaveIdle = regexp.MustCompile(`^have\s+(?:a|an)\s+(?:good|great|nice|lovely|wonderful|fun|safe|happy|question|idea|feeling|problem)|^have\s+(?:been|had|no|any|fun|to)\b|^have$`)
	reAttend   = regexp.MustCompile(`^(?:be there|be on time|attend|join(?: us)?|come|show up|be present|make it|rsvp)\b`)
)

// clauseCuts are the places a sentence breaks into clauses: each is the end
// of one clause and the start of the next.
type clauseCuts [][2]int

func (c *clauseCuts) add(end, next int) { *c = append(*c, [2]int{end, next}) }

// clauses splits a sentence into clauses that can each hold a task.
func (a *analyzer) clauses(u unit, s span) []span {
	t := gate.LowerASCII(a.text[s.start:s.end])
	raw := a.text[s.start:s.end]
	var cuts clauseCuts
	a.breakCuts(t, raw, &cuts)
	// Speech recognised without punctuation ("i will send the report by
	// friday and um can you book the room also we need to renew…"): break
	// before the phrases that start a new ask or promise.
	if (a.kind == "meeting_transcript" || a.kind == "chat") && speechLike(t) {
		speechCuts(t, &cuts)
	}
	a.nameAndPleaseCuts(t, raw, &cuts)
	// "book flights, ask Raj about the hotel" in a to-do list or a note.
	if u.section == secAction || u.item || a.kind == "note" || a.kind == "handwritten_ocr" {
		for _, m := range reCommaVerb.FindAllStringSubmatchIndex(t, -1) {
			if actionVerbs.Has(t[m[2]:m[3]]) && len(strings.Fields(t[:m[0]])) >= 2 {
				cuts.add(m[0], m[2])
			}
		}
	}
	a.dashCuts(u, t, raw, &cuts)
	if len(cuts) == 0 {
		return []span{s}
	}
	return a.trimClauses(splitAtCuts(s, len(t), cuts))
}

// isNameAsked says a break right after one name is no break: "Tom - can
// you…": the name is who is asked.
func (a *analyzer) isNameAsked(raw string, at int) bool {
	before := strings.TrimSpace(raw[:at])
	return len(strings.Fields(before)) == 1 && a.isPersonName(strings.TrimPrefix(before, "@"))
}

// breakCuts cuts at the words and punctuation of clauseBreaks.
func (a *analyzer) breakCuts(t, raw string, cuts *clauseCuts) {
	for _, re := range clauseBreaks {
		for _, m := range re.FindAllStringSubmatchIndex(t, -1) {
			if a.isNameAsked(raw, m[0]) {
				continue // "Tom - can you…": the name is who is asked
			}
			if len(m) > 2 && m[2] >= 0 {
				cuts.add(m[0], m[2]) // the group starts the next clause
			} else {
				cuts.add(m[0], m[1])
			}
		}
	}
}

// speechCuts cuts unpunctuated speech before the phrases that start a new
// ask or promise, with the name that goes with an ask.
func speechCuts(t string, cuts *clauseCuts) {
	for _, m := range reSpeechBreak.FindAllStringSubmatchIndex(t, -1) {
		if m[2] > 0 {
			cuts.add(m[0], m[2])
		}
	}
	// "… and uh sarah can you ping legal": the name goes with the ask.
	for _, m := range reSpeechVoc.FindAllStringSubmatchIndex(t, -1) {
		if w := t[m[2]:m[3]]; m[2] > 0 && !stopWords.Has(w) && !notNames.Has(w) && !functionWords.Has(w) && baseVerb(w) == "" {
			cuts.add(m[0], m[2])
		}
	}
}

// nameAndPleaseCuts cuts before ", and Tim will set up …" and before ",
// please …" after a full clause ("… at 2pm, please be there").
func (a *analyzer) nameAndPleaseCuts(t, raw string, cuts *clauseCuts) {
	// ", and Tim will set up …"
	for _, m := range findAllSubIf(strings.Contains(raw, " and "), reAndName, raw) {
		if n := raw[m[2]:m[3]]; a.isPersonName(n) || a.knownName(n) {
			cuts.add(m[0], m[2])
		}
	}
	// ", please …" after a full clause ("… at 2pm, please be there").
	for _, m := range reCommaPlease.FindAllStringIndex(t, -1) {
		before := t[:m[0]]
		if k := strings.LastIndexAny(before, ";:"); k >= 0 {
			before = before[k+1:] // "…; Carlos, please…": Carlos is asked
		}
		before = strings.TrimSpace(before)
		if len(strings.Fields(before)) >= 4 {
			cuts.add(m[0], m[0]+1)
		}
	}
}

// dashCuts cuts at a dash between clauses — not between a noun and a verb
// ("dentist - reschedule"), before a date ("- due next Friday"), or
// between the fields of a list item ("quotes - Umar - Friday").
func (a *analyzer) dashCuts(u unit, t, raw string, cuts *clauseCuts) {
	for _, m := range reDashBreak.FindAllStringIndex(t, -1) {
		if rest := t[m[1]:]; strings.HasPrefix(rest, "due ") || strings.HasPrefix(rest, "by ") {
			continue // "…the customer survey - due next Friday": its date
		}
		if a.lines[u.line].bullet || u.section == secAction || reActionMark.MatchString(t) {
			break // in a list, dashes separate an item's fields ("quotes - Umar - Friday")
		}
		left := strings.TrimSpace(t[:m[0]])
		if lw := strings.Fields(left); len(lw) <= 3 && (len(lw) == 0 || baseVerb(lw[0]) == "" || lw[0] == "call") && actionVerbs.Has(firstWordOf(t[m[1]:])) {
			continue // "dentist - reschedule to next month"
		}
		if a.isNameAsked(raw, m[0]) {
			continue // "Tom - can you…": the name is who is asked
		}
		cuts.add(m[0], m[1])
	}
}

// splitAtCuts splits the sentence s (n bytes) at its cuts, in order; a cut
// inside an earlier one is dropped.
func splitAtCuts(s span, n int, cuts clauseCuts) []span {
	for i := 1; i < len(cuts); i++ {
		for j := i; j > 0 && cuts[j][0] < cuts[j-1][0]; j-- {
			cuts[j], cuts[j-1] = cuts[j-1], cuts[j]
		}
	}
	var out []span
	prev := 0
	for _, c := range cuts {
		if c[0] < prev {
			continue
		}
		if c[0] > prev {
			out = append(out, span{s.start + prev, s.start + c[0]})
		}
		prev = c[1]
	}
	if prev < n {
		out = append(out, span{s.start + prev, s.end})
	}
	return out
}

// trimClauses trims the spaces around each clause and drops empty ones.
func (a *analyzer) trimClauses(out []span) []span {
	res := out[:0]
	for _, c := range out {
		for c.start < c.end && isSpaceByte(a.text[c.start]) {
			c.start++
		}
		for c.end > c.start && isSpaceByte(a.text[c.end-1]) {
			c.end--
		}
		if c.end > c.start {
			res = append(res, c)
		}
	}
	return res
}

var (
	clauseBreaks = []gate.Regexp{
		gate.MustCompile(`\s*;\s+`),
		gate.MustCompile(`,\s+((?:i|we)(?:'ll|’ll| will| can| am going to|'m going to| are going to|'re going to)\s)`),
		gate.MustCompile(`\s+[-–—]+\s+((?:[a-z][a-z'’-]+,\s+)?(?:would|could|can|will) you\b|please\b)`),
		gate.MustCompile(`,?\s+but\s+`),
		gate.MustCompile(`,\s+so\s+`),
		gate.MustCompile(`,?\s+and then\s+|,\s+then\s+`),
		gate.MustCompile(`,\s+and\s+(?:also\s+)?((?:i|we|you|he|she|they|i'll|we'll|you'll|let's|please|can you|could you)\b)`),
		gate.MustCompile(`,\s+(?:it's|it is|that's|that is|which|since|because|as it|as we|as i)\s+`),
		gate.MustCompile(`\s+(?:so that|so)\s+((?:i|we|they|he|she)\s+(?:can|could|will|may|might)\b)`),
	}
	reSpeechBreak = regexp.MustCompile(`\s+(?:(?:and|so|okay|ok|alright|right|um+|uh+|er|also|then|plus)\s+)*((?:can|could|would|will) you\s|please\s|we (?:need|have|got) to\s` +
		`|we should\s|i need to\s|i(?:'ll| will| shall)\s|i'm going to\s|let's\s|let us\s|you need to\s` +
		`|(?:the|our) (?:[a-z-]+ )?(?:review|meeting|call|sync|standup|demo|retro|interview|appointment) is\s)`)
	reSpeechVoc   = regexp.MustCompile(`\s+(?:(?:and|so|okay|ok|um+|uh+|also|then)\s+)*([a-z]+)\s+(?:can|could|would|will) you\s`)
	reAndName     = regexp.MustCompile(`,?\s+and\s+(?:then\s+)?([\p{Lu}][\p{L}'’-]*(?:\s+team)?)\s+(?:will|'ll|is going to|to|can|should|must|needs to|has to|agreed to|offered to)\b`)
	reCommaVerb   = regexp.MustCompile(`,\s+(?:and\s+|then\s+)?([a-z]+)\b`)
	reCommaPlease = regexp.MustCompile(`,\s+(?:please|pls|kindly)\s+`)
	reDashBreak   = regexp.MustCompile(`\s+[-–—]+\s+`)
)

// sentenceTasks finds the tasks in one sentence.
func (a *analyzer) sentenceTasks(ui int, u unit, s span, idx int) []*candidate {
	sent := a.text[s.start:s.end]
	if strings.TrimSpace(sent) == "" {
		return nil
	}
	if u.section == secShopping && a.isShoppingItem(sent) {
		return a.shopping(ui, u, s, idx)
	}
	// "If you travelled, attach your receipts": conditional, not a task.
	ls := gate.LowerASCII(sent)
	if m := findIf(markerLead(ls), reMarkers, ls); m != nil {
		ls = ls[m[1]:]
	}
	if reCondHead.MatchString(ls) && !rePolite.MatchString(ls) {
		return nil
	}
	hits := a.datesOf(s)
	a.noteDateBeforeThen(hits)
	// "call bank re: card (lost?)": a question in brackets is an aside.
	question := strings.HasSuffix(strings.TrimRight(reParenQ.ReplaceAllString(sent, ""), " )\"'"), "?")
	if question && (a.kind == "note" || a.kind == "handwritten_ocr") && actionVerbs.Has(firstWordOf(ls)) {
		question = false // "ask Tom about hiring freeze?": a to-do that wonders
	}
	out := a.clauseTasksOf(ui, u, s, idx, hits, question)
	out = dropAttendance(out)
	out = handOff(nil, out)
	out = a.aimAtUnfinished(sent, out)
	out = mergeDeadlineIntoPromise(out)
	if len(out) == 0 {
		return nil
	}
	pr := priorityOf(a.text[u.start:u.end], sent)
	for _, c := range out {
		if c.priority == "" {
			c.priority = pr
		}
	}
	return out
}

// noteDateBeforeThen: "…on October 3 at 9am - please update the folder
// before then": "then" is the date said earlier in the same sentence.
func (a *analyzer) noteDateBeforeThen(hits []dates.Hit) {
	for _, r := range hits {
		if !r.Ref {
			continue
		}
		for _, h := range hits {
			if h.Start < r.Start && h.HasDate && !h.Past && !h.Ref && !h.Recurring && !h.Weak {
				hh := h
				a.lastDate = &hh
			}
		}
	}
}

// clauseTasksOf reads each clause of a sentence; only the last one is
// asked when the sentence is a question. A first clause that is only a day
// ("Fri - Lunch w/ Priya 12:30") dates what follows, as a "Fri:" label
// would.
func (a *analyzer) clauseTasksOf(ui int, u unit, s span, idx int, hits []dates.Hit, question bool) []*candidate {
	var out []*candidate
	cls := a.clauses(u, s)
	cu := u
	for ci, cl := range cls {
		last := ci == len(cls)-1
		if ci == 0 && len(cls) > 1 {
			if h := a.onlyDate(cl, s, hits); h != nil {
				cu.sectionDue = h
				continue
			}
		}
		c := a.clauseTask(ui, cu, s, cl, idx, hits, question && last)
		out = append(out, c...)
	}
	return out
}

// dropAttendance: an attendance request ("please be there") belongs to the
// meeting of the same sentence.
func dropAttendance(out []*candidate) []*candidate {
	hasMeeting := false
	for _, c := range out {
		if c.typ == TypeMeeting {
			hasMeeting = true
		}
	}
	if !hasMeeting {
		return out
	}
	kept := out[:0]
	for _, c := range out {
		if c.typ != TypeMeeting && reAttend.MatchString(strings.ToLower(c.title)) {
			continue
		}
		kept = append(kept, c)
	}
	return kept
}

// isShoppingItem: a short list of things, not an action or an event.
func (a *analyzer) isShoppingItem(sent string) bool {
	w := strings.Fields(strings.ToLower(sent))
	if len(w) == 0 || len(w) > 8 && !strings.Contains(sent, ",") {
		return false
	}
	if v := baseVerb(strings.Trim(w[0], ",.:;")); v != "" && v != "buy" && v != "get" && v != "order" {
		return false
	}
	if len(dates.Find(sent, a.clock)) > 0 {
		return false
	}
	// "coffee beans" is bought; "coffee with Sam" is met.
	if hasEventNoun(strings.ToLower(sent)) && (len(w) < 2 || !shoppableAfterEvent.Has(strings.Trim(w[len(w)-1], ",.:;!"))) {
		return false
	}
	return true
}

// shoppableAfterEvent: words that make an event noun a thing to buy.
var shoppableAfterEvent = words("shoppable_after_event")

// shopping turns a shopping list line into a "Buy …" task.
func (a *analyzer) shopping(ui int, u unit, s span, idx int) []*candidate {
	body := collapse(strings.TrimRight(a.text[s.start:s.end], ".!"))
	if body == "" {
		return nil
	}
	title := body
	if w := strings.Fields(body); len(w) > 0 && baseVerb(w[0]) == "" {
		title = "Buy " + body
	}
	return []*candidate{{title: capitalise(title), desc: collapse(a.text[s.start:s.end]), typ: TypeTask, conf: 0.6, sent: s, unit: ui, sentIdx: idx}}
}

// frameSignals names frame kinds for the request detector.
var frameSignals = [...]string{fNone: "sig:none", fCommit: "sig:commit", fTeam: "sig:team", fProposal: "sig:proposal",
	fRequest: "sig:request", fAssign: "sig:assign", fImperative: "sig:imperative", fNeed: "sig:need",
	fDeadline: "sig:deadline", fItem: "sig:item", fSelf: "sig:self"}

// noteSignal records what the rules saw in the sentence, for the request detector.
func (a *analyzer) noteSignal(s string) {
	if a.recordSignals {
		a.signals = append(a.signals, s)
	}
}

// clauseRead is one clause being read: the unit and sentence it belongs to,
// where its action starts, and who it is addressed to. Each step of
// clauseTask moves p past what it has read.
type clauseRead struct {
	ui, idx  int
	u        unit // a copy: an action marker makes the line an item
	s, cl    span
	hits     []dates.Hit
	question bool
	raw, l   string      // the clause, and in lower case with the same offsets
	off      int         // the clause's offset within its sentence
	p        int         // where the rest of the clause starts, in raw and l
	who      string      // the person it is addressed to or owned by
	polite   bool        // a polite condition was dropped ("if you could…")
	ds       []dates.Hit // the clause's dates, once its lead-ins are read
}

// body is the rest of the clause, in lower case.
func (cr *clauseRead) body() string { return cr.l[cr.p:] }

// clauseTask reads one clause.
func (a *analyzer) clauseTask(ui int, u unit, s, cl span, idx int, hits []dates.Hit, question bool) []*candidate {
	cr := a.newClauseRead(ui, u, s, cl, idx, hits, question)
	if !a.readClauseMarkers(cr) {
		return nil
	}
	a.readAddressee(cr)
	a.skipTopicLabel(cr)
	if strings.TrimSpace(cr.body()) == "" {
		return nil
	}
	if out, done := a.readLeadIns(cr); done {
		return out
	}
	if out, done := a.readNotAsked(cr); done {
		return out
	}
	cr.ds = clauseDates(hits, cr.off, len(cr.raw))
	if out, done := a.readUnownedWork(cr); done {
		return out
	}
	fr := a.clauseFrameOf(cr)
	if mt, ok := a.meeting(cr.u, cr.raw, cr.l, cr.p, cr.ds, fr, question); ok {
		mw := cr.who
		if fr.kind == fAssign && fr.who != "" {
			mw = fr.who
		}
		mc := a.newMeeting(ui, cr.u, s, idx, cr.raw, mt, cr.ds, mw)
		mc.rule = fr.rule
		return []*candidate{mc}
	}
	if !a.isTaskClause(cr, fr) {
		return nil
	}
	return a.clauseActions(cr, fr)
}

// newClauseRead starts reading a clause: its lower-case text keeps the
// byte offsets of the original.
func (a *analyzer) newClauseRead(ui int, u unit, s, cl span, idx int, hits []dates.Hit, question bool) *clauseRead {
	raw := a.text[cl.start:cl.end]
	l := gate.LowerASCII(raw)
	l = strings.ReplaceAll(l, "’", "'")
	if len(l) != len(raw) {
		// ’ is three bytes and ' one; keep offsets by padding.
		l = strings.ReplaceAll(gate.LowerASCII(raw), "’", "'  ")
	}
	return &clauseRead{ui: ui, idx: idx, u: u, s: s, cl: cl, hits: hits, question: question,
		raw: raw, l: l, off: cl.start - s.start}
}

// readClauseMarkers reads what comes before the words of a clause: an
// action marker with its owner ("TODO(erin):", "ACTION -"), leading emoji,
// "Also,", "Reminder:", "Save the date:". It says false for praise ("Great
// work on the launch"), which is no task.
func (a *analyzer) readClauseMarkers(cr *clauseRead) bool {
	raw, l := cr.raw, cr.l
	p := 0
	marked := false // an explicit action marker makes the line an item
	// "TODO(erin): fix flaky tests".
	if m := reTodoOwner.FindStringSubmatchIndex(l); m != nil {
		cr.who, p, marked = raw[m[2]:m[3]], m[1], true
	} else if m := reActionMark.FindStringIndex(l); m != nil {
		p, marked = m[1], true // "ACTION - Priya - book the demo room"
	}
	if marked {
		cr.u.item = true
	}
	// "Great work on the launch": praise, not "work on the launch".
	if praiseLead(strings.TrimLeft(l[p:], " ")) && rePraise.MatchString(strings.TrimLeft(l[p:], " ")) {
		a.noteSignal("sig:filtered")
		return false
	}
	// Leading "Also,", "OK so", "Reminder:", and emoji ("👍 i'll bring…").
	for p < len(l) && l[p] >= 0x80 {
		r, n := utf8.DecodeRuneInString(l[p:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			break
		}
		p += n
		for p < len(l) && l[p] == ' ' {
			p++
		}
	}
	if m := findIf(markerLead(l[p:]), reMarkers, l[p:]); m != nil {
		p += m[1]
	}
	if m := reSaveDate.FindStringIndex(l[p:]); m != nil && m[1] < len(l)-p {
		p += m[1] // "Save the date: Q1 town hall on March 19"
	}
	cr.p = p
	return true
}

// readAddressee finds whom a clause is addressed to: a mention ("@kai"),
// a vocative ("Bob, please…"), a list item's owner ("- Kai: finalize…"),
// or a name in the middle or at the end ("…by Thursday, Wes, …").
func (a *analyzer) readAddressee(cr *clauseRead) {
	raw, l, p, u := cr.raw, cr.l, cr.p, cr.u
	who := cr.who
	// "@kai the release notes still need writing": a mention addresses
	// someone unless it is the subject ("@kai will post…").
	if m := reAtVoc.FindStringSubmatchIndex(raw[p:]); m != nil && reModal.FindStringIndex(l[p+m[3]:]) == nil &&
		!strings.HasPrefix(l[p+m[3]:], " and ") && !strings.HasPrefix(l[p+m[3]:], ",") {
		who = raw[p+m[2]+1 : p+m[3]]
		p += m[1]
	} else if m := reVocative.FindStringSubmatchIndex(raw[p:]); m != nil {
		// Vocative: "Bob, please…", "Marta, could you…".
		name := raw[p+m[2] : p+m[3]]
		if a.isPersonName(name) {
			who = strings.TrimPrefix(name, "@")
			p += m[1]
			if m2 := findIf(markerLead(l[p:]), reMarkers, l[p:]); m2 != nil {
				p += m2[1]
			}
		}
	}
	// "- Kai: finalize ad copy (Mar 10)": an owner before a colon in a list.
	if who == "" && (u.item || u.section == secAction) {
		if m := reItemOwner.FindStringSubmatchIndex(raw[p:]); m != nil {
			n := raw[p+m[2] : p+m[3]]
			if a.isPersonName(n) && !labelWords.Has(strings.ToLower(n)) && !roleNouns.Has(strings.ToLower(n)) && actionVerbs.Has(firstWordOf(l[p+m[1]:])) {
				who = n
				p += m[1]
			}
		}
	}
	if who == "" {
		// "Please send the deck by Thursday, Wes, the chair asked twice."
		for _, m := range reVocMid.FindAllStringSubmatchIndex(raw, -1) {
			if m[0] > p && a.isPersonName(raw[m[2]:m[3]]) && a.knownName(raw[m[2]:m[3]]) {
				who = raw[m[2]:m[3]]
				break
			}
		}
	}
	if who == "" {
		if m := reVocTail.FindStringSubmatchIndex(raw); m != nil && m[0] > p {
			if name := raw[m[2]:m[3]]; a.isPersonName(name) {
				who = strings.TrimPrefix(name, "@")
			}
		}
	}
	cr.who, cr.p = who, p
}

// skipTopicLabel reads past a topic before a colon ("Bake sale: Ben to
// order the tables") when what follows it says who does what.
func (a *analyzer) skipTopicLabel(cr *clauseRead) {
	raw, l, p := cr.raw, cr.l, cr.p
	if strings.IndexByte(l[p:], ':') < 0 {
		return // no topic
	}
	m := reEventLbl.FindStringSubmatchIndex(l[p:])
	if m == nil || m[1] >= len(l)-p {
		return
	}
	label := strings.TrimSpace(raw[p+m[2] : p+m[3]])
	lw := strings.ToLower(label)
	if nw := len(strings.Fields(label)); !a.knownName(label) && !(nw == 1 && a.isPersonName(label)) && nw <= 4 &&
		!strings.HasSuffix(lw, " re") && lw != "re" { // "call insurance re: claim" is one action
		if fr := a.clauseFrameAt(cr.u, raw, l, p+m[1], cr.who, cr.question); fr.kind != fNone {
			cr.p += m[1]
		}
	}
}

// readLeadIns reads past a clause of time ("Before I go I'll…") and a
// polite condition ("if you could…"); any other condition makes the clause
// hypothetical (done, no task). "Please let me know by Friday if you have
// any comments" is an ask for them (done, one task).
func (a *analyzer) readLeadIns(cr *clauseRead) ([]*candidate, bool) {
	// "Before I go I'll hand over the rotation": the promise after a
	// clause of time.
	if m := reTimeLead.FindStringSubmatchIndex(cr.body()); m != nil {
		cr.p += m[2]
	}
	// Polite conditions are dropped; other conditions make it hypothetical.
	if m := rePolite.FindStringIndex(cr.body()); m != nil {
		cr.p += m[1]
		cr.polite = true
	} else if reCondHead.MatchString(cr.body()) {
		a.noteSignal("sig:cond")
		return nil, true
	}
	// "Please let me know by Friday if you have any comments": the date
	// makes the courtesy an ask.
	body := cr.body()
	if m := reKnowByIf.FindStringSubmatchIndex(body); m != nil && !cr.question {
		if ds := clauseDates(cr.hits, cr.off, len(cr.raw)); hasDueHit(ds) {
			s := cr.s
			c := &candidate{typ: TypeTask, title: "Send any " + body[m[2]:m[3]], conf: 0.6, sent: s, unit: cr.ui, speaker: cr.u.speaker, sentIdx: cr.idx,
				desc: collapse(a.text[s.start:s.end]), you: cr.who == "", assignee: cr.who, frameKind: fRequest}
			c.due = a.pickDue(cr.u, cr.raw, ds)
			a.noteSignal("sig:request")
			return []*candidate{c}, true
		}
	}
	return nil, false
}

// readNotAsked decides the clauses that ask nothing of anyone: boilerplate,
// an address or a link, pleasantries, hypotheticals, cancellations and
// acceptances (done, no task) — and invitations, which are one (done).
func (a *analyzer) readNotAsked(cr *clauseRead) ([]*candidate, bool) {
	body := cr.body()
	if reBoiler.MatchString(body) || strings.IndexByte(body, '@') >= 0 && reMailAddr.MatchString(body) ||
		strings.IndexByte(body, '/') >= 0 && reURLPath.MatchString(body) {
		a.noteSignal("sig:boiler")
		return nil, true
	}
	if c := a.invitation(cr.ui, cr.u, cr.s, cr.idx, cr.raw, cr.l, cr.p, cr.hits, cr.off, cr.who, cr.question); c != nil {
		a.noteSignal("sig:proposal")
		return []*candidate{c}, true
	}
	if pleasantLead(body) && rePleasant.MatchString(body) || reHypo.MatchString(body) && !reApprAsk.MatchString(body) || reCancel.MatchString(body) {
		a.noteSignal("sig:filtered")
		return nil, true
	}
	if a.isAcceptanceText(body) {
		return nil, true
	}
	return nil, false
}

// readUnownedWork reads work up for grabs — "We still don't have an owner
// for the SEO audit", "Who can take the vendor follow-up?", "Finance wants
// the Q4 forecast by the 15th" — as a task for whoever claims it next.
func (a *analyzer) readUnownedWork(cr *clauseRead) ([]*candidate, bool) {
	raw, p, s, body := cr.raw, cr.p, cr.s, cr.body()
	if m := reNoOwner.FindStringSubmatchIndex(body); m != nil {
		g := 2
		if m[2] < 0 {
			g = 4
		}
		obj := strings.TrimSpace(raw[p+m[g] : p+m[g+1]])
		if t := capitalise(trimDangling(reArticle.ReplaceAllString(strings.TrimRight(obj, "?.! "), ""))); t != "" && len(strings.Fields(t)) <= 8 {
			c := &candidate{typ: TypeTask, title: t, team: true, open: true, conf: 0.55, sent: s, unit: cr.ui, speaker: cr.u.speaker, sentIdx: cr.idx,
				desc: collapse(a.text[s.start:s.end]), frameKind: fTeam}
			c.due = a.pickDue(cr.u, raw, cr.ds)
			a.noteSignal("sig:team")
			return []*candidate{c}, true
		}
	}
	// "Finance wants the Q4 forecast by the 15th": a dated ask from a third
	// party, for whoever takes it ("I can own that").
	if m := reWantsBy.FindStringSubmatchIndex(body); m != nil && hasDueHit(cr.ds) {
		whoWants := strings.TrimSpace(raw[p+m[2] : p+m[3]])
		obj := strings.TrimSpace(raw[p+m[4] : p+m[5]])
		if !isPronoun(strings.ToLower(whoWants)) && len(strings.Fields(obj)) <= 6 && len(strings.Fields(whoWants)) <= 3 {
			c := &candidate{typ: TypeTask, title: capitalise("deliver " + lowerDet(obj) + " to " + whoWants), team: true, open: true, conf: 0.55,
				sent: s, unit: cr.ui, speaker: cr.u.speaker, sentIdx: cr.idx, desc: collapse(a.text[s.start:s.end]), frameKind: fTeam}
			c.due = a.pickDue(cr.u, raw, cr.ds)
			return []*candidate{c}, true
		}
	}
	return nil, false
}

// clauseFrameOf decides the frame of a clause: a reported promise ("Paul
// said he'll measure…"), a row of the frames table, or — where none reads
// it — a line of a list or an action section, or a short dated note line.
func (a *analyzer) clauseFrameOf(cr *clauseRead) clauseFrame {
	u := cr.u
	// "Paul said he'll measure the space this weekend": Paul's promise.
	said := ""
	if m := reSaidWill.FindStringSubmatchIndex(cr.body()); m != nil && !cr.question {
		if n := cr.raw[cr.p+m[2] : cr.p+m[3]]; a.isPersonName(n) && !isPronoun(strings.ToLower(n)) {
			said, cr.p = n, cr.p+m[1]
		}
	}
	p, body := cr.p, cr.body()
	fr := a.clauseFrameAt(u, cr.raw, cr.l, p, cr.who, cr.question)
	if said != "" {
		fr = clauseFrame{kind: fAssign, verbStart: p, who: said, conf: 0.7}
	}
	if fr.kind == fNone && !cr.question {
		// Lines of a list, or any line of an action section.
		if (u.section == secAction || u.check == 1) && !a.isNarrative(body) {
			fr = clauseFrame{kind: fItem, verbStart: p, conf: 0.6, you: false}
			if u.check == 1 {
				fr.conf = 0.75
			}
			// Under "Calls": "dentist to reschedule" is "Call dentist to reschedule".
			if v := headerVerbs[strings.ToLower(strings.TrimSpace(u.sectionHdr))]; v != "" && baseVerb(firstWordOf(body)) == "" {
				fr.verb, fr.verbTo = v, p
			}
		} else if (a.kind == "note" || a.kind == "handwritten_ocr") && len(strings.Fields(body)) <= 6 && !a.isNarrative(body) &&
			(hasDueHit(clauseDates(cr.hits, cr.off, len(cr.raw))) || reOverdue.MatchString(body)) && !strings.Contains(body, ":") {
			// A short note line that names a thing and when it is due
			// ("insurance renewal 3/28", "oil change overdue!").
			fr = clauseFrame{kind: fItem, verbStart: p, conf: 0.55}
		}
	}
	if a.recordSignals {
		a.noteSignal(frameSignals[fr.kind])
		if cr.polite {
			a.noteSignal("sig:polite")
		}
	}
	return fr
}

// isTaskClause decides whether a clause read with fr, and no meeting, is a
// task: a frame a question may have, and neither done nor idle.
func (a *analyzer) isTaskClause(cr *clauseRead, fr clauseFrame) bool {
	if fr.kind == fNone {
		return false
	}
	if cr.question && !(fr.kind == fRequest || fr.kind == fProposal) {
		return false
	}
	return !a.isDoneOrNarrated(cr, fr) && !a.isNoWork(cr, fr)
}

// isDoneOrNarrated says the clause tells of work done, narrated in the
// past, or of things in general rather than a task.
func (a *analyzer) isDoneOrNarrated(cr *clauseRead, fr clauseFrame) bool {
	body, s := cr.body(), cr.s
	// "- updated risk register - due March 20": with a due date, a leading
	// past participle describes the item.
	dueItem := fr.kind == fItem && reDueWord.MatchString(gate.LowerASCII(a.text[s.start:s.end]))
	if fr.kind != fRequest && (reDone.MatchString(body) || a.isNarrative(body) && !dueItem) {
		a.noteSignal("sig:past")
		return true
	}
	if fr.kind == fItem && pastAfterSubject(body) && !dueItem {
		return true
	}
	// "Spills should be reported to the lab manager": a standing rule for
	// things in general (a bare plural, no date), not a task.
	if fr.kind == fNeed && fr.object != "" && genericPlural(fr.object) && !hasDueHit(cr.ds) {
		a.noteSignal("sig:filtered")
		return true
	}
	// "work deadlines interfered with my plans": a noun, then what it did.
	if (fr.kind == fImperative || fr.kind == fRequest) && fr.verbStart == cr.p && fr.verb == "" && pastAfterNoun(body) {
		a.noteSignal("sig:past")
		return true
	}
	if fr.kind == fRequest && reDone.MatchString(body) && !strings.Contains(body, "?") {
		if strings.Contains(body, "already") {
			return true
		}
	}
	return false
}

// isNoWork says the clause is negated, an absence, an ability, talk of
// what happens now, a line ticked or done, or a verb that does nothing
// ("be", "have", "get well").
func (a *analyzer) isNoWork(cr *clauseRead, fr clauseFrame) bool {
	body, u := cr.body(), cr.u
	if reNegStart.MatchString(body) && !strings.Contains(body, "forget") {
		return true
	}
	if (reAway.MatchString(body) || reTravel.MatchString(body)) && !fr.trip {
		return true // "I'm off Friday": an absence to know about, not work
	}
	// "I can reproduce it": ability, not a commitment, unless dated.
	if fr.kind == fCommit && fr.weak && !hasDueHit(cr.ds) {
		return true
	}
	if fr.kind == fProposal && (a.kind == "meeting_transcript" || a.kind == "chat") && !hasDueHit(cr.ds) {
		return true // "let's go through the checklist" happens now
	}
	if u.check == 2 || u.done {
		return true
	}
	vpL := cr.l[fr.verbStart:]
	if fr.verb == "" && fr.kind != fItem && fr.kind != fNeed && fr.kind != fDeadline && !fr.keep {
		if w := firstWordOf(vpL); w == "be" || w == "have" && reHaveIdle.MatchString(vpL) || w == "get" && strings.HasPrefix(vpL, "get well") {
			return true
		}
	}
	return false
}

// clauseActions makes the tasks of a clause, one per action ("I'll fix it
// today and ship a hotfix tomorrow"), each with the dates in its part.
func (a *analyzer) clauseActions(cr *clauseRead, fr clauseFrame) []*candidate {
	l, ds := cr.l, cr.ds
	if fr.pron {
		fr.who = a.antecedent(cr.s, cr.cl, cr.idx)
	}
	// Split "I'll fix it today and ship a hotfix tomorrow".
	parts := a.splitActions(l, fr.verbStart, len(l), ds)
	var out []*candidate
	for pi, pt := range parts {
		f := fr
		if pi > 0 {
			f.verbStart, f.verb, f.verbTo, f.object, f.prefix = pt[0], "", 0, "", ""
		}
		var pds []dates.Hit
		for _, h := range ds {
			if (h.Start >= pt[0] && h.Start < pt[1]) || (pi == 0 && h.End <= pt[0]) || (pi == len(parts)-1 && h.Start >= pt[1]) {
				pds = append(pds, h)
			}
		}
		c := a.newTask(cr.ui, cr.u, cr.s, cr.idx, cr.raw, l, f, pt[1], pds, cr.who)
		if c == nil {
			continue
		}
		if cr.polite && c.priority == "" {
			c.priority = "low"
		}
		out = append(out, c)
	}
	return out
}

func findAllSubIf(cond bool, re *regexp.Regexp, s string) [][]int {
	if !cond {
		return nil
	}
	return re.FindAllStringSubmatchIndex(s, -1)
}

// leadWord is the first word of s, up to a space or punctuation.
func leadWord(s string) string {
	i := 0
	for i < len(s) && (isLetter(s[i]) || s[i] == '\'' || s[i] == '.' && i > 0 && i+1 < len(s) && isLetter(s[i+1])) {
		i++
	}
	return s[:i]
}

// markerLead, praiseLead, pleasantLead (and tripLeads, anyoneLeads below):
// cheap first-word tests before the patterns anchored on those words,
// which otherwise ran on every clause. TestLeadWordsCoverTheirPatterns
// proves they hide no match.
func markerLead(s string) bool   { return markerWords.Has(leadWord(s)) }
func praiseLead(s string) bool   { return praiseWords.Has(leadWord(s)) }
func pleasantLead(s string) bool { return pleasantWords.Has(leadWord(s)) }

var (
	markerWords   = words("marker_words")
	praiseWords   = words("praise_words")
	pleasantWords = words("pleasant_words")
)

func findSubIf(cond bool, re *regexp.Regexp, s string) []int {
	if !cond {
		return nil
	}
	return re.FindStringSubmatchIndex(s)
}

var (
	anyoneLeads = words("anyone_leads")
	tripLeads   = words("trip_leads")
)

// speechLike: a long run of words with no punctuation inside, as speech
// recognition writes it.
func speechLike(t string) bool {
	body := strings.TrimRight(t, " .!?\n")
	return strings.Count(body, " ") >= 12 && !strings.ContainsAny(body, ",;:.!?")
}

// handOff gives an earlier unowned task to whoever is asked to "own that"
// ("Design still needs to finalize the flow; Noor, can you own that?")
// instead of making a task of "Own that". prev holds the tasks of the
// sentence before, if any; cs are the new ones, in order.
func handOff(prev, cs []*candidate) []*candidate {
	kept := cs[:0:0]
	for _, c := range cs {
		var target *candidate
		switch {
		case len(kept) > 0:
			target = kept[len(kept)-1]
		case len(prev) > 0:
			target = prev[len(prev)-1]
		}
		if target != nil && c.typ == TypeTask && c.frameKind == fRequest && (c.assignee != "" || c.you) &&
			(reHandOff.MatchString(strings.ToLower(c.title)) || target.open && reVerbIt.MatchString(strings.ToLower(c.title))) && target.typ == TypeTask &&
			(target.assignee == "" || target.team || target.frameKind == fNeed || roleNouns.Has(strings.ToLower(target.assignee)) || target.frameKind == fAssign && !target.you) {
			target.assignee, target.you, target.team = c.assignee, c.you, false
			if target.due == nil {
				target.due = c.due
			}
			continue
		}
		kept = append(kept, c)
	}
	return kept
}

// reVerbIt: a verb and a pronoun ("draft it"), which takes on open work
// ("Leadership wants a summary by March 12 - Tom, can you draft it?").
var reVerbIt = regexp.MustCompile(`^[a-z]+(?:\s+(?:up|out|together))?\s+(?:it|that|this|one)$`)

var reHandOff = regexp.MustCompile(`^(?:own|take|handle|lead|drive|do|pick up|grab|cover|tackle|take care of|take on|run with|look after|be responsible for|follow up on)\s+(?:that` +
	`|it|this|them)(?:\s+(?:one|on|up|over|too|as well))?$`)

// onlyDate returns the date a clause consists of, or nil.
func (a *analyzer) onlyDate(cl, s span, hits []dates.Hit) *dates.Hit {
	off := cl.start - s.start
	raw := strings.Trim(a.text[cl.start:cl.end], " -–—:>,.")
	for _, h := range hits {
		if h.Start >= off && h.End <= off+(cl.end-cl.start) && strings.EqualFold(strings.Trim(h.Text, " -–—:>,."), raw) &&
			h.HasDate && !h.Past && !h.Ref && !h.Recurring && !h.Weak {
			hh := h
			return &hh
		}
	}
	return nil
}

// clauseDates are the date hits inside a clause starting at off, with
// offsets made relative to the clause.
func clauseDates(hits []dates.Hit, off, n int) []dates.Hit {
	var ds []dates.Hit
	for _, h := range hits {
		if h.End > off && h.Start < off+n {
			h.Start -= off
			h.End -= off
			if h.Start < 0 {
				h.Start = 0
			}
			if h.End > n {
				h.End = n
			}
			ds = append(ds, h)
		}
	}
	return ds
}

// invitation reads what otherwise passes for a pleasantry but names a time
// to be somewhere: "See you at 3pm on Thursday", "We hope you will join us
// for the launch party on June 3", "You are scheduled to speak at the
// luncheon on Tuesday". Each is a meeting to attend.
func (a *analyzer) invitation(ui int, u unit, s span, idx int, raw, l string, p int, hits []dates.Hit, off int, who string, question bool) *candidate {
	if question {
		return nil
	}
	body := l[p:]
	if m := reSeeYou.FindStringIndex(body); m != nil {
		ds := clauseDates(hits, off, len(raw))
		if !hasDueHit(ds) {
			return nil
		}
		prep := strings.LastIndexByte(l[p:p+m[1]], ' ') + 1
		at := p + prep
		if w := firstWordOf(l[at:]); w == "at" || w == "in" || w == "on" {
			at += len(w) + 1
		}
		if np := eventAfter(l, min(at, len(l))); np >= 0 {
			// "See you at the 3pm review": the review.
			if t := a.cleanMeetingTitle(raw, np, len(raw), ds); t != "" {
				return a.newMeeting(ui, u, s, idx, raw, t, ds, who)
			}
		}
		t := a.cleanMeetingTitle(raw, p+prep, len(raw), ds)
		switch w := firstWordOf(l[p+prep:]); {
		case t == "" || len(strings.Fields(t)) > 8:
			t = "Meet up"
		case (w == "at" || w == "in") && firstWordOf(strings.ToLower(t)) != w:
			t = "Meet " + w + " " + strings.ToLower(t[:1]) + t[1:] // "See you at the airport"
		default:
			t = "Meet " + strings.ToLower(t[:1]) + t[1:]
		}
		return a.newMeeting(ui, u, s, idx, raw, t, ds, who)
	}
	if m := reHopeJoin.FindStringIndex(body); m != nil {
		at := p + m[1]
		for _, w := range []string{"us ", "me ", "for ", "in "} {
			if strings.HasPrefix(l[at:], w) {
				at += len(w)
			}
		}
		np := eventAfter(l, at)
		if np < 0 {
			return nil
		}
		ds := clauseDates(hits, off, len(raw))
		c := a.newMeeting(ui, u, s, idx, raw, a.cleanMeetingTitle(raw, np, len(raw), ds), ds, who)
		c.you = who == ""
		return c
	}
	if m := reSchedYou.FindStringIndex(body); m != nil {
		ds := clauseDates(hits, off, len(raw))
		if !hasDueHit(ds) || !(actionVerbs.Has(firstWordOf(l[p+m[1]:])) || eventAfter(l, p+m[1]) >= 0) {
			return nil
		}
		c := a.newMeeting(ui, u, s, idx, raw, a.cleanMeetingTitle(raw, p+m[1], len(raw), ds), ds, who)
		c.you = who == ""
		return c
	}
	return nil
}

// antecedent finds the person "he/she/they" refers to: the nearest earlier
// name in the sentence, else in the previous sentence.
func (a *analyzer) antecedent(s, cl span, idx int) string {
	try := func(text string) string {
		f := strings.Fields(text)
		for i := len(f) - 1; i >= 1; i-- {
			w := strings.Trim(f[i], ",.;:!?()\"'")
			if w == "" || eventNouns.Has(strings.ToLower(w)) || labelWords.Has(strings.ToLower(w)) {
				continue
			}
			if a.isPersonName(w) && baseVerb(w) == "" {
				return w
			}
		}
		return ""
	}
	if n := try(a.text[s.start:cl.start]); n != "" {
		return n
	}
	if idx > 0 && idx-1 < len(a.sents) {
		sp := a.sents[idx-1].sp
		if n := try(" " + a.text[sp.start:sp.end]); n != "" {
			return n
		}
	}
	// "Mtg w/ Lisa" heading a list: "- she will send the draft".
	for _, u := range a.units {
		if u.start <= s.start && s.start < u.end && u.sectionHdr != "" {
			return try(" " + u.sectionHdr)
		}
	}
	return ""
}

func hasDueHit(ds []dates.Hit) bool {
	for _, h := range ds {
		if (h.HasDate || h.HasTime) && !h.Past && !h.Moved && !h.Weak || h.Ref {
			return true
		}
	}
	return false
}

func (a *analyzer) isAcceptanceText(body string) bool {
	t := normUtterance(body)
	for _, p := range acceptances {
		if t == p {
			return true
		}
	}
	return false
}

// isPersonName: a vocative or subject that names a person or team.
func (a *analyzer) isPersonName(n string) bool {
	n = strings.TrimSpace(n)
	if n == "" {
		return false
	}
	if strings.HasPrefix(n, "@") {
		return len(n) > 1
	}
	lw := strings.ToLower(n)
	if _, ok := a.speakers[lw]; ok {
		return true
	}
	f := strings.Fields(lw)
	if notNames.Has(f[0]) || labelWords.Has(lw) || baseVerb(f[0]) != "" && !a.knownName(f[0]) {
		return false
	}
	if dates.IsWeekday(f[0]) || dates.IsMonth(f[0]) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(n)
	return unicode.IsUpper(r)
}

func (a *analyzer) knownName(w string) bool {
	_, ok := a.speakers[strings.ToLower(w)]
	return ok
}

// isNarrative: the clause tells what happened ("I called them", "We shipped").
func (a *analyzer) isNarrative(body string) bool {
	f := strings.Fields(strings.Trim(body, " ,.!"))
	if len(f) == 0 {
		return false
	}
	i := 0
	switch f[0] {
	case "i", "we", "he", "she", "they", "you", "someone", "everyone":
		i = 1
	default:
		if len(f) > 1 && (a.knownName(f[0])) {
			i = 1
		}
	}
	if i >= len(f) {
		return false
	}
	if f[i] == "just" || f[i] == "already" || f[i] == "finally" || f[i] == "also" {
		i++
	}
	if i >= len(f) {
		return false
	}
	w := strings.Trim(f[i], ",.!?")
	if i == 0 {
		// No subject: a note like "Called the bank", "Sent invoice", "Had lunch".
		return pastOnly.Has(w) || w == "had" && len(f) > 1 && f[1] != "to" || (strings.HasSuffix(w, "ed") && pastBase(w) != "" && !actionVerbs.Has(w))
	}
	return pastOnly.Has(w) || w == "had" || w == "was" || w == "were" || (strings.HasSuffix(w, "ed") && pastBase(w) != "" && !actionVerbs.Has(w))
}

// pastAfterSubject: a past tense right after a noun ("The previous release
// (v2.2) shipped on Feb 10"), not an adjective ("the signed NDA").
func pastAfterSubject(body string) bool {
	f := strings.Fields(body)
	for i := 1; i < len(f) && i < 8; i++ {
		w := strings.Trim(f[i], ",.!?;:")
		prev := strings.Trim(f[i-1], ",.!?;:")
		if !(pastOnly.Has(w) || strings.HasSuffix(w, "ed") && pastBase(w) != "" && !actionVerbs.Has(w)) {
			continue
		}
		if baseVerb(prev) != "" && !strings.HasSuffix(prev, "ed") {
			continue // "send revised numbers"
		}
		switch prev {
		case "the", "a", "an", "your", "my", "our", "their", "his", "her", "this", "that", "to", "be", "been", "being",
			"is", "are", "was", "were", "get", "got", "will", "should", "must", "can", "could", "would", "have", "has", "had", "and", "or", "all", "any", "newly", "fully", "of", "for":
			continue
		}
		return true
	}
	return false
}

// takeOnVerbs make "I can …" take the work on rather than offer it.
var takeOnVerbs = words("take_on_verbs")

// nounFollowers after an event noun that is also a verb make it the noun.
var nounFollowers = words("noun_followers")

// youllNews follow "you'll" in what happens to the reader, not what they do.
var youllNews = words("youll_news")

// ownFrame makes "Own <the thing>" of the noun phrase at i, up to a dash,
// a comma or its date. A weak verb ("has") needs a date to be a hand-out.
func ownFrame(raw, l string, i int, who string, strong bool, c dates.Clock) (clauseFrame, bool) {
	// i is after "the "; take the article into the noun phrase.
	if k := strings.LastIndexByte(strings.TrimRight(l[:i], " "), ' '); k >= 0 {
		i = k + 1
	}
	rest := l[i:]
	end := len(rest)
	for _, sep := range []string{" - ", " – ", " — ", ", ", " by ", " due ", " before ", ";", "."} {
		if k := strings.Index(rest, sep); k >= 0 && k < end {
			end = k
		}
	}
	np := strings.TrimSpace(raw[i : i+end])
	if n := len(strings.Fields(np)); n == 0 || n > 6 {
		return clauseFrame{}, false
	}
	if !strong && len(dates.Find(raw[i:], c)) == 0 {
		return clauseFrame{}, false
	}
	return clauseFrame{kind: fDeadline, verbStart: i, verbTo: i + end, object: np, prefix: "Own", who: who, conf: 0.7}, true
}

// neededVerb turns what is needed from someone into what they do.
var neededVerb = map[string]string{"decision": "decide", "approval": "approve", "sign-off": "sign off", "signoff": "sign off",
	"feedback": "give feedback", "input": "give input", "answer": "answer", "confirmation": "confirm", "review": "review",
	"response": "respond", "go-ahead": "give the go-ahead", "ok": "give the OK"}

// genericPlural: a noun phrase with no determiner whose head is plural
// ("Spills", "Waste solvents").
func genericPlural(np string) bool {
	f := strings.Fields(strings.ToLower(np))
	if len(f) == 0 || determiners.Has(f[0]) || quantifiers.Has(f[0]) {
		return false
	}
	h := f[len(f)-1]
	return strings.HasSuffix(h, "s") && !strings.HasSuffix(h, "ss") && !strings.HasSuffix(h, "us") && !strings.HasSuffix(h, "is")
}

// pastAfterNoun: a bare "imperative" whose next words are a noun and a past
// tense ("work deadlines interfered …", "work totalled interfered …"),
// so its first word was a noun.
func pastAfterNoun(body string) bool {
	f := strings.Fields(body)
	if len(f) < 3 {
		return false
	}
	for i := 1; i <= 2 && i < len(f); i++ {
		w := strings.Trim(f[i], ",.!?;:")
		if !(pastOnly.Has(w) || strings.HasSuffix(w, "ed") && pastBase(w) != "" && !actionVerbs.Has(w)) {
			continue
		}
		prev := strings.Trim(f[i-1], ",.!?;:")
		if i == 1 || actionVerbs.Has(prev) || strings.HasSuffix(prev, "ed") || functionWords.Has(prev) {
			continue // "send revised numbers", "review the attached"
		}
		// "interfered with", "went to": the past verb takes what follows.
		if i+1 < len(f) && pastFollowers.Has(strings.Trim(f[i+1], ",.!?;:")) {
			return true
		}
	}
	return false
}

var functionWords = words("function_words")

// pastFollowers come after a past tense used as a verb ("interfered with",
// "went to", "came in").
var pastFollowers = words("past_followers")

// clauseFrameAt reads how the clause (from p) asks for or promises an action.
func (a *analyzer) clauseFrameAt(u unit, raw, l string, p int, who string, question bool) clauseFrame {
	in := frameInput{a: a, u: u, raw: raw, l: l, body: l[p:], p: p, who: who, question: question}
	return in.readFrame()
}

// pageNumbered: "page" before a number is the page ("Page 2 of the
// lease", "Minutes - page 1"), not the verb ("page Tom").
func pageNumbered(w, rest string) bool {
	rest = strings.TrimLeft(rest, " ")
	return w == "page" && rest != "" && isDigit(rest[0])
}

// quantifiers make a subject everyone of a kind ("Each Party", "Any Tenant").
var quantifiers = words("quantifiers")

// statives describe what someone is or has ("Must possess five years of
// experience"), not something to do.
var statives = words("statives")

// notHandling: after "X is on", a state rather than work X has taken on.
var notHandling = words("not_handling")

// nounishVerbs are action verbs that often open a noun phrase ("Review
// notes", "Budget update", "Sales report").
var nounishVerbs = words("nounish_verbs")

// imperativeAllowed: where a bare imperative reads as a task.
func (a *analyzer) imperativeAllowed(u unit) bool {
	if u.item || u.section == secAction || u.check == 1 {
		return true
	}
	switch a.kind {
	case "document":
		return false
	}
	return true
}

// metricVerbs describe how a quantity changes ("Headcount will reach 45").
var metricVerbs = words("metric_verbs")

// nonVerbs follow a commitment or request frame without being the action
// ("I'll be", "can you not", "I'll probably").
var nonVerbs = words("non_verbs")

// looksVerb accepts a word after a strong frame ("I'm going to shoot …")
// that is not on the curated list but reads as a verb.
// properNounAt: raw[i:] starts with a capitalised word that is not all
// capitals ("Chicago", not "SEND").
func properNounAt(raw string, i int) bool {
	if i >= len(raw) || raw[i] < 'A' || raw[i] > 'Z' || i+1 >= len(raw) {
		return false
	}
	return raw[i+1] >= 'a' && raw[i+1] <= 'z'
}

func looksVerb(w string) bool {
	if len(w) < 3 || nonVerbs.Has(w) || stopWords.Has(w) || notNames.Has(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !(w[i] >= 'a' && w[i] <= 'z') && w[i] != '-' {
			return false
		}
	}
	return !strings.HasSuffix(w, "ly") && !strings.HasSuffix(w, "ing") && !strings.HasSuffix(w, "ed")
}

// isAcronym: "IT", "HR", "QA" — a team, not the pronoun "it".
func isAcronym(w string) bool {
	if len(w) < 2 || len(w) > 5 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return false
		}
	}
	return true
}

func isPronoun(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "it", "this", "that", "they", "these", "those", "he", "she", "we", "i", "you", "everything", "something", "anything", "all", "which", "what", "there", "nothing":
		return true
	}
	return false
}

// dueVerb picks the verb that turns "X is due" into a task.
func dueVerb(np string) string {
	l := strings.ToLower(np)
	if strings.Contains(l, "tax return") || l == "taxes" || strings.HasSuffix(l, " taxes") {
		return "File"
	}
	for _, w := range []string{"rent", "invoice", "bill", "payment", "fee", "tax", "dues", "premium", "tuition", "mortgage", "subscription", "installment", "balance"} {
		if strings.Contains(l, w) {
			return "Pay"
		}
	}
	for _, w := range []string{"book", "library"} {
		if strings.Contains(l, w) {
			return "Return"
		}
	}
	for _, w := range []string{"training", "course", "certification", "module", "survey", "assessment", "onboarding", "induction"} {
		if strings.Contains(l, w) {
			return "Complete"
		}
	}
	return "Submit"
}

// subject finds a named subject at the clause start: a name, a team, a
// role ("the manager"), a known speaker.
func (a *analyzer) subject(raw, l string, p int) (string, int) {
	// "My assistant, Shirley Crenshaw, will…": the name in apposition.
	if m := reAppos.FindStringSubmatchIndex(raw[p:]); m != nil && a.isPersonName(raw[p+m[2]:p+m[3]]) {
		return raw[p+m[2] : p+m[3]], p + m[1]
	}
	// "@kai will post the notes".
	if m := reAtVoc.FindStringSubmatchIndex(raw[p:]); m != nil {
		return raw[p+m[2]+1 : p+m[3]], p + m[3]
	}
	i := p
	det := false
	for _, d := range []string{"the ", "our ", "your ", "my "} {
		if strings.HasPrefix(l[i:], d) {
			i += len(d)
			det = true
			break
		}
	}
	j, words, last, ok := a.subjectWords(raw, l, i, det)
	if !ok || words == 0 {
		return "", 0
	}
	return a.subjectName(raw, l, i, j, words, last, det)
}

// subjectWords reads up to three words of a subject from i, to the verb
// ("will", "needs", "said", "…'ll"): capitalised words, roles and known
// names, and after a determiner a plain word that qualifies a role. It
// returns where the subject ends, how many words it has and the last one;
// ok is false for a pronoun or a word that is no name.
func (a *analyzer) subjectWords(raw, l string, i int, det bool) (j, words int, last string, ok bool) {
	j = i
	for words < 3 {
		k := j
		for k < len(l) && (isLetter(l[k]) || l[k] == '-' || l[k] == '\'' || l[k] == '.' && k+1 < len(l) && isLetter(l[k+1]) || l[k] >= 0x80) {
			k++
		}
		if k == j {
			break
		}
		w := l[j:k]
		if isSubjectEnd(w) {
			break
		}
		if strings.HasSuffix(w, "'ll") {
			w = strings.TrimSuffix(w, "'ll")
			k -= 3
			last = w
			words++
			j = k
			break
		}
		rw := raw[j:k]
		r, _ := utf8.DecodeRuneInString(rw)
		known := a.knownName(w)
		if !(unicode.IsUpper(r) || roleNouns.Has(w) || known) {
			// "the operations team": with a determiner, a plain word may
			// qualify the role that follows it.
			if !det || words >= 2 || baseVerb(w) != "" && !nounishVerbs.Has(w) || stopWords.Has(w) {
				break
			}
		}
		if words == 0 && !det && (notNames.Has(w) || isPronoun(w)) && !isAcronym(rw) {
			return j, words, last, false
		}
		if words > 0 && thirdPersonBase(w) != "" && !unicode.IsUpper(r) {
			break
		}
		last = w
		words++
		j = k
		if k < len(l) && l[k] == ' ' {
			j = k + 1
		} else {
			break
		}
	}
	return j, words, last, true
}

// isSubjectEnd says w is the verb after a subject ("will", "needs", "said").
func isSubjectEnd(w string) bool {
	switch w {
	case "will", "to", "must", "should", "needs", "need", "has", "have", "is", "can", "could", "shall", "are",
		"said", "promised", "agreed", "offered", "volunteered":
		return true
	}
	return false
}

// subjectName is the subject read from i to j, and where it ends: a role
// after a determiner ("the manager"), not a lone verb.
func (a *analyzer) subjectName(raw, l string, i, j, words int, last string, det bool) (string, int) {
	end := j
	for end > i && l[end-1] == ' ' {
		end--
	}
	name := strings.TrimSpace(raw[i:end])
	if strings.HasSuffix(name, "'ll") || strings.HasSuffix(name, "’ll") {
		name = name[:strings.LastIndexAny(name, "'’")]
	}
	if det && !roleNouns.Has(last) {
		return "", 0
	}
	if name == "" {
		return "", 0
	}
	if !det && words == 1 {
		lw := strings.ToLower(name)
		if baseVerb(lw) != "" && !a.knownName(lw) && !roleNouns.Has(lw) {
			return "", 0
		}
	}
	return name, end
}

// splitActions splits a verb phrase joined by "and" when each part has its
// own date ("fix it today and ship a hotfix tomorrow"). It returns
// [start, end) pairs in the clause.
func (a *analyzer) splitActions(l string, verbStart, end int, ds []dates.Hit) [][2]int {
	seg := l[verbStart:end]
	idx := strings.Index(seg, " and ")
	if idx < 0 {
		return [][2]int{{verbStart, end}}
	}
	var out [][2]int
	start := verbStart
	for idx >= 0 {
		at := start + idx
		nextStart := at + len(" and ")
		w := firstWordOf(l[nextStart:])
		if actionVerbs.Has(w) && len(strings.Fields(l[start:at])) >= 2 {
			first := [2]int{start, at}
			if dateIn(ds, first) && dateIn(ds, [2]int{nextStart, end}) {
				out = append(out, first)
				start = nextStart
			}
		}
		rel := strings.Index(l[at+len(" and "):end], " and ")
		if rel < 0 {
			break
		}
		idx = at + len(" and ") + rel - start
	}
	out = append(out, [2]int{start, end})
	return out
}

func dateIn(ds []dates.Hit, r [2]int) bool {
	for _, h := range ds {
		if h.Start >= r[0] && h.End <= r[1] && (h.HasDate || h.HasTime) {
			return true
		}
	}
	return false
}

func firstWordOf(s string) string {
	s = strings.TrimLeft(s, " \t\n\r\"'(")
	i := 0
	for i < len(s) && (isLetter(s[i]) || s[i] == '-' || s[i] == '\'' || isDigit(s[i])) {
		i++
	}
	w := strings.ToLower(s[:i])
	w = strings.TrimRight(w, "-'")
	if fixed := ocrWord(w); fixed != w && actionVerbs.Has(fixed) {
		return fixed // "emai1" read by OCR
	}
	return w
}

func firstRawWord(s string) string {
	i := 0
	for i < len(s) && (isLetter(s[i]) || s[i] == '-' || s[i] == '\'' || isDigit(s[i])) {
		i++
	}
	return s[:i]
}

// typoVerb mends a word of five letters or more that is one dropped letter
// or one swap away from exactly one action verb ("finsh" → "finish").
func typoVerb(w string) string {
	if len(w) < 5 || len(w) > 14 || stopWords.Has(w) || notNames.Has(w) || nonVerbs.Has(w) || eventNouns.Has(w) || roleNouns.Has(w) || peopleNouns.Has(w) || labelWords.Has(w) {
		return ""
	}
	found := ""
	try := func(c string) bool {
		if actionVerbs.Has(c) && c != found {
			if found != "" {
				found = "-"
				return false
			}
			found = c
		}
		return true
	}
	for i := 0; i <= len(w); i++ {
		for ch := byte('a'); ch <= 'z'; ch++ {
			if !try(w[:i] + string(ch) + w[i:]) {
				return ""
			}
		}
	}
	for i := 0; i+1 < len(w); i++ {
		b := []byte(w)
		b[i], b[i+1] = b[i+1], b[i]
		if !try(string(b)) {
			return ""
		}
	}
	if found == "-" {
		return ""
	}
	return found
}

// ocrWord undoes common OCR confusions of letters with digits in a word
// that has both.
func ocrWord(w string) string {
	hasL, hasD := false, false
	for i := 0; i < len(w); i++ {
		if isLetter(w[i]) {
			hasL = true
		} else if isDigit(w[i]) {
			hasD = true
		}
	}
	if !hasL || !hasD {
		return w
	}
	r := strings.NewReplacer("0", "o", "1", "l", "3", "e", "5", "s", "4", "a", "8", "b")
	return r.Replace(w)
}

// priorityOf reads priority cues in the unit and sentence.
func priorityOf(unitText, sent string) string {
	l := strings.ToLower(sent)
	switch {
	case reLow.MatchString(l):
		return "low"
	case reUrgent.MatchString(l):
		return "urgent"
	case reHigh.MatchString(l) || strings.Contains(unitText, "!!"):
		return "high"
	case reMedium.MatchString(l):
		return "medium"
	}
	return ""
}

var (
	reLow = gate.MustCompile(`\b(?:low[- ]priority|no rush|no hurry|not urgent|whenever you (?:can|get a chance|have time)|when(?:ever)? you get a (?:chance|minute|moment)` +
		`|when you have (?:a moment|time|a minute|a sec|a second)|if you get a chance|if you have (?:time|a minute)|at your (?:earliest )?convenience|eventually|nice to have|p3|p4` +
		`|low prio)\b`)
	reUrgent = gate.MustCompile(`\b(?:urgent(?:ly)?|asap|a\.s\.a\.p|immediately|right away|right now|critical|emergency|top priority|highest priority|p0|sev ?1|blocker` +
		`|as soon as possible|straight away|time[- ]critical)\b`)
	reHigh   = gate.MustCompile(`\b(?:important|high[- ]priority|priority|p1|crucial|vital|must not slip|time[- ]sensitive|overdue|expires?|expiring|before it expires|hard deadline)\b`)
	reMedium = gate.MustCompile(`\b(?:medium[- ]priority|normal priority|p2)\b`)
)

// findIf runs re only when cond holds: the flag is cheaper than the pattern.
func findIf(cond bool, re interface{ FindStringIndex(string) []int }, s string) []int {
	if !cond {
		return nil
	}
	return re.FindStringIndex(s)
}

// mergeDeadlineIntoPromise: "The board deck is due Sept 30, I'll draft it."
// makes one task, "Draft the board deck" by the promiser, due Sept 30.
func mergeDeadlineIntoPromise(cs []*candidate) []*candidate {
	var dl *candidate
	for _, c := range cs {
		if c.frameKind == fDeadline && c.typ == TypeTask {
			dl = c
			break
		}
	}
	if dl == nil {
		return cs
	}
	obj := dl.title
	if i := strings.IndexByte(obj, ' '); i > 0 {
		obj = obj[i+1:] // "Submit the board deck" → "the board deck"
	}
	merged := false
	for _, c := range cs {
		if c == dl || !c.anaphoric || c.typ != TypeTask {
			continue
		}
		loc := reItPron.FindStringIndex(c.title)
		if loc == nil {
			continue
		}
		c.title = c.title[:loc[0]] + obj + c.title[loc[1]:]
		c.anaphoric = false
		if c.due == nil {
			c.due = dl.due
		}
		merged = true
		break
	}
	if !merged {
		return cs
	}
	out := cs[:0]
	for _, c := range cs {
		if c != dl {
			out = append(out, c)
		}
	}
	return out
}

var reItPron = regexp.MustCompile(`\b(?:it|this|that|them)\b`)

// headerVerbs give the items of a list headed by a kind of action the
// action's verb.
var headerVerbs = map[string]string{"calls": "call", "to call": "call", "phone calls": "call", "calls to make": "call",
	"emails": "email", "to email": "email", "emails to send": "email", "emails to write": "email"}

var (
	reBareAim    = regexp.MustCompile(`(?i)^(?:aim|try|plan|hope|target|expect)$`)
	reNotDoneYet = regexp.MustCompile(`(?i)^(?:(?:the|our|my)\s+)?(.+?)\s+(?:isn't|is not|isnt|aren't|are not|hasn't been|has not been|haven't been)\s+(?:done|finished|ready` +
		`|complete|completed|merged|shipped)(?:\s+yet)?\b`)
)

// aimAtUnfinished: "The API rate limiting isn't done yet; I'm aiming for
// end of next week" — the aim is to finish what isn't done. A bare "Aim"
// with nothing to aim at is dropped.
func (a *analyzer) aimAtUnfinished(sent string, cs []*candidate) []*candidate {
	out := cs[:0]
	for _, c := range cs {
		if !reBareAim.MatchString(strings.TrimSpace(c.title)) {
			out = append(out, c)
			continue
		}
		if m := reNotDoneYet.FindStringSubmatch(strings.TrimSpace(sent)); m != nil && len(strings.Fields(m[1])) <= 6 {
			c.title = "Finish the " + m[1]
			c.anaphoric = false
			out = append(out, c)
		}
	}
	return out
}
