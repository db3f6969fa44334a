package auth

import (
	"context"
	"sync"
	"time"

	"sentry/backend/core"
)

// SessionCheckTTL is how long the answer "this session is live" is
// trusted without asking the store again. An access token carries its
// session (refresh family) id, and every authenticated request checks that
// the session was not revoked. A revocation through this process takes
// effect at once (the cache is told); one through another process sharing
// the database, within SessionCheckTTL.
const SessionCheckTTL = 5 * time.Second

// sessionCacheMax bounds the cache; beyond it stale answers are dropped,
// and if that is not enough, all of them.
const sessionCacheMax = 100_000

type sessionState struct {
	userID string
	live   bool
	until  time.Time
}

// sessionCache remembers recent answers of the session check. A revoked
// session never comes back, so "revoked" is kept until every access token
// that could carry it has expired; "live" only for the TTL.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]sessionState
	// gen is bumped by every revocation: a lookup that began before one
	// may have read the store before it, so it does not store its answer.
	gen uint64
}

func (c *sessionCache) get(sid string, now time.Time) (sessionState, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[sid]
	return e, c.gen, ok && now.Before(e.until)
}

func (c *sessionCache) put(sid string, e sessionState, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil {
		c.m = map[string]sessionState{}
	}
	if len(c.m) >= sessionCacheMax {
		for k, v := range c.m {
			if !now.Before(v.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= sessionCacheMax {
			clear(c.m) // the store still answers; this only costs lookups
		}
	}
	c.m[sid] = e
}

// revoke marks sessions dead: the family sid, or (sid empty) every cached
// session of userID.
func (c *sessionCache) revoke(sid, userID string, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if c.m == nil {
		c.m = map[string]sessionState{}
	}
	if sid != "" {
		c.m[sid] = sessionState{userID: userID, until: until}
		return
	}
	for k, v := range c.m {
		if v.userID == userID {
			c.m[k] = sessionState{userID: userID, until: until}
		}
	}
}

// checkSession refuses a token whose session was revoked (sign-out, a
// revoked device, a password change or reset, refresh-token reuse) or
// belongs to someone else.
func (s *Service) checkSession(ctx context.Context, userID, sid string) error {
	now := s.now()
	e, gen, ok := s.sessions.get(sid, now)
	if !ok {
		owner, err := s.accounts.FindLiveSessionOwner(ctx, sid)
		if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return err
		}
		e = sessionState{userID: owner, live: err == nil, until: now.Add(s.sessionTTL)}
		if !e.live {
			e.until = s.deadUntil(now)
		}
		if e.until.After(now) {
			s.sessions.put(sid, e, gen, now)
		}
	}
	if !e.live || e.userID != userID {
		return errBadToken
	}
	return nil
}

// deadUntil is how long a revoked session must be remembered: until the
// last access token that could name it has expired (with the leeway
// Authenticate allows).
func (s *Service) deadUntil(now time.Time) time.Time {
	return now.Add(s.accessTTL + time.Minute)
}

// revokeFamily signs one session out: its refresh tokens in the store,
// then its access tokens through the cache.
func (s *Service) revokeFamily(ctx context.Context, familyID, userID string) error {
	if err := s.users.RevokeRefreshFamily(ctx, familyID); err != nil {
		return err
	}
	s.sessions.revoke(familyID, userID, s.deadUntil(s.now()))
	return nil
}

// revokeUserSessions signs every session of a user out.
func (s *Service) revokeUserSessions(ctx context.Context, userID string) error {
	if err := s.accounts.RevokeUserSessions(ctx, userID); err != nil {
		return err
	}
	s.sessions.revoke("", userID, s.deadUntil(s.now()))
	return nil
}
