package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// IntegrationsConfig configures the Google Tasks, Google Calendar and Zoom
// integrations. A provider without a client id is off ("not configured").
// Google Tasks and Google Calendar share the Google client.
type IntegrationsConfig struct {
	Google IntegrationProvider `json:"google"`
	Zoom   IntegrationProvider `json:"zoom"`
	// RedirectURL is the callback providers return to; by default
	// {public_url}/api/integrations/callback, or on the desktop without a
	// public URL a loopback address (RFC 8252) opened for the purpose.
	RedirectURL string `json:"redirect_url"`
	// LoopbackAddr is where the desktop listens for that callback
	// (default 127.0.0.1:0, any free port).
	LoopbackAddr string `json:"loopback_addr"`
	// SyncInterval is how often each connected integration syncs in the
	// background (default DefaultSyncInterval; 0 turns the schedule off).
	// In the JSON file a string such as "15m".
	SyncInterval time.Duration `json:"-"`

	// syncIntervalErr keeps an unreadable SENTRY_INTEGRATIONS_SYNC_INTERVAL
	// for Validate to report.
	syncIntervalErr string
}

// DefaultSyncInterval is the default background sync interval.
const DefaultSyncInterval = 15 * time.Minute

// Bounds of a background sync interval other than 0 (off).
const (
	MinSyncInterval = time.Minute
	MaxSyncInterval = 24 * time.Hour
)

// UnmarshalJSON reads the integrations section, with sync_interval
// written as a duration string ("15m", "0" for off). Unknown keys are
// an error, as in the rest of the file.
func (c *IntegrationsConfig) UnmarshalJSON(b []byte) error {
	type plain IntegrationsConfig
	aux := struct {
		*plain
		SyncInterval *string `json:"sync_interval"`
	}{plain: (*plain)(c)}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		return fmt.Errorf("integrations: %w", err)
	}
	if aux.SyncInterval != nil {
		d, err := parseSyncInterval(*aux.SyncInterval)
		if err != nil {
			return fmt.Errorf("integrations.sync_interval: %w", err)
		}
		c.SyncInterval = d
	}
	return nil
}

func parseSyncInterval(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want a duration such as \"15m\", or \"0\" for off: %q", s)
	}
	return d, nil
}

// IntegrationProvider is one provider's OAuth client and endpoints. Empty
// URLs mean the provider's own; tests point them at stand-ins.
type IntegrationProvider struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	AuthURL      string `json:"auth_url"`
	TokenURL     string `json:"token_url"`
	RevokeURL    string `json:"revoke_url"`
	// APIURL is Zoom's API v2 base; TasksAPIURL and CalendarAPIURL are
	// Google's Tasks v1 and Calendar v3 bases.
	APIURL         string `json:"api_url"`
	TasksAPIURL    string `json:"tasks_api_url"`
	CalendarAPIURL string `json:"calendar_api_url"`
}

// Environment variables of the integrations.
const (
	EnvGoogleIntegrationClientID     = "SENTRY_INTEGRATIONS_GOOGLE_CLIENT_ID"
	EnvGoogleIntegrationClientSecret = "SENTRY_INTEGRATIONS_GOOGLE_CLIENT_SECRET"
	EnvZoomClientID                  = "SENTRY_INTEGRATIONS_ZOOM_CLIENT_ID"
	EnvZoomClientSecret              = "SENTRY_INTEGRATIONS_ZOOM_CLIENT_SECRET"
	EnvIntegrationsSyncInterval      = "SENTRY_INTEGRATIONS_SYNC_INTERVAL"
)

func applyIntegrationsEnv(c *Config, getenv func(string) string) {
	for env, dst := range map[string]*string{
		EnvGoogleIntegrationClientID: &c.Integrations.Google.ClientID, EnvGoogleIntegrationClientSecret: &c.Integrations.Google.ClientSecret,
		EnvZoomClientID: &c.Integrations.Zoom.ClientID, EnvZoomClientSecret: &c.Integrations.Zoom.ClientSecret,
	} {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
	if v := getenv(EnvIntegrationsSyncInterval); v != "" {
		d, err := parseSyncInterval(v)
		c.Integrations.SyncInterval, c.Integrations.syncIntervalErr = d, ""
		if err != nil {
			c.Integrations.syncIntervalErr = EnvIntegrationsSyncInterval + ": " + err.Error()
		}
	}
}

func (c Config) validateIntegrations() error {
	in := c.Integrations
	if in.syncIntervalErr != "" {
		return fmt.Errorf("config: %s", in.syncIntervalErr)
	}
	if in.SyncInterval != 0 && (in.SyncInterval < MinSyncInterval || in.SyncInterval > MaxSyncInterval) {
		return fmt.Errorf("config: integrations.sync_interval %s: want 0 (off) or between %s and %s", in.SyncInterval, MinSyncInterval, MaxSyncInterval)
	}
	for name, p := range map[string]IntegrationProvider{"google": in.Google, "zoom": in.Zoom} {
		if p.ClientID == "" {
			continue
		}
		if p.ClientSecret == "" {
			return fmt.Errorf("config: integrations.%s needs a client secret (SENTRY_INTEGRATIONS_%s_CLIENT_SECRET)", name, map[string]string{"google": "GOOGLE", "zoom": "ZOOM"}[name])
		}
		for field, v := range map[string]string{"auth_url": p.AuthURL, "token_url": p.TokenURL, "revoke_url": p.RevokeURL,
			"api_url": p.APIURL, "tasks_api_url": p.TasksAPIURL, "calendar_api_url": p.CalendarAPIURL} {
			if v == "" {
				continue
			}
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("config: integrations.%s.%s %q: want http(s)://host/…", name, field, v)
			}
		}
	}
	if in.RedirectURL != "" {
		if u, err := url.Parse(in.RedirectURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: integrations.redirect_url %q: want http(s)://host[:port]/api/integrations/callback", in.RedirectURL)
		}
	}
	if (in.Google.ClientID != "" || in.Zoom.ClientID != "") && in.RedirectURL == "" && c.PublicURL == "" && !c.Desktop {
		return errors.New("config: integrations need public_url (or integrations.redirect_url): the address their callbacks reach this server at")
	}
	return nil
}
