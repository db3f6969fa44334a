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
//	desktopweb -data DIR -ui frontend/dist [-addr 127.0.0.1:0]
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
	"syscall"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	data := flag.String("data", "", "data folder (required; a fresh one for each run)")
	ui := flag.String("ui", "", "the built frontend (frontend/dist; required)")
	flag.Parse()
	if err := run(*addr, *data, *ui); err != nil {
		fmt.Fprintln(os.Stderr, "desktopweb:", err)
		os.Exit(1)
	}
}

func run(addr, data, ui string) error {
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
