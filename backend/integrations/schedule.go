package integrations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"sentry/backend/core"
	"sentry/backend/jobs"
)

// DefaultMaxBackoff caps the wait after repeated provider failures.
const DefaultMaxBackoff = 4 * time.Hour

// UserFinder loads the user a scheduled sync runs as.
type UserFinder interface {
	// FindUserByID returns the user; not_found.
	FindUserByID(ctx context.Context, id string) (*core.User, error)
}

// ScheduleOptions configure a Scheduler.
type ScheduleOptions struct {
	// Interval between two syncs of one integration. Required (> 0).
	Interval time.Duration
	// MaxBackoff caps the wait after failures (DefaultMaxBackoff when
	// zero; never less than Interval).
	MaxBackoff time.Duration
	// Poll is how often Run looks for integrations whose turn has come
	// (the smaller of Interval and one minute when zero).
	Poll time.Duration
	// Users loads each integration's user. Required.
	Users UserFinder
}

// Scheduler keeps connected integrations in sync in the background: each
// one is synced every Interval after its last successful sync (by the
// schedule or by a user's "Sync now"); after a provider failure it waits
// Interval×2, ×4, … up to MaxBackoff (or longer when the provider asked
// for it); an integration that needs reconnecting is left alone until the
// user connects it again. Syncs run one after another and share the
// service's one-sync-per-integration guard with the sync routes.
type Scheduler struct {
	s        *Service
	users    UserFinder
	interval time.Duration
	maxWait  time.Duration
	poll     time.Duration
	made     time.Time

	mu      sync.Mutex
	retries map[string]*retry
}

// retry is the back-off state of an integration whose last scheduled
// sync failed.
type retry struct {
	failures int
	failedAt time.Time
	at       time.Time
}

// ScheduledRun reports one sync the schedule ran.
type ScheduledRun struct {
	UserID   string
	Provider string
	// Outcome is ok, failed, needs_reconnect or busy (a sync of the same
	// integration was already running).
	Outcome string
	Result  *SyncResult
	Err     error
	// Next is when the schedule will sync this integration again (zero
	// when it waits for a reconnect).
	Next time.Time
}

// Outcomes of a scheduled run.
const (
	OutcomeOK             = "ok"
	OutcomeFailed         = "failed"
	OutcomeNeedsReconnect = "needs_reconnect"
	OutcomeBusy           = "busy"
)

// NewScheduler returns a schedule for the service's integrations.
func (s *Service) NewScheduler(opts ScheduleOptions) (*Scheduler, error) {
	if opts.Interval <= 0 {
		return nil, errors.New("integrations: schedule: the interval must be positive")
	}
	if opts.Users == nil {
		return nil, errors.New("integrations: schedule: a user finder is required")
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	opts.MaxBackoff = max(opts.MaxBackoff, opts.Interval)
	if opts.Poll <= 0 {
		opts.Poll = min(opts.Interval, time.Minute)
	}
	return &Scheduler{s: s, users: opts.Users, interval: opts.Interval, maxWait: opts.MaxBackoff, poll: opts.Poll, made: s.now(),
		retries: map[string]*retry{}}, nil
}

// SyncKind is the periodic job that runs SyncDue.
const SyncKind = "integration_sync"

// Register has q run SyncDue every Poll: on a queue shared by several
// servers, one of them at each tick, so no integration is synced twice
// at once by the schedule. The first look comes one Poll after the
// schedule was made, so short-lived commands never sync.
func (sc *Scheduler) Register(q jobs.Queue) {
	q.Handle(SyncKind, 1, func(ctx context.Context, _ jobs.Job) error {
		if sc.s.now().Before(sc.made.Add(sc.poll)) {
			return nil
		}
		sc.SyncDue(ctx)
		return nil
	})
	q.Every(SyncKind, sc.poll)
	sc.s.logger.Info("integration schedule registered", slog.Duration("interval", sc.interval), slog.Duration("max_backoff", sc.maxWait))
}

// SyncDue syncs, one after another, every connected integration whose turn
// has come, and reports what it ran.
func (sc *Scheduler) SyncDue(ctx context.Context) []ScheduledRun {
	all, err := sc.s.store.FindAllIntegrations(ctx)
	if err != nil {
		if ctx.Err() == nil {
			sc.s.logger.Error("integration schedule: list integrations", slog.Any("error", err))
		}
		return nil
	}
	var runs []ScheduledRun
	live := map[string]bool{}
	for _, in := range all {
		key := in.UserID + "|" + in.Provider
		live[key] = true
		if ctx.Err() != nil {
			break
		}
		if sc.s.providers[in.Provider] == nil {
			continue // no longer configured on this server
		}
		if in.Status == core.IntegrationNeedsReconnect {
			sc.forget(key) // waits for the user; a reconnect starts afresh
			continue
		}
		if !sc.due(key, in, sc.s.now()) {
			continue
		}
		if run, ok := sc.syncOne(ctx, key, in); ok {
			runs = append(runs, run)
		}
	}
	sc.mu.Lock()
	for key := range sc.retries {
		if !live[key] {
			delete(sc.retries, key) // disconnected
		}
	}
	sc.mu.Unlock()
	return runs
}

func (sc *Scheduler) forget(key string) {
	sc.mu.Lock()
	delete(sc.retries, key)
	sc.mu.Unlock()
}

// due reports whether in should sync at now: an interval after its last
// successful sync, or when its back-off ends after a failure.
func (sc *Scheduler) due(key string, in *core.Integration, now time.Time) bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	r := sc.retries[key]
	if r != nil && in.LastSyncedAt != nil && in.LastSyncedAt.After(r.failedAt) {
		// A sync succeeded since (the user pressed Sync now): back on
		// the normal schedule.
		delete(sc.retries, key)
		r = nil
	}
	if r != nil {
		return !now.Before(r.at)
	}
	return in.LastSyncedAt == nil || !now.Before(in.LastSyncedAt.Add(sc.interval))
}

