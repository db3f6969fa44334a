package pgjobs_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"sentry/backend/jobs"
	"sentry/backend/jobs/pgjobs"
	"sentry/backend/jobtest"
	"sentry/backend/postgres/pgtest"
)

// schemaURL returns the test database's URL with a fresh schema as its
// search path (dropped after the test), and makes River's tables there.
func schemaURL(t *testing.T) string {
	t.Helper()
	u := pgtest.SchemaURL(t)
	pool := openPool(t, u)
	if p, err := pgjobs.Pending(context.Background(), pool); err != nil || !p {
		t.Fatalf("a new schema should need River's tables: %v %v", p, err)
	}
	if err := pgjobs.Migrate(context.Background(), pool, nil); err != nil {
		t.Fatal(err)
	}
	if p, err := pgjobs.Pending(context.Background(), pool); err != nil || p {
		t.Fatalf("migrated, still pending: %v %v", p, err)
	}
	return u
}

func openPool(t *testing.T, u string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// instance is one server's queue on the shared database.
func instance(t *testing.T, u string, rescue time.Duration, handle func(q *pgjobs.River)) *pgjobs.River {
	t.Helper()
	q, err := pgjobs.New(openPool(t, u), pgjobs.Options{RescueAfter: rescue, PollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	handle(q)
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), jobtest.Patience)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return q
}

type idArgs struct {
	ID int `json:"id"`
}

func TestEachJobRunsOnceAcrossTwoInstances(t *testing.T) {
	u := schemaURL(t)
	const n = 60
	var mu sync.Mutex
	runs := map[int]int{}
	by := map[string]int{}
	running := map[int]bool{}
	handle := func(name string) func(q *pgjobs.River) {
		return func(q *pgjobs.River) {
			q.Handle("count", 4, func(ctx context.Context, job jobs.Job) error {
				var a idArgs
				if err := job.Decode(&a); err != nil {
					return err
				}
				mu.Lock()
				if running[a.ID] {
					mu.Unlock()
					t.Errorf("job %d runs twice at once", a.ID)
					return nil
				}
				running[a.ID] = true
				mu.Unlock()
				time.Sleep(5 * time.Millisecond) // long enough for the other instance to try
				mu.Lock()
				runs[a.ID]++
				by[name]++
				delete(running, a.ID)
				mu.Unlock()
				return nil
			})
		}
	}
	// Every job is enqueued twice before the instances start: the second
	// time adds nothing while the first waits.
	enq, err := pgjobs.New(openPool(t, u), pgjobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	enq.Handle("count", 1, nil)
	ctx := context.Background()
	for range 2 {
		for i := range n {
			if err := enq.Enqueue(ctx, "count", idArgs{ID: i}); err != nil {
				t.Fatal(err)
			}
		}
	}
	a := instance(t, u, time.Minute, handle("a"))
	instance(t, u, time.Minute, handle("b"))
	jobtest.Wait(t, "every job run", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(runs) == n, fmt.Sprintf("%d of %d jobs run (%v)", len(runs), n, by)
	})
	// The last ones may still be recording completion; all of them ran.
	mu.Lock()
	defer mu.Unlock()
	for i := range n {
		if runs[i] != 1 {
			t.Errorf("job %d ran %d times", i, runs[i])
		}
	}
	if err := a.Enqueue(ctx, "unknown", idArgs{}); err == nil {
		t.Error("a kind without a worker was enqueued")
	}
	t.Logf("jobs run by instance: %v", by)
}

func TestFailedJobIsRetriedAndLaterIsNotAnAttempt(t *testing.T) {
	u := schemaURL(t)
	var mu sync.Mutex
	var attempts []int
	later := true
	q := instance(t, u, time.Minute, func(q *pgjobs.River) {
		q.Handle("flaky", 1, func(ctx context.Context, job jobs.Job) error {
			mu.Lock()
			defer mu.Unlock()
			attempts = append(attempts, job.Attempt)
			if later {
				later = false
				return jobs.Later(time.Second)
			}
			if len(attempts) < 3 {
				return fmt.Errorf("not yet")
			}
			return nil
		})
	})
	if err := q.Enqueue(context.Background(), "flaky", idArgs{ID: 1}); err != nil {
		t.Fatal(err)
	}
	jobtest.Wait(t, "the flaky job to succeed", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(attempts) == 3, fmt.Sprint(attempts)
	})
	// A snooze keeps the attempt number; a failure takes the next one.
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(attempts) != "[1 1 2]" {
		t.Fatalf("attempts %v, want [1 1 2]", attempts)
	}
}

