package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Local is a queue in this process's memory, for a database one process
// owns. Its jobs do not outlive the process: the features' rows are the
// record, and each feature enqueues again at start what its rows show
// unfinished. A job waiting or running is never added twice, so a job
// runs on one worker at a time.
type Local struct {
	logger *slog.Logger
	// Backoff is the wait after a failed attempt (default: Backoff).
	Backoff func(attempt int) time.Duration

	mu      sync.Mutex
	kinds   map[string]*localKind
	pending map[string]bool // kind and args of jobs waiting, sleeping or running
	started bool
	stopped bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	timers  map[*time.Timer]bool
	every   map[string]time.Duration
}

type localKind struct {
	n     int
	work  Worker
	queue []*localJob
	wake  chan struct{}
}

type localJob struct {
	key     string
	job     Job
	attempt int
}

// NewLocal returns an empty local queue.
func NewLocal(logger *slog.Logger) *Local {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Local{logger: logger, Backoff: Backoff, kinds: map[string]*localKind{}, pending: map[string]bool{}, timers: map[*time.Timer]bool{}, every: map[string]time.Duration{}}
}

// Handle registers the worker of kind.
func (q *Local) Handle(kind string, n int, w Worker) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		panic("jobs: Handle after Start")
	}
	if _, ok := q.kinds[kind]; ok {
		panic("jobs: kind " + kind + " registered twice")
	}
	q.kinds[kind] = &localKind{n: max(1, n), work: w, wake: make(chan struct{}, 1)}
}

// Every enqueues a job of kind at Start and every d after (this process
// owns the database, so it alone enqueues).
func (q *Local) Every(kind string, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		panic("jobs: Every after Start")
	}
	if _, ok := q.kinds[kind]; !ok {
		panic("jobs: Every of unregistered kind " + kind)
	}
	if d <= 0 {
		panic("jobs: Every needs a positive period")
	}
	q.every[kind] = d
}

// tick enqueues kind now and every d until ctx ends.
func (q *Local) tick(ctx context.Context, kind string, d time.Duration) {
	defer q.wg.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		if err := q.Enqueue(ctx, kind, struct{}{}); err != nil {
			q.logger.Error("periodic job", slog.String("kind", kind), slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Enqueue adds a job unless the same one is waiting or running.
func (q *Local) Enqueue(ctx context.Context, kind string, args any) error {
	raw, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", kind, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	k, ok := q.kinds[kind]
	if !ok {
		return fmt.Errorf("jobs: enqueue: no worker for kind %q", kind)
	}
	key := kind + "\x00" + string(raw)
	if q.pending[key] {
		return nil
	}
	q.pending[key] = true
	q.push(k, &localJob{key: key, job: Job{Kind: kind, Args: raw}})
	return nil
}

// push queues j; q.mu is held.
func (q *Local) push(k *localKind, j *localJob) {
	k.queue = append(k.queue, j)
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// Start starts each kind's workers.
func (q *Local) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return errors.New("jobs: started twice")
	}
	q.started = true
	ctx, q.cancel = context.WithCancel(ctx)
	for _, k := range q.kinds {
		for range k.n {
			q.wg.Add(1)
			go q.work(ctx, k)
		}
	}
	for kind, d := range q.every {
		q.wg.Add(1)
		go q.tick(ctx, kind, d)
	}
	return nil
}

// Stop cancels the running jobs and waits for their workers. Jobs that
// were waiting are dropped: their rows say they are unfinished, and the
// next start enqueues them again.
func (q *Local) Stop(ctx context.Context) error {
	q.mu.Lock()
	if !q.started || q.stopped {
		q.mu.Unlock()
		return nil
	}
	q.stopped = true
	q.cancel()
	for t := range q.timers {
		t.Stop()
	}
	q.mu.Unlock()
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats counts the jobs waiting, running and sleeping before a retry.
func (q *Local) Stats(ctx context.Context) (map[string]int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	waiting := 0
	for _, k := range q.kinds {
		waiting += len(k.queue)
	}
	sleeping := len(q.timers)
	return map[string]int{"waiting": waiting, "retrying": sleeping, "running": len(q.pending) - waiting - sleeping}, nil
}

// Wait blocks until the workers have stopped (after Stop or the end of
// Start's context).
func (q *Local) Wait() { q.wg.Wait() }

func (q *Local) pop(k *localKind) *localJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(k.queue) == 0 {
		return nil
	}
	j := k.queue[0]
	k.queue[0] = nil
	k.queue = k.queue[1:]
	if len(k.queue) > 0 { // let another worker take the next one
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
	return j
}

func (q *Local) work(ctx context.Context, k *localKind) {
	defer q.wg.Done()
	for {
		j := q.pop(k)
		if j == nil {
			select {
			case <-ctx.Done():
				return
			case <-k.wake:
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		q.run(ctx, k, j)
	}
}

func (q *Local) run(ctx context.Context, k *localKind, j *localJob) {
	j.attempt++
	j.job.Attempt = j.attempt
	err := q.call(ctx, k.work, j.job)
	if err == nil || ctx.Err() != nil {
		// Done, or stopping: a stopped job is left to the next start.
		q.mu.Lock()
		delete(q.pending, j.key)
		q.mu.Unlock()
		return
	}
	after, later := AsLater(err)
	if later {
		j.attempt--
	} else if j.attempt >= MaxAttempts {
		q.logger.Error("job failed for good", slog.String("kind", j.job.Kind), slog.Int("attempt", j.attempt), slog.Any("error", err))
		q.mu.Lock()
		delete(q.pending, j.key)
		q.mu.Unlock()
		return
	} else {
		q.logger.Warn("job failed; will retry", slog.String("kind", j.job.Kind), slog.Int("attempt", j.attempt), slog.Any("error", err))
		after = q.Backoff(j.attempt)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		delete(q.pending, j.key)
		return
	}
	var t *time.Timer
	t = time.AfterFunc(after, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		delete(q.timers, t)
		if q.stopped {
			delete(q.pending, j.key)
			return
		}
		q.push(k, j)
	})
	q.timers[t] = true
}

// call runs w, turning a panic into an error so one bad job does not take
// the process down.
func (q *Local) call(ctx context.Context, w Worker, job Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("jobs: %s: panic: %v", job.Kind, r)
		}
	}()
	return w(ctx, job)
}
