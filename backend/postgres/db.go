// Package postgres implements Sentry's stores on PostgreSQL (15 and later)
// through pgx's pool, for the team server. Tables mirror the SQLite store's
// column for column; times are timestamptz kept to milliseconds, JSON is
// jsonb, lists are text[]. Every write to a user's data records its change
// log entry in the same transaction, numbered gap-free per scope.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"sentry/backend/core"
	"sentry/backend/syncstore"
	"sentry/backend/vecscan"
	"sentry/sync/hlc"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open Sentry database on PostgreSQL.
type DB struct {
	pool *pgxpool.Pool

	// Now is the clock; tests replace it.
	Now func() time.Time
	// Clock stamps change log entries.
	Clock core.Clock
	// DeviceID names this server in the change log.
	DeviceID string

	logger *slog.Logger
	extra  []ExtraMigration
	// vectors holds notebooks' vectors in memory for search (notebook.go).
	vectors vecscan.Cache
	// corpus holds notebooks' passage counts for BM25 (notebookstats.go).
	corpus corpusCache
	// group batches concurrent task writes in one transaction
	// (groupcommit.go).
	group taskGroup
}

// Options configure Open.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	Clock  core.Clock
	// Schema, when set, is the only schema on every connection's search
	// path: the tables live there (tests give each test its own).
	Schema string
	// MaxConns bounds the pool (default: pgxpool's, max(4, NumCPU)).
	MaxConns int32
	// Extra are migrations of tables the store does not own (the job
	// queue's), run after its own under the same advisory lock.
	Extra []ExtraMigration
}

