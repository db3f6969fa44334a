package dates

import (
	"strconv"
	"strings"
	"time"

	"sentry/backend/extract/gate"
)

// finder holds one search of Find: the text as written and in lower case,
// the clock, and the hits found so far, in the order they were found (the
// order decides between overlapping hits of the same length).
type finder struct {
	s, l   string
	c      Clock
	digits bool // the text has a digit: numeric dates and clock times are possible
	hits   []Hit
}

func (f *finder) add(h Hit) { f.hits = append(f.hits, h) }

// has says whether the lower-case text contains any of subs: a cheap test
// before a costly pattern.
func (f *finder) has(subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(f.l, x) {
			return true
		}
	}
	return false
}

// findSteps are the kinds of phrase Find looks for, in order: dates first,
// then references to them, then times of day.
var findSteps = []func(*finder){
	(*finder).isoDates,
	(*finder).slashDates,
	(*finder).dottedDates,
	(*finder).monthDayDates,
	(*finder).dayMonthDates,
	(*finder).endOfMonthName,
	(*finder).ordinalDays,
	(*finder).weekdays,
	(*finder).today,
	(*finder).quarterEnds,
	(*finder).tomorrow,
	(*finder).pastDays,
	(*finder).weeksAhead,
	(*finder).monthsAhead,
	(*finder).inNUnits,
	(*finder).backReferences,
	(*finder).amPmTimes,
	(*finder).clockTimes,
	(*finder).timeWords,
	(*finder).bareTimes,
}

// Find returns the date and time phrases of s, resolved against c,
// in order and without overlaps.
func Find(s string, c Clock) []Hit {
	f := &finder{s: s, l: gate.LowerASCII(s), c: c}
	f.digits = strings.ContainsAny(f.l, "0123456789")
	for _, step := range findSteps {
		step(f)
	}
	hits := dropOverlaps(f.hits)
	hits = mergeHits(f.l, hits)
	hits = dropBare(hits)
	for i := range hits {
		f.placeInSentence(&hits[i])
	}
	return hits
}

// isoDates reads "2026-03-04" and "2026-03-04 14:30".
func (f *finder) isoDates() {
	if !f.digits {
		return
	}
	l, c := f.l, f.c
	for _, m := range reISO.FindAllStringSubmatchIndex(l, -1) {
		y, _ := strconv.Atoi(l[m[2]:m[3]])
		mo, _ := strconv.Atoi(l[m[4]:m[5]])
		d, _ := strconv.Atoi(l[m[6]:m[7]])
		if mo < 1 || mo > 12 {
			continue
		}
		t, past, ok := c.monthDay(time.Month(mo), d, y)
		if !ok {
			continue
		}
		h := Hit{Start: m[0], End: m[1], Date: t, HasDate: true, Past: past}
		if m[8] >= 0 {
			hh, _ := strconv.Atoi(l[m[8]:m[9]])
			mm, _ := strconv.Atoi(l[m[10]:m[11]])
			if hh < 24 && mm < 60 {
				h.Date, h.HasTime = AtClock(t, hh, mm), true
			}
		}
		f.add(h)
	}
}

// slashDates reads "3/4" and "3/4/2026", but not fractions, ratios,
// prices, paths or "24/7".
func (f *finder) slashDates() {
	if !f.digits || !strings.Contains(f.l, "/") {
		return
	}
	l, c := f.l, f.c
	for _, m := range reSlash.FindAllStringSubmatchIndex(l, -1) {
		if m[0] > 0 && (isDigit(l[m[0]-1]) || l[m[0]-1] == '/' || l[m[0]-1] == '$' || l[m[0]-1] == '.') {
			continue
		}
		if m[1] < len(l) && (l[m[1]] == '/' || l[m[1]] == '%' || (l[m[1]] == '.' && m[1]+1 < len(l) && isDigit(l[m[1]+1]))) {
			continue
		}
		if fractionNouns.Has(nextWord(l, m[1])) || l[m[0]:m[1]] == "24/7" {
			continue
		}
		a, _ := strconv.Atoi(l[m[2]:m[3]])
		b, _ := strconv.Atoi(l[m[4]:m[5]])
		y := 0
		if m[6] >= 0 {
			y, _ = strconv.Atoi(l[m[6]:m[7]])
		} else if a == 1 && b <= 4 {
			continue // "1/2", "1/3": fractions far more often than dates
		}
		mo, d := a, b
		if mo > 12 && d <= 12 {
			mo, d = d, mo
		}
		if mo < 1 || mo > 12 || d < 1 || d > 31 {
			continue
		}
		t, past, ok := c.monthDay(time.Month(mo), d, y)
		if !ok {
			continue
		}
		f.add(Hit{Start: m[0], End: m[1], Date: t, HasDate: true, Past: past})
	}
}

