package oauthtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"html/template"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Apple's limits, as documented.
const (
	appleCodeTTL      = 5 * time.Minute
	appleMaxSecretTTL = 15777000 * time.Second // six months
	appleIDTokenTTL   = 10 * time.Minute
)

// AppleClient is what the developer registers with Apple: a Services ID
// and the team's Sign in with Apple key. Empty ids get defaults.
type AppleClient struct {
	ClientID string // Services ID
	TeamID   string
	KeyID    string
	// PublicKey verifies the client secrets (see NewAppleKey); required.
	PublicKey *ecdsa.PublicKey
}

// Apple is a running stand-in for Sign in with Apple at Issuer:
// /auth/authorize, /auth/token and /auth/keys.
//
// /auth/authorize checks client_id, response_type=code, the scopes (name,
// email), response_mode=form_post whenever scopes are asked for, an
// absolute redirect_uri and an S256 code challenge (required here, because
// our client must always send one); it records state, nonce, challenge and
// redirect_uri, and answers with an auto-submitting HTML form that POSTs
// code, state and, on the user's first sign-in, user to the redirect_uri.
//
// /auth/token checks grant_type, client_id, the client secret (an ES256
// JWT verified with the registered public key: kid, iss = team id, sub =
// client id, aud = Issuer, iat, exp at most six months on), and that the
// code exists, is unused and at most five minutes old, was issued to this
// client for this redirect_uri, and is answered by code_verifier. It
// returns an RS256 id_token (iss, aud, sub, iat, exp, auth_time, at_hash,
// nonce, email, email_verified and is_private_email as strings) signed
// with the key served at /auth/keys. Every refusal is 400 {"error":…}.
//
// It does not check redirect URIs against a registered list (Apple also
// insists on https), does not issue refresh grants, and signs with one RSA
// key per test process.
type Apple struct {
	Issuer   string
	ClientID string
	TeamID   string
	KeyID    string

	pub    *ecdsa.PublicKey
	mu     sync.Mutex
	users  []AppleUser
	grants map[string]*appleGrant
}

// AppleUser is who signs in at the next authorization request.
type AppleUser struct {
	Subject       string
	Email         string
	EmailVerified bool
	FirstName     string
	LastName      string
	// FirstSignIn adds the user form field (name, email) to the callback,
	// as Apple does only the first time a user signs in to an app.
	FirstSignIn bool
	// EditClaims, when set, changes the id_token's claims just before it is
	// signed: to test a wrong audience, issuer or expiry.
	EditClaims func(claims map[string]any)
}

type appleGrant struct {
	grant
	user AppleUser
}

// NewAppleKey makes a Sign in with Apple key: the PKCS#8 PEM the client
// signs with, and the public key to register with StartApple.
func NewAppleKey(tb testing.TB) (privateKeyPEM string, publicKey *ecdsa.PublicKey) {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), &k.PublicKey
}

// StartApple runs the stand-in on 127.0.0.1 until the test ends.
func StartApple(tb testing.TB, c AppleClient) *Apple {
	tb.Helper()
	if c.PublicKey == nil {
		tb.Fatal("oauthtest: apple: AppleClient.PublicKey is required (see NewAppleKey)")
	}
	a := &Apple{ClientID: c.ClientID, TeamID: c.TeamID, KeyID: c.KeyID, pub: c.PublicKey, grants: map[string]*appleGrant{}}
	if a.ClientID == "" {
		a.ClientID = "com.example.sentry.signin"
	}
	if a.TeamID == "" {
		a.TeamID = "TEAM123456"
	}
	if a.KeyID == "" {
		a.KeyID = "KEY1234567"
	}
	if _, err := appleSigner(); err != nil {
		tb.Fatalf("oauthtest: apple: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth/authorize", a.authorize)
	mux.HandleFunc("POST /auth/token", a.token)
	mux.HandleFunc("GET /auth/keys", a.keys)
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	a.Issuer = srv.URL
	return a
}

// QueueUser makes u the user of the next authorization request; with none
// queued, a default user (verified email, returning) signs in.
func (a *Apple) QueueUser(u AppleUser) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.users = append(a.users, u)
}

var appleKey struct {
	once sync.Once
	key  *rsa.PrivateKey
	kid  string
	err  error
}

// appleSigner is the id_token key, made once per process (RSA key
// generation is slow).
func appleSigner() (*rsa.PrivateKey, error) {
	appleKey.once.Do(func() {
		appleKey.key, appleKey.err = rsa.GenerateKey(rand.Reader, 2048)
		if appleKey.err == nil {
			sum := sha256.Sum256(appleKey.key.PublicKey.N.Bytes())
			appleKey.kid = base64.RawURLEncoding.EncodeToString(sum[:8])
		}
	})
	return appleKey.key, appleKey.err
}

func appleError(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code})
}

