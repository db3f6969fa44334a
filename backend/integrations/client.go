package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"sentry/backend/core"
	"sentry/backend/outbound"
)

// maxResponse bounds what we read of one provider response.
const maxResponse = 16 << 20

var errMissingID = errors.New("the provider returned no id for a created object")

func (s *Service) clientCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.client)
}

// aad binds a sealed token to its user, provider and kind, so a value
// copied to another row does not open there.
func aad(userID, provider, kind string) []byte {
	return []byte("sentry integration token|" + userID + "|" + provider + "|" + kind)
}

// seal puts tok into in, sealed.
func (s *Service) seal(in *core.Integration, tok *oauth2.Token) error {
	var err error
	if in.AccessTokenEnc, err = s.box.Seal([]byte(tok.AccessToken), aad(in.UserID, in.Provider, "access")); err != nil {
		return err
	}
	in.RefreshTokenEnc = nil
	if tok.RefreshToken != "" {
		if in.RefreshTokenEnc, err = s.box.Seal([]byte(tok.RefreshToken), aad(in.UserID, in.Provider, "refresh")); err != nil {
			return err
		}
	}
	in.TokenExpiresAt = nil
	if !tok.Expiry.IsZero() {
		e := tok.Expiry.UTC()
		in.TokenExpiresAt = &e
	}
	return nil
}

// open returns the integration's token in clear.
func (s *Service) open(in *core.Integration) (*oauth2.Token, error) {
	access, err := s.box.Open(in.AccessTokenEnc, aad(in.UserID, in.Provider, "access"))
	if err != nil {
		return nil, err
	}
	tok := &oauth2.Token{AccessToken: string(access), TokenType: "Bearer"}
	if len(in.RefreshTokenEnc) > 0 {
		refresh, err := s.box.Open(in.RefreshTokenEnc, aad(in.UserID, in.Provider, "refresh"))
		if err != nil {
			return nil, err
		}
		tok.RefreshToken = string(refresh)
	}
	if in.TokenExpiresAt != nil {
		tok.Expiry = *in.TokenExpiresAt
	}
	return tok, nil
}

// session makes a provider's API calls for one integration, refreshing
// the token when it expires and storing the refreshed one sealed.
type session struct {
	s    *Service
	p    *provider
	in   *core.Integration
	ctx  context.Context // carries the HTTP client for token refreshes
	src  oauth2.TokenSource
	last *oauth2.Token
}

func (s *Service) newSession(ctx context.Context, p *provider, in *core.Integration) (*session, error) {
	tok, err := s.open(in)
	if err != nil {
		s.logger.Error("integration tokens unreadable", slog.String("provider", p.name), slog.String("user_id", in.UserID), slog.Any("error", err))
		return nil, core.Errorf(core.ERECONNECT, "The stored %s access can no longer be read (this server's key changed). Reconnect %s in Settings → Integrations.", p.title, p.title)
	}
	cctx := s.clientCtx(context.WithoutCancel(ctx))
	return &session{s: s, p: p, in: in, ctx: cctx, src: p.oauth.TokenSource(cctx, tok), last: tok}, nil
}

// token returns a valid access token; force refreshes it even if it looks
// valid (the API refused it).
func (x *session) token(force bool) (*oauth2.Token, error) {
	if force {
		if x.last.RefreshToken == "" {
			return nil, core.Errorf(core.ERECONNECT, "%s", reconnectMessage(x.p))
		}
		x.src = x.p.oauth.TokenSource(x.ctx, &oauth2.Token{RefreshToken: x.last.RefreshToken})
	}
	tok, err := x.src.Token()
	if err != nil {
		return nil, x.s.tokenError(x.p, err)
	}
	if tok.AccessToken != x.last.AccessToken || tok.RefreshToken != x.last.RefreshToken {
		in := &core.Integration{UserID: x.in.UserID, Provider: x.in.Provider}
		if err := x.s.seal(in, tok); err != nil {
			return nil, err
		}
		if err := x.s.store.UpdateIntegrationTokens(x.ctx, x.in.ID, in.AccessTokenEnc, in.RefreshTokenEnc, in.TokenExpiresAt); err != nil {
			return nil, err
		}
		x.last = tok
	}
	return tok, nil
}

