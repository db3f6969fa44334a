package oauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"sentry/backend/oauth"
	"sentry/backend/oauth/oauthtest"
)

// appleSetup is a stand-in and a client configured for it; edit changes
// the client's configuration (a wrong key, another clock).
func appleSetup(t *testing.T, edit func(*oauth.AppleConfig)) (*oauthtest.Apple, *oauth.Apple, oauth.AppleConfig) {
	t.Helper()
	pemKey, pub := oauthtest.NewAppleKey(t)
	a := oauthtest.StartApple(t, oauthtest.AppleClient{ClientID: "test.sentry.signin", TeamID: "TEAMID0001", KeyID: "KEYID00001", PublicKey: pub})
	cfg := oauth.AppleConfig{ClientID: a.ClientID, TeamID: a.TeamID, KeyID: a.KeyID, PrivateKeyPEM: pemKey, IssuerURL: a.Issuer}
	if edit != nil {
		edit(&cfg)
	}
	p, err := oauth.NewApple(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, p, cfg
}

// appleSignIn runs the whole flow: AuthURL, the browser at the stand-in,
// then Exchange with the posted code and user field (as o says).
func appleSignIn(t *testing.T, p *oauth.Apple, o exchangeOverride) (*oauth.Identity, flow, error) {
	t.Helper()
	f := newFlow("apple")
	cb, err := oauthtest.Authorize(t.Context(), p.AuthURL(f.state, f.verifier, f.nonce, f.redirect))
	if err != nil {
		t.Fatal(err)
	}
	code, user := cb.Params.Get("code"), cb.Params.Get("user")
	if o.reuse {
		if _, err := p.Exchange(t.Context(), code, f.verifier, f.nonce, f.redirect, user); err != nil {
			t.Fatalf("first redemption: %v", err)
		}
	}
	e := o.apply(f)
	id, err := p.Exchange(t.Context(), code, e.verifier, e.nonce, e.redirect, user)
	return id, f, err
}

func TestAppleSignIn(t *testing.T) {
	a, p, _ := appleSetup(t, nil)
	a.QueueUser(oauthtest.AppleUser{Subject: "001234.abcdef.0987", Email: "ada@example.com", EmailVerified: true,
		FirstName: "Ada", LastName: "Lovelace", FirstSignIn: true})
	if p.Name() != "apple" || p.ResponseMode() != "form_post" {
		t.Errorf("Name, ResponseMode = %q, %q", p.Name(), p.ResponseMode())
	}

	f := newFlow("apple")
	authURL := p.AuthURL(f.state, f.verifier, f.nonce, f.redirect)
	checkAuthURL(t, authURL, a.Issuer+"/auth/authorize", f, map[string]string{
		"client_id": a.ClientID, "scope": "name email", "response_mode": "form_post", "nonce": f.nonce,
	}, "client_secret")

	cb, err := oauthtest.Authorize(t.Context(), authURL)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Method != http.MethodPost || cb.URL != f.redirect || cb.Params.Get("state") != f.state || cb.Params.Get("code") == "" {
		t.Fatalf("callback = %+v", cb)
	}
	user := cb.Params.Get("user")
	if !strings.Contains(user, `"firstName":"Ada"`) {
		t.Fatalf("user field = %q", user)
	}

	id, err := p.Exchange(t.Context(), cb.Params.Get("code"), f.verifier, f.nonce, f.redirect, user)
	if err != nil {
		t.Fatal(err)
	}
	want := oauth.Identity{Provider: "apple", Subject: "001234.abcdef.0987", Email: "ada@example.com", EmailVerified: true, FirstName: "Ada", LastName: "Lovelace"}
	if *id != want {
		t.Errorf("identity = %+v, want %+v", *id, want)
	}
}

func TestAppleIdentity(t *testing.T) {
	tests := []struct {
		name string
		user oauthtest.AppleUser
		// userJSON replaces the posted user field when not empty.
		userJSON string
		want     oauth.Identity
	}{
		{name: "returning user: no name",
			user: oauthtest.AppleUser{Subject: "s1", Email: "ada@example.com", EmailVerified: true, FirstName: "Ada"},
			want: oauth.Identity{Provider: "apple", Subject: "s1", Email: "ada@example.com", EmailVerified: true}},
		{name: "email_verified \"false\"",
			user: oauthtest.AppleUser{Subject: "s2", Email: "ada@example.com", EmailVerified: false, FirstName: "Ada", FirstSignIn: true},
			want: oauth.Identity{Provider: "apple", Subject: "s2", Email: "ada@example.com", EmailVerified: false, FirstName: "Ada"}},
		{name: "email_verified as a JSON bool",
			user: oauthtest.AppleUser{Subject: "s3", Email: "ada@example.com",
				EditClaims: func(c map[string]any) { c["email_verified"] = true }},
			want: oauth.Identity{Provider: "apple", Subject: "s3", Email: "ada@example.com", EmailVerified: true}},
		{name: "email_verified absent",
			user: oauthtest.AppleUser{Subject: "s4", Email: "ada@example.com", EmailVerified: true,
				EditClaims: func(c map[string]any) { delete(c, "email_verified") }},
			want: oauth.Identity{Provider: "apple", Subject: "s4", Email: "ada@example.com"}},
		{name: "email only from the id_token, never the unsigned user field",
			user:     oauthtest.AppleUser{Subject: "s5", Email: "ada@example.com", EmailVerified: true},
			userJSON: `{"name":{"firstName":" Grace ","lastName":"Hopper"},"email":"victim@example.com"}`,
			want:     oauth.Identity{Provider: "apple", Subject: "s5", Email: "ada@example.com", EmailVerified: true, FirstName: "Grace", LastName: "Hopper"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, p, _ := appleSetup(t, nil)
			a.QueueUser(tt.user)
			f := newFlow("apple")
			cb, err := oauthtest.Authorize(t.Context(), p.AuthURL(f.state, f.verifier, f.nonce, f.redirect))
			if err != nil {
				t.Fatal(err)
			}
			if got := cb.Params.Has("user"); got != tt.user.FirstSignIn {
				t.Errorf("callback has user field: %v, want %v", got, tt.user.FirstSignIn)
			}
			userJSON := cb.Params.Get("user")
			if tt.userJSON != "" {
				userJSON = tt.userJSON
			}
			id, err := p.Exchange(t.Context(), cb.Params.Get("code"), f.verifier, f.nonce, f.redirect, userJSON)
			if err != nil {
				t.Fatal(err)
			}
			if *id != tt.want {
				t.Errorf("identity = %+v, want %+v", *id, tt.want)
			}
		})
	}
}

func TestAppleRefused(t *testing.T) {
	otherKey, _ := oauthtest.NewAppleKey(t)
	tests := []struct {
		name   string
		config func(*oauth.AppleConfig)
		o      exchangeOverride
		edit   func(map[string]any)
		tamper func(string) string
		want   []string // in the error's internal text
	}{
		{name: "client secret signed with another key", config: func(c *oauth.AppleConfig) { c.PrivateKeyPEM = otherKey }, want: []string{`HTTP 400, error "invalid_client"`}},
		{name: "client secret with another key id", config: func(c *oauth.AppleConfig) { c.KeyID = "KEYID99999" }, want: []string{`error "invalid_client"`}},
		{name: "client secret from another team", config: func(c *oauth.AppleConfig) { c.TeamID = "TEAMID9999" }, want: []string{`error "invalid_client"`}},
		{name: "client secret already expired", config: func(c *oauth.AppleConfig) {
			c.Now = func() time.Time { return time.Now().Add(-time.Hour) }
		}, want: []string{`error "invalid_client"`}},
		{name: "wrong PKCE verifier", o: exchangeOverride{verifier: oauth.NewVerifier()}, want: []string{`HTTP 400, error "invalid_grant"`}},
		{name: "code redeemed twice", o: exchangeOverride{reuse: true}, want: []string{`error "invalid_grant"`}},
		{name: "other redirect_uri", o: exchangeOverride{redirect: "https://app.sentry.test/api/auth/apple/callback"}, want: []string{`error "invalid_grant"`}},
		{name: "wrong nonce", o: exchangeOverride{nonce: oauth.RandomToken()}, want: []string{"nonce"}},
		{name: "other audience", edit: func(c map[string]any) { c["aud"] = "another-client" }, want: []string{"audience"}},
		{name: "our audience among others without azp", edit: addAudience, want: []string{"azp"}},
		{name: "other issuer", edit: func(c map[string]any) { c["iss"] = "https://issuer.example.com" }, want: []string{"issued by a different provider"}},
		{name: "expired", edit: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, want: []string{"expired"}},
		{name: "access token hash mismatch", edit: func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }, want: []string{"id_token"}},
		{name: "tampered: changed claims", tamper: tamperings["changed claims"], want: []string{"id_token"}},
		{name: "tampered: alg none", tamper: tamperings["alg none"], want: []string{"id_token"}},
		{name: "tampered: signature cut", tamper: tamperings["signature cut"], want: []string{"id_token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, p, _ := appleSetup(t, func(c *oauth.AppleConfig) {
				if tt.config != nil {
					tt.config(c)
				}
				if tt.tamper != nil {
					c.HTTPClient = &http.Client{Transport: idTokenTransport{edit: tt.tamper}}
				}
			})
			a.QueueUser(oauthtest.AppleUser{Subject: "s", Email: "ada@example.com", EmailVerified: true, EditClaims: tt.edit})
			id, f, err := appleSignIn(t, p, tt.o)
			if err == nil {
				t.Fatalf("signed in as %+v", id)
			}
			checkRefused(t, err, append(tt.want, "oauth: apple: "), f.verifier)
		})
	}
}

