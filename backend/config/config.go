// Package config builds Sentry's configuration from flags, then environment
// variables, then an optional JSON file, and validates it. There are no
// globals: the composition root receives a Config by value.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of one process. User preferences are data in the
// database, not configuration.
type Config struct {
	// DataDir holds the database, the signing secret and stored files.
	DataDir string `json:"data_dir"`
	// Addr is where `sentry serve` listens.
	Addr string `json:"addr"`
	// LogLevel is debug, info, warn or error; LogFormat json or text.
	LogLevel  string `json:"log_level"`
	LogFormat string `json:"log_format"`
	// Secret signs access tokens; when empty one is generated on first
	// start and kept in DataDir/secret.key (mode 0600).
	Secret string `json:"-"`
	// BcryptCost hashes passwords (at least 12).
	BcryptCost int `json:"bcrypt_cost"`
	// AccessTTL is the lifetime of access tokens (at most 15 minutes).
	AccessTTL time.Duration `json:"access_ttl"`
	// TrustedProxies may set X-Forwarded-For (CIDRs or addresses).
	TrustedProxies []string `json:"trusted_proxies"`
	// ShutdownTimeout bounds a graceful stop.
	ShutdownTimeout time.Duration `json:"shutdown_timeout"`
	// Desktop is set by the desktop app: the local profile signs in
	// automatically through the in-process handler.
	Desktop bool `json:"-"`
	// ReadConns sizes the database read pool.
	ReadConns int `json:"read_conns"`
	// DatabaseURL, when set, puts the server's data in PostgreSQL
	// (postgres://user:password@host/db?sslmode=…) instead of the SQLite
	// file in DataDir; stored files live where Blobs says. It may hold
	// a password, so it is never logged.
	DatabaseURL string `json:"database_url"`
	// Blobs is where uploaded files live: file:///path (default: the
	// files/ folder of DataDir; several servers point it at one shared
	// volume) or s3://BUCKET[/PREFIX]?endpoint=http://host:port[&region=…]
	// for an S3-compatible store. The store's keys come from the
	// environment only (BlobsAccessKey, BlobsSecretKey).
	Blobs          string `json:"blobs"`
	BlobsAccessKey string `json:"-"`
	BlobsSecretKey string `json:"-"`

	// SMTP sends verification and reset emails; without SMTPAddr they go
	// to DataDir/outbox as .eml files. The password comes from the
	// environment only (SENTRY_SMTP_PASSWORD).
	SMTPAddr     string `json:"smtp_addr"`
	SMTPUsername string `json:"smtp_username"`
	SMTPPassword string `json:"-"`
	SMTPFrom     string `json:"smtp_from"`

	// AllowedOrigins may call the API from other web origins (CORS). None
	// by default: the web UI is served from the same origin.
	AllowedOrigins []string `json:"allowed_origins"`
	// RateLimit is each user's sustained API requests per second (0 = off)
	// and RateBurst the burst above it.
	RateLimit float64 `json:"rate_limit"`
	RateBurst int     `json:"rate_burst"`
	// PublicURL is where users reach this server (OAuth redirects, links).
	PublicURL string `json:"public_url"`
	// Admins are the emails of the team server's administrators (env
	// SENTRY_ADMINS, comma-separated): once an account of one of them has
	// confirmed its email, it chooses and pulls the models every user of
	// the server shares (Settings → Models). On the desktop its person does.
	Admins []string `json:"admins"`
	// OllamaHost is the local model server (env OLLAMA_HOST); OllamaModel
	// extracts tasks. Without a reachable server and model, the built-in
	// rules do the work.
	OllamaHost  string `json:"ollama_host"`
	OllamaModel string `json:"ollama_model"`
	// VisionModel describes images when installed (e.g. llava).
	VisionModel string `json:"vision_model"`
	// VoskModel is the speech model folder (env SENTRY_VOSK_MODEL).
	VoskModel string `json:"vosk_model"`
	// EmbedModel is the Ollama model notebooks embed with when it is
	// pulled (env SENTRY_EMBED_MODEL).
	EmbedModel string `json:"embed_model"`
	// OSUser is the operating system's name for the user (env USER); the
	// desktop's local profile is named after it.
	OSUser string `json:"-"`
	// SessionBus and RuntimeDir locate the desktop session's message bus
	// (env DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR); the OS keyring is
	// tried only when there is one.
	SessionBus string `json:"-"`
	RuntimeDir string `json:"-"`
	// MaxUploadMB bounds one file; QuotaMB all of a user's files.
	MaxUploadMB int64 `json:"max_upload_mb"`
	QuotaMB     int64 `json:"quota_mb"`
	// SyncRetentionDays is how long the team server keeps a deleted row's
	// tombstone in the sync log (env SENTRY_SYNC_RETENTION_DAYS); a device
	// offline for longer downloads its data again at its next sync. 0
	// means 90 days.
	SyncRetentionDays int `json:"sync_retention_days"`
	// OAuth configures the sign-in providers; a provider without a client
	// id is off. Secrets may come from the environment instead.
	OAuth OAuthConfig `json:"oauth"`
	// Integrations configures Google Tasks, Google Calendar and Zoom.
	Integrations IntegrationsConfig `json:"integrations"`
}

