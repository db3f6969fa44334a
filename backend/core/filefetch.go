package core

import (
	"context"
	"fmt"
)

// A synced upload's row may reach a device before its bytes: small files
// come at once, larger ones stay on the team server until someone opens
// them (SYNC.md §7). Opening one starts its download; until the bytes are
// here, what opening it gives is how far the download has got.

// File states of an upload on a syncing device.
const (
	// FileHere: the bytes are on this device.
	FileHere = "here"
	// FileDownloading: the bytes are coming from the team server.
	FileDownloading = "downloading"
	// FileOnServer: the bytes are on the team server only; opening the
	// file downloads it.
	FileOnServer = "on_server"
)

// FileFetch is how far the download of a file this device does not hold
// has got. As an error, it is what opening such a file returns instead of
// the file: the HTTP layer answers it with 202 and this body.
type FileFetch struct {
	// State is FileDownloading while the bytes come, FileHere once they
	// are all here.
	State    string `json:"state"`
	Received int64  `json:"received"`
	Size     int64  `json:"size"`
	// Retrying says why the last try failed, while the download is
	// tried again (a broken connection, say).
	Retrying string `json:"retrying,omitempty"`
}

func (f *FileFetch) Error() string {
	return fmt.Sprintf("the file is downloading (%d of %d bytes)", f.Received, f.Size)
}

// FileFetcher brings a synced upload's bytes to this device when it is
// opened (the device's sync engine).
type FileFetcher interface {
	// FetchFile starts the download of an upload's bytes, or goes on with
	// it, and says how far it has got (state here when the bytes arrived
	// since up was read). When the team server cannot be
	// reached (or the device is not connected to one) it returns
	// unavailable with a message for a person; the download is kept and
	// starts once the server answers.
	FetchFile(ctx context.Context, up *Upload) (*FileFetch, error)
	// FileProgress says how far a download under way has got; false
	// when none is (it neither starts one nor asks the server).
	FileProgress(up *Upload) (*FileFetch, bool)
}

// BytesElsewhere tells an upload whose row is here, live, but whose bytes
// are not: a synced file still on the team server.
func (u *Upload) BytesElsewhere() bool {
	return u.StoragePath == "" && u.DeletedAt == nil && u.SHA256 != "" && u.SizeBytes > 0 && u.Status != "failed"
}
