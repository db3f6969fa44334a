package oauth_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sentry/backend/oauth"
	"sentry/backend/oauth/oauthtest"
)

func startGoogle(t *testing.T, client *http.Client) (*oauthtest.Google, *oauth.Google) {
	t.Helper()
	g := oauthtest.StartGoogle(t)
	p, err := oauth.NewGoogle(t.Context(), oauth.GoogleConfig{
		ClientID: g.ClientID, ClientSecret: g.ClientSecret, IssuerURL: g.Issuer, HTTPClient: client,
	})
	if err != nil {
		t.Fatal(err)
	}
	return g, p
}

// googleSignIn runs the whole flow: AuthURL, the browser at the stand-in,
// Exchange (as o says).
func googleSignIn(t *testing.T, g *oauthtest.Google, p *oauth.Google, o exchangeOverride) (*oauth.Identity, flow, error) {
	t.Helper()
	f := newFlow("google")
	cb, err := oauthtest.Authorize(t.Context(), p.AuthURL(f.state, f.verifier, f.nonce, f.redirect))
	if err != nil {
		t.Fatal(err)
	}
	code := cb.Params.Get("code")
	if o.reuse {
		if _, err := p.Exchange(t.Context(), code, f.verifier, f.nonce, f.redirect, ""); err != nil {
			t.Fatalf("first redemption: %v", err)
		}
	}
	e := o.apply(f)
	id, err := p.Exchange(t.Context(), code, e.verifier, e.nonce, e.redirect, "")
	return id, f, err
}

func TestGoogleSignIn(t *testing.T) {
	g, p := startGoogle(t, nil)
	g.QueueUser(oauthtest.GoogleUser{Subject: "g-1001", Email: "ada@example.com", EmailVerified: true, GivenName: "Ada", FamilyName: "Lovelace"})
	if p.Name() != "google" || p.ResponseMode() != "query" {
		t.Errorf("Name, ResponseMode = %q, %q", p.Name(), p.ResponseMode())
	}

	f := newFlow("google")
	authURL := p.AuthURL(f.state, f.verifier, f.nonce, f.redirect)
	checkAuthURL(t, authURL, g.Issuer+"/authorize", f, map[string]string{
		"client_id": g.ClientID, "scope": "openid email profile", "nonce": f.nonce,
	}, "client_secret")

	cb, err := oauthtest.Authorize(t.Context(), authURL)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Method != http.MethodGet || cb.URL != "https://app.sentry.test/api/auth/google/callback" ||
		cb.Params.Get("state") != f.state || cb.Params.Get("via") != "web" || cb.Params.Get("code") == "" {
		t.Fatalf("callback = %+v", cb)
	}

	id, err := p.Exchange(t.Context(), cb.Params.Get("code"), f.verifier, f.nonce, f.redirect, "")
	if err != nil {
		t.Fatal(err)
	}
	want := oauth.Identity{Provider: "google", Subject: "g-1001", Email: "ada@example.com", EmailVerified: true, FirstName: "Ada", LastName: "Lovelace"}
	if *id != want {
		t.Errorf("identity = %+v, want %+v", *id, want)
	}
}

func TestGoogleEmailVerified(t *testing.T) {
	tests := []struct {
		name string
		user oauthtest.GoogleUser
		want bool
	}{
		{"true", oauthtest.GoogleUser{Subject: "s", Email: "a@example.com", EmailVerified: true}, true},
		{"false", oauthtest.GoogleUser{Subject: "s", Email: "a@example.com", EmailVerified: false}, false},
		{"claim absent", oauthtest.GoogleUser{Subject: "s", Email: "a@example.com", EmailVerified: true,
			EditClaims: func(c map[string]any) { delete(c, "email_verified") }}, false},
		{"string true", oauthtest.GoogleUser{Subject: "s", Email: "a@example.com",
			EditClaims: func(c map[string]any) { c["email_verified"] = "true" }}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, p := startGoogle(t, nil)
			g.QueueUser(tt.user)
			id, _, err := googleSignIn(t, g, p, exchangeOverride{})
			if err != nil {
				t.Fatal(err)
			}
			if id.EmailVerified != tt.want || id.Email != "a@example.com" {
				t.Errorf("Email, EmailVerified = %q, %v, want a@example.com, %v", id.Email, id.EmailVerified, tt.want)
			}
		})
	}
}

func TestGoogleRefused(t *testing.T) {
	tests := []struct {
		name   string
		o      exchangeOverride
		edit   func(map[string]any)
		tamper func(string) string
		want   []string // in the error's internal text
	}{
		{name: "wrong PKCE verifier", o: exchangeOverride{verifier: oauth.NewVerifier()}, want: []string{`HTTP 400, error "invalid_grant"`}},
		{name: "code redeemed twice", o: exchangeOverride{reuse: true}, want: []string{`HTTP 400, error "invalid_grant"`}},
		{name: "other redirect_uri", o: exchangeOverride{redirect: "https://app.sentry.test/api/auth/google/callback"}, want: []string{`error "redirect_uri_mismatch"`}},
		{name: "wrong nonce", o: exchangeOverride{nonce: oauth.RandomToken()}, want: []string{"nonce"}},
		{name: "other audience", edit: func(c map[string]any) { c["aud"] = "another-client" }, want: []string{"audience"}},
		{name: "our audience among others without azp", edit: addAudience, want: []string{"azp"}},
		{name: "other issuer", edit: func(c map[string]any) { c["iss"] = "https://issuer.example.com" }, want: []string{"issued by a different provider"}},
		{name: "expired", edit: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, want: []string{"expired"}},
		{name: "no subject", edit: func(c map[string]any) { delete(c, "sub") }, want: []string{"no subject"}},
		{name: "tampered: changed claims", tamper: tamperings["changed claims"], want: []string{"id_token"}},
		{name: "tampered: alg none", tamper: tamperings["alg none"], want: []string{"id_token"}},
		{name: "tampered: signature cut", tamper: tamperings["signature cut"], want: []string{"id_token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var client *http.Client
			if tt.tamper != nil {
				client = &http.Client{Transport: idTokenTransport{edit: tt.tamper}}
			}
			g, p := startGoogle(t, client)
			g.QueueUser(oauthtest.GoogleUser{Subject: "g-1", Email: "a@example.com", EmailVerified: true, EditClaims: tt.edit})
			id, f, err := googleSignIn(t, g, p, tt.o)
			if err == nil {
				t.Fatalf("signed in as %+v", id)
			}
			checkRefused(t, err, append(tt.want, "oauth: google: "), f.verifier, g.ClientSecret)
		})
	}
}

func TestGoogleConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  oauth.GoogleConfig
		want string
	}{
		{"no client id", oauth.GoogleConfig{ClientSecret: "s"}, "oauth: google: config: ClientID is required"},
		{"nothing", oauth.GoogleConfig{}, "oauth: google: config: ClientID, ClientSecret are required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oauth.NewGoogle(t.Context(), tt.cfg)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("issuer mismatch", func(t *testing.T) {
		g := oauthtest.StartGoogle(t)
		_, err := oauth.NewGoogle(t.Context(), oauth.GoogleConfig{ClientID: "c", ClientSecret: "s", IssuerURL: g.Issuer + "/"})
		if err == nil || !strings.HasPrefix(err.Error(), "oauth: google: discovery: ") {
			t.Errorf("error = %v, want a discovery error", err)
		}
	})
}