// TestLiveJobKeepsItsClaim: a job running longer than RescueAfter is kept
// alive by its server's beat, which moves attempted_at forward, so River's
// rescuer (which takes only jobs attempted before now - RescueAfter) leaves
// it alone and it runs once.
func TestLiveJobKeepsItsClaim(t *testing.T) {
	u := schemaURL(t)
	pool := openPool(t, u)
	started, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	calls := 0
	q := instance(t, u, time.Second, func(q *pgjobs.River) {
		q.Handle("long", 1, func(ctx context.Context, job jobs.Job) error {
			mu.Lock()
			calls++
			mu.Unlock()
			if job.Attempt == 1 {
				close(started)
			}
			<-release
			return nil
		})
	})
	if err := q.Enqueue(context.Background(), "long", idArgs{ID: 7}); err != nil {
		t.Fatal(err)
	}
	<-started
	var first time.Time
	if err := pool.QueryRow(context.Background(), `SELECT attempted_at FROM river_job`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	jobtest.Wait(t, "the job's beat to move attempted_at past the rescue horizon", func() (bool, string) {
		var at time.Time
		var state string
		if err := pool.QueryRow(context.Background(), `SELECT attempted_at, state FROM river_job`).Scan(&at, &state); err != nil {
			t.Fatal(err)
		}
		return at.Sub(first) > time.Second, fmt.Sprintf("%s, attempted %s after the start", state, at.Sub(first))
	})
	close(release)
	jobtest.Wait(t, "the job to complete", func() (bool, string) {
		var state string
		var attempt int
		if err := pool.QueryRow(context.Background(), `SELECT state, attempt FROM river_job`).Scan(&state, &attempt); err != nil {
			t.Fatal(err)
		}
		return state == "completed", fmt.Sprintf("%s (attempt %d)", state, attempt)
	})
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Fatalf("the live job ran %d times", calls)
	}
}

// The killed instance: a process of this test binary that takes the job,
// says so, and blocks until it is killed.
func TestMain(m *testing.M) {
	if u := os.Getenv("PGJOBS_TEST_INSTANCE"); u != "" {
		os.Exit(runDoomedInstance(u))
	}
	os.Exit(m.Run())
}

func runDoomedInstance(u string) int {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	q, err := pgjobs.New(pool, pgjobs.Options{RescueAfter: rescueAfter(), PollInterval: 200 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	q.Handle("slow", 1, func(ctx context.Context, job jobs.Job) error {
		fmt.Printf("started attempt %d\n", job.Attempt)
		select {} // until killed
	})
	if err := q.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	select {}
}

// rescueAfter is the kill test's RescueAfter: 2 s, or PGJOBS_TEST_RESCUE
// (a duration) to time a takeover with the default (docs/BENCHMARKS.md).
func rescueAfter() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("PGJOBS_TEST_RESCUE")); err == nil && d > 0 {
		return d
	}
	return 2 * time.Second
}

