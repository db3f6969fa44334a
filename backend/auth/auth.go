// Package auth registers users, signs them in and authenticates requests:
// bcrypt passwords, short-lived JWT access tokens and rotating, hashed,
// opaque refresh tokens.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"sentry/backend/core"
)

// Defaults for token lifetimes and hashing.
const (
	DefaultAccessTTL  = 15 * time.Minute
	DefaultRefreshTTL = 30 * 24 * time.Hour
	DefaultBcryptCost = 12
	MinPasswordLen    = 8
	MaxPasswordLen    = 72 // bcrypt ignores bytes beyond 72
	// RefreshGrace is how long a just-rotated refresh token may be presented
	// again without being treated as stolen: a device whose refresh answer
	// was lost (or that was killed before it kept the new token) retries
	// with the old one and gets a new pair, as long as the token it was
	// rotated to has not been used. Past the grace a spent token revokes
	// its whole family.
	RefreshGrace = time.Minute
)

// Service is the account and token use case.
type Service struct {
	users    core.UserStore
	accounts core.AccountStore
	mailer   core.Mailer
	appName  string
	logger   *slog.Logger
	// OnDeleteUser runs before a user's rows are deleted, e.g. to remove
	// their stored files.
	OnDeleteUser []func(ctx context.Context, userID string) error
	// mailWG tracks emails sent in the background.
	mailWG sync.WaitGroup
	// providers are the configured OAuth sign-in providers.
	providers map[string]core.OAuthProvider
	oauthBase string
	now       func() time.Time

	keyID      string
	secret     []byte
	issuer     string
	audience   string
	accessTTL  time.Duration
	refreshTTL time.Duration
	cost       int
	dummyHash  func() []byte

	// sessions caches the per-request check that a token's session is
	// still live; sessionTTL is how long a "live" answer is trusted.
	sessions   sessionCache
	sessionTTL time.Duration
	// userCache remembers users' rows for as long (usercache.go).
	userCache userCache
}

// Options configure a Service.
type Options struct {
	// Secret signs access tokens (at least 32 bytes).
	Secret     []byte
	Issuer     string
	Audience   string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// BcryptCost below 12 is for tests only.
	BcryptCost int
	Now        func() time.Time
	Logger     *slog.Logger
	// Accounts stores codes, sessions and the audit log; Mailer sends
	// verification and reset codes.
	Accounts core.AccountStore
	Mailer   core.Mailer
	AppName  string
	// SessionCacheTTL is how long an access token's session is trusted
	// live before the store is asked again (SessionCheckTTL when zero;
	// negative asks on every request).
	SessionCacheTTL time.Duration
}

// NewService returns an auth service over users.
func NewService(users core.UserStore, opts Options) (*Service, error) {
	if len(opts.Secret) < 32 {
		return nil, errors.New("auth: signing secret must be at least 32 bytes")
	}
	if opts.Issuer == "" {
		opts.Issuer = "sentry"
	}
	if opts.Audience == "" {
		opts.Audience = "sentry-api"
	}
	if opts.AccessTTL <= 0 || opts.AccessTTL > DefaultAccessTTL {
		opts.AccessTTL = DefaultAccessTTL
	}
	if opts.RefreshTTL <= 0 {
		opts.RefreshTTL = DefaultRefreshTTL
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = DefaultBcryptCost
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionCacheTTL == 0 {
		opts.SessionCacheTTL = SessionCheckTTL
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Accounts == nil {
		if a, ok := users.(core.AccountStore); ok {
			opts.Accounts = a
		} else {
			return nil, errors.New("auth: an account store is required")
		}
	}
	sum := sha256.Sum256(opts.Secret)
	s := &Service{
		users: users, accounts: opts.Accounts, mailer: opts.Mailer, appName: opts.AppName, logger: opts.Logger, now: opts.Now,
		keyID: hex.EncodeToString(sum[:4]), secret: opts.Secret,
		issuer: opts.Issuer, audience: opts.Audience,
		accessTTL: opts.AccessTTL, refreshTTL: opts.RefreshTTL, cost: opts.BcryptCost,
		sessionTTL: opts.SessionCacheTTL,
	}
	// Unknown accounts are compared against a dummy hash so that a failed
	// login takes as long whether or not the email exists. It is made on
	// first use: hashing at cost 12 would add ~200 ms to every start.
	s.dummyHash = sync.OnceValue(func() []byte {
		h, err := bcrypt.GenerateFromPassword([]byte("not-a-real-password-"+s.keyID), s.cost)
		if err != nil {
			panic("auth: dummy hash: " + err.Error())
		}
		return h
	})
	return s, nil
}

// RegisterInput is a new account.
type RegisterInput struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// ValidatePassword checks a new password's length.
func ValidatePassword(field, p string) error {
	if utf8.RuneCountInString(p) < MinPasswordLen {
		return core.FieldError(field, "Password must be at least %d characters.", MinPasswordLen)
	}
	if len(p) > MaxPasswordLen {
		return core.FieldError(field, "Password must be at most %d bytes.", MaxPasswordLen)
	}
	if IsCommonPassword(p) {
		return core.FieldError(field, "This password is too common; choose another.")
	}
	return nil
}

// Register creates an account. conflict when the email is taken.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*core.User, error) {
	in.Email = core.NormalizeEmail(in.Email)
	in.FirstName, in.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	if err := core.ValidateEmail(in.Email); err != nil {
		return nil, err
	}
	if err := ValidatePassword("password", in.Password); err != nil {
		return nil, err
	}
	if err := core.ValidateName("first_name", in.FirstName); err != nil {
		return nil, err
	}
	if err := core.ValidateName("last_name", in.LastName); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.cost)
	if err != nil {
		return nil, fmt.Errorf("auth: hash password: %w", err)
	}
	u := &core.User{Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, PasswordHash: string(hash)}
	if err := s.users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	s.logger.Info("user registered", slog.String("user_id", u.ID))
	s.audit(ctx, "user.registered", u.ID, nil)
	s.sendCode(ctx, u, core.CodeVerifyEmail)
	return u, nil
}

