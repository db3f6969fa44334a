package client

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"sentry/backend/core"
)

// Download on open (SYNC.md §7): a synced file over the eager limit stays
// on the team server until someone opens it. Opening it makes its
// download eager and first in line, and the file loop fetches it the way
// it fetches small files — in chunks, from its saved offset, over
// restarts. Until the bytes are here, opening it again says how far the
// download has got.

var _ core.FileFetcher = (*Engine)(nil)

// downloads are the downloads under way, by scope and hash, with the bytes
// received so far (counted as they arrive, not only per chunk).
type downloads struct {
	mu  sync.Mutex
	got map[string]*atomic.Int64
}

func (d *downloads) start(t *core.BlobTransfer, off int64) *atomic.Int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.got == nil {
		d.got = map[string]*atomic.Int64{}
	}
	n := &atomic.Int64{}
	n.Store(off)
	d.got[t.SHA256] = n
	return n
}

func (d *downloads) end(t *core.BlobTransfer) {
	d.mu.Lock()
	delete(d.got, t.SHA256)
	d.mu.Unlock()
}

func (d *downloads) progress(sha string) (int64, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if n, ok := d.got[sha]; ok {
		return n.Load(), true
	}
	return 0, false
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// FileProgress says how far the download of an upload's bytes under way
// has got; false when none is running on this device.
func (e *Engine) FileProgress(up *core.Upload) (*core.FileFetch, bool) {
	n, ok := e.dl.progress(up.SHA256)
	if !ok {
		return nil, false
	}
	return &core.FileFetch{State: core.FileDownloading, Received: min(n, up.SizeBytes), Size: up.SizeBytes}, true
}

// FetchFile starts the download of a synced upload's bytes that are not on
// this device, or reports the one under way (state here when they arrived
// meanwhile). The server is asked first
// whether it has the whole file, so that an open while offline says so at
// once; the download is kept eager either way, and goes as soon as the
// server answers (the background loop, or the next `sync now`).
func (e *Engine) FetchFile(ctx context.Context, up *core.Upload) (*core.FileFetch, error) {
	if p, ok := e.FileProgress(up); ok {
		return p, nil
	}
	ts, ok := e.transfers()
	if !ok {
		return nil, core.Errorf(core.EUNAVAILABLE, "This file is on the team server, and this device does not sync files.")
	}
	c, b, err := e.client(ctx)
	if errors.Is(err, ErrNotConnected) {
		return nil, core.Errorf(core.EUNAVAILABLE, "This file is on the team server; it downloads once this device is connected to it (Settings → Team server).")
	} else if err != nil {
		return nil, e.unreachable(err)
	}
	t, err := ts.WantBlobDownload(ctx, b.RemoteUserID, up.SHA256, up.SizeBytes, e.o.Now())
	if core.ErrorCode(err) == core.ENOTFOUND {
		// The bytes arrived since the row was read.
		return &core.FileFetch{State: core.FileHere, Received: up.SizeBytes, Size: up.SizeBytes}, nil
	} else if err != nil {
		return nil, err
	}
	_, complete, err := e.serverOffset(ctx, c, t)
	if err != nil {
		return nil, e.unreachable(err)
	}
	if !complete {
		return nil, core.Errorf(core.EUNAVAILABLE, "This file has not reached the team server yet; it downloads once the device that added it has sent it.")
	}
	e.opened.Store(true)
	e.nudgeFiles()
	p := &core.FileFetch{State: core.FileDownloading, Received: min(t.Offset, up.SizeBytes), Size: up.SizeBytes}
	if t.Attempts > 0 {
		p.Retrying = t.Error
	}
	return p, nil
}

// unreachable is the error of an open that could not reach the server.
func (e *Engine) unreachable(err error) error {
	var se *Error
	if !errors.As(err, &se) {
		return err
	}
	if errors.Is(se, ErrOffline) {
		return core.Errorf(core.EUNAVAILABLE, "This file is on the team server and downloads when this device is connected: %s.", se.Message)
	}
	if se.Status == 404 {
		return core.Errorf(core.EUNAVAILABLE, "This file has not reached the team server yet; it downloads once the device that added it has sent it.")
	}
	if se.Status == 401 || se.Status == 403 {
		return core.Errorf(core.EUNAVAILABLE, "This file is on the team server; sign in to it again to download it (%s).", se.Message)
	}
	return core.Errorf(core.EUNAVAILABLE, "This file is on the team server and could not be downloaded: %s", se.Message)
}
