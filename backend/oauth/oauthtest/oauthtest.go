// Package oauthtest runs local stand-ins for the sign-in providers, for
// tests: a real OpenID Connect provider in Google's place, and servers that
// speak Apple's and Facebook's documented protocols. Each approves every
// authorization at once (as the user queued for it), issues single-use
// codes bound to their redirect URI and PKCE S256 challenge, and answers
// mistakes with that provider's error JSON.
//
// Authorize plays the browser: it opens an authorization URL and returns
// the callback the provider would send the browser to, without sending it.
package oauthtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"sentry/backend/jobtest"
)

// Callback is how a provider sends the browser back to the app.
type Callback struct {
	// Method is GET (query) or POST (form_post, as Apple does).
	Method string
	// URL is where the browser goes: for GET, the redirect URI without its
	// query (which is in Params); for POST, the form's action as it is.
	URL string
	// Params are the query or form fields: code and state, Apple's user on
	// a first sign-in, or error.
	Params url.Values
}

// Request builds the browser's request to the redirect URI.
func (c *Callback) Request(ctx context.Context) (*http.Request, error) {
	if c.Method == http.MethodPost {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, strings.NewReader(c.Params.Encode()))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r, nil
	}
	return http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"?"+c.Params.Encode(), nil)
}

var (
	formRe  = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	inputRe = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// Authorize opens authURL as a browser would and returns where the
// provider sends the browser next: a redirect's Location, or the target
// and fields of an auto-submitting form_post page. It fails when the
// provider answers with anything else (an error page), quoting it.
func Authorize(ctx context.Context, authURL string) (*Callback, error) {
	client := &http.Client{
		Timeout:       jobtest.Patience, // a stand-in on a busy race-enabled run may be slow, not stuck
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther:
		loc, err := resp.Location()
		if err != nil {
			return nil, err
		}
		params := loc.Query()
		loc.RawQuery, loc.Fragment = "", ""
		return &Callback{Method: http.MethodGet, URL: loc.String(), Params: params}, nil
	case resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html"):
		m := formRe.FindSubmatch(body)
		if m == nil {
			return nil, errors.New("oauthtest: authorize: page has no form_post form")
		}
		params := url.Values{}
		for _, in := range inputRe.FindAllSubmatch(body, -1) {
			params.Add(html.UnescapeString(string(in[1])), html.UnescapeString(string(in[2])))
		}
		return &Callback{Method: http.MethodPost, URL: html.UnescapeString(string(m[1])), Params: params}, nil
	}
	return nil, fmt.Errorf("oauthtest: authorize: %s: %s", resp.Status, body)
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pkceOK reports whether verifier answers an S256 challenge (RFC 7636).
func pkceOK(challenge, verifier string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// validChallenge reports whether an authorization request carries an S256
// challenge: these stand-ins refuse one without, because our client must
// always send it.
func validChallenge(form url.Values) bool {
	return form.Get("code_challenge_method") == "S256" && len(form.Get("code_challenge")) == 43
}

// validRedirect accepts an absolute http(s) URL without a fragment.
func validRedirect(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Fragment == ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// grant is an issued authorization code.
type grant struct {
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	scopes      []string
	issued      time.Time
	used        bool
}

func hasScope(scopes []string, s string) bool {
	for _, x := range scopes {
		if x == s {
			return true
		}
	}
	return false
}
