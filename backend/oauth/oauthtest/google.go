package oauthtest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// googleCodeTTL is how long a stand-in Google code may be redeemed.
const googleCodeTTL = 10 * time.Minute

// Google is a running OpenID Connect provider in Google's place: the mock
// OIDC library (discovery, authorize, token, JWKS, RS256 id_tokens) behind
// checks that make it as strict as Google on the code flow.
//
// Beyond that library, it refuses an authorization request without an S256
// code challenge or a nonce (stricter than Google, which accepts "plain"
// and no nonce, because our client must always send both), and at the
// token endpoint answers like Google: a wrong client secret is 401
// invalid_client; an unknown, reused or expired code, or a wrong or
// missing code_verifier, is 400 invalid_grant; a redirect_uri other than
// the authorization request's is 400 redirect_uri_mismatch. A code is
// spent by the client's first attempt to redeem it, successful or not.
//
// It does not check redirect URIs against a registered list, and it signs
// with the library's fixed RSA key.
type Google struct {
	ClientID     string
	ClientSecret string
	// Issuer is the issuer URL to configure the client with (discovery is
	// at Issuer + "/.well-known/openid-configuration").
	Issuer string

	m *mockoidc.MockOIDC
	// mu serialises every request: the library's session map is unguarded.
	mu     sync.Mutex
	grants map[string]*grant
}

// GoogleUser is who signs in at the next authorization request.
type GoogleUser struct {
	Subject       string
	Email         string
	EmailVerified bool
	GivenName     string
	FamilyName    string
	// EditClaims, when set, changes the id_token's claims just before it is
	// signed: to test a wrong audience, issuer or expiry.
	EditClaims func(claims map[string]any)
}

// StartGoogle runs the stand-in on 127.0.0.1 until the test ends.
func StartGoogle(tb testing.TB) *Google {
	tb.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		tb.Fatalf("oauthtest: google: %v", err)
	}
	// The library computes the key id lazily and without a lock; do it now.
	if _, err := m.Keypair.KeyID(); err != nil {
		tb.Fatalf("oauthtest: google: %v", err)
	}
	g := &Google{m: m, grants: map[string]*grant{}}
	_ = m.AddMiddleware(g.serialise)
	_ = m.AddMiddleware(g.check)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("oauthtest: google: %v", err)
	}
	if err := m.Start(ln, nil); err != nil {
		tb.Fatalf("oauthtest: google: %v", err)
	}
	tb.Cleanup(func() { _ = m.Shutdown() })
	g.ClientID, g.ClientSecret, g.Issuer = m.ClientID, m.ClientSecret, m.Issuer()
	return g
}

// QueueUser makes u the user of the next authorization request; with none
// queued, the library's default user signs in.
func (g *Google) QueueUser(u GoogleUser) { g.m.QueueUser(googleUser{u}) }

func (g *Google) serialise(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func googleError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// check runs, under g.mu, before the library's own handlers.
func (g *Google) check(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case mockoidc.AuthorizationEndpoint:
			g.authorize(next, w, r)
		case mockoidc.TokenEndpoint:
			g.token(next, w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (g *Google) authorize(next http.Handler, w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		googleError(w, http.StatusBadRequest, "invalid_request", "Malformed request.")
		return
	}
	switch {
	case !validChallenge(r.Form):
		googleError(w, http.StatusBadRequest, "invalid_request", "code_challenge with code_challenge_method=S256 is required.")
		return
	case r.Form.Get("nonce") == "":
		googleError(w, http.StatusBadRequest, "invalid_request", "nonce is required.")
		return
	case !validRedirect(r.Form.Get("redirect_uri")):
		googleError(w, http.StatusBadRequest, "invalid_request", "Invalid parameter value for redirect_uri.")
		return
	}
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	if rec.Code == http.StatusFound {
		if loc, err := url.Parse(rec.Header().Get("Location")); err == nil {
			if code := loc.Query().Get("code"); code != "" {
				g.grants[code] = &grant{
					clientID:    r.Form.Get("client_id"),
					redirectURI: r.Form.Get("redirect_uri"),
					challenge:   r.Form.Get("code_challenge"),
					nonce:       r.Form.Get("nonce"),
					issued:      time.Now(),
				}
			}
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (g *Google) token(next http.Handler, w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		googleError(w, http.StatusBadRequest, "invalid_request", "Malformed request.")
		return
	}
	// The library reads client credentials from the body only; Google also
	// takes them in a Basic header (form-encoded, RFC 6749 §2.3.1).
	if id, secret, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		r.Form.Set("client_id", id)
		r.Form.Set("client_secret", secret)
	}
	if r.Form.Get("grant_type") != "authorization_code" {
		next.ServeHTTP(w, r)
		return
	}
	if r.Form.Get("client_id") != g.ClientID || r.Form.Get("client_secret") != g.ClientSecret {
		googleError(w, http.StatusUnauthorized, "invalid_client", "Unauthorized")
		return
	}
	gr := g.grants[r.Form.Get("code")]
	switch {
	case gr == nil:
		googleError(w, http.StatusBadRequest, "invalid_grant", "Malformed auth code.")
		return
	case gr.used || time.Since(gr.issued) > googleCodeTTL || gr.clientID != g.ClientID:
		gr.used = true
		googleError(w, http.StatusBadRequest, "invalid_grant", "Bad Request")
		return
	}
	gr.used = true
	switch v := r.Form.Get("code_verifier"); {
	case r.Form.Get("redirect_uri") != gr.redirectURI:
		googleError(w, http.StatusBadRequest, "redirect_uri_mismatch", "Bad Request")
	case v == "":
		googleError(w, http.StatusBadRequest, "invalid_grant", "Missing code verifier.")
	case !pkceOK(gr.challenge, v):
		googleError(w, http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
	default:
		next.ServeHTTP(w, r)
	}
}

// googleUser puts Google's claims (given_name, family_name, an explicit
// email_verified) into the library's id_tokens.
type googleUser struct{ GoogleUser }

func (u googleUser) ID() string { return u.Subject }

func (u googleUser) Userinfo(scopes []string) ([]byte, error) {
	return json.Marshal(u.claims(scopes, map[string]any{"sub": u.Subject}))
}

func (u googleUser) Claims(scopes []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	raw, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	c := jwt.MapClaims{}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	u.claims(scopes, c)
	if u.EditClaims != nil {
		u.EditClaims(c)
	}
	return c, nil
}

func (u googleUser) claims(scopes []string, c map[string]any) map[string]any {
	if hasScope(scopes, "email") && u.Email != "" {
		c["email"] = u.Email
		c["email_verified"] = u.EmailVerified
	}
	if hasScope(scopes, "profile") {
		if u.GivenName != "" {
			c["given_name"] = u.GivenName
		}
		if u.FamilyName != "" {
			c["family_name"] = u.FamilyName
		}
	}
	return c
}
