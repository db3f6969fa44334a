package app

import (
	"context"
	"log/slog"
	"path/filepath"

	"sentry/backend/core"
	"sentry/backend/syncsvc"
	"sentry/sync/client"
)

// syncBlobs serves synced files' bytes on a server that syncs, through
// the same file store (--blobs) and upload quota as its uploads.
func (a *App) syncBlobs(files core.BlobStore) *syncsvc.Blobs {
	if a.Sync == nil || a.Teams == nil {
		return nil
	}
	st, ok := a.Store.(core.SyncBlobStore)
	if !ok {
		return nil
	}
	teams, _ := a.Store.(core.TeamStore)
	return syncsvc.NewBlobs(st, a.Store, files, teams, a.Uploads, a.logger)
}

// syncFiles lets a device's sync engine move uploads' bytes: read from
// and written to this folder's file store, downloads in progress in
// sync-partial/, and a notebook document waiting for a file indexed when
// it arrives.
func (a *App) syncFiles() client.BlobOptions {
	if a.Uploads == nil {
		return client.BlobOptions{}
	}
	return client.BlobOptions{Files: a.Uploads.BlobStore(), PartialDir: filepath.Join(a.Config.DataDir, "sync-partial"),
		Arrived: func(ctx context.Context, _ []string) {
			if a.Notebooks == nil {
				return
			}
			if err := a.Notebooks.FilesArrived(ctx); err != nil {
				a.logger.Warn("sync: index documents whose files arrived", slog.Any("error", err))
			}
		}}
}
