// Package modelmgr manages the models Settings sets up. The speech model:
// one of the known Vosk models (catalog.go) or an archive with its SHA-256,
// downloaded with progress, checked, unpacked safely (no paths leaving the
// folder, bounded sizes) and tested as a usable model — or a folder the
// user picked — and the choice remembered. The language models
// (language.go): the local model server's state, pulls with progress, and
// the models chosen for extraction, answers and embeddings.
package modelmgr

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"sentry/backend/core"
)

// Limits on downloads and archives.
const (
	MaxArchive  = 4 << 30
	MaxUnpacked = 8 << 30
	MaxEntries  = 20000
)

// Settings remembers the chosen model folder.
type Settings interface {
	GetSetting(ctx context.Context, key string) (string, error) // "" when unset
	SetSetting(ctx context.Context, key, value string) error
}

// SettingKey is where the chosen folder is stored.
const SettingKey = "speech_model_dir"

// Status is what Settings shows.
type Status struct {
	Path     string `json:"path"`
	Ready    bool   `json:"ready"`
	Problem  string `json:"problem,omitempty"`
	Download *Job   `json:"download,omitempty"`
	Default  string `json:"default_path,omitempty"`
	// Catalog are the known models to download by name.
	Catalog []KnownModel `json:"catalog"`
	// Who may change it, set by the API: Editable, download a model of
	// the list (the desktop's person, a team server's administrator);
	// Folder, also pick a folder or an address (the desktop's person
	// only); Shared, the model is a team server's, used for everyone's
	// recordings.
	Editable bool `json:"editable"`
	Folder   bool `json:"folder"`
	Shared   bool `json:"shared"`
}

// Job is a download in progress or finished.
type Job struct {
	// Model is the known model's name, when one of the list is downloading.
	Model    string    `json:"model,omitempty"`
	URL      string    `json:"url"`
	State    string    `json:"state"` // downloading, verifying, unpacking, done, failed
	Bytes    int64     `json:"bytes"`
	Total    int64     `json:"total"`
	Progress float64   `json:"progress"`
	Error    string    `json:"error,omitempty"`
	Started  time.Time `json:"started_at"`
	// SHA256 is the checksum of what arrived, once it has.
	SHA256 string `json:"sha256,omitempty"`
}

// Manager downloads and selects models.
type Manager struct {
	Dir      string // where downloaded models are unpacked (DataDir/models)
	Fallback string // the configured folder (SENTRY_VOSK_MODEL)
	Check    func(dir string) error
	Settings Settings
	HTTP     *http.Client
	// CatalogBase is where the known models' archives are
	// (DefaultCatalogBase when empty; a local server in tests).
	CatalogBase string

	mu  sync.Mutex
	job *Job
}

// Current returns the model folder in use ("" when none).
func (m *Manager) Current(ctx context.Context) string {
	if m.Settings != nil {
		if v, err := m.Settings.GetSetting(ctx, SettingKey); err == nil && v != "" {
			return v
		}
	}
	return m.Fallback
}

// Status reports the model in use and any download.
func (m *Manager) Status(ctx context.Context) Status {
	// The download is read first: a download is marked done only after
	// its folder is selected (under the same lock), so a status that says
	// done also names the folder.
	var job *Job
	m.mu.Lock()
	if m.job != nil {
		j := *m.job
		job = &j
	}
	m.mu.Unlock()
	st := Status{Path: m.Current(ctx), Default: m.Fallback, Catalog: Known, Download: job}
	if st.Path != "" {
		if err := m.Check(st.Path); err != nil {
			st.Problem = core.ErrorMessage(err)
		} else {
			st.Ready = true
		}
	} else {
		st.Problem = "No speech model yet: download one or choose a folder."
	}
	return st
}

// UseFolder selects a model folder the user picked.
func (m *Manager) UseFolder(ctx context.Context, dir string) error {
	if !filepath.IsAbs(dir) {
		return core.FieldError("path", "Choose the model folder by its full path.")
	}
	if err := m.Check(filepath.Clean(dir)); err != nil {
		return err
	}
	return m.Settings.SetSetting(ctx, SettingKey, filepath.Clean(dir))
}

