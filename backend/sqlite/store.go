package sqlite

import "sentry/backend/core"

// The DB implements every store interface that features consume.
var (
	_ core.UserStore       = (*DB)(nil)
	_ core.TaskStore       = (*DB)(nil)
	_ core.ChangeStore     = (*DB)(nil)
	_ core.AccountStore    = (*DB)(nil)
	_ core.ExtractionStore = (*DB)(nil)
	_ core.UploadStore     = (*DB)(nil)
	_ core.Stores          = (*DB)(nil)
)
