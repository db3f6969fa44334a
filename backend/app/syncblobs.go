package app

import (
	"sentry/backend/core"
	"sentry/backend/syncsvc"
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