func TestKilledInstanceJobIsTakenOver(t *testing.T) {
	u := schemaURL(t)
	pool := openPool(t, u)
	enq, err := pgjobs.New(pool, pgjobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	enq.Handle("slow", 1, func(context.Context, jobs.Job) error { return nil })
	if err := enq.Enqueue(context.Background(), "slow", idArgs{ID: 1}); err != nil {
		t.Fatal(err)
	}

	// Instance A takes the job and is killed mid-job.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PGJOBS_TEST_INSTANCE="+u)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			select {
			case line <- s.Text():
			default:
			}
		}
	}()
	select {
	case l := <-line:
		if l != "started attempt 1" {
			t.Fatalf("instance A said %q", l)
		}
	case <-time.After(jobtest.Patience):
		_ = cmd.Process.Kill()
		t.Fatal("instance A did not take the job")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if rescueAfter() > 30*time.Second {
		// Nothing shows on the way until River's rescuer acts.
		stall := jobtest.Stall
		jobtest.Stall = 2*rescueAfter() + time.Minute
		t.Cleanup(func() { jobtest.Stall = stall })
	}
	_ = cmd.Wait()
	var state string
	if err := pool.QueryRow(context.Background(), `SELECT state FROM river_job`).Scan(&state); err != nil || state != "running" {
		t.Fatalf("after the kill the job is %q (%v), want running", state, err)
	}

	// Instance B finds it and finishes it.
	done := make(chan int, 1)
	instance(t, u, rescueAfter(), func(q *pgjobs.River) {
		q.Handle("slow", 1, func(ctx context.Context, job jobs.Job) error {
			done <- job.Attempt
			return nil
		})
	})
	var attempt int
	jobtest.Wait(t, "instance B to take over the job", func() (bool, string) {
		select {
		case attempt = <-done:
			return true, ""
		default:
		}
		var state string
		var rescues *int
		if err := pool.QueryRow(context.Background(), `SELECT state, (metadata->>'river:rescue_count')::int FROM river_job`).Scan(&state, &rescues); err != nil {
			t.Fatal(err)
		}
		s := state
		if rescues != nil {
			s += fmt.Sprintf(", rescued %d", *rescues)
		}
		var leader string
		_ = pool.QueryRow(context.Background(), `SELECT leader_id FROM river_leader`).Scan(&leader)
		return false, s + ", leader " + leader
	})
	if attempt != 2 {
		t.Fatalf("instance B ran attempt %d, want 2", attempt)
	}
	t.Logf("taken over %s after the kill (RescueAfter %s)", time.Since(killed).Round(100*time.Millisecond), rescueAfter())
	jobtest.Wait(t, "the job to be completed", func() (bool, string) {
		var state string
		if err := pool.QueryRow(context.Background(), `SELECT state FROM river_job`).Scan(&state); err != nil {
			t.Fatal(err)
		}
		return state == "completed", state
	})
}

// Through a pooler in transaction mode the URL asks for the exec query
// mode (docs/TEAM-SERVER.md); the queue then polls instead of listening,
// and jobs still run.
func TestPollsWithoutListenBehindAPooler(t *testing.T) {
	u := schemaURL(t) + "&default_query_exec_mode=exec"
	done := make(chan int, 1)
	q := instance(t, u, time.Minute, func(q *pgjobs.River) {
		q.Handle("ping", 1, func(ctx context.Context, job jobs.Job) error {
			var a idArgs
			if err := job.Decode(&a); err != nil {
				return err
			}
			done <- a.ID
			return nil
		})
	})
	if !q.Options().PollOnly {
		t.Fatal("the exec query mode did not make the queue poll")
	}
	if err := q.Enqueue(context.Background(), "ping", idArgs{ID: 42}); err != nil {
		t.Fatal(err)
	}
	if id := jobtest.Receive(t, "the job to run", done); id != 42 {
		t.Fatalf("ran job %d", id)
	}
}

// TestPeriodicJobRunsOnceATickAcrossTwoInstances: both servers register
// the same periodic kind; only the leader enqueues it, so the runs come
// once a period, not twice, and never two at once.
func TestPeriodicJobRunsOnceATickAcrossTwoInstances(t *testing.T) {
	u := schemaURL(t)
	const period = 400 * time.Millisecond
	const want = 6
	var mu sync.Mutex
	var at []time.Time
	by := map[string]int{}
	running := false
	handle := func(name string) func(q *pgjobs.River) {
		return func(q *pgjobs.River) {
			q.Handle("tick", 1, func(ctx context.Context, job jobs.Job) error {
				mu.Lock()
				if running {
					t.Error("the periodic job runs twice at once")
				}
				running = true
				at = append(at, time.Now())
				by[name]++
				mu.Unlock()
				time.Sleep(20 * time.Millisecond) // long enough for the other instance to try
				mu.Lock()
				running = false
				mu.Unlock()
				return nil
			})
			q.Every("tick", period)
		}
	}
	instance(t, u, time.Minute, handle("a"))
	instance(t, u, time.Minute, handle("b"))
	jobtest.Wait(t, "periodic runs", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(at) >= want, fmt.Sprintf("%d of %d runs (%v)", len(at), want, by)
	})
	mu.Lock()
	defer mu.Unlock()
	// Two schedulers would run it twice a period: want runs would take
	// half the time. A busy machine only makes the runs later.
	if took, least := at[want-1].Sub(at[0]), (want-1)*period*7/10; took < least {
		t.Errorf("%d runs in %s, want at least %s: the periodic job ran more than once a tick (%v)", want, took, least, by)
	}
	t.Logf("periodic runs by instance: %v", by)
}
