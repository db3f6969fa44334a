package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/jobtest"
)

// TestKillNineOfOneInstanceLosesNothingOnPostgres runs two `sentry serve`
// instances on one PostgreSQL database (separate data folders), spreads 16
// clients' creates over both, kills one with SIGKILL while creates are in
// flight, lets the other go on, and then reads the database: every create
// either instance answered 201 is there, with its change log entry.
func TestKillNineOfOneInstanceLosesNothingOnPostgres(t *testing.T) {
	dbURL := pgSchemaURL(t) // a schema of its own; every instance's search_path
	if dbURL == "" || testing.Short() {
		t.Skip("needs SENTRY_TEST_DATABASE_URL (scripts/with-postgres) and builds the server")
	}

	dir := t.TempDir()
	bin := sentryBinary(t)
	type instance struct {
		base   string
		cmd    *exec.Cmd
		exited chan error
		stderr bytes.Buffer
	}
	start := func(n int) *instance {
		in := &instance{exited: make(chan error, 1)}
		addr := freeAddr(t)
		in.base = "http://" + addr
		in.cmd = exec.Command(bin, "serve", "--addr", addr, "--data", filepath.Join(dir, fmt.Sprintf("data%d", n)),
			"--database-url", dbURL, "--log-level", "warn", "--rate-limit", "0")
		in.cmd.Stderr = &in.stderr
		if err := in.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { in.exited <- in.cmd.Wait() }()
		t.Cleanup(func() {
			_ = in.cmd.Process.Kill()
			<-in.exited
		})
		waitHealthy(t, in.base)
		return in
	}
	a, b := start(1), start(2)
	post(t, a.base+"/api/users/", "", map[string]any{"email": "k@example.com", "password": "kill-nine-proof", "first_name": "K", "last_name": "N"}, 201)
	sess := post(t, b.base+"/api/auth/login", "", map[string]any{"email": "k@example.com", "password": "kill-nine-proof"}, 200)
	uid := sess["user"].(map[string]any)["id"].(string)
	token := sess["access_token"].(string) // issued by b, accepted by a: the key is in the database

	var mu sync.Mutex
	var acked []string
	var stop atomic.Bool
	reached := make(chan struct{})
	var once sync.Once
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: 2 * time.Minute}
	var wg sync.WaitGroup
	for w := range 16 {
		target := a.base
		if w%2 == 1 {
			target = b.base
		}
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				body, _ := json.Marshal(map[string]any{"title": fmt.Sprintf("kill %d-%d", w, i)})
				req, _ := http.NewRequest("POST", target+"/api/tasks/"+uid, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(req)
				if err != nil {
					if target == a.base {
						return // the killed instance is gone
					}
					continue
				}
				var task struct{ ID string }
				derr := json.NewDecoder(res.Body).Decode(&task)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated || derr != nil || task.ID == "" {
					continue
				}
				mu.Lock()
				acked = append(acked, task.ID)
				if len(acked) >= 300 {
					once.Do(func() { close(reached) })
				}
				mu.Unlock()
			}
		})
	}
	jobtest.Receive(t, "300 acknowledged creates over two instances", reached)
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	atKill := len(acked)
	mu.Unlock()
	// The other instance goes on serving: 100 more creates through it.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= atKill+100 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()

	mu.Lock()
	ids := append([]string(nil), acked...)
	mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, logged int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM tasks WHERE id = ANY($1)),
		(SELECT count(DISTINCT row_id) FROM changes WHERE row_id = ANY($1))`, ids).Scan(&rows, &logged); err != nil {
		t.Fatal(err)
	}
	if rows != len(ids) || logged != len(ids) {
		t.Fatalf("%d creates answered 201, but %d are in the database and %d have a change log entry", len(ids), rows, logged)
	}
	t.Logf("%d creates acknowledged (%d before the kill of one instance), all %d in the database with their log entries", len(ids), atKill, rows)
}
