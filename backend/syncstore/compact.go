package syncstore

import (
	"context"
	"time"

	"sentry/backend/core"
	"sentry/sync/schema"
)

// Compaction of the sync log (SYNC.md §3.5), the same on both stores. The
// feed sends each row's current state read from its table, at the seq of
// the row's last log entry, so only that entry matters: older ones are
// superseded. A deleted row's last entry (its tombstone) goes too once it
// is older than the retention; the scope's horizon then rises to its seq,
// and a device whose cursor is below the horizon downloads the scope
// again. The row itself stays in its table as a skeleton (id, deleted_at,
// clocks), so a late edit from a device that was away cannot bring it
// back.
//
// Each scope is compacted in one transaction, looking only at what is new
// since the last run: after a run every row of the scope has at most one
// entry up to Compacted, so the next run looks only at rows with an entry
// after it; and every entry up to Purged has been judged as a tombstone
// once it was old enough, so the next run judges only the entries after it
// that have aged since.

// Marks are where a scope's log and its compaction stand.
type Marks struct {
	// Last is the scope's highest seq.
	Last int64
	// Compacted: no row has more than one entry up to it.
	Compacted int64
	// Purged: every entry up to it was judged as a tombstone.
	Purged int64
	// Horizon: a cursor below it downloads the scope again.
	Horizon int64
}

// CompactLog is a store's SQL for compaction.
type CompactLog interface {
	// Scopes lists the scopes whose logs to compact.
	Scopes(ctx context.Context) ([]string, error)
	// Begin starts the transaction that compacts one scope.
	Begin(ctx context.Context, scope string) (CompactScope, error)
}

// CompactScope is one scope's compaction transaction.
type CompactScope interface {
	// Marks reads the scope's marks; ok is false for a scope that is gone.
	Marks(ctx context.Context) (m Marks, ok bool, err error)
	// DropSuperseded removes the older entries of each row with an entry
	// in (after, upTo] and returns how many.
	DropSuperseded(ctx context.Context, after, upTo int64) (int64, error)
	// FirstYoung is the first seq in (after, upTo] written at or after
	// before (ok false for none).
	FirstYoung(ctx context.Context, after, upTo int64, before time.Time) (seq int64, ok bool, err error)
	// PurgeTombstones removes the entries of table in (after, upTo] that
	// are the last of a row that is deleted (or gone); it returns how
	// many and the highest seq removed.
	PurgeTombstones(ctx context.Context, table string, after, upTo int64) (n, high int64, err error)
	// Save raises the scope's marks to m (none ever goes down).
	Save(ctx context.Context, m Marks) error
	Commit(ctx context.Context) error
	// Rollback ends the transaction if Commit did not.
	Rollback()
}

// Compact compacts every scope log lists, one transaction per scope,
// purging the tombstones written before purgeBefore.
func Compact(ctx context.Context, log CompactLog, purgeBefore time.Time) (*core.SyncCompaction, error) {
	out := &core.SyncCompaction{}
	scopes, err := log.Scopes(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range scopes {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		superseded, purged, err := compactScope(ctx, log, s, purgeBefore)
		if err != nil {
			return out, err
		}
		out.Scopes++
		out.Superseded += superseded
		out.Tombstones += purged
	}
	return out, nil
}

// compactScope compacts one scope in one transaction.
func compactScope(ctx context.Context, log CompactLog, scope string, purgeBefore time.Time) (superseded, purged int64, err error) {
	tx, err := log.Begin(ctx, scope)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	m, ok, err := tx.Marks(ctx)
	if err != nil || !ok {
		return 0, 0, err
	}
	if m.Last <= m.Compacted && m.Last <= m.Purged {
		return 0, 0, nil // nothing new
	}
	// The older entries of the rows written since the last run.
	if superseded, err = tx.DropSuperseded(ctx, m.Compacted, m.Last); err != nil {
		return 0, 0, err
	}
	// The entries after Purged written before purgeBefore: up to the
	// first younger one (entries are numbered in the order written).
	to := m.Last
	young, ok, err := tx.FirstYoung(ctx, m.Purged, m.Last, purgeBefore)
	if err != nil {
		return 0, 0, err
	}
	if ok {
		to = young - 1
	}
	if to > m.Purged {
		for _, t := range schema.Tables {
			n, high, err := tx.PurgeTombstones(ctx, t.Name, m.Purged, to)
			if err != nil {
				return 0, 0, err
			}
			purged += n
			m.Horizon = max(m.Horizon, high)
		}
		m.Purged = to
	}
	m.Compacted = m.Last
	if err := tx.Save(ctx, m); err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, err
	}
	return superseded, purged, nil
}
