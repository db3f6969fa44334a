// Package app is the composition root: it wires configuration to stores,
// features and the HTTP handler. The command line, the server and the
// desktop shell all start Sentry through it.
package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sentry/backend/activity"
	"sentry/backend/audio"
	"sentry/backend/auth"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/event"
	"sentry/backend/extract"
	"sentry/backend/httpapi"
	"sentry/backend/ingest"
	"sentry/backend/integrations"
	"sentry/backend/jobs"
	"sentry/backend/mail"
	"sentry/backend/modelmgr"
	"sentry/backend/notebook"
	"sentry/backend/ollama"
	"sentry/backend/postgres"
	"sentry/backend/ratelimit"
	"sentry/backend/sqlite"
	"sentry/backend/syncsvc"
	"sentry/backend/task"
	"sentry/backend/team"
	"sentry/backend/tesseract"
	"sentry/backend/upload"
	"sentry/backend/vosk"
	"sentry/backend/workload"
	"sentry/sync/hlc"
)

// Version is set at build time with -ldflags "-X sentry/backend/app.Version=…".
var Version = "dev"

// Options configure New.
type Options struct {
	Config config.Config
	Logger *slog.Logger
	// Desktop signs the local profile in automatically.
	Desktop bool
	// UI is the built frontend, served at / when set.
	UI fs.FS
	// BcryptCost overrides Config.BcryptCost (tests only; below 12 is not
	// allowed by config validation).
	BcryptCost int
	// Mailer replaces the configured one; SMTPTLS configures STARTTLS
	// (e.g. a private CA).
	Mailer  core.Mailer
	SMTPTLS *tls.Config
	// AuthFailures replaces the default auth throttle (tests).
	AuthFailures ratelimit.Throttle
	// Now is the clock of sign-in and sessions (tests; time.Now when nil).
	Now func() time.Time
}

// App is a running Sentry backend.
type App struct {
	// Store is the database every feature works on.
	Store core.Stores
	// DB is the SQLite store (nil on PostgreSQL), PG the PostgreSQL one
	// (nil on SQLite), for what exists on one of them only.
	DB    *sqlite.DB
	PG    *postgres.DB
	Auth  *auth.Service
	Tasks *task.Service
	// Teams is nil on a store without teams.
	Teams *team.Service
	// Sync is the sync server (/api/sync).
	Sync *syncsvc.Service
	// SyncBlobs serves synced files' bytes (nil on a store that does not
	// sync).
	SyncBlobs *syncsvc.Blobs
	Events    *event.Bus
	Clock     *hlc.Clock
	Config    config.Config

	Extract *extract.Service
	// Jobs runs extraction and notebook indexing (backend/jobs).
	Jobs    jobs.Queue
	Uploads *upload.Service
	Models  *modelmgr.Manager
	// LanguageModels is Settings → Models: the local model server and the
	// models chosen for extraction, answers and embeddings.
	LanguageModels *modelmgr.LanguageModels
	// Ingest reads uploads into positioned text for extraction and
	// notebooks, with the engines wired here.
	Ingest *ingest.Reader
	// Notebooks is chat with your documents.
	Notebooks *notebook.Service
	// Integrations syncs Google Tasks, Google Calendar and Zoom.
	Integrations     *integrations.Service
	stopIntegrations func()
	// Workload is profiles, workload, burnout and recommendations.
	Workload *workload.Service
	recalc   *workload.Recalculator

	logger    *slog.Logger
	server    *httpapi.Server
	stopBG    context.CancelFunc
	closeOnce sync.Once
	localMu   sync.Mutex
}

