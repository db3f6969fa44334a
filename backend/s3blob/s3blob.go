// Package s3blob stores users' files in a bucket of an S3-compatible
// object store, so that several servers share them. Keys are the disk
// store's (<user id>/<xx>/<random>), under an optional prefix; files are
// hashed as they stream in, a part at a time, and read back in ranges.
package s3blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"sentry/backend/core"
)

// Options say where the bucket is and how to sign in to it.
type Options struct {
	// Endpoint is the store's address: http://host:port or https://host.
	Endpoint string
	Bucket   string
	// Prefix is put before every key ("" or a path ending in "/"), so one
	// bucket can hold several installations' files.
	Prefix string
	// Region is signed into requests (default us-east-1).
	Region               string
	AccessKey, SecretKey string
	// PartSize is how much of a file is held in memory while it is
	// written: a file larger than that goes up in parts of this size
	// (default DefaultPartSize; at least 5 MiB).
	PartSize int64
}

// DefaultPartSize is the part size of multipart writes.
const DefaultPartSize = 8 << 20

const minPartSize = 5 << 20

// Store is a bucket of files.
type Store struct {
	client   *minio.Client
	core     minio.Core
	bucket   string
	prefix   string
	partSize int64
	buffers  sync.Pool
}

var _ core.BlobStore = (*Store)(nil)

// Open returns the store of a bucket and checks that the bucket can be
// reached and exists.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// New returns the store of a bucket without reaching it.
func New(opts Options) (*Store, error) {
	u, err := url.Parse(opts.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, errors.New("s3blob: the endpoint must be http://host:port or https://host")
	}
	if err := s3utils.CheckValidBucketNameStrict(opts.Bucket); err != nil {
		return nil, fmt.Errorf("s3blob: bucket %q: %w", opts.Bucket, err)
	}
	if opts.Prefix != "" && !strings.HasSuffix(opts.Prefix, "/") {
		opts.Prefix += "/"
	}
	if opts.PartSize == 0 {
		opts.PartSize = DefaultPartSize
	}
	if opts.PartSize < minPartSize {
		return nil, fmt.Errorf("s3blob: part size %d is below the minimum of %d", opts.PartSize, minPartSize)
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:      credentials.NewStaticV4(opts.AccessKey, opts.SecretKey, ""),
		Secure:     u.Scheme == "https",
		Region:     opts.Region,
		MaxRetries: 3, // a store that is down answers unavailable soon
	})
	if err != nil {
		return nil, fmt.Errorf("s3blob: %w", err)
	}
	s := &Store{client: client, core: minio.Core{Client: client}, bucket: opts.Bucket, prefix: opts.Prefix, partSize: opts.PartSize}
	s.buffers.New = func() any { b := make([]byte, s.partSize); return &b }
	return s, nil
}

// Ping checks that the bucket can be reached and exists.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3blob: %w", oneLine(err))
	}
	if !ok {
		return fmt.Errorf("s3blob: bucket %q does not exist", s.bucket)
	}
	return nil
}

// Put streams r into a new object: at most one part in memory, hashed on
// the way. A file that fits in one part is one request; a larger one is
// a multipart upload, aborted on any error so nothing is left behind.
func (s *Store) Put(ctx context.Context, userID string, r io.Reader, maxBytes int64) (*core.StoredBlob, error) {
	key, err := core.NewBlobKey(userID)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("s3blob: put: %w", err)
	}
	h := sha256.New()
	src := &source{r: r, max: maxBytes}
	bp := s.buffers.Get().(*[]byte)
	defer s.buffers.Put(bp)
	buf := *bp
	n, err := readPart(src, buf)
	if err != nil {
		return nil, src.fail(err)
	}
	head := bytes.Clone(buf[:min(n, core.BlobHeadSize)])
	h.Write(buf[:n])
	obj := s.prefix + key
	if n < len(buf) {
		// The whole file is in the buffer.
		if _, err := s.client.PutObject(ctx, s.bucket, obj, bytes.NewReader(buf[:n]), int64(n),
			minio.PutObjectOptions{ContentType: "application/octet-stream", DisableMultipart: true}); err != nil {
			return nil, classify("put", err)
		}
		return &core.StoredBlob{Path: key, Size: int64(n), SHA256: hex.EncodeToString(h.Sum(nil)), Head: head}, nil
	}
	size, err := s.putParts(ctx, obj, src, buf, h)
	if err != nil {
		return nil, err
	}
	return &core.StoredBlob{Path: key, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), Head: head}, nil
}

// putParts writes the full first part in buf, then the rest of src, as
// a multipart upload.
func (s *Store) putParts(ctx context.Context, obj string, src *source, buf []byte, h io.Writer) (size int64, err error) {
	id, err := s.core.NewMultipartUpload(ctx, s.bucket, obj, minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return 0, classify("put", err)
	}
	defer func() {
		if err != nil {
			// Not the request's context: a canceled upload is cleaned up too.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			_ = s.core.AbortMultipartUpload(actx, s.bucket, obj, id)
		}
	}()
	var parts []minio.CompletePart
	n := len(buf)
	for number := 1; ; number++ {
		p, err := s.core.PutObjectPart(ctx, s.bucket, obj, id, number, bytes.NewReader(buf[:n]), int64(n), minio.PutObjectPartOptions{})
		if err != nil {
			return 0, classify("put part", err)
		}
		parts = append(parts, minio.CompletePart{PartNumber: number, ETag: p.ETag})
		size += int64(n)
		if n < len(buf) {
			break
		}
		if n, err = readPart(src, buf); err != nil {
			return 0, src.fail(err)
		}
		if n == 0 {
			break
		}
		h.Write(buf[:n])
	}
	if _, err := s.core.CompleteMultipartUpload(ctx, s.bucket, obj, id, parts, minio.PutObjectOptions{}); err != nil {
		return 0, classify("complete", err)
	}
	return size, nil
}

