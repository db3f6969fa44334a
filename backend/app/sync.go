package app

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/sync/client"
	"sentry/sync/remote"
)

// SyncTokenFile keeps the team server's refresh token in the data folder
// (0600) on a machine without an OS keyring.
const SyncTokenFile = "sync-token.json"

// SyncSecrets is where the sync engine keeps its refresh token: the OS
// keyring the desktop's team-server sign-in uses, when this session has
// one; else a 0600 file in the data folder (a headless machine).
func SyncSecrets(cfg config.Config) remote.Secrets {
	if keyringReachable(cfg) {
		return remote.OSKeyring{}
	}
	return &client.FileSecrets{Path: filepath.Join(cfg.DataDir, SyncTokenFile)}
}

// NewSyncEngine returns the device's sync engine for the local profile,
// over this data folder (SQLite only: a server does not sync as a device).
func (a *App) NewSyncEngine(ctx context.Context, secrets remote.Secrets) (*client.Engine, error) {
	o, err := a.SyncEngineOptions(ctx, secrets)
	if err != nil {
		return nil, err
	}
	return client.New(o), nil
}

// SyncEngineOptions are NewSyncEngine's engine options (tests change the
// HTTP client).
func (a *App) SyncEngineOptions(ctx context.Context, secrets remote.Secrets) (client.Options, error) {
	if a.DB == nil {
		return client.Options{}, core.Errorf(core.EINVALID, "Only a device's own data folder syncs with a team server.")
	}
	u, err := a.LocalUser(ctx)
	if err != nil {
		return client.Options{}, err
	}
	if secrets == nil {
		secrets = SyncSecrets(a.Config)
	}
	name, _ := os.Hostname()
	return client.Options{Store: a.DB, Tasks: a.DB, Events: a.Events, Clock: a.Clock, Secrets: secrets,
		DeviceID: a.DB.DeviceID, DeviceName: name, LocalUserID: u.ID, Logger: a.logger, Files: a.syncFiles()}, nil
}

// StartSync runs the engine's background loop until stop is called (stop
// waits for it, so call it before Close). Local task writes nudge a push,
// and opening a synced file still on the team server downloads it.
func (a *App) StartSync(ctx context.Context, e *client.Engine) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	if a.Uploads != nil {
		a.Uploads.SetFetcher(e)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.Run(ctx)
	}()
	a.Events.Subscribe("sync", func(_ context.Context, ev core.Event) {
		if ctx.Err() == nil {
			e.Nudge()
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			if a.Uploads != nil {
				a.Uploads.SetFetcher(nil)
			}
			cancel()
			wg.Wait()
		})
	}
}
