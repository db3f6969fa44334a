package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/jobtest"
	"sentry/sync/client"
)

// built is the command built once for the tests that run it as a child
// process (go build takes tens of seconds on a busy machine).
var built struct {
	once sync.Once
	dir  string
	path string
	out  []byte
	err  error
}

// sentryBinary builds the command once per test binary and returns its path.
func sentryBinary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "sentry-build-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "sentry")
		built.out, built.err = exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("build: %v\n%s", built.err, built.out)
	}
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// childEnv is the environment of a command run as a child: no keyring (the
// sign-in is kept in the data folder) and none of the caller's settings.
func childEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && !strings.HasPrefix(kv, "XDG_RUNTIME_DIR=") && !strings.HasPrefix(kv, "SENTRY_") {
			out = append(out, kv)
		}
	}
	return out
}

// TestSyncScenarioByCommandLine is the sync feature as a person with two
// devices and a teammate meets it, every step through the command line
// against a team server process: work before connecting, a team task that
// reaches the teammate and not their personal tasks, the server killed
// (-9) while all three keep working offline, the same field edited on two
// devices (a conflict reported with both values, not lost), a sync killed
// (-9) half-way through 1,500 changes, and at the end every device of the
// person holds the same tasks as the server and the teammate the team's.
// On SQLite, and on PostgreSQL under scripts/with-postgres.
func TestSyncScenarioByCommandLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs the server and devices as child processes")
	}
	bin := sentryBinary(t)
	t.Run("sqlite", func(t *testing.T) { syncScenario(t, bin, "") })
	t.Run("postgres", func(t *testing.T) {
		u := pgSchemaURL(t)
		if u == "" {
			t.Skip("needs PostgreSQL: run under scripts/with-postgres")
		}
		syncScenario(t, bin, u)
	})
}

