// Package storeerr is what both stores answer for a write the database
// refuses. Each store says which rule its driver's error broke (its own
// violation function, the one place that reads the driver's errors);
// Format turns that into the same core error on SQLite and PostgreSQL.
package storeerr

import (
	"fmt"

	"sentry/backend/core"
)

// Violation is the kind of rule a database error reports broken.
type Violation string

// The kinds of fault a store's driver error can report. SQLite reports
// only the constraint kinds; PostgreSQL also refuses text, times and
// sizes it could not hold.
const (
	None       Violation = ""
	Unique     Violation = "unique"
	ForeignKey Violation = "foreign_key"
	Check      Violation = "check"
	Text       Violation = "text" // bad UTF-8 or NUL
	Time       Violation = "time" // beyond the database's calendar
	Size       Violation = "size" // too large to index
)

// OnViolation gives the user-safe messages for the constraints a write
// may break; an empty message leaves that violation internal.
type OnViolation struct {
	// Missing is said when a foreign key names no row (not_found).
	Missing string
	// Duplicate is said when a unique key is taken (conflict).
	Duplicate string
}

// UserMissing is said when a row names a user that is gone.
var UserMissing = OnViolation{Missing: "User not found."}

// Format turns err, a database error from op that broke rule v, into a
// core error: a broken foreign key is not_found and a taken unique key
// conflict, each with m's message; a failed check, text the database
// cannot hold, a time beyond its calendar and a value too large to index
// are invalid, so a store refuses what it could not read back. Anything
// else stays internal, wrapped with the store's name and op.
func Format(store string, v Violation, err error, op string, m OnViolation) error {
	if err == nil {
		return nil
	}
	switch v {
	case ForeignKey:
		if m.Missing != "" {
			return core.Errorf(core.ENOTFOUND, "%s", m.Missing)
		}
	case Unique:
		if m.Duplicate != "" {
			return core.Errorf(core.ECONFLICT, "%s", m.Duplicate)
		}
	case Check:
		return core.Errorf(core.EINVALID, "A value is outside what can be stored.")
	case Text:
		return core.Errorf(core.EINVALID, "Text must be valid UTF-8 without NUL characters.")
	case Time:
		return core.Errorf(core.EINVALID, "A time is outside what can be stored.")
	case Size:
		return core.Errorf(core.EINVALID, "A value is too large to be stored.")
	}
	return fmt.Errorf("%s: %s: %w", store, op, err)
}
