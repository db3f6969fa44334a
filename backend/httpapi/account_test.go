package httpapi_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/auth"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/httpapi"
	"sentry/backend/mail/mailtest"
	"sentry/backend/sqlite"
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
	if code, _, _ := b.refresh(acc.Refresh); code != 401 {
		t.Fatalf("old refresh token after reset: %d", code)
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
	if code, _, _ := b.refresh(phone.Refresh); code != 401 {
		t.Fatalf("revoked device refreshed: %d", code)
	}
	if code, _, _ := b.refresh(laptop.Refresh); code != 200 {
		t.Fatalf("other device signed out too: %d", code)
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
		if err := b.queryRow(`SELECT count(*) FROM `+table+` WHERE `+col+` = ?`, acc.ID).Scan(&n); err != nil || n != 0 {
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

// device is one client of the API: its own cookie jar, and the address it
// appears to come from (set through X-Forwarded-For; the backend trusts
// the loopback proxy in these tests). An empty addr is the loopback itself.
type device struct {
	b    *testBackend
	addr string
	http *http.Client
}

func (b *testBackend) device(addr string) *device {
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return &device{b: b, addr: addr, http: &http.Client{Jar: jar}}
}

// send is safe in any goroutine: it returns errors rather than failing.
func (d *device) send(method, path, token string, body any) (int, http.Header, []byte, error) {
	buf, err := json.Marshal(body)
	if err != nil {
		return 0, nil, nil, err
	}
	req, err := http.NewRequest(method, d.b.srv.URL+path, bytes.NewReader(buf))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if d.addr != "" {
		req.Header.Set("X-Forwarded-For", d.addr)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := d.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, out, err
}

// status sends from the test goroutine and returns the status code.
func (d *device) status(method, path string, body any) int {
	d.b.t.Helper()
	code, _, _, err := d.send(method, path, "", body)
	if err != nil {
		d.b.t.Fatal(err)
	}
	return code
}

// parallel sends n copies of one request at once and counts the answers
// by status code.
func parallel(t *testing.T, n int, send func() (int, http.Header, []byte, error)) map[int]int {
	t.Helper()
	codes := make([]int, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i], _, _, errs[i] = send()
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for i, c := range codes {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		count[c]++
	}
	return count
}

func trustLoopbackProxy(c *config.Config) { c.TrustedProxies = []string{"127.0.0.1", "::1"} }

// gatedStore holds every failed password check at the check until the
// test lets them go, so that all parallel attempts are in flight at once
// however fast the machine: the audit entry "login.failed" is written
// right after the password was compared.
type gatedStore struct {
	*sqlite.DB
	arrived chan<- struct{}
	release <-chan struct{}
}

func (g *gatedStore) CreateAuditEntry(ctx context.Context, e *core.AuditEntry) error {
	if e.Event == "login.failed" {
		g.arrived <- struct{}{}
		<-g.release
	}
	return g.DB.CreateAuditEntry(ctx, e)
}

// Parallel wrong passwords at one account from one address, through the
// real HTTP server: an attempt is reserved before the password is
// checked, so no more than the limit reach the check (they are all held
// there until every other attempt has been answered) and the rest get 429.
func TestParallelWrongPasswordsStopAtTheLimit(t *testing.T) {
	const n, limit = 100, 5
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	events, release := make(chan struct{}, n), make(chan struct{})
	store := &gatedStore{DB: db, arrived: events, release: release}
	svc, err := auth.NewService(store, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef-test"), BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Register(ctx, auth.RegisterInput{Email: "target@example.com", Password: "correct horse battery", FirstName: "A", LastName: "B"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Deps{Auth: svc}))
	t.Cleanup(srv.Close)
	b := &testBackend{t: t, srv: srv}

	guesser := b.device("")
	go func() {
		// Every attempt makes one event: it reaches the password check, or
		// it is refused. Once all n have, the held checks may finish.
		for range n {
			select {
			case <-events:
			case <-time.After(2 * time.Minute):
				t.Error("attempts stopped arriving")
			}
		}
		close(release)
	}()
	count := parallel(t, n, func() (int, http.Header, []byte, error) {
		code, h, body, err := guesser.send("POST", "/api/auth/login", "", map[string]any{"email": "target@example.com", "password": "a wrong guess"})
		if code != 401 {
			events <- struct{}{}
		}
		return code, h, body, err
	})
	if count[401] < 1 || count[401] > limit || count[401]+count[429] != n {
		t.Fatalf("answers %v: want at most %d reaching the password check (401), the rest 429", count, limit)
	}
}

// The per-user API bucket holds under parallel requests: exactly the burst
// gets through (the refill, one token per 1000 s, cannot add one during
// the test), the rest 429, and another user is untouched.
func TestAPIRateLimitHoldsUnderParallelRequests(t *testing.T) {
	const n, burst = 60, 10
	b := newBackendWith(t, false, func(c *config.Config) { c.RateLimit, c.RateBurst = 0.001, burst })
	acc, other := b.signUp("busy@example.com"), b.signUp("calm@example.com")
	d := b.device("")
	count := parallel(t, n, func() (int, http.Header, []byte, error) { return d.send("GET", "/api/auth/me", acc.Access, nil) })
	if count[200] != burst || count[429] != n-burst {
		t.Fatalf("answers %v; want %d × 200 and %d × 429", count, burst, n-burst)
	}
	if code, _, _, err := d.send("GET", "/api/auth/me", other.Access, nil); err != nil || code != 200 {
		t.Fatalf("another user was limited: %d %v", code, err)
	}
}

// Nobody but the owner can keep the owner out: reset requests and wrong
// guesses from other addresses don't make the right password fail, while
// guessing stays throttled per address and, from unknown devices, per
// account.
func TestOthersCannotLockTheOwnerOut(t *testing.T) {
	const email = "owner@example.com"
	right := map[string]any{"email": email, "password": "correct horse battery"}
	wrong := map[string]any{"email": email, "password": "a wrong guess"}
	forgot := map[string]any{"email": email}
	setup := func(t *testing.T) *testBackend {
		b := newBackendWith(t, false, trustLoopbackProxy)
		b.signUp(email) // signs in from the loopback: a known address
		return b
	}

	t.Run("reset requests from elsewhere", func(t *testing.T) {
		b := setup(t)
		att := b.device("203.0.113.7")
		for i := range 5 {
			if code := att.status("POST", "/api/auth/forgot-password", forgot); code != 202 {
				t.Fatalf("reset request %d: %d", i, code)
			}
		}
		if code := att.status("POST", "/api/auth/forgot-password", forgot); code != 429 {
			t.Fatalf("sixth reset mail for one address: %d, want 429", code)
		}
		if code := b.device("198.51.100.20").status("POST", "/api/auth/login", right); code != 200 {
			t.Fatalf("owner after reset requests: %d, want 200", code)
		}
	})

	t.Run("wrong passwords from one address", func(t *testing.T) {
		b := setup(t)
		att := b.device("203.0.113.7")
		for i := range 5 {
			if code := att.status("POST", "/api/auth/login", wrong); code != 401 {
				t.Fatalf("guess %d: %d", i, code)
			}
		}
		if code := att.status("POST", "/api/auth/login", wrong); code != 429 {
			t.Fatalf("sixth guess from one address: %d, want 429", code)
		}
		if code := b.device("198.51.100.20").status("POST", "/api/auth/login", right); code != 200 {
			t.Fatalf("owner from another address: %d, want 200", code)
		}
	})

	t.Run("wrong reset codes are no login failures", func(t *testing.T) {
		b := setup(t)
		att := b.device("203.0.113.7")
		for i := range 5 {
			code := att.status("POST", "/api/auth/reset-password", map[string]any{"email": email, "code": fmt.Sprintf("%06d", i), "new_password": "another fine secret"})
			if code != 400 {
				t.Fatalf("wrong code %d: %d", i, code)
			}
		}
		if code := att.status("POST", "/api/auth/login", right); code != 200 {
			t.Fatalf("right password after wrong reset codes: %d, want 200", code)
		}
	})

	t.Run("guesses from many addresses", func(t *testing.T) {
		b := setup(t)
		phone := b.device("198.51.100.30")
		if code := phone.status("POST", "/api/auth/login", right); code != 200 {
			t.Fatalf("phone sign-in: %d", code)
		}
		count := map[int]int{}
		for a := 1; a <= 6; a++ {
			att := b.device(fmt.Sprintf("203.0.113.%d", a))
			for range 5 {
				count[att.status("POST", "/api/auth/login", wrong)]++
			}
		}
		if count[401] > 20 || count[429] == 0 {
			t.Fatalf("distributed guessing: %v; want at most 20 checked, then 429", count)
		}
		if code := b.device("192.0.2.99").status("POST", "/api/auth/login", right); code != 429 {
			t.Fatalf("unknown device during the attack: %d, want 429", code)
		}
		phone.addr = "192.0.2.50" // the phone travels: a new address, the same device
		if code := phone.status("POST", "/api/auth/login", right); code != 200 {
			t.Fatalf("known device during the attack: %d, want 200", code)
		}
		if code := b.device("").status("POST", "/api/auth/login", right); code != 200 {
			t.Fatalf("known address during the attack: %d, want 200", code)
		}
	})

	t.Run("mail stays throttled per address", func(t *testing.T) {
		b := setup(t)
		att := b.device("203.0.113.9")
		for i := range 20 {
			if code := att.status("POST", "/api/auth/forgot-password", map[string]any{"email": fmt.Sprintf("v%d@example.com", i)}); code != 202 {
				t.Fatalf("reset request %d: %d", i, code)
			}
		}
		for _, path := range []string{"/api/auth/forgot-password", "/api/auth/verify-email/resend"} {
			if code := att.status("POST", path, map[string]any{"email": "one-more@example.com"}); code != 429 {
				t.Fatalf("%s past the address's limit: %d, want 429", path, code)
			}
		}
		if code := att.status("POST", "/api/auth/verify-email", map[string]any{"email": email, "code": "123456"}); code != 429 {
			t.Fatalf("verify past the address's limit: %d, want 429", code)
		}
		if code := att.status("POST", "/api/auth/reset-password", map[string]any{"email": email, "code": "123456", "new_password": "another fine secret"}); code != 429 {
			t.Fatalf("reset past the address's limit: %d, want 429", code)
		}
	})
}