// backoff is the wait after the n-th failure in a row: Interval×2^n, capped.
func (sc *Scheduler) backoff(n int) time.Duration {
	d := sc.interval
	for i := 0; i < n && d < sc.maxWait; i++ {
		d *= 2
	}
	return min(d, sc.maxWait)
}

// syncOne runs one scheduled sync as the integration's user; false when
// there was nothing to report (the user is gone, or ctx ended).
func (sc *Scheduler) syncOne(ctx context.Context, key string, in *core.Integration) (ScheduledRun, bool) {
	run := ScheduledRun{UserID: in.UserID, Provider: in.Provider}
	log := sc.s.logger.With(slog.String("provider", in.Provider), slog.String("user_id", in.UserID))
	u, err := sc.users.FindUserByID(ctx, in.UserID)
	if err != nil {
		if ctx.Err() == nil && core.ErrorCode(err) != core.ENOTFOUND {
			log.Error("integration schedule: find user", slog.Any("error", err))
		}
		return run, false
	}
	start := sc.s.now()
	run.Result, run.Err = sc.s.syncProvider(core.NewContextWithUser(ctx, u), in.UserID, in.Provider)
	if ctx.Err() != nil && (errors.Is(run.Err, context.Canceled) || errors.Is(run.Err, context.DeadlineExceeded)) {
		log.Info("integration background sync cancelled")
		return run, false
	}
	now := sc.s.now()
	took := slog.Duration("took", now.Sub(start))
	sc.mu.Lock()
	defer sc.mu.Unlock()
	switch code := core.ErrorCode(run.Err); {
	case run.Err == nil:
		delete(sc.retries, key)
		run.Outcome, run.Next = OutcomeOK, now.Add(sc.interval)
		log.Info("integration background sync", slog.String("outcome", run.Outcome), took,
			slog.Int("pulled", run.Result.Pulled), slog.Int("pushed", run.Result.Pushed), slog.Int("deleted", run.Result.Deleted),
			slog.Time("next", run.Next))
	case code == core.ERECONNECT:
		delete(sc.retries, key)
		run.Outcome = OutcomeNeedsReconnect
		log.Warn("integration background sync", slog.String("outcome", run.Outcome), took,
			slog.String("detail", "paused until the user reconnects"))
	case code == core.ECONFLICT:
		// Someone is syncing it right now; its result counts.
		run.Outcome, run.Next = OutcomeBusy, now.Add(sc.poll)
		log.Info("integration background sync", slog.String("outcome", run.Outcome), took)
	default:
		r := sc.retries[key]
		if r == nil {
			r = &retry{}
			sc.retries[key] = r
		}
		r.failures++
		wait := sc.backoff(r.failures)
		var ce *core.Error
		if errors.As(run.Err, &ce) && ce.RetryAfter > wait {
			wait = ce.RetryAfter
		}
		r.failedAt, r.at = now, now.Add(wait)
		run.Outcome, run.Next = OutcomeFailed, r.at
		log.Warn("integration background sync", slog.String("outcome", run.Outcome), took, slog.String("code", code),
			slog.Int("failures", r.failures), slog.Duration("retry_in", wait), slog.Time("next", run.Next))
	}
	return run, true
}

// syncProvider runs the sync of one provider for the caller.
func (s *Service) syncProvider(ctx context.Context, userID, provider string) (*SyncResult, error) {
	switch provider {
	case core.IntegrationGoogleTasks:
		return s.SyncGoogleTasks(ctx, userID)
	case core.IntegrationGoogleCalendar:
		return s.SyncGoogleCalendar(ctx, userID)
	case core.IntegrationZoom:
		return s.ImportZoomMeetings(ctx, userID)
	}
	return nil, fmt.Errorf("integrations: no sync for provider %q", provider)
}
