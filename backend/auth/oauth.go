package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	"sentry/backend/core"
)

// Lifetimes of the OAuth hand-offs.
const (
	OAuthFlowTTL  = 10 * time.Minute
	LoginCodeTTL  = 5 * time.Minute
	maxReturnTo   = 512
	providerLabel = "sign-in provider"
)

// SetOAuthProviders registers the configured providers; publicURL is where
// their callbacks reach this server.
func (s *Service) SetOAuthProviders(publicURL string, providers ...core.OAuthProvider) {
	s.oauthBase = strings.TrimSuffix(publicURL, "/")
	s.providers = map[string]core.OAuthProvider{}
	for _, p := range providers {
		s.providers[p.Name()] = p
	}
}

// MailDelivered reports whether mail sent by the server reaches its
// recipient: false with no mail server set up, when messages are only kept
// on the server (the UI says where a code went).
func (s *Service) MailDelivered() bool {
	if k, ok := s.mailer.(interface{ KeepsMail() bool }); ok && k.KeepsMail() {
		return false
	}
	return s.mailer != nil
}

// OAuthProviders names the configured providers, sorted.
func (s *Service) OAuthProviders() []string {
	out := make([]string, 0, len(s.providers))
	for name := range s.providers {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// CallbackURL is the redirect URI registered with a provider.
func (s *Service) CallbackURL(provider string) string {
	return s.oauthBase + "/api/auth/" + provider + "/callback"
}

// ValidReturnTo accepts where a finished sign-in may send the browser: a
// path on this site, or a native app's loopback redirect (RFC 8252 §7.3:
// http on 127.0.0.1 or [::1], any port).
func ValidReturnTo(s string) bool {
	if s == "" || len(s) > maxReturnTo || strings.ContainsAny(s, "\\\r\n\x00") {
		return false
	}
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
		return true
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback() && u.Port() != ""
}

// StartOAuth begins a sign-in with a provider and returns the URL to send
// the browser to. clientChallenge (optional) is a native client's PKCE
// S256 challenge, which it must answer when redeeming the login code.
func (s *Service) StartOAuth(ctx context.Context, provider, returnTo, clientChallenge string) (string, error) {
	p, ok := s.providers[provider]
	if !ok {
		return "", core.Errorf(core.ENOTFOUND, "Sign-in with %s is not set up on this server.", provider)
	}
	if returnTo == "" {
		returnTo = "/"
	}
	if !ValidReturnTo(returnTo) {
		return "", core.FieldError("return_to", "return_to must be a path on this site or a loopback address.")
	}
	if clientChallenge != "" && (len(clientChallenge) != 43 || strings.Trim(clientChallenge, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "") {
		return "", core.FieldError("code_challenge", "code_challenge must be a base64url SHA-256 (43 characters).")
	}
	state, verifier, nonce := randomToken(), randomToken()+randomToken()[:11], randomToken()
	redirect := s.CallbackURL(provider)
	f := &core.OAuthFlow{StateHash: sha256Hex(state), Provider: provider, CodeVerifier: verifier, Nonce: nonce,
		RedirectURI: redirect, ReturnTo: returnTo, ClientChallenge: clientChallenge, ExpiresAt: s.now().Add(OAuthFlowTTL)}
	if err := s.accounts.CreateOAuthFlow(ctx, f); err != nil {
		return "", err
	}
	return p.AuthURL(state, verifier, nonce, redirect), nil
}

// OAuthResult is where to send the browser after a callback.
type OAuthResult struct {
	ReturnTo  string
	LoginCode string
}

// FinishOAuth completes a provider callback: the state must match a
// started flow (single use), the provider's answer is verified, and the
// identity is signed in, linked or registered. It returns a single-use
// login code (≤ 5 minutes) for the client to redeem.
func (s *Service) FinishOAuth(ctx context.Context, provider, state, code, userJSON string) (*OAuthResult, error) {
	p, ok := s.providers[provider]
	if !ok {
		return nil, core.Errorf(core.ENOTFOUND, "Sign-in with %s is not set up on this server.", provider)
	}
	if state == "" || code == "" || len(state) > 200 || len(code) > 2048 || len(userJSON) > 4096 {
		return nil, core.Errorf(core.EINVALID, "The sign-in answer is incomplete; start again.")
	}
	f, err := s.accounts.TakeOAuthFlow(ctx, sha256Hex(state))
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(f.Provider), []byte(provider)) != 1 {
		return nil, core.Errorf(core.EINVALID, "The sign-in answer does not match its request; start again.")
	}
	id, err := p.Exchange(ctx, code, f.CodeVerifier, f.Nonce, f.RedirectURI, userJSON)
	if err != nil {
		s.logger.Warn("oauth exchange failed", slog.String("provider", provider), slog.Any("error", err))
		s.audit(ctx, "oauth.failed", "", map[string]any{"provider": provider})
		return nil, core.Errorf(core.EUNAUTHORIZED, "%s did not confirm the sign-in; try again.", titleCase(provider))
	}
	u, err := s.userForIdentity(ctx, id)
	if err != nil {
		return nil, err
	}
	loginCode := randomToken()
	c := &core.AuthCode{UserID: u.ID, Purpose: core.CodeOAuthLogin, CodeHash: sha256Hex("login:" + loginCode),
		ExpiresAt: s.now().Add(LoginCodeTTL), ClientChallenge: f.ClientChallenge}
	if err := s.accounts.CreateAuthCode(ctx, c); err != nil {
		return nil, err
	}
	s.audit(ctx, "oauth.succeeded", u.ID, map[string]any{"provider": provider})
	return &OAuthResult{ReturnTo: f.ReturnTo, LoginCode: loginCode}, nil
}

// userForIdentity finds the user an identity belongs to. A new identity
// is linked to an existing account by email only when the provider says
// the email is verified and the local account is verified too; otherwise
// an account with that email must sign in its own way.
func (s *Service) userForIdentity(ctx context.Context, id *core.ExternalIdentity) (*core.User, error) {
	if id == nil || id.Subject == "" {
		return nil, core.Errorf(core.EUNAUTHORIZED, "The provider did not say who you are; try again.")
	}
	link, err := s.accounts.FindIdentity(ctx, id.Provider, id.Subject)
	if err == nil {
		return s.users.FindUserByID(ctx, link.UserID)
	} else if core.ErrorCode(err) != core.ENOTFOUND {
		return nil, err
	}
	email := core.NormalizeEmail(id.Email)
	if core.ValidateEmail(email) != nil {
		return nil, core.Errorf(core.EINVALID, "%s did not share an email address; allow it, or sign up with a password.", titleCase(id.Provider))
	}
	existing, err := s.users.FindUserByEmail(ctx, email)
	switch {
	case err == nil:
		if !id.EmailVerified || !existing.EmailVerified {
			s.audit(ctx, "oauth.link_refused", existing.ID, map[string]any{"provider": id.Provider})
			return nil, core.Errorf(core.ECONFLICT, "An account with this email already exists. Sign in with your password; %s can only be linked when both sides have confirmed the email.", titleCase(id.Provider))
		}
		if err := s.accounts.CreateIdentity(ctx, &core.Identity{UserID: existing.ID, Provider: id.Provider, ProviderUserID: id.Subject, Email: email, EmailVerified: true}); err != nil {
			return nil, err
		}
		s.audit(ctx, "oauth.linked", existing.ID, map[string]any{"provider": id.Provider})
		return existing, nil
	case core.ErrorCode(err) == core.ENOTFOUND:
		first, last := strings.TrimSpace(id.FirstName), strings.TrimSpace(id.LastName)
		if first == "" {
			first = strings.SplitN(email, "@", 2)[0]
		}
		u := &core.User{Email: email, FirstName: truncate(first, 100), LastName: truncate(last, 100), EmailVerified: id.EmailVerified}
		if err := s.users.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		if err := s.accounts.CreateIdentity(ctx, &core.Identity{UserID: u.ID, Provider: id.Provider, ProviderUserID: id.Subject, Email: email, EmailVerified: id.EmailVerified}); err != nil {
			return nil, err
		}
		s.audit(ctx, "user.registered", u.ID, map[string]any{"provider": id.Provider})
		if !u.EmailVerified {
			s.sendCode(ctx, u, core.CodeVerifyEmail)
		}
		return u, nil
	default:
		return nil, err
	}
}

var errBadLoginCode = core.Errorf(core.EUNAUTHORIZED, "This sign-in code is not valid any more; sign in again.")

// ExchangeLoginCode redeems a login code from FinishOAuth once. A code
// issued to a native client also needs that client's PKCE verifier.
func (s *Service) ExchangeLoginCode(ctx context.Context, code, codeVerifier, device string) (*Session, error) {
	if code == "" || len(code) > 200 || len(codeVerifier) > 200 {
		return nil, errBadLoginCode
	}
	c, err := s.accounts.FindAuthCodeByHash(ctx, sha256Hex("login:"+code))
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, errBadLoginCode
	} else if err != nil {
		return nil, err
	}
	if c.Purpose != core.CodeOAuthLogin || c.UsedAt != nil || s.now().After(c.ExpiresAt) {
		return nil, errBadLoginCode
	}
	if c.ClientChallenge != "" {
		sum := sha256.Sum256([]byte(codeVerifier))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.ClientChallenge)) != 1 {
			return nil, errBadLoginCode
		}
	}
	if err := s.accounts.UseAuthCode(ctx, c.ID); err != nil {
		return nil, errBadLoginCode
	}
	u, err := s.users.FindUserByID(ctx, c.UserID)
	if err != nil {
		return nil, errBadLoginCode
	}
	return s.startSession(ctx, u, device)
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// IssueDesktopCode hands the signed-in caller's session to a native app on
// this machine (RFC 8252): a single-use login code bound to the app's PKCE
// challenge, delivered to its loopback redirect.
func (s *Service) IssueDesktopCode(ctx context.Context, returnTo, clientChallenge string) (string, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(returnTo, "/") || !ValidReturnTo(returnTo) {
		return "", core.FieldError("return_to", "return_to must be the app's http://127.0.0.1:<port>/… address.")
	}
	if len(clientChallenge) != 43 || strings.Trim(clientChallenge, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return "", core.FieldError("code_challenge", "code_challenge must be a base64url SHA-256 (43 characters).")
	}
	loginCode := randomToken()
	c := &core.AuthCode{UserID: u.ID, Purpose: core.CodeOAuthLogin, CodeHash: sha256Hex("login:" + loginCode),
		ExpiresAt: s.now().Add(LoginCodeTTL), ClientChallenge: clientChallenge}
	if err := s.accounts.CreateAuthCode(ctx, c); err != nil {
		return "", err
	}
	s.audit(ctx, "desktop.connect_code_issued", u.ID, nil)
	sep := "?"
	if strings.Contains(returnTo, "?") {
		sep = "&"
	}
	return returnTo + sep + "code=" + url.QueryEscape(loginCode), nil
}
