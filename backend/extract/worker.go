package extract

import (
	"context"
	"log/slog"
	"time"

	"sentry/backend/core"
	"sentry/backend/lease"
)

// Start re-queues runs a crash left running and starts n workers; they
// stop when ctx ends. Wait blocks until they have.
func (s *Service) Start(ctx context.Context, n int) error {
	stale := core.MaxTime // this process owns the queue: every running run was ours
	if s.Shared {
		stale = s.Now().Add(-s.lease())
	}
	if k, err := s.store.RequeueRunning(ctx, stale); err != nil {
		return err
	} else if k > 0 {
		s.logger.Info("resuming interrupted extractions", slog.Int("count", k))
	}
	if s.Shared {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			lease.Reap(ctx, s.lease(), s.Now, s.store.RequeueRunning, func(n int, err error) {
				if err != nil {
					s.logger.Warn("take over stalled extractions", slog.Any("error", err))
					return
				}
				s.logger.Info("took over extractions of a server that stopped", slog.Int("count", n))
				s.kick()
			})
		}()
	}
	for i := 0; i < max(1, n); i++ {
		s.wg.Add(1)
		go s.work(ctx)
	}
	s.kick()
	return nil
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return lease.Default
}

// Wait waits for the workers to stop.
func (s *Service) Wait() { s.wg.Wait() }

func (s *Service) work(ctx context.Context) {
	defer s.wg.Done()
	poll := time.NewTicker(5 * time.Second) // also picks up runs queued by other processes
	defer poll.Stop()
	for {
		for {
			if ctx.Err() != nil {
				return
			}
			run, err := s.store.ClaimExtraction(ctx)
			if core.ErrorCode(err) == core.ENOTFOUND {
				break
			} else if err != nil {
				if ctx.Err() == nil {
					s.logger.Error("claim extraction", slog.Any("error", err))
				}
				break
			}
			if run.Attempts > 1 {
				// Back off a little before retrying a failed attempt.
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Duration(run.Attempts) * 500 * time.Millisecond):
				}
			}
			s.process(ctx, run)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-poll.C:
		}
	}
}
