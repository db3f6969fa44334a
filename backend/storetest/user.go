package storetest

import (
	"testing"
	"time"

	"sentry/backend/core"
)

func testUsers(t *testing.T, s Stores) {
	if _, err := s.Users.FindLocalUser(ctx); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("local user before any: %v", err)
	}
	u := &core.User{Email: "  Ana@Example.COM ", FirstName: "Ana", LastName: "Lima", PasswordHash: "hash1"}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || !core.ValidID(u.ID) || u.Email != "ana@example.com" || u.Version != 1 || !isMs(u.CreatedAt) || !u.CreatedAt.Equal(u.UpdatedAt) {
		t.Fatalf("created user: %+v", u)
	}
	for _, find := range []func() (*core.User, error){
		func() (*core.User, error) { return s.Users.FindUserByID(ctx, u.ID) },
		func() (*core.User, error) { return s.Users.FindUserByEmail(ctx, "ANA@example.com") },
	} {
		got, err := find()
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.Email != u.Email || got.FirstName != "Ana" || got.LastName != "Lima" || got.PasswordHash != "hash1" ||
			got.IsLocal || got.EmailVerified || got.TokenVersion != 0 || !got.CreatedAt.Equal(u.CreatedAt) || got.Version != 1 {
			t.Fatalf("found %+v, created %+v", got, u)
		}
	}
	local := &core.User{Email: "local@localhost.localdomain", FirstName: "Me", IsLocal: true}
	if err := s.Users.CreateUser(ctx, local); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Users.FindLocalUser(ctx); err != nil || got.ID != local.ID || !got.IsLocal {
		t.Fatalf("local user: %+v %v", got, err)
	}

	got, err := s.Users.UpdateUser(ctx, u.ID, core.UserUpdate{FirstName: ptr("Ana Maria"), Email: ptr("ANA.M@example.com"),
		EmailVerified: ptr(true), PasswordHash: ptr("hash2"), BumpTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.FirstName != "Ana Maria" || got.LastName != "Lima" || got.Email != "ana.m@example.com" || !got.EmailVerified ||
		got.PasswordHash != "hash2" || got.TokenVersion != 1 || got.Version != 2 || got.UpdatedAt.Before(got.CreatedAt) {
		t.Fatalf("updated: %+v", got)
	}
	again, err := s.Users.FindUserByID(ctx, u.ID)
	if err != nil || *again != *got {
		t.Fatalf("read after update: %+v, returned %+v (%v)", again, got, err)
	}
	if _, err := s.Users.FindUserByEmail(ctx, "ana@example.com"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("old email still finds the user: %v", err)
	}
}

func testUsersNotFound(t *testing.T, s Stores) {
	for _, id := range []string{ghostID, "nope", "", "\x00", "\xff"} {
		_, err := s.Users.FindUserByID(ctx, id)
		wantCode(t, "find user "+id, err, core.ENOTFOUND, "User not found.")
		_, err = s.Users.UpdateUser(ctx, id, core.UserUpdate{FirstName: ptr("X")})
		wantCode(t, "update user "+id, err, core.ENOTFOUND, "User not found.")
	}
	_, err := s.Users.FindUserByEmail(ctx, "nobody@example.com")
	wantCode(t, "find by email", err, core.ENOTFOUND)
}

func testUserEmailConflict(t *testing.T, s Stores) {
	mustUser(t, s, "dup@example.com")
	err := s.Users.CreateUser(ctx, &core.User{Email: "DUP@example.com"})
	wantCode(t, "second account", err, core.ECONFLICT, "An account with this email already exists.")
	other := mustUser(t, s, "other@example.com")
	_, err = s.Users.UpdateUser(ctx, other.ID, core.UserUpdate{Email: ptr("dup@example.com")})
	wantCode(t, "email change to a taken one", err, core.ECONFLICT, "An account with this email already exists.")
	if got, _ := s.Users.FindUserByID(ctx, other.ID); got.Email != "other@example.com" || got.Version != 1 {
		t.Fatalf("refused update was written: %+v", got)
	}
}

// Text no store can keep as given is refused with invalid by both, never
// an internal error, and nothing is written.
func testUserHostileText(t *testing.T, s Stores) {
	u := mustUser(t, s, "host@example.com")
	for _, h := range hostile {
		for _, f := range []struct {
			field string
			make  func(string) *core.User
			upd   func(string) core.UserUpdate
		}{
			{"first_name", func(v string) *core.User { return &core.User{Email: "a@example.com", FirstName: v} },
				func(v string) core.UserUpdate { return core.UserUpdate{FirstName: &v} }},
			{"last_name", func(v string) *core.User { return &core.User{Email: "a@example.com", LastName: v} },
				func(v string) core.UserUpdate { return core.UserUpdate{LastName: &v} }},
			{"email", func(v string) *core.User { return &core.User{Email: v + "@example.com"} },
				func(v string) core.UserUpdate { e := v + "@example.com"; return core.UserUpdate{Email: &e} }},
		} {
			err := s.Users.CreateUser(ctx, f.make(h.s))
			wantCode(t, "create with "+h.name+" in "+f.field, err, core.EINVALID)
			_, err = s.Users.UpdateUser(ctx, u.ID, f.upd(h.s))
			wantCode(t, "update with "+h.name+" in "+f.field, err, core.EINVALID)
		}
	}
	// Control characters and long names are the features' to refuse; the
	// stores keep them the same.
	long := huge(100_000)
	got, err := s.Users.UpdateUser(ctx, u.ID, core.UserUpdate{FirstName: ptr("a\x01b\u202e"), LastName: &long})
	if err != nil || got.FirstName != "a\x01b\u202e" || got.LastName != long {
		t.Fatalf("update with control characters and a long name: %v", err)
	}
	if back, err := s.Users.FindUserByID(ctx, u.ID); err != nil || back.FirstName != got.FirstName || back.LastName != long {
		t.Fatalf("read back: %v", err)
	}
	err = s.Users.CreateUser(ctx, &core.User{Email: huge(300) + "@example.com"})
	wantCode(t, "create with a 300-byte email", err, core.EINVALID)
}

func testRefreshTokens(t *testing.T, s Stores) {
	u := mustUser(t, s, "rt@example.com")
	exp := time.Now().Add(time.Hour).Round(0)
	old := &core.RefreshToken{UserID: u.ID, TokenHash: "h1", DeviceName: "laptop", IP: "192.0.2.1", ExpiresAt: exp}
	if err := s.Users.CreateRefreshToken(ctx, old); err != nil {
		t.Fatal(err)
	}
	if old.FamilyID != old.ID || old.ID == "" {
		t.Fatalf("first token of a family: %+v", old)
	}
	got, err := s.Users.FindRefreshTokenByHash(ctx, "h1")
	if err != nil || got.ID != old.ID || got.UserID != u.ID || got.FamilyID != old.FamilyID || got.DeviceName != "laptop" ||
		!msEqual(got.ExpiresAt, exp) || !isMs(got.ExpiresAt) || got.UsedAt != nil || got.RevokedAt != nil {
		t.Fatalf("found %+v (%v)", got, err)
	}
	next := &core.RefreshToken{UserID: u.ID, FamilyID: old.FamilyID, TokenHash: "h2", ExpiresAt: exp}
	if err := s.Users.RotateRefreshToken(ctx, old.ID, next); err != nil {
		t.Fatal(err)
	}
	again := &core.RefreshToken{UserID: u.ID, FamilyID: old.FamilyID, TokenHash: "h3", ExpiresAt: exp}
	wantCode(t, "second rotation", s.Users.RotateRefreshToken(ctx, old.ID, again), core.ECONFLICT)
	_, err = s.Users.FindRefreshTokenByHash(ctx, "h3")
	wantCode(t, "losing rotation's token", err, core.ENOTFOUND, "Refresh token not found.")
	if used, _ := s.Users.FindRefreshTokenByHash(ctx, "h1"); used.UsedAt == nil {
		t.Fatal("rotated token not marked used")
	}
	if err := s.Users.RevokeRefreshFamily(ctx, old.FamilyID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Users.FindRefreshTokenByHash(ctx, "h2"); got.RevokedAt == nil {
		t.Fatal("family not revoked")
	}
	wantCode(t, "rotate a revoked token", s.Users.RotateRefreshToken(ctx, next.ID,
		&core.RefreshToken{UserID: u.ID, FamilyID: old.FamilyID, TokenHash: "h4", ExpiresAt: exp}), core.ECONFLICT)
	wantCode(t, "rotate an unknown token", s.Users.RotateRefreshToken(ctx, ghostID,
		&core.RefreshToken{UserID: u.ID, FamilyID: old.FamilyID, TokenHash: "h5", ExpiresAt: exp}), core.ECONFLICT)
}

// A spent token presented again (its rotation's answer was lost) may be
// reissued: its unused child is spent and a new child takes its place, so
// the family keeps one live token. A grandparent, an unused token, a
// token whose child was used, and a revoked one are refused.
func testRefreshTokenReissue(t *testing.T, s Stores) {
	u := mustUser(t, s, "reissue@example.com")
	exp := time.Now().Add(time.Hour).Round(0)
	tok := func(hash string) *core.RefreshToken {
		return &core.RefreshToken{UserID: u.ID, TokenHash: hash, DeviceName: "laptop", ExpiresAt: exp}
	}
	first := tok("r1")
	if err := s.Users.CreateRefreshToken(ctx, first); err != nil {
		t.Fatal(err)
	}
	child := tok("r2")
	child.FamilyID = first.FamilyID
	wantCode(t, "reissue an unused token", s.Users.ReissueRefreshToken(ctx, first.ID, child), core.ECONFLICT)
	if err := s.Users.RotateRefreshToken(ctx, first.ID, child); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Users.FindRefreshTokenByHash(ctx, "r2"); err != nil || got.ParentID != first.ID {
		t.Fatalf("rotated token's parent: %+v (%v)", got, err)
	}
	// The answer carrying r2 was lost: r1 again gets r3, r2 is spent.
	retry := tok("r3")
	retry.FamilyID = first.FamilyID
	if err := s.Users.ReissueRefreshToken(ctx, first.ID, retry); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Users.FindRefreshTokenByHash(ctx, "r3"); err != nil || got.ParentID != first.ID || got.FamilyID != first.FamilyID ||
		got.UsedAt != nil || got.RevokedAt != nil || !msEqual(got.ExpiresAt, exp) {
		t.Fatalf("reissued token: %+v (%v)", got, err)
	}
	if got, _ := s.Users.FindRefreshTokenByHash(ctx, "r2"); got.UsedAt == nil {
		t.Fatal("replaced child not spent")
	}
	sessions, err := s.Accounts.FindSessions(ctx, u.ID)
	if err != nil || len(sessions) != 1 || sessions[0].ID != first.FamilyID {
		t.Fatalf("sessions after a reissue: %d (%v), want the one family", len(sessions), err)
	}
	// The replaced child is no live token's parent, nor is a grandparent.
	wantCode(t, "reissue the replaced child", s.Users.ReissueRefreshToken(ctx, child.ID, tok("r4")), core.ECONFLICT)
	grand := tok("r5")
	grand.FamilyID = first.FamilyID
	if err := s.Users.RotateRefreshToken(ctx, retry.ID, grand); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "reissue once the child was used", s.Users.ReissueRefreshToken(ctx, first.ID, tok("r6")), core.ECONFLICT)
	for _, h := range []string{"r4", "r6"} {
		_, err := s.Users.FindRefreshTokenByHash(ctx, h)
		wantCode(t, "refused reissue's token "+h, err, core.ENOTFOUND)
	}
	if err := s.Users.RevokeRefreshFamily(ctx, first.FamilyID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "reissue in a revoked family", s.Users.ReissueRefreshToken(ctx, retry.ID, tok("r7")), core.ECONFLICT)
	wantCode(t, "reissue an unknown token", s.Users.ReissueRefreshToken(ctx, ghostID, tok("r8")), core.ECONFLICT)
}
