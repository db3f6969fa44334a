package sqlite

import (
	"errors"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"sentry/backend/storeerr"
)

// Constraint kinds a driver error can report.
const (
	violationNone       = storeerr.None
	violationUnique     = storeerr.Unique
	violationForeignKey = storeerr.ForeignKey
	violationCheck      = storeerr.Check
)

// violation tells which constraint a driver error broke. It is the one
// place that looks inside the driver's errors; the Postgres store has its
// twin keyed on SQLSTATE.
func violation(err error) storeerr.Violation {
	var se *driver.Error
	if !errors.As(err, &se) {
		return violationNone
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return violationUnique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return violationForeignKey
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return violationCheck
	}
	return violationNone
}

// onViolation gives the user-safe messages for the constraints a write
// may break.
type onViolation = storeerr.OnViolation

// formatError turns a driver error from op into a core error, as the
// Postgres store does (storeerr.Format).
func formatError(err error, op string, m onViolation) error {
	return storeerr.Format("sqlite", violation(err), err, op, m)
}

func isUniqueViolation(err error) bool { return violation(err) == violationUnique }

// userMissing is said when a row names a user that is gone.
var userMissing = storeerr.UserMissing
