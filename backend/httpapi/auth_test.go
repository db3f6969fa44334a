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

func TestRefreshRotatesAndReuseRevokesFamily(t *testing.T) {
	b := newBackend(t, false)
	me := b.signUp("rotate@example.com")
	refresh := func(tok string) (int, string, string) {
		res, body := b.do("POST", "/api/auth/refresh-token", "", map[string]any{"refresh_token": tok})
		var s struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		_ = json.Unmarshal(body, &s)
		return res.StatusCode, s.AccessToken, s.RefreshToken
	}
	code, access2, r2 := refresh(me.Refresh)
	if code != 200 || r2 == "" || r2 == me.Refresh {
		t.Fatalf("first refresh: %d", code)
	}
	res, _ := b.do("GET", "/api/tasks/"+me.ID, access2, nil)
	if res.StatusCode != 200 {
		t.Fatalf("new access token refused: %d", res.StatusCode)
	}
	// Inside the grace period a replay fails but does not revoke.
	if code, _, _ := refresh(me.Refresh); code != 401 {
		t.Fatalf("replay: %d", code)
	}
	code, _, r3 := refresh(r2)
	if code != 200 {
		t.Fatalf("refresh with successor after replay: %d", code)
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
