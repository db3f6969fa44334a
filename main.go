// Command sentry is Sentry AI: with no arguments (desktop build) it opens
// the desktop app; `sentry serve` runs the same API headless as a team
// server; other subcommands work on the local data from the shell.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"embed"
	"encoding/json"
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
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database
	"unicode/utf8"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/extract"
	"sentry/backend/notebook"
	"sentry/backend/upload"
	"sentry/sync/hlc"
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
  sentry extract [flags] [FILE|-]
                              find tasks and meetings in text (--jsonl: one JSON
                              request a line on stdin, one answer a line on stdout)
  sentry notebook create NAME | add NAME FILE… | list
                              notebooks of your documents (the local profile)
  sentry ask --notebook NAME [--json] "question"
                              an answer from a notebook, with citations
  sentry tasks add TITLE | list | edit ID | done ID | rm ID
                              your task list (the local profile; --json prints the API's fields)
  sentry sync connect URL --email E --password-stdin | now | status | conflicts | rejected
                              sync the local profile with a team server
  sentry openapi              print the API's OpenAPI 3.1 document (as GET /api/openapi.json serves it)
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
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, config.Getenv)
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
	case "extract":
		return runExtract(ctx, args[1:], os.Stdin, stdout, stderr, getenv)
	case "notebook":
		return runNotebook(ctx, args[1:], stdout, stderr, getenv)
	case "tasks":
		return runTasks(ctx, args[1:], stdout, stderr, getenv)
	case "sync":
		return runSync(ctx, args[1:], stdout, stderr, getenv)
	case "ask":
		return runAsk(ctx, args[1:], stdout, stderr, getenv)
	case "openapi":
		return runOpenAPI(ctx, args[1:], stdout, stderr, getenv)
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

// Stamped by release builds (scripts/release) with
// -ldflags "-X main.buildCommit=… -X main.buildDate=…", beside app.Version;
// unstamped builds fall back to the VCS revision in the build info.
var buildCommit, buildDate string

func versionString() string {
	v := app.Version
	commit := buildCommit
	bi, ok := debug.ReadBuildInfo()
	if ok && commit == "" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	if len(commit) >= 12 {
		v += " (" + commit[:12] + ")"
	} else if commit != "" {
		v += " (" + commit + ")"
	}
	if buildDate != "" {
		v += " built " + buildDate
	}
	if ok {
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
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return 1
	}
	// Only the store: migrations run as it opens (on PostgreSQL under an
	// advisory lock, so servers starting at the same time take turns).
	store, _, _, err := app.OpenStore(ctx, cfg, logger, hlc.New(nil))
	if err != nil {
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return 1
	}
	defer store.Close()
	v, err := store.MigrationVersion(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return 1
	}
	where := cfg.DatabasePath()
	if cfg.Postgres() {
		where = "(PostgreSQL)" // the URL may hold a password
	}
	fmt.Fprintf(stdout, "database %s is at schema version %d\n", where, v)
	return 0
}

