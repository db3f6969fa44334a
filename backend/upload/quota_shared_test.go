package upload_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"sentry/backend/blob"
	"sentry/backend/core"
	"sentry/backend/docparse"
	"sentry/backend/jobtest"
	"sentry/backend/postgres"
	"sentry/backend/postgres/pgtest"
	"sentry/backend/upload"
	"sentry/sync/hlc"
)

// Two servers on one PostgreSQL, each with its own pool and upload
// service, one shared files folder: parallel uploads of one user through
// both never store more than the quota between them, and once they are
// done nothing stays reserved.
func TestQuotaHoldsAcrossServers(t *testing.T) {
	url, schema := pgtest.Schema(t)
	files := t.TempDir()
	detect := func(head []byte, name string) (string, string, bool) {
		k, m, ok := docparse.Detect(head, name)
		return string(k), m, ok
	}
	var dbs []*postgres.DB
	var svcs []*upload.Service
	for range 2 {
		db, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema, MaxConns: 6, Clock: hlc.New(nil)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		svc := upload.NewService(db, &blob.Store{Root: files}, detect, nil)
		svc.MaxBytes, svc.QuotaBytes = 1<<20, 3<<20
		dbs, svcs = append(dbs, db), append(svcs, svc)
	}
	u := &core.User{Email: "quota@example.com", FirstName: "Q", LastName: "U"}
	if err := dbs[0].CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	ctx := core.NewContextWithUser(context.Background(), u)

	const n = 16
	errs := make([]error, n)
	sizes := make([]int64, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		// Of unknown size: each reserves the most one file may hold.
		body := bytes.Repeat([]byte(fmt.Sprintf("file %2d line\n", i)), (900<<10)/13)
		wg.Go(func() {
			<-start
			up, err := svcs[i%2].Store(ctx, upload.Put{Filename: "part.txt", Body: bytes.NewReader(body)})
			if err == nil {
				sizes[i] = up.SizeBytes
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	var stored int64
	accepted := 0
	for i, err := range errs {
		switch core.ErrorCode(err) {
		case "":
			stored += sizes[i]
			accepted++
		case core.ETOOLARGE:
		default:
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	used, err := dbs[1].UserUploadBytes(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if accepted == 0 || stored > svcs[0].QuotaBytes || used != stored {
		t.Fatalf("%d accepted, %d bytes stored (%d recorded) with a quota of %d", accepted, stored, used, svcs[0].QuotaBytes)
	}
	var held int
	if err := dbs[0].QueryRowForTest(`SELECT count(*) FROM upload_reservations`).Scan(&held); err != nil || held != 0 {
		t.Fatalf("%d reservations left (%v)", held, err)
	}
	// The rest of the quota (up to one file) is usable through either
	// server.
	rest := bytes.Repeat([]byte("x"), int(min(svcs[0].QuotaBytes-stored, svcs[0].MaxBytes)))
	if _, err := svcs[1].Store(ctx, upload.Put{Filename: "rest.txt", Body: bytes.NewReader(rest)}); err != nil && len(rest) > 0 {
		t.Fatalf("the rest of the quota: %v", err)
	}
}

// An upload that takes longer than a reservation lasts keeps renewing its
// reservation while its bytes arrive, so the quota it holds does not
// lapse; when it is recorded the reservation goes.
func TestSlowUploadKeepsItsReservation(t *testing.T) {
	url, schema := pgtest.Schema(t)
	db, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema, MaxConns: 4, Clock: hlc.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	detect := func(head []byte, name string) (string, string, bool) {
		k, m, ok := docparse.Detect(head, name)
		return string(k), m, ok
	}
	svc := upload.NewService(db, &blob.Store{Root: t.TempDir()}, detect, nil)
	svc.ReservationTTL = 400 * time.Millisecond // renewed every 100 ms
	u := &core.User{Email: "slow@example.com", FirstName: "S", LastName: "L"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	ctx := core.NewContextWithUser(context.Background(), u)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := svc.Store(ctx, upload.Put{Filename: "slow.txt", Body: pr})
		done <- err
	}()
	if _, err := pw.Write([]byte("the first line arrives\n")); err != nil {
		t.Fatal(err)
	}
	expiry := func() (time.Time, int) {
		var at time.Time
		var n int
		if err := db.QueryRowForTest(`SELECT coalesce(max(expires_at), 'epoch'), count(*) FROM upload_reservations`).Scan(&at, &n); err != nil {
			t.Fatal(err)
		}
		return at, n
	}
	first, n := expiry()
	if n != 1 {
		t.Fatalf("%d reservations while the upload runs", n)
	}
	jobtest.Wait(t, "the reservation renewed", func() (bool, string) {
		at, n := expiry()
		return at.After(first) && n == 1, jobtest.State(at, n)
	})
	pw.Write([]byte("and the last one\n"))
	pw.Close()
	if err := jobtest.Receive(t, "the upload", done); err != nil {
		t.Fatal(err)
	}
	if _, n := expiry(); n != 0 {
		t.Fatalf("%d reservations after the upload was recorded", n)
	}
}
