package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"sentry/backend/core"
	"sentry/sync/remote"
)

// Files move apart from their rows (SYNC.md §7): once the server has
// acknowledged an upload's row, its bytes go up in chunks; a synced
// upload's bytes come down eagerly when small, or when a notebook document
// needs them. Each transfer is a row of the store's queue, with how far it
// got, so a broken one goes on from its offset, after a restart too; one
// that fails is tried again later, backing off.

// BlobOptions are what file transfers need; with Files nil, or a store
// without a transfer queue, files do not sync.
type BlobOptions struct {
	// Files is this device's file store: the uploads' bytes.
	Files core.BlobStore
	// PartialDir keeps downloads in progress.
	PartialDir string
	// Arrived is told when bytes arrived for the uploads listed (a
	// notebook document waiting for one is then indexed).
	Arrived func(ctx context.Context, uploadIDs []string)
	// Chunk is the size files move in (default, and at most, 8 MiB).
	Chunk int64
	// EagerMax is the largest file downloaded as soon as its row arrives
	// (default EagerBlobMax); larger ones stay on the server until opened.
	EagerMax int64
}

// EagerBlobMax is the largest file downloaded as soon as its row arrives;
// larger ones come when something needs them: a notebook document to
// index, or a person opening the file (FetchFile).
const EagerBlobMax = 20 << 20

// BlobResult is what a round did with files.
type BlobResult struct {
	BlobsSent     int    `json:"blobs_sent"`
	BlobsReceived int    `json:"blobs_received"`
	BlobsPending  int    `json:"blobs_pending"`
	BlobError     string `json:"blob_error,omitempty"`
}

// BlobStatus is how many files are still to move, and how many are left
// on the server until opened (over the eager limit) with their bytes.
type BlobStatus struct {
	BlobUploadsPending   int   `json:"blob_uploads_pending"`
	BlobDownloadsPending int   `json:"blob_downloads_pending"`
	BlobsOnServer        int   `json:"blobs_on_server"`
	BlobsOnServerBytes   int64 `json:"blobs_on_server_bytes"`
}

func (e *Engine) transfers() (core.BlobTransferStore, bool) {
	ts, ok := e.o.Store.(core.BlobTransferStore)
	return ts, ok && e.o.Files.Files != nil
}

func (e *Engine) eagerMax() int64 {
	if m := e.o.Files.EagerMax; m > 0 {
		return m
	}
	return EagerBlobMax
}

func (e *Engine) chunk() int64 {
	if c := e.o.Files.Chunk; c > 0 && c <= core.SyncBlobChunk {
		return c
	}
	return core.SyncBlobChunk
}

func (e *Engine) nudgeFiles() {
	select {
	case e.blobNudge <- struct{}{}:
	default:
	}
}

func (e *Engine) fileStatus(ctx context.Context) BlobStatus {
	ts, ok := e.transfers()
	if !ok {
		return BlobStatus{}
	}
	up, down, err := ts.PendingBlobTransfers(ctx)
	if err != nil {
		e.o.Logger.Warn("sync: count file transfers", slog.Any("error", err))
	}
	n, size, err := ts.WaitingBlobDownloads(ctx)
	if err != nil {
		e.o.Logger.Warn("sync: count files left on the server", slog.Any("error", err))
	}
	return BlobStatus{BlobUploadsPending: up, BlobDownloadsPending: down, BlobsOnServer: n, BlobsOnServerBytes: size}
}

// fileLoop moves files in the background: when a push or pull may have
// made some to move, and every half minute for retries that are due.
func (e *Engine) fileLoop(ctx context.Context) {
	if _, ok := e.transfers(); !ok {
		return
	}
	t := time.NewTimer(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.blobNudge:
		case <-t.C:
		}
		if c, b, err := e.client(ctx); err == nil {
			e.moveFiles(ctx, c, b, false)
		}
		t.Reset(pushEvery)
	}
}

