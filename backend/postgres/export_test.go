package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// PoolForTest lets tests look behind the API.
func (db *DB) PoolForTest() *pgxpool.Pool { return db.pool }
