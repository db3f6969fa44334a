package auth_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"sentry/backend/auth"
	"sentry/backend/core"
	"sentry/backend/sqlite"
)

// pausedStore holds a session lookup after it has read the store, until
// the test lets it go.
type pausedStore struct {
	*sqlite.DB
	read, resume chan struct{}
}

func (p *pausedStore) FindLiveSessionOwner(ctx context.Context, familyID string) (string, error) {
	owner, err := p.DB.FindLiveSessionOwner(ctx, familyID)
	if p.read != nil {
		p.read <- struct{}{}
		<-p.resume
	}
	return owner, err
}

// A lookup that read "live" just before a revocation must not cache that
// answer after it: the next request is refused.
func TestSessionLookupRacingRevocationCachesNothing(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := &pausedStore{DB: db}
	s, err := auth.NewService(store, auth.Options{Secret: secret, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	register(t, s, "race@example.com")
	sess, err := s.Login(ctx, "race@example.com", "a long password", "test")
	if err != nil {
		t.Fatal(err)
	}
	store.read, store.resume = make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, _, err := s.AuthenticateSession(ctx, sess.AccessToken)
		done <- err
	}()
	<-store.read // the lookup saw the session live…
	store.read = nil
	if err := s.Logout(ctx, sess.RefreshToken); err != nil { // …then it was revoked
		t.Fatal(err)
	}
	close(store.resume)
	<-done // this request raced the revocation; either answer is fair
	if _, _, err := s.AuthenticateSession(ctx, sess.AccessToken); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("after the revocation: %v, want unauthorized", err)
	}
}

// BenchmarkAuthenticateSession measures the check every authenticated
// request makes. "no_session" is a token without a session id, which skips
// the session check: the difference to "cached" is that check's cost on
// the common path. "store" asks SQLite on every request (no cache), as a
// cold cache does once per SessionCheckTTL per session.
func BenchmarkAuthenticateSession(b *testing.B) {
	for _, bc := range []struct {
		name    string
		ttl     time.Duration
		session bool
	}{{"no_session", 0, false}, {"cached", 0, true}, {"store", -1, true}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "s.db"), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			s, err := auth.NewService(db, auth.Options{Secret: secret, BcryptCost: 4, SessionCacheTTL: bc.ttl})
			if err != nil {
				b.Fatal(err)
			}
			u, err := s.Register(ctx, auth.RegisterInput{Email: "bench@example.com", Password: "a long password", FirstName: "A", LastName: "B"})
			if err != nil {
				b.Fatal(err)
			}
			tok, err := s.IssueAccessToken(u)
			if bc.session {
				var sess *auth.Session
				sess, err = s.Login(ctx, "bench@example.com", "a long password", "bench")
				if sess != nil {
					tok = sess.AccessToken
				}
			}
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := s.AuthenticateSession(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSessionCheck measures the session check alone: a cached answer
// (the common path) and a store lookup (a cold or stale cache).
func BenchmarkSessionCheck(b *testing.B) {
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", 0}, {"store", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "s.db"), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			s, err := auth.NewService(db, auth.Options{Secret: secret, BcryptCost: 4, SessionCacheTTL: bc.ttl})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Register(ctx, auth.RegisterInput{Email: "bench@example.com", Password: "a long password", FirstName: "A", LastName: "B"}); err != nil {
				b.Fatal(err)
			}
			sess, err := s.Login(ctx, "bench@example.com", "a long password", "bench")
			if err != nil {
				b.Fatal(err)
			}
			_, sid, err := s.AuthenticateSession(ctx, sess.AccessToken)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.CheckSession(ctx, sess.User.ID, sid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
