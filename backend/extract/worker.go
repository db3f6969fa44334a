package extract

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"sentry/backend/core"
	"sentry/backend/jobs"
	"sentry/backend/lease"
)

// JobKind is the kind of an extraction's job; its arguments carry only
// the run's id, and the run's row is what users see.
const JobKind = "extraction"

type jobArgs struct {
	ID string `json:"id"`
}

// Register puts the extraction worker on s.Jobs, n runs at once in this
// process.
func (s *Service) Register(n int) { s.Jobs.Handle(JobKind, n, s.work) }

// Resume enqueues the jobs of runs left unfinished: queued runs whose job
// was lost (this process's queue is in memory, or it stopped between
// saving a run and enqueueing it) and, on a database this process owns,
// runs a crash left running. Enqueueing a job that exists adds nothing.
func (s *Service) Resume(ctx context.Context) error {
	if !s.Shared {
		// This process owns the database: every running run was ours.
		if k, err := s.store.RequeueRunning(ctx, core.MaxTime); err != nil {
			return err
		} else if k > 0 {
			s.logger.Info("resuming interrupted extractions", slog.Int("count", k))
		}
	}
	ids, err := s.store.FindUnfinishedExtractions(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.Jobs.Enqueue(ctx, JobKind, jobArgs{ID: id}); err != nil {
			return err
		}
	}
	return nil
}

// Start gives the service a queue of its own in this process when it has
// none (tests, the command line), registers n workers and resumes what
// was left unfinished. Wait blocks until that queue has stopped, after
// ctx ends.
func (s *Service) Start(ctx context.Context, n int) error {
	if s.Jobs == nil {
		q := jobs.NewLocal(s.logger)
		s.Jobs, s.own = q, q
	}
	s.Register(n)
	if s.own != nil {
		if err := s.own.Start(ctx); err != nil {
			return err
		}
	}
	return s.Resume(ctx)
}

// Wait waits for the service's own queue to stop.
func (s *Service) Wait() {
	if s.own != nil {
		s.own.Wait()
	}
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return lease.Default
}

func (s *Service) enqueue(ctx context.Context, id string) error {
	if s.Jobs == nil {
		return nil // not started: the next start runs it
	}
	if err := s.Jobs.Enqueue(ctx, JobKind, jobArgs{ID: id}); err != nil {
		return fmt.Errorf("extract: enqueue %s: %w", id, err)
	}
	return nil
}

// work runs one run's job: it claims the run (a run another worker holds
// alive is tried later; a finished or deleted one is done), runs it, and
// asks for a retry when the run went back to the queue.
func (s *Service) work(ctx context.Context, job jobs.Job) error {
	var a jobArgs
	if err := job.Decode(&a); err != nil {
		s.logger.Error("extraction job", slog.Any("error", err))
		return nil // retrying cannot fix its arguments
	}
	run, err := s.store.ClaimExtractionByID(ctx, a.ID, s.Now().Add(-s.lease()))
	switch core.ErrorCode(err) {
	case "":
	case core.ENOTFOUND:
		return nil
	case core.ECONFLICT:
		return jobs.Later(s.lease() / 2)
	default:
		return err
	}
	s.process(ctx, run)
	if run.Status == core.RunQueued {
		return fmt.Errorf("extract: run %s: %s", run.ID, run.Stage) // back off, then again
	}
	return nil
}