// OAuthConfig holds each provider's settings.
type OAuthConfig struct {
	Google   OAuthProvider `json:"google"`
	Apple    OAuthProvider `json:"apple"`
	Facebook OAuthProvider `json:"facebook"`
}

// OAuthProvider is one provider's settings. IssuerURL and the endpoint
// URLs default to the provider's own; tests point them at stand-ins.
type OAuthProvider struct {
	ClientID       string `json:"client_id"`
	ClientSecret   string `json:"client_secret"`
	TeamID         string `json:"team_id"`
	KeyID          string `json:"key_id"`
	PrivateKeyFile string `json:"private_key_file"`
	PrivateKeyPEM  string `json:"-"`
	IssuerURL      string `json:"issuer_url"`
	AuthURL        string `json:"auth_url"`
	TokenURL       string `json:"token_url"`
	GraphURL       string `json:"graph_url"`
}

// DefaultEmbedModel is the embedding model notebooks use by default.
const DefaultEmbedModel = "nomic-embed-text"

// Default returns the defaults, with what this process's environment says
// about the machine and session and the models (SENTRY_VOSK_MODEL,
// SENTRY_EMBED_MODEL, USER, the session bus), so a Config built without
// Load (tests, embedders) finds them too.
func Default() Config {
	c := defaults()
	applyProcessEnv(&c, os.Getenv)
	return c
}

// applyProcessEnv sets what the environment tells about the machine, the
// session and the installed models.
func applyProcessEnv(c *Config, getenv func(string) string) {
	if v := getenv(EnvVoskModel); v != "" {
		c.VoskModel = v
	}
	if v := getenv(EnvEmbedModel); v != "" {
		c.EmbedModel = v
	}
	if v := getenv("USER"); v != "" {
		c.OSUser = v
	}
	if v := getenv("DBUS_SESSION_BUS_ADDRESS"); v != "" {
		c.SessionBus = v
	}
	if v := getenv("XDG_RUNTIME_DIR"); v != "" {
		c.RuntimeDir = v
	}
}

// HasSessionBus says whether the desktop session has a message bus
// already: its address is set, or the runtime directory holds its socket.
// Nothing that would start one (the keyring, notifications) is tried
// without it.
func (c Config) HasSessionBus() bool {
	if c.SessionBus != "" {
		return true
	}
	if c.RuntimeDir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(c.RuntimeDir, "bus"))
	return err == nil
}

func defaults() Config {
	return Config{
		DataDir:         DefaultDataDir(),
		Addr:            "127.0.0.1:8080",
		LogLevel:        "info",
		LogFormat:       "json",
		BcryptCost:      12,
		AccessTTL:       15 * time.Minute,
		ShutdownTimeout: 15 * time.Second,
		ReadConns:       max(4, runtime.NumCPU()),
		SMTPFrom:        "Sentry AI <noreply@localhost>",
		RateLimit:       50,
		OllamaHost:      "http://127.0.0.1:11434",
		OllamaModel:     "llama3.1:8b",
		MaxUploadMB:     100,
		VisionModel:     "llava",
		EmbedModel:      DefaultEmbedModel,
		QuotaMB:         5120,
		RateBurst:       200,
		Integrations:    IntegrationsConfig{SyncInterval: DefaultSyncInterval},
	}
}

// DefaultDataDir is the OS user data directory: $XDG_DATA_HOME/sentry
// (~/.local/share/sentry) on Linux, Application Support on macOS,
// %AppData% on Windows.
func DefaultDataDir() string {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
			return filepath.Join(x, "sentry")
		}
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, ".local", "share", "sentry")
		}
	default:
		if dir, err := os.UserConfigDir(); err == nil {
			return filepath.Join(dir, "Sentry")
		}
	}
	return filepath.Join(os.TempDir(), "sentry")
}

// Postgres reports whether the data lives in PostgreSQL (DatabaseURL set).
func (c Config) Postgres() bool { return c.DatabaseURL != "" }

