package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
)

// DefaultAppleIssuer is Apple's issuer, and the audience of client secrets.
const DefaultAppleIssuer = "https://appleid.apple.com"

// appleSecretTTL is how long a client secret lives. Apple allows up to
// six months; a new one per exchange keeps a leaked one nearly worthless.
const appleSecretTTL = 5 * time.Minute

// AppleConfig configures Sign in with Apple.
type AppleConfig struct {
	ClientID string // the Services ID
	TeamID   string
	KeyID    string // id of the Sign in with Apple key
	// PrivateKeyPEM is that key: PKCS#8 PEM ("BEGIN PRIVATE KEY", an EC
	// P-256 key, as Apple's .p8 file). Literal \n sequences, as left by an
	// environment variable, are read as newlines.
	PrivateKeyPEM string
	// IssuerURL is DefaultAppleIssuer when empty. The endpoints default to
	// {IssuerURL}/auth/authorize, /auth/token and /auth/keys.
	IssuerURL string
	AuthURL   string
	TokenURL  string
	JWKSURL   string
	// HTTPClient makes every request to Apple; a client with a 15-second
	// timeout when nil.
	HTTPClient *http.Client
	// Now dates client secrets and checks id_token expiry; time.Now when nil.
	Now func() time.Time
}

// Apple signs users in with Apple: the code flow with PKCE and a POSTed
// callback, a client secret that is a JWT signed with the team's key, and
// an id_token verified against Apple's published keys.
type Apple struct {
	flow     oidcFlow
	issuer   string
	teamID   string
	keyID    string
	key      *ecdsa.PrivateKey
	now      func() time.Time
	clientID string
}

var _ Provider = (*Apple)(nil)

// NewApple checks the configuration and parses the key; it makes no
// request (Apple's keys are fetched on first use).
func NewApple(ctx context.Context, cfg AppleConfig) (*Apple, error) {
	if err := required("apple", "ClientID", cfg.ClientID, "TeamID", cfg.TeamID, "KeyID", cfg.KeyID, "PrivateKeyPEM", cfg.PrivateKeyPEM); err != nil {
		return nil, err
	}
	key, err := parseAppleKey(cfg.PrivateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("oauth: apple: config: PrivateKeyPEM: %w", err)
	}
	issuer := strings.TrimSuffix(cfg.IssuerURL, "/")
	if issuer == "" {
		issuer = DefaultAppleIssuer
	}
	orDefault := func(v, path string) string {
		if v != "" {
			return v
		}
		return issuer + path
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	client := httpClient(cfg.HTTPClient)
	pc := oidc.ProviderConfig{
		IssuerURL:  issuer,
		AuthURL:    orDefault(cfg.AuthURL, "/auth/authorize"),
		TokenURL:   orDefault(cfg.TokenURL, "/auth/token"),
		JWKSURL:    orDefault(cfg.JWKSURL, "/auth/keys"),
		Algorithms: []string{oidc.RS256},
	}
	// The provider and its key set keep only the client from this context.
	p := pc.NewProvider(withClient(context.WithoutCancel(ctx), client))
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInParams // Apple reads client_id and client_secret from the body only
	return &Apple{
		flow: oidcFlow{
			name:  "apple",
			title: "Apple",
			config: oauth2.Config{
				ClientID: cfg.ClientID,
				Endpoint: ep,
				Scopes:   []string{"name", "email"},
			},
			verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID, SupportedSigningAlgs: []string{oidc.RS256}, Now: now}),
			client:   client,
		},
		issuer:   issuer,
		teamID:   cfg.TeamID,
		keyID:    cfg.KeyID,
		key:      key,
		now:      now,
		clientID: cfg.ClientID,
	}, nil
}

func parseAppleKey(s string) (*ecdsa.PrivateKey, error) {
	if !strings.Contains(s, "\n") {
		s = strings.ReplaceAll(s, `\n`, "\n")
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("PEM block is %q, want PKCS#8 \"PRIVATE KEY\"", block.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("not a PKCS#8 private key") // the parser's error may quote key bytes
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not an EC P-256 key")
	}
	return ec, nil
}

// Name is "apple".
func (a *Apple) Name() string { return a.flow.name }

// ResponseMode is "form_post": Apple returns with a POST whenever names or
// email are asked for.
func (a *Apple) ResponseMode() string { return ResponseModeFormPost }

// AuthURL is Apple's authorization endpoint with client_id, the exact
// redirect_uri, response_type=code, response_mode=form_post, scope
// "name email", state, the S256 challenge of codeVerifier and nonce.
func (a *Apple) AuthURL(state, codeVerifier, nonce, redirectURI string) string {
	return a.flow.authURL(state, codeVerifier, nonce, redirectURI, oauth2.SetAuthURLParam("response_mode", ResponseModeFormPost))
}

// clientSecret is the ES256 JWT Apple takes as client_secret.
func (a *Apple) clientSecret() (string, error) {
	now := a.now()
	t := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": a.teamID,
		"iat": now.Unix(),
		"exp": now.Add(appleSecretTTL).Unix(),
		"aud": a.issuer,
		"sub": a.clientID,
	})
	t.Header["kid"] = a.keyID
	return t.SignedString(a.key)
}

// appleUser is the `user` form field Apple posts on a user's first sign-in
// to the app.
type appleUser struct {
	Name struct {
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
	} `json:"name"`
}

// Exchange redeems code with a fresh client secret and returns the
// identity in the verified id_token. Email and EmailVerified come only from
// the id_token: userJSON passes through the browser unsigned, so only the
// name is taken from it (Apple sends it on the first sign-in only). A
// refused or unverifiable sign-in, or a malformed userJSON, is
// unauthorized; a transport failure is internal.
func (a *Apple) Exchange(ctx context.Context, code, codeVerifier, nonce, redirectURI, userJSON string) (*Identity, error) {
	var user appleUser
	if userJSON != "" {
		if len(userJSON) > maxUserJSON {
			return nil, fmt.Errorf("oauth: apple: user field: %w", refusef(a.flow.title, "larger than %d bytes", maxUserJSON))
		}
		if err := json.Unmarshal([]byte(userJSON), &user); err != nil {
			return nil, fmt.Errorf("oauth: apple: user field: %w", refusef(a.flow.title, "not the expected JSON object"))
		}
	}
	secret, err := a.clientSecret()
	if err != nil {
		return nil, fmt.Errorf("oauth: apple: client secret: %w", err)
	}
	config := a.flow.config
	config.ClientSecret = secret
	idt, err := a.flow.exchange(ctx, config, code, codeVerifier, nonce, redirectURI)
	if err != nil {
		return nil, err
	}
	c, err := a.flow.claims(idt)
	if err != nil {
		return nil, err
	}
	return &Identity{
		Provider:      a.flow.name,
		Subject:       idt.Subject,
		Email:         strings.TrimSpace(c.Email),
		EmailVerified: bool(c.EmailVerified),
		FirstName:     cleanName(user.Name.FirstName),
		LastName:      cleanName(user.Name.LastName),
	}, nil
}
