package dates

import (
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s unavailable: %v", name, err)
	}
	return loc
}

// dueOf resolves the single date phrase of s.
func dueOf(t *testing.T, s string, now time.Time) (Hit, bool) {
	t.Helper()
	hits := Find(s, NewClock(now))
	if len(hits) == 0 {
		return Hit{}, false
	}
	if len(hits) > 1 {
		t.Fatalf("%q: %d date phrases, want 1: %+v", s, len(hits), hits)
	}
	return hits[0], true
}

func TestDateResolution(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	monday := time.Date(2026, 3, 2, 9, 0, 0, 0, ny) // a Monday
	tests := []struct {
		name string
		now  time.Time
		in   string
		want string // "2006-01-02" or "2006-01-02 15:04"; "" when no date
		past bool
		rec  bool
		weak bool
		move bool
	}{
		{name: "weekday is the coming one", now: monday, in: "by Friday", want: "2026-03-06"},
		{name: "same weekday is next week", now: monday, in: "on Monday", want: "2026-03-09"},
		{name: "this weekday may be today", now: monday, in: "this Monday", want: "2026-03-02"},
		{name: "next weekday is in next week", now: monday, in: "next Wednesday", want: "2026-03-11"},
		{name: "abbreviated weekday", now: monday, in: "due Thurs", want: "2026-03-05"},
		{name: "tomorrow", now: monday, in: "tomorrow", want: "2026-03-03"},
		{name: "day after tomorrow", now: monday, in: "the day after tomorrow", want: "2026-03-04"},
		{name: "today", now: monday, in: "today", want: "2026-03-02"},
		{name: "tonight", now: monday, in: "tonight", want: "2026-03-02"},
		{name: "EOD", now: monday, in: "by EOD", want: "2026-03-02"},
		{name: "this morning", now: monday, in: "this morning", want: "2026-03-02"},
		{name: "end of day weekday", now: monday, in: "end of day Thursday", want: "2026-03-05"},
		{name: "end of the month", now: monday, in: "by the end of the month", want: "2026-03-31"},
		{name: "end of month abbreviation", now: monday, in: "EOM", want: "2026-03-31"},
		{name: "in two weeks", now: monday, in: "in two weeks", want: "2026-03-16"},
		{name: "in N days", now: monday, in: "in 3 days", want: "2026-03-05"},
		{name: "business days skip the weekend", now: time.Date(2026, 3, 6, 9, 0, 0, 0, ny), in: "within 2 business days", want: "2026-03-10"},
		{name: "this week is its Friday", now: monday, in: "this week", want: "2026-03-06"},
		{name: "end of next week", now: monday, in: "by the end of next week", want: "2026-03-13"},
		{name: "next week is its Friday", now: monday, in: "next week", want: "2026-03-13"},
		{name: "weekend is its Sunday", now: monday, in: "over the weekend", want: "2026-03-08"},
		{name: "ordinal day this month", now: monday, in: "by the 20th", want: "2026-03-20"},
		{name: "ordinal day already passed", now: time.Date(2026, 3, 25, 9, 0, 0, 0, ny), in: "on the 20th", want: "2026-04-20"},
		{name: "month name", now: monday, in: "March 31", want: "2026-03-31"},
		{name: "day before month", now: monday, in: "31st of March", want: "2026-03-31"},
		{name: "slash date", now: monday, in: "by 3/31", want: "2026-03-31"},
		{name: "ISO date", now: monday, in: "2026-03-31", want: "2026-03-31"},
		{name: "date next year when long past", now: time.Date(2026, 11, 20, 9, 0, 0, 0, ny), in: "January 15", want: "2027-01-15"},
		{name: "recent past date", now: monday, in: "Feb 27", want: "2026-02-27", past: true},
		{name: "weekday with time", now: monday, in: "Thursday at 3pm", want: "2026-03-05 15:00"},
		{name: "24-hour time before a date", now: monday, in: "15:00 tomorrow", want: "2026-03-03 15:00"},
		{name: "bare hour next to a date", now: monday, in: "Friday at 3", want: "2026-03-06 15:00"},
		{name: "time alone is today", now: monday, in: "at 4:30pm", want: "2026-03-02 16:30"},
		{name: "noon", now: monday, in: "tomorrow at noon", want: "2026-03-03 12:00"},
		{name: "weekday then explicit date", now: monday, in: "Monday, March 16 at 10am", want: "2026-03-16 10:00"},
		{name: "recurring", now: monday, in: "every Monday at 9", want: "2026-03-09 09:00", rec: true},
		{name: "possessive weekday", now: monday, in: "Monday's pitch", want: "2026-03-09", weak: true},
		{name: "move target", now: monday, in: "reschedule to next month", want: "2026-04-30", move: true},
		{name: "yesterday is past", now: monday, in: "yesterday", want: "2026-03-01", past: true},
		{name: "fraction is not a date", now: monday, in: "1/2 hour", want: ""},
		{name: "round the clock is not a date", now: monday, in: "24/7 support", want: ""},
		{name: "floor is not a day", now: monday, in: "the 4th floor", want: ""},
		{name: "sat as a verb", now: monday, in: "we sat down", want: ""},
		{name: "may as a verb", now: monday, in: "you may 5 times", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, ok := dueOf(t, tc.in, tc.now)
			if tc.want == "" {
				if ok {
					t.Fatalf("%q: got %v, want no date", tc.in, h.Date)
				}
				return
			}
			if !ok {
				t.Fatalf("%q: no date, want %s", tc.in, tc.want)
			}
			layout := "2006-01-02"
			if len(tc.want) > 10 {
				layout = "2006-01-02 15:04"
			}
			if got := h.Date.Format(layout); got != tc.want {
				t.Errorf("%q: got %s, want %s", tc.in, got, tc.want)
			}
			if h.Past != tc.past || h.Recurring != tc.rec || h.Weak != tc.weak || h.Moved != tc.move {
				t.Errorf("%q: flags past=%v recurring=%v weak=%v moved=%v", tc.in, h.Past, h.Recurring, h.Weak, h.Moved)
			}
			if h.Date.Location() != tc.now.Location() {
				t.Errorf("%q: location %v, want %v", tc.in, h.Date.Location(), tc.now.Location())
			}
		})
	}
}

