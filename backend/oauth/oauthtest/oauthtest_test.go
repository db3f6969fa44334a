package oauthtest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"sentry/backend/oauth/oauthtest"
)

const redirect = "https://app.sentry.test/cb"

// authParams are a valid authorization request's parameters; edit them.
func authParams(clientID string, edit func(url.Values)) (url.Values, string) {
	verifier := oauth2.GenerateVerifier()
	q := url.Values{
		"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"}, "state": {"st"}, "nonce": {"n"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	}
	if edit != nil {
		edit(q)
	}
	return q, verifier
}

var refusal = regexp.MustCompile(`^oauthtest: authorize: 4\d\d `)

// Authorization requests the stand-ins must refuse, mostly because our
// client must never send them.
func TestAuthorizeRefusals(t *testing.T) {
	_, pub := oauthtest.NewAppleKey(t)
	g, a, fb := oauthtest.StartGoogle(t), oauthtest.StartApple(t, oauthtest.AppleClient{PublicKey: pub}), oauthtest.StartFacebook(t)
	endpoints := []struct {
		name, url, clientID, scope string
		extra                      url.Values
	}{
		{"google", g.Issuer + "/authorize", g.ClientID, "openid email", nil},
		{"apple", a.Issuer + "/auth/authorize", a.ClientID, "name email", url.Values{"response_mode": {"form_post"}}},
		{"facebook", fb.AuthURL, fb.ClientID, "email", nil},
	}
	edits := map[string]func(url.Values){
		"valid":              func(url.Values) {},
		"no challenge":       func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") },
		"plain challenge":    func(q url.Values) { q.Set("code_challenge_method", "plain") },
		"no method":          func(q url.Values) { q.Del("code_challenge_method") },
		"short challenge":    func(q url.Values) { q.Set("code_challenge", "abc") },
		"relative redirect":  func(q url.Values) { q.Set("redirect_uri", "/cb") },
		"another client":     func(q url.Values) { q.Set("client_id", "someone-else") },
		"token response":     func(q url.Values) { q.Set("response_type", "token") },
		"no nonce (Google)":  func(q url.Values) { q.Del("nonce") },
		"query mode (Apple)": func(q url.Values) { q.Set("response_mode", "query") },
	}
	for _, ep := range endpoints {
		for name, edit := range edits {
			t.Run(ep.name+"/"+name, func(t *testing.T) {
				q, _ := authParams(ep.clientID, func(q url.Values) {
					q.Set("scope", ep.scope)
					for k, v := range ep.extra {
						q[k] = v
					}
					edit(q)
				})
				_, err := oauthtest.Authorize(t.Context(), ep.url+"?"+q.Encode())
				wantOK := name == "valid" || name == "no nonce (Google)" && ep.name != "google" || name == "query mode (Apple)" && ep.name != "apple"
				if wantOK && err != nil {
					t.Errorf("refused: %v", err)
				} else if !wantOK && (err == nil || !refusal.MatchString(err.Error())) {
					t.Errorf("error = %v, want a 4xx refusal", err)
				}
			})
		}
	}
}

func postForm(t *testing.T, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: not JSON: %s", u, body)
	}
	return resp.StatusCode, m
}

func TestGoogleTokenErrors(t *testing.T) {
	g := oauthtest.StartGoogle(t)
	q, verifier := authParams(g.ClientID, nil)
	q.Set("scope", "openid email")
	cb, err := oauthtest.Authorize(t.Context(), g.Issuer+"/authorize?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {cb.Params.Get("code")}, "redirect_uri": {redirect},
		"client_id": {g.ClientID}, "client_secret": {"wrong"}, "code_verifier": {verifier}}
	// A wrong secret does not spend the code.
	if status, body := postForm(t, g.Issuer+"/token", form); status != 401 || body["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", status, body)
	}
	form.Set("client_secret", g.ClientSecret)
	if status, body := postForm(t, g.Issuer+"/token", form); status != 200 || body["id_token"] == nil {
		t.Errorf("right secret: %d %v", status, body)
	}
	if status, body := postForm(t, g.Issuer+"/token", form); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("code reused: %d %v", status, body)
	}
}

