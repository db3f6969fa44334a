package storeerr_test

import (
	"errors"
	"testing"

	"sentry/backend/core"
	"sentry/backend/storeerr"
)

// Each kind of refusal becomes its core code with a message fit for the
// user; one whose message the caller left empty, and any other fault, stays
// internal with the store, the operation and the driver's error kept.
func TestFormat(t *testing.T) {
	driverErr := errors.New("driver said no")
	m := storeerr.OnViolation{Missing: "No such team.", Duplicate: "That name is taken."}
	for _, c := range []struct {
		v        storeerr.Violation
		m        storeerr.OnViolation
		code     string
		message  string
		internal bool
	}{
		{storeerr.ForeignKey, m, core.ENOTFOUND, "No such team.", false},
		{storeerr.Unique, m, core.ECONFLICT, "That name is taken.", false},
		{storeerr.ForeignKey, storeerr.OnViolation{}, "", "", true},
		{storeerr.Unique, storeerr.OnViolation{}, "", "", true},
		{storeerr.Check, m, core.EINVALID, "A value is outside what can be stored.", false},
		{storeerr.Text, m, core.EINVALID, "Text must be valid UTF-8 without NUL characters.", false},
		{storeerr.Time, m, core.EINVALID, "A time is outside what can be stored.", false},
		{storeerr.Size, m, core.EINVALID, "A value is too large to be stored.", false},
		{storeerr.None, m, "", "", true},
	} {
		t.Run(string(c.v)+"/"+c.m.Missing, func(t *testing.T) {
			err := storeerr.Format("teststore", c.v, driverErr, "create team", c.m)
			if c.internal {
				if core.ErrorCode(err) != core.EINTERNAL || !errors.Is(err, driverErr) || err.Error() != "teststore: create team: driver said no" {
					t.Fatalf("got %v (%s), want the driver's error wrapped as internal", err, core.ErrorCode(err))
				}
				return
			}
			if core.ErrorCode(err) != c.code || core.ErrorMessage(err) != c.message {
				t.Fatalf("got %s %q, want %s %q", core.ErrorCode(err), core.ErrorMessage(err), c.code, c.message)
			}
		})
	}
	if err := storeerr.Format("teststore", storeerr.Unique, nil, "x", m); err != nil {
		t.Fatalf("no error, got %v", err)
	}
}
