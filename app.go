//go:build desktop

// The desktop face of Sentry AI: a Wails v2 window around the same web UI and
// the same http.Handler that `sentry serve` puts on a socket.
//
// This file and main.go are the only ones that import Wails. Build with
//
//	go build -tags desktop,production,webkit2_40 -o bin/sentry-desktop .
//
// (after `npm run build` in frontend/). The webkit2_40 tag makes Wails' Linux
// asset server pass request methods, headers, status codes and bodies through
// to our handler, so the UI's fetch calls to /api/… reach the backend
// in-process, without opening a port. See docs/DESKTOP.md.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/sync/remote"
)

//go:embed build/appicon.png
var appIcon []byte

const (
	windowTitle   = "Sentry AI"
	defaultWidth  = 1200
	defaultHeight = 800
	minWidth      = 800
	minHeight     = 560
)

func init() { desktopMain = runDesktop }

// runDesktop builds the backend in desktop mode and runs the window until the
// user closes it, ctx is cancelled, or the process gets SIGTERM/SIGINT. It must
// be called on the main goroutine: GTK runs its loop on the calling thread.
func runDesktop(ctx context.Context, cfg config.Config, log *slog.Logger, assets fs.FS) error {
	if _, err := fs.Stat(assets, "index.html"); err != nil {
		return fmt.Errorf("desktop: frontend assets have no index.html (run `make frontend` before building): %w", err)
	}

	backend, err := app.New(ctx, app.Options{Config: cfg, Logger: log, Desktop: true})
	if err != nil {
		if ctx.Err() != nil {
			// Asked to stop (SIGINT/SIGTERM) while starting: not a failure.
			log.Info("desktop: stopped while starting", slog.Any("error", err))
			return nil
		}
		return fmt.Errorf("desktop: start backend: %w", err)
	}
	ds := startDesktopSync(ctx, backend, log)
	var closeOnce sync.Once
	var closeErr error
	closeBackend := func() {
		closeOnce.Do(func() {
			ds.close()
			if closeErr = backend.Close(); closeErr != nil {
				log.Error("desktop: close backend", slog.Any("error", closeErr))
			}
		})
	}
	defer closeBackend()

	d := &Desktop{log: log, cfg: cfg, statePath: filepath.Join(desktopDataDir(cfg), "window.json"), started: make(chan struct{}), sync: ds}
	state := d.loadState()

	// Quit the GTK loop when our context ends or a termination signal arrives.
	// (Wails also installs a SIGINT/SIGTERM handler that quits; beforeClose
	// lets only one of them through.)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	go func() {
		select {
		case <-stopWatch:
			return
		case <-ctx.Done():
			log.Info("desktop: context done, quitting")
		case s := <-sigs:
			log.Info("desktop: signal received, quitting", slog.String("signal", s.String()))
		}
		select {
		case <-d.started:
			d.quit()
		case <-stopWatch:
		}
	}()

	startState := options.Normal
	if state.Maximised {
		startState = options.Maximised
	}
	err = wails.Run(&options.App{
		Title:            windowTitle,
		Width:            state.Width,
		Height:           state.Height,
		MinWidth:         minWidth,
		MinHeight:        minHeight,
		WindowStartState: startState,
		BackgroundColour: options.NewRGB(255, 255, 255),
		AssetServer: &assetserver.Options{
			// Files of frontend/dist first; every other request (all of /api/…,
			// /health, /metrics) goes to the backend's handler, in-process.
			Assets:  assets,
			Handler: backend.Handler(),
		},
		Logger:             slogAdapter{log},
		LogLevel:           logger.INFO,
		LogLevelProduction: logger.WARNING,
		OnStartup:          d.startup,
		OnBeforeClose:      d.beforeClose,
		OnShutdown:         func(context.Context) { closeBackend() },
		Bind:               []interface{}{d},
		// A rejected promise carries the same {code, message} as an API error.
		ErrorFormatter: func(err error) any {
			return map[string]string{"code": core.ErrorCode(err), "message": core.ErrorMessage(err)}
		},
		Linux: &linux.Options{
			Icon: appIcon,
			// Wails sets this after GTK has named the window, so WM_CLASS
			// stays the executable's name; build/linux/sentry.desktop
			// matches that (StartupWMClass=sentry-desktop).
			ProgramName: "sentry-desktop",
			// Wails' own default when Linux options are nil: software
			// rendering, which works on every machine and under Xvfb.
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever,
		},
	})
	closeBackend()
	if err != nil {
		return fmt.Errorf("desktop: run window: %w", err)
	}
	return closeErr
}

// desktopDataDir is where the desktop keeps its own small files (window state).
func desktopDataDir(cfg config.Config) string {
	return cfg.DataDir
}

