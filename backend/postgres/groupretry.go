package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"sentry/backend/core"
)

// Grouped task writes tried again when the server broke a deadlock.
//
// A batch holds its members' row locks until it commits (groupcommit.go),
// so a transaction outside the group — a sync push — that holds a row a
// later member needs while it waits for a row an earlier member locked is
// a deadlock. The server breaks it by failing one statement of one side
// (SQLSTATE 40P01). When that side is the batch, nothing of the failed
// write is kept: a member's statement failed and the member was rolled
// back to its savepoint, or the batch's filing or COMMIT failed and the
// whole batch was rolled back (every member gets the error). Either way
// the write is begun again, in the next batch, up to groupTries times in
// all, after a short pause that lets the other side finish. The same holds
// for a serialization failure (40001), which says the same: rolled back,
// safe to run again. Any other error is answered at once; after the last
// try the caller is told to try again shortly (unavailable, not internal).
// When the server fails the push instead, the push is begun again the
// same way (ApplyPush).

// groupTries bounds how often one task write is tried.
const groupTries = 4

// groupRetryPause is the pause before the second try; it doubles for each
// later one, with up to as much again at random so that writes that failed
// together do not meet again in the same order.
var groupRetryPause = 5 * time.Millisecond

// groupRetried counts grouped writes begun again (for tests).
var groupRetried func()

// retryable tells whether err says the server rolled the write back to
// break a deadlock or a serialization conflict.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// grouped runs one task write as a member of a batch (beginGrouped),
// trying it again when the server rolled it back to break a deadlock.
// write must commit the Tx to keep its work; it runs again from the start
// on each try, so it must not keep what a failed try read.
func (db *DB) grouped(ctx context.Context, write func(tx *Tx) error) error {
	return tryAgainIfRolledBack(ctx, "task", func() error {
		tx, err := db.beginGrouped(ctx)
		if err != nil {
			return err
		}
		defer tx.rollback() // leaves the group; does nothing after a commit
		return write(tx)
	})
}

// ApplyPush applies one batch of a device's changes in one transaction
// (applyPush). The push is the other side of the deadlock above: when the
// server fails it rather than the batch of task writes, it is begun again
// the same way; nothing of it was kept, and a batch is applied once (its
// id is recorded with its result).
func (db *DB) ApplyPush(ctx context.Context, userID, deviceID, batchID string, ps []core.PushPatch, decide core.SyncDecide) (*core.PushResult, error) {
	var res *core.PushResult
	err := tryAgainIfRolledBack(ctx, "push", func() (err error) {
		res, err = db.applyPush(ctx, userID, deviceID, batchID, ps, decide)
		return err
	})
	return res, err
}

// tryAgainIfRolledBack runs one transaction until it ends without the
// server rolling it back for a deadlock or a serialization failure, at
// most groupTries times, pausing between tries.
func tryAgainIfRolledBack(ctx context.Context, what string, run func() error) error {
	pause := groupRetryPause
	for try := 1; ; try++ {
		err := run()
		if err == nil || !retryable(err) {
			return err
		}
		if try == groupTries {
			// Still meeting the same other writes: the client may try later.
			return &core.Error{Code: core.EUNAVAILABLE, RetryAfter: time.Second,
				Message: "The " + what + " could not be saved just now: other changes to the same data were being saved. Try again."}
		}
		if groupRetried != nil {
			groupRetried()
		}
		t := time.NewTimer(pause + rand.N(pause+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		pause *= 2
	}
}
