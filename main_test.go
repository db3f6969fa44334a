package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/config"
	"sentry/backend/core"
	"sentry/backend/jobtest"
	"sentry/backend/ollama/ollamatest"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestCLIHelpVersionAndErrors(t *testing.T) {
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"version"}, &out, &errb, env(nil)); code != 0 || !strings.HasPrefix(out.String(), "sentry ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	out.Reset()
	if code := run(ctx, []string{"--help"}, &out, &errb, env(nil)); code != 0 || !strings.Contains(out.String(), "sentry serve") {
		t.Fatalf("help: %d %q", code, out.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"serve", "--help"}, &out, &errb, env(nil)); code != 0 || !strings.Contains(errb.String(), "-addr") {
		t.Fatalf("serve --help: %d %q", code, errb.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"frobnicate"}, &out, &errb, env(nil)); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Fatalf("unknown: %d %q", code, errb.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"serve", "--log-level", "loud", "--data", t.TempDir()}, &out, &errb, env(nil)); code != 2 || !strings.Contains(errb.String(), "log level") {
		t.Fatalf("bad flag value: %d %q", code, errb.String())
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"migrate"}, &out, &errb, env(map[string]string{"SENTRY_DATA_DIR": dir})); code != 0 {
		t.Fatalf("migrate: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "schema version") || !strings.Contains(out.String(), dir) {
		t.Fatalf("migrate output %q", out.String())
	}
	if _, err := os.Stat(dir + "/sentry.db"); err != nil {
		t.Fatal(err)
	}
}

// TestServeRestartKeepsData starts the real server twice on one data dir.
func TestServeRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	start := func() (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		var out, errb bytes.Buffer
		go func() {
			done <- run(ctx, []string{"serve", "--addr", addr, "--data", dir, "--log-level", "warn"}, &out, &errb, env(nil))
		}()
		waitHealthy(t, base)
		return func() {
			cancel()
			if code := jobtest.Receive(t, "serve to stop", done); code != 0 {
				t.Errorf("serve exited %d: %s", code, errb.String())
			}
		}
	}
	stop := start()
	post(t, base+"/api/users/", "", map[string]any{"email": "r@example.com", "password": "restart-proof", "first_name": "R", "last_name": "S"}, 201)
	sess := post(t, base+"/api/auth/login", "", map[string]any{"email": "r@example.com", "password": "restart-proof"}, 200)
	uid := sess["user"].(map[string]any)["id"].(string)
	post(t, base+"/api/tasks/"+uid, sess["access_token"].(string), map[string]any{"title": "Still here after restart"}, 201)
	stop()

	stop = start()
	defer stop()
	// The signing secret persisted, so even the old access token works.
	req, _ := http.NewRequest("GET", base+"/api/tasks/"+uid, nil)
	req.Header.Set("Authorization", "Bearer "+sess["access_token"].(string))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var page struct{ Tasks []struct{ Title string } }
	_ = json.NewDecoder(res.Body).Decode(&page)
	if res.StatusCode != 200 || len(page.Tasks) != 1 || page.Tasks[0].Title != "Still here after restart" {
		t.Fatalf("after restart: %d %+v", res.StatusCode, page)
	}
	if fi, err := os.Stat(dir + "/secret.key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", fi.Mode(), err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	jobtest.Wait(t, "server healthy", func() (bool, string) {
		res, err := http.Get(base + "/health")
		if err != nil {
			return false, "not answering"
		}
		res.Body.Close()
		return res.StatusCode == 200, res.Status
	})
}

func post(t *testing.T, url, token string, body any, want int) map[string]any {
	t.Helper()
	buf, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(buf))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	if res.StatusCode != want {
		t.Fatalf("POST %s: %d, want %d: %v", url, res.StatusCode, want, m)
	}
	return m
}

var _ = fmt.Sprint