var formPostPage = template.Must(template.New("form_post").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in with Apple</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<noscript><button type="submit">Continue</button></noscript>
</form>
</body></html>
`))

type formField struct{ Name, Value string }

func (a *Apple) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	scopes := strings.Fields(q.Get("scope"))
	for _, s := range scopes {
		if s != "name" && s != "email" {
			appleError(w, "invalid_scope")
			return
		}
	}
	switch {
	case q.Get("client_id") != a.ClientID:
		appleError(w, "invalid_client")
		return
	case q.Get("response_type") != "code":
		appleError(w, "unsupported_response_type")
		return
	case !validRedirect(q.Get("redirect_uri")):
		appleError(w, "invalid_request")
		return
	case len(scopes) > 0 && q.Get("response_mode") != "form_post":
		appleError(w, "invalid_request") // Apple requires form_post when scopes are requested
		return
	case !validChallenge(q):
		appleError(w, "invalid_request")
		return
	}
	a.mu.Lock()
	user := AppleUser{Subject: "000123.4f5e6d7c8b9a.0123", Email: "jane.doe@example.com", EmailVerified: true, FirstName: "Jane", LastName: "Doe"}
	if len(a.users) > 0 {
		user, a.users = a.users[0], a.users[1:]
	}
	code := "c" + random(24) + ".0.sent"
	a.grants[code] = &appleGrant{
		grant: grant{clientID: a.ClientID, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
			nonce: q.Get("nonce"), scopes: scopes, issued: time.Now()},
		user: user,
	}
	a.mu.Unlock()

	fields := []formField{{"code", code}}
	if s := q.Get("state"); s != "" {
		fields = append(fields, formField{"state", s})
	}
	if user.FirstSignIn && len(scopes) > 0 {
		var u struct {
			Name *struct {
				FirstName string `json:"firstName"`
				LastName  string `json:"lastName"`
			} `json:"name,omitempty"`
			Email string `json:"email,omitempty"`
		}
		if hasScope(scopes, "name") {
			u.Name = &struct {
				FirstName string `json:"firstName"`
				LastName  string `json:"lastName"`
			}{user.FirstName, user.LastName}
		}
		if hasScope(scopes, "email") {
			u.Email = user.Email
		}
		raw, _ := json.Marshal(u)
		fields = append(fields, formField{"user", string(raw)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = formPostPage.Execute(w, struct {
		Action string
		Fields []formField
	}{q.Get("redirect_uri"), fields})
}

func (a *Apple) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		appleError(w, "invalid_request")
		return
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "authorization_code":
		appleError(w, "unsupported_grant_type")
		return
	case f.Get("client_id") != a.ClientID:
		appleError(w, "invalid_client")
		return
	case a.checkClientSecret(f.Get("client_secret")) != nil:
		appleError(w, "invalid_client")
		return
	}
	a.mu.Lock()
	g := a.grants[f.Get("code")]
	ok := g != nil && !g.used
	if g != nil {
		g.used = true
	}
	a.mu.Unlock()
	if !ok || time.Since(g.issued) > appleCodeTTL || g.clientID != f.Get("client_id") ||
		g.redirectURI != f.Get("redirect_uri") || !pkceOK(g.challenge, f.Get("code_verifier")) {
		appleError(w, "invalid_grant")
		return
	}
	access := "a" + random(32)
	idToken, err := a.idToken(g, access)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    3600,
		"refresh_token": "r" + random(32),
		"id_token":      idToken,
	})
}

// checkClientSecret verifies the client secret JWT as Apple documents it.
func (a *Apple) checkClientSecret(s string) error {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(s, &claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != a.KeyID {
			return nil, errors.New("unknown kid")
		}
		return a.pub, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(a.TeamID), jwt.WithSubject(a.ClientID),
		jwt.WithAudience(a.Issuer), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return err
	}
	if claims.IssuedAt == nil || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > appleMaxSecretTTL {
		return errors.New("iat missing or exp more than six months after it")
	}
	return nil
}

func (a *Apple) idToken(g *appleGrant, accessToken string) (string, error) {
	key, err := appleSigner()
	if err != nil {
		return "", err
	}
	now := time.Now()
	sum := sha256.Sum256([]byte(accessToken))
	c := jwt.MapClaims{
		"iss":             a.Issuer,
		"aud":             g.clientID,
		"sub":             g.user.Subject,
		"iat":             now.Unix(),
		"exp":             now.Add(appleIDTokenTTL).Unix(),
		"auth_time":       now.Unix(),
		"at_hash":         base64.RawURLEncoding.EncodeToString(sum[:16]),
		"nonce_supported": true,
	}
	if g.nonce != "" {
		c["nonce"] = g.nonce
	}
	if hasScope(g.scopes, "email") && g.user.Email != "" {
		c["email"] = g.user.Email
		c["email_verified"] = strconv.FormatBool(g.user.EmailVerified)
		c["is_private_email"] = "false"
	}
	if g.user.EditClaims != nil {
		g.user.EditClaims(c)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = appleKey.kid
	return t.SignedString(key)
}

func (a *Apple) keys(w http.ResponseWriter, _ *http.Request) {
	key, _ := appleSigner()
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA",
		"kid": appleKey.kid,
		"use": "sig",
		"alg": "RS256",
		"n":   b64(key.PublicKey.N.Bytes()),
		"e":   b64(big.NewInt(int64(key.PublicKey.E)).Bytes()),
	}}})
}
