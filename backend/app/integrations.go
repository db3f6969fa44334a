package app

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/integrations"
	"sentry/backend/jobs"
	"sentry/backend/secretbox"
	"sentry/backend/task"
)

// CallbackPath is where providers return the browser after consent.
const CallbackPath = "/api/integrations/callback"

// integrationProviders maps the configuration onto the providers; Google
// Tasks and Google Calendar share the Google client.
func integrationProviders(c config.IntegrationsConfig) map[string]integrations.ProviderConfig {
	out := map[string]integrations.ProviderConfig{}
	g, z := c.Google, c.Zoom
	if g.ClientID != "" {
		out[core.IntegrationGoogleTasks] = integrations.ProviderConfig{ClientID: g.ClientID, ClientSecret: g.ClientSecret,
			AuthURL: g.AuthURL, TokenURL: g.TokenURL, RevokeURL: g.RevokeURL, APIURL: g.TasksAPIURL}
		out[core.IntegrationGoogleCalendar] = integrations.ProviderConfig{ClientID: g.ClientID, ClientSecret: g.ClientSecret,
			AuthURL: g.AuthURL, TokenURL: g.TokenURL, RevokeURL: g.RevokeURL, APIURL: g.CalendarAPIURL}
	}
	if z.ClientID != "" {
		out[core.IntegrationZoom] = integrations.ProviderConfig{ClientID: z.ClientID, ClientSecret: z.ClientSecret,
			AuthURL: z.AuthURL, TokenURL: z.TokenURL, RevokeURL: z.RevokeURL, APIURL: z.APIURL}
	}
	return out
}

// registerIntegrationSyncs: with a provider configured and a sync
// interval set, a periodic job on q keeps connected integrations in sync
// (on PostgreSQL, one server at each tick).
func (a *App) registerIntegrationSyncs(q jobs.Queue) error {
	every := a.Config.Integrations.SyncInterval
	if every <= 0 || len(integrationProviders(a.Config.Integrations)) == 0 {
		return nil
	}
	sched, err := a.Integrations.NewScheduler(integrations.ScheduleOptions{Interval: every, Users: a.Store})
	if err != nil {
		return fmt.Errorf("app: integrations: %w", err)
	}
	sched.Register(q)
	return nil
}

// newIntegrations builds the integrations service. Tokens are sealed with
// a key derived from the signing secret. On the desktop without a public
// URL, the providers' callback reaches a loopback listener (RFC 8252)
// that lives as long as the app; stop closes it.
func newIntegrations(cfg config.Config, db core.Stores, tasks *task.Service, secret []byte, logger *slog.Logger) (svc *integrations.Service, stop func(), err error) {
	box, err := secretbox.New(secret, "integration tokens")
	if err != nil {
		return nil, nil, fmt.Errorf("app: integrations: %w", err)
	}
	providers := integrationProviders(cfg.Integrations)
	stop = func() {}
	redirect := cfg.Integrations.RedirectURL
	if redirect == "" && cfg.PublicURL != "" {
		redirect = strings.TrimRight(cfg.PublicURL, "/") + CallbackPath
	}
	var ln net.Listener
	if redirect == "" && len(providers) > 0 {
		addr := cfg.Integrations.LoopbackAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		if ln, err = net.Listen("tcp", addr); err != nil {
			return nil, nil, fmt.Errorf("app: integrations: listen for provider callbacks on %s: %w", addr, err)
		}
		redirect = "http://" + ln.Addr().String() + CallbackPath
	}
	svc, err = integrations.NewService(db, tasks, integrations.Options{Providers: providers, RedirectURL: redirect, Box: box, Logger: logger})
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return nil, nil, err
	}
	if ln != nil {
		srv := &http.Server{Handler: loopbackCallback(svc, logger), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("integration callback listener stopped", slog.Any("error", err))
			}
		}()
		stop = func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		}
		logger.Info("integration callbacks on loopback", slog.String("redirect_url", redirect))
	}
	return svc, stop, nil
}

// loopbackCallback finishes a connect flow in the system browser and
// tells the user to go back to the app, which sees the new state in the
// integration list.
func loopbackCallback(svc *integrations.Service, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+CallbackPath, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		res, err := svc.Finish(r.Context(), q.Get("state"), q.Get("code"), q.Get("error"))
		title := integrations.Title(res.Provider)
		if title == "" {
			title = "The integration"
		}
		msg := title + " is connected. You can close this window and return to Sentry."
		status := http.StatusOK
		if err != nil {
			msg, status = core.ErrorMessage(err), http.StatusBadRequest
			if core.ErrorCode(err) == core.EINTERNAL {
				logger.Error("integration callback failed", slog.Any("error", err))
				status = http.StatusInternalServerError
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>Sentry</title><p style=\"font:16px sans-serif;margin:3em\">%s</p>", html.EscapeString(msg))
	})
	return mux
}
