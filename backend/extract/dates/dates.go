// Package dates finds date and time phrases in text ("by Friday", "end of
// next week", "tomorrow at 3pm") and resolves them against a reference time
// in the user's time zone. The rule extractor and the quick add share it.
package dates

import (
	"embed"
	"regexp"
	"sort"
	"strings"
	"time"

	"sentry/backend/extract/gate"
	"sentry/backend/extract/lexicon"
)

// Hit is one date or time phrase found in a piece of text.
type Hit struct {
	Start, End int    // span of the phrase (with its preposition) in the searched text
	Text       string // the phrase as written ("by Friday")
	Date       time.Time
	HasDate    bool // false for a time alone ("at 3pm"), which means today
	HasTime    bool
	Prep       string // "by", "before", "on", … or ""
	Weak       bool   // possessive ("Monday's pitch"): names a thing, not the deadline
	Moved      bool   // target of a move ("reschedule to next month")
	Recurring  bool   // "every Monday"
	Past       bool
	Ref        bool // "before then": refers to an earlier date
	bare       bool // "at 9" without am/pm: kept only next to a date
	eod        bool // "end of day": merges with a following weekday
	weekday    bool // a plain weekday name, which an explicit date after it overrides
	WeekAnchor bool // "next week" style phrases, resolved to a week's Friday
}

const (
	reWeekday = `monday|mon|tuesday|tues|tue|wednesday|weds|wed|thursday|thurs|thur|thu|friday|fri|saturday|sat|sunday|sun`
	reMonth   = `january|jan|february|feb|march|mar|april|apr|may|june|jun|july|jul|august|aug|september|sept|sep|october|oct|november|nov|december|dec`
	reNumWord = `a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple of|a couple of|couple|a few|few|several|\d{1,3}`
)

// Parts of the longer patterns below, each a list of alternatives.
const (
	// reToday: the day itself, its end, and lunch.
	reTodayParts = `today|tonight|tonite|this morning|this afternoon|this evening|later today`
	reEndOfDay   = `end of (?:the )?(?:business )?day|eod|eob|cob|close of business|end of business`
	reLunch      = `after lunch|before lunch|by lunch|at lunch|lunchtime|by noon`

	// reWeekRel: weeks relative to this one, and the weekend.
	reEndOfWeek = `(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:work\s*)?week|eow`
	reThisWeek  = `(?:later\s+|early\s+|by\s+the\s+end\s+of\s+)?this\s+week`
	reNextWeek  = `(?:the\s+)?end\s+of\s+next\s+week|(?:early\s+|mid[- ]?|late\s+|the\s+middle\s+of\s+)?next\s+week`
	reWeekend   = `(?:this\s+|next\s+|the\s+|over\s+the\s+|on\s+the\s+)?weekend`

	// reMonthRel: this month, next month, and the ends of quarter and year.
	reThisMonth      = `(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|month[- ]end|eom|this\s+month`
	reNextMonth      = `(?:the\s+)?end\s+of\s+next\s+month|(?:the\s+)?(?:beginning|start)\s+of\s+next\s+month|early\s+next\s+month|next\s+month`
	reQuarterYearEnd = `(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?quarter|eoq|(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?year|eoy|year[- ]end`

	// reInN: "in two weeks", "3 days from now", "in a fortnight".
	reTimeUnit      = `days?|weeks?|months?|fortnights?|hours?|hrs?|minutes?|mins?`
	reInNUnits      = `\b(?:in|within)\s+(?:the\s+next\s+)?(` + reNumWord + `)\s+(?:(business|working)\s+)?(` + reTimeUnit + `)\b`
	reNUnitsFromNow = `\b(` + reNumWord + `)\s+(days?|weeks?|months?)\s+from\s+(?:now|today)\b`
	reInAFortnight  = `\bin\s+a\s+(fortnight)\b`

	// reMoved: the verbs that move a date ("push back to").
	reMoveVerb = `reschedul\w*|mov(?:e|ed|ing)|push(?:ed|ing)?(?: back)?|postpon\w*|delay\w*|bump(?:ed|ing)?|shift(?:ed|ing)?|defer\w*`
)

