package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sentry/backend/core"
	"sentry/backend/jobtest"
	"sentry/sync/client"
)

// TestSyncCommands drives `sentry sync …` as a person would: two data
// folders, one `sentry serve`, a connect with the password on standard
// input, syncs, a team task, the server stopped and started again.
func TestSyncCommands(t *testing.T) {
	ctx := context.Background()
	addr, serverData := freeAddr(t), t.TempDir()
	base := "http://" + addr
	serve := func() (stop func()) {
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan int, 1)
		var out, errb bytes.Buffer
		go func() {
			done <- run(sctx, []string{"serve", "--addr", addr, "--data", serverData, "--log-level", "error", "--rate-limit", "0"}, &out, &errb, env(nil))
		}()
		waitHealthy(t, base)
		return func() {
			cancel()
			if code := jobtest.Receive(t, "serve to stop", done); code != 0 {
				t.Errorf("serve exited %d: %s", code, errb.String())
			}
		}
	}
	laptop, desk := t.TempDir(), t.TempDir()
	sentry := func(dir string, want int, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(ctx, append(args, "--data", dir), &out, &errb, env(nil)); code != want {
			t.Fatalf("%v: exit %d, want %d:\n%s%s", args, code, want, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	connect := func(dir, password string, want int) string {
		t.Helper()
		stdin = strings.NewReader(password + "\n")
		defer func() { stdin = os.Stdin }()
		out, errb := sentry(dir, want, "sync", "connect", base, "--email", "dana@example.com", "--password-stdin")
		return out + errb
	}
	var now client.Result
	syncNow := func(dir string) client.Result {
		t.Helper()
		out, _ := sentry(dir, 0, "sync", "now", "--json")
		var r client.Result
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("sync now --json: %v: %s", err, out)
		}
		return r
	}
	titles := func(dir string) map[string]core.Task {
		t.Helper()
		out, _ := sentry(dir, 0, "tasks", "list", "--json")
		var list struct{ Tasks []core.Task }
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatal(err)
		}
		m := map[string]core.Task{}
		for _, task := range list.Tasks {
			m[task.Title] = task
		}
		return m
	}

	if out, _ := sentry(laptop, 0, "sync", "status"); !strings.Contains(out, "Not connected") {
		t.Fatalf("status before connecting: %s", out)
	}
	if _, errb := sentry(laptop, 1, "sync", "now"); !strings.Contains(errb, "sentry sync connect") {
		t.Fatalf("sync before connecting: %s", errb)
	}
	stop := serve()
	post(t, base+"/api/users/", "", map[string]any{"email": "dana@example.com", "password": "dana-sync-pass-9", "first_name": "Dana", "last_name": "S"}, 201)
	sentry(laptop, 0, "tasks", "add", "Pay the rent")
	if msg := connect(laptop, "wrong-password-1", 1); !strings.Contains(strings.ToLower(msg), "password") {
		t.Fatalf("connect with a wrong password: %s", msg)
	}
	if msg := connect(laptop, "dana-sync-pass-9", 0); !strings.Contains(msg, "Connected to "+base) {
		t.Fatalf("connect: %s", msg)
	}
	if b, err := os.ReadFile(filepath.Join(laptop, "sync-token.json")); err != nil || strings.Contains(string(b), "dana-sync-pass-9") {
		t.Fatalf("the sign-in kept: %v (the password must never be)", err)
	}
	if now = syncNow(laptop); now.Pushed != 1 || now.Pending != 0 {
		t.Fatalf("laptop's first sync: %+v", now)
	}
	connect(desk, "dana-sync-pass-9", 0)
	if now = syncNow(desk); now.Pulled < 1 {
		t.Fatalf("desk's first sync: %+v", now)
	}
	if _, ok := titles(desk)["Pay the rent"]; !ok {
		t.Fatalf("the laptop's task is not on the desk: %v", titles(desk))
	}

	// A team task: the team reaches the laptop at its next sync, then a
	// task added there with --team shows on the desk with its team.
	sess := post(t, base+"/api/auth/login", "", map[string]any{"email": "dana@example.com", "password": "dana-sync-pass-9"}, 200)
	team := post(t, base+"/api/teams", sess["access_token"].(string), map[string]any{"name": "Ops"}, 201)["id"].(string)
	syncNow(laptop)
	if out, _ := sentry(laptop, 0, "sync", "status"); !strings.Contains(out, "Teams: Ops") || !strings.HasPrefix(out, "Synced") {
		t.Fatalf("status: %s", out)
	}
	sentry(laptop, 0, "tasks", "add", "Rotate the keys", "--team", team)
	syncNow(laptop)
	syncNow(desk)
	if got, ok := titles(desk)["Rotate the keys"]; !ok || got.TeamID != team {
		t.Fatalf("team task on the desk: %+v (%v)", got, ok)
	}

	// The server goes away: the desk keeps its work and says why.
	stop()
	sentry(desk, 0, "tasks", "add", "Written on the train")
	_, errb := sentry(desk, 1, "sync", "now")
	if lines := strings.Split(strings.TrimSpace(errb), "\n"); len(lines) != 1 || !strings.Contains(errb, "can't be reached") || !strings.Contains(errb, "kept here") {
		t.Fatalf("sync with the server down: %q", errb)
	}
	out, _ := sentry(desk, 0, "sync", "status", "--json")
	var st client.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.State != client.StateOffline || st.Pending != 1 {
		t.Fatalf("status while the server is down: %+v %v", st, err)
	}
	stop = serve()
	defer stop()
	if now = syncNow(desk); now.Pushed != 1 || now.Pending != 0 {
		t.Fatalf("desk after the server came back: %+v", now)
	}
	syncNow(laptop)
	if _, ok := titles(laptop)["Written on the train"]; !ok {
		t.Fatalf("the offline task did not reach the laptop: %v", titles(laptop))
	}
	if len(titles(laptop)) != 3 || len(titles(desk)) != 3 {
		t.Fatalf("laptop %v desk %v: want the same 3 tasks", titles(laptop), titles(desk))
	}
	out, _ = sentry(desk, 0, "sync", "conflicts", "--json")
	if !strings.Contains(out, `"conflicts": []`) {
		t.Fatalf("conflicts: %s", out)
	}
	if out, _ := sentry(desk, 0, "sync", "status"); !strings.HasPrefix(out, "Synced") {
		t.Fatalf("status after catching up: %s", out)
	}
}
