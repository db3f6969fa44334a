package storetest

import (
	"testing"
	"time"

	"sentry/backend/core"
)

func testAuthCodes(t *testing.T, s Stores) {
	u := mustUser(t, s, "code@example.com")
	exp := time.Now().Add(10 * time.Minute)
	first := &core.AuthCode{UserID: u.ID, Purpose: core.CodeVerifyEmail, CodeHash: "c1", ExpiresAt: exp}
	if err := s.Accounts.CreateAuthCode(ctx, first); err != nil {
		t.Fatal(err)
	}
	got, err := s.Accounts.FindActiveAuthCode(ctx, u.ID, core.CodeVerifyEmail)
	if err != nil || got.ID != first.ID || got.CodeHash != "c1" || got.Attempts != 0 || got.UsedAt != nil || !msEqual(got.ExpiresAt, exp) {
		t.Fatalf("active code: %+v %v", got, err)
	}
	// A new code of the same purpose voids the old one; another purpose
	// is untouched.
	reset := &core.AuthCode{UserID: u.ID, Purpose: core.CodeResetPassword, CodeHash: "r1", ExpiresAt: exp, ClientChallenge: "chal"}
	second := &core.AuthCode{UserID: u.ID, Purpose: core.CodeVerifyEmail, CodeHash: "c2", ExpiresAt: exp}
	for _, c := range []*core.AuthCode{reset, second} {
		if err := s.Accounts.CreateAuthCode(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Accounts.FindActiveAuthCode(ctx, u.ID, core.CodeVerifyEmail); err != nil || got.ID != second.ID {
		t.Fatalf("active after a new code: %+v %v", got, err)
	}
	if old, err := s.Accounts.FindAuthCodeByHash(ctx, "c1"); err != nil || old.UsedAt == nil {
		t.Fatalf("old code not voided: %+v %v", old, err)
	}
	if got, err := s.Accounts.FindAuthCodeByHash(ctx, "r1"); err != nil || got.UsedAt != nil || got.ClientChallenge != "chal" {
		t.Fatalf("other purpose: %+v %v", got, err)
	}
	for want := 1; want <= 3; want++ {
		if n, err := s.Accounts.CountAuthCodeAttempt(ctx, second.ID); err != nil || n != want {
			t.Fatalf("attempt %d: %d %v", want, n, err)
		}
	}
	_, err = s.Accounts.CountAuthCodeAttempt(ctx, ghostID)
	wantCode(t, "attempt on an unknown code", err, core.ENOTFOUND, "Code not found.")
	if err := s.Accounts.UseAuthCode(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "second use", s.Accounts.UseAuthCode(ctx, second.ID), core.ECONFLICT, "This code was already used.")
	_, err = s.Accounts.FindActiveAuthCode(ctx, u.ID, core.CodeVerifyEmail)
	wantCode(t, "active after use", err, core.ENOTFOUND)
	expired := &core.AuthCode{UserID: u.ID, Purpose: core.CodeOAuthLogin, CodeHash: "o1", ExpiresAt: time.Now().Add(-time.Minute)}
	if err := s.Accounts.CreateAuthCode(ctx, expired); err != nil {
		t.Fatal(err)
	}
	_, err = s.Accounts.FindActiveAuthCode(ctx, u.ID, core.CodeOAuthLogin)
	wantCode(t, "expired code", err, core.ENOTFOUND)
	for _, h := range []string{"nope", "\x00", "\xff"} {
		_, err = s.Accounts.FindAuthCodeByHash(ctx, h)
		wantCode(t, "unknown hash", err, core.ENOTFOUND)
	}
}

func testSessions(t *testing.T, s Stores) {
	u := mustUser(t, s, "sess@example.com")
	other := mustUser(t, s, "sess2@example.com")
	exp := time.Now().Add(time.Hour)
	a := &core.RefreshToken{UserID: u.ID, TokenHash: "a1", DeviceName: "phone", IP: "192.0.2.7", ExpiresAt: exp}
	b := &core.RefreshToken{UserID: u.ID, TokenHash: "b1", DeviceName: "laptop", ExpiresAt: exp}
	o := &core.RefreshToken{UserID: other.ID, TokenHash: "o1", ExpiresAt: exp}
	for _, tok := range []*core.RefreshToken{a, b, o} {
		if err := s.Users.CreateRefreshToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	a2 := &core.RefreshToken{UserID: u.ID, FamilyID: a.FamilyID, TokenHash: "a2", DeviceName: "phone", IP: "192.0.2.8", ExpiresAt: exp}
	if err := s.Users.RotateRefreshToken(ctx, a.ID, a2); err != nil {
		t.Fatal(err)
	}
	list, err := s.Accounts.FindSessions(ctx, u.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("sessions: %+v %v", list, err)
	}
	for _, ss := range list {
		if ss.ID == a.FamilyID && (ss.DeviceName != "phone" || ss.IP != "192.0.2.8" || !ss.CreatedAt.Equal(a.CreatedAt.UTC().Truncate(time.Millisecond)) || ss.LastUsedAt.Before(ss.CreatedAt)) {
			t.Fatalf("rotated session: %+v (family made %v)", ss, a.CreatedAt)
		}
		if ss.ID != a.FamilyID && ss.ID != b.FamilyID {
			t.Fatalf("another user's session listed: %+v", ss)
		}
	}
	if owner, err := s.Accounts.FindRefreshFamilyOwner(ctx, a.FamilyID); err != nil || owner != u.ID {
		t.Fatalf("family owner: %q %v", owner, err)
	}
	if owner, err := s.Accounts.FindLiveSessionOwner(ctx, b.FamilyID); err != nil || owner != u.ID {
		t.Fatalf("live owner: %q %v", owner, err)
	}
	if err := s.Accounts.RevokeUserSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Accounts.FindSessions(ctx, u.ID); len(list) != 0 {
		t.Fatalf("sessions after revoking all: %+v", list)
	}
	_, err = s.Accounts.FindLiveSessionOwner(ctx, b.FamilyID)
	wantCode(t, "revoked family", err, core.ENOTFOUND, "Session not found.")
	if owner, err := s.Accounts.FindRefreshFamilyOwner(ctx, b.FamilyID); err != nil || owner != u.ID {
		t.Fatalf("owner of a revoked family: %q %v", owner, err)
	}
	if owner, err := s.Accounts.FindLiveSessionOwner(ctx, o.FamilyID); err != nil || owner != other.ID {
		t.Fatalf("other user's session revoked too: %q %v", owner, err)
	}
	for _, id := range []string{ghostID, "\x00"} {
		_, err = s.Accounts.FindRefreshFamilyOwner(ctx, id)
		wantCode(t, "unknown family", err, core.ENOTFOUND)
		_, err = s.Accounts.FindLiveSessionOwner(ctx, id)
		wantCode(t, "unknown live family", err, core.ENOTFOUND)
	}
}

func testAudit(t *testing.T, s Stores) {
	u := mustUser(t, s, "audit@example.com")
	for i, e := range []*core.AuditEntry{
		{UserID: u.ID, Event: "login", IP: "192.0.2.1", UserAgent: "agent", Details: map[string]any{"method": "password", "n": float64(1)}},
		{UserID: u.ID, Event: "logout", UserAgent: huge(1000)},
		// A record keeps what it can of text the server cannot hold.
		{UserID: u.ID, Event: "odd", UserAgent: "a\x00\xffb", Details: map[string]any{"k": "v\x00"}},
		{Event: "anonymous"},
	} {
		if err := s.Accounts.CreateAuditEntry(ctx, e); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	list, err := s.Accounts.FindAuditEntries(ctx, u.ID, 0)
	if err != nil || len(list) != 3 {
		t.Fatalf("entries: %+v %v", list, err)
	}
	byEvent := map[string]*core.AuditEntry{}
	for i, e := range list {
		byEvent[e.Event] = e
		if i > 0 && e.CreatedAt.After(list[i-1].CreatedAt) {
			t.Fatal("not newest first")
		}
	}
	if e := byEvent["login"]; e == nil || e.IP != "192.0.2.1" || e.Details["method"] != "password" || e.Details["n"] != float64(1) || e.UserID != u.ID {
		t.Fatalf("login entry: %+v", e)
	}
	if e := byEvent["logout"]; e == nil || len(e.UserAgent) > 300 {
		t.Fatalf("user agent not capped: %d bytes", len(byEvent["logout"].UserAgent))
	}
	if one, _ := s.Accounts.FindAuditEntries(ctx, u.ID, 1); len(one) != 1 {
		t.Fatalf("limit 1: %d", len(one))
	}
}

func testOAuthFlows(t *testing.T, s Stores) {
	f := &core.OAuthFlow{StateHash: "s1", Provider: "google", CodeVerifier: "v", Nonce: "n", RedirectURI: "https://app.example/cb",
		ReturnTo: "/tasks", ClientChallenge: "cc", ExpiresAt: time.Now().Add(10 * time.Minute)}
	if err := s.Accounts.CreateOAuthFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	got, err := s.Accounts.TakeOAuthFlow(ctx, "s1")
	if err != nil || got.Provider != "google" || got.CodeVerifier != "v" || got.Nonce != "n" || got.RedirectURI != f.RedirectURI ||
		got.ReturnTo != "/tasks" || got.ClientChallenge != "cc" || !msEqual(got.ExpiresAt, f.ExpiresAt) {
		t.Fatalf("taken %+v %v", got, err)
	}
	_, err = s.Accounts.TakeOAuthFlow(ctx, "s1")
	wantCode(t, "second take", err, core.ENOTFOUND)
	old := &core.OAuthFlow{StateHash: "s2", Provider: "apple", CodeVerifier: "v", RedirectURI: "x", ExpiresAt: time.Now().Add(-time.Second)}
	if err := s.Accounts.CreateOAuthFlow(ctx, old); err != nil {
		t.Fatal(err)
	}
	_, err = s.Accounts.TakeOAuthFlow(ctx, "s2")
	wantCode(t, "expired flow", err, core.ENOTFOUND)
	_, err = s.Accounts.TakeOAuthFlow(ctx, "\x00")
	wantCode(t, "hostile state", err, core.ENOTFOUND)
}

func testIdentities(t *testing.T, s Stores) {
	u := mustUser(t, s, "id@example.com")
	other := mustUser(t, s, "id2@example.com")
	id := &core.Identity{UserID: u.ID, Provider: "google", ProviderUserID: "sub-1", Email: "id@example.com", EmailVerified: true}
	if err := s.Accounts.CreateIdentity(ctx, id); err != nil {
		t.Fatal(err)
	}
	got, err := s.Accounts.FindIdentity(ctx, "google", "sub-1")
	if err != nil || got.ID != id.ID || got.UserID != u.ID || got.Email != "id@example.com" || !got.EmailVerified {
		t.Fatalf("identity: %+v %v", got, err)
	}
	err = s.Accounts.CreateIdentity(ctx, &core.Identity{UserID: other.ID, Provider: "google", ProviderUserID: "sub-1"})
	wantCode(t, "identity linked twice", err, core.ECONFLICT, "This google account is already linked.")
	_, err = s.Accounts.FindIdentity(ctx, "apple", "sub-1")
	wantCode(t, "unlinked identity", err, core.ENOTFOUND, "Identity not linked.")
	err = s.Accounts.CreateIdentity(ctx, &core.Identity{UserID: ghostID, Provider: "apple", ProviderUserID: "sub-2"})
	if core.ErrorCode(err) == core.EINVALID || err == nil {
		t.Fatalf("identity of a missing user: %v", err)
	}
}

func testDeleteUser(t *testing.T, s Stores) {
	u := mustUser(t, s, "gone@example.com")
	keep := mustUser(t, s, "stay@example.com")
	task := mustTask(t, s, newTask(u.ID, "mine"))
	kept := mustTask(t, s, newTask(keep.ID, "theirs"))
	tok := &core.RefreshToken{UserID: u.ID, TokenHash: "del1", ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.Users.CreateRefreshToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.Accounts.CreateAuditEntry(ctx, &core.AuditEntry{UserID: u.ID, Event: "login"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Accounts.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.Users.FindUserByID(ctx, u.ID)
	wantCode(t, "deleted user", err, core.ENOTFOUND)
	_, err = s.Tasks.FindTaskByID(ctx, task.ID)
	wantCode(t, "deleted user's task", err, core.ENOTFOUND)
	_, err = s.Users.FindRefreshTokenByHash(ctx, "del1")
	wantCode(t, "deleted user's token", err, core.ENOTFOUND)
	if list, _ := s.Accounts.FindAuditEntries(ctx, u.ID, 10); len(list) != 0 {
		t.Fatalf("deleted user's audit entries: %d", len(list))
	}
	if _, err := s.Tasks.FindTaskByID(ctx, kept.ID); err != nil {
		t.Fatalf("another user's task went too: %v", err)
	}
	wantCode(t, "second delete", s.Accounts.DeleteUser(ctx, u.ID), core.ENOTFOUND)
	// The email is free again.
	mustUser(t, s, "gone@example.com")
}