var (
	reISO       = gate.MustCompile(`\b(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ](\d{1,2}):(\d{2}))?\b`)
	reSlash     = gate.MustCompile(`\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b`)
	reDotted    = gate.MustCompile(`\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b`)
	reMonthDay  = gate.MustCompile(`\b(` + reMonth + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:\s*[-–]\s*\d{1,2}(?:st|nd|rd|th)?\b)?(?:,?\s+(\d{4})\b)?`)
	reDayMonth  = gate.MustCompile(`\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(` + reMonth + `)\b\.?(?:,?\s+(\d{4})\b)?`)
	reEndMonth  = gate.MustCompile(`\b(?:the\s+)?end\s+of\s+(` + reMonth + `)\b`)
	reOrdinal   = gate.MustCompile(`\b(?:the\s+)?(\d{1,2})(st|nd|rd|th)\b`)
	reWeekdayR  = gate.MustCompile(`\b(?:(this coming|the coming|coming|this|next|the following|following|last|every other|every|each|on)\s+)?(` + reWeekday + `)(s)?\b(\.)?('s)?`)
	reToday     = gate.MustCompile(`\b(?:` + reTodayParts + `|` + reEndOfDay + `|` + reLunch + `)\b`)
	reTomorrow  = gate.MustCompile(`\b(?:the\s+)?(day after tomorrow|tomorrow|tmrw|tmr|tmw|tomorow|tommorow|tommorrow|2morrow|2moro)(?:\s+(?:morning|afternoon|evening|night))?\b`)
	rePastDay   = gate.MustCompile(`\b(?:yesterday|last night|last week|last month|last year|the other day|earlier today)\b`)
	reWeekRel   = gate.MustCompile(`\b(?:` + reEndOfWeek + `|` + reThisWeek + `|` + reNextWeek + `|` + reWeekend + `)\b`)
	reMonthRel  = gate.MustCompile(`\b(?:` + reThisMonth + `|` + reNextMonth + `|` + reQuarterYearEnd + `)\b`)
	reInN       = gate.MustCompile(reInNUnits + `|` + reNUnitsFromNow + `|` + reInAFortnight)
	reTimeAmPm  = gate.MustCompile(`\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)(?:[^a-z]|$)`)
	reTime24    = gate.MustCompile(`\b(\d{1,2}):(\d{2})\b`)
	reDayNext   = regexp.MustCompile(`^\s*(?:on\s+)?(?:the\s+)?(?:tomorrow|tmrw|tmr|day after|` + reWeekday + `|` + reMonth + `|\d)`)
	reQuarter   = regexp.MustCompile(`\b(?:(?:the\s+)?end\s+of\s+(?:the\s+)?(?:q([1-4])|(?:this\s+)?quarter)|q([1-4])\s+end)\b`)
	rePartOfDay = regexp.MustCompile(`^\s+(?:morning|afternoon|evening|night|am|pm)\b`)
	reTimeWord  = gate.MustCompile(`\b(noon|midday|midnight)\b`)
	reTimeBare  = regexp.MustCompile(`(?:\bat|@)\s*(\d{1,2})\b`)
	reThen      = gate.MustCompile(`\b(?:before|by|until|till|ahead of)\s+(?:then|that|that time|that date|that day)\b`)
	rePrep      = regexp.MustCompile(`(?:\b(?:no later than|not later than|due by|due on|due|by|before|on|until|till|til|for|at|from|starting|around|ahead of|prior to|after)\s+)$`)
	reMoved     = gate.MustCompile(`\b(?:` + reMoveVerb + `)\s+(?:it\s+|this\s+|that\s+|them\s+)?(?:to|until|till|til)\s*$|\bfrom\s*$`)
)

var weekdayIndex = map[string]time.Weekday{
	"monday": time.Monday, "mon": time.Monday, "tuesday": time.Tuesday, "tues": time.Tuesday, "tue": time.Tuesday,
	"wednesday": time.Wednesday, "weds": time.Wednesday, "wed": time.Wednesday, "thursday": time.Thursday,
	"thurs": time.Thursday, "thur": time.Thursday, "thu": time.Thursday, "friday": time.Friday, "fri": time.Friday,
	"saturday": time.Saturday, "sat": time.Saturday, "sunday": time.Sunday, "sun": time.Sunday,
}

// IsWeekday says whether w (lower case) names a weekday ("fri", "friday").
func IsWeekday(w string) bool {
	_, ok := weekdayIndex[w]
	return ok
}

// IsMonth says whether w (lower case) names a month ("sept", "september").
func IsMonth(w string) bool {
	_, ok := monthIndex[w]
	return ok
}

var monthIndex = map[string]time.Month{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
	"june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
	"october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

var numberWords = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
	"nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2, "a couple of": 2, "couple": 2,
	"a few": 3, "few": 3, "several": 3,
}

// ordinalNouns follow an ordinal that is not a day of the month ("the 4th floor").
var ordinalNouns = words("ordinal_nouns")

// fractionNouns follow a fraction that is not a date ("1/2 hour").
var fractionNouns = words("fraction_nouns")

// Clock is the reference for resolving relative dates.
type Clock struct {
	now   time.Time
	today time.Time // midnight of now's day in now's location
}

// NewClock makes the clock of now (the current time when now is zero),
// whose location is the user's time zone.
func NewClock(now time.Time) Clock {
	if now.IsZero() {
		now = time.Now()
	}
	y, m, d := now.Date()
	return Clock{now: now, today: time.Date(y, m, d, 0, 0, 0, 0, now.Location())}
}

// Today is midnight of the reference day in its location.
func (c Clock) Today() time.Time { return c.today }

func (c Clock) days(n int) time.Time { return c.today.AddDate(0, 0, n) }

// weekday resolves a weekday: the coming one (strictly after today) unless
// this is set, when today counts too.
func (c Clock) weekday(w time.Weekday, allowToday bool) time.Time {
	d := (int(w) - int(c.today.Weekday()) + 7) % 7
	if d == 0 && !allowToday {
		d = 7
	}
	return c.days(d)
}

// nextWeek is the given weekday in the calendar week (Monday to Sunday)
// after this one.
func (c Clock) nextWeek(w time.Weekday) time.Time {
	toMonday := (8 - int(c.today.Weekday())) % 7
	if toMonday == 0 {
		toMonday = 7
	}
	return c.days(toMonday + (int(w)+6)%7)
}

// thisWeek is the given weekday of the current calendar week, or today when
// that day has passed.
func (c Clock) thisWeek(w time.Weekday) time.Time {
	cur := (int(c.today.Weekday()) + 6) % 7
	want := (int(w) + 6) % 7
	if want < cur {
		return c.today
	}
	return c.days(want - cur)
}

func (c Clock) monthEnd(add int) time.Time {
	return time.Date(c.today.Year(), c.today.Month()+time.Month(add)+1, 0, 0, 0, 0, 0, c.today.Location())
}

// dayOfMonth is the next date (today included) whose day of month is d.
func (c Clock) dayOfMonth(d int) (time.Time, bool) {
	if d < 1 || d > 31 {
		return time.Time{}, false
	}
	y, m := c.today.Year(), c.today.Month()
	for i := 0; i < 14; i++ {
		t := time.Date(y, m+time.Month(i), d, 0, 0, 0, 0, c.today.Location())
		if t.Day() != d || t.Before(c.today) {
			continue
		}
		return t, true
	}
	return time.Time{}, false
}

// monthDay resolves a month and day without a year: this year's, unless
// that is long past, when next year's. A recent past date stays in the
// past (minutes dated last week).
func (c Clock) monthDay(m time.Month, d int, year int) (time.Time, bool, bool) {
	loc := c.today.Location()
	if year > 0 {
		if year < 100 {
			year += 2000
		}
		t := time.Date(year, m, d, 0, 0, 0, 0, loc)
		if t.Day() != d || t.Month() != m {
			return time.Time{}, false, false
		}
		return t, t.Before(c.today), true
	}
	t := time.Date(c.today.Year(), m, d, 0, 0, 0, 0, loc)
	if t.Day() != d || t.Month() != m {
		// Feb 29 outside a leap year: the next leap year.
		for y := c.today.Year() + 1; y < c.today.Year()+9; y++ {
			t = time.Date(y, m, d, 0, 0, 0, 0, loc)
			if t.Day() == d && t.Month() == m {
				return t, false, true
			}
		}
		return time.Time{}, false, false
	}
	if t.Before(c.today) {
		if c.today.Sub(t) > 180*24*time.Hour {
			next := time.Date(c.today.Year()+1, m, d, 0, 0, 0, 0, loc)
			if next.Day() == d {
				return next, false, true
			}
			return time.Time{}, false, false
		}
		return t, true, true
	}
	return t, false, true
}

// MergeDayTime joins the one day and the one time a clause names apart
// ("Fri - Lunch w/ Priya 12:30") into one moment.
func MergeDayTime(ds []Hit) []Hit {
	di, ti := -1, -1
	for i, h := range ds {
		if h.Ref || h.Weak || h.Recurring || h.Past || h.Moved {
			continue
		}
		switch {
		case h.HasDate && h.HasTime:
			return ds
		case h.HasDate:
			if di >= 0 {
				return ds
			}
			di = i
		case h.HasTime:
			if ti >= 0 {
				return ds
			}
			ti = i
		}
	}
	if di < 0 || ti < 0 {
		return ds
	}
	out := append([]Hit(nil), ds...)
	out[di].Date = AtClock(out[di].Date, out[ti].Date.Hour(), out[ti].Date.Minute())
	out[di].HasTime = true
	return append(out[:ti], out[ti+1:]...)
}

// AtClock is t's day at h:m.
func AtClock(t time.Time, h, m int) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), h, m, 0, 0, t.Location())
}