func TestExtractCommandReadsFiles(t *testing.T) {
	var out, errb bytes.Buffer
	dir := t.TempDir()
	os.WriteFile(dir+"/notes.md", []byte("- [ ] Renew the domain by Friday\n- [x] Pay the invoice\n"), 0o600)
	code := run(context.Background(), []string{"extract", dir + "/notes.md", "--now", "2026-03-02T09:00:00Z", "--json", "--no-save"}, &out, &errb, env(nil))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "Renew the domain") || strings.Contains(out.String(), "invoice") || !strings.Contains(out.String(), `"due":"2026-03-06"`) {
		t.Fatalf("output %s", out.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"extract", "backend/audio/testdata/speech.wav"}, &out, &errb, env(map[string]string{"SENTRY_DATA_DIR": dir})); code != 1 || !strings.Contains(errb.String(), "SENTRY_VOSK_MODEL") {
		t.Fatalf("audio without a model: %d %s", code, errb.String())
	}
}

func TestExtractJSONLForEvaluation(t *testing.T) {
	in := strings.NewReader(`{"id":"a","text":"Bob, please send the slides by Friday.","now":"2026-03-02T09:00:00-05:00","kind":"chat"}` + "\n" + `not json` + "\n")
	var out, errb bytes.Buffer
	if code := runExtract(context.Background(), []string{"--jsonl", "--no-save"}, in, &out, &errb, env(nil)); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"id":"a"`) || !strings.Contains(lines[0], `"due":"2026-03-06"`) || !strings.Contains(lines[1], `"error"`) {
		t.Fatalf("output %s", out.String())
	}
}

func TestNotebookAndAskCommands(t *testing.T) {
	dir := t.TempDir()
	e := env(map[string]string{"SENTRY_DATA_DIR": dir})
	doc := filepath.Join(dir, "plan.md")
	os.WriteFile(doc, []byte("# Launch plan\n\nThe launch is on the 14th of March. Priya owns the press release.\n\n# Budget\n\nThe budget is 40,000 euros.\n"), 0o600)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"notebook", "create", "Launch"}, &out, &errb, e); code != 0 {
		t.Fatalf("create: %d %s", code, errb.String())
	}
	if code := run(context.Background(), []string{"notebook", "add", "Launch", doc}, &out, &errb, e); code != 0 {
		t.Fatalf("add: %d %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "100%") {
		t.Fatalf("no progress shown: %s", errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"ask", "--notebook", "launch", "--json", "who owns the press release?"}, &out, &errb, e); code != 0 {
		t.Fatalf("ask: %d %s", code, errb.String())
	}
	var ans struct {
		Answer    string
		Citations []struct {
			N        int
			Filename string
		}
	}
	if err := json.Unmarshal(out.Bytes(), &ans); err != nil || !strings.Contains(ans.Answer, "Priya") || len(ans.Citations) == 0 || ans.Citations[0].Filename != "plan.md" {
		t.Fatalf("answer %s (%v)", out.String(), err)
	}
	errb.Reset()
	if code := run(context.Background(), []string{"ask", "--notebook", "nope", "x"}, &out, &errb, e); code != 1 || !strings.Contains(errb.String(), "No notebook named") {
		t.Fatalf("unknown notebook: %d %s", code, errb.String())
	}
}

// A second notebook of a name (in any case) is refused, so asking by that
// name still reaches the notebook that has the documents.
func TestNotebookCreateRefusesATakenName(t *testing.T) {
	dir := t.TempDir()
	e := env(map[string]string{"SENTRY_DATA_DIR": dir})
	doc := filepath.Join(dir, "plan.md")
	os.WriteFile(doc, []byte("# Launch plan\n\nPriya owns the press release.\n"), 0o600)
	var out, errb bytes.Buffer
	for _, args := range [][]string{{"notebook", "create", "Launch"}, {"notebook", "add", "Launch", doc}} {
		if code := run(context.Background(), args, &out, &errb, e); code != 0 {
			t.Fatalf("%v: %d %s", args, code, errb.String())
		}
	}
	for _, name := range []string{"Launch", "launch", " LAUNCH "} {
		errb.Reset()
		code := run(context.Background(), []string{"notebook", "create", name}, &out, &errb, e)
		if code != 1 || !strings.Contains(errb.String(), `a notebook named "Launch" already exists`) {
			t.Fatalf("create %q again: %d %s", name, code, errb.String())
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"notebook", "list"}, &out, &errb, e); code != 0 || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("list: %d %q", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"ask", "--notebook", "launch", "--json", "who owns the press release?"}, &out, &errb, e); code != 0 || !strings.Contains(out.String(), "Priya") {
		t.Fatalf("ask: %d %s %s", code, out.String(), errb.String())
	}
}

func TestExtractEngineFlag(t *testing.T) {
	llm := ollamatest.Start(t, "llama3.1:8b")
	llm.Chat = func(map[string]any) string {
		return `{"tasks":[{"title":"Ship the build","assignee":"Ana","due":"2026-03-06","type":"task","quote":"Ana ships the build on Friday."}]}`
	}
	e := env(map[string]string{"OLLAMA_HOST": llm.URL})
	in := strings.NewReader(`{"id":"x","text":"Ana ships the build on Friday.","now":"2026-03-02T09:00:00Z"}` + "\n")
	var out, errb bytes.Buffer
	if code := runExtract(context.Background(), []string{"--jsonl", "--engine", "ollama"}, in, &out, &errb, e); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "Ship the build") {
		t.Fatalf("ollama engine not used: %s", out.String())
	}
	errb.Reset()
	if code := runExtract(context.Background(), []string{"--engine", "ollama", "-"}, strings.NewReader("x"), &out, &errb,
		env(map[string]string{"OLLAMA_HOST": "127.0.0.1:1", "SENTRY_DATA_DIR": t.TempDir()})); code != 1 || !strings.Contains(errb.String(), "--engine rules") {
		t.Fatalf("unreachable ollama: %d %s", code, errb.String())
	}
	if code := runExtract(context.Background(), []string{"--kind", "poem", "-"}, strings.NewReader("x"), &out, &errb, env(map[string]string{"SENTRY_DATA_DIR": t.TempDir()})); code != 2 {
		t.Fatalf("bad kind: %d", code)
	}
}

// sentry extract adds what it finds to the local profile's task list (the
// README's promise), once: a second run finds the tasks already there.
// --no-save only prints.
func TestExtractSavesToTheLocalProfile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	notes := filepath.Join(t.TempDir(), "notes.md")
	os.WriteFile(notes, []byte("- [ ] Renew the domain by Friday\n- [ ] Book the venue for the offsite\n- [x] Pay the invoice\n"), 0o600)
	extract := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		args = append([]string{"extract", notes, "--now", "2026-03-02T09:00:00Z"}, args...)
		if code := run(ctx, args, &out, &errb, env(nil)); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String(), errb.String()
	}
	saved := func() map[string]*core.Task {
		t.Helper()
		cfg := config.Default()
		cfg.DataDir = dir
		a, err := app.New(ctx, app.Options{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		u, err := a.LocalUser(ctx)
		if err != nil {
			t.Fatal(err)
		}
		list, _, err := a.Tasks.List(core.NewContextWithUser(ctx, u), core.TaskFilter{UserID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		byTitle := map[string]*core.Task{}
		for _, task := range list {
			byTitle[task.Title] = task
		}
		return byTitle
	}

	out, errb := extract("--no-save", "--data", dir)
	if !strings.Contains(out, "Renew the domain") || strings.Contains(errb, "Added") {
		t.Fatalf("--no-save: %s %s", out, errb)
	}
	if _, err := os.Stat(filepath.Join(dir, "sentry.db")); !os.IsNotExist(err) {
		t.Fatalf("--no-save opened the data directory: %v", err)
	}

	out, errb = extract("--data", dir)
	if !strings.Contains(out, "1. [task] Renew the domain (due 2026-03-06)") || !strings.Contains(errb, "Added 2 tasks to your task list") {
		t.Fatalf("first run: %s %s", out, errb)
	}
	tasks := saved()
	renew := tasks["Renew the domain"]
	if len(tasks) != 2 || tasks["Book the venue for the offsite"] == nil || renew == nil ||
		renew.Deadline == nil || renew.Deadline.Format("2006-01-02") != "2026-03-06" ||
		renew.Source != core.SourceExtractedText || renew.Evidence["sentence"] == nil {
		t.Fatalf("saved tasks: %+v", tasks)
	}

	// Again, through the environment and with --json: nothing new.
	t.Setenv("SENTRY_DATA_DIR", dir)
	var outb, errbuf bytes.Buffer
	if code := run(ctx, []string{"extract", notes, "--now", "2026-03-02T09:00:00Z", "--json", "--no-save=false"}, &outb, &errbuf, os.Getenv); code != 0 {
		t.Fatalf("second run: %d %s", code, errbuf.String())
	}
	if !strings.Contains(outb.String(), `"status":"duplicate"`) || strings.Contains(outb.String(), `"status":"created"`) ||
		!strings.Contains(errbuf.String(), "Added 0 tasks to your task list; 2 were already there") {
		t.Fatalf("second run: %s %s", outb.String(), errbuf.String())
	}
	if n := len(saved()); n != 2 {
		t.Fatalf("%d tasks after the second run", n)
	}
}

// Long text goes through the extraction queue; the command waits for it.
func TestExtractSavesLongText(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(t.TempDir(), "long.txt")
	text := "Priya will send the budget report by Friday.\n\n" + strings.Repeat("The quarter went as planned and the weather was mild.\n", 600)
	os.WriteFile(long, []byte(text), 0o600)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"extract", long, "--now", "2026-03-02T09:00:00Z", "--data", dir}, &out, &errb, env(nil)); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "budget report") || !strings.Contains(errb.String(), "Added 1 task to your task list") {
		t.Fatalf("output %s %s", out.String(), errb.String())
	}
}

// The task list from the shell: add, list, edit, done and rm on a data
// folder's local profile, with the API's JSON, short ids and clear errors.
func TestTasksCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sentry := func(want int, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(ctx, append(args, "--data", dir), &out, &errb, env(nil)); code != want {
			t.Fatalf("%v: exit %d, want %d: %s %s", args, code, want, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	out, _ := sentry(0, "tasks", "add", "Renew the passport", "--due", "2026-12-04T17:00:00Z", "--priority", "high", "--json")
	var added core.Task
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.Title != "Renew the passport" || added.Priority != "high" ||
		added.Deadline == nil || !added.Deadline.Equal(time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("add --json: %v %s", err, out)
	}
	out, _ = sentry(0, "tasks", "add", "Call the plumber")
	if !strings.HasPrefix(out, "Added ") || !strings.Contains(out, "Call the plumber") {
		t.Fatalf("add: %s", out)
	}
	out, _ = sentry(0, "tasks", "list", "--json")
	var list struct{ Tasks []core.Task }
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Tasks) != 2 || list.Tasks[0].Title != "Renew the passport" {
		t.Fatalf("list --json: %v %s", err, out)
	}
	short := added.ID[len(added.ID)-8:]
	if _, errb := sentry(1, "tasks", "done", "abc"); !strings.Contains(errb, "at least 4 characters") {
		t.Fatalf("short id: %s", errb)
	}
	sentry(0, "tasks", "edit", added.ID[:13], "--title", "Renew the passport (photos!)", "--due", "none")
	out, _ = sentry(0, "tasks", "done", short)
	if !strings.HasPrefix(out, "Done "+short) {
		t.Fatalf("done: %s", out)
	}
	out, _ = sentry(0, "tasks", "list")
	if !strings.Contains(out, short+"  done") || !strings.Contains(out, "Renew the passport (photos!)") || !strings.Contains(out, "STATUS") {
		t.Fatalf("list: %s", out)
	}
	if _, errb := sentry(1, "tasks", "edit", added.ID, "--status", "finished"); !strings.Contains(errb, "Status must be one of") {
		t.Fatalf("bad status: %s", errb)
	}
	if _, errb := sentry(1, "tasks", "add", "x", "--due", "Friday"); !strings.Contains(errb, "RFC 3339") {
		t.Fatalf("bad due: %s", errb)
	}
	if _, errb := sentry(1, "tasks", "add", "x", "--due", "9999-12-31T23:59:59-23:59"); !strings.Contains(errb, "between the years") {
		t.Fatalf("far due: %s", errb)
	}
	sentry(0, "tasks", "rm", added.ID)
	out, _ = sentry(0, "tasks", "list", "--json")
	if strings.Contains(out, "Renew the passport") {
		t.Fatalf("after rm: %s", out)
	}
	if _, errb := sentry(2, "tasks", "frobnicate"); !strings.Contains(errb, "unknown command") {
		t.Fatalf("unknown: %s", errb)
	}
}