func TestAppleTokenErrors(t *testing.T) {
	_, pub := oauthtest.NewAppleKey(t)
	a := oauthtest.StartApple(t, oauthtest.AppleClient{PublicKey: pub})
	q, verifier := authParams(a.ClientID, func(q url.Values) { q.Set("scope", "email"); q.Set("response_mode", "form_post") })
	cb, err := oauthtest.Authorize(t.Context(), a.Issuer+"/auth/authorize?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {cb.Params.Get("code")}, "redirect_uri": {redirect},
		"client_id": {a.ClientID}, "client_secret": {"not-a-jwt"}, "code_verifier": {verifier}}
	if status, body := postForm(t, a.Issuer+"/auth/token", form); status != 400 || body["error"] != "invalid_client" || len(body) != 1 {
		t.Errorf("bad client secret: %d %v", status, body)
	}
	form.Set("grant_type", "password")
	if status, body := postForm(t, a.Issuer+"/auth/token", form); status != 400 || body["error"] != "unsupported_grant_type" {
		t.Errorf("grant type: %d %v", status, body)
	}
}

func TestFacebookGraphMe(t *testing.T) {
	fb := oauthtest.StartFacebook(t)
	fb.QueueUser(oauthtest.FacebookUser{ID: "42", FirstName: "Ada", LastName: "Lovelace"})
	q, verifier := authParams(fb.ClientID, nil)
	cb, err := oauthtest.Authorize(t.Context(), fb.AuthURL+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	status, tok := postForm(t, fb.TokenURL, url.Values{"code": {cb.Params.Get("code")}, "redirect_uri": {redirect},
		"client_id": {fb.ClientID}, "client_secret": {fb.ClientSecret}, "code_verifier": {verifier}})
	access, _ := tok["access_token"].(string)
	if status != 200 || access == "" {
		t.Fatalf("token: %d %v", status, tok)
	}
	mac := hmac.New(sha256.New, []byte(fb.ClientSecret))
	mac.Write([]byte(access))
	proof := hex.EncodeToString(mac.Sum(nil))

	for _, tt := range []struct {
		name, query, want string
		status            int
	}{
		{"with proof", "fields=id,first_name,email&appsecret_proof=" + proof, `{"first_name":"Ada","id":"42"}`, 200},
		{"default fields", "appsecret_proof=" + proof, `{"id":"42","name":"Ada Lovelace"}`, 200},
		{"no proof", "fields=id", "require an appsecret_proof", 400},
		{"wrong proof", "fields=id&appsecret_proof=" + strings.Repeat("0", 64), "Invalid appsecret_proof", 400},
		{"unknown field", "fields=id,birthday&appsecret_proof=" + proof, "nonexisting field (birthday)", 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, fb.GraphURL+"/me?"+tt.query, nil)
			req.Header.Set("Authorization", "Bearer "+access)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
				t.Errorf("got %d %s, want %d containing %s", resp.StatusCode, body, tt.status, tt.want)
			}
		})
	}
}

func TestCallbackRequest(t *testing.T) {
	post := &oauthtest.Callback{Method: http.MethodPost, URL: redirect + "?via=web", Params: url.Values{"code": {"c1"}, "state": {"s"}}}
	r, err := post.Request(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if r.Method != http.MethodPost || r.URL.String() != redirect+"?via=web" || r.PostForm.Get("code") != "c1" || r.PostForm.Get("state") != "s" {
		t.Errorf("POST callback request = %s %s %v", r.Method, r.URL, r.PostForm)
	}
	get := &oauthtest.Callback{Method: http.MethodGet, URL: redirect, Params: url.Values{"code": {"c2"}}}
	if r, err = get.Request(t.Context()); err != nil || r.Method != http.MethodGet || r.URL.String() != redirect+"?code=c2" {
		t.Errorf("GET callback request = %v, %v", r, err)
	}
}
