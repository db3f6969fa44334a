package syncsvc

import (
	"context"
	"log/slog"
	"time"

	"sentry/backend/jobs"
)

// DefaultRetention is how long a deleted row's tombstone stays in the
// sync log: a device away for longer downloads its scopes again
// (resync_scope) instead of reading the deletions one by one.
const DefaultRetention = 90 * 24 * time.Hour

// CompactKind is the periodic job that compacts the sync log.
const CompactKind = "sync_compaction"

// Compact keeps only the latest log entry of each row and removes the
// tombstone entries older than retention (SYNC.md §3.5). Pulls and pushes
// go on meanwhile.
func (s *Service) Compact(ctx context.Context, retention time.Duration) error {
	if retention <= 0 {
		retention = DefaultRetention
	}
	res, err := s.store.CompactSyncLog(ctx, s.now().Add(-retention))
	if res != nil && (res.Superseded > 0 || res.Tombstones > 0) {
		s.logger().Info("compacted the sync log", slog.Int("scopes", res.Scopes),
			slog.Int64("superseded_entries", res.Superseded), slog.Int64("expired_tombstones", res.Tombstones))
	}
	return err
}

// RegisterCompaction has q compact the sync log every interval: on a
// queue several servers share, one of them at each tick.
func (s *Service) RegisterCompaction(q jobs.Queue, every, retention time.Duration) {
	q.Handle(CompactKind, 1, func(ctx context.Context, _ jobs.Job) error {
		return s.Compact(ctx, retention)
	})
	q.Every(CompactKind, every)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}