// dottedDates reads "4.3.2026", day first.
func (f *finder) dottedDates() {
	if !f.digits {
		return
	}
	l, c := f.l, f.c
	for _, m := range reDotted.FindAllStringSubmatchIndex(l, -1) {
		d, _ := strconv.Atoi(l[m[2]:m[3]])
		mo, _ := strconv.Atoi(l[m[4]:m[5]])
		y, _ := strconv.Atoi(l[m[6]:m[7]])
		if mo < 1 || mo > 12 {
			continue
		}
		if t, past, ok := c.monthDay(time.Month(mo), d, y); ok {
			f.add(Hit{Start: m[0], End: m[1], Date: t, HasDate: true, Past: past})
		}
	}
}

// monthDayDates reads "March 4", "Mar 4th, 2026".
func (f *finder) monthDayDates() {
	if !f.digits {
		return
	}
	s, l, c := f.s, f.l, f.c
	for _, m := range reMonthDay.FindAllStringSubmatchIndex(l, -1) {
		name := l[m[2]:m[3]]
		if !monthWordOK(s, m[2], m[3], name) {
			continue
		}
		d, _ := strconv.Atoi(l[m[4]:m[5]])
		y := 0
		if m[6] >= 0 {
			y, _ = strconv.Atoi(l[m[6]:m[7]])
		}
		if m[5] < len(l) && l[m[5]] == ':' {
			continue // "March 3:15" is unusual; "Mar 10:00" is a time
		}
		if t, past, ok := c.monthDay(monthIndex[name], d, y); ok {
			f.add(Hit{Start: m[0], End: m[1], Date: t, HasDate: true, Past: past})
		}
	}
}

// dayMonthDates reads "4 March", "the 4th of March 2026".
func (f *finder) dayMonthDates() {
	if !f.digits {
		return
	}
	s, l, c := f.s, f.l, f.c
	for _, m := range reDayMonth.FindAllStringSubmatchIndex(l, -1) {
		name := l[m[4]:m[5]]
		if !monthWordOK(s, m[4], m[5], name) {
			continue
		}
		d, _ := strconv.Atoi(l[m[2]:m[3]])
		y := 0
		if m[6] >= 0 {
			y, _ = strconv.Atoi(l[m[6]:m[7]])
		}
		if t, past, ok := c.monthDay(monthIndex[name], d, y); ok {
			f.add(Hit{Start: m[0], End: m[1], Date: t, HasDate: true, Past: past})
		}
	}
}

// endOfMonthName reads "the end of March": that month's last day, this
// year's unless it has passed.
func (f *finder) endOfMonthName() {
	s, l, c := f.s, f.l, f.c
	for _, m := range reEndMonth.FindAllStringSubmatchIndex(l, -1) {
		mo := monthIndex[l[m[2]:m[3]]]
		if !monthWordOK(s, m[2], m[3], l[m[2]:m[3]]) {
			continue
		}
		t := time.Date(c.today.Year(), mo+1, 0, 0, 0, 0, 0, c.today.Location())
		if t.Before(c.today) {
			t = time.Date(c.today.Year()+1, mo+1, 0, 0, 0, 0, 0, c.today.Location())
		}
		f.add(Hit{Start: m[0], End: m[1], Date: t, HasDate: true})
	}
}