// runOpenAPI prints the OpenAPI document of a server with this
// configuration, built in a throw-away data directory so nothing of the
// user's is opened or created.
func runOpenAPI(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("openapi", "Prints the API's OpenAPI 3.1 document, for client generators and linters.", stderr)
	cfg, _, code, ok := loadConfig(fs, args, stderr, getenv)
	if !ok {
		return code
	}
	dir, err := os.MkdirTemp("", "sentry-openapi-")
	if err != nil {
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cfg.DataDir, cfg.Blobs = dir, "" // files too: none of the user's
	a, err := app.New(ctx, app.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return 1
	}
	defer a.Close()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(a.Server().OpenAPI()); err != nil {
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return 1
	}
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

// extractRequest is one line of `sentry extract --jsonl` input.
type extractRequest struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Now  string `json:"now"`
	Kind string `json:"kind"`
}

type extractedJSON struct {
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Assignee    *string        `json:"assignee"`
	Due         *string        `json:"due"`
	DueTime     *string        `json:"due_time,omitempty"`
	Type        string         `json:"type"`
	Priority    *string        `json:"priority"`
	Confidence  float64        `json:"confidence"`
	Evidence    map[string]any `json:"evidence"`
	// Status, when the tasks were saved: created (added to the list),
	// duplicate (looks like a task already there: not added) or draft
	// (not added: it did not pass validation).
	Status      string `json:"status,omitempty"`
	TaskID      string `json:"task_id,omitempty"`
	DuplicateOf string `json:"duplicate_of,omitempty"`
}

func runExtract(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("extract", "Finds tasks and meetings with the built-in engine in text, documents (PDF, DOCX,\n"+
		"HTML, EML, Markdown), images (OCR) and recordings (needs SENTRY_VOSK_MODEL).\n\n"+
		"The tasks found are added to the local profile's task list (one that looks like a task\n"+
		"already there is not added twice); --no-save only prints them.\n\n"+
		"  sentry extract notes.txt            tasks in a file (minutes.pdf, whiteboard.jpg, memo.wav…)\n"+
		"  echo 'Bob will send it Friday' | sentry extract -\n"+
		"  sentry extract --jsonl < in.jsonl   one {id,text,now,kind} a line → one {id,tasks} a line (prints only)", stderr)
	jsonl := fs.Bool("jsonl", false, "read one JSON request a line from stdin, write one JSON answer a line (saves nothing)")
	asJSON := fs.Bool("json", false, "print JSON instead of a list")
	noSave := fs.Bool("no-save", false, "only print the tasks; without it they are also added to the local profile's task list")
	nowFlag := fs.String("now", "", "reference time for relative dates (RFC 3339; default: now)")
	tzFlag := fs.String("timezone", "", "IANA time zone for relative dates (default: the --now offset, else local)")
	kind := fs.String("kind", "auto", "what the input is: auto, text, document, image, handwritten or audio\n(or a text kind: meeting_transcript, email, note, chat, handwritten_ocr)")
	engineFlag := fs.String("engine", "auto", "auto (Ollama when it answers and has the model, else rules), rules or ollama")
	handwriting := fs.Bool("handwritten", false, "an image of handwriting (stronger OCR preprocessing)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	// Flags may also follow the file: sentry extract notes.png --now …
	var files []string
	for fs.NArg() > 0 {
		files = append(files, fs.Arg(0))
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return 2
		}
	}
	eng, err := app.CLIEngine(ctx, *engineFlag, getenv("OLLAMA_HOST"), getenv("SENTRY_OLLAMA_MODEL"))
	if err != nil {
		fmt.Fprintf(stderr, "sentry extract: %s\n", core.ErrorMessage(err))
		if core.ErrorCode(err) == core.EINVALID {
			return 2
		}
		return 1
	}
	// --kind names the input; the text kinds pass through to the engine.
	textKind := ""
	switch *kind {
	case "", "auto", "document", "image", "audio":
	case "text":
		textKind = ""
	case "handwritten":
		*handwriting = true
	case "meeting_transcript", "email", "note", "chat", "handwritten_ocr":
		textKind = *kind
	default:
		fmt.Fprintf(stderr, "sentry extract: --kind %q: want auto, text, document, image, handwritten or audio\n", *kind)
		return 2
	}
	if *jsonl {
		return extractJSONL(ctx, eng, stdin, stdout, stderr)
	}
	if len(files) != 1 {
		fmt.Fprintln(stderr, "sentry extract: give one FILE, or - for stdin, or --jsonl")
		return 2
	}
	var data []byte
	if files[0] == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, 8<<20))
	} else {
		data, err = readLimited(files[0], 200<<20)
	}
	if err != nil {
		fmt.Fprintf(stderr, "sentry extract: %v\n", err)
		return 1
	}
	text := string(data)
	if *kind == "text" && !utf8.Valid(data) {
		fmt.Fprintln(stderr, "sentry extract: --kind text, but the input is not UTF-8 text")
		return 1
	}
	if *kind != "text" && (files[0] != "-" || !utf8.Valid(data)) {
		// Documents, images and recordings are read as uploads are.
		src, err := app.FileSource(ctx, data, files[0], *handwriting, getenv("SENTRY_VOSK_MODEL"))
		if err != nil {
			fmt.Fprintf(stderr, "sentry extract: %s\n", core.ErrorMessage(err))
			return 1
		}
		text = src.Text
		if textKind == "" {
			textKind = src.Kind
		}
	}
	now := time.Now()
	if *nowFlag != "" {
		if now, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			fmt.Fprintf(stderr, "sentry extract: --now: %v\n", err)
			return 2
		}
	}
	if *tzFlag != "" {
		loc, err := time.LoadLocation(*tzFlag)
		if err != nil {
			fmt.Fprintf(stderr, "sentry extract: --timezone: %v\n", err)
			return 2
		}
		now = now.In(loc)
	}
	if !*noSave {
		return extractAndSave(ctx, fs, eng.Name(), text, textKind, now, *asJSON, stdout, stderr, getenv)
	}
	found, err := eng.Extract(ctx, text, core.ExtractOptions{Now: now, Kind: textKind})
	if err != nil {
		fmt.Fprintf(stderr, "sentry extract: %v\n", err)
		return 1
	}
	printExtracted(stdout, toExtractedJSON(found), *asJSON)
	return 0
}

