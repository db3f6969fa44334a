// Package oauth signs users in with Google, Apple and Facebook: it builds
// the URL that sends the browser to the provider (state, PKCE S256 and, for
// the OpenID Connect providers, a nonce) and trades the callback's code for
// an identity the provider vouches for, after checking every signature and
// claim that proves the answer is genuine and meant for us.
//
// Errors never carry tokens, codes, secrets or the provider's own error
// text: a refused sign-in is an unauthorized *core.Error whose internal
// detail is only the provider's error code and HTTP status, or the check
// that failed.
package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"sentry/backend/core"
	"sentry/backend/outbound"
)

// Identity is what a provider vouches for after a successful callback. It
// is core's type, so these providers plug straight into the auth feature.
type Identity = core.ExternalIdentity

// Provider is one sign-in provider; Google, Apple and Facebook implement it.
type Provider = core.OAuthProvider

// Response modes: how the provider returns the browser to the redirect URI.
const (
	ResponseModeQuery    = "query"     // GET with the code in the query
	ResponseModeFormPost = "form_post" // POST of an HTML form (Apple)
)

// Limits on what we read from providers.
const (
	maxResponseBody = 1 << 20 // any provider response
	maxUserJSON     = 8 << 10 // Apple's `user` form field
	maxNameLen      = 100     // runes kept of a first or last name
	// defaultTimeout bounds each provider request when the configuration
	// gives no HTTP client of its own.
	defaultTimeout = 15 * time.Second
)

// NewVerifier returns a fresh PKCE code verifier (32 random bytes,
// base64url), one per sign-in.
func NewVerifier() string { return oauth2.GenerateVerifier() }

// RandomToken returns 32 random bytes, base64url without padding: for
// state and nonce values.
func RandomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails; it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// httpClient returns the client every request of a provider goes through:
// the configured one (or one with defaultTimeout) whose response bodies
// are cut off at maxResponseBody, because neither the token library nor
// the OpenID Connect library bounds every body it reads.
func httpClient(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = defaultTimeout
	}
	base := out.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = limitTransport{base: base}
	return &out
}

// withClient puts the provider's client where the OAuth 2.0 and OpenID
// Connect libraries look for it.
func withClient(ctx context.Context, c *http.Client) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c)
}

type limitTransport struct{ base http.RoundTripper }

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxResponseBody}
	return resp, nil
}

var errBodyTooLarge = fmt.Errorf("response body larger than %d bytes", maxResponseBody)

// limitedBody fails, rather than truncates, a body over the limit, so a
// cut-off JSON document is never mistaken for a whole one.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// refusal is a sign-in that the provider refused or whose answer did not
// verify. It unwraps to an unauthorized *core.Error (what users see) and
// to the internal detail (what gets logged).
type refusal struct {
	safe   *core.Error
	detail error
}

func (r *refusal) Error() string   { return r.detail.Error() }
func (r *refusal) Unwrap() []error { return []error{r.safe, r.detail} }

func refuse(title string, detail error) error {
	return &refusal{
		safe:   core.Errorf(core.EUNAUTHORIZED, "%s did not confirm the sign-in; try again.", title),
		detail: detail,
	}
}

func refusef(title, format string, args ...any) error {
	return refuse(title, fmt.Errorf(format, args...))
}

// tokenError turns a failed token request into a refusal that names only
// the provider's error code and status (its description may echo the code
// we sent), or, for a transport failure, an internal error.
func tokenError(title string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return refuse(title, errors.New(providerError(status, re.Body)))
	}
	return outbound.StripURL(err)
}

// providerError describes an error response by its status and error code
// only: RFC 6749's {"error":"invalid_grant"} or the Graph API's
// {"error":{"type":"OAuthException","code":100,"error_subcode":36009}}.
func providerError(status int, body []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	desc := "no error code"
	if json.Unmarshal(body, &e) == nil && len(e.Error) > 0 {
		var code string
		var graph struct {
			Type    string `json:"type"`
			Code    int    `json:"code"`
			Subcode int    `json:"error_subcode"`
		}
		if json.Unmarshal(e.Error, &code) == nil {
			desc = fmt.Sprintf("error %q", outbound.SafeWord(code))
		} else if json.Unmarshal(e.Error, &graph) == nil {
			desc = fmt.Sprintf("error %q code %d", outbound.SafeWord(graph.Type), graph.Code)
			if graph.Subcode != 0 {
				desc += fmt.Sprintf(" subcode %d", graph.Subcode)
			}
		}
	}
	return fmt.Sprintf("provider answered HTTP %d, %s", status, desc)
}

// claimBool reads a boolean claim sent as JSON true/false or, as Apple
// does, as the string "true"/"false". Anything else, or no claim, is false:
// an email counts as verified only when the provider says so outright.
type claimBool bool

func (b *claimBool) UnmarshalJSON(data []byte) error {
	s := string(data)
	*b = claimBool(s == "true" || s == `"true"`)
	return nil
}

// cleanName trims a name and keeps at most maxNameLen runes of it.
func cleanName(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > maxNameLen {
		s = strings.TrimSpace(string(r[:maxNameLen]))
	}
	return s
}

// requireExchangeArgs checks what every Exchange needs before any request.
func requireExchangeArgs(name, title, code, codeVerifier string) error {
	if code == "" {
		return fmt.Errorf("oauth: %s: exchange: %w", name, refusef(title, "no authorization code in the callback"))
	}
	if codeVerifier == "" {
		return fmt.Errorf("oauth: %s: exchange: code verifier is required", name)
	}
	return nil
}

// required names the settings left empty: pairs of name and value.
func required(provider string, pairs ...string) error {
	var missing []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			missing = append(missing, pairs[i])
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("oauth: %s: config: %s is required", provider, missing[0])
	}
	return fmt.Errorf("oauth: %s: config: %s are required", provider, strings.Join(missing, ", "))
}
