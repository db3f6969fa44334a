package core

import (
	"time"
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