// TestDateTimeZones checks that relative dates follow the user's zone, not
// UTC, and that month ends and leap days resolve.
func TestDateTimeZones(t *testing.T) {
	la := mustLoc(t, "America/Los_Angeles")
	ny := mustLoc(t, "America/New_York")
	tokyo := mustLoc(t, "Asia/Tokyo")
	tests := []struct {
		name string
		now  time.Time
		in   string
		want string
	}{
		// 20:00 in Los Angeles is already the next day in UTC.
		{name: "evening in Los Angeles: tomorrow", now: time.Date(2026, 3, 1, 20, 0, 0, 0, la), in: "tomorrow", want: "2026-03-02 00:00 PST"},
		{name: "evening in Los Angeles: today", now: time.Date(2026, 3, 1, 20, 0, 0, 0, la), in: "today", want: "2026-03-01 00:00 PST"},
		{name: "early morning in Tokyo: Friday", now: time.Date(2026, 3, 2, 1, 0, 0, 0, tokyo), in: "Friday", want: "2026-03-06 00:00 JST"},
		{name: "across the DST change", now: time.Date(2026, 3, 7, 9, 0, 0, 0, ny), in: "tomorrow at 3pm", want: "2026-03-08 15:00 EDT"},
		{name: "leap year month end", now: time.Date(2028, 2, 10, 9, 0, 0, 0, ny), in: "end of the month", want: "2028-02-29 00:00 EST"},
		{name: "common year month end", now: time.Date(2026, 2, 10, 9, 0, 0, 0, ny), in: "end of the month", want: "2026-02-28 00:00 EST"},
		{name: "leap day from a common year", now: time.Date(2027, 3, 10, 9, 0, 0, 0, ny), in: "Feb 29", want: "2028-02-29 00:00 EST"},
		{name: "the 30th skips February", now: time.Date(2028, 2, 27, 9, 0, 0, 0, ny), in: "by the 30th", want: "2028-03-30 00:00 EDT"},
		{name: "the 31st skips April", now: time.Date(2026, 4, 5, 9, 0, 0, 0, ny), in: "the 31st", want: "2026-05-31 00:00 EDT"},
		{name: "in a month from January 31", now: time.Date(2026, 1, 31, 9, 0, 0, 0, ny), in: "end of next month", want: "2026-02-28 00:00 EST"},
		{name: "year end", now: time.Date(2026, 12, 30, 9, 0, 0, 0, ny), in: "by year end", want: "2026-12-31 00:00 EST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, ok := dueOf(t, tc.in, tc.now)
			if !ok {
				t.Fatalf("%q: no date", tc.in)
			}
			if got := h.Date.Format("2006-01-02 15:04 MST"); got != tc.want {
				t.Errorf("%q: got %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
