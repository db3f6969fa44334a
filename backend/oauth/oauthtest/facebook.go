package oauthtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const facebookCodeTTL = 10 * time.Minute

// Facebook is a running stand-in for Facebook Login and the Graph API's
// /me, for one app (ClientID, ClientSecret) that requires appsecret_proof.
//
// /dialog/oauth checks client_id, response_type (code), an absolute
// redirect_uri and an S256 code challenge (required here, because our
// client must always send one), records state, challenge and
// redirect_uri, and redirects to redirect_uri?code=…&state=….
// /oauth/access_token (GET or POST) checks client_id, client_secret, and
// that the code exists, is unused and at most ten minutes old, that
// redirect_uri is the dialog's and that code_verifier answers the
// challenge. /me takes the access token from an Authorization header
// (Bearer or OAuth) or access_token, requires appsecret_proof (HMAC-SHA256
// of the token keyed with the app secret, hex) and returns the requested
// fields among id, name, first_name, last_name and email (absent when the
// user has none). Every refusal is 400 with Graph's error object.
//
// It does not check redirect URIs against the app's list, check the
// granted scopes, or expire access tokens.
type Facebook struct {
	ClientID     string
	ClientSecret string
	// Endpoints to configure the client with.
	AuthURL  string
	TokenURL string
	GraphURL string

	mu     sync.Mutex
	users  []FacebookUser
	grants map[string]*facebookGrant
	tokens map[string]FacebookUser
}

// FacebookUser is who signs in at the next login dialog.
type FacebookUser struct {
	ID        string // app-scoped user id
	Email     string // empty: the user has no email or declined to share it
	FirstName string
	LastName  string
}

type facebookGrant struct {
	grant
	user FacebookUser
}

// StartFacebook runs the stand-in on 127.0.0.1 until the test ends.
func StartFacebook(tb testing.TB) *Facebook {
	tb.Helper()
	f := &Facebook{
		ClientID:     "1234567890123456",
		ClientSecret: randomHex(16),
		grants:       map[string]*facebookGrant{},
		tokens:       map[string]FacebookUser{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dialog/oauth", f.dialog)
	mux.HandleFunc("/oauth/access_token", f.accessToken)
	mux.HandleFunc("GET /me", f.me)
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	f.AuthURL, f.TokenURL, f.GraphURL = srv.URL+"/dialog/oauth", srv.URL+"/oauth/access_token", srv.URL
	return f
}

// QueueUser makes u the user of the next login dialog; with none queued,
// a default user with an email signs in.
func (f *Facebook) QueueUser(u FacebookUser) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users = append(f.users, u)
}

// graphError answers with the Graph API's error object.
func graphError(w http.ResponseWriter, typ string, code, subcode int, msg string) {
	e := map[string]any{"message": msg, "type": typ, "code": code, "fbtrace_id": random(8)}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": e})
}

func (f *Facebook) dialog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("client_id") != f.ClientID:
		graphError(w, "OAuthException", 101, 0, "Error validating application. Invalid application ID.")
		return
	case !validRedirect(q.Get("redirect_uri")):
		graphError(w, "OAuthException", 191, 0, "The redirect_uri URL must be absolute.")
		return
	case q.Get("response_type") != "" && q.Get("response_type") != "code":
		graphError(w, "OAuthException", 100, 0, "Invalid response_type.")
		return
	case !validChallenge(q):
		graphError(w, "OAuthException", 100, 0, "code_challenge with code_challenge_method=S256 is required.")
		return
	}
	f.mu.Lock()
	user := FacebookUser{ID: "10150000000000001", Email: "jane.doe@example.com", FirstName: "Jane", LastName: "Doe"}
	if len(f.users) > 0 {
		user, f.users = f.users[0], f.users[1:]
	}
	code := "AQ" + random(48)
	f.grants[code] = &facebookGrant{
		grant: grant{clientID: f.ClientID, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
			scopes: strings.FieldsFunc(q.Get("scope"), func(r rune) bool { return r == ' ' || r == ',' }), issued: time.Now()},
		user: user,
	}
	f.mu.Unlock()

	to, _ := url.Parse(q.Get("redirect_uri"))
	params := to.Query()
	params.Set("code", code)
	if s := q.Get("state"); s != "" {
		params.Set("state", s)
	}
	to.RawQuery = params.Encode()
	to.Fragment = "_=_" // Facebook appends it to every redirect
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to.String(), http.StatusFound)
}

func (f *Facebook) accessToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		graphError(w, "OAuthException", 100, 0, "Unsupported method.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		graphError(w, "OAuthException", 100, 0, "Malformed request.")
		return
	}
	p := r.Form
	switch {
	case p.Get("client_id") != f.ClientID:
		graphError(w, "OAuthException", 101, 0, "Error validating application. Invalid application ID.")
		return
	case p.Get("client_secret") != f.ClientSecret:
		graphError(w, "OAuthException", 1, 0, "Error validating client secret.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.grants[p.Get("code")]
	switch {
	case g == nil:
		graphError(w, "OAuthException", 100, 0, "Invalid verification code format.")
		return
	case g.used:
		graphError(w, "OAuthException", 100, 36009, "This authorization code has been used.")
		return
	}
	g.used = true
	switch {
	case time.Since(g.issued) > facebookCodeTTL:
		graphError(w, "OAuthException", 100, 36007, "This authorization code has expired.")
	case p.Get("redirect_uri") != g.redirectURI:
		graphError(w, "OAuthException", 100, 36008, "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request")
	case !pkceOK(g.challenge, p.Get("code_verifier")):
		graphError(w, "OAuthException", 100, 0, "Invalid code verifier.")
	default:
		token := "EAA" + random(48)
		f.tokens[token] = g.user
		writeJSON(w, http.StatusOK, map[string]any{"access_token": token, "token_type": "bearer", "expires_in": 5183944})
	}
}

func (f *Facebook) me(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("access_token")
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, t, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth") {
			token = t
		}
	}
	f.mu.Lock()
	user, ok := f.tokens[token]
	f.mu.Unlock()
	if !ok {
		graphError(w, "OAuthException", 190, 0, "Invalid OAuth access token - Cannot parse access token")
		return
	}
	mac := hmac.New(sha256.New, []byte(f.ClientSecret))
	mac.Write([]byte(token))
	switch proof := q.Get("appsecret_proof"); {
	case proof == "":
		graphError(w, "GraphMethodException", 100, 0, "API calls from the server require an appsecret_proof argument")
		return
	case !hmac.Equal([]byte(proof), []byte(hex.EncodeToString(mac.Sum(nil)))):
		graphError(w, "GraphMethodException", 100, 0, "Invalid appsecret_proof provided in the API argument")
		return
	}
	fields := q.Get("fields")
	if fields == "" {
		fields = "id,name"
	}
	out := map[string]string{}
	for _, field := range strings.Split(fields, ",") {
		switch field = strings.TrimSpace(field); field {
		case "id":
			out["id"] = user.ID
		case "name":
			out["name"] = strings.TrimSpace(user.FirstName + " " + user.LastName)
		case "first_name":
			out["first_name"] = user.FirstName
		case "last_name":
			out["last_name"] = user.LastName
		case "email":
			if user.Email != "" {
				out["email"] = user.Email
			}
		default:
			graphError(w, "OAuthException", 100, 0, "(#100) Tried accessing nonexisting field ("+field+") on node type (User)")
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
