package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/oauth/oauthtest"
)

type providers struct {
	google   *oauthtest.Google
	apple    *oauthtest.Apple
	facebook *oauthtest.Facebook
}

// newOAuthBackend is a server whose three sign-in providers are the local
// stand-ins, reached over real HTTP.
func newOAuthBackend(t *testing.T) (*testBackend, providers) {
	t.Helper()
	g := oauthtest.StartGoogle(t)
	pem, pub := oauthtest.NewAppleKey(t)
	a := oauthtest.StartApple(t, oauthtest.AppleClient{ClientID: "com.example.sentry", TeamID: "TEAM123456", KeyID: "KEY1234567", PublicKey: pub})
	f := oauthtest.StartFacebook(t)

	srv := httptest.NewUnstartedServer(nil)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	cfg.OAuth.Google = config.OAuthProvider{ClientID: g.ClientID, ClientSecret: g.ClientSecret, IssuerURL: g.Issuer}
	cfg.OAuth.Apple = config.OAuthProvider{ClientID: "com.example.sentry", TeamID: "TEAM123456", KeyID: "KEY1234567", PrivateKeyPEM: pem, IssuerURL: a.Issuer}
	cfg.OAuth.Facebook = config.OAuthProvider{ClientID: f.ClientID, ClientSecret: f.ClientSecret, AuthURL: f.AuthURL, TokenURL: f.TokenURL, GraphURL: f.GraphURL}
	ap, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = ap.Handler()
	srv.Start()
	t.Cleanup(func() { srv.Close(); ap.Close() })
	return &testBackend{t: t, app: ap, srv: srv}, providers{g, a, f}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signInWith runs the browser's part: our start URL → the provider →
// the provider's callback to us → our redirect with a login code.
func signInWith(t *testing.T, b *testBackend, provider, returnTo string) (location string) {
	t.Helper()
	res, err := noRedirect.Get(b.srv.URL + "/api/auth/" + provider + "?return_to=" + url.QueryEscape(returnTo))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 302 {
		t.Fatalf("start %s: %d", provider, res.StatusCode)
	}
	authURL := res.Header.Get("Location")
	q, _ := url.Parse(authURL)
	if q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("state") == "" {
		t.Fatalf("auth url lacks PKCE/state: %s", authURL)
	}
	cb, err := oauthtest.Authorize(context.Background(), authURL)
	if err != nil {
		t.Fatal(err)
	}
	req, err := cb.Request(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 303 {
		t.Fatalf("callback %s: %d", provider, res.StatusCode)
	}
	return res.Header.Get("Location")
}

func exchange(t *testing.T, b *testBackend, location string) (int, map[string]any) {
	t.Helper()
	_, frag, _ := strings.Cut(location, "#oauth_code=")
	code, _ := url.QueryUnescape(frag)
	res, body := b.do("POST", "/api/auth/oauth/exchange", "", map[string]any{"code": code})
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return res.StatusCode, m
}

func TestOAuthFlowsAgainstProviderStandIns(t *testing.T) {
	b, p := newOAuthBackend(t)
	_, body := b.do("GET", "/api/auth/providers", "", nil)
	if !strings.Contains(string(body), `"apple","facebook","google"`) {
		t.Fatalf("providers: %s", body)
	}

	// Google: a new, verified account.
	p.google.QueueUser(oauthtest.GoogleUser{Subject: "g-100", Email: "Gia@Example.com", EmailVerified: true, GivenName: "Gia"})
	loc := signInWith(t, b, "google", "/")
	if !strings.HasPrefix(loc, "/#oauth_code=") {
		t.Fatalf("google landed at %s", loc)
	}
	code, sess := exchange(t, b, loc)
	if code != 200 || sess["user"].(map[string]any)["email"] != "gia@example.com" || sess["user"].(map[string]any)["email_verified"] != true {
		t.Fatalf("google session: %d %v", code, sess)
	}
	// The login code works once.
	if code, _ := exchange(t, b, loc); code != 401 {
		t.Fatalf("login code reused: %d", code)
	}
	// The same Google identity signs in to the same account next time.
	p.google.QueueUser(oauthtest.GoogleUser{Subject: "g-100", Email: "gia@example.com", EmailVerified: true})
	_, again := exchange(t, b, signInWith(t, b, "google", "/"))
	if again["user"].(map[string]any)["id"] != sess["user"].(map[string]any)["id"] {
		t.Fatal("second Google sign-in made another account")
	}

	// Apple: form_post callback, first sign-in carries the name.
	p.apple.QueueUser(oauthtest.AppleUser{Subject: "a-200", Email: "ari@example.com", EmailVerified: true, FirstName: "Ari", LastName: "Ek", FirstSignIn: true})
	code, sess = exchange(t, b, signInWith(t, b, "apple", "/"))
	if code != 200 || sess["user"].(map[string]any)["first_name"] != "Ari" {
		t.Fatalf("apple session: %d %v", code, sess)
	}

	// Facebook: no "verified" claim, so an existing password account with
	// that email is not taken over.
	pw := b.signUp("fay@example.com")
	p.facebook.QueueUser(oauthtest.FacebookUser{ID: "f-300", Email: "fay@example.com", FirstName: "Fay"})
	loc = signInWith(t, b, "facebook", "/")
	if !strings.Contains(loc, "oauth_error=") {
		t.Fatalf("facebook linked to an existing account: %s", loc)
	}
	_, me := b.do("GET", "/api/auth/me", pw.Access, nil)
	if !strings.Contains(string(me), `"email":"fay@example.com"`) {
		t.Fatal("existing account changed")
	}
	// A Facebook identity with a new email gets a new, unverified account.
	p.facebook.QueueUser(oauthtest.FacebookUser{ID: "f-301", Email: "fin@example.com", FirstName: "Fin"})
	code, sess = exchange(t, b, signInWith(t, b, "facebook", "/"))
	if code != 200 || sess["user"].(map[string]any)["email_verified"] != false {
		t.Fatalf("facebook session: %d %v", code, sess)
	}

	// A native client (RFC 8252): loopback return and its own PKCE.
	p.google.QueueUser(oauthtest.GoogleUser{Subject: "g-100", Email: "gia@example.com", EmailVerified: true})
	verifier := strings.Repeat("v", 50)
	challenge := "HoyfPqNJ6PfNF95EtDSfr81a-qxYEwI9RG8mU0Dd6Qw" // base64url(SHA-256(verifier)), checked below
	if got := s256(verifier); got != challenge {
		challenge = got
	}
	res, err := noRedirect.Get(b.srv.URL + "/api/auth/google?return_to=" + url.QueryEscape("http://127.0.0.1:53682/cb") + "&code_challenge=" + challenge)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cb, err := oauthtest.Authorize(context.Background(), res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := cb.Request(context.Background())
	res, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	to, _ := url.Parse(res.Header.Get("Location"))
	if to.Host != "127.0.0.1:53682" || to.Query().Get("code") == "" {
		t.Fatalf("native return: %s", res.Header.Get("Location"))
	}
	if r, _ := b.do("POST", "/api/auth/oauth/exchange", "", map[string]any{"code": to.Query().Get("code")}); r.StatusCode != 401 {
		t.Fatalf("native code redeemed without its verifier: %d", r.StatusCode)
	}
}

func TestOAuthCallbackRefusesForgedState(t *testing.T) {
	b, _ := newOAuthBackend(t)
	res, err := noRedirect.Get(b.srv.URL + "/api/auth/google/callback?state=forged&code=whatever")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), "oauth_error=") {
		t.Fatalf("forged state: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// A return_to off this site is refused before anything starts.
	r, _ := b.do("GET", "/api/auth/google?return_to="+url.QueryEscape("https://evil.example/steal"), "", nil)
	if r.StatusCode != 400 {
		t.Fatalf("foreign return_to: %d", r.StatusCode)
	}
}

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestProvidersSayWhetherMailIsDelivered(t *testing.T) {
	for _, tc := range []struct {
		name string
		smtp string
		want string
	}{
		{"no mail server: codes stay in the outbox", "", `"mail":false`},
		{"a mail server", "127.0.0.1:2525", `"mail":true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackendWith(t, true, func(c *config.Config) { c.SMTPAddr = tc.smtp })
			res, body := b.do("GET", "/api/auth/providers", "", nil)
			if res.StatusCode != 200 || !strings.Contains(string(body), tc.want) {
				t.Fatalf("providers: %d %s", res.StatusCode, body)
			}
		})
	}
}
