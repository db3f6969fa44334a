package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/sync/hlc"
)

func TestUploadReservations(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	u := &core.User{Email: "quota@example.com", FirstName: "Q", LastName: "U"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	later := now.Add(2 * time.Minute)
	reserve := func(want int64, at time.Time) (string, int64) {
		t.Helper()
		id, n, err := db.ReserveUploadBytes(ctx, u.ID, want, 1000, at, at.Add(2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return id, n
	}
	a, n := reserve(600, now)
	if a == "" || n != 600 {
		t.Fatalf("first: %q %d", a, n)
	}
	b, n := reserve(600, now)
	if b == "" || n != 400 {
		t.Fatalf("second gets what is left: %q %d", b, n)
	}
	if id, n := reserve(1, now); id != "" || n != 0 {
		t.Fatalf("nothing is left: %q %d", id, n)
	}
	// Shrinking gives bytes back; a stored upload counts instead.
	if err := db.UpdateUploadReservation(ctx, a, 100, later); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUpload(ctx, &core.Upload{UserID: u.ID, Filename: "a.txt", SizeBytes: 100, SHA256: "aa", StoragePath: "k"}); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleaseUploadReservation(ctx, a); err != nil {
		t.Fatal(err)
	}
	if id, n := reserve(1000, now); id == "" || n != 500 {
		t.Fatalf("after a shrink and a release: %q %d", id, n)
	}
	// Reservations not renewed stop counting when they expire.
	if id, n := reserve(1000, now.Add(3*time.Minute)); id == "" || n != 900 {
		t.Fatalf("after expiry: %q %d", id, n)
	}
	for _, id := range []string{a, "no-such-reservation"} {
		if err := db.ReleaseUploadReservation(ctx, id); err != nil {
			t.Fatalf("release %s again: %v", id, err)
		}
		if err := db.UpdateUploadReservation(ctx, id, 5, later); err != nil {
			t.Fatalf("update %s: %v", id, err)
		}
	}
	if _, _, err := db.ReserveUploadBytes(ctx, "no-such-user", 10, 1000, now, later); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("unknown user: %v", err)
	}
	// The user's reservations go with the account.
	if err := db.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.QueryRowForTest(`SELECT count(*) FROM upload_reservations`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d reservations left after the account went (%v)", left, err)
	}
}

// Two servers on one database reserving for one user at once never hand
// out more than the quota between them.
func TestUploadReservationsAcrossPools(t *testing.T) {
	url, schema := pgtest.Schema(t)
	open := func() *postgres.DB {
		db, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema, MaxConns: 8, Clock: hlc.New(nil)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbs := []*postgres.DB{open(), open()}
	ctx := context.Background()
	now := time.Now()
	const quota, each, n = 10_000, 700, 48
	for round := range 8 {
		u := &core.User{Email: fmt.Sprintf("two-%d@example.com", round), FirstName: "T", LastName: "W"}
		if err := dbs[0].CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		got := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				_, got[i], errs[i] = dbs[i%2].ReserveUploadBytes(ctx, u.ID, each, quota, now, now.Add(time.Minute))
			})
		}
		close(start)
		wg.Wait()
		var total int64
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			total += got[i]
		}
		if total != quota {
			t.Fatalf("round %d: reserved %d in all with a quota of %d", round, total, quota)
		}
	}
}