// dropOverlaps keeps, of overlapping hits, the longest (first on ties).
func dropOverlaps(hits []Hit) []Hit {
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Start != hits[j].Start {
			return hits[i].Start < hits[j].Start
		}
		return hits[i].End-hits[i].Start > hits[j].End-hits[j].Start
	})
	var out []Hit
	for _, h := range hits {
		if n := len(out); n > 0 && h.Start < out[n-1].End {
			if h.End-h.Start > out[n-1].End-out[n-1].Start {
				out[n-1] = h
			}
			continue
		}
		out = append(out, h)
	}
	return out
}

var reTimeBefore = regexp.MustCompile(`(?:\d\s*(?:am|pm|a\.m\.|p\.m\.)|\d:\d\d)\s*$`)

var reDateGap = regexp.MustCompile(`^\s*,?\s*(?:the\s+)?$`)

var reJoinGap = regexp.MustCompile(`^\s*(?:,|at|@|by|around|from|on|-|,\s*at|,\s*by|the)?\s*$`)

// mergeHits joins a date with its time ("Thursday at 2pm") and "end of day"
// with a weekday ("end of day Thursday").
func mergeHits(l string, hits []Hit) []Hit {
	var out []Hit
	for _, h := range hits {
		n := len(out)
		if n > 0 {
			p := &out[n-1]
			gap := l[p.End:h.Start]
			if reJoinGap.MatchString(gap) && !p.Ref && !h.Ref {
				switch {
				case p.HasDate && !p.HasTime && !h.HasDate && h.HasTime:
					p.Date = AtClock(p.Date, h.Date.Hour(), h.Date.Minute())
					p.HasTime, p.End = true, h.End
					continue
				case !p.HasDate && p.HasTime && h.HasDate && !h.HasTime:
					d := AtClock(h.Date, p.Date.Hour(), p.Date.Minute())
					h.Date, h.HasTime, h.Start, h.bare = d, true, p.Start, false
					out[n-1] = h
					continue
				case p.eod && h.HasDate && !p.Past:
					h.Start = p.Start
					out[n-1] = h
					continue
				case h.eod && p.HasDate:
					p.End = h.End
					continue
				}
			}
			// "Monday, January 29": the explicit date wins.
			if p.weekday && !p.HasTime && h.HasDate && !h.weekday && !h.WeekAnchor && reDateGap.MatchString(gap) {
				h.Start = p.Start
				out[n-1] = h
				continue
			}
		}
		out = append(out, h)
	}
	return out
}