// StartKnown begins downloading one of the known models by its name.
func (m *Manager) StartKnown(ctx context.Context, id string) (*Job, error) {
	k, ok := known(id)
	if !ok {
		return nil, core.FieldError("model", "Choose one of the speech models in the list.")
	}
	base := m.CatalogBase
	if base == "" {
		base = DefaultCatalogBase
	}
	u, err := url.Parse(strings.TrimSuffix(base, "/") + "/" + k.ID + ".zip")
	if err != nil {
		return nil, err
	}
	return m.start(ctx, u, k.SHA256, k)
}

// Start begins downloading url (an https .zip, or http on this machine)
// whose SHA-256 must be sha; progress shows in Status.
func (m *Manager) Start(ctx context.Context, rawURL, sha string) (*Job, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || !(u.Scheme == "https" || (u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost"))) {
		return nil, core.FieldError("url", "The model address must be an https:// link to a .zip archive.")
	}
	sha = strings.ToLower(strings.TrimSpace(sha))
	if b, err := hex.DecodeString(sha); err != nil || len(b) != sha256.Size {
		return nil, core.FieldError("sha256", "Give the archive's SHA-256 (64 hex digits) so the download can be checked.")
	}
	return m.start(ctx, u, sha, KnownModel{})
}

// start runs a download whose archive must match sha when it is given,
// and be near k.Size when that is given.
func (m *Manager) start(ctx context.Context, u *url.URL, sha string, k KnownModel) (*Job, error) {
	rawURL := u.String()
	m.mu.Lock()
	if m.job != nil && (m.job.State == "downloading" || m.job.State == "verifying" || m.job.State == "unpacking") {
		m.mu.Unlock()
		return nil, core.Errorf(core.ECONFLICT, "A model is already downloading.")
	}
	job := &Job{Model: k.ID, URL: rawURL, State: "downloading", Started: time.Now().UTC()}
	m.job = job
	first := *job
	m.mu.Unlock()
	go func() {
		dir, err := m.run(context.WithoutCancel(ctx), u.String(), sha, k.Size)
		m.mu.Lock()
		defer m.mu.Unlock()
		if err != nil {
			job.State, job.Error = "failed", core.ErrorMessage(err)
			if core.ErrorCode(err) == core.EINTERNAL {
				job.Error = "The download failed: " + err.Error()
			}
			return
		}
		if err := m.Settings.SetSetting(context.Background(), SettingKey, dir); err != nil {
			job.State, job.Error = "failed", "The model could not be selected."
			return
		}
		job.State, job.Progress = "done", 1
	}()
	return &first, nil
}

// Wait blocks until the current download ends (tests).
func (m *Manager) Wait(timeout time.Duration) Job {
	deadline := time.Now().Add(timeout)
	for {
		m.mu.Lock()
		j := *m.job
		m.mu.Unlock()
		if j.State == "done" || j.State == "failed" || time.Now().After(deadline) {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (m *Manager) set(f func(j *Job)) {
	m.mu.Lock()
	f(m.job)
	m.mu.Unlock()
}

func (m *Manager) run(ctx context.Context, rawURL, sha string, expect int64) (string, error) {
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		return "", err
	}
	client := m.HTTP
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Hour}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", err
	}
	res, err := client.Do(req)
	if err != nil {
		return "", core.Errorf(core.EINVALID, "The model could not be downloaded (%s). Check the address, or download it yourself and choose its folder.", shortErr(err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", core.Errorf(core.EINVALID, "The model server answered %s.", res.Status)
	}
	if res.ContentLength > MaxArchive {
		return "", core.Errorf(core.ETOOLARGE, "The archive is larger than %d GB.", MaxArchive>>30)
	}
	tmp, err := os.CreateTemp(m.Dir, ".download-*.zip")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	m.set(func(j *Job) { j.Total = res.ContentLength })
	h := sha256.New()
	buf := make([]byte, 256<<10)
	var n int64
	for {
		k, rerr := res.Body.Read(buf)
		if k > 0 {
			if _, err := tmp.Write(buf[:k]); err != nil {
				return "", err
			}
			h.Write(buf[:k])
			n += int64(k)
			if n > MaxArchive {
				return "", core.Errorf(core.ETOOLARGE, "The archive is larger than %d GB.", MaxArchive>>30)
			}
			m.set(func(j *Job) {
				j.Bytes = n
				if j.Total > 0 {
					j.Progress = 0.9 * float64(n) / float64(j.Total)
				}
			})
		}
		if errors.Is(rerr, io.EOF) {
			break
		} else if rerr != nil {
			return "", core.Errorf(core.EINVALID, "The download was interrupted (%s); try again.", shortErr(rerr))
		}
	}
	got := hex.EncodeToString(h.Sum(nil))
	m.set(func(j *Job) { j.State, j.SHA256 = "verifying", got })
	if sha != "" && got != sha {
		return "", core.Errorf(core.EINVALID, "The downloaded archive does not match its checksum (got %s…); it was not installed.", got[:12])
	}
	// A model of the list without a pinned checksum must at least be the
	// size the list gives (rounded there), and pass the model check below.
	if expect > 0 && (n < expect*4/5 || n > expect*5/4) {
		return "", core.Errorf(core.EINVALID, "The download is %d MB, not the %d MB the model list gives; it was not installed.", n/mb, expect/mb)
	}
	if sha == "" {
		sha = got
	}
	m.set(func(j *Job) { j.State, j.Progress = "unpacking", 0.92 })
	name := strings.TrimSuffix(filepath.Base(strings.SplitN(rawURL, "?", 2)[0]), ".zip")
	if name == "" || name == "." || strings.ContainsAny(name, `/\`) {
		name = "model"
	}
	staging, err := os.MkdirTemp(m.Dir, ".unpack-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(staging)
	if err := unzip(tmp.Name(), staging); err != nil {
		return "", err
	}
	root := modelRoot(staging)
	if err := m.Check(root); err != nil {
		return "", err
	}
	final := filepath.Join(m.Dir, name+"-"+sha[:8])
	_ = os.RemoveAll(final)
	if err := os.Rename(root, final); err != nil {
		return "", err
	}
	return final, nil
}

// modelRoot descends into a single top-level folder, as model archives have.
func modelRoot(dir string) string {
	entries, err := os.ReadDir(dir)
	if err == nil && len(entries) == 1 && entries[0].IsDir() {
		return filepath.Join(dir, entries[0].Name())
	}
	return dir
}

// unzip extracts an archive into dest, refusing entries that would land
// outside it, links, and archives beyond the size and entry limits.
func unzip(archive, dest string) error {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return core.Errorf(core.EINVALID, "The model archive is not a valid .zip file.")
	}
	defer zr.Close()
	if len(zr.File) > MaxEntries {
		return core.Errorf(core.ETOOLARGE, "The archive has more than %d files.", MaxEntries)
	}
	var total int64
	for _, f := range zr.File {
		name := filepath.FromSlash(f.Name)
		target := filepath.Join(dest, name)
		if !strings.HasPrefix(target, filepath.Clean(dest)+string(filepath.Separator)) || filepath.IsAbs(name) {
			return core.Errorf(core.EINVALID, "The archive contains a path that leaves its folder (%q); it was not installed.", f.Name)
		}
		mode := f.Mode()
		if mode&os.ModeSymlink != 0 || (!mode.IsRegular() && !mode.IsDir()) {
			return core.Errorf(core.EINVALID, "The archive contains a link or special file (%q); it was not installed.", f.Name)
		}
		if mode.IsDir() {
			if err := os.MkdirAll(target, 0o700); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return core.Errorf(core.EINVALID, "The archive is damaged (%q).", f.Name)
		}
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			rc.Close()
			return err
		}
		n, err := io.Copy(out, io.LimitReader(rc, MaxUnpacked-total+1))
		rc.Close()
		out.Close()
		if err != nil {
			return core.Errorf(core.EINVALID, "The archive is damaged (%q).", f.Name)
		}
		total += n
		if total > MaxUnpacked {
			return core.Errorf(core.ETOOLARGE, "The archive unpacks to more than %d GB.", MaxUnpacked>>30)
		}
	}
	return nil
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

var _ = fmt.Sprint