// moveFiles queues the transfers the rows call for and runs those due
// (every pending one when all is set: `sync now`). A failed transfer is
// kept with its offset and tried again after a back-off; it does not fail
// the round, whose rows did sync.
func (e *Engine) moveFiles(ctx context.Context, c *remote.Client, b *core.SyncBinding, all bool) BlobResult {
	var r BlobResult
	ts, ok := e.transfers()
	if !ok {
		return r
	}
	e.blobMu.Lock()
	defer e.blobMu.Unlock()
	fail := func(err error) BlobResult {
		if r.BlobError == "" {
			r.BlobError = errText(err)
		}
		up, down, cerr := ts.PendingBlobTransfers(ctx)
		if cerr == nil {
			r.BlobsPending = up + down
		}
		return r
	}
	now := e.o.Now()
	if _, err := ts.QueueBlobTransfers(ctx, b.RemoteUserID, e.eagerMax(), now); err != nil {
		return fail(err)
	}
	due := now
	if all {
		due = time.Time{}
	}
	list, err := ts.DueBlobTransfers(ctx, due, 1000)
	if err != nil {
		return fail(err)
	}
	e.opened.Store(false)
	for i := 0; i < len(list); i++ {
		// A file someone opened meanwhile goes before the rest of the
		// list (it sorts first among the due ones).
		if i > 0 && e.opened.Swap(false) {
			if again, err := ts.DueBlobTransfers(ctx, due, 1000); err == nil && len(again) > 0 {
				list, i = again, 0
			}
		}
		t := list[i]
		var err error
		if t.Direction == core.BlobUp {
			err = e.sendFile(ctx, c, ts, t)
		} else {
			err = e.fetchFile(ctx, c, ts, t)
		}
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		if err != nil {
			t.Attempts++
			t.NextAt = e.o.Now().Add(max(Backoff(t.Attempts, nil), time.Second))
			t.Error = errText(err)
			if uerr := ts.UpdateBlobTransfer(context.WithoutCancel(ctx), t); uerr != nil {
				e.o.Logger.Warn("sync: save file transfer", slog.Any("error", uerr))
			}
			fail(err)
			var se *Error
			if errors.As(err, &se) && errors.Is(se, ErrOffline) {
				break // the server is away: the rest waits too
			}
			continue
		}
		t.State, t.Error, t.Attempts, t.Offset = core.BlobDone, "", 0, t.Size
		if err := ts.UpdateBlobTransfer(ctx, t); err != nil {
			return fail(err)
		}
		if t.Direction == core.BlobUp {
			r.BlobsSent++
		} else {
			r.BlobsReceived++
		}
	}
	up, down, err := ts.PendingBlobTransfers(ctx)
	if err != nil {
		return fail(err)
	}
	r.BlobsPending = up + down
	return r
}

func errText(err error) string {
	var se *Error
	if errors.As(err, &se) {
		return se.Message
	}
	if m := core.ErrorMessage(err); core.ErrorCode(err) != core.EINTERNAL {
		return m
	}
	return "a file could not be moved on this device; see the log"
}

func blobPath(t *core.BlobTransfer) string {
	return "/api/sync/blobs/" + t.SHA256 + "?scope=" + url.QueryEscape(t.ScopeID)
}

// blobCall sends one file request with the access token (a 401 refreshes
// it once); the caller closes the answer's body. body is re-sent as is.
func (e *Engine) blobCall(ctx context.Context, c *remote.Client, method, path string, header map[string]string, body []byte) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		token, err := c.AccessToken(ctx)
		if err != nil {
			var he *remote.HTTPError
			if errors.As(err, &he) {
				return nil, e.httpError(c.Server, he.Status, he.Code, he.Message)
			}
			return nil, &Error{Kind: ErrOffline, Transient: true, Message: fmt.Sprintf("the team server at %s can't be reached", c.Server)}
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, c.Server+path, rd)
		if err != nil {
			return nil, fmt.Errorf("client: %s: %w", path, err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := e.o.HTTP.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &Error{Kind: ErrOffline, Transient: true, Message: fmt.Sprintf("the team server at %s can't be reached", c.Server)}
		}
		if res.StatusCode == http.StatusUnauthorized && attempt == 0 {
			res.Body.Close()
			c.ForgetAccessToken()
			continue
		}
		return res, nil
	}
}

