package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/httpapi"
	"sentry/backend/postgres"
	"sentry/backend/sqlite"
	"sentry/sync/hlc"
)

// OpenStore opens (and migrates) the database cfg names: PostgreSQL when
// DatabaseURL is set, else the SQLite file in DataDir. Exactly one of the
// concrete stores is returned beside the interface, for what exists on
// one store only (sqlite-vec, the pool of a server).
func OpenStore(ctx context.Context, cfg config.Config, logger *slog.Logger, clock *hlc.Clock) (core.Stores, *sqlite.DB, *postgres.DB, error) {
	if cfg.Postgres() {
		pg, err := postgres.Open(ctx, cfg.DatabaseURL, postgres.Options{Logger: logger, Clock: clock, MaxConns: int32(cfg.ReadConns) + 4,
			Extra: jobMigrations(logger)})
		if err != nil {
			return nil, nil, nil, err
		}
		return pg, nil, pg, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, nil, nil, fmt.Errorf("app: create data dir %s: %w", cfg.DataDir, err)
	}
	db, err := sqlite.Open(ctx, cfg.DatabasePath(), sqlite.Options{Logger: logger, Clock: clock, ReadConns: cfg.ReadConns,
		// Readers map the file (address space only; pages come from the OS
		// cache): large notebooks' full-text and passage reads ran 7–10×
		// faster at p95 this way (docs/NOTEBOOKS.md).
		MmapSize: 1 << 30})
	if err != nil {
		return nil, nil, nil, err
	}
	return db, db, nil, nil
}

// databaseHealth is /health's view of the store: the driver, its version
// and the schema version; on PostgreSQL the server version and the pool.
// SQLite's vector extension is checked apart (it exists there only).
func (a *App) databaseHealth() []httpapi.HealthCheck {
	if a.PG != nil {
		pg := a.PG
		return []httpapi.HealthCheck{{Name: "database", Required: true, Check: func(ctx context.Context) (map[string]any, error) {
			h, err := pg.Health(ctx)
			if err != nil && postgres.Unavailable(err) != nil {
				// The pool reconnects by itself once the server is back.
				return map[string]any{"driver": "postgres", "pool": h}, errors.New("the database cannot be reached; reconnecting")
			}
			v, _ := pg.MigrationVersion(ctx)
			return map[string]any{"driver": "postgres", "server_version": h.ServerVersion, "schema_version": v, "pool": h}, err
		}}}
	}
	db := a.DB
	sqliteVer, vecVer := db.Versions()
	return []httpapi.HealthCheck{
		{Name: "database", Required: true, Check: func(ctx context.Context) (map[string]any, error) {
			v, _ := db.MigrationVersion(ctx)
			return map[string]any{"driver": "sqlite", "sqlite_version": sqliteVer, "schema_version": v}, db.Ping(ctx)
		}},
		{Name: "sqlite_vec", Required: true, Check: func(ctx context.Context) (map[string]any, error) {
			return map[string]any{"version": vecVer}, nil
		}},
	}
}

// registerPoolMetrics exports the PostgreSQL pool on /metrics.
func registerPoolMetrics(reg *prometheus.Registry, pg *postgres.DB) {
	gauge := func(name, help string, f func(postgres.Health) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "sentry", Subsystem: "db_pool", Name: name, Help: help},
			func() float64 { return f(pg.PoolStats()) })
	}
	counter := func(name, help string, f func(postgres.Health) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "sentry", Subsystem: "db_pool", Name: name, Help: help},
			func() float64 { return f(pg.PoolStats()) })
	}
	reg.MustRegister(
		gauge("acquired_connections", "PostgreSQL connections in use.", func(h postgres.Health) float64 { return float64(h.AcquiredConns) }),
		gauge("idle_connections", "PostgreSQL connections idle in the pool.", func(h postgres.Health) float64 { return float64(h.IdleConns) }),
		gauge("total_connections", "PostgreSQL connections open (including ones being made).", func(h postgres.Health) float64 { return float64(h.TotalConns) }),
		gauge("max_connections", "The pool's connection limit.", func(h postgres.Health) float64 { return float64(h.MaxConns) }),
		counter("acquires_total", "Connections taken from the pool.", func(h postgres.Health) float64 { return float64(h.AcquireCount) }),
		counter("empty_acquires_total", "Connections taken after waiting for one to be free.", func(h postgres.Health) float64 { return float64(h.EmptyAcquireCount) }),
	)
}
