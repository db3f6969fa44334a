package oauth_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"sentry/backend/core"
	"sentry/backend/oauth"
)

// flow is what the auth feature keeps between AuthURL and Exchange.
type flow struct {
	state, verifier, nonce, redirect string
}

func newFlow(provider string) flow {
	return flow{
		state:    oauth.RandomToken(),
		verifier: oauth.NewVerifier(),
		nonce:    oauth.RandomToken(),
		redirect: "https://app.sentry.test/api/auth/" + provider + "/callback?via=web",
	}
}

// exchangeOverride changes what Exchange is called with, to play an
// attacker or a bug.
type exchangeOverride struct {
	verifier, nonce, redirect string
	// reuse redeems the code once correctly first, then again.
	reuse bool
}

func (o exchangeOverride) apply(f flow) flow {
	if o.verifier != "" {
		f.verifier = o.verifier
	}
	if o.nonce != "" {
		f.nonce = o.nonce
	}
	if o.redirect != "" {
		f.redirect = o.redirect
	}
	return f
}

// checkAuthURL asserts the authorization URL's endpoint and parameters:
// want holds the exact values; absent names must not be there.
func checkAuthURL(t *testing.T, authURL, endpoint string, f flow, want map[string]string, absent ...string) {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("AuthURL %q: %v", authURL, err)
	}
	q := u.Query()
	if got := strings.SplitN(authURL, "?", 2)[0]; got != endpoint {
		t.Errorf("AuthURL endpoint = %q, want %q", got, endpoint)
	}
	all := map[string]string{
		"state":                 f.state,
		"code_challenge":        oauth2.S256ChallengeFromVerifier(f.verifier),
		"code_challenge_method": "S256",
		"redirect_uri":          f.redirect,
		"response_type":         "code",
	}
	for k, v := range want {
		all[k] = v
	}
	for k, v := range all {
		if got := q[k]; len(got) != 1 || got[0] != v {
			t.Errorf("AuthURL %s = %q, want [%q]", k, got, v)
		}
	}
	for _, k := range absent {
		if q.Has(k) {
			t.Errorf("AuthURL has %s=%q; it should not", k, q.Get(k))
		}
	}
	if q.Has("code_verifier") || strings.Contains(authURL, f.verifier) {
		t.Error("AuthURL reveals the PKCE verifier")
	}
}

// checkRefused asserts err is a refused sign-in: unauthorized, with a
// message users may see, whose text contains every wantDetail and none of
// the secrets.
func checkRefused(t *testing.T, err error, wantDetail []string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("Exchange succeeded; want a refused sign-in")
	}
	t.Logf("refused: %v", err)
	if code := core.ErrorCode(err); code != core.EUNAUTHORIZED {
		t.Errorf("error code = %q, want %q (error: %v)", code, core.EUNAUTHORIZED, err)
	}
	if msg := core.ErrorMessage(err); !strings.Contains(msg, "did not confirm the sign-in") {
		t.Errorf("user message = %q", msg)
	}
	for _, d := range wantDetail {
		if !strings.Contains(err.Error(), d) {
			t.Errorf("error %q does not say %q", err, d)
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q leaks a secret", err)
		}
	}
}

// idTokenTransport edits the id_token of token responses in transit.
type idTokenTransport struct {
	edit func(idToken string) string
}

func (tr idTokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/token") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	if s, ok := m["id_token"].(string); ok {
		m["id_token"] = tr.edit(s)
	}
	body, _ = json.Marshal(m)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// Ways to tamper with a signed id_token.
var tamperings = map[string]func(string) string{
	// Claims changed after signing: the signature no longer matches.
	"changed claims": func(tok string) string {
		parts := strings.Split(tok, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c map[string]any
		_ = json.Unmarshal(payload, &c)
		c["sub"], c["email"] = "attacker", "attacker@example.com"
		payload, _ = json.Marshal(c)
		parts[1] = base64.RawURLEncoding.EncodeToString(payload)
		return strings.Join(parts, ".")
	},
	// The same claims, unsigned.
	"alg none": func(tok string) string {
		parts := strings.Split(tok, ".")
		parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		parts[2] = ""
		return strings.Join(parts, ".")
	},
	"signature cut": func(tok string) string {
		return tok[:strings.LastIndex(tok, ".")+1]
	},
}

// addAudience adds another client to an id_token's audience.
func addAudience(c map[string]any) {
	if list, ok := c["aud"].([]any); ok {
		c["aud"] = append(list, "another-client")
	} else {
		c["aud"] = []any{c["aud"], "another-client"}
	}
}