// readPart fills buf from r; a short count means r ended.
func readPart(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	return n, err
}

var errTooLarge = errors.New("s3blob: over the limit")

// source is the stream being stored: it refuses to go past max, and
// keeps its own failure apart from the store's.
type source struct {
	r    io.Reader
	max  int64
	read int64
}

func (s *source) Read(p []byte) (int, error) {
	if s.read > s.max {
		return 0, errTooLarge
	}
	// Read at most one byte past the limit, to see that it was passed.
	if room := s.max + 1 - s.read; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := s.r.Read(p)
	s.read += int64(n)
	if s.read > s.max {
		return n, errTooLarge
	}
	return n, err
}

func (s *source) fail(err error) error {
	if errors.Is(err, errTooLarge) {
		return core.Errorf(core.ETOOLARGE, "The file is larger than the limit of %d MB.", s.max>>20)
	}
	// The caller's stream failed (e.g. a client's body broke off); its
	// error keeps its code.
	return fmt.Errorf("s3blob: read: %w", err)
}

// Read returns a whole object (bounded by max).
func (s *Store) Read(ctx context.Context, key string, max int64) ([]byte, error) {
	f, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, classify("read", err)
	}
	if int64(len(b)) > max {
		return nil, core.Errorf(core.ETOOLARGE, "The stored file is larger than %d MB.", max>>20)
	}
	return b, nil
}

// Open returns an object to stream: read as it is sent, each seek a new
// ranged request, never whole in memory.
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if !core.ValidBlobKey(key) {
		return nil, fmt.Errorf("s3blob: bad key %q", key)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, classify("open", err)
	}
	// The request goes out here: a missing object is not_found now, not
	// at the first read.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, classify("open", err)
	}
	return &object{obj}, nil
}

// object turns the store's failures while reading into codes.
type object struct{ *minio.Object }

func (o *object) Read(p []byte) (int, error) {
	n, err := o.Object.Read(p)
	if err != nil && err != io.EOF {
		err = classify("read", err)
	}
	return n, err
}

func (o *object) Seek(off int64, whence int) (int64, error) {
	n, err := o.Object.Seek(off, whence)
	if err != nil && err != io.EOF {
		err = classify("seek", err)
	}
	return n, err
}

// Remove deletes an object; a missing one is not an error.
func (s *Store) Remove(ctx context.Context, key string) error {
	if !core.ValidBlobKey(key) {
		return fmt.Errorf("s3blob: bad key %q", key)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{}); err != nil && code(err) != minio.NoSuchKey {
		return classify("remove", err)
	}
	return nil
}

// RemoveUser deletes every object under the user's prefix, and any
// multipart upload of theirs left unfinished.
func (s *Store) RemoveUser(ctx context.Context, userID string) error {
	if !core.ValidBlobOwner(userID) {
		return fmt.Errorf("s3blob: refusing to remove the files of user id %q", userID)
	}
	prefix := s.prefix + userID + "/"
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var listErr error
	keys := make(chan minio.ObjectInfo)
	go func() {
		defer close(keys)
		for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if o.Err != nil {
				listErr = o.Err
				return
			}
			select {
			case keys <- o:
			case <-ctx.Done():
				return
			}
		}
	}()
	var first error
	for e := range s.client.RemoveObjects(ctx, s.bucket, keys, minio.RemoveObjectsOptions{}) {
		if first == nil && code(e.Err) != minio.NoSuchKey {
			first = e.Err
		}
	}
	if listErr != nil {
		return classify("list", listErr)
	}
	if first != nil {
		return classify("remove", first)
	}
	for u := range s.client.ListIncompleteUploads(ctx, s.bucket, prefix, true) {
		if u.Err != nil {
			return classify("list uploads", u.Err)
		}
		if err := s.core.AbortMultipartUpload(ctx, s.bucket, u.Key, u.UploadID); err != nil && code(err) != minio.NoSuchUpload {
			return classify("abort upload", err)
		}
	}
	return nil
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return minio.ToErrorResponse(err).Code
}

// classify gives the store's errors their codes: a missing object is
// not_found; a store that cannot be reached, or says it is busy or down,
// is unavailable (the same request may pass later). Anything else (a
// refused signature, a missing bucket) is the operator's to fix and stays
// internal.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("s3blob: %s: %w", op, err)
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == minio.NoSuchKey:
		return core.Errorf(core.ENOTFOUND, "The stored file is missing.")
	case resp.StatusCode == http.StatusServiceUnavailable, resp.StatusCode == http.StatusInternalServerError,
		resp.StatusCode == http.StatusBadGateway, resp.StatusCode == http.StatusGatewayTimeout, resp.Code == "SlowDown":
		return unavailable(op, err)
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return unavailable(op, err)
	}
	return fmt.Errorf("s3blob: %s: %w", op, err)
}

func unavailable(op string, err error) error {
	return fmt.Errorf("s3blob: %s: %w", op, errors.Join(&core.Error{Code: core.EUNAVAILABLE, RetryAfter: 5 * time.Second,
		Message: "The file store cannot be reached right now. Try again shortly."}, err))
}

// oneLine keeps an error's text on one line, for the start-up message.
func oneLine(err error) error {
	if msg := err.Error(); strings.ContainsAny(msg, "\r\n") {
		return errors.New(strings.Join(strings.Fields(msg), " "))
	}
	return err
}
