// Package sqlite implements Sentry's stores on SQLite (modernc, pure Go)
// with sqlite-vec and FTS5. One connection writes; a pool reads. Every write
// to a user's data records its change log entry in the same transaction.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite"     // database/sql driver "sqlite"
	_ "modernc.org/sqlite/vec" // sqlite-vec, installed into every connection

	"sentry/backend/core"
	"sentry/backend/vecscan"
	"sentry/sync/hlc"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// TimeFormat is how times are stored: UTC with milliseconds, so string
// order is time order.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// DB is an open Sentry database.
type DB struct {
	write *sql.DB // exactly one connection: SQLite has one writer anyway
	// group lets concurrent BeginTx callers share one transaction and its
	// COMMIT (groupcommit.go).
	group *group
	read  *readPool // a pool of read-only connections, with prepared statements (stmtcache.go)
	// search is the read pool of notebook search and passage reads: the
	// same as read unless Options.MmapSize maps the file for them.
	search *readPool
	// ckpt copies the WAL into the database file in the background, so
	// that the fsyncs of checkpoints never stall a request's commit.
	ckpt      *sql.DB
	stopCkpt  chan struct{}
	ckptDone  chan struct{}
	closeOnce sync.Once
	path      string

	// Now is the clock; tests replace it.
	Now func() time.Time
	// Clock stamps change log entries.
	Clock core.Clock
	// DeviceID names this installation in the change log.
	DeviceID string

	logger        *slog.Logger
	vectors       vecscan.Cache // large notebooks' vectors in memory (notebookvec.go)
	vecVersion    string
	sqliteVersion string
}

// Options configure Open.
type Options struct {
	// ReadConns is the size of the read pool (default: max(4, NumCPU)).
	ReadConns int
	// MmapSize in bytes for the read connections of notebook search
	// (0: SQLite's default, and no pool of their own). The other read
	// connections never map the file: under writes every read transaction
	// finds the WAL changed and drops its mapping, which slowed a mixed
	// create/list load (sqlite.BenchmarkMixedCreateList).
	MmapSize int64
	Logger   *slog.Logger
	Now      func() time.Time
	Clock    core.Clock
}

// Open opens (creating if needed) the database file at path, checks
// sqlite-vec and runs pending migrations.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: open: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create data dir: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = max(4, runtime.NumCPU())
	}
	if opts.Clock == nil {
		opts.Clock = hlc.New(opts.Now)
	}
	db := &DB{path: path, Now: opts.Now, Clock: opts.Clock, logger: opts.Logger}

	// busy_timeout first so the following pragmas wait instead of failing
	// when another process holds the file.
	pragmas := []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"}
	dsn := func(extra []string, txlock string) string {
		q := url.Values{}
		for _, p := range append(append([]string{}, pragmas...), extra...) {
			q.Add("_pragma", p)
		}
		if txlock != "" {
			q.Set("_txlock", txlock)
		}
		return "file:" + path + "?" + q.Encode()
	}
	var err error
	// The writer checkpoints by itself only as a safety net (64 MiB of WAL);
	// normally the background checkpointer has done it long before.
	if db.write, err = sql.Open("sqlite", dsn([]string{"temp_store(MEMORY)", "wal_autocheckpoint(16384)", "journal_size_limit(67108864)"}, "immediate")); err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	db.group = &group{write: db.write}

	readExtra := []string{"query_only(1)", "temp_store(MEMORY)"}
	rp, err := sql.Open("sqlite", dsn(readExtra, ""))
	if err != nil {
		db.write.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	db.read = &readPool{DB: rp}
	db.read.SetMaxOpenConns(opts.ReadConns)
	db.read.SetMaxIdleConns(opts.ReadConns)
	db.read.SetConnMaxIdleTime(0)
	db.search = db.read
	if opts.MmapSize > 0 {
		// Connections open on first use: a server that never searches a
		// notebook has none.
		sp, err := sql.Open("sqlite", dsn(append(readExtra, fmt.Sprintf("mmap_size(%d)", opts.MmapSize)), ""))
		if err != nil {
			db.read.Close()
			db.write.Close()
			return nil, fmt.Errorf("sqlite: open search readers: %w", err)
		}
		db.search = &readPool{DB: sp}
		db.search.SetMaxOpenConns(opts.ReadConns)
		db.search.SetMaxIdleConns(opts.ReadConns)
		db.search.SetConnMaxIdleTime(0)
	}

	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := db.write.QueryRowContext(ctx, `SELECT sqlite_version(), vec_version()`).Scan(&db.sqliteVersion, &db.vecVersion); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: sqlite-vec is not available: %w", err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.initDevice(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.resumeClock(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.ckpt, err = sql.Open("sqlite", dsn(nil, "")); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	db.ckpt.SetMaxOpenConns(1)
	db.stopCkpt, db.ckptDone = make(chan struct{}), make(chan struct{})
	go db.checkpointLoop(CheckpointInterval)
	return db, nil
}