// ordinalDays reads "the 20th" or "by 20th": the next such day of a month;
// not "the 3rd floor".
func (f *finder) ordinalDays() {
	if !f.digits {
		return
	}
	l, c := f.l, f.c
	for _, m := range reOrdinal.FindAllStringSubmatchIndex(l, -1) {
		hasThe := strings.HasPrefix(l[m[0]:m[1]], "the")
		if !hasThe && !rePrep.MatchString(l[:m[0]]) {
			continue
		}
		if ordinalNouns.Has(nextWord(l, m[1])) {
			continue
		}
		d, _ := strconv.Atoi(l[m[2]:m[3]])
		if t, ok := c.dayOfMonth(d); ok {
			f.add(Hit{Start: m[0], End: m[1], Date: t, HasDate: true})
		}
	}
}

// weekdays reads "Friday", "next Tuesday", "last Monday", "every
// Wednesday", "Mondays" and "Monday's" (a weak, possessive date).
func (f *finder) weekdays() {
	if !f.has("mon", "tue", "wed", "thu", "fri", "sat", "sun") {
		return
	}
	s, l := f.s, f.l
	for _, m := range reWeekdayR.FindAllStringSubmatchIndex(l, -1) {
		qual := ""
		if m[2] >= 0 {
			qual = l[m[2]:m[3]]
		}
		name := l[m[4]:m[5]]
		plural := m[6] >= 0
		poss := m[10] >= 0
		if !weekdayWordOK(s, l, m[4], m[5], name, qual, plural) {
			continue
		}
		h := Hit{Start: m[0], End: m[1], HasDate: true, Weak: poss, weekday: true}
		// "Monday morning": the part of the day belongs to the date.
		if pm := rePartOfDay.FindStringIndex(l[m[1]:]); pm != nil && !poss {
			h.End = m[1] + pm[1]
		}
		if m[8] >= 0 && !poss && m[9] == m[1] {
			h.End = m[8] // drop a trailing full stop
		}
		f.resolveWeekday(&h, weekdayIndex[name], qual, plural, poss)
		if qual == "on" {
			h.Start = m[4]
		}
		f.add(h)
	}
}

// resolveWeekday dates a weekday by its qualifier: "next" is next week's,
// "this" may be today, "last" is past, "every" and a plural recur.
func (f *finder) resolveWeekday(h *Hit, w time.Weekday, qual string, plural, poss bool) {
	c := f.c
	switch qual {
	case "next", "the following", "following":
		h.Date = c.nextWeek(w)
	case "this":
		h.Date = c.weekday(w, true)
	case "last":
		h.Date, h.Past = c.days(-((int(c.today.Weekday())-int(w)+6)%7 + 1)), true
	case "every", "each", "every other":
		h.Date, h.Recurring = c.weekday(w, false), true
	default:
		if plural && !poss {
			h.Date, h.Recurring = c.weekday(w, false), true
		} else {
			h.Date = c.weekday(w, false)
		}
	}
}

// today reads "today", "tonight", "EOD" (which may join a weekday after
// it) and "by noon" (a time; the day may follow).
func (f *finder) today() {
	l, c := f.l, f.c
	for _, m := range reToday.FindAllStringIndex(l, -1) {
		ph := l[m[0]:m[1]]
		h := Hit{Start: m[0], End: m[1], Date: c.today, HasDate: true}
		h.eod = strings.Contains(ph, "end of") || ph == "eod" || ph == "eob" || ph == "cob" || strings.Contains(ph, "close of")
		if ph == "by noon" {
			h.Date, h.HasTime = AtClock(c.today, 12, 0), true
			if reDayNext.MatchString(l[m[1]:]) {
				h.HasDate = false // "by noon tomorrow": the day comes next
			}
		}
		f.add(h)
	}
}

