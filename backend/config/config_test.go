package config_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sentry/backend/config"
)

func load(t *testing.T, args []string, envs map[string]string) (config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	config.RegisterFlags(fs)
	fs.String("addr", "", "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return config.Load(fs, func(k string) string { return envs[k] })
}

func TestPrecedenceFlagsOverEnvOverFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.json")
	os.WriteFile(file, []byte(`{"addr":"127.0.0.1:1","log_level":"debug","data_dir":"/from/file","access_ttl":"10m"}`), 0o600)
	c, err := load(t, []string{"--config", file}, nil)
	if err != nil || c.Addr != "127.0.0.1:1" || c.LogLevel != "debug" || c.DataDir != "/from/file" || c.AccessTTL != 10*time.Minute {
		t.Fatalf("file: %+v %v", c, err)
	}
	c, _ = load(t, []string{"--config", file}, map[string]string{"SENTRY_ADDR": "127.0.0.1:2", "SENTRY_DATA_DIR": "/from/env"})
	if c.Addr != "127.0.0.1:2" || c.DataDir != "/from/env" || c.LogLevel != "debug" {
		t.Fatalf("env: %+v", c)
	}
	c, _ = load(t, []string{"--config", file, "--addr", "127.0.0.1:3", "--data", "/from/flag"}, map[string]string{"SENTRY_ADDR": "127.0.0.1:2"})
	if c.Addr != "127.0.0.1:3" || c.DataDir != "/from/flag" {
		t.Fatalf("flags: %+v", c)
	}
}

func TestDefaultDataDirFollowsXDG(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/xdg/data")
	if got := config.DefaultDataDir(); got != "/xdg/data/sentry" {
		t.Fatalf("got %s", got)
	}
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	if got := config.DefaultDataDir(); !strings.HasSuffix(got, ".local/share/sentry") {
		t.Fatalf("got %s", got)
	}
}

func TestValidate(t *testing.T) {
	ok := config.Default()
	ok.DataDir = "/tmp/x"
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*config.Config){
		"relative data": func(c *config.Config) { c.DataDir = "data" },
		"bad addr":      func(c *config.Config) { c.Addr = "nope" },
		"bad level":     func(c *config.Config) { c.LogLevel = "loud" },
		"weak bcrypt":   func(c *config.Config) { c.BcryptCost = 10 },
		"long ttl":      func(c *config.Config) { c.AccessTTL = time.Hour },
		"short secret":  func(c *config.Config) { c.Secret = "abc" },
		"bad proxy":     func(c *config.Config) { c.TrustedProxies = []string{"not-an-ip"} },
	} {
		c := ok
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestFileRejectsUnknownKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(file, []byte(`{"adress":"x"}`), 0o600)
	if _, err := load(t, []string{"--config", file}, nil); err == nil || !strings.Contains(err.Error(), "adress") {
		t.Fatalf("got %v", err)
	}
}

// The administrators who choose a team server's models come from the file
// or SENTRY_ADMINS (comma-separated); anything but an email is refused.
func TestAdmins(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.json")
	os.WriteFile(file, []byte(`{"admins":["ops@example.com"]}`), 0o600)
	c, err := load(t, []string{"--config", file}, nil)
	if err != nil || len(c.Admins) != 1 || c.Admins[0] != "ops@example.com" {
		t.Fatalf("file: %v %v", c.Admins, err)
	}
	c, err = load(t, []string{"--config", file}, map[string]string{"SENTRY_ADMINS": " a@example.com, B@example.com ,"})
	if err != nil || strings.Join(c.Admins, "|") != "a@example.com|B@example.com" {
		t.Fatalf("env: %q %v", c.Admins, err)
	}
	c.DataDir = dir
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Admins = []string{"ops"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "admins") {
		t.Fatalf("a name that is not an email: %v", err)
	}
}
