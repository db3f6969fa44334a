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
	"syscall"
	"testing"
	"time"

	"sentry/backend/jobtest"
	"sentry/backend/sqlite"
)

// TestKillNineLosesNothingAcknowledged builds the server, runs `sentry
// serve` as a child process under parallel task creates (group commit
// batches them), kills it with SIGKILL while creates are in flight, three times over,
// and reopens the database: every create that was answered 201 is there, with
// its change log entry.
func TestKillNineLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server and runs it as a child process")
	}
	dir := t.TempDir()
	bin := sentryBinary(t)
	data := filepath.Join(dir, "data")
	var mu sync.Mutex
	var acked []string
	var uid string
	// Three rounds on one data folder: each starts the server on what the
	// last kill left, creates until 300 more are acknowledged, and kills it.
	for round := range 3 {
		addr := freeAddr(t)
		base := "http://" + addr
		cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--log-level", "warn", "--rate-limit", "0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		killed := false
		stop := func() {
			if !killed {
				_ = cmd.Process.Kill()
				<-exited
			}
		}
		waitHealthy(t, base)
		if round == 0 {
			post(t, base+"/api/users/", "", map[string]any{"email": "k@example.com", "password": "kill-nine-proof", "first_name": "K", "last_name": "N"}, 201)
		}
		sess := post(t, base+"/api/auth/login", "", map[string]any{"email": "k@example.com", "password": "kill-nine-proof"}, 200)
		uid = sess["user"].(map[string]any)["id"].(string)
		token := sess["access_token"].(string)

		// Creates from 16 clients until the server is gone; the kill comes
		// after 300 acknowledged creates, so it lands with creates in flight.
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: 2 * time.Minute}
		want := len(acked) + 300
		reached := make(chan struct{})
		var reachedOnce sync.Once
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Go(func() {
				for i := 0; ; i++ {
					body, _ := json.Marshal(map[string]any{"title": fmt.Sprintf("crash %d %d-%d", round, w, i)})
					req, _ := http.NewRequest("POST", base+"/api/tasks/"+uid, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+token)
					res, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					var task struct{ ID string }
					derr := json.NewDecoder(res.Body).Decode(&task)
					res.Body.Close()
					if res.StatusCode != http.StatusCreated || derr != nil || task.ID == "" {
						continue // not acknowledged
					}
					mu.Lock()
					acked = append(acked, task.ID)
					if len(acked) >= want {
						reachedOnce.Do(func() { close(reached) })
					}
					mu.Unlock()
				}
			})
		}
		jobtest.Receive(t, "300 more acknowledged creates", reached)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			stop()
			t.Fatal(err)
		}
		killed = true
		<-exited
		wg.Wait()
		client.CloseIdleConnections()
		if stderr.Len() > 0 {
			t.Logf("round %d server log: %s", round, stderr.String())
		}
	}

	mu.Lock()
	ids := append([]string(nil), acked...)
	mu.Unlock()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "sentry.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer db.Close()
	missing := 0
	for _, id := range ids {
		var n, logged int
		if err := db.QueryRowForTest(`SELECT count(*), (SELECT count(*) FROM changes WHERE row_id = ?) FROM tasks WHERE id = ?`, id, id).Scan(&n, &logged); err != nil {
			t.Fatal(err)
		}
		if n != 1 || logged != 1 {
			missing++
			t.Errorf("task %s was answered 201 but after kill -9 has %d rows and %d change log entries", id, n, logged)
		}
	}
	var total int
	if err := db.QueryRowForTest(`SELECT count(*) FROM tasks WHERE user_id = ?`, uid).Scan(&total); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d creates acknowledged before kill -9, %d tasks in the database after it, %d missing", len(ids), total, missing)
}