// tokenError turns a failed token request into what the user can act on:
// a revoked or expired grant (invalid_grant) needs a reconnect; a refused
// client is the administrator's to fix; anything else is the provider's.
func (s *Service) tokenError(p *provider, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		code := re.ErrorCode
		if code == "" {
			var e struct {
				Error string `json:"error"`
			}
			_ = json.Unmarshal(re.Body, &e)
			code = e.Error
		}
		detail := fmt.Errorf("token endpoint answered HTTP %d, error %q", status, outbound.SafeWord(code))
		switch code {
		case "invalid_grant":
			return &providerError{safe: core.Errorf(core.ERECONNECT, "%s", reconnectMessage(p)), detail: detail}
		case "invalid_client", "unauthorized_client":
			return &providerError{safe: core.Errorf(core.EBADGATEWAY, "%s refused this server's client credentials; an administrator must check the %s client id and secret.", p.title, p.title), detail: detail}
		}
		return &providerError{safe: core.Errorf(core.EBADGATEWAY, "%s did not renew the access (HTTP %d); try again later.", p.title, status), detail: detail}
	}
	if strings.Contains(err.Error(), "refresh token is not set") {
		return core.Errorf(core.ERECONNECT, "%s", reconnectMessage(p))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &providerError{safe: core.Errorf(core.EBADGATEWAY, "%s could not be reached; try again later.", p.title), detail: outbound.StripURL(err)}
}

// providerError is a provider failure: what users see, and the detail
// that is logged (status and error code only, never tokens or bodies).
type providerError struct {
	safe   *core.Error
	detail error
	status int
}

func (e *providerError) Error() string   { return e.detail.Error() }
func (e *providerError) Unwrap() []error { return []error{e.safe, e.detail} }

// httpStatus returns the provider's HTTP status behind err (0 if none).
func httpStatus(err error) int {
	var pe *providerError
	if errors.As(err, &pe) {
		return pe.status
	}
	return 0
}

// do calls the provider's API: JSON in and out, one forced token refresh
// when the API refuses the token. 2xx decodes into out (when not nil);
// other statuses are providerErrors whose status callers may inspect.
func (x *session) do(ctx context.Context, method, rawURL string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("integrations: encode request: %w", err)
		}
	}
	for attempt := 0; ; attempt++ {
		tok, err := x.token(attempt > 0)
		if err != nil {
			return err
		}
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
		if err != nil {
			return fmt.Errorf("integrations: request: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Accept", "application/json")
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := x.s.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &providerError{safe: core.Errorf(core.EBADGATEWAY, "%s could not be reached; try again later.", x.p.title), detail: outbound.StripURL(err)}
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
		resp.Body.Close()
		if rerr != nil {
			return &providerError{safe: core.Errorf(core.EBADGATEWAY, "%s's answer was cut off; try again later.", x.p.title), detail: rerr}
		}
		st := resp.StatusCode
		switch {
		case st == http.StatusUnauthorized && attempt == 0:
			continue // the token may have been revoked early or expired: refresh once
		case st == http.StatusUnauthorized:
			return &providerError{status: st, safe: core.Errorf(core.ERECONNECT, "%s", reconnectMessage(x.p)), detail: fmt.Errorf("API answered 401 after a token refresh")}
		case st == http.StatusTooManyRequests || (st == http.StatusForbidden && rateLimited(data)):
			e := core.Errorf(core.ERATELIMITED, "%s asks us to slow down; try again in a few minutes.", x.p.title)
			e.RetryAfter = time.Minute
			if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n > 0 {
				e.RetryAfter = time.Duration(n) * time.Second
			}
			return &providerError{status: st, safe: e, detail: fmt.Errorf("API answered %d (rate limited)", st)}
		case st == http.StatusForbidden:
			return &providerError{status: st, safe: core.Errorf(core.ERECONNECT, "%s no longer allows Sentry to read or change what it syncs. Reconnect %s in Settings → Integrations and allow access.", x.p.title, x.p.title),
				detail: fmt.Errorf("API answered 403")}
		case st < 200 || st > 299:
			return &providerError{status: st, safe: core.Errorf(core.EBADGATEWAY, "%s answered with an error (HTTP %d); try again later.", x.p.title, st),
				detail: fmt.Errorf("API %s %s answered %d", method, pathOnly(rawURL), st)}
		}
		if len(data) > maxResponse {
			return &providerError{safe: core.Errorf(core.EBADGATEWAY, "%s sent more than we can read.", x.p.title), detail: errors.New("response too large")}
		}
		if out != nil && len(bytes.TrimSpace(data)) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return &providerError{safe: core.Errorf(core.EBADGATEWAY, "%s sent an answer we could not read.", x.p.title), detail: fmt.Errorf("decode %s: %w", pathOnly(rawURL), err)}
			}
		}
		return nil
	}
}

func pathOnly(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return "?"
}

// rateLimited tells Google's quota 403s from permission 403s.
func rateLimited(body []byte) bool {
	var e struct {
		Error struct {
			Errors []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return false
	}
	for _, r := range e.Error.Errors {
		if r.Reason == "rateLimitExceeded" || r.Reason == "userRateLimitExceeded" || r.Reason == "quotaExceeded" {
			return true
		}
	}
	return false
}

// api builds a URL under the provider's API base.
func (x *session) api(path string, q url.Values) string {
	u := x.p.cfg.APIURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}
