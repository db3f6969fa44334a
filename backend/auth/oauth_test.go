package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"testing"

	"sentry/backend/auth"
	"sentry/backend/core"
)

// provider is a stand-in for the linking rules only; the real protocol
// flows are tested against local provider stand-ins in httpapi.
type provider struct {
	id       *core.ExternalIdentity
	verifier string
	nonce    string
}

func (p *provider) Name() string         { return "google" }
func (p *provider) ResponseMode() string { return "query" }
func (p *provider) AuthURL(state, verifier, nonce, redirect string) string {
	p.verifier, p.nonce = verifier, nonce
	return "https://provider.test/auth?state=" + url.QueryEscape(state) + "&redirect_uri=" + url.QueryEscape(redirect)
}
func (p *provider) Exchange(_ context.Context, code, verifier, nonce, _, _ string) (*core.ExternalIdentity, error) {
	if code != "good" || verifier != p.verifier || nonce != p.nonce {
		return nil, errors.New("refused")
	}
	return p.id, nil
}

func startFlow(t *testing.T, s *auth.Service, returnTo, challenge string) string {
	t.Helper()
	to, err := s.StartOAuth(context.Background(), "google", returnTo, challenge)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(to)
	return u.Query().Get("state")
}

func TestOAuthLinkingRules(t *testing.T) {
	s, db, _ := newService(t, 4)
	ctx := context.Background()
	p := &provider{}
	s.SetOAuthProviders("https://sentry.test", p)

	// A new identity with a new email makes a new account.
	p.id = &core.ExternalIdentity{Provider: "google", Subject: "g-1", Email: "new@example.com", EmailVerified: true, FirstName: "Nia"}
	res, err := s.FinishOAuth(ctx, "google", startFlow(t, s, "/", ""), "good", "")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.ExchangeLoginCode(ctx, res.LoginCode, "", "test")
	if err != nil || sess.User.Email != "new@example.com" || !sess.User.EmailVerified {
		t.Fatalf("new account: %+v %v", sess, err)
	}
	// The login code is single use.
	if _, err := s.ExchangeLoginCode(ctx, res.LoginCode, "", "test"); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("login code reused: %v", err)
	}
	// The state is single use too.
	state := startFlow(t, s, "/", "")
	if _, err := s.FinishOAuth(ctx, "google", state, "good", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishOAuth(ctx, "google", state, "good", ""); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("state replay: %v", err)
	}
	// An unverified local account is not taken over by a verified provider email.
	local := register(t, s, "mine@example.com")
	p.id = &core.ExternalIdentity{Provider: "google", Subject: "g-2", Email: "mine@example.com", EmailVerified: true}
	if _, err := s.FinishOAuth(ctx, "google", startFlow(t, s, "/", ""), "good", ""); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("linked to an unverified account: %v", err)
	}
	// Verified on both sides: linked.
	yes := true
	db.UpdateUser(ctx, local.ID, core.UserUpdate{EmailVerified: &yes})
	p.id.EmailVerified = false
	if _, err := s.FinishOAuth(ctx, "google", startFlow(t, s, "/", ""), "good", ""); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("linked on the provider's unverified email: %v", err)
	}
	p.id.EmailVerified = true
	res, err = s.FinishOAuth(ctx, "google", startFlow(t, s, "/", ""), "good", "")
	if err != nil {
		t.Fatal(err)
	}
	sess, _ = s.ExchangeLoginCode(ctx, res.LoginCode, "", "test")
	if sess.User.ID != local.ID {
		t.Fatalf("linked to %s, want %s", sess.User.ID, local.ID)
	}
	// A provider that refuses the code.
	if _, err := s.FinishOAuth(ctx, "google", startFlow(t, s, "/", ""), "bad", ""); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("refused exchange: %v", err)
	}
	// Unknown provider.
	if _, err := s.StartOAuth(ctx, "myspace", "/", ""); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("unknown provider: %v", err)
	}
}

func TestOAuthNativeClientPKCEAndReturnTo(t *testing.T) {
	s, _, _ := newService(t, 4)
	ctx := context.Background()
	p := &provider{id: &core.ExternalIdentity{Provider: "google", Subject: "g-9", Email: "desk@example.com", EmailVerified: true}}
	s.SetOAuthProviders("https://sentry.test", p)
	verifier := "a-native-client-verifier-that-is-long-enough-1234567890"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	res, err := s.FinishOAuth(ctx, "google", startFlow(t, s, "http://127.0.0.1:53682/callback", challenge), "good", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.ReturnTo != "http://127.0.0.1:53682/callback" {
		t.Fatalf("return to %q", res.ReturnTo)
	}
	if _, err := s.ExchangeLoginCode(ctx, res.LoginCode, "wrong verifier", "desktop"); err == nil {
		t.Fatal("redeemed without the client's verifier")
	}
	if _, err := s.ExchangeLoginCode(ctx, res.LoginCode, verifier, "desktop"); err != nil {
		t.Fatalf("with the verifier: %v", err)
	}
	for _, bad := range []string{"https://evil.example/cb", "//evil.example", "http://evil.example:80/", "http://127.0.0.1/cb", "javascript:alert(1)", "/ok\r\nx"} {
		if _, err := s.StartOAuth(ctx, "google", bad, ""); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("return_to %q accepted: %v", bad, err)
		}
	}
}
