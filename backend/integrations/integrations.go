// Package integrations connects a user's Google Tasks, Google Calendar and
// Zoom accounts: the OAuth 2.0 connect flow (state, PKCE S256, offline
// access), tokens sealed at rest and refreshed on expiry (the refreshed
// token is sealed and stored again), a needs_reconnect state when a grant
// is revoked, two-way incremental sync of Google Tasks with a stated
// conflict rule, and imports of Google Calendar events and Zoom meetings
// as meetings. Every task it writes goes through the task service, so
// validation, the change log and events run as for any other write.
//
// See docs/INTEGRATIONS.md for the mapping and the rules.
package integrations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"sentry/backend/core"
	"sentry/backend/outbound"
	"sentry/backend/secretbox"
	"sentry/backend/task"
)

// Default endpoints of each provider.
const (
	GoogleAuthURL     = "https://accounts.google.com/o/oauth2/v2/auth"
	GoogleTokenURL    = "https://oauth2.googleapis.com/token"
	GoogleRevokeURL   = "https://oauth2.googleapis.com/revoke"
	GoogleTasksAPI    = "https://tasks.googleapis.com/tasks/v1"
	GoogleCalendarAPI = "https://www.googleapis.com/calendar/v3"
	ZoomAuthURL       = "https://zoom.us/oauth/authorize"
	ZoomTokenURL      = "https://zoom.us/oauth/token"
	ZoomRevokeURL     = "https://zoom.us/oauth/revoke"
	ZoomAPI           = "https://api.zoom.us/v2"
)

// FlowTTL bounds how long a user has to answer the consent screen.
const FlowTTL = 15 * time.Minute

// ProviderConfig configures one provider. Empty URLs and scopes take the
// provider's defaults (Defaults); tests point the URLs at stand-ins.
type ProviderConfig struct {
	ClientID     string
	ClientSecret string
	AuthURL      string
	TokenURL     string
	RevokeURL    string
	// APIURL is the REST base: …/tasks/v1, …/calendar/v3 or …/v2.
	APIURL string
	Scopes []string
}

// Defaults returns a provider's default endpoints and scopes.
func Defaults(provider string) ProviderConfig {
	switch provider {
	case core.IntegrationGoogleTasks:
		return ProviderConfig{AuthURL: GoogleAuthURL, TokenURL: GoogleTokenURL, RevokeURL: GoogleRevokeURL, APIURL: GoogleTasksAPI,
			Scopes: []string{"https://www.googleapis.com/auth/tasks"}}
	case core.IntegrationGoogleCalendar:
		return ProviderConfig{AuthURL: GoogleAuthURL, TokenURL: GoogleTokenURL, RevokeURL: GoogleRevokeURL, APIURL: GoogleCalendarAPI,
			Scopes: []string{"https://www.googleapis.com/auth/calendar.events.readonly"}}
	case core.IntegrationZoom:
		return ProviderConfig{AuthURL: ZoomAuthURL, TokenURL: ZoomTokenURL, RevokeURL: ZoomRevokeURL, APIURL: ZoomAPI,
			Scopes: []string{"meeting:read:list_meetings", "meeting:read:meeting"}}
	}
	return ProviderConfig{}
}

// Providers lists every integration in display order.
var Providers = []string{core.IntegrationGoogleTasks, core.IntegrationGoogleCalendar, core.IntegrationZoom}

var titles = map[string]string{
	core.IntegrationGoogleTasks:    "Google Tasks",
	core.IntegrationGoogleCalendar: "Google Calendar",
	core.IntegrationZoom:           "Zoom",
}

// syncPaths are the API paths that sync each provider ({user_id} filled in).
var syncPaths = map[string]string{
	core.IntegrationGoogleTasks:    "/api/integrations/google/tasks/{user_id}/sync",
	core.IntegrationGoogleCalendar: "/api/integrations/google/calendar/{user_id}/sync",
	core.IntegrationZoom:           "/api/zoom/meetings/{user_id}",
}