// Session is what a successful sign-in or refresh returns.
type Session struct {
	AccessToken  string     `json:"access_token"`
	RefreshToken string     `json:"refresh_token"`
	TokenType    string     `json:"token_type"`
	ExpiresIn    int        `json:"expires_in"`
	User         *core.User `json:"user"`
}

var errBadCredentials = core.Errorf(core.EUNAUTHORIZED, "Email or password is incorrect.")

// Login checks a password and starts a session (a new refresh family).
func (s *Service) Login(ctx context.Context, email, password, device string) (*Session, error) {
	u, err := s.users.FindUserByEmail(ctx, core.NormalizeEmail(email))
	if core.ErrorCode(err) == core.ENOTFOUND || (err == nil && u.PasswordHash == "") {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(password))
		s.audit(ctx, "login.failed", "", map[string]any{"reason": "unknown account"})
		return nil, errBadCredentials
	} else if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		s.audit(ctx, "login.failed", u.ID, map[string]any{"reason": "wrong password"})
		return nil, errBadCredentials
	}
	s.audit(ctx, "login.succeeded", u.ID, nil)
	return s.startSession(ctx, u, device)
}

// StartSession signs u in without a password (the desktop's local profile,
// OAuth); callers must have authenticated u another way.
func (s *Service) StartSession(ctx context.Context, u *core.User, device string) (*Session, error) {
	return s.startSession(ctx, u, device)
}

func (s *Service) startSession(ctx context.Context, u *core.User, device string) (*Session, error) {
	raw, hash, err := newRefreshToken()
	if err != nil {
		return nil, err
	}
	rt := &core.RefreshToken{UserID: u.ID, TokenHash: hash, DeviceName: truncate(device, 200),
		IP: core.ClientFromContext(ctx).IP, ExpiresAt: s.now().Add(s.refreshTTL)}
	if err := s.users.CreateRefreshToken(ctx, rt); err != nil {
		return nil, err
	}
	return s.session(u, raw, rt.FamilyID)
}

func (s *Service) session(u *core.User, refresh, sid string) (*Session, error) {
	access, err := s.issueAccessToken(u, sid)
	if err != nil {
		return nil, err
	}
	return &Session{AccessToken: access, RefreshToken: refresh, TokenType: "bearer", ExpiresIn: int(s.accessTTL.Seconds()), User: u}, nil
}

var errBadRefresh = core.Errorf(core.EUNAUTHORIZED, "Your session has expired; sign in again.")

// Refresh rotates a refresh token: the old one is spent, a new pair is
// returned. A spent token presented again within RefreshGrace of its
// rotation, while the token it was rotated to has never been used, is a
// retry whose answer was lost: it gets a new pair, and the unused
// successor is spent in its place (so a family keeps one live token).
// Any other spent token is refused, and after the grace period its
// presentation revokes the whole family, since it means the token was
// copied.
func (s *Service) Refresh(ctx context.Context, refresh string) (*Session, error) {
	if refresh == "" || len(refresh) > 200 {
		return nil, errBadRefresh
	}
	rt, err := s.users.FindRefreshTokenByHash(ctx, hashToken(refresh))
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, errBadRefresh
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if rt.RevokedAt != nil || now.After(rt.ExpiresAt) {
		return nil, errBadRefresh
	}
	retry := false
	if rt.UsedAt != nil {
		if now.Sub(*rt.UsedAt) > RefreshGrace {
			if err := s.revokeFamily(ctx, rt.FamilyID, rt.UserID); err != nil {
				return nil, err
			}
			s.logger.Warn("refresh token reuse; family revoked", slog.String("user_id", rt.UserID))
			s.audit(ctx, "refresh.reuse_detected", rt.UserID, map[string]any{"session_id": rt.FamilyID})
			return nil, errBadRefresh
		}
		retry = true
	}
	u, err := s.users.FindUserByID(ctx, rt.UserID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, errBadRefresh
	} else if err != nil {
		return nil, err
	}
	raw, hash, err := newRefreshToken()
	if err != nil {
		return nil, err
	}
	next := &core.RefreshToken{UserID: u.ID, FamilyID: rt.FamilyID, TokenHash: hash, DeviceName: rt.DeviceName,
		IP: core.ClientFromContext(ctx).IP, ExpiresAt: now.Add(s.refreshTTL)}
	if retry {
		// Refused (without revoking) when the successor was used already
		// or this token is not the live one's parent: then this is not a
		// lost answer's retry.
		err = s.users.ReissueRefreshToken(ctx, rt.ID, next)
	} else {
		err = s.users.RotateRefreshToken(ctx, rt.ID, next)
	}
	if core.ErrorCode(err) == core.ECONFLICT {
		return nil, errBadRefresh // a concurrent refresh won the race
	} else if err != nil {
		return nil, err
	}
	return s.session(u, raw, rt.FamilyID)
}

