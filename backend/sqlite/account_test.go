package sqlite_test

import (
	"context"
	"testing"
	"time"

	"sentry/backend/core"
)

// A family is live until it is revoked, through every rotation.
func TestFindLiveSessionOwner(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := mustUser(t, db, "live@example.com")
	first := &core.RefreshToken{UserID: u.ID, TokenHash: "h1", ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.CreateRefreshToken(ctx, first); err != nil {
		t.Fatal(err)
	}
	next := &core.RefreshToken{UserID: u.ID, FamilyID: first.FamilyID, TokenHash: "h2", ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.RotateRefreshToken(ctx, first.ID, next); err != nil {
		t.Fatal(err)
	}
	if owner, err := db.FindLiveSessionOwner(ctx, first.FamilyID); err != nil || owner != u.ID {
		t.Fatalf("rotated family: %q %v", owner, err)
	}
	if err := db.RevokeRefreshFamily(ctx, first.FamilyID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{first.FamilyID, "no-such-family"} {
		if _, err := db.FindLiveSessionOwner(ctx, id); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("family %s: %v, want not_found", id, err)
		}
	}
}
