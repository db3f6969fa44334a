package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"sentry/backend/core"
	"sentry/backend/storeerr"
)

// Kinds of fault a server error reports.
const (
	violationNone       = storeerr.None
	violationUnique     = storeerr.Unique
	violationForeignKey = storeerr.ForeignKey
	violationCheck      = storeerr.Check
	violationText       = storeerr.Text
	violationTime       = storeerr.Time
	violationSize       = storeerr.Size
)

// violation tells which rule a server error broke, by its SQLSTATE. It is
// the one place that looks inside the driver's errors; the SQLite store has
// its twin keyed on SQLite's extended codes.
func violation(err error) storeerr.Violation {
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
// may break.
type onViolation = storeerr.OnViolation

// formatError turns a server error from op into a core error, answering
// what the SQLite store answers for the same fault (storeerr.Format).
// Text the server cannot hold (NUL, bad UTF-8), a time beyond its calendar
// and a value too large to index are invalid too: the store refuses what
// it could not read back.
func formatError(err error, op string, m onViolation) error {
	return storeerr.Format("postgres", violation(err), err, op, m)
}

func isUniqueViolation(err error) bool { return violation(err) == violationUnique }

// userMissing is said when a row names a user that is gone.
var userMissing = storeerr.UserMissing

// Unavailable turns an error that says the server cannot be reached or
// the connection was lost (refused, reset, shut down by the server, a
// connection-class SQLSTATE) into unavailable, which a client may retry;
// any other error gives nil. The pool replaces broken connections by
// itself, so the same request succeeds once the server is back.
func Unavailable(err error) error {
	if err == nil || !lostConnection(err) {
		return nil
	}
	return &core.Error{Code: core.EUNAVAILABLE, RetryAfter: 5 * time.Second,
		Message: "The database cannot be reached right now. Try again shortly."}
}

func lostConnection(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case len(pe.Code) == 5 && pe.Code[:2] == "08": // connection exception
			return true
		case pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // admin or crash shutdown, cannot connect now
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	}
	return pgconn.SafeToRetry(err)
}

// dsnPassword finds the password of a key=value connection string.
var dsnPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// RedactURL is a database URL (or key=value string) fit for an error
// message or a log: its password, in the user part or as a parameter,
// is replaced by xxxxx.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dsnPassword.ReplaceAllString(s, "${1}xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// oneLine keeps an error's text on one line (a server's message may hold
// a detail or hint on lines of their own), its chain intact.
func oneLine(err error) error {
	if !strings.ContainsAny(err.Error(), "\r\n") {
		return err
	}
	return &oneLineError{err}
}

type oneLineError struct{ err error }

func (e *oneLineError) Error() string {
	return strings.Join(strings.Fields(e.err.Error()), " ")
}
func (e *oneLineError) Unwrap() error { return e.err }
