// Package pgjobs runs jobs.Queue on PostgreSQL with River, so that every
// server on one database shares one queue: any of them may run a job, a
// job runs on one server at a time, a failed one is retried with
// jobs.Backoff, and a job whose server died is taken over by another.
//
// How a dead server's job is found: River takes back a job that has been
// running for longer than both RescueStuckJobsAfter and its timeout (its
// "stuck job" rescue, run by the elected leader every 30 seconds) and
// schedules it again; a job without a timeout is never rescued. A job that
// is alive may run far longer than that (OCR of a long scan), so both are
// RescueAfter, and while a worker runs its server moves the job's
// attempted_at forward every RescueAfter/4 and keeps the work going past
// River's timeout: only a job whose server stopped beating is rescued.
// With the default minute, a killed server's job runs again elsewhere
// after at most RescueAfter·¾ (since the last beat) + 30 s (the rescuer's
// round) + a few seconds of retry and fetch — under two minutes, also when
// the dead server was the leader (another is elected within about 15 s).
package pgjobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"sentry/backend/jobs"
)

// DefaultRescueAfter is how long a job may go without its server's beat
// before another server takes it over.
const DefaultRescueAfter = time.Minute

// Options configure a River queue.
type Options struct {
	Logger *slog.Logger
	// RescueAfter: see DefaultRescueAfter. Tests shorten it.
	RescueAfter time.Duration
	// PollInterval is the fallback fetch interval when no notification
	// arrives (default 1 s).
	PollInterval time.Duration
	// ID names this server among the queue's clients (default: random).
	ID string
	// PollOnly fetches by polling alone, without LISTEN: a pooler in
	// transaction mode cannot hold a listening session. New sets it when
	// the pool's URL asks for a query mode other than the statement
	// cache, as docs/TEAM-SERVER.md says to through such a pooler.
	PollOnly bool
}

// River is jobs.Queue on PostgreSQL.
type River struct {
	pool   *pgxpool.Pool
	opts   Options
	logger *slog.Logger

	mu      sync.Mutex
	run     context.Context // cancelled by Stop: what stops a running job
	cancel  context.CancelFunc
	kinds   map[string]kind
	every   map[string]time.Duration
	insert  *river.Client[pgx.Tx] // for Enqueue before Start
	client  *river.Client[pgx.Tx]
	stopped chan struct{}
}

type kind struct {
	n    int
	work jobs.Worker
}

// envelope is the one River job type: the kind it belongs to and its
// arguments. Each kind has a River queue of its own, so each kind's
// concurrency is its own.
type envelope struct {
	Of   string          `json:"kind"`
	Args json.RawMessage `json:"args"`
}

// Kind is River's name for every job of ours.
func (envelope) Kind() string { return "sentry" }

// New returns a queue on pool's database, whose River tables Migrate has
// made.
func New(pool *pgxpool.Pool, opts Options) (*River, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RescueAfter <= 0 {
		opts.RescueAfter = DefaultRescueAfter
	}
	if pool.Config().ConnConfig.DefaultQueryExecMode != pgx.QueryExecModeCacheStatement {
		opts.PollOnly = true
	}
	q := &River{pool: pool, opts: opts, logger: opts.Logger, kinds: map[string]kind{}, every: map[string]time.Duration{}}
	c, err := river.NewClient(riverpgxv5.New(pool), q.config(nil, nil))
	if err != nil {
		return nil, fmt.Errorf("pgjobs: %w", err)
	}
	q.insert = c
	return q, nil
}

func (q *River) config(queues map[string]river.QueueConfig, periodic []*river.PeriodicJob) *river.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(q.work))
	return &river.Config{
		PeriodicJobs: periodic,
		ID:           q.opts.ID,
		Logger:       q.logger,
		Workers:      workers,
		Queues:       queues,
		// River's rescuer passes over jobs without a timeout, and takes only
		// those attempted longer ago than both of these; work goes on past
		// the timeout (see work), and the beat keeps attempted_at recent.
		JobTimeout:           q.opts.RescueAfter,
		RescueStuckJobsAfter: q.opts.RescueAfter,
		JobStuckThreshold:    24 * time.Hour, // a long job is not stuck while it beats
		MaxAttempts:          jobs.MaxAttempts,
		RetryPolicy:          retryPolicy{},
		FetchPollInterval:    q.opts.PollInterval,
		PollOnly:             q.opts.PollOnly,
		// Finished jobs are history nobody reads: the features' rows are
		// the record. Keep a day of them for an operator's look.
		CompletedJobRetentionPeriod: 24 * time.Hour,
	}
}

type retryPolicy struct{}

func (retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(jobs.Backoff(job.Attempt))
}

// Options returns the options in effect.
func (q *River) Options() Options { return q.opts }

// Handle registers the worker of kind.
func (q *River) Handle(k string, n int, w jobs.Worker) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.client != nil {
		panic("pgjobs: Handle after Start")
	}
	if _, ok := q.kinds[k]; ok {
		panic("pgjobs: kind " + k + " registered twice")
	}
	q.kinds[k] = kind{n: max(1, n), work: w}
}

// Every has River's periodic jobs enqueue a job of kind at start and
// every d. River runs them on the elected leader only, so with several
// servers on the database each tick is enqueued once; a new leader
// starts over, enqueueing at once, and unique keeps that from doubling a
// job still waiting or running.
func (q *River) Every(k string, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.client != nil {
		panic("pgjobs: Every after Start")
	}
	if _, ok := q.kinds[k]; !ok {
		panic("pgjobs: Every of unregistered kind " + k)
	}
	if d <= 0 {
		panic("pgjobs: Every needs a positive period")
	}
	q.every[k] = d
}

// unique keeps one job per kind and arguments among those not finished.
var unique = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled}}

