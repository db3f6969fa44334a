package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// voskEnv is the environment for running scripts/install-vosk against an
// empty cache and an npm registry that refuses connections, so that the
// download fails at once and offline.
func voskEnv(t *testing.T) (env []string, cache string) {
	t.Helper()
	for _, tool := range []string{"bash", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()
	cache = t.TempDir()
	return append(os.Environ(), "SENTRY_VOSK_DIR="+cache, "npm_config_registry="+refused, "npm_config_fetch_retries=0",
		"npm_config_cache="+t.TempDir(), "npm_config_logs_max=0", "npm_config_update_notifier=false"), cache
}

func runScript(t *testing.T, env []string, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// A failed download of libvosk says why: npm's error, then which package.
func TestInstallVoskShowsWhyTheDownloadFailed(t *testing.T) {
	env, _ := voskEnv(t)
	stdout, stderr, code := runScript(t, env, "scripts/install-vosk")
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q (want 1 and nothing to eval)", code, stdout)
	}
	if !strings.Contains(stderr, "ECONNREFUSED") || !strings.Contains(stderr, "install-vosk: npm could not download vosk@0.3.39") {
		t.Fatalf("stderr does not say why:\n%s", stderr)
	}
}

// Speech is optional: without libvosk, bootstrap warns and succeeds, and
// the Makefile builds without the vosk tag; with it, the tag and the cgo
// flags are set from the cache, without a download.
func TestBootstrapAndMakeGoOnWithoutVosk(t *testing.T) {
	env, cache := voskEnv(t)
	env = append(env, "SENTRY_BOOTSTRAP_SKIP_APT=1", "SENTRY_BOOTSTRAP_SKIP_NPM=1", "SENTRY_BOOTSTRAP_SKIP_S3=1")
	stdout, stderr, code := runScript(t, env, "scripts/bootstrap")
	if code != 0 || !strings.Contains(stdout, "libvosk: WARNING: not installed") || !strings.Contains(stdout, "optional") ||
		!strings.Contains(stderr, "npm could not download") {
		t.Fatalf("bootstrap without libvosk: exit %d\n%s\n%s", code, stdout, stderr)
	}

	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	probe := func() (string, string) {
		t.Helper()
		stdout, stderr, code := runScript(t, env, "make", "-s", "--no-print-directory", "--eval",
			"vosk-probe: ; @$(VOSK_ENV); echo \"vtag=[$$vtag] ldflags=[$${CGO_LDFLAGS:-}]\"", "vosk-probe")
		if code != 0 {
			t.Fatalf("make vosk-probe: exit %d\n%s\n%s", code, stdout, stderr)
		}
		return stdout, stderr
	}
	stdout, stderr = probe()
	if !strings.Contains(stdout, "vtag=[]") || !strings.Contains(stderr, "libvosk is not installed") || strings.Contains(stderr, "downloading") {
		t.Fatalf("make without libvosk:\n%s\n%s", stdout, stderr)
	}
	// A cached library (its presence is all the Makefile checks).
	if err := os.WriteFile(filepath.Join(cache, "libvosk.so"), []byte("stand-in"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cache, "libvosk.version"), []byte("0.3.39\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr = probe()
	if !strings.Contains(stdout, "vtag=[,vosk]") || !strings.Contains(stdout, "-L"+cache+" -lvosk") {
		t.Fatalf("make with libvosk cached:\n%s\n%s", stdout, stderr)
	}
}

// `make run` on a machine without a display ends in success with what to
// run instead, not in a make error that reads as a failed build. The
// build steps before it are taken as done (-o); the recipe is the real one.
func TestMakeRunWithoutDisplayExitsZero(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			env = append(env, kv)
		}
	}
	stdout, stderr, code := runScript(t, env, "make", "-s", "--no-print-directory", "-o", "bootstrap", "-o", "frontend", "-o", "build-desktop", "run")
	if code != 0 || !strings.Contains(stderr, "no display") || !strings.Contains(stderr, "make serve") || strings.Contains(stdout+stderr, "Error") {
		t.Fatalf("make run without a display: exit %d\n%s\n%s", code, stdout, stderr)
	}
}