// quarterEnds reads "end of Q2" and "Q3 end": the quarter's last day, next
// year's when this year's has passed.
func (f *finder) quarterEnds() {
	if !f.has("quarter", "q1", "q2", "q3", "q4") {
		return
	}
	l, c := f.l, f.c
	for _, m := range reQuarter.FindAllStringSubmatchIndex(l, -1) {
		q := (int(c.today.Month())-1)/3 + 1 // "the quarter": this one
		for g := 2; g <= 4; g += 2 {
			if m[g] >= 0 {
				q = int(l[m[g]] - '0')
			}
		}
		end := time.Date(c.today.Year(), time.Month(3*q)+1, 0, 0, 0, 0, 0, c.today.Location())
		if end.Before(c.today) {
			end = end.AddDate(1, 0, 0) // "end of Q1" said in May: next year's
			end = time.Date(end.Year(), time.Month(3*q)+1, 0, 0, 0, 0, 0, c.today.Location())
		}
		f.add(Hit{Start: m[0], End: m[1], Date: end, HasDate: true})
	}
}

// tomorrow reads "tomorrow" in its spellings and "the day after tomorrow".
func (f *finder) tomorrow() {
	if !f.has("tom", "tm", "2mor", "tmr") {
		return
	}
	l, c := f.l, f.c
	for _, m := range reTomorrow.FindAllStringSubmatchIndex(l, -1) {
		n := 1
		if strings.HasPrefix(l[m[2]:m[3]], "day after") {
			n = 2
		}
		f.add(Hit{Start: m[0], End: m[1], Date: c.days(n), HasDate: true})
	}
}

// pastDays reads "yesterday", "last week" and the like: past, so no due date.
func (f *finder) pastDays() {
	for _, m := range rePastDay.FindAllStringIndex(f.l, -1) {
		f.add(Hit{Start: m[0], End: m[1], Date: f.c.days(-1), HasDate: true, Past: true})
	}
}

// weeksAhead reads "this week", "end of next week" (its Friday), "early
// next week" (its Monday), "mid next week" and "the weekend" (its Sunday).
func (f *finder) weeksAhead() {
	if !f.has("week", "eow") {
		return
	}
	l, c := f.l, f.c
	for _, m := range reWeekRel.FindAllStringIndex(l, -1) {
		ph := l[m[0]:m[1]]
		h := Hit{Start: m[0], End: m[1], HasDate: true, WeekAnchor: true}
		switch {
		case strings.Contains(ph, "weekend"):
			if strings.HasPrefix(ph, "next") {
				h.Date = c.nextWeek(time.Sunday)
			} else {
				h.Date = c.thisWeek(time.Sunday)
			}
		case strings.Contains(ph, "next week"):
			switch {
			case strings.HasPrefix(ph, "early"):
				h.Date = c.nextWeek(time.Monday)
			case strings.HasPrefix(ph, "mid") || strings.Contains(ph, "middle"):
				h.Date = c.nextWeek(time.Wednesday)
			default:
				h.Date = c.nextWeek(time.Friday)
			}
		default: // this week, end of the week
			h.Date = c.thisWeek(time.Friday)
		}
		f.add(h)
	}
}

// monthsAhead reads "end of the month", "next month", "early next month",
// "end of the quarter" and "end of the year".
func (f *finder) monthsAhead() {
	if !f.has("month", "eom", "quarter", "eoq", "year", "eoy") {
		return
	}
	l, c := f.l, f.c
	for _, m := range reMonthRel.FindAllStringIndex(l, -1) {
		ph := l[m[0]:m[1]]
		h := Hit{Start: m[0], End: m[1], HasDate: true}
		switch {
		case strings.Contains(ph, "quarter") || ph == "eoq":
			q := (int(c.today.Month())-1)/3*3 + 3
			h.Date = time.Date(c.today.Year(), time.Month(q)+1, 0, 0, 0, 0, 0, c.today.Location())
		case strings.Contains(ph, "year") || ph == "eoy":
			h.Date = time.Date(c.today.Year(), 12, 31, 0, 0, 0, 0, c.today.Location())
		case strings.Contains(ph, "beginning") || strings.Contains(ph, "start") || strings.HasPrefix(ph, "early"):
			h.Date = c.monthEnd(0).AddDate(0, 0, 1)
		case strings.Contains(ph, "next month"):
			h.Date = c.monthEnd(1)
		default:
			h.Date = c.monthEnd(0)
		}
		f.add(h)
	}
}

