package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"sentry/backend/blob"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/httpapi"
	"sentry/backend/s3blob"
)

// openBlobs opens the store of uploaded files that cfg names (a folder,
// or a bucket of an S3-compatible store) and checks that it can be used:
// a server does not start on a store it cannot reach, and says which one
// in one line. The health check reports whether it still can.
func openBlobs(ctx context.Context, cfg config.Config) (core.BlobStore, httpapi.HealthCheck, error) {
	bc, err := cfg.BlobStore()
	if err != nil {
		return nil, httpapi.HealthCheck{}, err
	}
	details := map[string]any{"store": bc.Kind, "url": bc.URL}
	switch bc.Kind {
	case "s3":
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		s, err := s3blob.Open(cctx, s3blob.Options{Endpoint: bc.Endpoint, Bucket: bc.Bucket, Prefix: bc.Prefix, Region: bc.Region,
			AccessKey: bc.AccessKey, SecretKey: bc.SecretKey})
		if err != nil {
			return nil, httpapi.HealthCheck{}, fmt.Errorf("blobs: cannot reach the store at %s: %w", bc.URL, err)
		}
		return s, httpapi.HealthCheck{Name: "blobs", Required: true, Check: func(ctx context.Context) (map[string]any, error) {
			return details, s.Ping(ctx)
		}}, nil
	default:
		s := &blob.Store{Root: bc.Dir}
		if err := s.Check(); err != nil {
			return nil, httpapi.HealthCheck{}, fmt.Errorf("blobs: cannot use the folder at %s: %w", bc.URL, err)
		}
		return s, httpapi.HealthCheck{Name: "blobs", Required: true, Check: func(ctx context.Context) (map[string]any, error) {
			fi, err := os.Stat(bc.Dir)
			if err == nil && !fi.IsDir() {
				err = fmt.Errorf("%s is not a folder", bc.Dir)
			}
			return details, err
		}}, nil
	}
}
