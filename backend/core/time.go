package core

import (
	"strings"
	"time"
	"unicode/utf8"
)

// The range of times the system accepts from outside. A time is checked
// after conversion to UTC, so "9999-12-31T23:59:59-23:59" (year 10000 in
// UTC) is refused. The margin of centuries on each side keeps arithmetic on
// an accepted time (a week later, a year of recurrences) encodable.
var (
	MinTime = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// CheckTime returns an invalid error naming field when t, in UTC, falls
// outside [MinTime, MaxTime).
func CheckTime(field string, t time.Time) error {
	u := t.UTC()
	if u.Before(MinTime) || !u.Before(MaxTime) {
		return FieldError(field, "%s must be between the years %d and %d (UTC).", fieldLabel(field), MinTime.Year(), MaxTime.Year()-1)
	}
	return nil
}

// TimeInRange reports whether t, in UTC, is an accepted time.
func TimeInRange(t time.Time) bool { return CheckTime("", t) == nil }

// CheckTimes checks each set time of a named list.
func CheckTimes(times map[string]*time.Time) error {
	for field, t := range times {
		if t != nil {
			if err := CheckTime(field, *t); err != nil {
				return err
			}
		}
	}
	return nil
}

// CleanText makes a user-visible text safe to store and show: it refuses
// invalid UTF-8 and NUL, and removes the other control characters and the
// bidirectional formatting characters that make text display as something
// other than what it is (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C).
// Newlines and tabs are kept only when multiline is set; otherwise they
// become spaces.
func CleanText(field, s string, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", FieldError(field, "%s must be valid UTF-8 text.", fieldLabel(field))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", FieldError(field, "%s contains invalid characters.", fieldLabel(field))
	}
	clean := true
	for _, r := range s {
		if unsafeRune(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			clean = false
			break
		}
	}
	if clean {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			if multiline {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case unsafeRune(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// unsafeRune tells the runes CleanText removes (and, on one-line fields,
// the line breaks it turns into spaces).
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}