// Options configure a Service.
type Options struct {
	// Providers holds the configured providers (by core.Integration…
	// name); a provider without a client id is "not configured".
	Providers map[string]ProviderConfig
	// RedirectURL is where providers send the browser back: this
	// server's /api/integrations/callback.
	RedirectURL string
	// Box seals tokens at rest. Required.
	Box *secretbox.Box
	// HTTPClient makes every provider request (a 30-second timeout when nil).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

type provider struct {
	name, title string
	cfg         ProviderConfig
	oauth       oauth2.Config
}

// Service is the integrations use case.
type Service struct {
	store     core.IntegrationStore
	tasks     *task.Service
	box       *secretbox.Box
	providers map[string]*provider
	redirect  string
	client    *http.Client
	logger    *slog.Logger
	now       func() time.Time

	mu      sync.Mutex
	running map[string]bool
}

// NewService returns the integrations service.
func NewService(store core.IntegrationStore, tasks *task.Service, opts Options) (*Service, error) {
	if opts.Box == nil {
		return nil, errors.New("integrations: a secret box is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	s := &Service{store: store, tasks: tasks, box: opts.Box, providers: map[string]*provider{}, redirect: opts.RedirectURL,
		client: opts.HTTPClient, logger: opts.Logger, now: opts.Now, running: map[string]bool{}}
	for name, cfg := range opts.Providers {
		if titles[name] == "" {
			return nil, fmt.Errorf("integrations: unknown provider %q", name)
		}
		if cfg.ClientID == "" {
			continue
		}
		def := Defaults(name)
		for _, f := range []struct {
			dst *string
			def string
		}{{&cfg.AuthURL, def.AuthURL}, {&cfg.TokenURL, def.TokenURL},
			{&cfg.RevokeURL, def.RevokeURL}, {&cfg.APIURL, def.APIURL}} {
			if *f.dst == "" {
				*f.dst = f.def
			}
		}
		if len(cfg.Scopes) == 0 {
			cfg.Scopes = def.Scopes
		}
		cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
		style := oauth2.AuthStyleInParams // Google
		if name == core.IntegrationZoom {
			style = oauth2.AuthStyleInHeader // Zoom wants HTTP Basic
		}
		s.providers[name] = &provider{name: name, title: titles[name], cfg: cfg, oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes, RedirectURL: opts.RedirectURL,
			Endpoint: oauth2.Endpoint{AuthURL: cfg.AuthURL, TokenURL: cfg.TokenURL, AuthStyle: style},
		}}
	}
	if len(s.providers) > 0 && opts.RedirectURL == "" {
		return nil, errors.New("integrations: a redirect URL is required when a provider is configured")
	}
	return s, nil
}

// Configured reports whether provider has a client id.
func (s *Service) Configured(provider string) bool { return s.providers[provider] != nil }

// Title is a provider's display name ("" for unknown ones).
func Title(provider string) string { return titles[provider] }

func (s *Service) provider(name string) (*provider, error) {
	if titles[name] == "" {
		return nil, core.Errorf(core.ENOTFOUND, "Unknown integration %q; use one of %s.", truncate(name, 40), strings.Join(Providers, ", "))
	}
	p := s.providers[name]
	if p == nil {
		return nil, core.Errorf(core.ECONFLICT, "%s is not set up on this server yet; an administrator must add its client id and secret.", titles[name])
	}
	return p, nil
}

// Status is what the settings screen shows for one provider.
type Status struct {
	Provider string `json:"provider"`
	Title    string `json:"title"`
	// State is not_configured, disconnected, connected or needs_reconnect.
	State          string     `json:"state"`
	Configured     bool       `json:"configured"`
	Connected      bool       `json:"connected"`
	NeedsReconnect bool       `json:"needs_reconnect"`
	ConnectedAt    *time.Time `json:"connected_at"`
	LastSync       *time.Time `json:"last_sync"`
	LastError      string     `json:"last_error"`
	LastErrorAt    *time.Time `json:"last_error_at"`
	// SyncPath is the API path that syncs this provider now.
	SyncPath string `json:"sync_path"`
}

// List returns the status of every provider for userID (the caller).
func (s *Service) List(ctx context.Context, userID string) ([]Status, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	rows, err := s.store.FindIntegrations(ctx, userID)
	if err != nil {
		return nil, err
	}
	by := map[string]*core.Integration{}
	for _, in := range rows {
		by[in.Provider] = in
	}
	out := make([]Status, 0, len(Providers))
	for _, name := range Providers {
		st := Status{Provider: name, Title: titles[name], Configured: s.providers[name] != nil, State: "disconnected",
			SyncPath: strings.Replace(syncPaths[name], "{user_id}", userID, 1)}
		if in := by[name]; in != nil {
			created := in.CreatedAt
			st.Connected, st.ConnectedAt, st.LastSync, st.LastError, st.LastErrorAt = true, &created, in.LastSyncedAt, in.LastError, in.LastErrorAt
			st.State = in.Status
			st.NeedsReconnect = in.Status == core.IntegrationNeedsReconnect
		} else if !st.Configured {
			st.State = "not_configured"
		}
		out = append(out, st)
	}
	return out, nil
}

// Connect starts the connect flow for the caller: it returns the
// provider's authorization URL (state, PKCE S256, offline access), which
// the UI opens in a browser. returnTo is a path on this site to come back
// to ("/" when empty).
func (s *Service) Connect(ctx context.Context, providerName, returnTo string) (string, time.Time, error) {
	u, err := core.RequireUser(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	p, err := s.provider(providerName)
	if err != nil {
		return "", time.Time{}, err
	}
	if returnTo, err = cleanReturnTo(returnTo); err != nil {
		return "", time.Time{}, err
	}
	state, verifier := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
	expires := s.now().Add(FlowTTL)
	f := &core.IntegrationFlow{StateHash: hash(state), UserID: u.ID, Provider: p.name, CodeVerifier: verifier,
		RedirectURI: s.redirect, ReturnTo: returnTo, ExpiresAt: expires}
	if err := s.store.CreateIntegrationFlow(ctx, f); err != nil {
		return "", time.Time{}, err
	}
	opts := []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier)}
	if p.name != core.IntegrationZoom {
		// Ask again even if granted before, so Google issues a refresh
		// token on every connect (it sends one only with consent).
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "consent"), oauth2.SetAuthURLParam("include_granted_scopes", "true"))
	}
	return p.oauth.AuthCodeURL(state, opts...), expires, nil
}

