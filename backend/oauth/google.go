package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"sentry/backend/outbound"
)

// DefaultGoogleIssuer is Google's OpenID Connect issuer.
const DefaultGoogleIssuer = "https://accounts.google.com"

// GoogleConfig configures sign-in with Google.
type GoogleConfig struct {
	ClientID     string
	ClientSecret string
	// IssuerURL is where discovery starts; DefaultGoogleIssuer when empty.
	IssuerURL string
	// HTTPClient makes every request to Google; a client with a 15-second
	// timeout when nil.
	HTTPClient *http.Client
	// Now is the clock id_token expiry is checked against; time.Now when nil.
	Now func() time.Time
}

// Google signs users in with Google (OpenID Connect, code flow with PKCE).
type Google struct {
	flow oidcFlow
}

var _ Provider = (*Google)(nil)

// NewGoogle reads Google's discovery document, so it makes one request.
func NewGoogle(ctx context.Context, cfg GoogleConfig) (*Google, error) {
	if err := required("google", "ClientID", cfg.ClientID, "ClientSecret", cfg.ClientSecret); err != nil {
		return nil, err
	}
	issuer := cfg.IssuerURL
	if issuer == "" {
		issuer = DefaultGoogleIssuer
	}
	client := httpClient(cfg.HTTPClient)
	clientCtx := withClient(context.WithoutCancel(ctx), client)
	p, err := oidc.NewProvider(withClient(ctx, client), issuer)
	if err != nil {
		return nil, fmt.Errorf("oauth: google: discovery: %w", outbound.StripURL(err))
	}
	ep := p.Endpoint()
	if ep.AuthURL == "" || ep.TokenURL == "" {
		return nil, errors.New("oauth: google: discovery: no authorization or token endpoint")
	}
	// Google takes the client secret in the body or in a Basic header;
	// naming one style stops the token library from retrying a spent code the
	// other way.
	ep.AuthStyle = oauth2.AuthStyleInParams
	return &Google{flow: oidcFlow{
		name:  "google",
		title: "Google",
		config: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     ep,
			Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
		},
		// The key set keeps clientCtx for its background key fetches.
		verifier: p.VerifierContext(clientCtx, &oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now}),
		client:   client,
	}}, nil
}

// Name is "google".
func (g *Google) Name() string { return g.flow.name }

// ResponseMode is "query": Google returns with a GET.
func (g *Google) ResponseMode() string { return ResponseModeQuery }

// AuthURL is Google's authorization endpoint with client_id, the exact
// redirect_uri, response_type=code, scope "openid email profile", state,
// the S256 challenge of codeVerifier and nonce.
func (g *Google) AuthURL(state, codeVerifier, nonce, redirectURI string) string {
	return g.flow.authURL(state, codeVerifier, nonce, redirectURI)
}

// Exchange redeems code and returns the identity in the verified id_token.
// Names come from the given_name and family_name claims; userJSON is
// ignored. A refused or unverifiable sign-in is unauthorized; a transport
// failure is internal.
func (g *Google) Exchange(ctx context.Context, code, codeVerifier, nonce, redirectURI, userJSON string) (*Identity, error) {
	idt, err := g.flow.exchange(ctx, g.flow.config, code, codeVerifier, nonce, redirectURI)
	if err != nil {
		return nil, err
	}
	c, err := g.flow.claims(idt)
	if err != nil {
		return nil, err
	}
	return &Identity{
		Provider:      g.flow.name,
		Subject:       idt.Subject,
		Email:         strings.TrimSpace(c.Email),
		EmailVerified: bool(c.EmailVerified),
		FirstName:     cleanName(c.GivenName),
		LastName:      cleanName(c.FamilyName),
	}, nil
}