// answerError reads an error answer.
func (e *Engine) answerError(c *remote.Client, res *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	var eb struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.Unmarshal(data, &eb)
	return e.httpError(c.Server, res.StatusCode, eb.Error.Code, eb.Error.Message)
}

// serverOffset asks how much of a file the server has: complete, or the
// offset to go on from.
func (e *Engine) serverOffset(ctx context.Context, c *remote.Client, t *core.BlobTransfer) (int64, bool, error) {
	res, err := e.blobCall(ctx, c, http.MethodHead, blobPath(t), nil, nil)
	if err != nil {
		return 0, false, err
	}
	res.Body.Close()
	off, perr := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
	switch {
	case res.StatusCode == http.StatusOK:
		return t.Size, true, nil
	case res.StatusCode == http.StatusNotFound && perr == nil:
		return off, false, nil
	case res.StatusCode == http.StatusNotFound:
		return 0, false, &Error{Status: 404, Transient: true, Message: "the team server does not know this file yet; it is sent once its row is there"}
	}
	return 0, false, e.httpError(c.Server, res.StatusCode, "", "")
}

// sendFile uploads a file from where the server's copy ends, a chunk at
// a time, saving the offset after each.
func (e *Engine) sendFile(ctx context.Context, c *remote.Client, ts core.BlobTransferStore, t *core.BlobTransfer) error {
	key, err := ts.LocalBlobPath(ctx, t.SHA256)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil // deleted here since: nothing to send
	} else if err != nil {
		return err
	}
	off, complete, err := e.serverOffset(ctx, c, t)
	if err != nil || complete {
		return err
	}
	f, err := e.o.Files.Files.Open(ctx, key)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, e.chunk())
	for off < t.Size {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return fmt.Errorf("client: seek %s: %w", t.SHA256, err)
		}
		n := min(int64(len(buf)), t.Size-off)
		if _, err := io.ReadFull(f, buf[:n]); err != nil {
			return core.Errorf(core.EINVALID, "This device's copy of a file is shorter than its row says; it cannot be sent.")
		}
		res, err := e.blobCall(ctx, c, http.MethodPut, blobPath(t), map[string]string{
			"Content-Range": fmt.Sprintf("bytes %d-%d/%d", off, off+n-1, t.Size), "Content-Type": "application/octet-stream"}, buf[:n])
		if err != nil {
			return err
		}
		next, perr := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
		switch {
		case res.StatusCode == http.StatusOK && perr == nil:
			io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
			res.Body.Close()
			off = next
		case res.StatusCode == http.StatusConflict && perr == nil:
			res.Body.Close()
			off = next // another request got further: go on from there
		default:
			err := e.answerError(c, res)
			res.Body.Close()
			return err
		}
		t.Offset = off
		if err := ts.UpdateBlobTransfer(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) partialPath(t *core.BlobTransfer) string {
	return filepath.Join(e.o.Files.PartialDir, t.ScopeID+"-"+t.SHA256+".part")
}

