package auth_test

import (
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"sentry/backend/auth"
	"sentry/backend/core"
	"sentry/backend/sqlite"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var secret = []byte("0123456789abcdef0123456789abcdef-test")

func newService(t *testing.T, cost int) (*auth.Service, *sqlite.DB, *clock) {
	return newServiceTB(t, cost)
}

func newServiceF(f *testing.F) (*auth.Service, *sqlite.DB, *clock) { return newServiceTB(f, 4) }

func registerF(f *testing.F, s *auth.Service, email string) *core.User {
	u, err := s.Register(context.Background(), auth.RegisterInput{Email: email, Password: "a long password", FirstName: "A", LastName: "B"})
	if err != nil {
		f.Fatal(err)
	}
	return u
}

func newServiceTB(t testing.TB, cost int) (*auth.Service, *sqlite.DB, *clock) {
	t.Helper()
	return newServiceOpts(t, auth.Options{Secret: secret, BcryptCost: cost})
}

func newServiceWithSecret(t testing.TB, key []byte) (*auth.Service, *sqlite.DB, *clock) {
	t.Helper()
	return newServiceOpts(t, auth.Options{Secret: key, BcryptCost: 4})
}

func newServiceOpts(t testing.TB, opts auth.Options) (*auth.Service, *sqlite.DB, *clock) {
	t.Helper()
	clk := &clock{t: time.Now()}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"), sqlite.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	opts.Now = clk.Now
	s, err := auth.NewService(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, db, clk
}

func register(t *testing.T, s *auth.Service, email string) *core.User {
	t.Helper()
	u, err := s.Register(context.Background(), auth.RegisterInput{Email: email, Password: "a long password", FirstName: "A", LastName: "B"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDefaultBcryptCostIsAtLeast12(t *testing.T) {
	s, db, _ := newService(t, 0)
	u := register(t, s, "cost@example.com")
	stored, _ := db.FindUserByID(context.Background(), u.ID)
	cost, err := bcrypt.Cost([]byte(stored.PasswordHash))
	if err != nil || cost < 12 {
		t.Fatalf("bcrypt cost %d, %v", cost, err)
	}
	if strings.Contains(stored.PasswordHash, "a long password") {
		t.Fatal("password stored in clear")
	}
}

func TestNewServiceRejectsShortSecret(t *testing.T) {
	if _, err := auth.NewService(nil, auth.Options{Secret: []byte("short")}); err == nil {
		t.Fatal("accepted a short secret")
	}
	if _, err := auth.NewService(nil, auth.Options{Secret: secret}); err == nil {
		t.Fatal("accepted a missing account store")
	}
}

func TestAccessTokenChecks(t *testing.T) {
	s, _, clk := newService(t, 4)
	u := register(t, s, "tok@example.com")
	tok, err := s.IssueAccessToken(u)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got, err := s.Authenticate(ctx, tok); err != nil || got.ID != u.ID {
		t.Fatalf("valid token: %v", err)
	}
	parts := strings.Split(tok, ".")

	forge := func(method jwt.SigningMethod, key any, mut func(jwt.MapClaims, map[string]any)) string {
		c := jwt.MapClaims{"sub": u.ID, "iss": "sentry", "aud": []string{"sentry-api"}, "exp": clk.Now().Add(time.Minute).Unix(), "tv": 0}
		tk := jwt.NewWithClaims(method, c)
		tk.Header["kid"] = mustHeader(t, parts[0])["kid"]
		if mut != nil {
			mut(c, tk.Header)
		}
		out, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	cases := map[string]string{
		"alg none":       forge(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil),
		"wrong secret":   forge(jwt.SigningMethodHS256, []byte("another secret of enough length!!"), nil),
		"HS512":          forge(jwt.SigningMethodHS512, secret, nil),
		"wrong audience": forge(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims, _ map[string]any) { c["aud"] = "other" }),
		"wrong issuer":   forge(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims, _ map[string]any) { c["iss"] = "evil" }),
		"no expiry":      forge(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims, _ map[string]any) { delete(c, "exp") }),
		"unknown kid":    forge(jwt.SigningMethodHS256, secret, func(_ jwt.MapClaims, h map[string]any) { h["kid"] = "zzz" }),
		"unknown user":   forge(jwt.SigningMethodHS256, secret, func(c jwt.MapClaims, _ map[string]any) { c["sub"] = "nobody" }),
		"tampered":       parts[0] + "." + parts[1] + "x." + parts[2],
		"empty":          "",
	}
	for name, tk := range cases {
		if _, err := s.Authenticate(ctx, tk); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("%s: got %v, want unauthorized", name, err)
		}
	}
	// A well-formed forgery with the real secret is accepted (sanity check of forge).
	if _, err := s.Authenticate(ctx, forge(jwt.SigningMethodHS256, secret, nil)); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	clk.Add(16 * time.Minute)
	if _, err := s.Authenticate(ctx, tok); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("expired token: %v", err)
	}
}

func mustHeader(t *testing.T, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := jsonUnmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestBumpingTokenVersionVoidsAccessTokens(t *testing.T) {
	s, db, _ := newService(t, 4)
	u := register(t, s, "bump@example.com")
	tok, _ := s.IssueAccessToken(u)
	if _, err := db.UpdateUser(context.Background(), u.ID, core.UserUpdate{BumpTokens: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(context.Background(), tok); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("old token after bump: %v", err)
	}
}

// rotated is the start of the refresh tests: a person signed in (sess)
// whose refresh token was rotated once (next), on a service whose clock
// the test moves.
type rotated struct {
	s          *auth.Service
	clk        *clock
	ctx        context.Context
	sess, next *auth.Session
}

func newRotated(t *testing.T, email string) *rotated {
	t.Helper()
	s, _, clk := newService(t, 4)
	r := &rotated{s: s, clk: clk, ctx: context.Background()}
	register(t, s, email)
	var err error
	if r.sess, err = s.Login(r.ctx, email, "a long password", "test"); err != nil {
		t.Fatal(err)
	}
	if r.next, err = s.Refresh(r.ctx, r.sess.RefreshToken); err != nil {
		t.Fatal(err)
	}
	return r
}

// refused fails the test unless refreshing with tok is refused.
func (r *rotated) refused(t *testing.T, what, tok string) {
	t.Helper()
	if _, err := r.s.Refresh(r.ctx, tok); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("%s: %v", what, err)
	}
}

// A refresh whose answer was lost (or whose device was killed before it
// kept the new token) is retried with the old token within the grace
// period and succeeds; the successor the device never saw is spent, and
// the new pair keeps working.
func TestRefreshRetryWithinGraceSucceeds(t *testing.T) {
	r := newRotated(t, "retry@example.com")
	s, ctx, sess, lost := r.s, r.ctx, r.sess, r.next
	r.clk.Add(auth.RefreshGrace - time.Second)
	again, err := s.Refresh(ctx, sess.RefreshToken)
	if err != nil {
		t.Fatalf("retry within the grace period: %v", err)
	}
	if again.RefreshToken == lost.RefreshToken || again.RefreshToken == sess.RefreshToken {
		t.Fatal("retry answered with a spent token")
	}
	if _, err := s.Authenticate(ctx, again.AccessToken); err != nil {
		t.Fatalf("retry's access token: %v", err)
	}
	// Its answer was lost too: the old token still works, once more.
	third, err := s.Refresh(ctx, sess.RefreshToken)
	if err != nil {
		t.Fatalf("second retry within the grace period: %v", err)
	}
	// The device now uses what it got; the family goes on.
	fourth, err := s.Refresh(ctx, third.RefreshToken)
	if err != nil {
		t.Fatalf("refresh with the retry's token: %v", err)
	}
	// Replaced successors the device never kept are refused, and so is
	// the old token once its successor was used: not a lost answer.
	for name, tok := range map[string]string{"first successor": lost.RefreshToken, "second successor": again.RefreshToken,
		"old token after its successor was used": sess.RefreshToken} {
		r.refused(t, name, tok)
	}
	// Within the grace those refusals revoke nothing.
	if _, err := s.Refresh(ctx, fourth.RefreshToken); err != nil {
		t.Fatalf("live token after refused replays within the grace: %v", err)
	}
}

// Past the grace period a retry is refused and revokes the family: a
// spent token presented then means it was copied.
func TestRefreshRetryAfterGraceRevokesFamily(t *testing.T) {
	r := newRotated(t, "late@example.com")
	r.clk.Add(auth.RefreshGrace + time.Second)
	r.refused(t, "retry after the grace period", r.sess.RefreshToken)
	r.refused(t, "successor after a late retry", r.next.RefreshToken)
	if _, err := r.s.Authenticate(r.ctx, r.next.AccessToken); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("successor's access token after a late retry: %v", err)
	}
}

// A thief who replays a copied token within the grace period gets a pair,
// but the device's own token is then spent: its next refresh, past the
// grace, revokes the family and with it the thief's session.
func TestRefreshReplayWithinGraceIsCaughtAtTheDevicesNextRefresh(t *testing.T) {
	r := newRotated(t, "thief@example.com")
	device := r.next
	thief, err := r.s.Refresh(r.ctx, r.sess.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	r.clk.Add(auth.DefaultAccessTTL)
	r.refused(t, "device's replaced token", device.RefreshToken)
	r.refused(t, "thief's token after the family was revoked", thief.RefreshToken)
}

func TestRefreshReuseAfterGraceRevokesFamily(t *testing.T) {
	r := newRotated(t, "reuse@example.com")
	r.clk.Add(auth.RefreshGrace + time.Second)
	r.refused(t, "reuse", r.sess.RefreshToken)
	// The thief's replay killed the legitimate successor too.
	r.refused(t, "successor after reuse", r.next.RefreshToken)
}

// Concurrent refreshes with one token (each may be a retry within the
// grace period) leave the family with one live successor: of all the
// tokens they answered, exactly one refreshes again.
func TestConcurrentRefreshYieldsOneSuccessor(t *testing.T) {
	s, _, _ := newService(t, 4)
	ctx := context.Background()
	register(t, s, "race@example.com")
	sess, _ := s.Login(ctx, "race@example.com", "a long password", "test")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []string
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if next, err := s.Refresh(ctx, sess.RefreshToken); err == nil {
				mu.Lock()
				got = append(got, next.RefreshToken)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) == 0 {
		t.Fatal("no concurrent refresh succeeded")
	}
	live := 0
	for _, tok := range got {
		if _, err := s.Refresh(ctx, tok); err == nil {
			live++
		}
	}
	if live != 1 {
		t.Fatalf("%d of %d answered tokens still refresh, want 1", live, len(got))
	}
}

func TestRefreshExpires(t *testing.T) {
	s, _, clk := newService(t, 4)
	ctx := context.Background()
	register(t, s, "exp@example.com")
	sess, _ := s.Login(ctx, "exp@example.com", "a long password", "test")
	clk.Add(auth.DefaultRefreshTTL + time.Minute)
	if _, err := s.Refresh(ctx, sess.RefreshToken); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("expired refresh: %v", err)
	}
}

func TestLocalUserHasNoPasswordLogin(t *testing.T) {
	s, _, _ := newService(t, 4)
	ctx := context.Background()
	u, err := s.EnsureLocalUser(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.EnsureLocalUser(ctx, "")
	if again.ID != u.ID {
		t.Fatal("second EnsureLocalUser made another profile")
	}
	for _, pw := range []string{"", "anything at all"} {
		if _, err := s.Login(ctx, auth.LocalProfileEmail, pw, "x"); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("password login to local profile with %q: %v", pw, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		name, pw string
		ok       bool
	}{
		{"short", "1234567", false},
		{"eight", "zq8!vk2m", true},
		{"common", "Password1", false},
		{"too long", strings.Repeat("x", 73), false},
		{"unicode counts runes", "ééééééé", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := auth.ValidatePassword("password", tc.pw); (err == nil) != tc.ok {
				t.Fatalf("ValidatePassword(%q) = %v", tc.pw, err)
			}
		})
	}
}

// An access token ends with its session (refresh family): signing out,
// revoking the device, a refresh token's reuse and a password change each
// void it at once, not when it expires.
func TestAccessTokenEndsWithItsSession(t *testing.T) {
	ctx := context.Background()
	s, _, clk := newService(t, 4)
	register(t, s, "end@example.com")
	login := func() *auth.Session {
		t.Helper()
		sess, err := s.Login(ctx, "end@example.com", "a long password", "test")
		if err != nil {
			t.Fatal(err)
		}
		return sess
	}
	refused := func(t *testing.T, what, tok string) {
		t.Helper()
		if _, _, err := s.AuthenticateSession(ctx, tok); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("%s: %v, want unauthorized", what, err)
		}
	}
	accepted := func(t *testing.T, what, tok string) (*core.User, string) {
		t.Helper()
		u, sid, err := s.AuthenticateSession(ctx, tok)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return u, sid
	}

	t.Run("logout", func(t *testing.T) {
		a, b := login(), login()
		accepted(t, "before logout", a.AccessToken)
		if err := s.Logout(ctx, a.RefreshToken); err != nil {
			t.Fatal(err)
		}
		refused(t, "after logout", a.AccessToken)
		accepted(t, "another session", b.AccessToken)
	})

	t.Run("revoked session", func(t *testing.T) {
		a, b := login(), login()
		_, sid := accepted(t, "before revoking", a.AccessToken)
		u, _ := accepted(t, "the revoking session", b.AccessToken)
		if err := s.RevokeSession(core.NewContextWithUser(ctx, u), sid); err != nil {
			t.Fatal(err)
		}
		refused(t, "revoked session", a.AccessToken)
		accepted(t, "the revoking session", b.AccessToken)
	})

	t.Run("refresh reuse", func(t *testing.T) {
		a := login()
		next, err := s.Refresh(ctx, a.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		accepted(t, "rotated session", next.AccessToken)
		clk.Add(auth.RefreshGrace + time.Second)
		if _, err := s.Refresh(ctx, a.RefreshToken); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("reuse: %v", err)
		}
		refused(t, "first access token after reuse", a.AccessToken)
		refused(t, "successor's access token after reuse", next.AccessToken)
	})

	t.Run("password change", func(t *testing.T) {
		a, b := login(), login()
		u, _ := accepted(t, "before the change", a.AccessToken)
		fresh, err := s.ChangePassword(core.NewContextWithUser(ctx, u), u.ID, "a long password", "another long password", "test")
		if err != nil {
			t.Fatal(err)
		}
		refused(t, "other session after a password change", b.AccessToken)
		accepted(t, "the new session", fresh.AccessToken)
	})
}

// Two server processes over one database: a session revoked through one
// is refused by the other once its cached answer is stale, SessionCheckTTL
// later at most.
func TestRevokedSessionRefusedByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	path := filepath.Join(t.TempDir(), "shared.db")
	open := func() *auth.Service {
		db, err := sqlite.Open(ctx, path, sqlite.Options{Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := auth.NewService(db, auth.Options{Secret: secret, BcryptCost: 4, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	one, two := open(), open()
	register(t, one, "shared@example.com")
	sess, err := one.Login(ctx, "shared@example.com", "a long password", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := two.AuthenticateSession(ctx, sess.AccessToken); err != nil {
		t.Fatalf("the other process refused a live session: %v", err)
	}
	if err := one.Logout(ctx, sess.RefreshToken); err != nil {
		t.Fatal(err)
	}
	clk.Add(auth.SessionCheckTTL)
	if _, _, err := two.AuthenticateSession(ctx, sess.AccessToken); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("the other process, after its cache went stale: %v, want unauthorized", err)
	}
}
