package dates

import "time"

// Phrase is one date or time phrase of a text, resolved the way the
// extractor resolves it.
type Phrase struct {
	Start, End int       // byte span in the text, preposition included ("by Friday")
	Text       string    // the phrase as written
	Time       time.Time // in now's location; midnight of the day when HasTime is false
	HasDate    bool      // false for a time alone ("at 6pm"), which the extractor reads as today
	HasTime    bool
	Past       bool // the phrase names a past day ("yesterday")
	Recurring  bool // "every Monday"
}

// FindPhrases returns the date and time phrases of s in order and
// without overlaps, resolved against now, whose Location is the user's
// time zone. Phrases that name a thing rather than a moment ("Monday's
// pitch") or refer back to an earlier date ("before then") are left out.
// It is the extractor's own date reading, for callers that parse one
// short line (a task typed by hand).
func FindPhrases(s string, now time.Time) []Phrase {
	var out []Phrase
	for _, h := range Find(s, NewClock(now)) {
		if h.Weak || h.Ref || !(h.HasDate || h.HasTime) {
			continue
		}
		out = append(out, Phrase{Start: h.Start, End: h.End, Text: s[h.Start:h.End], Time: h.Date,
			HasDate: h.HasDate, HasTime: h.HasTime, Past: h.Past, Recurring: h.Recurring})
	}
	return out
}
