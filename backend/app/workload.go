package app

import (
	"context"
	"log/slog"

	"sentry/backend/workload"
)

// newWorkload wires the workload feature: its service over the database,
// and the debounced recalculation that task changes (from the API,
// extraction and synced integrations alike, since all go through the task
// service and its events) and the feature's own changes trigger, so a
// user's burnout status is never stale.
func newWorkload(a *App, logger *slog.Logger) (*workload.Service, *workload.Recalculator) {
	svc := workload.NewService(a.DB, logger)
	recalc := workload.NewRecalculator(workload.DefaultRecalcDelay, func(ctx context.Context, userID string) error {
		_, err := svc.Recalculate(ctx, userID)
		return err
	}, logger)
	svc.Changed = recalc.Trigger
	a.Events.Subscribe("workload", recalc.Handle)
	return svc, recalc
}
