package simtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/sync/hlc"
)

// pgTemplate is the server's PostgreSQL database, migrated with its two
// people and their team, from which each schedule's database is copied.
type pgTemplate struct {
	url    string // the database of $SENTRY_TEST_DATABASE_URL, for admin statements
	name   string
	users  [2]simUser
	teamID string
}

func buildPGTemplate(ctx context.Context, dsn string) (*pgTemplate, error) {
	t := &pgTemplate{url: dsn, name: fmt.Sprintf("simtest_tmpl_%d_%x", os.Getpid(), rand.Uint32())}
	if err := pgtest.CreateDatabase(ctx, dsn, t.name, ""); err != nil {
		return nil, err
	}
	tdsn, err := pgtest.WithDatabase(dsn, t.name)
	if err != nil {
		return nil, err
	}
	at := templateNow()
	now := func() time.Time { return at }
	db, err := postgres.Open(ctx, tdsn, postgres.Options{Now: now, Clock: hlc.New(now), MaxConns: 2})
	if err != nil {
		return nil, err
	}
	t.users, t.teamID, err = seedServer(ctx, db)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return t, err
}

// newDatabase copies the template into a database for one schedule and
// returns its URL and a function that drops it.
func (t *pgTemplate) newDatabase(ctx context.Context, seed uint64) (string, func(), error) {
	name := fmt.Sprintf("simtest_%d_%x", os.Getpid(), seed)
	if err := pgtest.CreateDatabase(ctx, t.url, name, t.name); err != nil {
		return "", nil, err
	}
	dsn, err := pgtest.WithDatabase(t.url, name)
	if err != nil {
		return "", nil, err
	}
	return dsn, func() {
		_ = pgtest.DropDatabase(context.WithoutCancel(ctx), t.url, name)
	}, nil
}

// dropPGTemplate removes the template database at the end of the run.
func dropPGTemplate() {
	if tmpl != nil && tmpl.pg != nil {
		_ = pgtest.DropDatabase(context.Background(), tmpl.pg.url, tmpl.pg.name)
	}
}
