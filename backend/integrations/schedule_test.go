package integrations_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/integrations"
	"sentry/backend/integrations/integrationstest"
	"sentry/backend/jobs"
	"sentry/backend/jobtest"
)

// clock is a fake clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (e *env) scheduler(opts integrations.ScheduleOptions) *integrations.Scheduler {
	e.t.Helper()
	if opts.Interval == 0 {
		opts.Interval = 15 * time.Minute
	}
	opts.Users = e.db
	sc, err := e.svc.NewScheduler(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return sc
}

// outcomes maps provider → outcome of one pass.
func outcomes(runs []integrations.ScheduledRun) map[string]string {
	out := map[string]string{}
	for _, r := range runs {
		out[r.Provider] = r.Outcome
	}
	return out
}

func (e *env) meetingTitles() map[string]bool {
	e.t.Helper()
	list, _, err := e.tasks.List(e.ctx, core.TaskFilter{UserID: e.user.ID, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, t := range list {
		if t.TaskType == core.TaskTypeMeeting {
			out[t.Title] = true
		}
	}
	return out
}

func TestScheduleSyncsConnectedIntegrationsOnTheirInterval(t *testing.T) {
	c := newClock()
	e := newEnvAt(t, c.Now)
	list := e.stand.AddTaskList("My Tasks")
	g1 := e.stand.PutTask(list, integrationstest.Task{Title: "Book flights"})
	e.stand.PutMeeting(integrationstest.Meeting{Topic: "Design review", StartTime: c.Now().Add(24 * time.Hour).Format(time.RFC3339), Duration: 45})
	e.connect(core.IntegrationGoogleTasks)
	e.connect(core.IntegrationZoom)
	sc := e.scheduler(integrations.ScheduleOptions{})

	// Never synced: both are due at once; the calendar is not connected.
	runs := sc.SyncDue(context.Background())
	if got := outcomes(runs); len(got) != 2 || got[core.IntegrationGoogleTasks] != "ok" || got[core.IntegrationZoom] != "ok" {
		t.Fatalf("first pass: %+v", runs)
	}
	for _, r := range runs {
		if want := c.Now().Add(15 * time.Minute); !r.Next.Equal(want) {
			t.Fatalf("%s next run %v, want %v", r.Provider, r.Next, want)
		}
	}
	if e.byGoogleID(g1) == nil {
		t.Fatal("the Google task did not arrive")
	}
	if !e.meetingTitles()["Design review"] {
		t.Fatal("the Zoom meeting did not arrive")
	}
	if st := e.status(core.IntegrationZoom); st.LastSync == nil {
		t.Fatalf("zoom status: %+v", st)
	}

	// Not yet their turn.
	g2 := e.stand.PutTask(list, integrationstest.Task{Title: "Renew passport"})
	c.Advance(14 * time.Minute)
	if runs := sc.SyncDue(context.Background()); len(runs) != 0 {
		t.Fatalf("synced before the interval: %+v", runs)
	}
	if e.byGoogleID(g2) != nil {
		t.Fatal("pulled before the interval")
	}

	// Their turn: the task created at Google arrives without anyone
	// calling the sync route.
	c.Advance(time.Minute)
	if got := outcomes(sc.SyncDue(context.Background())); len(got) != 2 || got[core.IntegrationGoogleTasks] != "ok" {
		t.Fatalf("second pass: %v", got)
	}
	if e.byGoogleID(g2) == nil {
		t.Fatal("the new Google task did not arrive")
	}

	// A manual sync moves the schedule: the next one is an interval after it.
	c.Advance(10 * time.Minute)
	e.syncTasks()
	c.Advance(10 * time.Minute)
	if got := outcomes(sc.SyncDue(context.Background())); len(got) != 1 || got[core.IntegrationZoom] != "ok" {
		t.Fatalf("after a manual sync: %v", got)
	}
}

func TestScheduleBacksOffOnProviderErrors(t *testing.T) {
	c := newClock()
	e := newEnvAt(t, c.Now)
	e.stand.AddTaskList("My Tasks")
	e.connect(core.IntegrationGoogleTasks)
	sc := e.scheduler(integrations.ScheduleOptions{Interval: 10 * time.Minute, MaxBackoff: time.Hour})

	e.stand.FailAPI = 503
	// Failures wait 20m, 40m, then the cap of 1h.
	for i, wait := range []time.Duration{20 * time.Minute, 40 * time.Minute, time.Hour, time.Hour} {
		runs := sc.SyncDue(context.Background())
		if len(runs) != 1 || runs[0].Outcome != "failed" || core.ErrorCode(runs[0].Err) != core.EBADGATEWAY {
			t.Fatalf("failure %d: %+v", i+1, runs)
		}
		if want := c.Now().Add(wait); !runs[0].Next.Equal(want) {
			t.Fatalf("failure %d: next %v, want %v (wait %v)", i+1, runs[0].Next, want, wait)
		}
		c.Advance(wait - time.Second)
		if runs := sc.SyncDue(context.Background()); len(runs) != 0 {
			t.Fatalf("failure %d: retried before the back-off ended: %+v", i+1, runs)
		}
		c.Advance(time.Second)
	}
	if st := e.status(core.IntegrationGoogleTasks); st.State != "connected" || st.LastError == "" {
		t.Fatalf("a passing failure: %+v", st)
	}

	// The provider is back: the sync succeeds and the normal interval resumes.
	e.stand.FailAPI = 0
	runs := sc.SyncDue(context.Background())
	if len(runs) != 1 || runs[0].Outcome != "ok" || !runs[0].Next.Equal(c.Now().Add(10*time.Minute)) {
		t.Fatalf("recovery: %+v", runs)
	}

	// One failure, then the user's Sync now succeeds: the back-off is over.
	c.Advance(10 * time.Minute)
	e.stand.FailAPI = 503
	if got := outcomes(sc.SyncDue(context.Background())); got[core.IntegrationGoogleTasks] != "failed" {
		t.Fatalf("failure: %v", got)
	}
	e.stand.FailAPI = 0
	c.Advance(time.Minute)
	e.syncTasks()
	c.Advance(10 * time.Minute)
	if got := outcomes(sc.SyncDue(context.Background())); got[core.IntegrationGoogleTasks] != "ok" {
		t.Fatalf("after Sync now: %v", got)
	}
}

func TestScheduleHonoursRateLimits(t *testing.T) {
	c := newClock()
	e := newEnvAt(t, c.Now)
	e.stand.AddTaskList("My Tasks")
	e.connect(core.IntegrationGoogleTasks)
	sc := e.scheduler(integrations.ScheduleOptions{Interval: 10 * time.Second, MaxBackoff: 10 * time.Second})
	e.stand.FailAPI = 429
	runs := sc.SyncDue(context.Background())
	// The provider's pause (a minute when it names none) is longer than
	// the capped back-off, so it wins.
	if len(runs) != 1 || runs[0].Outcome != "failed" || core.ErrorCode(runs[0].Err) != core.ERATELIMITED || !runs[0].Next.Equal(c.Now().Add(time.Minute)) {
		t.Fatalf("rate limited: %+v", runs)
	}
}

func TestScheduleStopsOnRevokedGrantUntilReconnect(t *testing.T) {
	c := newClock()
	e := newEnvAt(t, c.Now)
	list := e.stand.AddTaskList("My Tasks")
	e.connect(core.IntegrationGoogleTasks)
	sc := e.scheduler(integrations.ScheduleOptions{})
	if got := outcomes(sc.SyncDue(context.Background())); got[core.IntegrationGoogleTasks] != "ok" {
		t.Fatalf("first pass: %v", got)
	}

	e.stand.RevokeAll()
	c.Advance(15 * time.Minute)
	runs := sc.SyncDue(context.Background())
	if len(runs) != 1 || runs[0].Outcome != "needs_reconnect" || core.ErrorCode(runs[0].Err) != core.ERECONNECT || !runs[0].Next.IsZero() {
		t.Fatalf("revoked: %+v", runs)
	}
	if st := e.status(core.IntegrationGoogleTasks); st.State != core.IntegrationNeedsReconnect {
		t.Fatalf("status: %+v", st)
	}

	// The schedule leaves it alone: no request reaches the provider.
	n := len(e.stand.Requests)
	for range 3 {
		c.Advance(time.Hour)
		if runs := sc.SyncDue(context.Background()); len(runs) != 0 {
			t.Fatalf("synced a dead grant: %+v", runs)
		}
	}
	if len(e.stand.Requests) != n {
		t.Fatalf("the provider was called %d times", len(e.stand.Requests)-n)
	}

	// Reconnected: back on the schedule, and what happened meanwhile arrives.
	g := e.stand.PutTask(list, integrationstest.Task{Title: "Call the bank"})
	e.connect(core.IntegrationGoogleTasks)
	if got := outcomes(sc.SyncDue(context.Background())); got[core.IntegrationGoogleTasks] != "ok" {
		t.Fatalf("after reconnect: %v", got)
	}
	if e.byGoogleID(g) == nil {
		t.Fatal("the task added while disconnected did not arrive")
	}

	// Disconnected: nothing to sync.
	if err := e.svc.Disconnect(e.ctx, e.user.ID, core.IntegrationGoogleTasks); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	if runs := sc.SyncDue(context.Background()); len(runs) != 0 {
		t.Fatalf("synced a disconnected integration: %+v", runs)
	}
}

func TestScheduleNeverRunsTwoSyncsOfOneIntegration(t *testing.T) {
	c := newClock()
	e := newEnvAt(t, c.Now)
	e.stand.AddTaskList("My Tasks")
	e.connect(core.IntegrationGoogleTasks)
	sc := e.scheduler(integrations.ScheduleOptions{})

	// A sync of the same integration is in progress (Sync now).
	unlock, err := e.svc.LockForTest(e.user.ID, core.IntegrationGoogleTasks)
	if err != nil {
		t.Fatal(err)
	}
	n := len(e.stand.Requests)
	runs := sc.SyncDue(context.Background())
	if len(runs) != 1 || runs[0].Outcome != "busy" || len(e.stand.Requests) != n {
		t.Fatalf("while another sync runs: %+v (%d requests)", runs, len(e.stand.Requests)-n)
	}
	unlock()
	if got := outcomes(sc.SyncDue(context.Background())); got[core.IntegrationGoogleTasks] != "ok" {
		t.Fatalf("once it is done: %v", got)
	}
}

func TestScheduleRunsAsAPeriodicJobAndStops(t *testing.T) {
	e := newEnv(t)
	list := e.stand.AddTaskList("My Tasks")
	g := e.stand.PutTask(list, integrationstest.Task{Title: "Water the plants"})
	e.connect(core.IntegrationGoogleTasks)
	sc := e.scheduler(integrations.ScheduleOptions{Interval: time.Hour, Poll: 5 * time.Millisecond})

	q := jobs.NewLocal(nil)
	sc.Register(q)
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	jobtest.Wait(t, "the schedule to bring the Google task in", func() (bool, string) {
		return e.byGoogleID(g) != nil, "not synced"
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = q.Stop(context.Background())
	}()
	jobtest.Receive(t, "the queue to stop with the schedule's job", done)
}

func TestNewSchedulerChecksOptions(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.NewScheduler(integrations.ScheduleOptions{Users: e.db}); err == nil {
		t.Fatal("no interval accepted")
	}
	if _, err := e.svc.NewScheduler(integrations.ScheduleOptions{Interval: time.Minute}); err == nil {
		t.Fatal("no user finder accepted")
	}
}
