package main

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// scripts/with-s3 starts the S3-compatible test server, hands CMD its
// address and keys, exits with CMD's status, and stops the server.
func TestWithS3(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	if err := exec.Command("scripts/install-s3-server", "--cached").Run(); err != nil {
		t.Skip("the S3-compatible test server is not built (scripts/install-s3-server)")
	}
	stdout, stderr, code := runScript(t, os.Environ(), "scripts/with-s3", "bash", "-c",
		`echo "$SENTRY_TEST_BLOBS"; [ -n "$SENTRY_TEST_BLOBS_ACCESS_KEY" ] && [ -n "$SENTRY_TEST_BLOBS_SECRET_KEY" ] && echo keys; `+
			`port=${SENTRY_TEST_BLOBS##*:}; (exec 3<>/dev/tcp/127.0.0.1/$port) && echo listening; exit 7`)
	if code != 7 {
		t.Fatalf("exit %d, want CMD's 7\n%s\n%s", code, stdout, stderr)
	}
	lines := strings.Fields(stdout)
	if len(lines) != 3 || lines[1] != "keys" || lines[2] != "listening" {
		t.Fatalf("CMD saw:\n%s\n%s", stdout, stderr)
	}
	u, err := url.Parse(lines[0])
	if err != nil || u.Scheme != "s3" {
		t.Fatalf("SENTRY_TEST_BLOBS = %q", lines[0])
	}
	ep, err := url.Parse(u.Query().Get("endpoint"))
	if err != nil || ep.Hostname() != "127.0.0.1" {
		t.Fatalf("endpoint of %q", lines[0])
	}
	if c, err := net.Dial("tcp", ep.Host); err == nil {
		c.Close()
		t.Fatalf("the server still listens on %s after the script ended", ep.Host)
	}
}