// extractAndSave extracts through the extraction service, as the app does
// with pasted text: the tasks are added to the local profile's list with
// their evidence, the run shows in the capture history, and a task that
// looks like one already in the list is not added again.
func extractAndSave(ctx context.Context, fs *flag.FlagSet, engine, text, kind string, now time.Time, asJSON bool, stdout, stderr io.Writer, getenv func(string) string) int {
	if strings.TrimSpace(text) == "" {
		printExtracted(stdout, nil, asJSON)
		return 0
	}
	a, uctx, code, ok := localApp(ctx, fs, nil, stderr, getenv)
	if !ok {
		return code
	}
	defer a.Close()
	fail := func(err error) int {
		fmt.Fprintf(stderr, "sentry extract: %s\n", core.ErrorMessage(err))
		return 1
	}
	run, err := a.Extract.ExtractText(uctx, core.UserIDFromContext(uctx), extract.TextInput{Text: text, Now: &now, Kind: kind, Engine: engine})
	if err != nil {
		return fail(err)
	}
	// Long text is extracted in the background: wait for the run.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for run.Status == core.RunQueued || run.Status == core.RunRunning {
		select {
		case <-ctx.Done():
			_, _ = a.Extract.Cancel(context.WithoutCancel(uctx), run.ID)
			fmt.Fprintln(stderr, "sentry extract: interrupted")
			return 1
		case <-tick.C:
		}
		if run, err = a.Extract.Get(uctx, run.ID); err != nil {
			return fail(err)
		}
	}
	if run.Status != core.RunDone {
		fmt.Fprintf(stderr, "sentry extract: %s\n", cmp.Or(run.Error, "the extraction was "+run.Status))
		return 1
	}
	out := toExtractedJSON(run.Tasks)
	printExtracted(stdout, out, asJSON)
	added, there := 0, 0
	for _, t := range out {
		switch t.Status {
		case core.ExtractedCreated:
			added++
		case core.ExtractedDuplicate:
			there++
		}
	}
	if len(out) > 0 {
		msg := fmt.Sprintf("Added %d %s to your task list", added, plural(added, "task", "tasks"))
		if there > 0 {
			msg += fmt.Sprintf("; %d %s already there", there, plural(there, "was", "were"))
		}
		fmt.Fprintf(stderr, "%s (data in %s).\n", msg, a.Config.DataDir)
	}
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// printExtracted prints tasks as {"tasks":[…]} or as a numbered list.
func printExtracted(stdout io.Writer, out []extractedJSON, asJSON bool) {
	if asJSON {
		if out == nil {
			out = []extractedJSON{}
		}
		_ = json.NewEncoder(stdout).Encode(map[string]any{"tasks": out})
		return
	}
	if len(out) == 0 {
		fmt.Fprintln(stdout, "No tasks found.")
	}
	for i, t := range out {
		line := fmt.Sprintf("%d. [%s] %s", i+1, t.Type, t.Title)
		if t.Assignee != nil {
			line += " — " + *t.Assignee
		}
		if t.Due != nil {
			line += " (due " + *t.Due
			if t.DueTime != nil {
				line += " " + *t.DueTime
			}
			line += ")"
		}
		switch t.Status {
		case core.ExtractedDuplicate:
			line += " — already in your list, not added"
		case core.ExtractedDraft:
			line += " — not added (it needs editing: review it in the app)"
		}
		fmt.Fprintln(stdout, line)
	}
}

func toExtractedJSON(found []core.ExtractedTask) []extractedJSON {
	out := make([]extractedJSON, 0, len(found))
	for _, t := range found {
		e := extractedJSON{Title: t.Title, Description: t.Description, Type: t.Type, Confidence: t.Confidence,
			Evidence: map[string]any{"sentence": t.Evidence.Sentence, "start": t.Evidence.Start, "end": t.Evidence.End}}
		if t.Assignee != "" {
			a := t.Assignee
			e.Assignee = &a
		}
		if t.Due != nil {
			d := t.Due.Format("2006-01-02")
			e.Due = &d
			if t.Due.Hour() != 0 || t.Due.Minute() != 0 {
				hm := t.Due.Format("15:04")
				e.DueTime = &hm
			}
		}
		if t.Priority != "" {
			p := t.Priority
			e.Priority = &p
		}
		if e.Type == "" {
			e.Type = core.TaskTypeTask
		}
		e.Status, e.TaskID, e.DuplicateOf = t.Status, t.TaskID, t.DuplicateOf
		out = append(out, e)
	}
	return out
}

