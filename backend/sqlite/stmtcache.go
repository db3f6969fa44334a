package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Prepared statements.
//
// Without them the driver parses and plans every statement again on every
// call (SQLite's sqlite3_prepare: about a tenth of the server's CPU under
// the mixed load). Statements are therefore prepared once per connection
// and reused, keyed by their text:
//
//   - the read pool (readPool) prepares a statement the first time its
//     text is seen; database/sql keeps it prepared on each read connection
//     it has run on and prepares it on a new one when needed;
//   - the writer's statements are prepared on the writer pool and used in
//     the group's transaction through (*sql.Tx).StmtContext, which reuses
//     what is already prepared on the one writer connection. The writer is
//     busy while a batch is open, so a statement seen for the first time
//     runs unprepared once and is prepared when the next batch opens
//     (group.open), while the group lock keeps the connection free.
//
// Only statements whose text has placeholders for every value are kept the
// same from call to call; the cache stops growing at maxCachedStmts texts
// (later ones run unprepared), so text built with values inside can cost
// no more than a bounded amount of memory.

// maxCachedStmts bounds the statements kept per pool.
const maxCachedStmts = 256

// stmtCache maps statement text to its prepared statement.
type stmtCache struct {
	mu     sync.RWMutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool // writer: seen but not yet prepared
	closed bool
}

func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	st := c.stmts[query]
	c.mu.RUnlock()
	return st
}

// full reports whether no more statements may be added.
func (c *stmtCache) fullLocked() bool {
	return c.closed || len(c.stmts)+len(c.wanted) >= maxCachedStmts
}

// add keeps st for query unless the cache is full or closed or another
// caller was first; it returns the statement to use (nil: run unprepared).
func (c *stmtCache) add(query string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.stmts[query]; old != nil {
		st.Close()
		return old
	}
	delete(c.wanted, query)
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	if c.fullLocked() {
		st.Close()
		return nil
	}
	c.stmts[query] = st
	return st
}

// want notes a writer statement to prepare when the writer is free.
func (c *stmtCache) want(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stmts[query] != nil || c.wanted[query] || c.fullLocked() {
		return
	}
	if c.wanted == nil {
		c.wanted = map[string]bool{}
	}
	c.wanted[query] = true
}

// takeWanted returns the statements waiting to be prepared.
func (c *stmtCache) takeWanted() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.wanted) == 0 {
		return nil
	}
	out := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		out = append(out, q)
	}
	c.wanted = nil
	return out
}

// close closes every statement; later adds are refused.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	c.stmts, c.wanted, c.closed = nil, nil, true
	return errors.Join(errs...)
}

// len is the number of prepared statements (tests).
func (c *stmtCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.stmts)
}

// readPool is the read-only connection pool; its queries use prepared
// statements. Everything else is *sql.DB's.
type readPool struct {
	*sql.DB
	stmts stmtCache
}

// stmt returns query's prepared statement, preparing it if it is new, or
// nil when it is not to be cached (the cache is full, or it does not
// prepare: the unprepared call then reports why).
func (p *readPool) stmt(ctx context.Context, query string) *sql.Stmt {
	if st := p.stmts.lookup(query); st != nil {
		return st
	}
	p.stmts.mu.RLock()
	full := p.stmts.fullLocked()
	p.stmts.mu.RUnlock()
	if full {
		return nil
	}
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	return p.stmts.add(query, st)
}

// QueryContext runs a query on a read connection.
func (p *readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query that returns at most one row on a read
// connection.
func (p *readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// Close closes the prepared statements and the pool.
func (p *readPool) Close() error {
	return errors.Join(p.stmts.close(), p.DB.Close())
}

// prepareWanted prepares the writer statements seen since the last time
// on the writer pool. The caller holds the group lock and no batch is
// open, so the writer connection is free (or about to be: a direct write
// on the pool only makes this wait).
func (g *group) prepareWanted(ctx context.Context) {
	for _, q := range g.stmts.takeWanted() {
		st, err := g.write.PrepareContext(ctx, q)
		if err != nil {
			continue // it runs unprepared, and reports its own error
		}
		g.stmts.add(q, st)
	}
}

// stmt returns the batch transaction's handle on query's prepared
// statement, or nil when it is not prepared yet (it then runs unprepared
// and is noted for preparing).
func (b *batch) stmt(g *group, query string) *sql.Stmt {
	if st := b.stmts[query]; st != nil {
		return st
	}
	parent := g.stmts.lookup(query)
	if parent == nil {
		g.stmts.want(query)
		return nil
	}
	// Not the caller's context: the handle serves the rest of the batch.
	st := b.tx.StmtContext(context.Background(), parent)
	if b.stmts == nil {
		b.stmts = map[string]*sql.Stmt{}
	}
	b.stmts[query] = st
	return st
}
