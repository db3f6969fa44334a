package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAccountScenarios(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("taken@example.com")
	runScenarios(t, b, me, me, nil, []scenario{
		{name: "register", method: "POST", path: "/api/users/", status: 201,
			body:     map[string]any{"email": "New@Example.com", "password": "long enough pw", "first_name": "New", "last_name": "Person"},
			contains: []string{`"email":"new@example.com"`, `"first_name":"New"`, `"id":"`}},
		{name: "duplicate email", method: "POST", path: "/api/users/", status: 409, errCode: "conflict",
			body: map[string]any{"email": "TAKEN@example.com", "password": "long enough pw", "first_name": "A", "last_name": "B"}},
		{name: "short password", method: "POST", path: "/api/users/", status: 400, errField: "password",
			body: map[string]any{"email": "p@example.com", "password": "short", "first_name": "A", "last_name": "B"}},
		{name: "common password", method: "POST", path: "/api/users/", status: 400, errField: "password",
			body: map[string]any{"email": "p@example.com", "password": "password123", "first_name": "A", "last_name": "B"}},
		{name: "bad email", method: "POST", path: "/api/users/", status: 400, errField: "email",
			body: map[string]any{"email": "not-an-email", "password": "long enough pw", "first_name": "A", "last_name": "B"}},
		{name: "missing name", method: "POST", path: "/api/users/", status: 400, errField: "first_name",
			body: map[string]any{"email": "n@example.com", "password": "long enough pw", "last_name": "B"}},
		{name: "register unknown field", method: "POST", path: "/api/users/", status: 400, errField: "is_admin",
			body: map[string]any{"email": "n@example.com", "password": "long enough pw", "first_name": "A", "last_name": "B", "is_admin": true}},
		{name: "password never echoed", method: "POST", path: "/api/users/", status: 201,
			body: map[string]any{"email": "echo@example.com", "password": "secret-value-123", "first_name": "A", "last_name": "B"}},
		{name: "login wrong password", method: "POST", path: "/api/auth/login", status: 401, errCode: "unauthorized",
			body: map[string]any{"email": "taken@example.com", "password": "wrong password"}, contains: []string{"Email or password is incorrect."}},
		{name: "login unknown email", method: "POST", path: "/api/auth/login", status: 401, errCode: "unauthorized",
			body: map[string]any{"email": "ghost@example.com", "password": "wrong password"}, contains: []string{"Email or password is incorrect."}},
		{name: "login malformed", method: "POST", path: "/api/auth/login", status: 400, body: `{"email":`, errCode: "invalid"},
		{name: "login missing password", method: "POST", path: "/api/auth/login", status: 400, body: map[string]any{"email": "taken@example.com"}, errField: "password"},
		{name: "me", method: "GET", path: "/api/auth/me", token: "me", status: 200, contains: []string{`"email":"taken@example.com"`}},
		{name: "get own user", method: "GET", path: "/api/users/" + me.ID, token: "me", status: 200, contains: []string{me.ID}},
		{name: "refresh garbage", method: "POST", path: "/api/auth/refresh-token", status: 401, body: map[string]any{"refresh_token": "nope"}, errCode: "unauthorized"},
		{name: "refresh missing", method: "POST", path: "/api/auth/refresh-token", status: 400, body: map[string]any{}, errField: "refresh_token"},
	})
	_, body := b.do("POST", "/api/users/", "", map[string]any{"email": "echo2@example.com", "password": "secret-value-123", "first_name": "A", "last_name": "B"})
	if strings.Contains(string(body), "secret-value-123") || strings.Contains(string(body), "password") {
		t.Fatalf("registration response reveals the password: %s", body)
	}
}

// refresh trades a refresh token for a new pair: the answer's status and
// the pair ("" when refused).
func (b *testBackend) refresh(tok string) (code int, access, refresh string) {
	res, body := b.do("POST", "/api/auth/refresh-token", "", map[string]any{"refresh_token": tok})
	var s struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.Unmarshal(body, &s)
	return res.StatusCode, s.AccessToken, s.RefreshToken
}

