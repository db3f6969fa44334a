package auth_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"sentry/backend/auth"
	"sentry/backend/core"
	"sentry/backend/sqlite"
)

// countingStore counts the users-row reads authentication makes.
type countingStore struct {
	*sqlite.DB
	finds atomic.Int64
}

func (c *countingStore) FindUserByID(ctx context.Context, id string) (*core.User, error) {
	c.finds.Add(1)
	return c.DB.FindUserByID(ctx, id)
}

func newCountingService(t *testing.T) (*auth.Service, *countingStore, *clock) {
	t.Helper()
	clk := &clock{t: time.Now()}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"), sqlite.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := &countingStore{DB: db}
	s, err := auth.NewService(store, auth.Options{Secret: secret, BcryptCost: 4, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, store, clk
}

func TestUserRowIsCachedPerTokenVersion(t *testing.T) {
	ctx := context.Background()
	s, store, clk := newCountingService(t)
	register(t, s, "cache@example.com")
	sess, err := s.Login(ctx, "cache@example.com", "a long password", "test")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := s.Authenticate(ctx, sess.AccessToken); err != nil {
			t.Fatal(err)
		}
	}
	if n := store.finds.Load(); n != 1 {
		t.Fatalf("%d users-row reads for 5 requests, want 1", n)
	}
	// The row is trusted for SessionCheckTTL only.
	clk.Add(auth.SessionCheckTTL + time.Millisecond)
	if _, err := s.Authenticate(ctx, sess.AccessToken); err != nil {
		t.Fatal(err)
	}
	if n := store.finds.Load(); n != 2 {
		t.Fatalf("%d users-row reads after the TTL, want 2", n)
	}
}

// Changes through the service are seen by the very next request: a new
// name, and a password change voiding the old tokens.
func TestUserCacheDropsChangedUsers(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newCountingService(t)
	u := register(t, s, "change@example.com")
	sess, err := s.Login(ctx, "change@example.com", "a long password", "test")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Authenticate(ctx, sess.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	got.FirstName = "Changed by a handler" // a caller's copy, not the cache's
	name := "Renamed"
	if _, err := s.UpdateProfile(core.NewContextWithUser(ctx, u), u.ID, auth.ProfileUpdate{FirstName: &name}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Authenticate(ctx, sess.AccessToken); err != nil || got.FirstName != "Renamed" {
		t.Fatalf("after a profile change: %v %+v", err, got)
	}
	me, err := s.Authenticate(ctx, sess.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangePassword(core.NewContextWithUser(ctx, me), u.ID, "a long password", "another long password", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, sess.AccessToken); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("old token after a password change: %v", err)
	}
}

// A change made behind the service (another process on the same database)
// is seen once the cached row expires.
func TestUserCacheSeesOtherWritersAfterTheTTL(t *testing.T) {
	ctx := context.Background()
	s, store, clk := newCountingService(t)
	u := register(t, s, "other@example.com")
	tok, err := s.IssueAccessToken(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := store.DB.UpdateUser(ctx, u.ID, core.UserUpdate{BumpTokens: true}); err != nil {
		t.Fatal(err)
	}
	clk.Add(auth.SessionCheckTTL + time.Millisecond)
	if _, err := s.Authenticate(ctx, tok); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("token of an old version after the TTL: %v", err)
	}
}
