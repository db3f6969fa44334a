package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sentry/backend/config"
)

func TestIntegrationsConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(file, []byte(`{"public_url":"https://sentry.example","integrations":{"google":{"client_id":"g-id","tasks_api_url":"http://127.0.0.1:9/tasks/v1"},"zoom":{"client_id":"z-id"}}}`), 0o600)
	c, err := load(t, []string{"--config", file}, map[string]string{
		config.EnvGoogleIntegrationClientSecret: "g-secret", config.EnvZoomClientSecret: "z-secret", config.EnvDataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	g, z := c.Integrations.Google, c.Integrations.Zoom
	if g.ClientID != "g-id" || g.ClientSecret != "g-secret" || g.TasksAPIURL != "http://127.0.0.1:9/tasks/v1" || z.ClientSecret != "z-secret" {
		t.Fatalf("%+v", c.Integrations)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mut  func(*config.Config)
		want string
	}{
		{"no secret", func(c *config.Config) { c.Integrations.Zoom.ClientSecret = "" }, "SENTRY_INTEGRATIONS_ZOOM_CLIENT_SECRET"},
		{"bad url", func(c *config.Config) { c.Integrations.Google.TokenURL = "ftp://x" }, "integrations.google.token_url"},
		{"no public url on a server", func(c *config.Config) { c.PublicURL = "" }, "public_url"},
		{"bad redirect", func(c *config.Config) { c.Integrations.RedirectURL = "/cb" }, "redirect_url"},
	} {
		bad := c
		tc.mut(&bad)
		if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	desktop := c
	desktop.PublicURL, desktop.Desktop = "", true
	if err := desktop.Validate(); err != nil {
		t.Fatalf("desktop uses a loopback callback: %v", err)
	}
}

func TestIntegrationsSyncInterval(t *testing.T) {
	write := func(body string) string {
		file := filepath.Join(t.TempDir(), "c.json")
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	for _, tc := range []struct {
		name    string
		file    string
		env     string
		want    time.Duration
		loadErr string
		bad     string
	}{
		{name: "default", want: config.DefaultSyncInterval},
		{name: "file", file: `{"integrations":{"sync_interval":"5m"}}`, want: 5 * time.Minute},
		{name: "off in the file", file: `{"integrations":{"sync_interval":"0"}}`, want: 0},
		{name: "off by env", env: "0", want: 0},
		{name: "env over file", file: `{"integrations":{"sync_interval":"5m"}}`, env: "1h", want: time.Hour},
		{name: "other keys kept", file: `{"integrations":{"loopback_addr":"127.0.0.1:9999","sync_interval":"30m"}}`, want: 30 * time.Minute},
		{name: "not a duration in the file", file: `{"integrations":{"sync_interval":"often"}}`, loadErr: "integrations.sync_interval"},
		{name: "a number in the file", file: `{"integrations":{"sync_interval":900}}`, loadErr: "integrations"},
		{name: "unknown key", file: `{"integrations":{"sync_every":"5m"}}`, loadErr: "sync_every"},
		{name: "not a duration by env", env: "often", want: 0, bad: config.EnvIntegrationsSyncInterval},
		{name: "too short", file: `{"integrations":{"sync_interval":"10s"}}`, want: 10 * time.Second, bad: "integrations.sync_interval"},
		{name: "too long", env: "48h", want: 48 * time.Hour, bad: "integrations.sync_interval"},
		{name: "negative", env: "-5m", want: -5 * time.Minute, bad: "integrations.sync_interval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			if tc.file != "" {
				args = []string{"--config", write(tc.file)}
			}
			env := map[string]string{config.EnvDataDir: t.TempDir()}
			if tc.env != "" {
				env[config.EnvIntegrationsSyncInterval] = tc.env
			}
			c, err := load(t, args, env)
			if tc.loadErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.loadErr) {
					t.Fatalf("load: %v, want an error naming %s", err, tc.loadErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Integrations.SyncInterval != tc.want {
				t.Fatalf("sync interval %v, want %v", c.Integrations.SyncInterval, tc.want)
			}
			err = c.Validate()
			if tc.bad == "" && err != nil {
				t.Fatal(err)
			}
			if tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)) {
				t.Fatalf("validate: %v, want an error naming %s", err, tc.bad)
			}
		})
	}
}
