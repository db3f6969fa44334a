// Package outbound keeps what third-party providers send back, and what
// requests to them carry, out of error messages and logs: a provider's
// error code is kept only when it looks like one, and a request's URL
// (which may hold secrets in its query) is dropped from transport errors.
// The sign-in providers and the integrations both call providers.
package outbound

import (
	"errors"
	"fmt"
	"net/url"
)

// SafeWord returns a provider's error code when it is a short word of
// letters, digits, '_', '-' or '.', else "?".
func SafeWord(s string) string {
	if len(s) > 64 {
		return "?"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return "?"
		}
	}
	return s
}

// StripURL drops the request URL from a transport error, keeping the
// operation and the cause.
func StripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s request failed: %w", ue.Op, ue.Err)
	}
	return err
}
