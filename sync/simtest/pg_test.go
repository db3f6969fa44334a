package simtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"sentry/backend/postgres"
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

// pgAdmin runs one statement on the test database (outside any schedule's).
func pgAdmin(ctx context.Context, dsn, stmt string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

// withDatabase is dsn naming another database on the same server.
func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("SENTRY_TEST_DATABASE_URL is not a URL")
	}
	u.Path = "/" + name
	return u.String(), nil
}

func buildPGTemplate(ctx context.Context, dsn string) (*pgTemplate, error) {
	t := &pgTemplate{url: dsn, name: fmt.Sprintf("simtest_tmpl_%d_%x", os.Getpid(), rand.Uint32())}
	if err := pgAdmin(ctx, dsn, `CREATE DATABASE `+t.name); err != nil {
		return nil, err
	}
	tdsn, err := withDatabase(dsn, t.name)
	if err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, tdsn, postgres.Options{Clock: hlc.New(nil), MaxConns: 2})
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
	if err := pgAdmin(ctx, t.url, `CREATE DATABASE `+name+` TEMPLATE `+t.name); err != nil {
		return "", nil, err
	}
	dsn, err := withDatabase(t.url, name)
	if err != nil {
		return "", nil, err
	}
	return dsn, func() {
		_ = pgAdmin(context.WithoutCancel(ctx), t.url, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	}, nil
}

// dropPGTemplate removes the template database at the end of the run.
func dropPGTemplate() {
	if tmpl != nil && tmpl.pg != nil {
		_ = pgAdmin(context.Background(), tmpl.pg.url, `DROP DATABASE IF EXISTS `+tmpl.pg.name+` WITH (FORCE)`)
	}
}