// New opens the database (migrating it) and wires every feature.
func New(ctx context.Context, opts Options) (*App, error) {
	cfg := opts.Config
	cfg.Desktop = cfg.Desktop || opts.Desktop
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: create data dir %s: %w", cfg.DataDir, err)
	}
	clock := hlc.New(nil)
	db, sqlDB, pgDB, err := OpenStore(ctx, cfg, logger, clock)
	if err != nil {
		return nil, err
	}
	blobs, blobsHealth, err := openBlobs(ctx, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	var secret []byte
	switch {
	case cfg.Desktop:
		secret, err = desktopSecret(cfg, logger)
	case pgDB != nil:
		secret, err = sharedSecret(ctx, cfg, pgDB)
	default:
		secret, err = loadSecret(cfg)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	cost := cfg.BcryptCost
	if opts.BcryptCost != 0 {
		cost = opts.BcryptCost
	}
	var mailer core.Mailer = &mail.Outbox{Dir: filepath.Join(cfg.DataDir, "outbox"), From: cfg.SMTPFrom, Logger: logger}
	if cfg.SMTPAddr != "" {
		mailer = &mail.SMTP{Addr: cfg.SMTPAddr, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: opts.SMTPTLS}
	}
	if opts.Mailer != nil {
		mailer = opts.Mailer
	}
	authSvc, err := auth.NewService(db, auth.Options{Secret: secret, AccessTTL: cfg.AccessTTL, BcryptCost: cost, Logger: logger,
		Accounts: db, Mailer: mailer, Now: opts.Now})
	if err != nil {
		db.Close()
		return nil, err
	}
	providers, providerProblems := oauthProviders(ctx, cfg, logger)
	authSvc.SetOAuthProviders(cfg.PublicURL, providers...)
	authSvc.OnDeleteUser = append(authSvc.OnDeleteUser, func(ctx context.Context, userID string) error {
		return blobs.RemoveUser(ctx, userID)
	})
	bus := event.NewBus(logger)
	a := &App{Store: db, DB: sqlDB, PG: pgDB, Auth: authSvc, Events: bus, Clock: clock, Config: cfg, logger: logger,
		Tasks: task.NewService(db, bus, logger)}
	if ts, ok := db.(core.TeamStore); ok {
		a.Teams = team.NewService(ts, db)
		a.Tasks.Teams = a.Teams
		if m, ok := db.(interface {
			MirroredTeam(ctx context.Context, teamID string) (bool, error)
		}); ok {
			a.Tasks.Mirrors = m
		}
		if ss, ok := db.(core.SyncServerStore); ok {
			a.Sync = syncsvc.NewService(ss, ts, clock, opts.Now)
			// Other servers may write the same PostgreSQL database: a
			// waiting pull looks at it every second too.
			a.Sync.Poll = pgDB != nil
			bus.Subscribe("sync", func(context.Context, core.Event) { a.Sync.Wake() })
		}
	}
	if a.Integrations, a.stopIntegrations, err = newIntegrations(cfg, db, a.Tasks, secret, logger); err != nil {
		a.Close()
		return nil, err
	}

	engines := Engines()
	var llm *ollama.Extractor
	a.LanguageModels = &modelmgr.LanguageModels{Settings: db, Defaults: modelmgr.Choice{Extraction: cfg.OllamaModel, Answers: cfg.OllamaModel, Embeddings: cfg.EmbedModel}}
	if a.LanguageModels.Defaults.Embeddings == "" {
		a.LanguageModels.Defaults.Embeddings = config.DefaultEmbedModel
	}
	if cfg.OllamaHost != "" {
		client, err := ollama.New(cfg.OllamaHost, nil)
		if err != nil {
			a.Close()
			return nil, err
		}
		// The features ask at each use which model was chosen in Settings → Models.
		llm = &ollama.Extractor{Client: client, Model: cfg.OllamaModel,
			Choose: func(ctx context.Context) string { return a.LanguageModels.Chosen(ctx).Extraction }}
		a.LanguageModels.Server, a.LanguageModels.OnChange = client, llm.Forget
		engines = append([]core.TaskExtractor{llm}, engines...)
	}
	a.Uploads = upload.NewService(db, blobs, ingest.Detect, logger)
	if cfg.MaxUploadMB > 0 {
		a.Uploads.MaxBytes = cfg.MaxUploadMB << 20
	}
	if cfg.QuotaMB > 0 {
		a.Uploads.QuotaBytes = cfg.QuotaMB << 20
	}
	a.Models = &modelmgr.Manager{Dir: filepath.Join(cfg.DataDir, "models"), Fallback: cfg.VoskModel, Check: vosk.CheckModel, Settings: db}
	var describe core.ImageDescriber
	if llm != nil {
		describe = &ollama.Describer{Client: llm.Client, Model: cfg.VisionModel}
	}
	a.Ingest = newReader(a.Models.Current, describe)
	a.Extract = extract.NewService(db, a.Tasks, engines, extract.ReadUploads(a.Uploads, a.Ingest), logger)
	a.Extract.Shared = a.PG != nil // other servers may work the same runs
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stopBG = stop
	a.Notebooks = newNotebooks(ctx, a, llm, logger)
	if a.SyncBlobs = a.syncBlobs(blobs); a.SyncBlobs != nil && opts.Now != nil {
		a.SyncBlobs.Now = opts.Now
	}
	if err := a.startJobs(bg); err != nil {
		stop()
		a.Close()
		return nil, err
	}
	a.Workload, a.recalc = newWorkload(a, llm, logger)
	if cfg.Desktop {
		if _, err := a.LocalUser(ctx); err != nil {
			a.Close()
			return nil, err
		}
	}
	proxies, _ := cfg.TrustedPrefixes()
	reg := prometheus.NewRegistry()
	var apiLimit ratelimit.Limiter // per user; shared by every server on PostgreSQL
	switch {
	case cfg.RateLimit <= 0 || cfg.Desktop:
	case pgDB != nil:
		apiLimit = ratelimit.NewSharedBuckets(pgDB, cfg.RateLimit, cfg.RateBurst, logger)
	default:
		apiLimit = ratelimit.NewBuckets(cfg.RateLimit, cfg.RateBurst)
	}
	var attempts core.AttemptStore // the auth throttle's counts, shared on PostgreSQL
	var classify func(error) error
	if pgDB != nil {
		attempts, classify = pgDB, postgres.Unavailable
	}
	a.server = httpapi.NewServer(httpapi.Deps{
		APILimit: apiLimit, AuthFailures: opts.AuthFailures, Attempts: attempts, Classify: classify, AllowedOrigins: cfg.AllowedOrigins,
		Auth: authSvc, Tasks: a.Tasks, Extract: a.Extract, Uploads: a.Uploads, Models: a.Models, LanguageModels: a.LanguageModels, Notebooks: a.Notebooks, Integrations: a.Integrations, Workload: a.Workload, KindClass: ingest.Class, Activity: activity.NewService(db), Teams: a.Teams, Sync: a.Sync, SyncBlobs: a.SyncBlobs, UI: opts.UI, Desktop: cfg.Desktop, Admins: cfg.Admins, LocalUser: a.LocalUser,
		TrustedProxies: proxies, Logger: logger, Registry: reg, Version: Version,
		Health: append(a.databaseHealth(), []httpapi.HealthCheck{blobsHealth, a.jobsHealth(),
			{Name: "sign_in_providers", Check: func(ctx context.Context) (map[string]any, error) {
				d := map[string]any{"enabled": authSvc.OAuthProviders()}
				if len(providerProblems) > 0 {
					d["problems"] = providerProblems
					return d, fmt.Errorf("%d sign-in provider(s) could not start", len(providerProblems))
				}
				return d, nil
			}},
			{Name: "extraction", Check: func(ctx context.Context) (map[string]any, error) {
				return map[string]any{"engines": a.Extract.Engines()}, nil
			}},
			{Name: "tesseract", Check: func(ctx context.Context) (map[string]any, error) {
				langs, err := tesseract.Languages()
				return map[string]any{"version": tesseract.Version(), "languages": langs}, err
			}},
			{Name: "speech", Check: func(ctx context.Context) (map[string]any, error) {
				d := map[string]any{"built_in": vosk.Available(), "ffmpeg": audio.FFmpegAvailable()}
				dir := a.Models.Current(ctx)
				switch {
				case !vosk.Available():
					d["status"] = "not built in"
					d["hint"] = vosk.NotBuiltMessage
				case dir == "" && cfg.Desktop:
					d["status"] = "no model"
					d["hint"] = "Choose a speech model in Settings → Speech model."
				case dir == "":
					d["status"] = "no model"
					d["hint"] = "Set vosk_model in the configuration to the folder of a Vosk model."
				default:
					d["model"] = dir
					if err := vosk.CheckModel(dir); err != nil {
						d["status"] = "model problem"
						d["hint"] = core.ErrorMessage(err)
					}
				}
				return d, nil
			}},
			{Name: "ollama", Check: func(ctx context.Context) (map[string]any, error) {
				if llm == nil {
					return map[string]any{"status": "off"}, nil
				}
				model := llm.ModelName(ctx)
				d := map[string]any{"host": llm.Client.Host(), "model": model}
				v, err := llm.Client.Version(ctx)
				if err != nil {
					d["status"] = "not running"
					d["hint"] = core.MsgNoModelServer + " Until then the built-in rules find tasks."
					return d, nil
				}
				d["version"] = v
				if ok, _ := llm.Client.HasModel(ctx, model); !ok {
					d["status"] = "model missing"
					d["hint"] = "Pull " + model + " in Settings → Models."
				}
				return d, nil
			}},
		}...),
	})
	if pgDB != nil {
		registerPoolMetrics(reg, pgDB)
		logger.Info("backend ready", slog.String("data_dir", cfg.DataDir), slog.String("database", "postgres"),
			slog.Bool("desktop", cfg.Desktop), slog.String("version", Version))
	} else {
		sqliteVer, vecVer := sqlDB.Versions()
		logger.Info("backend ready", slog.String("data_dir", cfg.DataDir), slog.String("sqlite", sqliteVer),
			slog.String("sqlite_vec", vecVer), slog.Bool("desktop", cfg.Desktop), slog.String("version", Version))
	}
	return a, nil
}

// Handler serves /api, /health, /metrics and the UI.
func (a *App) Handler() http.Handler { return a.server }

// Server exposes the API server (route table, OpenAPI document).
func (a *App) Server() *httpapi.Server { return a.server }

// LocalUser returns the desktop's local profile, creating it once.
func (a *App) LocalUser(ctx context.Context) (*core.User, error) {
	a.localMu.Lock()
	defer a.localMu.Unlock()
	name := ""
	if u := a.Config.OSUser; u != "" && u != "root" {
		name = strings.ToUpper(u[:1]) + u[1:]
	}
	return a.Auth.EnsureLocalUser(ctx, name)
}

// Close stops background work and closes the database.
func (a *App) Close() error {
	var err error
	a.closeOnce.Do(func() {
		if a.LanguageModels != nil {
			_ = a.LanguageModels.CancelPull() // a pull in progress stops with the app
		}
		if a.stopBG != nil {
			a.stopBG()
			if a.Jobs != nil {
				// Running jobs are cancelled and left for the next start
				// (or, on PostgreSQL, for another server at once).
				if err := a.Jobs.Stop(context.Background()); err != nil {
					a.logger.Warn("stop the job queue", slog.Any("error", err))
				}
			}
			if a.Notebooks != nil {
				a.Notebooks.Wait()
			}
		}
		a.Auth.WaitMail()
		a.Events.Close()
		if a.stopIntegrations != nil {
			a.stopIntegrations()
		}
		if a.recalc != nil {
			a.recalc.Close()
		}
		err = a.Store.Close()
		a.logger.Info("backend stopped")
	})
	return err
}

// SecretFile is where a generated signing secret is kept inside DataDir.
const SecretFile = "secret.key"

// loadSecret returns the token signing secret: from config (env), else
// from DataDir/secret.key, generating it (mode 0600) on first start.
func loadSecret(cfg config.Config) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	path := filepath.Join(cfg.DataDir, SecretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 64 {
			return nil, fmt.Errorf("app: %s is damaged (too short); delete it to generate a new one (this signs everyone out)", path)
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(path, 0o600)
		}
		return []byte(s), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("app: read %s: %w", path, err)
	}
	var raw [48]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("app: generate secret: %w", err)
	}
	s := hex.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadSecret(cfg) // another process won the race
	} else if err != nil {
		return nil, fmt.Errorf("app: create %s: %w", path, err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("app: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("app: write %s: %w", path, err)
	}
	return []byte(s), nil
}

// WaitShutdown is a helper for servers: it waits for ctx, then gives srv
// timeout to finish in-flight requests.
func WaitShutdown(ctx context.Context, srv *http.Server, timeout time.Duration) error {
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return srv.Shutdown(sctx)
}

// UserFilesDir is where a user's stored files live inside DataDir (with
// the default blobs store).
func UserFilesDir(dataDir, userID string) string {
	return filepath.Join(dataDir, "files", userID)
}
