package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"sentry/backend/core"
)

// oauthProviders are the sign-in providers with routes; each answers 404
// until configured.
var oauthProviders = []string{"google", "apple", "facebook"}

func (s *Server) oauthRoutes() []Route {
	var out []Route
	for _, p := range oauthProviders {
		p := p
		title := strings.ToUpper(p[:1]) + p[1:]
		out = append(out, Route{Method: "GET", Path: "/api/auth/" + p, Public: true, Tag: "accounts", Status: 302,
			Summary: "Sign in with " + title + ": redirects to " + title + " (state, PKCE S256, nonce)",
			Query: []Param{{"return_to", "string", "where to land afterwards: a path on this site, or a native app's http://127.0.0.1:<port>/… (RFC 8252)"},
				{"code_challenge", "string", "a native app's own PKCE S256 challenge, answered when it redeems the login code"}},
			handler: func(w http.ResponseWriter, r *http.Request) error { return s.handleOAuthStart(w, r, p) }})
		method := "GET"
		if p == "apple" {
			method = "POST" // Apple answers with response_mode=form_post
		}
		out = append(out, Route{Method: method, Path: "/api/auth/" + p + "/callback", Public: true, Tag: "accounts", Status: 303,
			Summary: title + " returns here; redirects to return_to with a single-use login code (#oauth_code=… or ?code=… for loopback)",
			handler: func(w http.ResponseWriter, r *http.Request) error { return s.handleOAuthCallback(w, r, p) }})
	}
	return append(out,
		Route{Method: "GET", Path: "/api/auth/providers", Public: true, Tag: "accounts", Summary: "The sign-in providers set up on this server, and whether it delivers mail", Response: "ProviderList", Status: 200, handler: s.handleProviders},
		Route{Method: "POST", Path: "/api/auth/desktop/code", Tag: "accounts", Summary: "Hand your session to the desktop app on this machine (RFC 8252 loopback + PKCE): returns the redirect carrying a single-use code", Body: "DesktopCodeRequest", Response: "Redirect", Status: 200, handler: s.handleDesktopCode},
		Route{Method: "POST", Path: "/api/auth/oauth/exchange", Public: true, Tag: "accounts", Summary: "Redeem a single-use login code (from a provider sign-in) for a session", Body: "LoginCodeRequest", Response: "Session", Status: 200, handler: s.handleOAuthExchange},
	)
}

func (s *Server) handleProviders(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, providerList{Providers: s.Auth.OAuthProviders(), Mail: s.Auth.MailDelivered()})
	return nil
}

func (s *Server) handleOAuthStart(w http.ResponseWriter, r *http.Request, provider string) error {
	q := r.URL.Query()
	to, err := s.Auth.StartOAuth(r.Context(), provider, q.Get("return_to"), q.Get("code_challenge"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

func (s *Server) handleOAuthCallback(w http.ResponseWriter, r *http.Request, provider string) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return oauthFail(w, r, core.Errorf(core.EINVALID, "The sign-in answer could not be read; start again."))
	}
	if e := r.Form.Get("error"); e != "" {
		msg := "The sign-in was cancelled."
		if e != "access_denied" && e != "user_cancelled_authorize" {
			msg = "The provider refused the sign-in; try again."
		}
		return oauthFail(w, r, core.Errorf(core.EUNAUTHORIZED, "%s", msg))
	}
	keys := throttleKeys(r)
	if err := s.AuthFailures.Check(keys...); err != nil {
		return oauthFail(w, r, err)
	}
	res, err := s.Auth.FinishOAuth(r.Context(), provider, r.Form.Get("state"), r.Form.Get("code"), r.Form.Get("user"))
	if err != nil {
		if c := core.ErrorCode(err); c == core.EUNAUTHORIZED || c == core.ENOTFOUND || c == core.EINVALID {
			s.failed(keys)
		}
		return oauthFail(w, r, err)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	to := res.ReturnTo
	if strings.HasPrefix(to, "/") {
		// A fragment never reaches server logs or Referer headers.
		to += "#oauth_code=" + url.QueryEscape(res.LoginCode)
	} else {
		// A native app's loopback listener only sees the query.
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "code=" + url.QueryEscape(res.LoginCode)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// oauthFail sends the browser back to the app with a message it can show.
// An internal error is returned, to be logged and answered as JSON.
func oauthFail(w http.ResponseWriter, r *http.Request, err error) error {
	if core.ErrorCode(err) == core.EINTERNAL {
		return err
	}
	http.Redirect(w, r, "/#oauth_error="+url.QueryEscape(core.ErrorMessage(err)), http.StatusSeeOther)
	return nil
}

// Bodies of the sign-in code exchange.
type (
	loginCodeRequest struct {
		Code         string `json:"code"`
		CodeVerifier string `json:"code_verifier"`
	}
	desktopCodeRequest struct {
		ReturnTo      string `json:"return_to"`
		CodeChallenge string `json:"code_challenge"`
	}
)

func (s *Server) handleOAuthExchange(w http.ResponseWriter, r *http.Request) error {
	var in loginCodeRequest
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	keys := throttleKeys(r)
	if err := s.AuthFailures.Check(keys...); err != nil {
		return err
	}
	sess, err := s.Auth.ExchangeLoginCode(r.Context(), in.Code, in.CodeVerifier, r.UserAgent())
	if err != nil {
		if core.ErrorCode(err) == core.EUNAUTHORIZED {
			s.failed(keys)
		}
		return err
	}
	writeJSON(w, http.StatusOK, sess)
	return nil
}

func (s *Server) handleDesktopCode(w http.ResponseWriter, r *http.Request) error {
	var in desktopCodeRequest
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	to, err := s.Auth.IssueDesktopCode(r.Context(), in.ReturnTo, in.CodeChallenge)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, redirect{Redirect: to})
	return nil
}

// providerList is the sign-in choices a server offers.
type providerList struct {
	Providers []string `json:"providers"`
	// Mail says whether the server delivers mail (codes are sent).
	Mail bool `json:"mail"`
}

// redirect is where the browser goes next.
type redirect struct {
	Redirect string `json:"redirect"`
}