// extractJSONL answers one line per request line, in order; a bad line
// gets an error answer and the run goes on.
func extractJSONL(ctx context.Context, eng core.TaskExtractor, stdin io.Reader, stdout, stderr io.Writer) int {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	enc := json.NewEncoder(stdout)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var req extractRequest
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			_ = enc.Encode(map[string]any{"id": nil, "error": fmt.Sprintf("line %d: not a JSON object", line), "tasks": []any{}})
			continue
		}
		now := time.Now()
		if req.Now != "" {
			t, err := time.Parse(time.RFC3339, req.Now)
			if err != nil {
				_ = enc.Encode(map[string]any{"id": req.ID, "error": "now must be RFC 3339", "tasks": []any{}})
				continue
			}
			now = t
		}
		found, err := eng.Extract(ctx, req.Text, core.ExtractOptions{Now: now, Kind: req.Kind})
		if err != nil {
			_ = enc.Encode(map[string]any{"id": req.ID, "error": core.ErrorMessage(err), "tasks": []any{}})
			continue
		}
		_ = enc.Encode(map[string]any{"id": req.ID, "tasks": toExtractedJSON(found)})
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "sentry extract: reading input: %v\n", err)
		return 1
	}
	return 0
}

func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d MB", path, max>>20)
	}
	return b, nil
}

// localApp opens the local data as the local profile, for commands that
// work on it from the shell.
func localApp(ctx context.Context, fs *flag.FlagSet, args []string, stderr io.Writer, getenv func(string) string) (*app.App, context.Context, int, bool) {
	cfg, logger, code, ok := loadConfig(fs, args, stderr, getenv)
	if !ok {
		return nil, nil, code, false
	}
	setLevel := false
	fs.Visit(func(f *flag.Flag) { setLevel = setLevel || f.Name == "log-level" })
	if !setLevel && getenv(config.EnvLogLevel) == "" {
		logger = newLogger(config.Config{LogLevel: "warn", LogFormat: cfg.LogFormat}, stderr)
	}
	a, err := app.New(ctx, app.Options{Config: cfg, Logger: logger})
	if err != nil {
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return nil, nil, 1, false
	}
	u, err := a.LocalUser(ctx)
	if err != nil {
		a.Close()
		fmt.Fprintf(stderr, "sentry: %v\n", err)
		return nil, nil, 1, false
	}
	return a, core.NewContextWithUser(ctx, u), 0, true
}

// findNotebook finds a notebook by its exact name or id, else by its name
// in any case. Names are unique per user ignoring ASCII case; two that
// differ only in the case of other letters are ambiguous without the id.
func findNotebook(ctx context.Context, a *app.App, name string) (*core.Notebook, error) {
	list, err := a.Notebooks.List(ctx)
	if err != nil {
		return nil, err
	}
	var folded []*core.Notebook
	for _, n := range list {
		if n.Name == name || n.ID == name {
			return n, nil
		}
		if strings.EqualFold(n.Name, name) {
			folded = append(folded, n)
		}
	}
	switch len(folded) {
	case 0:
		return nil, core.Errorf(core.ENOTFOUND, "No notebook named %q; create it with 'sentry notebook create %s'.", name, name)
	case 1:
		return folded[0], nil
	}
	ids := make([]string, len(folded))
	for i, n := range folded {
		ids[i] = fmt.Sprintf("%q (%s)", n.Name, n.ID)
	}
	return nil, core.Errorf(core.ECONFLICT, "%q names several notebooks: %s; give the exact name or the id.", name, strings.Join(ids, ", "))
}