// checkDatabaseURL accepts a postgres:// or postgresql:// URL with a host
// or socket directory and a database name. Its errors never quote the
// URL, which may hold a password.
func (c Config) checkDatabaseURL() error {
	if c.DatabaseURL == "" {
		return nil
	}
	if c.Desktop {
		return errors.New("config: database url: the desktop app keeps its data in SQLite; a PostgreSQL database is for `sentry serve`")
	}
	u, err := url.Parse(c.DatabaseURL)
	switch {
	case err != nil:
		return errors.New("config: database url is not a valid URL")
	case u.Scheme != "postgres" && u.Scheme != "postgresql":
		return errors.New("config: database url: want postgres://user:password@host:port/database")
	case u.Host == "" && u.Query().Get("host") == "":
		return errors.New("config: database url names no host (or host= socket directory)")
	case strings.Trim(u.Path, "/") == "":
		return errors.New("config: database url names no database")
	}
	return nil
}

// DatabasePath is the SQLite file inside DataDir.
func (c Config) DatabasePath() string { return filepath.Join(c.DataDir, "sentry.db") }

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("config: data dir is empty")
	}
	if !filepath.IsAbs(c.DataDir) {
		return fmt.Errorf("config: data dir %q must be an absolute path", c.DataDir)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("config: addr %q: %w", c.Addr, err)
	}
	for _, a := range c.Admins {
		if at := strings.IndexByte(a, '@'); at <= 0 || at == len(a)-1 || strings.ContainsAny(a, " ,<>") {
			return fmt.Errorf("config: admins: %q is not an email address", a)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		return fmt.Errorf("config: log format %q: want json or text", c.LogFormat)
	}
	if c.BcryptCost < 12 || c.BcryptCost > 16 {
		return fmt.Errorf("config: bcrypt cost %d: want 12 to 16", c.BcryptCost)
	}
	if c.AccessTTL < time.Minute || c.AccessTTL > 15*time.Minute {
		return fmt.Errorf("config: access token lifetime %s: want 1m to 15m", c.AccessTTL)
	}
	if c.Secret != "" && len(c.Secret) < 32 {
		return errors.New("config: SENTRY_SECRET must be at least 32 characters")
	}
	if _, err := c.TrustedPrefixes(); err != nil {
		return err
	}
	if err := c.checkDatabaseURL(); err != nil {
		return err
	}
	if _, err := c.BlobStore(); err != nil {
		return err
	}
	if c.ReadConns < 1 || c.ReadConns > 256 {
		return fmt.Errorf("config: read conns %d: want 1 to 256", c.ReadConns)
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return fmt.Errorf("config: smtp addr %q: want host:port", c.SMTPAddr)
		}
	}
	if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
		return fmt.Errorf("config: smtp from %q: %w", c.SMTPFrom, err)
	}
	for _, o := range c.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			return fmt.Errorf("config: allowed origin %q: want scheme://host[:port]", o)
		}
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 10240 {
		return fmt.Errorf("config: max upload %d MB: want 1 to 10240", c.MaxUploadMB)
	}
	if c.QuotaMB < c.MaxUploadMB {
		return fmt.Errorf("config: quota %d MB is smaller than one upload (%d MB)", c.QuotaMB, c.MaxUploadMB)
	}
	if c.SyncRetentionDays < 0 || c.SyncRetentionDays > 3650 {
		return fmt.Errorf("config: sync retention %d days: want 1 to 3650", c.SyncRetentionDays)
	}
	if c.RateLimit < 0 || c.RateBurst < 0 {
		return errors.New("config: rate limit and burst must not be negative")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: public url %q: want http(s)://host[:port]", c.PublicURL)
		}
	}
	any := c.OAuth.Google.ClientID != "" || c.OAuth.Apple.ClientID != "" || c.OAuth.Facebook.ClientID != ""
	if any && c.PublicURL == "" {
		return errors.New("config: sign-in providers need public_url (the address their callbacks reach this server at)")
	}
	if g := c.OAuth.Google; g.ClientID != "" && g.ClientSecret == "" {
		return errors.New("config: oauth.google needs a client secret (SENTRY_GOOGLE_CLIENT_SECRET)")
	}
	if f := c.OAuth.Facebook; f.ClientID != "" && f.ClientSecret == "" {
		return errors.New("config: oauth.facebook needs a client secret (SENTRY_FACEBOOK_CLIENT_SECRET)")
	}
	if a := c.OAuth.Apple; a.ClientID != "" && (a.TeamID == "" || a.KeyID == "" || (a.PrivateKeyFile == "" && a.PrivateKeyPEM == "")) {
		return errors.New("config: oauth.apple needs team_id, key_id and private_key_file (or SENTRY_APPLE_PRIVATE_KEY_FILE)")
	}
	if err := c.validateIntegrations(); err != nil {
		return err
	}
	return nil
}

