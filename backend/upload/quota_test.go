package upload_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"sentry/backend/blob"
	"sentry/backend/core"
	"sentry/backend/docparse"
	"sentry/backend/sqlite"
	"sentry/backend/upload"
	"sentry/sync/hlc"
)

// Parallel Store calls with bodies of unknown size: the quota holds, the
// refused ones answer too_large and leave no file.
func TestStoreKeepsQuotaInParallel(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "sentry.db"), sqlite.Options{Clock: hlc.New(nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u := &core.User{Email: "quota@example.com", FirstName: "Q", LastName: "U"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	detect := func(head []byte, name string) (string, string, bool) {
		k, m, ok := docparse.Detect(head, name)
		return string(k), m, ok
	}
	files := filepath.Join(dir, "files")
	svc := upload.NewService(db, &blob.Store{Root: files}, detect, nil)
	svc.MaxBytes, svc.QuotaBytes = 1<<20, 2<<20
	ctx := core.NewContextWithUser(context.Background(), u)

	const n = 12
	errs := make([]error, n)
	sizes := make([]int64, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		body := bytes.Repeat([]byte(fmt.Sprintf("file %2d line\n", i)), (900<<10)/13)
		wg.Go(func() {
			<-start
			up, err := svc.Store(ctx, upload.Put{Filename: "part.txt", Body: bytes.NewReader(body)})
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
	used, err := db.UserUploadBytes(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if accepted == 0 || stored > svc.QuotaBytes || used != stored {
		t.Fatalf("%d accepted, %d bytes stored (%d recorded) with a quota of %d", accepted, stored, used, svc.QuotaBytes)
	}
	var onDisk int64
	count := 0
	_ = filepath.Walk(files, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			onDisk += fi.Size()
			count++
		}
		return nil
	})
	if count != accepted || onDisk != stored {
		t.Fatalf("%d files (%d bytes) on disk for %d accepted (%d bytes)", count, onDisk, accepted, stored)
	}
	// Nothing stays reserved: the free quota is all usable again.
	rest := bytes.Repeat([]byte("x"), int(svc.QuotaBytes-stored))
	if _, err := svc.Store(ctx, upload.Put{Filename: "rest.txt", Body: bytes.NewReader(rest)}); err != nil {
		t.Fatalf("the rest of the quota: %v", err)
	}
}
