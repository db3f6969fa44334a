// Command desktopweb puts the desktop app's backend on a loopback port for
// the browser end-to-end test of the desktop face: the same backend the
// window runs (app.New in desktop mode: the local profile signs in by
// itself, sign-ins record no address, the desktop's settings), behind the
// same order of lookups as the window's asset server — a file of the built
// frontend first, every other request to the backend's handler. The test's
// browser stands in for the window's bound calls (window.go.main.Desktop).
//
// Never shipped: the local session it serves signs anyone who can reach
// the port in, which in the window only the window can. It listens on
// 127.0.0.1 only, prints its base URL on the first line of its output, and
// runs until interrupted.
//
// With -sync it also runs the device's sync loop, as the window does once
// the folder is connected to a team server (`sentry sync connect` connects
// it from the command line): opening a synced file still on the team
// server downloads it. -sync-eager-max and -sync-chunk make the files left
// on the server, and the pieces they come in, small enough for a test, and
// -sync-file-pace spaces the pieces out as a slower network would, so a
// download's progress can be watched on a fast loopback.
//
//	desktopweb -data DIR -ui frontend/dist [-addr 127.0.0.1:0] [-sync [-sync-eager-max N] [-sync-chunk N] [-sync-file-pace D]]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/sync/client"
	"sentry/sync/wire"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	data := flag.String("data", "", "data folder (required; a fresh one for each run)")
	ui := flag.String("ui", "", "the built frontend (frontend/dist; required)")
	var so syncOptions
	flag.BoolVar(&so.on, "sync", false, "run the device's sync loop (the folder connected with `sentry sync connect`)")
	flag.Int64Var(&so.eagerMax, "sync-eager-max", 0, "largest synced file downloaded at once, in bytes (0: the app's)")
	flag.Int64Var(&so.chunk, "sync-chunk", 0, "size synced files move in, in bytes (0: the app's)")
	flag.DurationVar(&so.pace, "sync-file-pace", 0, "wait this long before each piece of a synced file is asked for")
	flag.Parse()
	if err := run(*addr, *data, *ui, so); err != nil {
		fmt.Fprintln(os.Stderr, "desktopweb:", err)
		os.Exit(1)
	}
}

// syncOptions are the -sync flags.
type syncOptions struct {
	on              bool
	eagerMax, chunk int64
	pace            time.Duration
}

// pacedFiles waits before each request for a synced file's bytes.
type pacedFiles struct {
	pace time.Duration
	next http.RoundTripper
}

func (p pacedFiles) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/api/sync/blobs/") {
		select {
		case <-time.After(p.pace):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return p.next.RoundTrip(r)
}

func run(addr, data, ui string, so syncOptions) error {
	if data == "" || ui == "" {
		return errors.New("-data and -ui are required")
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address", addr)
	}
	assets := os.DirFS(ui)
	if _, err := fs.Stat(assets, "index.html"); err != nil {
		return fmt.Errorf("%s has no index.html (build the frontend first): %w", ui, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// As runDesktopCmd and runDesktop (app.go) build it.
	cfg := config.Default()
	cfg.DataDir = data
	cfg.Desktop = true
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	backend, err := app.New(ctx, app.Options{Config: cfg, Logger: log, Desktop: true})
	if err != nil {
		return fmt.Errorf("start backend: %w", err)
	}
	defer backend.Close()
	if so.on {
		// As startDesktopSync (app_sync.go), with the secrets where
		// `sentry sync connect` keeps them.
		o, err := backend.SyncEngineOptions(ctx, nil)
		if err != nil {
			return fmt.Errorf("sync: %w", err)
		}
		if so.eagerMax > 0 {
			o.Files.EagerMax = so.eagerMax
		}
		if so.chunk > 0 {
			o.Files.Chunk = so.chunk
		}
		if so.pace > 0 {
			// The engine's own client (client.New), paced.
			o.HTTP = &http.Client{Timeout: time.Duration(wire.MaxWaitSeconds+35) * time.Second,
				Transport: pacedFiles{pace: so.pace, next: http.DefaultTransport}}
		}
		stop := backend.StartSync(context.WithoutCancel(ctx), client.New(o))
		defer stop() // before Close
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: assetsFirst(assets, backend.Handler()), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("http://%s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

// assetsFirst serves a file of the built frontend when there is one, and
// hands every other request (all of /api/…, /health) to next, like the
// window's asset server (AssetServer.Assets, then .Handler, in app.go).
func assetsFirst(assets fs.FS, next http.Handler) http.Handler {
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path[1:]
		if name == "" {
			name = "index.html"
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if st, err := fs.Stat(assets, name); err == nil && !st.IsDir() {
				files.ServeHTTP(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
