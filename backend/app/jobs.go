package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"sentry/backend/httpapi"
	"sentry/backend/jobs"
	"sentry/backend/jobs/pgjobs"
	"sentry/backend/postgres"
)

// startJobs gives extraction, notebook indexing and the periodic
// clean-up and integration syncs one job queue — River
// on PostgreSQL, shared by every server on the database; in this process
// on SQLite, which one process owns — starts it, and enqueues again what
// was left unfinished.
func (a *App) startJobs(bg context.Context) error {
	var q jobs.Queue = jobs.NewLocal(a.logger)
	if a.PG != nil {
		rq, err := pgjobs.New(a.PG.Pool(), pgjobs.Options{Logger: a.logger})
		if err != nil {
			return err
		}
		q = rq
	}
	a.Jobs = q
	a.Extract.Jobs, a.Notebooks.Jobs = q, q
	a.Extract.Register(2)
	a.Notebooks.Register(1)
	a.Uploads.RegisterCleanup(q, 10*time.Minute)
	if err := a.registerIntegrationSyncs(q); err != nil {
		return err
	}
	if a.Sync != nil && !a.Config.Desktop {
		// The team server's sync log: the latest entry per row, and
		// tombstones for the retention.
		a.Sync.Logger = a.logger
		a.Sync.RegisterCompaction(q, SyncCompactEvery, time.Duration(a.Config.SyncRetentionDays)*24*time.Hour)
		if a.SyncBlobs != nil {
			// Synced files no upload of their scope names any more, once
			// the grace period has passed.
			a.SyncBlobs.RegisterCollection(q, SyncBlobCollectEvery)
		}
	}
	if err := q.Start(bg); err != nil {
		return err
	}
	if err := a.Extract.Resume(bg); err != nil {
		return err
	}
	return a.Notebooks.Resume(bg)
}

// SyncCompactEvery is how often the team server compacts its sync log.
var SyncCompactEvery = time.Hour

// SyncBlobCollectEvery is how often the team server looks for synced
// files to delete.
var SyncBlobCollectEvery = time.Hour

// jobsHealth is /health's view of the job queue: which one, and its
// jobs by state (on PostgreSQL, every server's).
func (a *App) jobsHealth() httpapi.HealthCheck {
	return httpapi.HealthCheck{Name: "jobs", Check: func(ctx context.Context) (map[string]any, error) {
		d := map[string]any{"queue": "local"}
		if a.PG != nil {
			d["queue"] = "river"
		}
		st, ok := a.Jobs.(jobs.Stats)
		if !ok {
			return d, nil
		}
		counts, err := st.Stats(ctx)
		if err != nil {
			return d, err
		}
		for k, v := range counts {
			d[k] = v
		}
		return d, nil
	}}
}

// jobMigrations are River's tables, made with the store's own migrations
// under its advisory lock.
func jobMigrations(logger *slog.Logger) []postgres.ExtraMigration {
	return []postgres.ExtraMigration{{
		Pending: pgjobs.Pending,
		Up:      func(ctx context.Context, pool *pgxpool.Pool) error { return pgjobs.Migrate(ctx, pool, logger) },
	}}
}