// Enqueue inserts a job unless one of the same kind and arguments is
// waiting or running.
func (q *River) Enqueue(ctx context.Context, k string, args any) error {
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("pgjobs: enqueue %s: %w", k, err)
	}
	q.mu.Lock()
	_, known := q.kinds[k]
	c := q.insert
	if q.client != nil {
		c = q.client
	}
	q.mu.Unlock()
	if !known {
		return fmt.Errorf("pgjobs: enqueue: no worker for kind %q", k)
	}
	if _, err := c.Insert(ctx, envelope{Of: k, Args: raw}, &river.InsertOpts{Queue: queueName(k), UniqueOpts: unique}); err != nil {
		return fmt.Errorf("pgjobs: enqueue %s: %w", k, err)
	}
	return nil
}

func queueName(kind string) string { return "sentry_" + kind }

// Start starts a River client working every registered kind's queue.
func (q *River) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.client != nil {
		return errors.New("pgjobs: started twice")
	}
	queues := map[string]river.QueueConfig{}
	for k, kd := range q.kinds {
		queues[queueName(k)] = river.QueueConfig{MaxWorkers: kd.n}
	}
	var periodic []*river.PeriodicJob
	for k, d := range q.every {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(d),
			func() (river.JobArgs, *river.InsertOpts) {
				return envelope{Of: k, Args: json.RawMessage(`{}`)}, &river.InsertOpts{Queue: queueName(k), UniqueOpts: unique}
			}, &river.PeriodicJobOpts{ID: k, RunOnStart: true}))
	}
	c, err := river.NewClient(riverpgxv5.New(q.pool), q.config(queues, periodic))
	if err != nil {
		return fmt.Errorf("pgjobs: %w", err)
	}
	q.run, q.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if err := c.Start(ctx); err != nil {
		q.cancel()
		return fmt.Errorf("pgjobs: start: %w", err)
	}
	q.client = c
	go func() {
		select {
		case <-ctx.Done():
			q.cancel()
		case <-q.run.Done():
		}
	}()
	q.stopped = make(chan struct{})
	go func() { <-c.Stopped(); close(q.stopped) }()
	return nil
}

// Stop cancels running jobs and waits for River to record how they
// ended; an interrupted job is snoozed, so it runs again at once on
// another server (or at the next start) without counting an attempt.
func (q *River) Stop(ctx context.Context) error {
	q.mu.Lock()
	c := q.client
	q.mu.Unlock()
	if c == nil {
		return nil
	}
	q.cancel()
	if err := c.StopAndCancel(ctx); err != nil {
		return fmt.Errorf("pgjobs: stop: %w", err)
	}
	return nil
}

// Stats counts the unfinished jobs of every server by River's state
// (available, running, retryable, scheduled), and those discarded after
// their last attempt.
func (q *River) Stats(ctx context.Context) (map[string]int, error) {
	rows, err := q.pool.Query(ctx, `SELECT state::text, count(*) FROM river_job WHERE state <> 'completed' AND state <> 'cancelled' GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("pgjobs: stats: %w", err)
	}
	out := map[string]int{"available": 0, "running": 0, "retryable": 0, "scheduled": 0, "discarded": 0}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pgjobs: stats: %w", err)
		}
		out[state] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgjobs: stats: %w", err)
	}
	return out, nil
}

// Stopped is closed when the started client has stopped.
func (q *River) Stopped() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stopped
}

func (q *River) work(ctx context.Context, rj *river.Job[envelope]) error {
	q.mu.Lock()
	kd, ok := q.kinds[rj.Args.Of]
	q.mu.Unlock()
	if !ok {
		return river.JobCancel(fmt.Errorf("pgjobs: no worker for kind %q", rj.Args.Of))
	}
	// River's timeout ends ctx; the work goes on until it is done, Stop
	// is called, or River cancels the job for another reason.
	jctx, cancel := context.WithCancel(q.run)
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				cancel()
			}
		case <-jctx.Done():
		}
	}()
	stop := q.beat(jctx, rj.ID)
	err := call(jctx, kd.work, jobs.Job{Kind: rj.Args.Of, Args: rj.Args.Args, Attempt: rj.Attempt})
	stop()
	if err == nil {
		return nil
	}
	if after, later := jobs.AsLater(err); later {
		return river.JobSnooze(after)
	}
	if jctx.Err() != nil {
		return river.JobSnooze(0) // stopping: run it again soon, elsewhere or after the restart
	}
	return err
}

// beat moves the running job's attempted_at forward every RescueAfter/4,
// so River's rescuer leaves it alone while this server is alive.
func (q *River) beat(ctx context.Context, id int64) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(max(q.opts.RescueAfter/4, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := q.pool.Exec(ctx, `UPDATE river_job SET attempted_at = now() WHERE id = $1 AND state = 'running'`, id); err != nil && ctx.Err() == nil {
					q.logger.Warn("job heartbeat", slog.Int64("job_id", id), slog.Any("error", err))
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

func call(ctx context.Context, w jobs.Worker, job jobs.Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pgjobs: %s: panic: %v", job.Kind, r)
		}
	}()
	return w(ctx, job)
}

// Pending reports whether River's tables need migrating.
func Pending(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return false, fmt.Errorf("pgjobs: migrations: %w", err)
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("pgjobs: migrations: %w", err)
	}
	return !res.OK, nil
}

// Migrate makes or updates River's tables. Run it under the store's
// migration lock, so servers that start together take turns.
func Migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("pgjobs: migrations: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("pgjobs: migrate: %w", err)
	}
	for _, v := range res.Versions {
		logger.Info("job queue migration applied", slog.Int("version", v.Version), slog.Duration("took", v.Duration))
	}
	return nil
}
