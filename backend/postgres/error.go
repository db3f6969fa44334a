package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"sentry/backend/core"
)

// Kinds of fault a server error reports.
const (
	violationNone       = ""
	violationUnique     = "unique"
	violationForeignKey = "foreign_key"
	violationCheck      = "check"
	violationText       = "text"
	violationTime       = "time"
	violationSize       = "size"
)

// violation tells which rule a server error broke, by its SQLSTATE. It is
// the one place that looks inside the driver's errors; the SQLite store has
// its twin keyed on SQLite's extended codes.
func violation(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return violationNone
	}
	switch pe.Code {
	case "23505": // unique_violation
		return violationUnique
	case "23503": // foreign_key_violation
		return violationForeignKey
	case "23514", "23502", "22003": // check, not-null, numeric out of range
		return violationCheck
	case "22021", "22P05": // bad UTF-8 or NUL in text; \u0000 in jsonb
		return violationText
	case "22008": // datetime field overflow
		return violationTime
	case "54000": // program limit: an index row or tsvector too big
		return violationSize
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

// formatError turns a server error from op into a core error, answering
// what the SQLite store answers for the same fault: a broken foreign key
// is not_found, a taken unique key conflict, each with m's message; a
// failed check invalid. Text the server cannot hold (NUL, bad UTF-8), a
// time beyond its calendar and a value too large to index are invalid
// too: the store refuses what it could not read back. Anything else stays
// internal, wrapped with its location.
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
	case violationText:
		return core.Errorf(core.EINVALID, "Text must be valid UTF-8 without NUL characters.")
	case violationTime:
		return core.Errorf(core.EINVALID, "A time is outside what can be stored.")
	case violationSize:
		return core.Errorf(core.EINVALID, "A value is too large to be stored.")
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

func isUniqueViolation(err error) bool { return violation(err) == violationUnique }

// userMissing is said when a row names a user that is gone.
var userMissing = onViolation{Missing: "User not found."}
