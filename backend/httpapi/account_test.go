package httpapi_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/mail/mailtest"
	"sentry/backend/ratelimit"
)

// newMailBackend is a backend that mails through a real local SMTP server.
func newMailBackend(t *testing.T, mut func(*config.Config)) (*testBackend, *mailtest.Server) {
	t.Helper()
	smtp := mailtest.Start(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SMTPAddr = smtp.Addr
	cfg.SMTPFrom = "Sentry AI <noreply@sentry.test>"
	if mut != nil {
		mut(&cfg)
	}
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4,
		SMTPTLS: &tls.Config{RootCAs: smtp.RootCAs, ServerName: "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &testBackend{t: t, app: a, srv: srv}, smtp
}

var codeRe = regexp.MustCompile(`code (\d{6})`)

// lastCode waits for a mail to addr whose subject mentions purpose and
// returns its code.
func lastCode(t *testing.T, b *testBackend, smtp *mailtest.Server, addr, purpose string) string {
	t.Helper()
	b.app.Auth.WaitMail()
	msgs := smtp.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.To[0] == addr && strings.Contains(m.Data, purpose) {
			if c := codeRe.FindStringSubmatch(m.Data); c != nil {
				return c[1]
			}
		}
	}
	t.Fatalf("no %q mail to %s among %d", purpose, addr, len(msgs))
	return ""
}

func TestVerifyForgotResetFlow(t *testing.T) {
	b, smtp := newMailBackend(t, nil)
	acc := b.signUp("flow@example.com")
	code := lastCode(t, b, smtp, "flow@example.com", "confirm")

	// Wrong code, unknown email: the same answer.
	res, wrong := b.do("POST", "/api/auth/verify-email", "", map[string]any{"email": "flow@example.com", "code": "000000"})
	res2, unknown := b.do("POST", "/api/auth/verify-email", "", map[string]any{"email": "ghost@example.com", "code": code})
	if res.StatusCode != 400 || res2.StatusCode != 400 || string(wrong) != string(unknown) {
		t.Fatalf("wrong code %d %s / unknown email %d %s", res.StatusCode, wrong, res2.StatusCode, unknown)
	}
	res, body := b.do("POST", "/api/auth/verify-email", "", map[string]any{"email": "flow@example.com", "code": code})
	if res.StatusCode != 200 {
		t.Fatalf("verify: %d %s", res.StatusCode, body)
	}
	_, me := b.do("GET", "/api/auth/me", acc.Access, nil)
	if !strings.Contains(string(me), `"email_verified":true`) {
		t.Fatalf("not verified: %s", me)
	}
	// Single use.
	if res, _ := b.do("POST", "/api/auth/verify-email", "", map[string]any{"email": "flow@example.com", "code": code}); res.StatusCode != 400 {
		t.Fatalf("code reused: %d", res.StatusCode)
	}

	// Forgot: the same answer for known and unknown accounts; only the known one gets mail.
	before := len(smtp.Messages())
	res, known := b.do("POST", "/api/auth/forgot-password", "", map[string]any{"email": "flow@example.com"})
	res2, ghost := b.do("POST", "/api/auth/forgot-password", "", map[string]any{"email": "nobody@example.com"})
	if res.StatusCode != 202 || res2.StatusCode != 202 || string(known) != string(ghost) {
		t.Fatalf("forgot: %d %s / %d %s", res.StatusCode, known, res2.StatusCode, ghost)
	}
	reset := lastCode(t, b, smtp, "flow@example.com", "reset")
	if n := len(smtp.Messages()) - before; n != 1 {
		t.Fatalf("%d mails sent, want 1", n)
	}
	res, body = b.do("POST", "/api/auth/reset-password", "", map[string]any{"email": "flow@example.com", "code": reset, "new_password": "short"})
	if res.StatusCode != 400 || !strings.Contains(string(body), "new_password") {
		t.Fatalf("weak new password: %d %s", res.StatusCode, body)
	}
	res, body = b.do("POST", "/api/auth/reset-password", "", map[string]any{"email": "flow@example.com", "code": reset, "new_password": "a brand new secret"})
	if res.StatusCode != 200 {
		t.Fatalf("reset: %d %s", res.StatusCode, body)
	}
	// Every old token is void.
	if res, _ := b.do("GET", "/api/tasks/"+acc.ID, acc.Access, nil); res.StatusCode != 401 {
		t.Fatalf("old access token after reset: %d", res.StatusCode)
	}
	if res, _ := b.do("POST", "/api/auth/refresh-token", "", map[string]any{"refresh_token": acc.Refresh}); res.StatusCode != 401 {
		t.Fatalf("old refresh token after reset: %d", res.StatusCode)
	}
	if res, _ := b.do("POST", "/api/auth/login", "", map[string]any{"email": "flow@example.com", "password": "correct horse battery"}); res.StatusCode != 401 {
		t.Fatalf("old password still works: %d", res.StatusCode)
	}
	if res, _ := b.do("POST", "/api/auth/login", "", map[string]any{"email": "flow@example.com", "password": "a brand new secret"}); res.StatusCode != 200 {
		t.Fatalf("new password refused: %d", res.StatusCode)
	}
	// Mails carry codes, logs and audit entries never do.
	_, audit := b.do("GET", "/api/users/"+acc.ID+"/audit", b.login("flow@example.com", "a brand new secret").Access, nil)
	if strings.Contains(string(audit), reset) || strings.Contains(string(audit), "brand new") || !strings.Contains(string(audit), "password.reset") {
		t.Fatalf("audit: %s", audit)
	}
}

func (b *testBackend) login(email, password string) account {
	b.t.Helper()
	res, body := b.do("POST", "/api/auth/login", "", map[string]any{"email": email, "password": password})
	if res.StatusCode != 200 {
		b.t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	var s struct {
		A    string `json:"access_token"`
		R    string `json:"refresh_token"`
		User struct{ ID string }
	}
	_ = json.Unmarshal(body, &s)
	return account{ID: s.User.ID, Email: email, Access: s.A, Refresh: s.R}
}

func TestCodeBurnsAfterTooManyAttempts(t *testing.T) {
	b, smtp := newMailBackend(t, nil)
	b.signUp("burn@example.com")
	code := lastCode(t, b, smtp, "burn@example.com", "confirm")
	for i := 0; i < 5; i++ {
		wrong := fmt.Sprintf("%06d", (i+1)*111111%1000000)
		if wrong == code {
			continue
		}
		b.do("POST", "/api/auth/verify-email", "", map[string]any{"email": "burn@example.com", "code": wrong})
	}
	res, body := b.do("POST", "/api/auth/verify-email", "", map[string]any{"email": "burn@example.com", "code": code})
	if res.StatusCode == 200 {
		t.Fatalf("code still worked after 5 wrong guesses: %s", body)
	}
}

func TestLoginThrottledPerAccount(t *testing.T) {
	b := newBackend(t, false)
	b.signUp("slow@example.com")
	for i := 0; i < 5; i++ {
		if res, _ := b.do("POST", "/api/auth/login", "", map[string]any{"email": "slow@example.com", "password": "wrong guess"}); res.StatusCode != 401 {
			t.Fatalf("attempt %d: %d", i, res.StatusCode)
		}
	}
	res, body := b.do("POST", "/api/auth/login", "", map[string]any{"email": "slow@example.com", "password": "correct horse battery"})
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: %d %s (Retry-After %q)", res.StatusCode, body, res.Header.Get("Retry-After"))
	}
	if code, _ := errorOf(t, body); code != "rate_limited" {
		t.Fatalf("code %s", code)
	}
}

func TestPerUserAPIRateLimit(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.RateLimit, cfg.RateBurst = 1, 3
	a, err := app.New(context.Background(), app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	b := &testBackend{t: t, app: a, srv: srv}
	acc := b.signUp("busy@example.com")
	other := b.signUp("calm@example.com")
	limited := 0
	for i := 0; i < 6; i++ {
		if res, _ := b.do("GET", "/api/tasks/"+acc.ID, acc.Access, nil); res.StatusCode == 429 {
			limited++
		}
	}
	if limited < 2 {
		t.Fatalf("only %d of 6 rapid requests limited", limited)
	}
	if res, _ := b.do("GET", "/api/tasks/"+other.ID, other.Access, nil); res.StatusCode != 200 {
		t.Fatalf("another user was limited: %d", res.StatusCode)
	}
}

func TestSessionsListAndRevoke(t *testing.T) {
	b := newBackend(t, false)
	laptop := b.signUp("multi@example.com")
	phone := b.login("multi@example.com", "correct horse battery")
	stranger := b.signUp("stranger@example.com")

	res, body := b.do("GET", "/api/auth/sessions", laptop.Access, nil)
	var list struct {
		Sessions []struct {
			ID      string
			Current bool
		}
	}
	_ = json.Unmarshal(body, &list)
	if res.StatusCode != 200 || len(list.Sessions) != 2 {
		t.Fatalf("sessions: %d %s", res.StatusCode, body)
	}
	var phoneID string
	currents := 0
	for _, s := range list.Sessions {
		if s.Current {
			currents++
		} else {
			phoneID = s.ID
		}
	}
	if currents != 1 || phoneID == "" {
		t.Fatalf("current marking: %s", body)
	}
	if res, _ := b.do("DELETE", "/api/auth/sessions/"+phoneID, stranger.Access, nil); res.StatusCode != 404 {
		t.Fatalf("stranger revoked a session: %d", res.StatusCode)
	}
	if res, _ := b.do("DELETE", "/api/auth/sessions/"+phoneID, laptop.Access, nil); res.StatusCode != 204 {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res, _ := b.do("POST", "/api/auth/refresh-token", "", map[string]any{"refresh_token": phone.Refresh}); res.StatusCode != 401 {
		t.Fatalf("revoked device refreshed: %d", res.StatusCode)
	}
	if res, _ := b.do("POST", "/api/auth/refresh-token", "", map[string]any{"refresh_token": laptop.Refresh}); res.StatusCode != 200 {
		t.Fatalf("other device signed out too: %d", res.StatusCode)
	}
}

func TestChangePasswordVoidsOldTokens(t *testing.T) {
	b := newBackend(t, false)
	acc := b.signUp("change@example.com")
	res, _ := b.do("POST", "/api/users/"+acc.ID+"/password", acc.Access, map[string]any{"current_password": "nope nope nope", "new_password": "fresh password 1"})
	if res.StatusCode != 400 {
		t.Fatalf("wrong current: %d", res.StatusCode)
	}
	res, body := b.do("POST", "/api/users/"+acc.ID+"/password", acc.Access, map[string]any{"current_password": "correct horse battery", "new_password": "fresh password 1"})
	if res.StatusCode != 200 {
		t.Fatalf("change: %d %s", res.StatusCode, body)
	}
	var s struct {
		A string `json:"access_token"`
	}
	_ = json.Unmarshal(body, &s)
	if res, _ := b.do("GET", "/api/auth/me", acc.Access, nil); res.StatusCode != 401 {
		t.Fatalf("old access token: %d", res.StatusCode)
	}
	if res, _ := b.do("GET", "/api/auth/me", s.A, nil); res.StatusCode != 200 {
		t.Fatalf("new access token: %d", res.StatusCode)
	}
}

func TestUpdateAndDeleteUser(t *testing.T) {
	b := newBackend(t, false)
	acc := b.signUp("gone@example.com")
	keep := b.signUp("stays@example.com")
	b.createTask(acc, map[string]any{"title": "will vanish"})
	b.createTask(keep, map[string]any{"title": "will stay"})
	files := app.UserFilesDir(b.app.Config.DataDir, acc.ID)
	os.MkdirAll(files, 0o700)
	os.WriteFile(filepath.Join(files, "memo.wav"), []byte("RIFF"), 0o600)

	res, body := b.do("PUT", "/api/users/"+acc.ID, acc.Access, map[string]any{"first_name": "Grace", "email": "x@example.com"})
	if res.StatusCode != 400 {
		t.Fatalf("email change slipped through: %d %s", res.StatusCode, body)
	}
	res, body = b.do("PUT", "/api/users/"+acc.ID, acc.Access, map[string]any{"first_name": "Grace"})
	if res.StatusCode != 200 || !strings.Contains(string(body), `"first_name":"Grace"`) {
		t.Fatalf("update: %d %s", res.StatusCode, body)
	}
	if res, _ := b.do("DELETE", "/api/users/"+keep.ID, acc.Access, nil); res.StatusCode != 403 {
		t.Fatalf("deleted someone else: %d", res.StatusCode)
	}
	if res, _ := b.do("DELETE", "/api/users/"+acc.ID, acc.Access, nil); res.StatusCode != 204 {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if res, _ := b.do("GET", "/api/auth/me", acc.Access, nil); res.StatusCode != 401 {
		t.Fatalf("token of deleted user: %d", res.StatusCode)
	}
	if _, err := os.Stat(files); !os.IsNotExist(err) {
		t.Fatalf("files remain: %v", err)
	}
	for _, table := range []string{"tasks", "changes", "refresh_tokens", "audit_log", "users"} {
		var n int
		col := "user_id"
		if table == "users" {
			col = "id"
		}
		if err := b.app.DB.QueryRowForTest(`SELECT count(*) FROM `+table+` WHERE `+col+` = ?`, acc.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s still holds %d rows of the deleted user (%v)", table, n, err)
		}
	}
	_, body = b.do("GET", "/api/tasks/"+keep.ID, keep.Access, nil)
	if !strings.Contains(string(body), "will stay") {
		t.Fatal("another user's data went too")
	}
	if res, _ := b.do("POST", "/api/auth/login", "", map[string]any{"email": "gone@example.com", "password": "correct horse battery"}); res.StatusCode != 401 {
		t.Fatalf("login after delete: %d", res.StatusCode)
	}
}

func TestCORSAllowList(t *testing.T) {
	b, _ := newMailBackend(t, func(c *config.Config) { c.AllowedOrigins = []string{"https://app.example.com"} })
	pre := func(origin string) *http.Response {
		req, _ := http.NewRequest("OPTIONS", b.srv.URL+"/api/auth/login", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := pre("https://app.example.com"); res.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("allowed origin not granted: %v", res.Header)
	}
	if res := pre("https://evil.example.com"); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("unknown origin granted: %v", res.Header)
	}
}

var _ = ratelimit.NewFailures
var _ = time.Second
