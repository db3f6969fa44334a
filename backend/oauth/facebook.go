package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
	"sentry/backend/outbound"
)

// Facebook's default endpoints (Graph API v19.0).
const (
	DefaultFacebookAuthURL  = "https://www.facebook.com/v19.0/dialog/oauth"
	DefaultFacebookTokenURL = "https://graph.facebook.com/v19.0/oauth/access_token"
	DefaultFacebookGraphURL = "https://graph.facebook.com/v19.0"
)

// FacebookConfig configures Facebook Login.
type FacebookConfig struct {
	ClientID     string // the app id
	ClientSecret string // the app secret
	// Endpoints; the Default… constants when empty.
	AuthURL  string
	TokenURL string
	GraphURL string
	// HTTPClient makes every request to Facebook; a client with a
	// 15-second timeout when nil.
	HTTPClient *http.Client
}

// Facebook signs users in with Facebook Login: the OAuth 2.0 code flow
// with PKCE, then the profile from the Graph API's /me. Facebook is not an
// OpenID Connect provider here, so there is no id_token and no nonce.
type Facebook struct {
	config   oauth2.Config
	secret   string
	graphURL string
	client   *http.Client
}

var _ Provider = (*Facebook)(nil)

// NewFacebook checks the configuration; it makes no request.
func NewFacebook(cfg FacebookConfig) (*Facebook, error) {
	if err := required("facebook", "ClientID", cfg.ClientID, "ClientSecret", cfg.ClientSecret); err != nil {
		return nil, err
	}
	or := func(v, def string) string {
		if v != "" {
			return v
		}
		return def
	}
	return &Facebook{
		config: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint: oauth2.Endpoint{
				AuthURL:   or(cfg.AuthURL, DefaultFacebookAuthURL),
				TokenURL:  or(cfg.TokenURL, DefaultFacebookTokenURL),
				AuthStyle: oauth2.AuthStyleInParams,
			},
			Scopes: []string{"email", "public_profile"},
		},
		secret:   cfg.ClientSecret,
		graphURL: strings.TrimSuffix(or(cfg.GraphURL, DefaultFacebookGraphURL), "/"),
		client:   httpClient(cfg.HTTPClient),
	}, nil
}

// Name is "facebook".
func (f *Facebook) Name() string { return "facebook" }

// ResponseMode is "query": Facebook returns with a GET.
func (f *Facebook) ResponseMode() string { return ResponseModeQuery }

// AuthURL is Facebook's login dialog with client_id, the exact
// redirect_uri, response_type=code, scope "email public_profile", state and
// the S256 challenge of codeVerifier. nonce is not sent: without an
// id_token there is nothing for it to bind, and state already ties the
// callback to its request.
func (f *Facebook) AuthURL(state, codeVerifier, nonce, redirectURI string) string {
	c := f.config
	c.RedirectURL = redirectURI
	return c.AuthCodeURL(state, oauth2.S256ChallengeOption(codeVerifier))
}

// Exchange redeems code (with the PKCE verifier) for an access token and
// reads id, first_name, last_name and email from the Graph API, with an
// appsecret_proof. nonce and userJSON are ignored.
//
// EmailVerified is always false. Facebook has no "email verified" field,
// so an email it returns proves nothing: the auth feature then never links
// a Facebook identity to an existing account by email, and a Facebook
// sign-in either finds its own link or creates a new account. A refused
// sign-in is unauthorized; a transport failure is internal.
func (f *Facebook) Exchange(ctx context.Context, code, codeVerifier, nonce, redirectURI, userJSON string) (*Identity, error) {
	if err := requireExchangeArgs("facebook", "Facebook", code, codeVerifier); err != nil {
		return nil, err
	}
	ctx = withClient(ctx, f.client)
	c := f.config
	c.RedirectURL = redirectURI
	tok, err := c.Exchange(ctx, code, oauth2.VerifierOption(codeVerifier))
	if err != nil {
		return nil, fmt.Errorf("oauth: facebook: token: %w", tokenError("Facebook", err))
	}
	me, err := f.me(ctx, tok.AccessToken)
	if err != nil {
		return nil, fmt.Errorf("oauth: facebook: graph: %w", err)
	}
	return &Identity{
		Provider:  "facebook",
		Subject:   me.ID,
		Email:     strings.TrimSpace(me.Email),
		FirstName: cleanName(me.FirstName),
		LastName:  cleanName(me.LastName),
	}, nil
}

type facebookMe struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

// me reads the user's profile. The access token goes in the Authorization
// header; appsecret_proof (HMAC-SHA256 of the token keyed with the app
// secret) shows the call comes from the app's server, so a token stolen
// from elsewhere is useless to whoever holds it without the secret.
func (f *Facebook) me(ctx context.Context, accessToken string) (*facebookMe, error) {
	mac := hmac.New(sha256.New, []byte(f.secret))
	mac.Write([]byte(accessToken))
	q := url.Values{
		"fields":          {"id,first_name,last_name,email"},
		"appsecret_proof": {hex.EncodeToString(mac.Sum(nil))},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.graphURL+"/me?"+q.Encode(), nil)
	if err != nil {
		return nil, errors.New("bad graph URL")
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, outbound.StripURL(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read /me: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, refuse("Facebook", errors.New(providerError(resp.StatusCode, body)))
	}
	var me facebookMe
	if err := json.Unmarshal(body, &me); err != nil {
		return nil, refusef("Facebook", "/me is not a JSON object")
	}
	if me.ID == "" {
		return nil, refusef("Facebook", "/me has no id")
	}
	return &me, nil
}
