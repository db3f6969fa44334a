//go:build desktop

package main

import (
	"context"
	"log/slog"
	"time"

	"sentry/backend/app"
	"sentry/backend/core"
	"sentry/sync/client"
	"sentry/sync/remote"
)

// desktopSync runs the device's sync with its team server in the
// background for as long as the window is open.
type desktopSync struct {
	engine *client.Engine
	stop   func()
	log    *slog.Logger
}

// startDesktopSync starts the sync loop over the backend's data folder; it
// waits quietly until the folder is connected to a team server. The
// refresh token is the one the browser sign-in keeps in the OS keyring.
func startDesktopSync(ctx context.Context, backend *app.App, log *slog.Logger) *desktopSync {
	s := &desktopSync{log: log, stop: func() {}}
	e, err := backend.NewSyncEngine(ctx, remote.OSKeyring{})
	if err != nil {
		log.Warn("desktop: sync unavailable", slog.Any("error", err))
		return s
	}
	s.engine = e
	s.stop = backend.StartSync(context.WithoutCancel(ctx), e)
	return s
}

func (s *desktopSync) close() { s.stop() }

// attach binds the device to the server just signed in to.
func (s *desktopSync) attach(ctx context.Context, server string) {
	if s.engine == nil {
		return
	}
	if _, err := s.engine.Attach(ctx, server); err != nil {
		s.log.Warn("desktop: bind device for sync", slog.Any("error", err))
	}
}

func (s *desktopSync) forget(ctx context.Context) {
	if s.engine == nil {
		return
	}
	if err := s.engine.Disconnect(ctx); err != nil {
		s.log.Warn("desktop: stop syncing", slog.Any("error", err))
	}
}

var errNoSync = core.Errorf(core.EUNAVAILABLE, "Sync is not available on this device.")

// uiError keeps internal details out of the window: a sync error carries
// its own message for a person; anything else is logged.
func (d *Desktop) uiError(err error) error {
	if err == nil {
		return nil
	}
	if se, ok := err.(*client.Error); ok {
		return core.Errorf(core.EUNAVAILABLE, "%s", se.Message)
	}
	if core.ErrorCode(err) == core.EINTERNAL {
		d.log.Error("desktop: sync", slog.Any("error", err))
	}
	return err
}

// SyncStatus is the header's sync state: synced, n pending, offline or
// needs attention.
func (d *Desktop) SyncStatus() (client.Status, error) {
	if d.sync == nil || d.sync.engine == nil {
		return client.Status{State: client.StateOff, Label: "Not syncing", Teams: []string{}}, nil
	}
	ctx, cancel := context.WithTimeout(d.rt(), 10*time.Second)
	defer cancel()
	st, err := d.sync.engine.Status(ctx)
	if err != nil {
		return client.Status{}, d.uiError(err)
	}
	return st, nil
}

// SyncNow runs one round at once (the "Sync now" button).
func (d *Desktop) SyncNow() (client.Result, error) {
	if d.sync == nil || d.sync.engine == nil {
		return client.Result{}, errNoSync
	}
	ctx, cancel := context.WithTimeout(d.rt(), 2*time.Minute)
	defer cancel()
	r, err := d.sync.engine.SyncNow(ctx)
	if err != nil {
		return r, d.uiError(err)
	}
	return r, nil
}

// SyncConflicts lists the conflicts to settle, with both values.
func (d *Desktop) SyncConflicts() ([]client.Conflict, error) {
	if d.sync == nil || d.sync.engine == nil {
		return []client.Conflict{}, nil
	}
	ctx, cancel := context.WithTimeout(d.rt(), 30*time.Second)
	defer cancel()
	list, err := d.sync.engine.Conflicts(ctx)
	if err != nil {
		return nil, d.uiError(err)
	}
	return list, nil
}

// SyncRejected lists the changes the team server refused, with its reason.
func (d *Desktop) SyncRejected() ([]*core.SyncRejected, error) {
	if d.sync == nil || d.sync.engine == nil {
		return []*core.SyncRejected{}, nil
	}
	ctx, cancel := context.WithTimeout(d.rt(), 10*time.Second)
	defer cancel()
	list, err := d.sync.engine.Rejected(ctx)
	if err != nil {
		return nil, d.uiError(err)
	}
	return list, nil
}

// SyncKeep settles a conflict: which is "winner" (keep what the task
// shows) or "loser" (bring back the value that lost).
func (d *Desktop) SyncKeep(conflictID, which string) error {
	if d.sync == nil || d.sync.engine == nil {
		return errNoSync
	}
	ctx, cancel := context.WithTimeout(d.rt(), 30*time.Second)
	defer cancel()
	return d.uiError(d.sync.engine.KeepByID(ctx, conflictID, which))
}

// TeamMembers lists a team's members as the team server knows them, for
// choosing a team task's assignee (the device itself knows only its own
// membership). Offline, the error says so.
func (d *Desktop) TeamMembers(teamID string) ([]*core.TeamMember, error) {
	if d.sync == nil || d.sync.engine == nil {
		return nil, errNoSync
	}
	ctx, cancel := context.WithTimeout(d.rt(), 30*time.Second)
	defer cancel()
	list, err := d.sync.engine.TeamMembers(ctx, teamID)
	if err != nil {
		return nil, d.uiError(err)
	}
	return list, nil
}
