package core

import (
	"context"
	"time"
)

// Change is one entry of a user's change log: which row of which table was
// written, the fields that changed, when (a hybrid logical clock timestamp)
// and on which device. Stores write it in the same transaction as the change.
type Change struct {
	ID        string         `json:"id"`
	UserID    string         `json:"user_id"`
	Table     string         `json:"table"`
	RowID     string         `json:"row_id"`
	Op        string         `json:"op"` // insert, update, delete
	Fields    map[string]any `json:"fields"`
	HLC       string         `json:"hlc"`
	DeviceID  string         `json:"device_id"`
	CreatedAt time.Time      `json:"created_at"`
}

// Change operations.
const (
	OpInsert = "insert"
	OpUpdate = "update"
	OpDelete = "delete"
)

// Clock issues hybrid logical clock timestamps that sort as strings.
type Clock interface {
	Now() string
	// Observe merges a timestamp seen from another device.
	Observe(ts string) error
	// Resume raises the clock to a timestamp the store itself holds, with
	// no bound on how far ahead of wall time it is.
	Resume(ts string) error
}

// ChangeFilter selects change log entries of one user.
type ChangeFilter struct {
	UserID string
	Table  string
	RowID  string
	// After returns entries with an HLC greater than this one.
	After string
	Limit int
}

// ChangeStore reads the change log.
type ChangeStore interface {
	FindChanges(ctx context.Context, f ChangeFilter) ([]*Change, error)
}
