package jobs_test

// Does River's SQLite driver live well beside the store's single writer?
// River opens a pool of its own on the same file and writes to it (fetch,
// completion, leader election, maintenance) while the store's writer
// groups commits. These benchmarks write tasks through the store, alone
// and beside a River client on the same file — idle, and working jobs
// enqueued all along — and report the store's write latency, its errors,
// and River's own errors (SQLITE_BUSY among them). Figures and the
// decision are in docs/BENCHMARKS.md ("Jobs on SQLite").

import (
	"context"
	"database/sql"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"sentry/backend/core"
	"sentry/backend/sqlite"
)

type noopArgs struct {
	N int `json:"n"`
}

func (noopArgs) Kind() string { return "noop" }

// counting counts River's log records at warn and above, and those that
// name a busy database.
type counting struct {
	errors, busy atomic.Int64
}

func (c *counting) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (c *counting) Handle(_ context.Context, r slog.Record) error {
	c.errors.Add(1)
	text := r.Message
	r.Attrs(func(a slog.Attr) bool { text += " " + a.Value.String(); return true })
	if strings.Contains(text, "SQLITE_BUSY") || strings.Contains(text, "database is locked") {
		c.busy.Add(1)
	}
	return nil
}
func (c *counting) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *counting) WithGroup(string) slog.Handler      { return c }

func BenchmarkWritePathBesideRiverSQLite(b *testing.B) {
	for _, mode := range []string{"alone", "river-idle", "river-busy", "river-busy-no-writes"} {
		b.Run(mode, func(b *testing.B) { benchWritePath(b, mode) })
	}
}

func benchWritePath(b *testing.B, mode string) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "sentry.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u := &core.User{Email: "bench@example.com"}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}

	logs := &counting{}
	var worked, enqueued atomic.Int64
	stopEnqueue := func() {}
	if mode != "alone" {
		q := url.Values{}
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		pool, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		pool.SetMaxOpenConns(1) // the driver's advice: SQLite writes one at a time
		driver := riversqlite.New(pool)
		m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			b.Fatal(err)
		}
		workers := river.NewWorkers()
		river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, j *river.Job[noopArgs]) error {
			worked.Add(1)
			return nil
		}))
		client, err := river.NewClient(driver, &river.Config{Logger: slog.New(logs), Workers: workers,
			Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}}, TestOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := client.Start(ctx); err != nil {
			b.Fatal(err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			_ = client.Stop(sctx)
		}()
		if strings.HasPrefix(mode, "river-busy") {
			// Jobs enqueued all along: 200 a second, as uploads might.
			ectx, cancel := context.WithCancel(ctx)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := time.NewTicker(5 * time.Millisecond)
				defer t.Stop()
				for i := 0; ; i++ {
					select {
					case <-ectx.Done():
						return
					case <-t.C:
					}
					if _, err := client.Insert(ectx, noopArgs{N: i}, nil); err != nil && ectx.Err() == nil {
						logs.Handle(ectx, slog.NewRecord(time.Now(), slog.LevelError, "insert: "+err.Error(), 0))
					} else if err == nil {
						enqueued.Add(1)
					}
				}
			}()
			stopEnqueue = func() { cancel(); wg.Wait() }
		}
		time.Sleep(time.Second) // let it elect a leader and start polling
	}

	const writers = 8
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	var storeErrs, storeBusy atomic.Int64
	var next atomic.Int64
	b.ResetTimer()
	if mode == "river-busy-no-writes" {
		// River alone on the file for as long as the writes took beside it.
		time.Sleep(3 * time.Second)
		b.StopTimer()
		stopEnqueue()
		b.ReportMetric(float64(enqueued.Load()), "jobs_enqueued")
		b.ReportMetric(float64(worked.Load()), "jobs_worked")
		b.ReportMetric(float64(logs.errors.Load()), "river_errors")
		return
	}
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for next.Add(1) <= int64(b.N) {
				t := &core.Task{UserID: u.ID, Title: "Benchmark task", Status: core.StatusTodo, Priority: core.PriorityMedium,
					TaskType: core.TaskTypeTask, Source: core.SourceSentry, Attendees: []string{}, Tags: []string{}}
				start := time.Now()
				if err := db.CreateTask(ctx, t); err != nil {
					storeErrs.Add(1)
					if strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "locked") {
						storeBusy.Add(1)
					}
					continue
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	stopEnqueue()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*50/100].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
	}
	b.ReportMetric(float64(storeErrs.Load()), "store_errors")
	b.ReportMetric(float64(storeBusy.Load()), "store_busy")
	b.ReportMetric(float64(logs.errors.Load()), "river_errors")
	b.ReportMetric(float64(logs.busy.Load()), "river_busy")
	b.ReportMetric(float64(enqueued.Load()), "jobs_enqueued")
	b.ReportMetric(float64(worked.Load()), "jobs_worked")
}
