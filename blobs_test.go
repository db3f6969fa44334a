package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeBlobsDownAtStart: a server whose blobs store cannot be reached
// or used stops at once with one line that names the store's URL, and
// shows no key.
func TestServeBlobsDownAtStart(t *testing.T) {
	closed := freeAddr(t) // nothing listens there any more
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ blobs, says string }{
		{"s3://team-files?endpoint=http://" + closed, "blobs: cannot reach the store at s3://team-files?endpoint=http://" + closed + ": "},
		{"file://" + file + "/files", "blobs: cannot use the folder at file://" + file + "/files: "},
		{"s3://team-files", "config: blobs: want s3://team-files?endpoint=http://host:port"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"serve", "--addr", freeAddr(t), "--data", t.TempDir(), "--log-level", "error",
			"--log-format", "text", "--blobs", tc.blobs}, &out, &errb,
			env(map[string]string{"SENTRY_BLOBS_ACCESS_KEY": "access-k3y", "SENTRY_BLOBS_SECRET_KEY": "s3cret-k3y"}))
		if code == 0 {
			t.Fatalf("%s: serve started: %s", tc.blobs, out.String())
		}
		stderr := errb.String()
		if strings.Contains(stderr, "s3cret-k3y") || strings.Contains(stderr, "access-k3y") {
			t.Fatalf("%s: a key was shown: %s", tc.blobs, stderr)
		}
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
			if strings.HasPrefix(l, "sentry: ") {
				lines = append(lines, l)
			}
		}
		if len(lines) != 1 || !strings.Contains(lines[0], tc.says) {
			t.Fatalf("%s: stderr does not say %q on one line:\n%s", tc.blobs, tc.says, stderr)
		}
	}
}
