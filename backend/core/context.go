package core

import "context"

type ctxKey int

const userKey ctxKey = iota

// NewContextWithUser returns ctx carrying the authenticated user.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// UserFromContext returns the authenticated user, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userKey).(*User)
	return u
}

// UserIDFromContext returns the authenticated user's id, or "".
func UserIDFromContext(ctx context.Context) string {
	if u := UserFromContext(ctx); u != nil {
		return u.ID
	}
	return ""
}

// RequireUser returns the caller, or unauthorized.
func RequireUser(ctx context.Context) (*User, error) {
	if u := UserFromContext(ctx); u != nil {
		return u, nil
	}
	return nil, Errorf(EUNAUTHORIZED, "Sign in to continue.")
}

// RequireSelf checks that userID is the caller's own id: forbidden otherwise.
func RequireSelf(ctx context.Context, userID string) (*User, error) {
	u, err := RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if u.ID != userID {
		return nil, Errorf(EFORBIDDEN, "You can only access your own data.")
	}
	return u, nil
}

const clientKey ctxKey = 100

// Client describes who is calling: for audit entries and throttling.
type Client struct {
	IP        string
	UserAgent string
	// SessionID is the refresh family of the access token, if any.
	SessionID string
}

// NewContextWithClient returns ctx carrying the caller's client details.
func NewContextWithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey, c)
}

// ClientFromContext returns the caller's client details (zero if unknown).
func ClientFromContext(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey).(Client)
	return c
}