// inNUnits reads "in two weeks", "within 3 business days", "5 days from
// now" and "in a fortnight".
func (f *finder) inNUnits() {
	if !f.has(" in ", "within", "from now", "from today", "in ") {
		return
	}
	l := f.l
	for _, m := range reInN.FindAllStringSubmatchIndex(l, -1) {
		var num, unit string
		switch {
		case m[2] >= 0:
			num, unit = l[m[2]:m[3]], l[m[6]:m[7]]
		case m[8] >= 0:
			num, unit = l[m[8]:m[9]], l[m[10]:m[11]]
		default:
			num, unit = "a", "fortnight"
		}
		n, ok := numberWords[num]
		if !ok {
			n, _ = strconv.Atoi(num)
		}
		if n <= 0 || n > 400 {
			continue
		}
		t := f.c.after(n, unit, m[4] >= 0)
		f.add(Hit{Start: m[0], End: m[1], Date: t, HasDate: true})
	}
}

// after is the day n units from now; business counts only weekdays.
// Hours and minutes land on the day they reach.
func (c Clock) after(n int, unit string, business bool) time.Time {
	var t time.Time
	switch {
	case strings.HasPrefix(unit, "day"):
		if business {
			t = c.today
			for k := 0; k < n; {
				t = t.AddDate(0, 0, 1)
				if t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
					k++
				}
			}
		} else {
			t = c.days(n)
		}
	case strings.HasPrefix(unit, "week"):
		t = c.days(7 * n)
	case strings.HasPrefix(unit, "fortnight"):
		t = c.days(14 * n)
	case strings.HasPrefix(unit, "month"):
		t = c.today.AddDate(0, n, 0)
	default: // hours, minutes
		t = c.now.Add(time.Duration(n) * time.Hour)
		if strings.HasPrefix(unit, "min") {
			t = c.now.Add(time.Duration(n) * time.Minute)
		}
		y, mo, d := t.Date()
		t = time.Date(y, mo, d, 0, 0, 0, 0, c.today.Location())
	}
	return t
}

// backReferences reads "before then", "by that date": a date said earlier.
func (f *finder) backReferences() {
	for _, m := range reThen.FindAllStringIndex(f.l, -1) {
		f.add(Hit{Start: m[0], End: m[1], Ref: true})
	}
}

// amPmTimes reads "3pm", "10:30 a.m."; not prices or decimals.
func (f *finder) amPmTimes() {
	if !f.digits {
		return
	}
	l, c := f.l, f.c
	for _, m := range reTimeAmPm.FindAllStringSubmatchIndex(l, -1) {
		if m[0] > 0 && (l[m[0]-1] == '$' || l[m[0]-1] == ':' || l[m[0]-1] == '.') {
			continue
		}
		hh, _ := strconv.Atoi(l[m[2]:m[3]])
		mm := 0
		if m[4] >= 0 {
			mm, _ = strconv.Atoi(l[m[4]:m[5]])
		}
		if hh < 1 || hh > 12 || mm > 59 {
			continue
		}
		if strings.HasPrefix(l[m[6]:m[7]], "p") && hh != 12 {
			hh += 12
		} else if strings.HasPrefix(l[m[6]:m[7]], "a") && hh == 12 {
			hh = 0
		}
		end := m[7]
		f.add(Hit{Start: m[0], End: end, Date: AtClock(c.today, hh, mm), HasTime: true})
	}
}

// clockTimes reads "14:30"; "2:30" is afternoon. Not timestamps with
// seconds (transcript noise).
func (f *finder) clockTimes() {
	if !f.digits || !strings.Contains(f.l, ":") {
		return
	}
	l, c := f.l, f.c
	for _, m := range reTime24.FindAllStringSubmatchIndex(l, -1) {
		if m[0] > 0 && (isDigit(l[m[0]-1]) || l[m[0]-1] == ':' || l[m[0]-1] == '$') {
			continue
		}
		if m[1] < len(l) && (l[m[1]] == ':' && m[1]+1 < len(l) && isDigit(l[m[1]+1])) {
			continue // a timestamp with seconds: transcript noise
		}
		hh, _ := strconv.Atoi(l[m[2]:m[3]])
		mm, _ := strconv.Atoi(l[m[4]:m[5]])
		if hh > 23 || mm > 59 {
			continue
		}
		if hh >= 1 && hh <= 6 && l[m[2]] != '0' {
			hh += 12
		}
		f.add(Hit{Start: m[0], End: m[1], Date: AtClock(c.today, hh, mm), HasTime: true})
	}
}

