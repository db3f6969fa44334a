package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestServeDatabaseDownAtStart: a server whose database cannot be reached
// stops at once with one line that names the URL, its password masked.
func TestServeDatabaseDownAtStart(t *testing.T) {
	closed := freeAddr(t) // nothing listens there any more
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", freeAddr(t), "--data", t.TempDir(), "--log-level", "error",
		"--log-format", "text", "--database-url", "postgres://sentry:s3cret-pw@" + closed + "/sentry?sslmode=disable"}, &out, &errb, env(nil))
	if code == 0 {
		t.Fatalf("serve started without its database: %s", out.String())
	}
	stderr := errb.String()
	if strings.Contains(stderr, "s3cret-pw") {
		t.Fatalf("the password was shown: %s", stderr)
	}
	var line string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(l, "sentry: ") {
			line = l
		}
	}
	if want := "postgres://sentry:xxxxx@" + closed + "/sentry"; !strings.Contains(line, "cannot reach the database at "+want) {
		t.Fatalf("stderr does not name the masked URL %s:\n%s", want, stderr)
	}
}
