// Package txgroup lets concurrent writers of one store share a database
// transaction and its COMMIT (group commit), whatever the database.
//
// Writes that arrive while a transaction is open join it instead of
// queueing for a transaction of their own: the callers take turns (the
// group lock is handed from one to the next, first come first served)
// inside one outer transaction, each in its own savepoint, and the last
// one of the batch commits for everyone.
//
//   - A member calls Acquire, then Current (or Start, when no batch is
//     open) and opens its savepoint in the store's outer transaction.
//   - Undoing its savepoint undoes the member's work only; the others'
//     stays. A savepoint that could not be released or undone leaves the
//     outer transaction in an unknown state: the member calls Fail and
//     nobody in the batch is told their write was kept.
//   - The member then calls Release and Wait: the caller that finds
//     nobody waiting for the lock (or the batch full or failed) ends the
//     batch, still holding the lock, so the next batch begins after it
//     (or, with Overlap, just after handing the lock on);
//     Wait returns once the batch has ended, with its result. No member is
//     told "done" before its write is committed, and a failed COMMIT fails
//     every member of that batch.
//
// The package knows nothing of SQL: the store opens the outer transaction,
// runs the savepoints and gives Start the function that ends the batch.
package txgroup

import (
	"context"
	"sync"
)

// DefaultMax bounds how many members share one COMMIT unless Group.Max
// says otherwise, so the first of them does not wait for an endless
// stream of later ones.
const DefaultMax = 32

// Group is one store's group lock and its open batch. The zero value is
// ready to use.
type Group struct {
	// Max bounds a batch's members (DefaultMax when 0).
	Max int
	// Overlap lets the next batch begin while the last one ends: the
	// member that ends a batch hands the lock on first. Only for a store
	// whose batches run on connections of their own (the database orders
	// their commits); without it a batch ends under the lock, as one
	// writer connection needs.
	Overlap bool

	mu    sync.Mutex
	stats func(members int) // see SetStats
	held  bool              // someone holds the group lock
	queue []chan struct{}   // callers waiting for it
	cur   *Batch            // the open batch, touched by the lock holder only
}

// Batch is one outer transaction and the members that joined it.
type Batch struct {
	// Members counts the members that joined; the store adds each.
	Members int
	end     func(err error) error
	err     error
	done    chan struct{}
}

// Acquire takes the group lock, waiting in line. A context that ends while
// waiting leaves the group as it was and returns the context's error.
func (g *Group) Acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g.mu.Lock()
	if !g.held {
		g.held = true
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	g.queue = append(g.queue, ch)
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	for i, q := range g.queue {
		if q == ch {
			g.queue = append(g.queue[:i], g.queue[i+1:]...)
			g.mu.Unlock()
			return ctx.Err()
		}
	}
	g.mu.Unlock()
	// The lock was handed over as the context ended: pass it on (or end
	// the open batch if nobody else waits), as a member leaving would.
	g.Release()
	return ctx.Err()
}

// SetStats has f called with each batch's size before the batch ends
// (tests).
func (g *Group) SetStats(f func(members int)) {
	g.mu.Lock()
	g.stats = f
	g.mu.Unlock()
}

// Waiting is how many callers wait for the group lock.
func (g *Group) Waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

// Current is the open batch, or nil. Only the lock holder may call it.
func (g *Group) Current() *Batch {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cur
}

// Start opens a batch around the outer transaction the holder has just
// begun; end will finish it: commit when err is nil, else roll back, and
// return the batch's result (err, or what committing gave). Only the lock
// holder may call it, with no batch open.
func (g *Group) Start(end func(err error) error) *Batch {
	b := &Batch{end: end, done: make(chan struct{})}
	g.mu.Lock()
	g.cur = b
	g.mu.Unlock()
	return b
}

// Release gives the group lock up. If a batch is open and nobody waits for
// the lock (or the batch is full or failed), the batch is ended first, by
// this caller, still holding the lock (with Overlap: just after handing it
// on).
func (g *Group) Release() {
	max := g.Max
	if max <= 0 {
		max = DefaultMax
	}
	g.mu.Lock()
	if b := g.cur; b != nil && g.Overlap && (len(g.queue) == 0 || b.Members >= max || b.err != nil) {
		g.cur = nil
		stats := g.stats
		g.handOn()
		g.mu.Unlock()
		if stats != nil {
			stats(b.Members)
		}
		b.err = b.end(b.err)
		close(b.done)
		return
	}
	if b := g.cur; b != nil && (len(g.queue) == 0 || b.Members >= max || b.err != nil) {
		g.cur = nil
		stats := g.stats
		g.mu.Unlock()
		if stats != nil {
			stats(b.Members)
		}
		b.err = b.end(b.err)
		close(b.done)
		g.mu.Lock()
	}
	g.handOn()
	g.mu.Unlock()
}

// handOn passes the lock to the first caller in line, or frees it. The
// caller holds g.mu.
func (g *Group) handOn() {
	if len(g.queue) > 0 {
		ch := g.queue[0]
		g.queue = g.queue[1:]
		close(ch) // the lock passes to that caller; held stays true
	} else {
		g.held = false
	}
}

// Fail marks the batch failed: it is rolled back and every member is
// answered err (the first one given). Only the lock holder may call it.
func (b *Batch) Fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// Err is the batch's failure so far. Only the lock holder may call it.
func (b *Batch) Err() error { return b.err }

// Wait returns once the batch has ended, with its result. Call it after
// Release.
func (b *Batch) Wait() error {
	<-b.done
	return b.err
}