func syncScenario(t *testing.T, bin, dbURL string) {
	addr, serverData := freeAddr(t), t.TempDir()
	base := "http://" + addr
	var server *exec.Cmd
	var serverExited chan error
	start := func() {
		args := []string{"serve", "--addr", addr, "--data", serverData, "--log-level", "error", "--rate-limit", "0"}
		if dbURL != "" {
			args = append(args, "--database-url", dbURL)
		}
		server = exec.Command(bin, args...)
		server.Env = childEnv()
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		serverExited = make(chan error, 1)
		go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(server, serverExited)
		waitHealthy(t, base)
	}
	kill := func() {
		if server != nil {
			_ = server.Process.Kill()
			<-serverExited
			server = nil
		}
	}
	start()
	t.Cleanup(kill)

	// sentry runs the command on a device's data folder.
	sentry := func(dir, stdin string, args ...string) (string, string, error) {
		cmd := exec.Command(bin, append(args, "--data", dir)...)
		cmd.Env = childEnv()
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	must := func(dir string, args ...string) string {
		t.Helper()
		out, errb, err := sentry(dir, "", args...)
		if err != nil {
			t.Fatalf("sentry %s: %v\n%s%s", strings.Join(args, " "), err, out, errb)
		}
		return out
	}
	addTask := func(dir string, args ...string) core.Task {
		t.Helper()
		var task core.Task
		if out := must(dir, append([]string{"tasks", "add"}, append(args, "--json")...)...); json.Unmarshal([]byte(out), &task) != nil || task.ID == "" {
			t.Fatalf("tasks add %v: %s", args, out)
		}
		return task
	}
	list := func(dir string) map[string]core.Task {
		t.Helper()
		var l struct{ Tasks []core.Task }
		if out := must(dir, "tasks", "list", "--json"); json.Unmarshal([]byte(out), &l) != nil {
			t.Fatalf("tasks list: %s", out)
		}
		m := map[string]core.Task{}
		for _, task := range l.Tasks {
			m[task.ID] = task
		}
		return m
	}
	// syncNow syncs until the device has nothing left to send (what a pull
	// brings sets the device's own features to work, whose writes are new
	// changes) and returns the first round's counts.
	syncNow := func(dir string) client.Result {
		t.Helper()
		var first client.Result
		for round := 0; round < 4; round++ {
			var r client.Result
			if out := must(dir, "sync", "now", "--json"); json.Unmarshal([]byte(out), &r) != nil {
				t.Fatalf("sync now: %s", out)
			}
			if round == 0 {
				first = r
			}
			if r.Pending == 0 {
				return first
			}
		}
		t.Fatalf("%s: changes still pending after four syncs", dir)
		return first
	}
	conflicts := func(dir string) []core.SyncConflict {
		t.Helper()
		var c struct{ Conflicts []core.SyncConflict }
		if out := must(dir, "sync", "conflicts", "--json"); json.Unmarshal([]byte(out), &c) != nil {
			t.Fatalf("sync conflicts: %s", out)
		}
		return c.Conflicts
	}

	// Two people on the server; Alice makes a team with Bob in it.
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		post(t, base+"/api/users/", "", map[string]any{"email": email, "password": "scenario-pass-1", "first_name": "S", "last_name": "T"}, 201)
	}
	sess := post(t, base+"/api/auth/login", "", map[string]any{"email": "alice@example.com", "password": "scenario-pass-1"}, 200)
	alice, aliceID := sess["access_token"].(string), sess["user"].(map[string]any)["id"].(string)
	team := post(t, base+"/api/teams", alice, map[string]any{"name": "Launch"}, 201)["id"].(string)
	post(t, base+"/api/teams/"+team+"/members", alice, map[string]any{"email": "bob@example.com", "role": "member"}, 201)

	// Work done before connecting is kept and sent.
	laptop, desk, bob := t.TempDir(), t.TempDir(), t.TempDir()
	venue := addTask(laptop, "Book the venue", "--priority", "medium")
	for dir, email := range map[string]string{laptop: "alice@example.com", desk: "alice@example.com", bob: "bob@example.com"} {
		if out, errb, err := sentry(dir, "scenario-pass-1\n", "sync", "connect", base, "--email", email, "--password-stdin"); err != nil {
			t.Fatalf("connect %s: %v %s%s", email, err, out, errb)
		}
	}
	if r := syncNow(laptop); r.Pushed < 1 {
		t.Fatalf("laptop's first sync: %+v", r)
	}
	syncNow(desk)
	if got, ok := list(desk)[venue.ID]; !ok || got.Title != "Book the venue" {
		t.Fatalf("the laptop's task on the desk: %+v", got)
	}

	// A team task reaches the teammate with its team; Alice's own does not.
	badges := addTask(laptop, "Order the badges", "--team", team)
	syncNow(laptop)
	syncNow(bob)
	bobs := list(bob)
	if got, ok := bobs[badges.ID]; !ok || got.TeamID != team {
		t.Fatalf("the team task on Bob's device: %+v (%v)", got, ok)
	}
	if _, ok := bobs[venue.ID]; ok {
		t.Fatal("Alice's own task reached Bob's device")
	}

	// The server is killed. Everyone keeps working; a sync says why it
	// cannot and keeps the work.
	kill()
	must(laptop, "tasks", "edit", venue.ID, "--title", "Book the venue for 80")
	must(desk, "tasks", "edit", venue.ID, "--title", "Book the venue for 120")
	must(desk, "tasks", "edit", venue.ID, "--priority", "high")
	must(bob, "tasks", "edit", badges.ID, "--status", "in_progress")
	train := addTask(desk, "Written on the train")
	if out, errb, err := sentry(desk, "", "sync", "now"); err == nil || len(strings.Split(strings.TrimSpace(errb), "\n")) != 1 || !strings.Contains(errb, "can't be reached") {
		t.Fatalf("sync with the server down: %v %q %q", err, out, errb)
	}
	var st client.Status
	if out := must(desk, "sync", "status", "--json"); json.Unmarshal([]byte(out), &st) != nil || st.State != client.StateOffline || st.Pending == 0 {
		t.Fatalf("status with the server down: %+v", st)
	}
	// And the laptop, offline, takes down a long list: 1,500 tasks, made
	// by the app on the device's folder as the desktop makes them (one
	// command each would take minutes).
	const many = 1500
	cfg := config.Default()
	cfg.DataDir = laptop
	a, err := app.New(context.Background(), app.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	me, err := a.LocalUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range many {
		if _, err := a.Tasks.Create(core.NewContextWithUser(context.Background(), me), me.ID, &core.Task{Title: fmt.Sprintf("Call supplier %04d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	local := list(laptop)
	if len(local) != many+2 {
		t.Fatalf("the laptop has %d tasks, want %d", len(local), many+2)
	}

	// The server comes back. The laptop's sync is killed (-9) once the
	// server has committed part of it; the next one completes.
	start()
	supplierOnServer := func() bool {
		req, _ := http.NewRequest("GET", base+"/api/tasks/"+aliceID+"?limit=1&q="+url.QueryEscape("supplier"), nil)
		req.Header.Set("Authorization", "Bearer "+alice)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var page struct{ Tasks []core.Task }
		if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&page) != nil {
			t.Fatalf("list on the server: %d", res.StatusCode)
		}
		return len(page.Tasks) > 0
	}
	alice = post(t, base+"/api/auth/login", "", map[string]any{"email": "alice@example.com", "password": "scenario-pass-1"}, 200)["access_token"].(string)
	cmd := exec.Command(bin, "sync", "now", "--data", laptop)
	cmd.Env = childEnv()
	var killedErr bytes.Buffer
	cmd.Stderr = &killedErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	finished := false
	jobtest.Wait(t, "the server to commit part of the laptop's sync", func() (bool, string) {
		select {
		case err := <-exited:
			finished = true
			exited <- err
			return true, "the sync finished"
		default:
		}
		return supplierOnServer(), "no supplier task on the server yet"
	})
	_ = cmd.Process.Kill()
	<-exited
	if finished {
		t.Logf("the laptop's sync finished before it could be killed: %s", killedErr.String())
	}
	if st := must(laptop, "sync", "status"); strings.HasPrefix(st, "Synced") && !finished {
		t.Fatalf("status after the killed sync: %s", st)
	}

	// Everyone syncs until nothing moves.
	for range 2 {
		for _, dir := range []string{laptop, desk, bob} {
			syncNow(dir)
		}
	}

	// Alice's two devices agree, task for task, with every offline write.
	onLaptop, onDesk := list(laptop), list(desk)
	if len(onLaptop) != len(onDesk) || len(onLaptop) != len(local)+1 {
		t.Fatalf("laptop %d tasks, desk %d, want %d each", len(onLaptop), len(onDesk), len(local)+1)
	}
	for id, a := range onLaptop {
		d, ok := onDesk[id]
		if !ok || a.Title != d.Title || a.Status != d.Status || a.Priority != d.Priority || a.TeamID != d.TeamID {
			t.Fatalf("task %s: laptop %q/%s/%s, desk %q/%s/%s", id, a.Title, a.Status, a.Priority, d.Title, d.Status, d.Priority)
		}
	}
	if _, ok := onLaptop[train.ID]; !ok {
		t.Fatal("the desk's offline task did not reach the laptop")
	}
	if got := onLaptop[badges.ID]; got.Status != "in_progress" {
		t.Fatalf("Bob's offline edit of the team task: %+v", got)
	}
	// The concurrent title: one won on both, the other is reported with
	// both values; the other field (priority) merged without a conflict.
	v := onLaptop[venue.ID]
	if v.Priority != "high" || (v.Title != "Book the venue for 80" && v.Title != "Book the venue for 120") {
		t.Fatalf("the venue task after the concurrent edits: %q %s", v.Title, v.Priority)
	}
	var titleConflicts []core.SyncConflict
	var holder string // a device that lists the conflict
	for _, c := range append(conflicts(laptop), conflicts(desk)...) {
		if c.RowID == venue.ID {
			holder = laptop
			if len(conflicts(laptop)) == 0 {
				holder = desk
			}
			if c.Field != "title" {
				t.Fatalf("a conflict on %s: the edits of different fields must merge", c.Field)
			}
			titleConflicts = append(titleConflicts, c)
		}
	}
	if len(titleConflicts) == 0 {
		t.Fatal("the concurrent title edit was not reported as a conflict")
	}
	for _, c := range titleConflicts {
		values := fmt.Sprint(c.WinnerValue, "|", c.LoserValue)
		if c.WinnerValue != v.Title || !strings.Contains(values, "for 80") || !strings.Contains(values, "for 120") {
			t.Fatalf("conflict %+v: want both titles, the winner as kept", c)
		}
	}
	// "Keep the other one": the value that lost comes back on both devices,
	// and the conflict is settled.
	c := titleConflicts[0]
	lost := fmt.Sprint(c.LoserValue)
	if out, errb, err := sentry(holder, "", "sync", "keep", c.ID[len(c.ID)-8:], "sideways"); err == nil || !strings.Contains(errb, "kept (as it is) or lost") {
		t.Fatalf("keep with a wrong choice: %v %s%s", err, out, errb)
	}
	if out := must(holder, "sync", "keep", c.ID[len(c.ID)-8:], "lost"); !strings.Contains(out, "Settled") {
		t.Fatalf("sync keep: %s", out)
	}
	for range 2 {
		syncNow(laptop)
		syncNow(desk)
	}
	if a, d := list(laptop)[venue.ID].Title, list(desk)[venue.ID].Title; a != lost || d != lost {
		t.Fatalf("after keeping the lost title %q: laptop %q, desk %q", lost, a, d)
	}
	// Settled on both: on the one that settled it, and on the other since
	// the value it lost is the task's again.
	if left := append(conflicts(laptop), conflicts(desk)...); len(left) != 0 {
		t.Fatalf("conflicts left after settling: %+v", left)
	}
	if out, errb, err := sentry(holder, "", "sync", "keep", c.ID, "kept"); err == nil || !strings.Contains(errb, "settled already") {
		t.Fatalf("keeping a settled conflict: %v %s%s", err, out, errb)
	}

	// Bob holds the team's task and none of Alice's own.
	bobs = list(bob)
	if len(bobs) != 1 || bobs[badges.ID].Status != "in_progress" {
		t.Fatalf("Bob's device: %d tasks %+v", len(bobs), bobs)
	}
	for _, dir := range []string{laptop, desk, bob} {
		if st := must(dir, "sync", "status"); !strings.HasPrefix(st, "Synced") {
			t.Fatalf("status at the end: %s", st)
		}
	}
}
