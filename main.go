// Command sentry is Sentry AI: with no arguments (desktop build) it opens
// the desktop app; `sentry serve` runs the same API headless as a team
// server; other subcommands work on the local data from the shell.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
)

// frontendDist is the built web UI; a placeholder when it was not built.
//
//go:embed all:frontend/dist
var frontendDist embed.FS

// desktopMain is set by app.go in desktop builds (-tags desktop).
var desktopMain func(ctx context.Context, cfg config.Config, logger *slog.Logger, assets fs.FS) error

const usage = `Sentry AI — tasks, meetings and documents, on your machine.

Usage:
  sentry                      open the desktop app (desktop builds)
  sentry serve [flags]        run the API and web UI as a server
  sentry migrate [flags]      apply database migrations and exit
  sentry version              print the version
  sentry help [command]       show help

Common flags:
  --data DIR        data directory (env SENTRY_DATA_DIR; default %s)
  --config FILE     JSON configuration file (env SENTRY_CONFIG)
  --log-level L     debug, info, warn or error (env SENTRY_LOG_LEVEL)
  --log-format F    json or text (env SENTRY_LOG_FORMAT)

Run 'sentry COMMAND --help' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		if desktopMain == nil {
			fmt.Fprintf(stdout, usage, config.DefaultDataDir())
			fmt.Fprintln(stdout, "\nThis is the headless build; build the desktop app with 'make build-desktop'.")
			return 0
		}
		return runDesktopCmd(ctx, stderr, getenv)
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr, getenv)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help", "-h", "--help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr, getenv)
		}
		fmt.Fprintf(stdout, usage, config.DefaultDataDir())
		return 0
	default:
		fmt.Fprintf(stderr, "sentry: unknown command %q\n\n", args[0])
		fmt.Fprintf(stderr, usage, config.DefaultDataDir())
		return 2
	}
}

func versionString() string {
	v := app.Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		v += " " + bi.GoVersion
	}
	if desktopMain != nil {
		v += " desktop"
	}
	return "sentry " + v
}

// newFlagSet returns a flag set for a command with the common flags.
func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("sentry "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	config.RegisterFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: sentry %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// loadConfig parses args and builds a validated Config and logger.
func loadConfig(fs *flag.FlagSet, args []string, stderr io.Writer, getenv func(string) string) (config.Config, *slog.Logger, int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, nil, 0, false
		}
		return config.Config{}, nil, 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sentry: unexpected argument %q\n", fs.Arg(0))
		return config.Config{}, nil, 2, false
	}
	cfg, err := config.Load(fs, getenv)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return cfg, nil, 2, false
	}
	return cfg, newLogger(cfg, stderr), 0, true
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	hopts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	var h slog.Handler = slog.NewJSONHandler(w, hopts)
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(w, hopts)
	}
	return slog.New(h)
}

func uiFS() fs.FS {
	sub, err := fs.Sub(frontendDist, "frontend/dist")
	if err != nil {
		return nil
	}
	return sub
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("serve", "Runs the REST API, /health, /metrics and the web UI.", stderr)
	fs.String("addr", "", "listen address (env SENTRY_ADDR; default 127.0.0.1:8080)")
	fs.String("trusted-proxies", "", "comma-separated proxies allowed to set X-Forwarded-For (env SENTRY_TRUSTED_PROXIES)")
	fs.String("allowed-origins", "", "comma-separated web origins allowed to call the API (CORS; env SENTRY_ALLOWED_ORIGINS)")
	fs.String("public-url", "", "URL users reach this server at, for OAuth redirects (env SENTRY_PUBLIC_URL)")
	fs.String("rate-limit", "", "per-user API requests per second, 0 to disable (env SENTRY_RATE_LIMIT; default 50)")
	fs.String("smtp-addr", "", "SMTP server host:port for account emails (env SENTRY_SMTP_ADDR; password in SENTRY_SMTP_PASSWORD)")
	cfg, logger, code, ok := loadConfig(fs, args, stderr, getenv)
	if !ok {
		return code
	}
	slog.SetDefault(logger)
	a, err := app.New(ctx, app.Options{Config: cfg, Logger: logger, UI: uiFS()})
	if err != nil {
		logger.Error("start failed", slog.Any("error", err))
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return 1
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "sentry: listen on %s: %v (is another server running? choose another with --addr)\n", cfg.Addr, err)
		return 1
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("listening", slog.String("addr", ln.Addr().String()))
	fmt.Fprintf(stdout, "Sentry AI is serving on http://%s (data in %s)\n", ln.Addr(), cfg.DataDir)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		logger.Error("server stopped", slog.Any("error", err))
		return 1
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("shutdown", slog.Any("error", err))
	}
	return 0
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("migrate", "Applies pending database migrations and prints the schema version.", stderr)
	cfg, logger, code, ok := loadConfig(fs, args, stderr, getenv)
	if !ok {
		return code
	}
	a, err := app.New(ctx, app.Options{Config: cfg, Logger: logger})
	if err != nil {
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return 1
	}
	defer a.Close()
	v, err := a.DB.MigrationVersion(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "database %s is at schema version %d\n", cfg.DatabasePath(), v)
	return 0
}

func runDesktopCmd(ctx context.Context, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("", "Opens the desktop app.", stderr)
	cfg, logger, code, ok := loadConfig(fs, nil, stderr, getenv)
	if !ok {
		return code
	}
	cfg.Desktop = true
	slog.SetDefault(logger)
	if err := desktopMain(ctx, cfg, logger, uiFS()); err != nil {
		logger.Error("desktop app failed", slog.Any("error", err))
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return 1
	}
	return 0
}
