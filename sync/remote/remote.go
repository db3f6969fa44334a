// Package remote signs the desktop app in to a team server the way native
// apps should (RFC 8252): the system browser, a one-off loopback redirect
// on 127.0.0.1 and PKCE. Only the refresh token is kept, in the OS
// keyring; the access token lives in memory and is renewed on demand.
package remote

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client talks to one team server as one signed-in user.
type Client struct {
	Server  string // base URL, e.g. https://sentry.example.com
	Secrets Secrets
	HTTP    *http.Client

	mu      sync.Mutex
	access  string
	expires time.Time
	UserID  string
}

// New returns a client for server.
func New(server string, secrets Secrets) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(server, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" {
		return nil, fmt.Errorf("remote: %q is not a server address like https://sentry.example.com", server)
	}
	if u.Scheme == "http" {
		if ip := net.ParseIP(u.Hostname()); !(u.Hostname() == "localhost" || (ip != nil && (ip.IsLoopback() || ip.IsPrivate()))) {
			return nil, fmt.Errorf("remote: %s must use https (plain http only for this machine or a private network)", server)
		}
	}
	return &Client{Server: u.String(), Secrets: secrets, HTTP: &http.Client{Timeout: 30 * time.Second}}, nil
}

// Opener opens a URL in the system browser.
type Opener func(url string) error

// ConnectOptions choose how the user signs in in the browser.
type ConnectOptions struct {
	// Provider signs in with google, apple or facebook; "" shows the
	// server's own sign-in page.
	Provider string
	Timeout  time.Duration
}

// Connect runs the browser sign-in and stores the refresh token.
func (c *Client) Connect(ctx context.Context, open Opener, opt ConnectOptions) error {
	if opt.Timeout == 0 {
		opt.Timeout = 5 * time.Minute
	}
	verifier, challenge := pkce()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("remote: open the loopback listener: %w", err)
	}
	defer ln.Close()
	returnTo := "http://" + ln.Addr().String() + "/callback"
	codes := make(chan string, 1)
	refused := make(chan string, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		code := r.URL.Query().Get("code")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if code == "" {
			reason := r.URL.Query().Get("error")
			fmt.Fprintf(w, "<p>Sign-in did not finish: %s. You can close this tab.</p>", html.EscapeString(reason))
			select {
			case refused <- reason:
			default:
			}
			return
		}
		fmt.Fprint(w, "<p>Sentry AI is connected. You can close this tab and return to the app.</p>")
		select {
		case codes <- code:
		default:
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()

	var start string
	if opt.Provider != "" {
		start = c.Server + "/api/auth/" + url.PathEscape(opt.Provider) + "?" + url.Values{"return_to": {returnTo}, "code_challenge": {challenge}}.Encode()
	} else {
		start = c.Server + "/#connect-desktop?" + url.Values{"return_to": {returnTo}, "code_challenge": {challenge}}.Encode()
	}
	if err := open(start); err != nil {
		return fmt.Errorf("remote: open the browser: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	select {
	case <-ctx.Done():
		return errors.New("remote: the sign-in in the browser did not finish in time; try again")
	case reason := <-refused:
		if reason == "access_denied" {
			return errors.New("remote: the connection was cancelled in the browser")
		}
		return errors.New("remote: the server did not approve the connection; try again")
	case code := <-codes:
		return c.exchange(ctx, code, verifier)
	}
}

type session struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	User         struct {
		ID string `json:"id"`
	} `json:"user"`
}

func (c *Client) exchange(ctx context.Context, code, verifier string) error {
	var s session
	if err := c.post(ctx, "/api/auth/oauth/exchange", map[string]string{"code": code, "code_verifier": verifier}, &s); err != nil {
		return err
	}
	return c.keep(&s)
}

// keep stores the refresh token in the keyring and the access token here.
func (c *Client) keep(s *session) error {
	if err := c.Secrets.Set(c.Server, s.RefreshToken); err != nil {
		return err
	}
	c.mu.Lock()
	c.access, c.expires, c.UserID = s.AccessToken, time.Now().Add(time.Duration(s.ExpiresIn)*time.Second-30*time.Second), s.User.ID
	c.mu.Unlock()
	return nil
}

// AccessToken returns a valid access token, refreshing (and rotating the
// stored refresh token) when needed.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.access != "" && time.Now().Before(c.expires) {
		defer c.mu.Unlock()
		return c.access, nil
	}
	c.mu.Unlock()
	refresh, err := c.Secrets.Get(c.Server)
	if errors.Is(err, ErrNoSecret) {
		return "", errors.New("remote: not connected to this server; connect from Settings")
	} else if err != nil {
		return "", err
	}
	var s session
	if err := c.post(ctx, "/api/auth/refresh-token", map[string]string{"refresh_token": refresh}, &s); err != nil {
		var he *HTTPError
		if errors.As(err, &he) && he.Status == http.StatusUnauthorized {
			_ = c.Secrets.Delete(c.Server)
			return "", errors.New("remote: the server ended this sign-in; connect again")
		}
		return "", err
	}
	if err := c.keep(&s); err != nil {
		return "", err
	}
	return s.AccessToken, nil
}

// Disconnect signs out on the server and forgets the stored token.
func (c *Client) Disconnect(ctx context.Context) error {
	if refresh, err := c.Secrets.Get(c.Server); err == nil {
		_ = c.post(ctx, "/api/auth/logout", map[string]string{"refresh_token": refresh}, nil)
	}
	c.mu.Lock()
	c.access = ""
	c.mu.Unlock()
	return c.Secrets.Delete(c.Server)
}

// HTTPError is a non-2xx answer with the server's message.
type HTTPError struct {
	Status  int
	Code    string
	Message string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("remote: %d %s: %s", e.Status, e.Code, e.Message)
}

func (c *Client) post(ctx context.Context, path string, in, out any) error {
	b, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Server+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("remote: %s: %w", c.Server, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		return &HTTPError{Status: res.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("remote: %s: bad answer: %w", path, err)
		}
	}
	return nil
}

func pkce() (verifier, challenge string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("remote: crypto/rand: " + err.Error())
	}
	verifier = base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}
