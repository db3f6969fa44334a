package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"

	"sentry/backend/core"
	"sentry/backend/jobtest"
	"sentry/sync/client"
)

// TestSyncKilledMidwayLosesNothing: `sentry sync now` is killed with
// SIGKILL after the server has committed its first batch and before it
// has finished; the next `sentry sync now` completes, and the server and a
// second device end with every task, each once, with its last value.
func TestSyncKilledMidwayLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs it as a child process")
	}
	bin := sentryBinary(t)
	srv := newSyncServer(t, "")
	srv.account("kim@example.com", "kim-sync-pass-1")

	// The device's folder, prepared here: connected, then 1,500 tasks
	// (three batches' worth) and an edit of each, made offline.
	laptop := newDevice(t, "laptop")
	srv.connect(t, "kim@example.com", "kim-sync-pass-1", laptop)
	const n = 1500
	want := map[string]string{}
	for i := 0; i < n; i++ {
		task := laptop.add(fmt.Sprintf("Task %d", i), "")
		title := fmt.Sprintf("Task %d, edited", i)
		laptop.edit(task.ID, core.TaskUpdate{Title: &title})
		want[task.ID] = title
	}
	data := laptop.app.Config.DataDir
	laptop.app.Close()

	// The child finds its sign-in in the data folder, not a keyring.
	env := childEnv()
	serverTasks := func() int {
		var c int
		if err := srv.app.DB.QueryRowForTest(`SELECT count(*) FROM tasks WHERE deleted_at IS NULL`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	cmd := exec.Command(bin, "sync", "now", "--data", data)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var finished bool
	jobtest.Wait(t, "the server to commit a first batch", func() (bool, string) {
		select {
		case err := <-exited:
			finished = true
			exited <- err
			return true, "the sync finished"
		default:
		}
		c := serverTasks()
		return c > 0, fmt.Sprintf("%d tasks on the server", c)
	})
	if finished {
		t.Skipf("the sync finished before it could be killed (%d tasks on the server): %s", serverTasks(), stderr.String())
	}
	_ = cmd.Process.Kill()
	<-exited
	t.Logf("killed with %d of %d tasks on the server", serverTasks(), n)

	// The next run completes.
	var out bytes.Buffer
	again := exec.Command(bin, "sync", "now", "--json", "--data", data)
	again.Env, again.Stdout, again.Stderr = env, &out, &stderr
	if err := again.Run(); err != nil {
		t.Fatalf("sync after the kill: %v\n%s", err, stderr.String())
	}
	var r client.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Pending != 0 {
		t.Fatalf("sync after the kill: %+v %v: %s", r, err, out.String())
	}
	if c := serverTasks(); c != n {
		t.Fatalf("the server has %d tasks, want %d", c, n)
	}
	// A second device gets every task once, each with its last title.
	desk := newDevice(t, "desk")
	srv.connect(t, "kim@example.com", "kim-sync-pass-1", desk)
	desk.sync()
	got := desk.tasks()
	if len(got) != n {
		t.Fatalf("the desk has %d tasks, want %d", len(got), n)
	}
	for _, task := range got {
		if want[task.ID] != task.Title {
			t.Fatalf("task %s on the desk: %q, want %q", task.ID, task.Title, want[task.ID])
		}
	}
}
