package blobtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a fresh bucket on the S3-compatible server of scripts/with-s3,
// emptied and removed after the test.
type S3 struct {
	Endpoint, Bucket     string
	AccessKey, SecretKey string
	// Client reaches the bucket behind the store's back.
	Client *minio.Client
}

// URL is the bucket as a blobs URL, s3://BUCKET?endpoint=….
func (s S3) URL() string {
	return "s3://" + s.Bucket + "?endpoint=" + url.QueryEscape(s.Endpoint)
}

// NewS3 makes a bucket on the server that scripts/with-s3 started
// (SENTRY_TEST_BLOBS, SENTRY_TEST_BLOBS_ACCESS_KEY,
// SENTRY_TEST_BLOBS_SECRET_KEY); the test is skipped without one.
func NewS3(t testing.TB) S3 {
	t.Helper()
	raw := os.Getenv("SENTRY_TEST_BLOBS")
	if raw == "" {
		t.Skip("needs an S3-compatible server: run under scripts/with-s3")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" {
		t.Fatalf("SENTRY_TEST_BLOBS is not an s3:// URL: %q", raw)
	}
	ep, err := url.Parse(u.Query().Get("endpoint"))
	if err != nil || ep.Host == "" {
		t.Fatalf("SENTRY_TEST_BLOBS has no endpoint: %q", raw)
	}
	s := S3{Endpoint: ep.String(), AccessKey: os.Getenv("SENTRY_TEST_BLOBS_ACCESS_KEY"), SecretKey: os.Getenv("SENTRY_TEST_BLOBS_SECRET_KEY")}
	s.Client, err = minio.New(ep.Host, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Secure: ep.Scheme == "https"})
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	s.Bucket = "t-" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Client.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for u := range s.Client.ListIncompleteUploads(ctx, s.Bucket, "", true) {
			if u.Err == nil {
				_ = s.Client.RemoveIncompleteUpload(ctx, s.Bucket, u.Key)
			}
		}
		for o := range s.Client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err == nil {
				_ = s.Client.RemoveObject(ctx, s.Bucket, o.Key, minio.RemoveObjectOptions{})
			}
		}
		if err := s.Client.RemoveBucket(ctx, s.Bucket); err != nil {
			t.Errorf("remove bucket %s: %v", s.Bucket, err)
		}
	})
	return s
}

// Objects lists the bucket's objects under prefix, and its unfinished
// multipart uploads (as "upload:KEY").
func (s S3) Objects(t testing.TB, prefix string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []string
	for o := range s.Client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list: %v", o.Err)
		}
		out = append(out, o.Key[len(prefix):])
	}
	for u := range s.Client.ListIncompleteUploads(ctx, s.Bucket, prefix, true) {
		if u.Err != nil {
			t.Fatalf("list uploads: %v", u.Err)
		}
		out = append(out, "upload:"+u.Key)
	}
	return out
}
