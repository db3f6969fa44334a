package sqlite_test

import (
	"context"
	"testing"

	"sentry/backend/core"
)

// Driver errors become the same codes whichever write breaks the
// constraint: a row naming a missing user is not_found, a taken unique key
// a conflict with the store's message, never an internal error.
func TestDriverErrorsBecomeCodes(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	ghost := "01890000-0000-7000-8000-00000000dead"
	if err := db.CreateTask(ctx, newTask(ghost, "Orphan")); core.ErrorCode(err) != core.ENOTFOUND || core.ErrorMessage(err) != "User not found." {
		t.Fatalf("task for a missing user: %v", err)
	}
	if err := db.CreateProfile(ctx, core.DefaultProfile(ghost)); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("profile for a missing user: %v", err)
	}
	u := mustUser(t, db, "twice@example.com")
	if err := db.CreateProfile(ctx, core.DefaultProfile(u.ID)); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateProfile(ctx, core.DefaultProfile(u.ID)); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("second profile: %v", err)
	}
}