// TrustedPrefixes parses TrustedProxies.
func (c Config) TrustedPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("config: trusted proxy %q is not an address or CIDR", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// SlogLevel returns LogLevel as a slog.Level.
func (c Config) SlogLevel() slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(c.LogLevel))
	return l
}

// Env variable names.
const (
	EnvDataDir        = "SENTRY_DATA_DIR"
	EnvAddr           = "SENTRY_ADDR"
	EnvLogLevel       = "SENTRY_LOG_LEVEL"
	EnvLogFormat      = "SENTRY_LOG_FORMAT"
	EnvSecret         = "SENTRY_SECRET"
	EnvConfigFile     = "SENTRY_CONFIG"
	EnvTrustedProxies = "SENTRY_TRUSTED_PROXIES"
	EnvSMTPAddr       = "SENTRY_SMTP_ADDR"
	EnvSMTPUsername   = "SENTRY_SMTP_USERNAME"
	EnvSMTPPassword   = "SENTRY_SMTP_PASSWORD"
	EnvSMTPFrom       = "SENTRY_SMTP_FROM"
	EnvAllowedOrigins = "SENTRY_ALLOWED_ORIGINS"
	EnvRateLimit      = "SENTRY_RATE_LIMIT"
	EnvPublicURL      = "SENTRY_PUBLIC_URL"
	EnvVoskModel      = "SENTRY_VOSK_MODEL"
	EnvEmbedModel     = "SENTRY_EMBED_MODEL"
	EnvAdmins         = "SENTRY_ADMINS"
	EnvDatabaseURL    = "SENTRY_DATABASE_URL"
	EnvBlobs          = "SENTRY_BLOBS"
	EnvBlobsAccessKey = "SENTRY_BLOBS_ACCESS_KEY"
	EnvBlobsSecretKey = "SENTRY_BLOBS_SECRET_KEY"
	// EnvProfileAddr is the loopback host:port of the runtime profiles in
	// a server built for load tests only (-tags benchpprof).
	EnvProfileAddr = "SENTRY_PPROF_ADDR"
)

// Getenv reads the process's environment: what the command line hands to
// Load (tests hand it their own). No package but this one reads the
// environment itself.
func Getenv(key string) string { return os.Getenv(key) }

// ProfileAddr is where a server built for load tests serves its runtime
// profiles (EnvProfileAddr), "" for nowhere. It is read before the
// configuration is loaded, from package initialisation.
func ProfileAddr() string { return os.Getenv(EnvProfileAddr) }