// monthWordOK rejects month words that are probably something else
// ("may", "march" as verbs) unless they look like a date.
func monthWordOK(s string, a, b int, name string) bool {
	if name == "may" && !(s[a] >= 'A' && s[a] <= 'Z') {
		return rePrep.MatchString(gate.LowerASCII(s[:a]))
	}
	return true
}

// weekdayWordOK rejects abbreviations that are ordinary words ("sat",
// "sun", "wed") unless capitalised or clearly a date.
func weekdayWordOK(s, l string, a, b int, name, qual string, plural bool) bool {
	switch name {
	case "sat", "sun", "wed", "mon", "tue", "thu", "fri", "thur", "thurs", "tues", "weds":
		if plural {
			return false
		}
		if name != "sat" && name != "sun" && name != "wed" && name != "mon" {
			return true // "prob thurs": no other word is spelt so
		}
		if s[a] >= 'A' && s[a] <= 'Z' {
			return true
		}
		if qual != "" && qual != "on" {
			return true
		}
		if b < len(l) && l[b] == ':' {
			return true
		}
		if k := strings.TrimLeft(l[b:], " "); len(k) > 0 && isDigit(k[0]) && name != "sun" {
			return true // "sat 6pm"
		}
		if reTimeBefore.MatchString(l[:a]) {
			return true // "10am sat"
		}
		if rePrep.MatchString(l[:a]) {
			// "before sat" at the end of a line; "by sun" is rarer than the sun.
			return name != "sat" && name != "sun" || b == len(l) || !isLetter(l[b]) && l[b] != ' '
		}
		return false
	}
	return true
}

func nextWord(l string, i int) string {
	for i < len(l) && (l[i] == ' ' || l[i] == '\t') {
		i++
	}
	j := i
	for j < len(l) && (isLetter(l[j]) || l[j] == '-') {
		j++
	}
	return l[i:j]
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

//go:embed words/*.txt
var wordFiles embed.FS

// words reads words/<name>.txt (one entry a line, "#" comments) as a set.
func words(name string) lexicon.Set {
	b, err := wordFiles.ReadFile("words/" + name + ".txt")
	if err != nil {
		panic("dates: word list " + name + ": " + err.Error())
	}
	return lexicon.Parse(string(b))
}
