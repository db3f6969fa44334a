package auth

import (
	"context"
	"sync"
	"time"

	"sentry/backend/core"
)

// Every authenticated request needs its user (the token version check, and
// the handlers work with it). Reading the users row each time cost more
// than the rest of authentication together, so the row is remembered for
// the same short time as a live session (SessionCheckTTL, the
// SessionCacheTTL option; negative: never remembered).
//
// A cached row is only used for a token of the same token version. Every
// change of a user through this Service (profile, email verification,
// password change or reset, which bump the version, and deletion) drops the
// entry at once; a change made by another process sharing the database is
// seen within the TTL, as a session revoked there is.

// userCacheMax bounds the cache; past it, expired entries go, then all.
const userCacheMax = 100_000

type cachedUser struct {
	u     core.User
	until time.Time
}

type userCache struct {
	mu sync.Mutex
	m  map[string]cachedUser
	// gen is bumped by every change: a lookup that read the store before
	// one does not store what it read.
	gen uint64
}

func (c *userCache) get(id string, tokenVersion int, now time.Time) (*core.User, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !now.Before(e.until) || e.u.TokenVersion != tokenVersion {
		return nil, c.gen
	}
	u := e.u // a copy: callers may change theirs
	return &u, c.gen
}

func (c *userCache) put(u *core.User, gen uint64, until, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil {
		c.m = map[string]cachedUser{}
	}
	if len(c.m) >= userCacheMax {
		for k, v := range c.m {
			if !now.Before(v.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= userCacheMax {
			clear(c.m)
		}
	}
	c.m[u.ID] = cachedUser{u: *u, until: until}
}

func (c *userCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, id)
}

// findUser returns the user a token of tokenVersion names, from the cache
// when it may. ENOTFOUND when there is no such user.
func (s *Service) findUser(ctx context.Context, id string, tokenVersion int) (*core.User, error) {
	now := s.now()
	u, gen := s.userCache.get(id, tokenVersion, now)
	if u != nil {
		return u, nil
	}
	u, err := s.users.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.sessionTTL > 0 {
		s.userCache.put(u, gen, now.Add(s.sessionTTL), now)
	}
	return u, nil
}

// updateUser changes a user in the store and drops the cached row.
func (s *Service) updateUser(ctx context.Context, id string, upd core.UserUpdate) (*core.User, error) {
	u, err := s.users.UpdateUser(ctx, id, upd)
	s.userCache.forget(id)
	return u, err
}