func TestRefreshRotatesAndReuseRevokesFamily(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("rotate@example.com")
	refresh := b.refresh
	code, access2, r2 := refresh(me.Refresh)
	if code != 200 || r2 == "" || r2 == me.Refresh {
		t.Fatalf("first refresh: %d", code)
	}
	res, _ := b.do("GET", "/api/tasks/"+me.ID, access2, nil)
	if res.StatusCode != 200 {
		t.Fatalf("new access token refused: %d", res.StatusCode)
	}
	// The answer carrying r2 was lost (or the device was killed before it
	// kept r2): within the grace period the old token gets a new pair,
	// and r2, never kept, is spent.
	code, access2b, r2b := refresh(me.Refresh)
	if code != 200 || r2b == "" || r2b == r2 || r2b == me.Refresh {
		t.Fatalf("retry of a refresh whose answer was lost: %d", code)
	}
	if res, _ := b.do("GET", "/api/tasks/"+me.ID, access2b, nil); res.StatusCode != 200 {
		t.Fatalf("retry's access token refused: %d", res.StatusCode)
	}
	if code, _, _ := refresh(r2); code != 401 {
		t.Fatalf("replaced successor: %d", code)
	}
	code, _, r3 := refresh(r2b)
	if code != 200 {
		t.Fatalf("refresh with the retry's token: %d", code)
	}
	// Once the successor was used, the old token is no retry: refused
	// (inside the grace period without revoking).
	if code, _, _ := refresh(me.Refresh); code != 401 {
		t.Fatalf("replay after the successor was used: %d", code)
	}
	if code, _, _ := refresh(r2); code != 401 {
		t.Fatalf("second replay of the replaced successor: %d", code)
	}
	// Logout revokes the family: the latest token dies too.
	res, _ = b.do("POST", "/api/auth/logout", "", map[string]any{"refresh_token": r3})
	if res.StatusCode != 204 {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if code, _, _ := refresh(r3); code != 401 {
		t.Fatalf("refresh after logout: %d", code)
	}
}

// An access token ends with its session: after sign-out, a revoked device
// or a password change, /api/auth/me refuses it at once, not when it
// expires.
func TestAccessTokenEndsWithItsSession(t *testing.T) {
	b := newBackend(t, false)
	me := func(tok string) int {
		t.Helper()
		res, _ := b.do("GET", "/api/auth/me", tok, nil)
		return res.StatusCode
	}

	t.Run("logout", func(t *testing.T) {
		acc := b.signUp("out@example.com")
		other := b.login("out@example.com", "correct horse battery")
		if res, _ := b.do("POST", "/api/auth/logout", "", map[string]any{"refresh_token": acc.Refresh}); res.StatusCode != 204 {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if code := me(acc.Access); code != 401 {
			t.Fatalf("access token after logout: %d, want 401", code)
		}
		if code := me(other.Access); code != 200 {
			t.Fatalf("another device's token after logout: %d, want 200", code)
		}
	})

	t.Run("revoked device", func(t *testing.T) {
		laptop := b.signUp("two@example.com")
		phone := b.login("two@example.com", "correct horse battery")
		_, body := b.do("GET", "/api/auth/sessions", laptop.Access, nil)
		var list struct {
			Sessions []struct {
				ID      string
				Current bool
			}
		}
		_ = json.Unmarshal(body, &list)
		var phoneID string
		for _, s := range list.Sessions {
			if !s.Current {
				phoneID = s.ID
			}
		}
		if res, _ := b.do("DELETE", "/api/auth/sessions/"+phoneID, laptop.Access, nil); res.StatusCode != 204 {
			t.Fatalf("revoke %q: %d", phoneID, res.StatusCode)
		}
		if code := me(phone.Access); code != 401 {
			t.Fatalf("revoked device's access token: %d, want 401", code)
		}
		if code := me(laptop.Access); code != 200 {
			t.Fatalf("the revoking device's token: %d, want 200", code)
		}
	})

	t.Run("password change", func(t *testing.T) {
		laptop := b.signUp("pw@example.com")
		phone := b.login("pw@example.com", "correct horse battery")
		res, body := b.do("POST", "/api/users/"+laptop.ID+"/password", laptop.Access,
			map[string]any{"current_password": "correct horse battery", "new_password": "fresh password 1"})
		if res.StatusCode != 200 {
			t.Fatalf("change: %d %s", res.StatusCode, body)
		}
		var s struct {
			A string `json:"access_token"`
		}
		_ = json.Unmarshal(body, &s)
		if code := me(phone.Access); code != 401 {
			t.Fatalf("other device after a password change: %d, want 401", code)
		}
		if code := me(s.A); code != 200 {
			t.Fatalf("the new session: %d, want 200", code)
		}
	})
}