// CheckpointInterval is how often the background checkpointer runs.
const CheckpointInterval = 250 * time.Millisecond

// checkpointLoop runs passive checkpoints: they copy committed WAL frames
// into the database without blocking the writer or readers.
func (db *DB) checkpointLoop(every time.Duration) {
	defer close(db.ckptDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-db.stopCkpt:
			return
		case <-t.C:
			var busy, logFrames, done int
			if err := db.ckpt.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &done); err != nil {
				db.logger.Warn("background checkpoint failed", slog.Any("error", err))
			}
		}
	}
}

// Close closes every connection; later calls do nothing.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() { err = db.close() })
	return err
}

func (db *DB) close() error {
	var errs []error
	if db.stopCkpt != nil {
		close(db.stopCkpt)
		<-db.ckptDone
		errs = append(errs, db.ckpt.Close())
	}
	if db.search != nil && db.search != db.read {
		errs = append(errs, db.search.Close())
	}
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		// Fold the WAL back so the file is whole for backups.
		errs = append(errs, db.group.stmts.close())
		_, _ = db.write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Versions reports SQLite's and sqlite-vec's versions.
func (db *DB) Versions() (sqliteVersion, vecVersion string) { return db.sqliteVersion, db.vecVersion }

// Ping checks that both the writer and the readers answer.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Migrations lists the embedded migration files.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return sub
}

// NewerSchemaError is what Migrate returns for a database whose schema is
// newer than the newest migration this build embeds: it was written by a
// newer version of the program, and opening it here could lose data, so it
// is refused and left as it is (a downgrade is not supported).
type NewerSchemaError struct {
	Have  int64 // the database's schema version
	Known int64 // the newest migration this build knows
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("this database was written by a newer Sentry AI (schema %d, this version knows up to %d); install the newer version", e.Have, e.Known)
}

// Migrate applies pending embedded migrations, each in its own transaction.
// A database with a newer schema than this build knows is refused with a
// *NewerSchemaError before anything is written to it.
func (db *DB) Migrate(ctx context.Context) error {
	provider, err := goose.NewProvider(goose.DialectSQLite3, db.write, Migrations())
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	have, err := provider.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: schema version: %w", err)
	}
	var known int64
	for _, s := range provider.ListSources() {
		known = max(known, s.Version)
	}
	if have > known {
		return &NewerSchemaError{Have: have, Known: known}
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	for _, r := range results {
		db.logger.Info("migration applied", slog.Int64("version", r.Source.Version), slog.Duration("took", r.Duration))
	}
	return nil
}

// MigrationVersion returns the schema version.
func (db *DB) MigrationVersion(ctx context.Context) (int64, error) {
	provider, err := goose.NewProvider(goose.DialectSQLite3, db.write, Migrations())
	if err != nil {
		return 0, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return provider.GetDBVersion(ctx)
}

func (db *DB) initDevice(ctx context.Context) error {
	err := db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'device_id'`).Scan(&db.DeviceID)
	if err == nil {
		return nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: read device id: %w", err)
	}
	id := NewID()
	if _, err := db.write.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES('device_id', ?) ON CONFLICT(key) DO NOTHING`, id); err != nil {
		return fmt.Errorf("sqlite: store device id: %w", err)
	}
	return db.write.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'device_id'`).Scan(&db.DeviceID)
}

// NewID returns a new UUIDv7 as text: unique across devices and roughly
// ordered by creation time.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

func (db *DB) hlc() string { return db.Clock.Now() }

// resumeClock raises the clock to the highest one the change log holds, so
// a store that reopens (a restarted server, a device whose wall clock went
// back) never issues a clock lower than values it already holds. Every
// field clock a server holds was observed before the entry that wrote it
// took its clock, so the log's highest covers them.
func (db *DB) resumeClock(ctx context.Context) error {
	var high sql.NullString
	if err := db.write.QueryRowContext(ctx, `SELECT MAX(hlc) FROM changes`).Scan(&high); err != nil {
		return fmt.Errorf("sqlite: read highest clock: %w", err)
	}
	if !high.Valid || high.String == "" {
		return nil
	}
	if err := db.Clock.Resume(high.String); err != nil {
		return fmt.Errorf("sqlite: resume clock: %w", err)
	}
	return nil
}

// clampTime keeps a bound inside what the stored text can say, so "every
// time" compares right against stored times.
func clampTime(t time.Time) time.Time {
	if last := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC); t.After(last) {
		return last
	}
	return t
}

// formatTime and parseTime convert between time.Time and stored text.
func formatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

func formatTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: bad stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func parseTimePtr(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// QueryRowForTest runs a read query; tests use it to look behind the API.
func (db *DB) QueryRowForTest(query string, args ...any) *sql.Row {
	return db.read.QueryRow(query, args...)
}

// GetSetting reads an installation setting ("" when unset).
func (db *DB) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, "setting:"+key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("sqlite: get setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting stores an installation setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
		"setting:"+key, value); err != nil {
		return fmt.Errorf("sqlite: set setting %s: %w", key, err)
	}
	return nil
}
