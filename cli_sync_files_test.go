package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/jobtest"
	"sentry/sync/client"
)

// TestSyncFilesCommands: a file added to a notebook with the command line
// goes to the person's other data folder with `sentry sync now`, whose
// JSON (and `sync status --json`) counts the files moved and pending.
func TestSyncFilesCommands(t *testing.T) {
	ctx := context.Background()
	addr, serverData := freeAddr(t), t.TempDir()
	base := "http://" + addr
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan int, 1)
	var sout, serr bytes.Buffer
	go func() {
		served <- run(sctx, []string{"serve", "--addr", addr, "--data", serverData, "--log-level", "error", "--rate-limit", "0"}, &sout, &serr, env(nil))
	}()
	waitHealthy(t, base)
	defer func() {
		cancel()
		if code := jobtest.Receive(t, "serve to stop", served); code != 0 {
			t.Errorf("serve exited %d: %s", code, serr.String())
		}
	}()
	post(t, base+"/api/users/", "", map[string]any{"email": "rosa@example.com", "password": "rosa-files-pass-3", "first_name": "Rosa", "last_name": "F"}, 201)

	laptop, desk := t.TempDir(), t.TempDir()
	sentry := func(dir string, want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(ctx, append(args, "--data", dir), &out, &errb, env(nil)); code != want {
			t.Fatalf("%v: exit %d, want %d:\n%s%s", args, code, want, out.String(), errb.String())
		}
		return out.String()
	}
	syncNow := func(dir string) client.Result {
		t.Helper()
		var r client.Result
		out := sentry(dir, 0, "sync", "now", "--json")
		if err := json.Unmarshal([]byte(out), &r); err != nil || !strings.Contains(out, `"blobs_pending"`) {
			t.Fatalf("sync now --json: %v: %s", err, out)
		}
		return r
	}
	for _, dir := range []string{laptop, desk} {
		stdin = strings.NewReader("rosa-files-pass-3\n")
		sentry(dir, 0, "sync", "connect", base, "--email", "rosa@example.com", "--password-stdin")
		stdin = os.Stdin
	}
	notes := filepath.Join(t.TempDir(), "minutes.txt")
	text := []byte(strings.Repeat("The board agreed to repaint the library in spring.\n\n", 200))
	if err := os.WriteFile(notes, text, 0o600); err != nil {
		t.Fatal(err)
	}
	sentry(laptop, 0, "notebook", "create", "Board")
	sentry(laptop, 0, "notebook", "add", "Board", notes)
	if r := syncNow(laptop); r.Pushed < 3 || r.BlobsSent != 1 || r.BlobsPending != 0 {
		t.Fatalf("laptop's sync: %+v", r)
	}
	if r := syncNow(desk); r.Pulled < 3 || r.BlobsReceived != 1 || r.BlobsPending != 0 {
		t.Fatalf("desk's sync: %+v", r)
	}
	var st client.Status
	out := sentry(desk, 0, "sync", "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil || !strings.Contains(out, `"blob_downloads_pending"`) || st.BlobUploadsPending != 0 || st.BlobDownloadsPending != 0 {
		t.Fatalf("desk's status: %v %s", err, out)
	}
	if out := sentry(desk, 0, "sync", "now"); !strings.Contains(out, "Synced:") {
		t.Fatalf("sync now: %s", out)
	}

	// The desk's folder holds the same bytes under its own upload row.
	cfg := config.Default()
	cfg.DataDir = desk
	a, err := app.New(ctx, app.Options{Config: cfg, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.LocalUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	uctx := core.NewContextWithUser(ctx, u)
	ups, err := a.Uploads.History(uctx, u.ID, 10)
	if err != nil || len(ups) != 1 {
		t.Fatalf("desk's uploads: %+v %v", ups, err)
	}
	got, err := a.Uploads.Read(uctx, ups[0])
	if err != nil || !bytes.Equal(got, text) {
		t.Fatalf("desk's copy: %d bytes, %v", len(got), err)
	}
}
