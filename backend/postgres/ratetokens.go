package postgres

import (
	"context"
	"fmt"
	"math"
	"time"

	"sentry/backend/core"
)

var _ core.RateTokenStore = (*DB)(nil)

// TakeRateTokens refills and takes in one upsert: the row lock of ON
// CONFLICT serializes servers on a user, and SET reads the old row, so
// taken and tokens are computed from the same refilled amount.
func (db *DB) TakeRateTokens(ctx context.Context, key string, n int, rate, burst float64, now time.Time) (int, float64, error) {
	if n < 1 {
		n = 1
	}
	first := min(n, int(math.Floor(burst)))
	var taken int
	var left float64
	err := db.pool.QueryRow(ctx, `
		INSERT INTO api_rate_tokens AS t (user_id, tokens, taken, at) VALUES ($1, $2::float8 - $6::int, $6, $5)
		ON CONFLICT (user_id) DO UPDATE SET
			taken = LEAST($3::int, GREATEST(0, FLOOR(LEAST($2::float8, t.tokens + $4::float8 * GREATEST(0, EXTRACT(EPOCH FROM ($5::timestamptz - t.at)))))))::int,
			tokens = LEAST($2::float8, t.tokens + $4::float8 * GREATEST(0, EXTRACT(EPOCH FROM ($5::timestamptz - t.at))))
				- LEAST($3::int, GREATEST(0, FLOOR(LEAST($2::float8, t.tokens + $4::float8 * GREATEST(0, EXTRACT(EPOCH FROM ($5::timestamptz - t.at))))))),
			at = GREATEST(t.at, $5::timestamptz)
		RETURNING taken, tokens`, key, burst, n, rate, ms(now), first).Scan(&taken, &left)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: take rate tokens %s: %w", key, err)
	}
	return taken, left, nil
}
