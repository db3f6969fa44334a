package blob

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"sentry/backend/core"
)

// A shared volume that went away answers unavailable; other failures stay
// internal, and the cause stays in the chain for the log.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code string
	}{
		{&os.PathError{Op: "open", Path: "/mnt/files/x", Err: syscall.ESTALE}, core.EUNAVAILABLE},
		{&os.PathError{Op: "write", Path: "/mnt/files/x", Err: syscall.EIO}, core.EUNAVAILABLE},
		{&os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.ENOTCONN}, core.EUNAVAILABLE},
		{&os.PathError{Op: "open", Path: "/mnt/files/x", Err: syscall.EACCES}, core.EINTERNAL},
		{errors.New("something else"), core.EINTERNAL},
	} {
		got := classify("open", tc.err)
		if core.ErrorCode(got) != tc.code || !errors.Is(got, tc.err) {
			t.Errorf("%v: %v (code %s)", tc.err, got, core.ErrorCode(got))
		}
		if tc.code == core.EUNAVAILABLE && core.ErrorRetryAfter(got) <= 0 {
			t.Errorf("%v: no Retry-After", tc.err)
		}
	}
}
