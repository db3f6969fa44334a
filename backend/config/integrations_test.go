package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
