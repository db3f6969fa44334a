package remote

import (
	"context"
	"errors"
	"net/http"
)

// SignIn signs in with an email and password (for the command line, which
// has no browser) and keeps the refresh token like Connect does.
func (c *Client) SignIn(ctx context.Context, email, password string) error {
	var s session
	if err := c.post(ctx, "/api/auth/login", map[string]string{"email": email, "password": password}, &s); err != nil {
		var he *HTTPError
		if errors.As(err, &he) && (he.Status == http.StatusUnauthorized || he.Status == http.StatusBadRequest) {
			if he.Message != "" {
				return errors.New("remote: " + he.Message)
			}
			return errors.New("remote: the server refused this email and password")
		}
		return err
	}
	return c.keep(&s)
}

// ForgetAccessToken drops the access token held in memory, so the next
// request refreshes it (after a 401: the server ended it early).
func (c *Client) ForgetAccessToken() {
	c.mu.Lock()
	c.access = ""
	c.mu.Unlock()
}