func TestAppleMalformedUserField(t *testing.T) {
	_, p, _ := appleSetup(t, nil)
	for _, userJSON := range []string{`{"name":`, `"Ada"`, strings.Repeat(" ", 9<<10) + "{}"} {
		f := newFlow("apple")
		cb, err := oauthtest.Authorize(t.Context(), p.AuthURL(f.state, f.verifier, f.nonce, f.redirect))
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Exchange(t.Context(), cb.Params.Get("code"), f.verifier, f.nonce, f.redirect, userJSON)
		checkRefused(t, err, []string{"oauth: apple: user field: "})
	}
}

func TestAppleConfig(t *testing.T) {
	goodKey, _ := oauthtest.NewAppleKey(t)
	pemOf := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsaDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1DER, _ := x509.MarshalECPrivateKey(p256)
	full := oauth.AppleConfig{ClientID: "c", TeamID: "t", KeyID: "k", PrivateKeyPEM: goodKey}

	for _, tt := range []struct {
		name string
		edit func(*oauth.AppleConfig)
		want string // error; empty for success
	}{
		{"complete", func(*oauth.AppleConfig) {}, ""},
		{"key with escaped newlines", func(c *oauth.AppleConfig) { c.PrivateKeyPEM = strings.ReplaceAll(goodKey, "\n", `\n`) }, ""},
		{"nothing", func(c *oauth.AppleConfig) { *c = oauth.AppleConfig{} }, "oauth: apple: config: ClientID, TeamID, KeyID, PrivateKeyPEM are required"},
		{"no team id", func(c *oauth.AppleConfig) { c.TeamID = "" }, "oauth: apple: config: TeamID is required"},
		{"not PEM", func(c *oauth.AppleConfig) { c.PrivateKeyPEM = "MIGTAgEAMBMGByqGSM49" }, "oauth: apple: config: PrivateKeyPEM: no PEM block"},
		{"SEC1, not PKCS#8", func(c *oauth.AppleConfig) { c.PrivateKeyPEM = pemOf("EC PRIVATE KEY", sec1DER) }, `oauth: apple: config: PrivateKeyPEM: PEM block is "EC PRIVATE KEY", want PKCS#8 "PRIVATE KEY"`},
		{"P-384", func(c *oauth.AppleConfig) { c.PrivateKeyPEM = pemOf("PRIVATE KEY", p384DER) }, "oauth: apple: config: PrivateKeyPEM: not an EC P-256 key"},
		{"RSA", func(c *oauth.AppleConfig) { c.PrivateKeyPEM = pemOf("PRIVATE KEY", rsaDER) }, "oauth: apple: config: PrivateKeyPEM: not an EC P-256 key"},
		{"garbage DER", func(c *oauth.AppleConfig) { c.PrivateKeyPEM = pemOf("PRIVATE KEY", []byte("nope")) }, "oauth: apple: config: PrivateKeyPEM: not a PKCS#8 private key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := full
			tt.edit(&cfg)
			_, err := oauth.NewApple(t.Context(), cfg)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || err.Error() != tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("default endpoints", func(t *testing.T) {
		p, err := oauth.NewApple(t.Context(), full)
		if err != nil {
			t.Fatal(err)
		}
		f := newFlow("apple")
		checkAuthURL(t, p.AuthURL(f.state, f.verifier, f.nonce, f.redirect), "https://appleid.apple.com/auth/authorize", f,
			map[string]string{"client_id": "c", "nonce": f.nonce, "response_mode": "form_post", "scope": "name email"})
	})
}