// Desktop is bound to the web UI (window.go.main.Desktop.*). It holds only what
// a web page cannot do itself; everything else goes through the REST API.
// Methods return (T, error) so the JS promise rejects with {code, message},
// like an API error; details go to the log, never to the UI.
type Desktop struct {
	log       *slog.Logger
	cfg       config.Config // where the session's message bus is
	statePath string

	ctx       context.Context // the Wails runtime context, set in startup
	started   chan struct{}
	startOnce sync.Once

	// Quitting: Wails' own SIGINT/SIGTERM handler, our signal and context
	// watcher and the close button all end in gtk_main_quit, each from a
	// goroutine. Calling it once the loop has ended crashes the process
	// (SIGSEGV seen here), and calling it before the loop runs is lost; so the
	// first request made while the loop runs quits, earlier ones wait for the
	// loop, later ones are dropped.
	mu          sync.Mutex
	loopRunning bool
	quitPending bool
	quitIssued  bool

	// picked holds the paths the user chose in a file dialog: the only
	// files ReadPickedFile reads, so a page cannot read any path it names.
	pickMu sync.Mutex
	picked map[string]bool

	// sync runs the data folder's sync with the team server (app_sync.go).
	sync *desktopSync
}

func (d *Desktop) startup(ctx context.Context) {
	d.ctx = ctx
	d.startOnce.Do(func() { close(d.started) })
	// OnStartup runs in its own goroutine, before GTK's main loop starts. This
	// call returns only once the loop has run it.
	runtime.WindowGetSize(ctx)
	d.mu.Lock()
	d.loopRunning = true
	pending := d.quitPending
	d.mu.Unlock()
	if pending {
		runtime.Quit(ctx)
	}
}

// rt returns the Wails runtime context. OnStartup runs in its own goroutine,
// so a call from the page waits for it rather than racing it.
func (d *Desktop) rt() context.Context {
	<-d.started
	return d.ctx
}

func (d *Desktop) quit() { runtime.Quit(d.rt()) }

// beforeClose is where every quit request arrives (see Desktop.mu). It saves
// the window state and lets exactly one request through to gtk_main_quit.
func (d *Desktop) beforeClose(ctx context.Context) (prevent bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.quitIssued {
		return true
	}
	if !d.loopRunning {
		d.quitPending = true
		return true
	}
	d.quitIssued = true
	d.saveState(ctx)
	return false
}

// OpenFileDialog shows the native file chooser and returns the chosen path, or
// "" when the user cancels. Each filter is "Display name|*.pdf;*.docx" or just
// "*.pdf;*.docx".
func (d *Desktop) OpenFileDialog(title string, filters []string) (string, error) {
	opts := runtime.OpenDialogOptions{Title: title}
	for _, f := range filters {
		name, pattern, ok := strings.Cut(f, "|")
		if !ok {
			name, pattern = f, f
		}
		if strings.TrimSpace(pattern) == "" {
			continue
		}
		opts.Filters = append(opts.Filters, runtime.FileFilter{DisplayName: name, Pattern: pattern})
	}
	path, err := runtime.OpenFileDialog(d.rt(), opts)
	if err != nil {
		d.log.Error("desktop: open file dialog", slog.Any("error", err))
		return "", core.Errorf(core.EINTERNAL, "The file dialog could not be opened.")
	}
	d.remember(path)
	return path, nil
}

// OpenFilesDialog is OpenFileDialog choosing several files; none when the
// user cancels.
func (d *Desktop) OpenFilesDialog(title string, filters []string) ([]string, error) {
	opts := runtime.OpenDialogOptions{Title: title}
	for _, f := range filters {
		name, pattern, ok := strings.Cut(f, "|")
		if !ok {
			name, pattern = f, f
		}
		if strings.TrimSpace(pattern) == "" {
			continue
		}
		opts.Filters = append(opts.Filters, runtime.FileFilter{DisplayName: name, Pattern: pattern})
	}
	paths, err := runtime.OpenMultipleFilesDialog(d.rt(), opts)
	if err != nil {
		d.log.Error("desktop: open files dialog", slog.Any("error", err))
		return nil, core.Errorf(core.EINTERNAL, "The file dialog could not be opened.")
	}
	for _, p := range paths {
		d.remember(p)
	}
	if paths == nil {
		paths = []string{}
	}
	return paths, nil
}

func (d *Desktop) remember(path string) {
	if path == "" {
		return
	}
	d.pickMu.Lock()
	defer d.pickMu.Unlock()
	if d.picked == nil {
		d.picked = map[string]bool{}
	}
	d.picked[path] = true
}

// maxPickedFile bounds what ReadPickedFile hands the page (the server
// applies its own, usually smaller, upload limit).
const maxPickedFile = 512 << 20