// fetchFile downloads a file into a partial file, a range at a time from
// its offset, then stores it, checks it against its hash and gives it to
// the uploads waiting for it.
func (e *Engine) fetchFile(ctx context.Context, c *remote.Client, ts core.BlobTransferStore, t *core.BlobTransfer) error {
	waiters, err := ts.BlobWaiters(ctx, t.SHA256)
	if err != nil || len(waiters) == 0 {
		return err
	}
	// The same bytes are here under another row already: copy them.
	if key, err := ts.LocalBlobPath(ctx, t.SHA256); err == nil {
		return e.attach(ctx, ts, t, waiters, func() (io.ReadCloser, error) { return e.o.Files.Files.Open(ctx, key) })
	}
	if e.o.Files.PartialDir == "" {
		return errors.New("client: no folder for downloads")
	}
	if err := os.MkdirAll(e.o.Files.PartialDir, 0o700); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	part := e.partialPath(t)
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer f.Close()
	off := t.Offset
	if fi, err := f.Stat(); err != nil {
		return fmt.Errorf("client: %w", err)
	} else if fi.Size() < off {
		off = fi.Size()
	}
	// What came after the saved offset may be half written: drop it.
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	got := e.dl.start(t, off)
	defer e.dl.end(t)
	for off < t.Size {
		end := min(off+e.chunk(), t.Size) - 1
		res, err := e.blobCall(ctx, c, http.MethodGet, blobPath(t), map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", off, end)}, nil)
		if err != nil {
			return err
		}
		switch res.StatusCode {
		case http.StatusPartialContent:
		case http.StatusOK: // the whole file: start over with it
			off = 0
			if err := f.Truncate(0); err != nil {
				res.Body.Close()
				return fmt.Errorf("client: %w", err)
			}
		default:
			err := e.answerError(c, res)
			res.Body.Close()
			if se := (*Error)(nil); errors.As(err, &se) && se.Status == http.StatusNotFound {
				se.Transient = true
				se.Message = "a file's bytes have not reached the team server yet; they come once the device that added it sends them"
			}
			return err
		}
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			res.Body.Close()
			return fmt.Errorf("client: %w", err)
		}
		got.Store(off)
		n, cerr := io.Copy(countingWriter{f, got}, io.LimitReader(res.Body, t.Size-off))
		res.Body.Close()
		off += n
		if err := f.Sync(); err != nil {
			return fmt.Errorf("client: %w", err)
		}
		t.Offset = off
		if err := ts.UpdateBlobTransfer(ctx, t); err != nil {
			return err
		}
		if cerr != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &Error{Kind: ErrOffline, Transient: true, Message: fmt.Sprintf("the connection to %s broke during a download; it goes on from %d bytes", c.Server, off)}
		}
		if n == 0 {
			return &Error{Transient: true, Message: "the team server sent no bytes of a file"}
		}
	}
	err = e.attach(ctx, ts, t, waiters, func() (io.ReadCloser, error) { return os.Open(part) })
	if err != nil && core.ErrorCode(err) == core.EINVALID {
		// Bytes that do not match their hash: start again from nothing.
		t.Offset = 0
		os.Remove(part)
		return err
	}
	if err == nil {
		f.Close()
		os.Remove(part)
	}
	return err
}

// attach stores a copy of the bytes for each upload waiting for them,
// checking the hash, and tells the app.
func (e *Engine) attach(ctx context.Context, ts core.BlobTransferStore, t *core.BlobTransfer, waiters []string, open func() (io.ReadCloser, error)) error {
	var got []string
	for _, id := range waiters {
		r, err := open()
		if err != nil {
			return err
		}
		st, err := e.o.Files.Files.Put(ctx, e.o.LocalUserID, r, t.Size)
		r.Close()
		if err != nil {
			return err
		}
		if st.SHA256 != t.SHA256 || st.Size != t.Size {
			e.removeFile(ctx, st.Path)
			return core.Errorf(core.EINVALID, "A downloaded file does not match its SHA-256; it is downloaded again.")
		}
		if err := ts.AttachBlob(ctx, id, st.Path); err != nil {
			e.removeFile(ctx, st.Path)
			if core.ErrorCode(err) == core.ECONFLICT {
				continue // it got its bytes another way meanwhile, or was deleted
			}
			return err
		}
		got = append(got, id)
	}
	if len(got) > 0 && e.o.Files.Arrived != nil {
		e.o.Files.Arrived(ctx, got)
	}
	return nil
}

func (e *Engine) removeFile(ctx context.Context, key string) {
	if err := e.o.Files.Files.Remove(context.WithoutCancel(ctx), key); err != nil {
		e.o.Logger.Warn("sync: remove a file", slog.Any("error", err))
	}
}