func runNotebook(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprintln(stderr, "Usage: sentry notebook create NAME | add NAME FILE… | list  [--data DIR]")
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub := args[0]
	fs := newFlagSet("notebook "+sub, "Notebooks of your documents.", stderr)
	var pos []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	a, uctx, code, ok := localApp(ctx, fs, nil, stderr, getenv)
	if !ok {
		return code
	}
	defer a.Close()
	fail := func(err error) int {
		fmt.Fprintf(stderr, "sentry notebook: %s\n", core.ErrorMessage(err))
		return 1
	}
	switch sub {
	case "list":
		list, err := a.Notebooks.List(uctx)
		if err != nil {
			return fail(err)
		}
		for _, n := range list {
			fmt.Fprintf(stdout, "%s\t%s\n", n.Name, n.ID)
		}
		return 0
	case "create":
		if len(pos) != 1 {
			fmt.Fprintln(stderr, "sentry notebook create: give the notebook's NAME")
			return 2
		}
		n, err := a.Notebooks.Create(uctx, pos[0], "")
		if core.ErrorCode(err) == core.ECONFLICT && core.ErrorField(err) == "name" {
			name := strings.TrimSpace(pos[0])
			if existing, err := findNotebook(uctx, a, name); err == nil {
				name = existing.Name // as it was written first
			}
			fmt.Fprintf(stderr, "sentry notebook create: a notebook named %q already exists; add files to it with 'sentry notebook add %q FILE…', or choose another name\n", name, name)
			return 1
		}
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "created notebook %q (%s)\n", n.Name, n.ID)
		return 0
	case "add":
		if len(pos) < 2 {
			fmt.Fprintln(stderr, "sentry notebook add: give the NAME and one or more FILEs")
			return 2
		}
		n, err := findNotebook(uctx, a, pos[0])
		if err != nil {
			return fail(err)
		}
		failed := 0
		for i, path := range pos[1:] {
			f, err := os.Open(path)
			if err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", path, err)
				failed++
				continue
			}
			d, err := a.Notebooks.Upload(uctx, n.ID, upload.Put{Filename: filepath.Base(path), Body: f})
			f.Close()
			if err != nil {
				fmt.Fprintf(stderr, "%s: %s\n", path, core.ErrorMessage(err))
				failed++
				continue
			}
			// Index now, showing progress as a bar.
			done := make(chan error, 1)
			go func() { done <- a.Notebooks.IndexNow(uctx) }()
			tick := time.NewTicker(200 * time.Millisecond)
			// A background worker may have taken the document: wait for it
			// to be ready or failed either way.
			deadline := time.Now().Add(30 * time.Minute)
			for indexed := false; !(indexed && (d.Status == "ready" || d.Status == "failed")) && time.Now().Before(deadline); {
				select {
				case err := <-done:
					indexed = true
					if err != nil {
						fmt.Fprintf(stderr, "%s: %s\n", path, core.ErrorMessage(err))
						d.Status = "failed"
					}
				case <-tick.C:
				case <-ctx.Done():
					return 1
				}
				cur, err := a.Notebooks.Document(uctx, n.ID, d.ID)
				if err == nil {
					d = cur
				}
				bar := strings.Repeat("#", int(d.Progress*30)) + strings.Repeat(".", 30-int(d.Progress*30))
				fmt.Fprintf(stderr, "\r[%d/%d] %-30.30s [%s] %3.0f%% %s", i+1, len(pos)-1, filepath.Base(path), bar, d.Progress*100, d.Status)
			}
			tick.Stop()
			fmt.Fprintln(stderr)
			if d.Status == "failed" {
				fmt.Fprintf(stderr, "%s: %s\n", path, d.Error)
				failed++
			}
		}
		if failed > 0 {
			return 1
		}
		return 0
	default:
		fmt.Fprintf(stderr, "sentry notebook: unknown subcommand %q (create, add, list)\n", sub)
		return 2
	}
}

func runAsk(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("ask", "Answers a question from a notebook's documents, with citations.", stderr)
	name := fs.String("notebook", "", "the notebook's name")
	asJSON := fs.Bool("json", false, "print JSON")
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if *name == "" || len(pos) == 0 {
		fmt.Fprintln(stderr, "Usage: sentry ask --notebook NAME [--json] \"question\"")
		return 2
	}
	a, uctx, code, ok := localApp(ctx, fs, nil, stderr, getenv)
	if !ok {
		return code
	}
	defer a.Close()
	n, err := findNotebook(uctx, a, *name)
	if err != nil {
		fmt.Fprintf(stderr, "sentry ask: %s\n", core.ErrorMessage(err))
		return 1
	}
	ans, err := a.Notebooks.Ask(uctx, n.ID, notebook.ChatRequest{Query: strings.Join(pos, " ")})
	if err != nil {
		fmt.Fprintf(stderr, "sentry ask: %s\n", core.ErrorMessage(err))
		return 1
	}
	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(ans)
		return 0
	}
	fmt.Fprintln(stdout, ans.Answer)
	if len(ans.Citations) > 0 {
		fmt.Fprintln(stdout)
	}
	for _, c := range ans.Citations {
		where := c.Filename
		if c.Page > 0 {
			where += fmt.Sprintf(", page %d", c.Page)
		}
		text := strings.Join(strings.Fields(c.Text), " ")
		if len(text) > 160 {
			text = text[:157] + "…"
		}
		fmt.Fprintf(stdout, "[%d] %s: %s\n", c.N, where, text)
	}
	return 0
}
