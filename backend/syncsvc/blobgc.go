package syncsvc

import (
	"context"
	"log/slog"
	"time"

	"sentry/backend/jobs"
)

// BlobGrace is how long the server keeps a scope's copy of a synced file
// after no uploads row of that scope names it any more (SYNC.md §7): a row
// deleted less than this long ago is still in the Trash and keeps it, and
// a file received less than this long ago is kept whatever its rows.
var BlobGrace = 30 * 24 * time.Hour

// CollectKind is the periodic job that deletes unreferenced synced files.
const CollectKind = "sync_blob_collection"

// collectBatch is how many files one look deletes at most; Collect looks
// again until a look finds fewer.
const collectBatch = 200

// Collect deletes the synced files of every scope that no live or
// Trash-period uploads row of that scope names and that arrived more than
// BlobGrace before now: the record, then the bytes. It returns how many
// it deleted. Another scope's copy of the same bytes is its own and is
// judged by that scope's rows.
func (b *Blobs) Collect(ctx context.Context, now time.Time) (int, error) {
	before := now.Add(-BlobGrace)
	n := 0
	for {
		found, err := b.store.FindUnreferencedSyncBlobs(ctx, before, collectBatch)
		if err != nil {
			return n, err
		}
		deleted := 0
		for _, f := range found {
			// Checked again as it goes: a row that names it since keeps it.
			gone, err := b.store.DeleteUnreferencedSyncBlob(ctx, f.ScopeID, f.SHA256, before)
			if err != nil {
				return n, err
			}
			if gone {
				b.remove(ctx, f.StorageKey)
				n++
				deleted++
			}
		}
		if len(found) < collectBatch || deleted == 0 || ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
}

// RegisterCollection has q delete unreferenced synced files every
// interval: on a queue several servers share, one of them at each tick.
func (b *Blobs) RegisterCollection(q jobs.Queue, every time.Duration) {
	q.Handle(CollectKind, 1, func(ctx context.Context, _ jobs.Job) error {
		n, err := b.Collect(ctx, b.Now())
		if n > 0 {
			b.logger.Info("deleted synced files no upload names any more", slog.Int("count", n))
		}
		return err
	})
	q.Every(CollectKind, every)
}
