package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"sentry/backend/core"
)

// Each SQLSTATE becomes the code the SQLite store gives for the same
// fault; anything else stays internal and keeps the server's error.
func TestFormatErrorBySQLSTATE(t *testing.T) {
	m := onViolation{Missing: "User not found.", Duplicate: "Taken."}
	cases := []struct {
		name, state, code, msg string
		m                      onViolation
	}{
		{"unique", "23505", core.ECONFLICT, "Taken.", m},
		{"unique without a message", "23505", core.EINTERNAL, "Internal error.", onViolation{}},
		{"foreign key", "23503", core.ENOTFOUND, "User not found.", m},
		{"foreign key without a message", "23503", core.EINTERNAL, "Internal error.", onViolation{}},
		{"check", "23514", core.EINVALID, "A value is outside what can be stored.", m},
		{"not null", "23502", core.EINVALID, "A value is outside what can be stored.", m},
		{"numeric range", "22003", core.EINVALID, "A value is outside what can be stored.", m},
		{"NUL in jsonb", "22P05", core.EINVALID, "Text must be valid UTF-8 without NUL characters.", m},
		{"bad UTF-8", "22021", core.EINVALID, "Text must be valid UTF-8 without NUL characters.", m},
		{"datetime overflow", "22008", core.EINVALID, "A time is outside what can be stored.", m},
		{"index row too big", "54000", core.EINVALID, "A value is too large to be stored.", m},
		{"deadlock", "40P01", core.EINTERNAL, "Internal error.", m},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pe := &pgconn.PgError{Code: tc.state, Message: "server says"}
			err := formatError(fmt.Errorf("wrapped: %w", pe), "op", tc.m)
			if core.ErrorCode(err) != tc.code || core.ErrorMessage(err) != tc.msg {
				t.Fatalf("%s: got %q %q", tc.state, core.ErrorCode(err), core.ErrorMessage(err))
			}
			if tc.code == core.EINTERNAL && !errors.Is(err, pe) {
				t.Fatalf("internal error lost its cause: %v", err)
			}
		})
	}
	if formatError(nil, "op", m) != nil {
		t.Fatal("nil is not an error")
	}
	if err := formatError(errors.New("connection reset"), "op", m); core.ErrorCode(err) != core.EINTERNAL || err.Error() != "postgres: op: connection reset" {
		t.Fatalf("plain error: %v", err)
	}
}
