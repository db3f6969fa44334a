package postgres

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"sentry/backend/core"
)

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"user password", "postgres://sentry:s3cret@db:5432/sentry?sslmode=require", "postgres://sentry:xxxxx@db:5432/sentry?sslmode=require"},
		{"no password", "postgres://sentry@db/sentry", "postgres://sentry@db/sentry"},
		{"password parameter", "postgresql://db/sentry?password=s3cret&user=sentry", "postgresql://db/sentry?password=xxxxx&user=sentry"},
		{"key=value", "host=db user=sentry password=s3cret dbname=sentry", "host=db user=sentry password=xxxxx dbname=sentry"},
		{"key=value quoted", "host=db password='s3 cr\\'et' dbname=sentry", "host=db password=xxxxx dbname=sentry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RedactURL(tc.in); got != tc.want {
				t.Fatalf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"connection failure", fmt.Errorf("postgres: find: %w", &pgconn.PgError{Code: "08006"}), true},
		{"connect", &pgconn.ConnectError{}, true},
		{"eof", fmt.Errorf("x: %w", io.ErrUnexpectedEOF), true},
		{"unique", &pgconn.PgError{Code: "23505"}, false},
		{"other", errors.New("boom"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Unavailable(tc.err)
			if (got != nil) != tc.want || (got != nil && core.ErrorCode(got) != core.EUNAVAILABLE) {
				t.Fatalf("Unavailable(%v) = %v", tc.err, got)
			}
		})
	}
}
