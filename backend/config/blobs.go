package config

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// BlobStoreConfig is where uploaded files live, parsed from Config.Blobs.
type BlobStoreConfig struct {
	// Kind is "file" or "s3".
	Kind string
	// Dir is the folder of a file store.
	Dir string
	// Endpoint (http://host:port or https://host), Bucket, Prefix (""
	// or ending in "/") and Region locate an S3-compatible store;
	// AccessKey and SecretKey sign in to it.
	Endpoint, Bucket, Prefix, Region string
	AccessKey, SecretKey             string
	// URL names the store in messages: never a key.
	URL string
}

// applyBlobsKeys reads the S3-compatible store's keys: Sentry's own
// variables, else the ones S3 tools usually read.
func applyBlobsKeys(c *Config, getenv func(string) string) {
	c.BlobsAccessKey = firstSet(getenv, EnvBlobsAccessKey, "AWS_ACCESS_KEY_ID")
	c.BlobsSecretKey = firstSet(getenv, EnvBlobsSecretKey, "AWS_SECRET_ACCESS_KEY")
}

func firstSet(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// BlobStore parses Blobs: empty is the files/ folder of DataDir. Its
// errors never quote a URL's user information.
func (c Config) BlobStore() (BlobStoreConfig, error) {
	if c.Blobs == "" {
		dir := filepath.Join(c.DataDir, "files")
		return BlobStoreConfig{Kind: "file", Dir: dir, URL: "file://" + filepath.ToSlash(dir)}, nil
	}
	u, err := url.Parse(c.Blobs)
	if err != nil {
		return BlobStoreConfig{}, errors.New("config: blobs is not a valid URL: want file:///path or s3://bucket?endpoint=http://host:port")
	}
	if u.User != nil {
		return BlobStoreConfig{}, fmt.Errorf("config: blobs: no user or password in the URL; an S3-compatible store's keys go in %s and %s", EnvBlobsAccessKey, EnvBlobsSecretKey)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return BlobStoreConfig{}, fmt.Errorf("config: blobs %q: a file URL names a folder of this machine: file:///path", c.Blobs)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return BlobStoreConfig{}, fmt.Errorf("config: blobs %q: a file URL takes no query", c.Blobs)
		}
		dir := filepath.FromSlash(u.Path)
		if !filepath.IsAbs(dir) || filepath.Clean(dir) == string(filepath.Separator) {
			return BlobStoreConfig{}, fmt.Errorf("config: blobs %q: want an absolute folder, file:///path", c.Blobs)
		}
		dir = filepath.Clean(dir)
		return BlobStoreConfig{Kind: "file", Dir: dir, URL: "file://" + filepath.ToSlash(dir)}, nil
	case "s3":
		b := BlobStoreConfig{Kind: "s3", Bucket: u.Host, Prefix: strings.Trim(u.Path, "/"), AccessKey: c.BlobsAccessKey, SecretKey: c.BlobsSecretKey}
		if !validBucket(b.Bucket) {
			return BlobStoreConfig{}, fmt.Errorf("config: blobs %q: the bucket must be 3 to 63 lowercase letters, digits, dots and hyphens", c.Blobs)
		}
		if b.Prefix != "" {
			if strings.Contains(b.Prefix, "//") || strings.Contains("/"+b.Prefix+"/", "/../") || strings.Contains("/"+b.Prefix+"/", "/./") {
				return BlobStoreConfig{}, fmt.Errorf("config: blobs %q: the key prefix must be a plain path", c.Blobs)
			}
			b.Prefix += "/"
		}
		q := u.Query()
		for k := range q {
			if k != "endpoint" && k != "region" {
				return BlobStoreConfig{}, fmt.Errorf("config: blobs: unknown setting %q in the URL (endpoint and region are known; keys go in %s and %s)", k, EnvBlobsAccessKey, EnvBlobsSecretKey)
			}
		}
		b.Endpoint, b.Region = q.Get("endpoint"), q.Get("region")
		ep, err := url.Parse(b.Endpoint)
		if b.Endpoint == "" || err != nil || (ep.Scheme != "http" && ep.Scheme != "https") || ep.Host == "" || ep.User != nil ||
			(ep.Path != "" && ep.Path != "/") || ep.RawQuery != "" {
			return BlobStoreConfig{}, fmt.Errorf("config: blobs: want s3://%s?endpoint=http://host:port (or https://host), the store's address", b.Bucket)
		}
		if b.AccessKey == "" || b.SecretKey == "" {
			return BlobStoreConfig{}, fmt.Errorf("config: blobs: an S3-compatible store needs its keys in %s and %s", EnvBlobsAccessKey, EnvBlobsSecretKey)
		}
		// With no user information and no settings but these two, the
		// URL holds no secret.
		b.URL = c.Blobs
		return b, nil
	}
	return BlobStoreConfig{}, fmt.Errorf("config: blobs: scheme %q: want file:///path or s3://bucket?endpoint=http://host:port", u.Scheme)
}

// validBucket accepts S3's bucket names: 3 to 63 lowercase letters,
// digits, dots and hyphens, starting and ending with a letter or digit.
func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 || strings.Contains(b, "..") {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (c != '.' && c != '-' || i == 0 || i == len(b)-1) {
			return false
		}
	}
	return true
}
