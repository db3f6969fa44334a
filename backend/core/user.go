package core

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// User is an account. On the desktop there is one local profile; a team
// server holds many.
type User struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	FirstName     string `json:"first_name"`
	LastName      string `json:"last_name"`
	EmailVerified bool   `json:"email_verified"`
	IsLocal       bool   `json:"is_local"`
	PasswordHash  string `json:"-"`
	// TokenVersion is bumped to void every token of the user (password
	// change, deletion).
	TokenVersion int        `json:"-"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	DeletedAt    *time.Time `json:"-"`
	Version      int64      `json:"version"`
}

// Name returns the user's display name.
func (u *User) Name() string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// NormalizeEmail lower-cases and trims an address for storage and lookup.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateEmail checks that s is a single plain address.
func ValidateEmail(s string) error {
	if s == "" {
		return FieldError("email", "Email is required.")
	}
	if len(s) > 254 {
		return FieldError("email", "Email must be at most 254 characters.")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return FieldError("email", "Email is not a valid address.")
	}
	return nil
}

// ValidateName checks a first or last name.
func ValidateName(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return FieldError(field, "%s is required.", fieldLabel(field))
	}
	if len([]rune(s)) > 100 {
		return FieldError(field, "%s must be at most 100 characters.", fieldLabel(field))
	}
	if c, err := CleanText(field, s, false); err != nil || c != s {
		return FieldError(field, "%s contains invalid characters.", fieldLabel(field))
	}
	return nil
}

func fieldLabel(f string) string {
	s := strings.ReplaceAll(f, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// UserUpdate holds the fields of a partial user update; nil means unchanged.
type UserUpdate struct {
	FirstName     *string
	LastName      *string
	Email         *string
	EmailVerified *bool
	PasswordHash  *string
	BumpTokens    bool
}

// Apply sets upd's fields on u and returns what the change log records of
// them: the password only as "changed", never its hash. A new email is
// checked for text a store can keep before it is lower-cased, which would
// hide bad bytes.
func (upd UserUpdate) Apply(u *User) (map[string]any, error) {
	fields := map[string]any{}
	if upd.FirstName != nil {
		u.FirstName, fields["first_name"] = *upd.FirstName, *upd.FirstName
	}
	if upd.LastName != nil {
		u.LastName, fields["last_name"] = *upd.LastName, *upd.LastName
	}
	if upd.Email != nil {
		if err := CheckStorable("email", *upd.Email); err != nil {
			return nil, err
		}
		u.Email = NormalizeEmail(*upd.Email)
		fields["email"] = u.Email
	}
	if upd.EmailVerified != nil {
		u.EmailVerified, fields["email_verified"] = *upd.EmailVerified, *upd.EmailVerified
	}
	if upd.PasswordHash != nil {
		u.PasswordHash = *upd.PasswordHash
		fields["password"] = "changed"
	}
	if upd.BumpTokens {
		u.TokenVersion++
	}
	return fields, nil
}

// RefreshToken is a stored, hashed refresh token. Tokens that descend from
// one login share a FamilyID.
type RefreshToken struct {
	ID         string
	UserID     string
	FamilyID   string
	ParentID   string // the token this one was rotated from; "" for a sign-in's first
	TokenHash  string
	DeviceName string
	IP         string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     *time.Time
	RevokedAt  *time.Time
}

// UserStore persists users and their refresh tokens.
type UserStore interface {
	// CreateUser inserts u, filling ID and timestamps. conflict if the email exists.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns not_found for unknown or deleted users.
	FindUserByID(ctx context.Context, id string) (*User, error)
	// FindUserByEmail returns not_found for unknown or deleted users.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// FindLocalUser returns the desktop's local profile, or not_found.
	FindLocalUser(ctx context.Context) (*User, error)
	// UpdateUser applies upd; not_found, conflict (email taken).
	UpdateUser(ctx context.Context, id string, upd UserUpdate) (*User, error)

	CreateRefreshToken(ctx context.Context, t *RefreshToken) error
	// FindRefreshTokenByHash returns not_found when no token has that hash.
	FindRefreshTokenByHash(ctx context.Context, hash string) (*RefreshToken, error)
	// RotateRefreshToken marks old used and stores next, atomically; it
	// returns conflict when old was already used or revoked.
	RotateRefreshToken(ctx context.Context, oldID string, next *RefreshToken) error
	// ReissueRefreshToken answers a spent token presented again (its
	// rotation's answer was lost): atomically it spends old's live child
	// and stores next as old's child instead. It returns conflict unless
	// old is used and not revoked and has a child that is neither used nor
	// revoked, so only the parent of a family's one live token qualifies.
	ReissueRefreshToken(ctx context.Context, oldID string, next *RefreshToken) error
	// RevokeRefreshFamily revokes every token of a family.
	RevokeRefreshFamily(ctx context.Context, familyID string) error
}