// PickedFile is a file the user chose, for the page to upload.
type PickedFile struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	Data []byte `json:"data"` // base64 in JSON
}

// ReadPickedFile returns the bytes of a file the user chose in a file
// dialog of this window; any other path is refused.
func (d *Desktop) ReadPickedFile(path string) (PickedFile, error) {
	d.pickMu.Lock()
	ok := d.picked[path]
	d.pickMu.Unlock()
	if !ok {
		return PickedFile{}, core.Errorf(core.EFORBIDDEN, "Choose the file in the file dialog first.")
	}
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return PickedFile{}, core.Errorf(core.ENOTFOUND, "The chosen file can no longer be read. Check it still exists and choose it again.")
	}
	if info.Size() > maxPickedFile {
		return PickedFile{}, core.Errorf(core.ETOOLARGE, "The chosen file is larger than %d MB.", maxPickedFile>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		d.log.Warn("desktop: read picked file", slog.Any("error", err))
		return PickedFile{}, core.Errorf(core.ENOTFOUND, "The chosen file could not be read. Check you may open it and choose it again.")
	}
	return PickedFile{Name: filepath.Base(path), Size: int64(len(data)), Data: data}, nil
}

// Notify shows a desktop notification through the freedesktop notification
// service on the session bus. Best effort: without a notification daemon it
// returns an error that the UI may ignore.
func (d *Desktop) Notify(title, body string) error {
	// Without a session bus, the bus library would try to start one: don't.
	if !d.cfg.HasSessionBus() {
		return core.Errorf(core.EINTERNAL, "Notifications are not available.")
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		d.log.Warn("desktop: notify: no session bus", slog.Any("error", err))
		return core.Errorf(core.EINTERNAL, "Notifications are not available.")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	obj := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
	call := obj.CallWithContext(ctx, "org.freedesktop.Notifications.Notify", 0,
		windowTitle, uint32(0), "", title, body, []string{}, map[string]dbus.Variant{}, int32(-1))
	if call.Err != nil {
		d.log.Warn("desktop: notify", slog.Any("error", call.Err))
		return core.Errorf(core.EINTERNAL, "Notifications are not available.")
	}
	return nil
}

// OpenURL opens an http(s) address in the system browser (used for OAuth
// sign-in and links). Other schemes are refused so a page cannot launch
// arbitrary handlers.
func (d *Desktop) OpenURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return core.Errorf(core.EINVALID, "Only http and https addresses can be opened.")
	}
	runtime.BrowserOpenURL(d.rt(), u.String())
	return nil
}

// WindowState is the window's size and whether it is maximised; it is saved
// when the window closes and restored at the next start.
type WindowState struct {
	Width     int  `json:"width"`
	Height    int  `json:"height"`
	Maximised bool `json:"maximised"`
}

// WindowState reports the window's current size and state.
func (d *Desktop) WindowState() (WindowState, error) {
	ctx := d.rt()
	w, h := runtime.WindowGetSize(ctx)
	return WindowState{Width: w, Height: h, Maximised: runtime.WindowIsMaximised(ctx)}, nil
}

// ToggleMaximise maximises the window, or restores it when it is maximised.
func (d *Desktop) ToggleMaximise() error {
	runtime.WindowToggleMaximise(d.rt())
	return nil
}

func (d *Desktop) loadState() WindowState {
	s := WindowState{Width: defaultWidth, Height: defaultHeight}
	b, err := os.ReadFile(d.statePath)
	if err != nil {
		return s
	}
	var saved WindowState
	if err := json.Unmarshal(b, &saved); err != nil {
		d.log.Warn("desktop: ignoring unreadable window state", slog.String("path", d.statePath), slog.Any("error", err))
		return s
	}
	if saved.Width >= minWidth && saved.Width <= 10000 && saved.Height >= minHeight && saved.Height <= 10000 {
		s.Width, s.Height = saved.Width, saved.Height
	}
	s.Maximised = saved.Maximised
	return s
}

func (d *Desktop) saveState(ctx context.Context) {
	s := WindowState{Maximised: runtime.WindowIsMaximised(ctx)}
	if !s.Maximised {
		s.Width, s.Height = runtime.WindowGetSize(ctx)
	} else {
		// Keep the last normal size so un-maximising next time restores it.
		prev := d.loadState()
		s.Width, s.Height = prev.Width, prev.Height
	}
	b, _ := json.Marshal(s)
	if err := os.MkdirAll(filepath.Dir(d.statePath), 0o700); err != nil {
		d.log.Warn("desktop: save window state", slog.Any("error", err))
		return
	}
	tmp := d.statePath + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err == nil {
		err = os.Rename(tmp, d.statePath)
		if err != nil {
			d.log.Warn("desktop: save window state", slog.Any("error", err))
		}
	} else {
		d.log.Warn("desktop: save window state", slog.Any("error", err))
	}
}

