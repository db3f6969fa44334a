package config_test

import (
	"os"
	"strings"
	"testing"

	"sentry/backend/config"
)

func writeFile(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Blobs comes from the file (blobs), the environment (SENTRY_BLOBS) or
// --blobs, in that rising order; the keys from the environment only.
func TestBlobsPrecedence(t *testing.T) {
	file := t.TempDir() + "/c.json"
	writeFile(t, file, `{"blobs":"file:///srv/from-file"}`)
	c, err := load(t, []string{"--config", file}, nil)
	if err != nil || c.Blobs != "file:///srv/from-file" {
		t.Fatalf("file: %q %v", c.Blobs, err)
	}
	c, _ = load(t, []string{"--config", file}, map[string]string{"SENTRY_BLOBS": "file:///srv/from-env"})
	if c.Blobs != "file:///srv/from-env" {
		t.Fatalf("env: %q", c.Blobs)
	}
	c, _ = load(t, []string{"--config", file, "--blobs", "file:///srv/from-flag"}, map[string]string{"SENTRY_BLOBS": "file:///srv/from-env"})
	if c.Blobs != "file:///srv/from-flag" {
		t.Fatalf("flag: %q", c.Blobs)
	}
	c, _ = load(t, nil, map[string]string{"AWS_ACCESS_KEY_ID": "usual-a", "AWS_SECRET_ACCESS_KEY": "usual-s"})
	if c.BlobsAccessKey != "usual-a" || c.BlobsSecretKey != "usual-s" {
		t.Fatalf("usual keys: %q %q", c.BlobsAccessKey, c.BlobsSecretKey)
	}
	c, _ = load(t, nil, map[string]string{"AWS_ACCESS_KEY_ID": "usual-a", "SENTRY_BLOBS_ACCESS_KEY": "own-a", "SENTRY_BLOBS_SECRET_KEY": "own-s"})
	if c.BlobsAccessKey != "own-a" || c.BlobsSecretKey != "own-s" {
		t.Fatalf("own keys: %q %q", c.BlobsAccessKey, c.BlobsSecretKey)
	}
	writeFile(t, file, `{"blobs_secret_key":"x"}`)
	if _, err := load(t, []string{"--config", file}, nil); err == nil {
		t.Fatal("a key in the config file was accepted")
	}
}

func TestBlobStore(t *testing.T) {
	base := config.Default()
	base.DataDir = "/var/lib/sentry"
	base.BlobsAccessKey, base.BlobsSecretKey = "ak", "sk"
	for _, tc := range []struct {
		url  string
		want config.BlobStoreConfig
	}{
		{"", config.BlobStoreConfig{Kind: "file", Dir: "/var/lib/sentry/files", URL: "file:///var/lib/sentry/files"}},
		{"file:///mnt/shared/files", config.BlobStoreConfig{Kind: "file", Dir: "/mnt/shared/files", URL: "file:///mnt/shared/files"}},
		{"file://localhost/mnt/x/../y", config.BlobStoreConfig{Kind: "file", Dir: "/mnt/y", URL: "file:///mnt/y"}},
		{"s3://sentry-files?endpoint=http://10.0.0.5:9000", config.BlobStoreConfig{Kind: "s3", Bucket: "sentry-files", Endpoint: "http://10.0.0.5:9000",
			AccessKey: "ak", SecretKey: "sk", URL: "s3://sentry-files?endpoint=http://10.0.0.5:9000"}},
		{"s3://b.example/team/a/?endpoint=https%3A%2F%2Fstore.example&region=eu-1", config.BlobStoreConfig{Kind: "s3", Bucket: "b.example", Prefix: "team/a/",
			Endpoint: "https://store.example", Region: "eu-1", AccessKey: "ak", SecretKey: "sk",
			URL: "s3://b.example/team/a/?endpoint=https%3A%2F%2Fstore.example&region=eu-1"}},
	} {
		c := base
		c.Blobs = tc.url
		got, err := c.BlobStore()
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v", tc.url, got, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%q: validate: %v", tc.url, err)
		}
	}
	for _, tc := range []struct{ url, says string }{
		{"/mnt/files", "scheme"},
		{"file://other-host/mnt/files", "this machine"},
		{"file:///", "absolute"},
		{"file:relative/path", "absolute"},
		{"file:///mnt/x?y=1", "no query"},
		{"s3://UPPER?endpoint=http://h:1", "bucket"},
		{"s3://ab?endpoint=http://h:1", "bucket"},
		{"s3://-bucket?endpoint=http://h:1", "bucket"},
		{"s3://bucket", "endpoint"},
		{"s3://bucket?endpoint=h:9000", "endpoint"},
		{"s3://bucket?endpoint=ftp://h", "endpoint"},
		{"s3://bucket?endpoint=http://u:p@h:1", "endpoint"},
		{"s3://bucket?endpoint=http://h:1&secret=x", "unknown setting"},
		{"s3://bucket/a/../b?endpoint=http://h:1", "plain path"},
		{"s3://key:hunter2@bucket?endpoint=http://h:1", "no user or password"},
		{"http://h/x", "scheme"},
		{"%zz", "not a valid URL"},
	} {
		c := base
		c.Blobs = tc.url
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%q: %v (want it to say %q)", tc.url, err, tc.says)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: the error shows the password: %v", tc.url, err)
		}
	}
	c := base
	c.Blobs, c.BlobsSecretKey = "s3://bucket?endpoint=http://h:1", ""
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "SENTRY_BLOBS_SECRET_KEY") {
		t.Errorf("without keys: %v", err)
	}
}
