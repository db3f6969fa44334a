package sqlite

import (
	"errors"
	"fmt"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"sentry/backend/core"
)

// Constraint kinds a driver error can report.
const (
	violationNone       = ""
	violationUnique     = "unique"
	violationForeignKey = "foreign_key"
	violationCheck      = "check"
)

// violation tells which constraint a driver error broke. It is the one
// place that looks inside the driver's errors; the Postgres store has its
// twin keyed on SQLSTATE.
func violation(err error) string {
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
// may break; an empty message leaves that violation internal.
type onViolation struct {
	// Missing is said when a foreign key names no row (not_found).
	Missing string
	// Duplicate is said when a unique key is taken (conflict).
	Duplicate string
}

// formatError turns a driver error from op into a core error: a broken
// foreign key is not_found, a taken unique key conflict, a failed check
// invalid, each with m's message; anything else stays internal, wrapped
// with its location.
func formatError(err error, op string, m onViolation) error {
	if err == nil {
		return nil
	}
	switch violation(err) {
	case violationForeignKey:
		if m.Missing != "" {
			return core.Errorf(core.ENOTFOUND, "%s", m.Missing)
		}
	case violationUnique:
		if m.Duplicate != "" {
			return core.Errorf(core.ECONFLICT, "%s", m.Duplicate)
		}
	case violationCheck:
		return core.Errorf(core.EINVALID, "A value is outside what can be stored.")
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

func isUniqueViolation(err error) bool { return violation(err) == violationUnique }

// userMissing is said when a row names a user that is gone.
var userMissing = onViolation{Missing: "User not found."}
