package oauth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sentry/backend/core"
	"sentry/backend/oauth"
	"sentry/backend/oauth/oauthtest"
)

func facebookSetup(t *testing.T, edit func(*oauth.FacebookConfig)) (*oauthtest.Facebook, *oauth.Facebook) {
	t.Helper()
	fb := oauthtest.StartFacebook(t)
	cfg := oauth.FacebookConfig{ClientID: fb.ClientID, ClientSecret: fb.ClientSecret, AuthURL: fb.AuthURL, TokenURL: fb.TokenURL, GraphURL: fb.GraphURL}
	if edit != nil {
		edit(&cfg)
	}
	p, err := oauth.NewFacebook(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fb, p
}

func facebookSignIn(t *testing.T, p *oauth.Facebook, o exchangeOverride) (*oauth.Identity, flow, error) {
	t.Helper()
	f := newFlow("facebook")
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

func TestFacebookSignIn(t *testing.T) {
	fb, p := facebookSetup(t, nil)
	fb.QueueUser(oauthtest.FacebookUser{ID: "10158000000000042", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"})
	if p.Name() != "facebook" || p.ResponseMode() != "query" {
		t.Errorf("Name, ResponseMode = %q, %q", p.Name(), p.ResponseMode())
	}

	f := newFlow("facebook")
	authURL := p.AuthURL(f.state, f.verifier, f.nonce, f.redirect)
	checkAuthURL(t, authURL, fb.AuthURL, f, map[string]string{"client_id": fb.ClientID, "scope": "email public_profile"}, "nonce", "client_secret")

	cb, err := oauthtest.Authorize(t.Context(), authURL)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Method != http.MethodGet || cb.URL != "https://app.sentry.test/api/auth/facebook/callback" ||
		cb.Params.Get("state") != f.state || cb.Params.Get("via") != "web" || cb.Params.Get("code") == "" {
		t.Fatalf("callback = %+v", cb)
	}

	id, err := p.Exchange(t.Context(), cb.Params.Get("code"), f.verifier, f.nonce, f.redirect, "")
	if err != nil {
		t.Fatal(err)
	}
	// Facebook never vouches for an email, so EmailVerified stays false.
	want := oauth.Identity{Provider: "facebook", Subject: "10158000000000042", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"}
	if *id != want {
		t.Errorf("identity = %+v, want %+v", *id, want)
	}
}

func TestFacebookWithoutEmail(t *testing.T) {
	fb, p := facebookSetup(t, nil)
	fb.QueueUser(oauthtest.FacebookUser{ID: "77", FirstName: "Ada"})
	id, _, err := facebookSignIn(t, p, exchangeOverride{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (oauth.Identity{Provider: "facebook", Subject: "77", FirstName: "Ada"}); *id != want {
		t.Errorf("identity = %+v, want %+v", *id, want)
	}
}

// graphProofTransport changes the appsecret_proof of Graph API calls.
type graphProofTransport struct{ proof string }

func (tr graphProofTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/me") {
		r = r.Clone(r.Context())
		q := r.URL.Query()
		if tr.proof == "" {
			q.Del("appsecret_proof")
		} else {
			q.Set("appsecret_proof", tr.proof)
		}
		r.URL.RawQuery = q.Encode()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestFacebookRefused(t *testing.T) {
	tests := []struct {
		name   string
		config func(*oauth.FacebookConfig)
		o      exchangeOverride
		want   []string // in the error's internal text
	}{
		{name: "wrong app secret", config: func(c *oauth.FacebookConfig) { c.ClientSecret = "0123456789abcdef0123456789abcdef" },
			want: []string{"oauth: facebook: token: ", `HTTP 400, error "OAuthException" code 1`}},
		{name: "wrong PKCE verifier", o: exchangeOverride{verifier: oauth.NewVerifier()},
			want: []string{"oauth: facebook: token: ", `HTTP 400, error "OAuthException" code 100`}},
		{name: "code redeemed twice", o: exchangeOverride{reuse: true}, want: []string{"subcode 36009"}},
		{name: "other redirect_uri", o: exchangeOverride{redirect: "https://app.sentry.test/api/auth/facebook/callback"}, want: []string{"subcode 36008"}},
		{name: "no appsecret_proof", config: func(c *oauth.FacebookConfig) { c.HTTPClient = &http.Client{Transport: graphProofTransport{}} },
			want: []string{"oauth: facebook: graph: ", `HTTP 400, error "GraphMethodException" code 100`}},
		{name: "wrong appsecret_proof", config: func(c *oauth.FacebookConfig) {
			c.HTTPClient = &http.Client{Transport: graphProofTransport{proof: strings.Repeat("ab", 32)}}
		}, want: []string{"oauth: facebook: graph: ", `error "GraphMethodException" code 100`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb, p := facebookSetup(t, tt.config)
			id, f, err := facebookSignIn(t, p, tt.o)
			if err == nil {
				t.Fatalf("signed in as %+v", id)
			}
			checkRefused(t, err, tt.want, f.verifier, fb.ClientSecret)
		})
	}
}

// A provider that answers with more than 1 MiB is cut off with an error,
// not read to the end or parsed half-read.
func TestFacebookResponseTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/token" {
			_, _ = w.Write([]byte(`{"access_token":"t","token_type":"bearer"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"1","first_name":"` + strings.Repeat("a", 2<<20) + `"}`))
	}))
	defer srv.Close()
	p, err := oauth.NewFacebook(oauth.FacebookConfig{ClientID: "1", ClientSecret: "s", AuthURL: srv.URL + "/dialog", TokenURL: srv.URL + "/token", GraphURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Exchange(t.Context(), "code", oauth.NewVerifier(), "", "https://app.sentry.test/cb", "")
	if err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") || core.ErrorCode(err) != core.EINTERNAL {
		t.Errorf("error = %v (code %s), want an internal too-large error", err, core.ErrorCode(err))
	}
}

func TestFacebookConfig(t *testing.T) {
	if _, err := oauth.NewFacebook(oauth.FacebookConfig{ClientID: "1"}); err == nil || err.Error() != "oauth: facebook: config: ClientSecret is required" {
		t.Errorf("error = %v", err)
	}
	p, err := oauth.NewFacebook(oauth.FacebookConfig{ClientID: "1", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	f := newFlow("facebook")
	checkAuthURL(t, p.AuthURL(f.state, f.verifier, f.nonce, f.redirect), oauth.DefaultFacebookAuthURL, f,
		map[string]string{"client_id": "1", "scope": "email public_profile"}, "nonce")
}

func TestExchangeWithoutCode(t *testing.T) {
	_, p := facebookSetup(t, nil)
	_, err := p.Exchange(t.Context(), "", oauth.NewVerifier(), "", "https://app.sentry.test/cb", "")
	checkRefused(t, err, []string{"no authorization code"})
}

func TestRandomToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		for _, s := range []string{oauth.RandomToken(), oauth.NewVerifier()} {
			// 32 bytes base64url without padding; a valid PKCE verifier (RFC 7636: 43–128 unreserved characters).
			if len(s) != 43 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
				t.Fatalf("token %q is not 43 base64url characters", s)
			}
			if seen[s] {
				t.Fatalf("token %q repeated", s)
			}
			seen[s] = true
		}
	}
}
