package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"sentry/backend/jobs"
	"sentry/backend/jobtest"
)

type idArgs struct {
	ID int `json:"id"`
}

func start(t *testing.T, q *jobs.Local) {
	t.Helper()
	q.Backoff = func(int) time.Duration { return time.Millisecond }
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
}

func TestLocalRunsEachJobOnceAtATime(t *testing.T) {
	q := jobs.NewLocal(nil)
	var mu sync.Mutex
	runs, running := map[int]int{}, map[int]bool{}
	release := make(chan struct{})
	q.Handle("count", 4, func(ctx context.Context, job jobs.Job) error {
		var a idArgs
		if err := job.Decode(&a); err != nil {
			return err
		}
		mu.Lock()
		if running[a.ID] {
			t.Errorf("job %d runs twice at once", a.ID)
		}
		running[a.ID] = true
		mu.Unlock()
		<-release
		mu.Lock()
		runs[a.ID]++
		delete(running, a.ID)
		mu.Unlock()
		return nil
	})
	ctx := context.Background()
	// Enqueued before Start, and again while waiting: one job each.
	for range 3 {
		for i := range 20 {
			if err := q.Enqueue(ctx, "count", idArgs{ID: i}); err != nil {
				t.Fatal(err)
			}
		}
	}
	start(t, q)
	// Four run at once; enqueueing a running one adds nothing either.
	jobtest.Wait(t, "four workers busy", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(running) == 4, fmt.Sprint(len(running), " running")
	})
	if st, err := q.Stats(ctx); err != nil || st["running"] != 4 || st["waiting"] != 16 || st["retrying"] != 0 {
		t.Fatalf("stats with four running: %v %v", st, err)
	}
	mu.Lock()
	for id := range running {
		if err := q.Enqueue(ctx, "count", idArgs{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	mu.Unlock()
	close(release)
	jobtest.Wait(t, "every job run", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(runs) == 20 && len(running) == 0, fmt.Sprint(len(runs), " of 20 run")
	})
	if err := q.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if runs[i] != 1 {
			t.Errorf("job %d ran %d times", i, runs[i])
		}
	}
	if err := q.Enqueue(ctx, "unknown", idArgs{}); err == nil {
		t.Error("a kind without a worker was enqueued")
	}
}

func TestLocalRetriesFailuresAndLaterIsNotAnAttempt(t *testing.T) {
	q := jobs.NewLocal(nil)
	var mu sync.Mutex
	var attempts []int
	q.Handle("flaky", 1, func(ctx context.Context, job jobs.Job) error {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, job.Attempt)
		switch len(attempts) {
		case 1:
			return jobs.Later(time.Millisecond)
		case 2:
			return errors.New("not yet")
		case 3:
			panic("a bad job")
		}
		return nil
	})
	start(t, q)
	if err := q.Enqueue(context.Background(), "flaky", idArgs{ID: 1}); err != nil {
		t.Fatal(err)
	}
	jobtest.Wait(t, "the flaky job to succeed", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(attempts) == 4, fmt.Sprint(attempts)
	})
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(attempts) != "[1 1 2 3]" {
		t.Fatalf("attempts %v, want [1 1 2 3]", attempts)
	}
}

func TestLocalGivesUpAfterMaxAttempts(t *testing.T) {
	q := jobs.NewLocal(nil)
	var mu sync.Mutex
	n := 0
	q.Handle("broken", 1, func(ctx context.Context, job jobs.Job) error {
		mu.Lock()
		defer mu.Unlock()
		n++
		return errors.New("always")
	})
	start(t, q)
	if err := q.Enqueue(context.Background(), "broken", idArgs{}); err != nil {
		t.Fatal(err)
	}
	jobtest.Wait(t, "the attempts to run out", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return n == jobs.MaxAttempts, fmt.Sprint(n, " attempts")
	})
	// Given up: the same job may be enqueued afresh (once the last
	// attempt has been recorded; until then it is still running).
	jobtest.Wait(t, "the new job to run", func() (bool, string) {
		if err := q.Enqueue(context.Background(), "broken", idArgs{}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return n > jobs.MaxAttempts, fmt.Sprint(n, " attempts")
	})
}

func TestLocalStopCancelsRunningJobs(t *testing.T) {
	q := jobs.NewLocal(nil)
	started := make(chan struct{})
	q.Handle("slow", 1, func(ctx context.Context, job jobs.Job) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	start(t, q)
	if err := q.Enqueue(context.Background(), "slow", idArgs{}); err != nil {
		t.Fatal(err)
	}
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), jobtest.Patience)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestLocalEveryEnqueuesAtStartAndEachPeriod(t *testing.T) {
	q := jobs.NewLocal(nil)
	var mu sync.Mutex
	var at []time.Time
	q.Handle("tick", 1, func(ctx context.Context, job jobs.Job) error {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		return nil
	})
	const period = 50 * time.Millisecond
	q.Every("tick", period)
	start(t, q)
	jobtest.Wait(t, "periodic runs", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(at) >= 4, fmt.Sprintf("%d of 4 runs", len(at))
	})
	mu.Lock()
	defer mu.Unlock()
	if took := at[3].Sub(at[0]); took < 3*period*7/10 {
		t.Errorf("4 runs in %s, want one a period of %s", took, period)
	}
}