// cleanReturnTo accepts only a path on this site.
func cleanReturnTo(s string) (string, error) {
	if s == "" {
		return "/", nil
	}
	u, err := url.Parse(s)
	if err != nil || len(s) > 1000 || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, `/\`) ||
		u.Scheme != "" || u.Host != "" || strings.ContainsAny(s, "\r\n\x00") {
		return "", core.FieldError("return_to", "return_to must be a path on this site, such as /settings.")
	}
	return s, nil
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// FinishResult says where to send the browser after a callback.
type FinishResult struct {
	Provider string
	ReturnTo string
}

// Finish completes a connect flow from the provider's callback: it trades
// the code (with the PKCE verifier) for tokens and stores them sealed.
// providerError is the callback's error parameter, if any. The result's
// ReturnTo is set whenever the flow was found, also on error.
func (s *Service) Finish(ctx context.Context, state, code, providerError string) (FinishResult, error) {
	var res FinishResult
	if state == "" {
		return res, core.Errorf(core.EINVALID, "The answer from the provider has no state; start connecting again.")
	}
	f, err := s.store.TakeIntegrationFlow(ctx, hash(state))
	if err != nil {
		return res, err
	}
	res = FinishResult{Provider: f.Provider, ReturnTo: f.ReturnTo}
	p, err := s.provider(f.Provider)
	if err != nil {
		return res, err
	}
	if providerError != "" {
		if providerError == "access_denied" {
			return res, core.Errorf(core.EUNAUTHORIZED, "You did not allow Sentry to use %s.", p.title)
		}
		return res, core.Errorf(core.EUNAUTHORIZED, "%s refused the connection; try again.", p.title)
	}
	if code == "" {
		return res, core.Errorf(core.EINVALID, "The answer from %s has no code; start connecting again.", p.title)
	}
	cfg := p.oauth
	cfg.RedirectURL = f.RedirectURI
	tok, err := cfg.Exchange(s.clientCtx(ctx), code, oauth2.VerifierOption(f.CodeVerifier))
	if err != nil {
		return res, s.tokenError(p, err)
	}
	in := &core.Integration{UserID: f.UserID, Provider: p.name}
	if scope, ok := tok.Extra("scope").(string); ok {
		in.Scopes = scope
	} else {
		in.Scopes = strings.Join(p.cfg.Scopes, " ")
	}
	if err := s.seal(in, tok); err != nil {
		return res, err
	}
	if err := s.store.ConnectIntegration(ctx, in); err != nil {
		return res, err
	}
	s.logger.Info("integration connected", slog.String("provider", p.name), slog.String("user_id", f.UserID),
		slog.Bool("refresh_token", tok.RefreshToken != ""))
	return res, nil
}

// Disconnect forgets the caller's tokens for a provider, after asking the
// provider to revoke the grant (best effort). Tasks and meetings already
// synced stay; links stay too, so connecting again does not duplicate them.
func (s *Service) Disconnect(ctx context.Context, userID, providerName string) error {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return err
	}
	if titles[providerName] == "" {
		_, err := s.provider(providerName)
		return err
	}
	in, err := s.store.FindIntegration(ctx, userID, providerName)
	if err != nil {
		return err
	}
	if p := s.providers[providerName]; p != nil && p.cfg.RevokeURL != "" {
		if tok, err := s.open(in); err == nil {
			s.revoke(ctx, p, tok)
		}
	}
	return s.store.DisconnectIntegration(ctx, userID, providerName)
}

// revoke asks the provider to end a grant (RFC 7009); failures are logged
// only, since the tokens are forgotten anyway.
func (s *Service) revoke(ctx context.Context, p *provider, tok *oauth2.Token) {
	t := tok.RefreshToken
	if t == "" {
		t = tok.AccessToken
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.RevokeURL, strings.NewReader(url.Values{"token": {t}}.Encode()))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p.name == core.IntegrationZoom {
		req.SetBasicAuth(p.cfg.ClientID, p.cfg.ClientSecret)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.logger.Warn("integration revoke failed", slog.String("provider", p.name), slog.String("error", outbound.StripURL(err).Error()))
		return
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		s.logger.Warn("integration revoke refused", slog.String("provider", p.name), slog.Int("status", resp.StatusCode))
	}
}

// lock allows one sync per user and provider at a time.
func (s *Service) lock(userID, provider string) (func(), error) {
	key := userID + "|" + provider
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[key] {
		return nil, core.Errorf(core.ECONFLICT, "%s is already syncing; try again in a moment.", titles[provider])
	}
	s.running[key] = true
	return func() {
		s.mu.Lock()
		delete(s.running, key)
		s.mu.Unlock()
	}, nil
}

// SyncResult counts what one sync did.
type SyncResult struct {
	Provider string `json:"provider"`
	// Pulled: local tasks created or changed from the provider.
	Pulled int `json:"pulled"`
	// Pushed: provider objects created or changed from local tasks.
	Pushed int `json:"pushed"`
	// Deleted: deletions carried over, either way.
	Deleted int `json:"deleted"`
	// Conflicts: objects changed on both sides since the last sync.
	Conflicts int `json:"conflicts"`
	// Skipped: provider objects not imported (blank, all-day, invalid).
	Skipped int `json:"skipped"`
	// Full is true when this was a full (not incremental) sync.
	Full     bool      `json:"full"`
	SyncedAt time.Time `json:"synced_at"`
}

// run syncs one provider for the caller: one at a time, with the
// integration's state updated from the outcome.
func (s *Service) run(ctx context.Context, userID, providerName string, sync func(context.Context, *session, *SyncResult) (string, error)) (*SyncResult, error) {
	if _, err := core.RequireSelf(ctx, userID); err != nil {
		return nil, err
	}
	p, err := s.provider(providerName)
	if err != nil {
		return nil, err
	}
	unlock, err := s.lock(userID, providerName)
	if err != nil {
		return nil, err
	}
	defer unlock()
	in, err := s.store.FindIntegration(ctx, userID, providerName)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, core.Errorf(core.ERECONNECT, "%s is not connected; connect it in Settings → Integrations.", p.title)
	} else if err != nil {
		return nil, err
	}
	if in.Status == core.IntegrationNeedsReconnect {
		return nil, core.Errorf(core.ERECONNECT, "%s", reconnectMessage(p))
	}
	x, err := s.newSession(ctx, p, in)
	if err != nil {
		s.recordError(ctx, in, p, err)
		return nil, err
	}
	res := &SyncResult{Provider: providerName}
	cursor, err := sync(ctx, x, res)
	if err != nil {
		s.recordError(ctx, in, p, err)
		return nil, err
	}
	res.SyncedAt = s.now().UTC()
	if err := s.store.RecordIntegrationSync(ctx, in.ID, cursor, res.SyncedAt); err != nil {
		return nil, err
	}
	s.logger.Info("integration synced", slog.String("provider", providerName), slog.String("user_id", userID),
		slog.Int("pulled", res.Pulled), slog.Int("pushed", res.Pushed), slog.Int("deleted", res.Deleted),
		slog.Int("conflicts", res.Conflicts), slog.Bool("full", res.Full))
	return res, nil
}

func reconnectMessage(p *provider) string {
	return fmt.Sprintf("Sentry no longer has access to your %s account (the access was revoked or has expired). Reconnect %s in Settings → Integrations.", p.title, p.title)
}

// recordError keeps a failed sync's message for the settings screen; a
// dead grant flips the integration to needs_reconnect.
func (s *Service) recordError(ctx context.Context, in *core.Integration, p *provider, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	status := core.IntegrationConnected
	if core.ErrorCode(err) == core.ERECONNECT {
		status = core.IntegrationNeedsReconnect
	}
	if rerr := s.store.RecordIntegrationError(context.WithoutCancel(ctx), in.ID, status, core.ErrorMessage(err), s.now()); rerr != nil {
		s.logger.Error("record integration error", slog.String("provider", p.name), slog.Any("error", rerr))
	}
	if core.ErrorCode(err) != core.EINTERNAL {
		s.logger.Warn("integration sync failed", slog.String("provider", p.name), slog.String("user_id", in.UserID),
			slog.String("code", core.ErrorCode(err)), slog.String("detail", err.Error()))
	}
}

func sortedLinks(m map[string]*core.IntegrationLink) []*core.IntegrationLink {
	out := make([]*core.IntegrationLink, 0, len(m))
	for _, l := range m {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RemoteID < out[j].RemoteID })
	return out
}