// ExtraMigration migrates tables another package owns, on the store's pool.
type ExtraMigration struct {
	Pending func(ctx context.Context, pool *pgxpool.Pool) (bool, error)
	Up      func(ctx context.Context, pool *pgxpool.Pool) error
}

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN), runs pending migrations under an advisory lock and reads the
// device id.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Clock == nil {
		opts.Clock = hlc.New(opts.Now)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may quote the URL, password included.
		return nil, errors.New("postgres: open: the database URL is not valid")
	}
	// Times are read back in UTC whatever the server's default zone.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 { // connect_timeout in the URL wins
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := &DB{pool: pool, Now: opts.Now, Clock: opts.Clock, logger: opts.Logger, extra: opts.Extra}
	db.group.Max, db.group.Overlap = maxMembers, true
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach the database at %s: %w", RedactURL(url), oneLine(err))
	}
	if err := db.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := db.initDevice(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := db.resumeClock(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes every connection of the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the server answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Health is what /health and /metrics report about the database.
type Health struct {
	ServerVersion string `json:"server_version"`
	// Pool connections: in use, idle, and all (including ones being made).
	AcquiredConns int32 `json:"acquired_conns"`
	IdleConns     int32 `json:"idle_conns"`
	TotalConns    int32 `json:"total_conns"`
	MaxConns      int32 `json:"max_conns"`
	// AcquireCount and EmptyAcquireCount count acquisitions, and those
	// that had to wait for a connection.
	AcquireCount      int64 `json:"acquire_count"`
	EmptyAcquireCount int64 `json:"empty_acquire_count"`
}

// Health asks the server for its version and reports the pool's state.
func (db *DB) Health(ctx context.Context) (Health, error) {
	h := db.PoolStats()
	if err := db.pool.QueryRow(ctx, `SHOW server_version`).Scan(&h.ServerVersion); err != nil {
		return h, fmt.Errorf("postgres: health: %w", err)
	}
	return h, nil
}

// PoolStats is Health's pool figures alone, read without a query (for
// metrics scraped often).
func (db *DB) PoolStats() Health {
	var h Health
	s := db.pool.Stat()
	h.AcquiredConns, h.IdleConns, h.TotalConns, h.MaxConns = s.AcquiredConns(), s.IdleConns(), s.TotalConns(), s.MaxConns()
	h.AcquireCount, h.EmptyAcquireCount = s.AcquireCount(), s.EmptyAcquireCount()
	return h
}

// Migrations lists the embedded migration files.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return sub
}

// Migrate applies pending embedded migrations, each in its own
// transaction. A session advisory lock, keyed by the schema, makes servers
// that start together take turns: the second finds nothing left to do.
//
// A server finding nothing to apply takes no lock at all: a session lock
// is not safe through a pooler in transaction mode (its unlock may reach
// another server connection), so servers behind one only ever lock when
// there is something to migrate (docs/TEAM-SERVER.md: run `sentry
// migrate` on the direct URL first).
func (db *DB) Migrate(ctx context.Context) error {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, Migrations())
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if pending, err := db.pending(ctx, provider); err == nil && !pending {
		return nil
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	const key = `hashtextextended('sentry.migrate.' || current_schema(), 0)`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even when ctx was cancelled;
		// if the unlock fails, the connection is dropped, which frees it.
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock(`+key+`)`); err != nil {
			_ = conn.Conn().Close(uctx)
		}
	}()

	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, r := range results {
		db.logger.Info("migration applied", slog.Int64("version", r.Source.Version), slog.Duration("took", r.Duration))
	}
	for _, m := range db.extra {
		if err := m.Up(ctx, db.pool); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
	}
	return nil
}

// pending reports whether the store's or an extra migration is due.
func (db *DB) pending(ctx context.Context, provider *goose.Provider) (bool, error) {
	if p, err := provider.HasPending(ctx); err != nil || p {
		return p, err
	}
	for _, m := range db.extra {
		if p, err := m.Pending(ctx, db.pool); err != nil || p {
			return p, err
		}
	}
	return false, nil
}

// Pool is the connection pool, for the job queue that shares it.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// MigrationVersion returns the schema version.
func (db *DB) MigrationVersion(ctx context.Context) (int64, error) {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, Migrations())
	if err != nil {
		return 0, fmt.Errorf("postgres: migrations: %w", err)
	}
	return provider.GetDBVersion(ctx)
}

func (db *DB) initDevice(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('device_id', $1) ON CONFLICT (key) DO NOTHING`, NewID()); err != nil {
		return fmt.Errorf("postgres: store device id: %w", err)
	}
	if err := db.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'device_id'`).Scan(&db.DeviceID); err != nil {
		return fmt.Errorf("postgres: read device id: %w", err)
	}
	return nil
}

// NewID returns a new UUIDv7 as text, like the SQLite store's ids.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Tx is a write transaction that knows its time and can log changes.
type Tx struct {
	pgx.Tx
	db  *DB
	now time.Time
	// pending change log entries, written by Commit (see change.go).
	pending []syncstore.Pending
	// member is set when the Tx is a member of a group's batch
	// (groupcommit.go).
	member *memberTx
}

// BeginTx starts a read-committed write transaction. Rows it reads to
// change are locked with FOR UPDATE.
func (db *DB) BeginTx(ctx context.Context) (*Tx, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	return &Tx{Tx: tx, db: db, now: db.now()}, nil
}

// rollback ends a transaction that was not committed; deferred after
// BeginTx, it does nothing once Commit has run.
func (tx *Tx) rollback() { _ = tx.Rollback(context.Background()) }

func (tx *Tx) commit(ctx context.Context, op string) error {
	if err := tx.Commit(ctx); err != nil {
		return formatError(err, op+": commit", onViolation{})
	}
	return nil
}

// now is the store's time, to the millisecond like every stored time.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Millisecond) }

func (db *DB) hlc() string { return db.Clock.Now() }

// resumeClock raises the clock to the highest one the change log holds, so
// a restarted server never issues a clock lower than values it already
// holds. Every field clock it holds was observed before the entry that
// wrote it took its clock, so the log's highest covers them.
func (db *DB) resumeClock(ctx context.Context) error {
	var high *string
	if err := db.pool.QueryRow(ctx, `SELECT MAX(hlc) FROM changes`).Scan(&high); err != nil {
		return fmt.Errorf("postgres: read highest clock: %w", err)
	}
	if high == nil || *high == "" {
		return nil
	}
	if err := db.Clock.Resume(*high); err != nil {
		return fmt.Errorf("postgres: resume clock: %w", err)
	}
	return nil
}

// ms converts a time for storage: UTC, to the millisecond, as SQLite
// keeps it.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func msPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}

// utcPtr puts a time read back in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// queryer is the pool or a transaction.
type queryer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// QueryRowForTest runs a read query written with ? placeholders (as for
// the SQLite store's twin); tests use it to look behind the API.
func (db *DB) QueryRowForTest(query string, args ...any) pgx.Row {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return db.pool.QueryRow(context.Background(), b.String(), args...)
}

// storable reports whether every key can be server text. One that cannot
// (NUL, bytes that are not UTF-8) names no row, so a lookup by it answers
// what a lookup of an unknown key answers, as in SQLite, instead of the
// server's encoding error.
func storable(keys ...string) bool {
	for _, k := range keys {
		if core.CheckStorable("", k) != nil {
			return false
		}
	}
	return true
}