// Logout revokes the refresh token's family, and with it the access
// tokens issued for it. Unknown tokens are ignored.
func (s *Service) Logout(ctx context.Context, refresh string) error {
	if refresh == "" || len(refresh) > 200 {
		return nil
	}
	rt, err := s.users.FindRefreshTokenByHash(ctx, hashToken(refresh))
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if err := s.revokeFamily(ctx, rt.FamilyID, rt.UserID); err != nil {
		return err
	}
	s.audit(ctx, "logout", rt.UserID, map[string]any{"session_id": rt.FamilyID})
	return nil
}

type claims struct {
	TokenVersion int    `json:"tv"`
	SessionID    string `json:"sid,omitempty"`
	jwt.RegisteredClaims
}

// IssueAccessToken signs a short-lived access token for u.
func (s *Service) IssueAccessToken(u *core.User) (string, error) { return s.issueAccessToken(u, "") }

func (s *Service) issueAccessToken(u *core.User, sid string) (string, error) {
	now := s.now()
	var jti [12]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("auth: token id: %w", err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		TokenVersion: u.TokenVersion,
		SessionID:    sid,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.issuer, Subject: u.ID, Audience: jwt.ClaimStrings{s.audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-30 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.accessTTL)), ID: base64.RawURLEncoding.EncodeToString(jti[:]),
		},
	})
	tok.Header["kid"] = s.keyID
	signed, err := tok.SignedString(s.secret)
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return signed, nil
}

var errBadToken = core.Errorf(core.EUNAUTHORIZED, "Your session is not valid; sign in again.")

// Authenticate checks an access token and returns its user.
func (s *Service) Authenticate(ctx context.Context, token string) (*core.User, error) {
	u, _, err := s.AuthenticateSession(ctx, token)
	return u, err
}

// AuthenticateSession checks an access token and returns its user and the
// session (refresh family) it was issued for. A token whose session has
// been revoked is refused (see SessionCheckTTL); tokens issued without a
// session (IssueAccessToken) are checked by the token version only.
func (s *Service) AuthenticateSession(ctx context.Context, token string) (*core.User, string, error) {
	if token == "" || len(token) > 4096 {
		return nil, "", errBadToken
	}
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); subtle.ConstantTimeCompare([]byte(kid), []byte(s.keyID)) != 1 {
			return nil, errors.New("unknown key id")
		}
		return s.secret, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(s.issuer),
		jwt.WithAudience(s.audience), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return nil, "", errBadToken
	}
	if c.SessionID != "" {
		if err := s.checkSession(ctx, c.Subject, c.SessionID); err != nil {
			return nil, "", err
		}
	}
	u, err := s.findUser(ctx, c.Subject, c.TokenVersion)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, "", errBadToken
	} else if err != nil {
		return nil, "", err
	}
	if u.TokenVersion != c.TokenVersion {
		return nil, "", errBadToken
	}
	return u, c.SessionID, nil
}

// LocalProfileEmail is the address of the desktop's automatic profile.
const LocalProfileEmail = "me@local.sentry"

// EnsureLocalUser returns the desktop's local profile, creating it on first
// start. It has no password: only the in-process desktop can sign it in.
func (s *Service) EnsureLocalUser(ctx context.Context, firstName string) (*core.User, error) {
	u, err := s.users.FindLocalUser(ctx)
	if err == nil {
		return u, nil
	} else if core.ErrorCode(err) != core.ENOTFOUND {
		return nil, err
	}
	if firstName == "" {
		firstName = "Me"
	}
	u = &core.User{Email: LocalProfileEmail, FirstName: firstName, IsLocal: true, EmailVerified: true}
	if err := s.users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	s.logger.Info("local profile created", slog.String("user_id", u.ID))
	return u, nil
}

func newRefreshToken() (raw, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("auth: refresh token: %w", err)
	}
	raw = base64.RawURLEncoding.EncodeToString(b[:])
	return raw, hashToken(raw), nil
}

// hashToken is SHA-256: refresh tokens carry 256 bits of entropy, so a slow
// hash adds nothing, and lookups by hash stay indexable.
func hashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
