package postgres

import "sentry/backend/core"

// The DB implements every store interface that features consume.
var _ core.Stores = (*DB)(nil)