// timeWords reads "noon", "midday" and "midnight" (the day's last minute).
func (f *finder) timeWords() {
	l, c := f.l, f.c
	for _, m := range reTimeWord.FindAllStringSubmatchIndex(l, -1) {
		hh := 12
		if l[m[2]:m[3]] == "midnight" {
			hh = 23
		}
		mm := 0
		if hh == 23 {
			mm = 59
		}
		f.add(Hit{Start: m[0], End: m[1], Date: AtClock(c.today, hh, mm), HasTime: true})
	}
}

// bareTimes reads "at 9" without am or pm — kept only where it joins a date
// (see dropBare); not "at 5 people".
func (f *finder) bareTimes() {
	if !f.digits {
		return
	}
	l, c := f.l, f.c
	for _, m := range reTimeBare.FindAllStringSubmatchIndex(l, -1) {
		if m[1] < len(l) && (l[m[1]] == ':' || l[m[1]] == '%' || l[m[1]] == '/' || l[m[1]] == '.' && m[1]+1 < len(l) && isDigit(l[m[1]+1])) {
			continue
		}
		hh, _ := strconv.Atoi(l[m[2]:m[3]])
		if hh < 1 || hh > 12 {
			continue
		}
		if !bareTimeFollower(nextWord(l, m[1])) {
			continue // "at 5 people", "at 3 locations"
		}
		if hh <= 6 {
			hh += 12
		}
		f.add(Hit{Start: m[0], End: m[1], Date: AtClock(c.today, hh, 0), HasTime: true, bare: true})
	}
}

// bareTimeFollower says whether nw, the word after "at 5", lets it be a
// time: nothing, a day word, or a joining word.
func bareTimeFollower(nw string) bool {
	if nw != "" && nw != "on" && nw != "and" && nw != "to" && nw != "tomorrow" && nw != "today" && nw != "tonight" && weekdayIndex[nw] == 0 && nw != "sunday" && nw != "sun" {
		if _, isMonth := monthIndex[nw]; !isMonth && nw != "next" && nw != "this" && nw != "every" {
			return false
		}
	}
	return true
}

// dropBare leaves out the bare times ("at 9") that joined no date.
func dropBare(hits []Hit) []Hit {
	out := hits[:0]
	for _, h := range hits {
		if h.bare {
			continue
		}
		out = append(out, h)
	}
	return out
}

// placeInSentence reads what stands before a hit: its preposition ("by",
// "before"), a move ("reschedule to"), "after" (a weak date) and "since"
// (past); and trims trailing punctuation from its text.
func (f *finder) placeInSentence(h *Hit) {
	l := f.l
	if !h.Ref {
		if pm := rePrep.FindStringIndex(l[:h.Start]); pm != nil && pm[0] >= 0 {
			h.Prep = strings.TrimSpace(l[pm[0]:h.Start])
			h.Start = pm[0]
		} else if strings.HasPrefix(l[h.Start:h.End], "on ") {
			h.Prep = "on"
		}
		if reMoved.MatchString(l[:h.Start]) {
			h.Moved = true
		}
		if h.Prep == "after" && h.HasDate && !strings.Contains(l[h.Start:h.End], "lunch") {
			h.Weak = true
		}
		if pre := l[max(0, h.Start-6):h.Start]; strings.HasSuffix(pre, "since ") {
			h.Past = true
		}
	} else {
		h.Prep = strings.Fields(l[h.Start:h.End])[0]
	}
	for h.End > h.Start+1 && (l[h.End-1] == '.' || l[h.End-1] == ',') && !strings.HasSuffix(l[h.Start:h.End], ".m.") {
		h.End--
	}
	h.Text = strings.TrimSpace(f.s[h.Start:h.End])
}
