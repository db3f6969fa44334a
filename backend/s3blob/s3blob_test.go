package s3blob_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"

	"sentry/backend/blobtest"
	"sentry/backend/core"
	"sentry/backend/s3blob"
)

func open(t *testing.T, b blobtest.S3, prefix string) *s3blob.Store {
	t.Helper()
	s, err := s3blob.Open(context.Background(), s3blob.Options{Endpoint: b.Endpoint, Bucket: b.Bucket, Prefix: prefix,
		AccessKey: b.AccessKey, SecretKey: b.SecretKey, PartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The conformance suite against a real S3-compatible server, with and
// without a key prefix.
func TestConformance(t *testing.T) {
	for _, prefix := range []string{"", "team-a/files/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) blobtest.Harness {
				b := blobtest.NewS3(t)
				leftovers := func(t *testing.T) []string {
					all := b.Objects(t, "")
					for i, k := range all {
						if !strings.HasPrefix(k, prefix) && !strings.HasPrefix(k, "upload:"+prefix) {
							t.Fatalf("object %q outside the prefix %q", k, prefix)
						}
						all[i] = strings.Replace(k, prefix, "", 1)
					}
					slices.Sort(all)
					return all
				}
				return blobtest.Harness{Store: open(t, b, prefix), Leftovers: leftovers, Big: 12 << 20}
			})
		})
	}
}

// A bucket that does not exist, or a server that is not there, stops
// Open with a message that says so.
func TestOpenChecksTheBucket(t *testing.T) {
	b := blobtest.NewS3(t)
	_, err := s3blob.Open(context.Background(), s3blob.Options{Endpoint: b.Endpoint, Bucket: b.Bucket + "-missing", AccessKey: b.AccessKey, SecretKey: b.SecretKey})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing bucket: %v", err)
	}
	_, err = s3blob.Open(context.Background(), s3blob.Options{Endpoint: b.Endpoint, Bucket: b.Bucket, AccessKey: b.AccessKey, SecretKey: "wrong"})
	if err == nil {
		t.Fatal("a wrong secret passed")
	}
	for _, ep := range []string{"ftp://x", "http://", "127.0.0.1:9000", "http://h:1/path"} {
		if _, err := s3blob.Open(context.Background(), s3blob.Options{Endpoint: ep, Bucket: "b"}); err == nil {
			t.Errorf("endpoint %q passed", ep)
		}
	}
}

// When the store cannot be reached, every call answers unavailable.
func TestUnreachableIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	s, err := s3blob.New(s3blob.Options{Endpoint: "http://" + addr, Bucket: "unreachable", AccessKey: "k", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key, _ := core.NewBlobKey("u")
	_, putErr := s.Put(ctx, "u", strings.NewReader("hello"), 100)
	_, bigErr := s.Put(ctx, "u", strings.NewReader(strings.Repeat("x", 6<<20)), 10<<20)
	_, openErr := s.Open(ctx, key)
	_, readErr := s.Read(ctx, key, 10)
	for name, err := range map[string]error{"put": putErr, "put in parts": bigErr, "open": openErr, "read": readErr,
		"remove": s.Remove(ctx, key), "remove user": s.RemoveUser(ctx, "u")} {
		if core.ErrorCode(err) != core.EUNAVAILABLE || core.ErrorRetryAfter(err) <= 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := s.Ping(ctx); err == nil || strings.ContainsAny(err.Error(), "\r\n") {
		t.Fatalf("ping: %v", err)
	}
}

func BenchmarkPutOpen64MB(b *testing.B) {
	bk := blobtest.NewS3(b)
	s, err := s3blob.Open(context.Background(), s3blob.Options{Endpoint: bk.Endpoint, Bucket: bk.Bucket, AccessKey: bk.AccessKey, SecretKey: bk.SecretKey})
	if err != nil {
		b.Fatal(err)
	}
	blobtest.Bench(b, s, 64<<20)
}
