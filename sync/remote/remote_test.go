package remote_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/jobtest"
	"sentry/sync/remote"
)

type memSecrets struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memSecrets) Get(k string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	if !ok {
		return "", remote.ErrNoSecret
	}
	return v, nil
}
func (s *memSecrets) Set(k, v string) error { s.mu.Lock(); s.m[k] = v; s.mu.Unlock(); return nil }
func (s *memSecrets) Delete(k string) error { s.mu.Lock(); delete(s.m, k); s.mu.Unlock(); return nil }

// teamServer is a real backend with one password account.
func teamServer(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	post(t, srv.URL+"/api/users/", "", map[string]any{"email": "team@example.com", "password": "team password 1", "first_name": "T", "last_name": "M"})
	s := post(t, srv.URL+"/api/auth/login", "", map[string]any{"email": "team@example.com", "password": "team password 1"})
	return srv, s["access_token"].(string)
}

func post(t *testing.T, u, token string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", u, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	if res.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %v", u, res.StatusCode, m)
	}
	return m
}

// browser plays the user's part: signed in to the web UI, it hands the
// session to the app that opened it.
func browser(t *testing.T, webToken string) remote.Opener {
	return func(start string) error {
		u, err := url.Parse(start)
		if err != nil {
			return err
		}
		q, _ := url.ParseQuery(strings.TrimPrefix(u.Fragment, "connect-desktop?"))
		if !strings.HasPrefix(q.Get("return_to"), "http://127.0.0.1:") || len(q.Get("code_challenge")) != 43 {
			t.Errorf("start URL %s", start)
		}
		server := u.Scheme + "://" + u.Host
		go func() {
			m := post(t, server+"/api/auth/desktop/code", webToken, map[string]any{"return_to": q.Get("return_to"), "code_challenge": q.Get("code_challenge")})
			res, err := http.Get(m["redirect"].(string)) // the browser follows to the loopback
			if err == nil {
				res.Body.Close()
			}
		}()
		return nil
	}
}

func TestConnectStoresOnlyTheRefreshToken(t *testing.T) {
	srv, web := teamServer(t)
	secrets := &memSecrets{m: map[string]string{}}
	c, err := remote.New(srv.URL, secrets)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background(), browser(t, web), remote.ConnectOptions{Timeout: jobtest.Patience}); err != nil {
		t.Fatal(err)
	}
	stored, err := secrets.Get(c.Server)
	if err != nil || stored == "" || strings.Count(stored, ".") == 2 {
		t.Fatalf("stored %q (%v): want an opaque refresh token, not a JWT", stored, err)
	}
	tok, err := c.AccessToken(context.Background())
	if err != nil || tok == "" {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/auth/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("me with the app's token: %v %v", res.StatusCode, err)
	}
	res.Body.Close()

	// A restart: the token in memory is gone, the keyring's refresh token
	// gets a new one and is rotated.
	c2, _ := remote.New(srv.URL, secrets)
	if _, err := c2.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rotated, _ := secrets.Get(c.Server); rotated == stored {
		t.Fatal("refresh token not rotated")
	}
	if err := c2.Disconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.Get(c.Server); err != remote.ErrNoSecret {
		t.Fatal("disconnect left the token")
	}
}

func TestConnectCodeNeedsTheAppsVerifier(t *testing.T) {
	srv, web := teamServer(t)
	// An attacker who sees the redirect (but not the app's verifier) can't
	// redeem the code.
	m := post(t, srv.URL+"/api/auth/desktop/code", web, map[string]any{"return_to": "http://127.0.0.1:5000/callback", "code_challenge": strings.Repeat("A", 43)})
	to, _ := url.Parse(m["redirect"].(string))
	b, _ := json.Marshal(map[string]any{"code": to.Query().Get("code"), "code_verifier": "guess"})
	res, err := http.Post(srv.URL+"/api/auth/oauth/exchange", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("redeemed without the verifier: %d", res.StatusCode)
	}
}

func TestNewRefusesPlainHTTPToTheInternet(t *testing.T) {
	for _, s := range []string{"http://sentry.example.com", "ftp://x", "https://x/path", "not a url"} {
		if _, err := remote.New(s, &memSecrets{}); err == nil {
			t.Errorf("accepted %q", s)
		}
	}
	if _, err := remote.New("https://sentry.example.com/", &memSecrets{}); err != nil {
		t.Fatal(err)
	}
}

// TestOSKeyringWithSecretService runs against the real Secret Service;
// `make test` starts gnome-keyring in a private D-Bus session for it.
func TestOSKeyringWithSecretService(t *testing.T) {
	if os.Getenv("SENTRY_KEYRING_TEST") == "" {
		t.Skip("skipped: set SENTRY_KEYRING_TEST=1 inside a D-Bus session with an unlocked keyring (make test does)")
	}
	k := remote.OSKeyring{}
	server := "https://keyring-test.example/" + time.Now().Format("150405.000")
	if err := k.Set(server, "refresh-token-1"); err != nil {
		t.Fatal(err)
	}
	got, err := k.Get(server)
	if err != nil || got != "refresh-token-1" {
		t.Fatalf("get: %q %v", got, err)
	}
	if err := k.Delete(server); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(server); err != remote.ErrNoSecret {
		t.Fatalf("after delete: %v", err)
	}
}

func TestOSKeyringWithoutSecretServiceSaysWhatToInstall(t *testing.T) {
	if os.Getenv("SENTRY_KEYRING_TEST") != "" {
		t.Skip("a keyring is running")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	_, err := remote.OSKeyring{}.Get("https://x")
	if err == nil || !strings.Contains(err.Error(), "gnome-keyring") {
		t.Fatalf("got %v", err)
	}
}

func TestCancelInTheBrowserEndsTheWait(t *testing.T) {
	srv, _ := teamServer(t)
	c, _ := remote.New(srv.URL, &memSecrets{m: map[string]string{}})
	cancelIt := func(start string) error {
		u, _ := url.Parse(start)
		q, _ := url.ParseQuery(strings.TrimPrefix(u.Fragment, "connect-desktop?"))
		go func() {
			res, err := http.Get(q.Get("return_to") + "?error=access_denied")
			if err == nil {
				res.Body.Close()
			}
		}()
		return nil
	}
	// Had the cancel not ended the wait, Connect would give up at the
	// timeout with another error.
	err := c.Connect(context.Background(), cancelIt, remote.ConnectOptions{Timeout: jobtest.Patience})
	if err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("got %v", err)
	}
}