// Load builds a Config: defaults, then the JSON file (from --config or
// SENTRY_CONFIG), then environment variables, then flags set on fs. fs must
// have been parsed after RegisterFlags.
func Load(fs *flag.FlagSet, getenv func(string) string) (Config, error) {
	c := defaults()
	file := getenv(EnvConfigFile)
	if f := fs.Lookup("config"); f != nil && f.Value.String() != "" {
		file = f.Value.String()
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return c, fmt.Errorf("config: read %s: %w", file, err)
		}
		if err := applyFile(b, &c); err != nil {
			return c, fmt.Errorf("config: %s: %w", file, err)
		}
	}
	if v := getenv(EnvDataDir); v != "" {
		c.DataDir = v
	}
	if v := getenv(EnvAddr); v != "" {
		c.Addr = v
	}
	if v := getenv(EnvDatabaseURL); v != "" {
		c.DatabaseURL = v
	}
	if v := getenv(EnvBlobs); v != "" {
		c.Blobs = v
	}
	applyBlobsKeys(&c, getenv)
	if v := getenv(EnvLogLevel); v != "" {
		c.LogLevel = v
	}
	if v := getenv(EnvLogFormat); v != "" {
		c.LogFormat = v
	}
	if v := getenv(EnvSecret); v != "" {
		c.Secret = v
	}
	if v := getenv(EnvTrustedProxies); v != "" {
		c.TrustedProxies = strings.Split(v, ",")
	}
	if v := getenv(EnvSMTPAddr); v != "" {
		c.SMTPAddr = v
	}
	if v := getenv(EnvSMTPUsername); v != "" {
		c.SMTPUsername = v
	}
	if v := getenv(EnvSMTPPassword); v != "" {
		c.SMTPPassword = v
	}
	if v := getenv(EnvSMTPFrom); v != "" {
		c.SMTPFrom = v
	}
	if v := getenv(EnvAllowedOrigins); v != "" {
		c.AllowedOrigins = splitList(v)
	}
	if v := getenv(EnvPublicURL); v != "" {
		c.PublicURL = v
	}
	if v := getenv(EnvAdmins); v != "" {
		c.Admins = splitList(v)
	}
	if v := getenv("SENTRY_GOOGLE_CLIENT_SECRET"); v != "" {
		c.OAuth.Google.ClientSecret = v
	}
	if v := getenv("SENTRY_FACEBOOK_CLIENT_SECRET"); v != "" {
		c.OAuth.Facebook.ClientSecret = v
	}
	if v := getenv("SENTRY_APPLE_PRIVATE_KEY_FILE"); v != "" {
		c.OAuth.Apple.PrivateKeyFile = v
	}
	applyIntegrationsEnv(&c, getenv)
	if v := getenv("OLLAMA_HOST"); v != "" {
		c.OllamaHost = v
	}
	applyProcessEnv(&c, getenv)
	if v := getenv("SENTRY_MAX_UPLOAD_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return c, fmt.Errorf("config: SENTRY_MAX_UPLOAD_MB: %w", err)
		}
		c.MaxUploadMB = n
	}
	if v := getenv("SENTRY_SYNC_RETENTION_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("config: SENTRY_SYNC_RETENTION_DAYS: want a number of days: %w", err)
		}
		c.SyncRetentionDays = n
	}
	if v := getenv("SENTRY_OLLAMA_MODEL"); v != "" {
		c.OllamaModel = v
	}
	if v := getenv(EnvRateLimit); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return c, fmt.Errorf("config: %s: %w", EnvRateLimit, err)
		}
		c.RateLimit = f
	}
	var ferr error
	fs.Visit(func(f *flag.Flag) {
		v := f.Value.String()
		switch f.Name {
		case "data":
			c.DataDir = v
		case "addr":
			c.Addr = v
		case "database-url":
			c.DatabaseURL = v
		case "blobs":
			c.Blobs = v
		case "log-level":
			c.LogLevel = v
		case "log-format":
			c.LogFormat = v
		case "trusted-proxies":
			c.TrustedProxies = strings.Split(v, ",")
		case "allowed-origins":
			c.AllowedOrigins = splitList(v)
		case "public-url":
			c.PublicURL = v
		case "smtp-addr":
			c.SMTPAddr = v
		case "rate-limit":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				ferr = fmt.Errorf("config: --rate-limit: %w", err)
			}
			c.RateLimit = f
		case "bcrypt-cost":
			n, err := strconv.Atoi(v)
			if err != nil {
				ferr = fmt.Errorf("config: --bcrypt-cost: %w", err)
			}
			c.BcryptCost = n
		}
	})
	if ferr != nil {
		return c, ferr
	}
	if c.DataDir != "" && !filepath.IsAbs(c.DataDir) {
		if abs, err := filepath.Abs(c.DataDir); err == nil {
			c.DataDir = abs
		}
	}
	return c, nil
}

// RegisterFlags adds the common flags to fs. Each command adds its own.
func RegisterFlags(fs *flag.FlagSet) {
	fs.String("config", "", "JSON configuration file (env "+EnvConfigFile+")")
	fs.String("data", "", "data directory (env "+EnvDataDir+"; default "+DefaultDataDir()+")")
	fs.String("log-level", "", "debug, info, warn or error (env "+EnvLogLevel+")")
	fs.String("log-format", "", "json or text (env "+EnvLogFormat+")")
	fs.String("database-url", "", "PostgreSQL URL for a team server's data, postgres://… (env "+EnvDatabaseURL+"; default: SQLite in the data directory)")
	fs.String("blobs", "", "where uploaded files live: file:///path (a volume servers share) or s3://bucket?endpoint=http://host:port with keys in "+EnvBlobsAccessKey+" and "+EnvBlobsSecretKey+" (env "+EnvBlobs+"; default: files/ in the data directory)")
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// applyFile sets the settings a JSON file names, over the defaults. Keys
// are Config's json names; unknown keys are an error, so typos don't pass
// silently. Durations are written as strings ("10m").
func applyFile(b []byte, c *Config) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	for name, dst := range map[string]*time.Duration{"access_ttl": &c.AccessTTL, "shutdown_timeout": &c.ShutdownTimeout} {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		delete(fields, name)
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("%s: want a duration such as \"10m\"", name)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		*dst = d
	}
	rest, _ := json.Marshal(fields)
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	return nil
}
