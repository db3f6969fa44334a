package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/auth"
)

// forgedTokens returns, for a real user, an access token signed with the
// server's real secret but expired, and an unsigned alg:none token.
func forgedTokens(t *testing.T, b *testBackend, userID string) (expired, none string) {
	t.Helper()
	secret, err := os.ReadFile(filepath.Join(b.app.Config.DataDir, app.SecretFile))
	if b.app.PG != nil { // servers on PostgreSQL share the database's
		err = b.queryRow(`SELECT value FROM meta WHERE key = 'signing_secret'`).Scan(&secret)
	}
	if err != nil {
		t.Fatal(err)
	}
	past := func() time.Time { return time.Now().Add(-time.Hour) }
	old, err := auth.NewService(b.app.Store, auth.Options{Secret: []byte(strings.TrimSpace(string(secret))), BcryptCost: 4, Now: past})
	if err != nil {
		t.Fatal(err)
	}
	u, err := b.app.Store.FindUserByID(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	if expired, err = old.IssueAccessToken(u); err != nil {
		t.Fatal(err)
	}
	if _, err := b.app.Auth.Authenticate(context.Background(), expired); err == nil {
		t.Fatal("the expired control token was accepted")
	}
	enc := base64.RawURLEncoding.EncodeToString
	none = enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		enc([]byte(`{"sub":"`+userID+`","iss":"sentry","aud":["sentry-api"],"exp":`+"9999999999"+`,"tv":0}`)) + "."
	return expired, none
}

// Every /api route needs a valid token unless it is one of the public auth
// routes, and every {user_id} route refuses another user's id.
func TestEveryRouteIsAuthenticatedAndOwned(t *testing.T) {
	b := newBackend(t, false)
	me, other := b.signUp("owner@example.com"), b.signUp("intruder@example.com")
	theirs := b.createTask(other, map[string]any{"title": "Theirs"})
	public := map[string]bool{
		"GET /health": true, "GET /api/openapi.json": true, "POST /api/users": true, "POST /api/auth/login": true,
		"POST /api/auth/refresh-token": true, "POST /api/auth/logout": true, "POST /api/auth/local-session": true,
		"POST /api/auth/verify-email": true, "POST /api/auth/verify-email/resend": true, "POST /api/auth/forgot-password": true,
		"POST /api/auth/reset-password": true, "GET /api/auth/providers": true, "POST /api/auth/oauth/exchange": true,
		"GET /api/auth/google": true, "GET /api/auth/google/callback": true, "GET /api/auth/apple": true,
		"POST /api/auth/apple/callback": true, "GET /api/auth/facebook": true, "GET /api/auth/facebook/callback": true,
		"GET /api/integrations/callback": true,
	}
	expired, none := forgedTokens(t, b, me.ID)
	// The intruder's targets: a run, an upload session, a signed-in device.
	_, runBody := b.do("POST", "/api/extract/text", other.Access, map[string]any{"text": "Bob will send the report by Friday.", "review": true})
	var run struct {
		ID string `json:"extraction_id"`
	}
	_ = json.Unmarshal(runBody, &run)
	theirRun := run.ID
	_, sessBody := b.do("POST", "/api/uploads/create-session", other.Access, nil)
	var us struct {
		ID string `json:"session_id"`
	}
	_ = json.Unmarshal(sessBody, &us)
	_, devBody := b.do("GET", "/api/auth/sessions", other.Access, nil)
	var devs struct{ Sessions []struct{ ID string } }
	_ = json.Unmarshal(devBody, &devs)
	if theirRun == "" || len(devs.Sessions) == 0 {
		t.Fatalf("setup: run %q, upload session %q, devices %d", theirRun, us.ID, len(devs.Sessions))
	}
	_, nbBody := b.do("POST", "/api/notebooks/create", other.Access, map[string]any{"name": "Theirs"})
	var nb struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(nbBody, &nb)
	if nb.ID == "" {
		t.Fatalf("setup notebook: %s", nbBody)
	}
	_, teamBody := b.do("POST", "/api/teams", other.Access, map[string]any{"name": "Theirs"})
	var theirTeam struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(teamBody, &theirTeam)
	if theirTeam.ID == "" && b.app.Teams != nil {
		t.Fatalf("setup team: %s", teamBody)
	}
	// A file of theirs, named by its SHA-256 in their scope.
	theirSHA := strings.Repeat("ab", 32)
	if b.app.Sync != nil {
		b.bindDevice(other, "their-device").blobRow(1, theirSHA, 10)
	}
	theirSession := func(path string) string {
		if strings.HasPrefix(path, "/api/auth/") {
			return devs.Sessions[0].ID
		}
		return us.ID
	}
	// Routes that name the user in the body refuse another user's id too.
	bodyOwned := map[string]map[string]any{
		"POST /api/profile/create":           {"user_id": other.ID, "timezone": "UTC"},
		"POST /api/workload/calculate":       {"user_id": other.ID},
		"POST /api/burnout/analyze":          {"user_id": other.ID},
		"POST /api/burnout/feedback":         {"user_id": other.ID, "checkin": "Tired."},
		"POST /api/recommendations/generate": {"user_id": other.ID},
	}
	routes := b.app.Server().Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		if rt.Public != public[key] {
			t.Errorf("%s: public=%v, want %v", key, rt.Public, public[key])
		}
		if rt.Public {
			continue
		}
		path := strings.NewReplacer("{user_id}", other.ID, "{task_id}", theirs["id"].(string)).Replace(rt.Path)
		var body any
		if rt.Method == "POST" || rt.Method == "PUT" {
			body = map[string]any{"title": "x"}
		}
		for _, tok := range []string{"", "garbage", me.Access[:len(me.Access)-4] + "AAAA", expired, none} {
			res, out := b.do(rt.Method, path, tok, body)
			if res.StatusCode != 401 {
				t.Errorf("%s with token %.10q: %d, want 401: %s", key, tok, res.StatusCode, out)
			} else if rt.Method == "HEAD" {
				continue // no body to name the code
			} else if code, _ := errorOf(t, out); code != "unauthorized" {
				t.Errorf("%s: code %s", key, code)
			}
		}
		if ob, ok := bodyOwned[key]; ok {
			if res, out := b.do(rt.Method, path, me.Access, ob); res.StatusCode != 403 {
				t.Errorf("%s for another user (in the body): %d, want 403: %s", key, res.StatusCode, out)
			}
		}
		if strings.Contains(rt.Path, "{user_id}") {
			res, out := b.do(rt.Method, path, me.Access, body)
			if res.StatusCode != 403 {
				t.Errorf("%s as another user: %d, want 403: %s", key, res.StatusCode, out)
			}
		} else if strings.Contains(rt.Path, "{") {
			// Another user's object: as if it didn't exist.
			objPath := strings.NewReplacer("{task_id}", theirs["id"].(string), "{extraction_id}", theirRun,
				"{item_id}", "t1", "{session_id}", theirSession(rt.Path), "{notebook_id}", nb.ID, "{document_id}", "doc-of-theirs", "{team_id}", theirTeam.ID, "{member_id}", other.ID, "{sha256}", theirSHA).Replace(rt.Path)
			res, out := b.do(rt.Method, objPath, me.Access, body)
			if res.StatusCode != 404 {
				t.Errorf("%s on another user's object: %d, want 404: %s", key, res.StatusCode, out)
			}
		}
		if strings.Contains(rt.Path, "{") {
			// And the victim's data is untouched.
			res, out := b.do("GET", "/api/tasks/"+other.ID+"/"+theirs["id"].(string), other.Access, nil)
			if res.StatusCode != 200 || !strings.Contains(string(out), `"title":"Theirs"`) {
				t.Fatalf("after %s by intruder, owner sees %d %s", key, res.StatusCode, out)
			}
		}
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	b := newBackend(t, false)
	res, body := b.do("GET", "/api/openapi.json", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("%d", res.StatusCode)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
		Comps   struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	for _, rt := range b.app.Server().Routes() {
		op, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s not documented", rt.Method, rt.Path)
			continue
		}
		sec, documented := op["security"].([]any)
		if secured := len(sec) > 0; !documented || secured == rt.Public {
			t.Errorf("%s %s: security %v, public %v", rt.Method, rt.Path, op["security"], rt.Public)
		}
	}
	// Every $ref points at a schema that exists.
	for _, m := range refPattern.FindAllStringSubmatch(string(body), -1) {
		if _, ok := doc.Comps.Schemas[m[1]]; !ok {
			t.Errorf("dangling $ref %s", m[1])
		}
	}
}