// slogAdapter sends Wails' own log lines to our structured logger.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Print(m string)   { a.l.Info(m, slog.String("component", "wails")) }
func (a slogAdapter) Trace(m string)   { a.l.Debug(m, slog.String("component", "wails")) }
func (a slogAdapter) Debug(m string)   { a.l.Debug(m, slog.String("component", "wails")) }
func (a slogAdapter) Info(m string)    { a.l.Info(m, slog.String("component", "wails")) }
func (a slogAdapter) Warning(m string) { a.l.Warn(m, slog.String("component", "wails")) }
func (a slogAdapter) Error(m string)   { a.l.Error(m, slog.String("component", "wails")) }
func (a slogAdapter) Fatal(m string) {
	a.l.Error(m, slog.String("component", "wails"), slog.Bool("fatal", true))
	os.Exit(1)
}

// teamServerFile remembers which team server the app is connected to (the
// refresh token itself is in the OS keyring).
func (d *Desktop) teamServerFile() string {
	return filepath.Join(filepath.Dir(d.statePath), "team-server.json")
}

// TeamServer is the connection state shown in Settings.
type TeamServer struct {
	Server    string `json:"server"`
	Connected bool   `json:"connected"`
	UserID    string `json:"user_id,omitempty"`
	Message   string `json:"message,omitempty"`
}

// ConnectTeamServer signs in to a team server in the system browser
// (loopback redirect + PKCE). provider is "", "google", "apple" or
// "facebook". Only the refresh token is kept, in the OS keyring.
func (d *Desktop) ConnectTeamServer(server, provider string) (TeamServer, error) {
	c, err := remote.New(server, remote.OSKeyring{})
	if err != nil {
		return TeamServer{}, core.FieldError("server", "%s", strings.TrimPrefix(err.Error(), "remote: "))
	}
	ctx, cancel := context.WithTimeout(d.rt(), 6*time.Minute)
	defer cancel()
	open := func(u string) error { runtime.BrowserOpenURL(d.rt(), u); return nil }
	if err := c.Connect(ctx, open, remote.ConnectOptions{Provider: provider}); err != nil {
		d.log.Warn("desktop: connect to team server", slog.String("server", c.Server), slog.Any("error", err))
		if errors.Is(err, remote.ErrNoKeyring) {
			return TeamServer{}, core.Errorf(core.EINVALID, "%s", err.Error())
		}
		return TeamServer{}, core.Errorf(core.EINVALID, "%s", strings.TrimPrefix(err.Error(), "remote: "))
	}
	b, _ := json.Marshal(map[string]string{"server": c.Server})
	if err := os.WriteFile(d.teamServerFile(), b, 0o600); err != nil {
		d.log.Error("desktop: remember team server", slog.Any("error", err))
	}
	d.sync.attach(ctx, c.Server)
	return TeamServer{Server: c.Server, Connected: true, UserID: c.UserID}, nil
}

// TeamServerStatus says whether the app is connected and still signed in.
func (d *Desktop) TeamServerStatus() (TeamServer, error) {
	b, err := os.ReadFile(d.teamServerFile())
	if err != nil {
		return TeamServer{}, nil
	}
	var f struct{ Server string }
	if json.Unmarshal(b, &f) != nil || f.Server == "" {
		return TeamServer{}, nil
	}
	c, err := remote.New(f.Server, remote.OSKeyring{})
	if err != nil {
		return TeamServer{Server: f.Server, Message: err.Error()}, nil
	}
	ctx, cancel := context.WithTimeout(d.rt(), 15*time.Second)
	defer cancel()
	if _, err := c.AccessToken(ctx); err != nil {
		return TeamServer{Server: f.Server, Message: strings.TrimPrefix(err.Error(), "remote: ")}, nil
	}
	return TeamServer{Server: f.Server, Connected: true, UserID: c.UserID}, nil
}

// DisconnectTeamServer signs the app out of its team server.
func (d *Desktop) DisconnectTeamServer() error {
	b, err := os.ReadFile(d.teamServerFile())
	if err != nil {
		return nil
	}
	var f struct{ Server string }
	_ = json.Unmarshal(b, &f)
	if c, err := remote.New(f.Server, remote.OSKeyring{}); err == nil {
		ctx, cancel := context.WithTimeout(d.rt(), 15*time.Second)
		defer cancel()
		if err := c.Disconnect(ctx); err != nil {
			d.log.Warn("desktop: disconnect", slog.Any("error", err))
		}
		d.sync.forget(ctx)
	}
	return os.Remove(d.teamServerFile())
}
