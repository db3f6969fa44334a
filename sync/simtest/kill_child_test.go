package simtest

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"sentry/backend/core"
	"sentry/backend/postgres"
	"sentry/backend/sqlite"
	"sentry/backend/task"
	"sentry/backend/team"
	"sentry/sync/client"
	"sentry/sync/hlc"
)

// The kill mode's child processes: the test binary run again with
// $SIMTEST_CHILD set (TestMain sends it here) is a team server or a device.
// They speak to the parent in lines on standard output, one write a line,
// so what a child said before it was killed is still read whole.

// childEnv names the role of a child process: "server" or "device".
const childEnv = "SIMTEST_CHILD"

// runChild runs this process as a child and returns its exit code.
func runChild(role string) int {
	var err error
	switch role {
	case "server":
		err = serverChild()
	case "device":
		err = deviceChild()
	default:
		err = fmt.Errorf("unknown child role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "simtest %s child: %v\n", role, err)
		return 1
	}
	return 0
}

// say writes one line to the parent in a single write.
func say(format string, args ...any) {
	_, _ = os.Stdout.WriteString(fmt.Sprintf(format, args...) + "\n")
}

// serverChild is the team server: the real handler on the store in
// $SIMTEST_SERVER_DB (SQLite) or $SIMTEST_SERVER_PG (PostgreSQL), on a
// port of 127.0.0.1 it tells the parent ("listening ADDR").
func serverChild() error {
	if err := breakBuild(os.Getenv("SIMTEST_BROKEN")); err != nil {
		return err
	}
	ctx := context.Background()
	clock := hlc.New(nil)
	var db serverDB
	var err error
	if u := os.Getenv("SIMTEST_SERVER_PG"); u != "" {
		db, err = postgres.Open(ctx, u, postgres.Options{Clock: clock, MaxConns: 4})
	} else {
		db, err = sqlite.Open(ctx, os.Getenv("SIMTEST_SERVER_DB"), sqlite.Options{ReadConns: 2, Clock: clock})
	}
	if err != nil {
		return fmt.Errorf("open the store: %w", err)
	}
	h, _, err := newServerHandler(db, clock, time.Now)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// The parent holds this process's standard input: when the parent is
	// gone, so is the server.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	say("listening %s", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// deviceChild is one device: its SQLite file in $SIMTEST_DEVICE_DIR, its
// clock $SIMTEST_SKEW ahead of real time, the sync engine talking to the
// parent's proxy of the server. It reads operations from standard input,
// one a line ("op N KIND R": R seeds the operation's choices), and
// answers with lines:
//
//	ack N ROW FIELD CLOCK BASE   a local write committed (only after its commit)
//	net N push> | push< | pull> | pull< | call> | call<   a request leaves / its answer arrives
//	signin N REASON              the device was signed out and signs in again
//	synced N PUSHED PULLED PENDING ERR   a sync round ended
//	done N                       the operation ended
//	fail N MESSAGE               the operation broke (the schedule fails)
func deviceChild() error {
	ctx := context.Background()
	dir := os.Getenv("SIMTEST_DEVICE_DIR")
	idx, _ := strconv.Atoi(os.Getenv("SIMTEST_DEVICE_IDX"))
	skew, err := time.ParseDuration(os.Getenv("SIMTEST_SKEW"))
	if err != nil {
		return err
	}
	broken := os.Getenv("SIMTEST_BROKEN")
	if err := breakBuild(broken); err != nil {
		return err
	}
	w := &world{ctx: ctx, rng: rand.New(rand.NewPCG(1, 2)), now: time.Now(), teamID: os.Getenv("SIMTEST_TEAM"), members: map[int]bool{0: true, 1: true},
		opt:   options{keepTeam: broken == "keepTeam"},
		bases: map[string]bool{}, rejected: map[int][][]string{}}
	now := func() time.Time { return time.Now().Add(skew) }
	clock := hlc.New(now)
	d := &device{idx: idx, skew: skew}
	path := filepath.Join(dir, "device.db")
	if d.db, err = sqlite.Open(ctx, path, sqlite.Options{ReadConns: 1, Now: now, Clock: clock}); err != nil {
		return err
	}
	defer d.db.Close()
	if d.ro, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)"); err != nil {
		return err
	}
	defer d.ro.Close()
	d.ro.SetMaxOpenConns(1)
	if d.local, err = d.db.FindLocalUser(ctx); err != nil {
		return err
	}
	d.id = d.db.DeviceID
	teams := team.NewService(d.db, d.db)
	d.tasks = task.NewService(d.db, nil, nil)
	d.tasks.Teams = teams
	d.store = &faultyStore{SyncClientStore: d.db, w: w, d: d}
	var op atomic.Int64
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &reportingTransport{dev: idx, op: &op,
		base: &http.Transport{DisableKeepAlives: true}}}
	d.engine = client.New(client.Options{Store: d.store, Tasks: d.db, Clock: clock, Secrets: &client.FileSecrets{Path: filepath.Join(dir, "secrets.json")},
		DeviceID: d.db.DeviceID, DeviceName: fmt.Sprintf("device %d", idx), LocalUserID: d.local.ID, HTTP: hc, Now: now})

	// Bind once; a restarted device finds its binding in its file.
	if _, err := d.db.SyncBinding(ctx); core.ErrorCode(err) == core.ENOTFOUND {
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, err := d.engine.Connect(ctx, os.Getenv("SIMTEST_SERVER_URL"), os.Getenv("SIMTEST_EMAIL"), password)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("connect: %w", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	} else if err != nil {
		return err
	}
	say("ready")

	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var n int
		var kind string
		var r uint64
		if _, err := fmt.Sscanf(in.Text(), "op %d %s %d", &n, &kind, &r); err != nil {
			return fmt.Errorf("bad command %q", in.Text())
		}
		op.Store(int64(n))
		w.rng = rand.New(rand.NewPCG(r, uint64(n)))
		w.writes = w.writes[:0]
		var err error
		switch kind {
		case "create", "team":
			if broken == "ackEarly" {
				err = ackEarlyCreate(w, d, n, kind == "team")
				break
			}
			err = w.createTask(d, kind == "team")
		case "update":
			err = w.updateTask(d)
		case "delete":
			err = w.deleteTask(d)
		case "restore":
			err = w.restoreTask(d)
		case "sync":
			res, serr := d.engine.SyncNow(d.ctx(w))
			var ce *client.Error
			if errors.As(serr, &ce) && ce.Status == http.StatusUnauthorized && os.Getenv("SIMTEST_KILL_SIGNIN") == "tolerate" {
				// Signed out. Since the server takes a refresh token
				// back for a minute after its rotation, a kill between
				// the rotation and the device's keeping the new token
				// no longer signs it out, and by default a sign-out
				// fails the run; tolerated, the person signs in again
				// (sentry sync connect) and the run counts it.
				say("signin %d %s", n, strings.ReplaceAll(serr.Error(), " ", "_"))
				if _, cerr := d.engine.Connect(ctx, os.Getenv("SIMTEST_SERVER_URL"), os.Getenv("SIMTEST_EMAIL"), password); cerr != nil {
					serr = cerr
				} else {
					res, serr = d.engine.SyncNow(d.ctx(w))
				}
			}
			msg := "-"
			if serr != nil {
				msg = strings.ReplaceAll(serr.Error(), "\n", " ")
			}
			say("synced %d %d %d %d %s", n, res.Pushed, res.Pulled, res.Pending, msg)
		default:
			err = fmt.Errorf("unknown operation %q", kind)
		}
		if err != nil {
			say("fail %d %s", n, strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		// The writes this operation made are committed: acknowledge them.
		// One write for all of them: the parent hears all or none.
		var acks strings.Builder
		for _, wr := range w.writes {
			fmt.Fprintf(&acks, "ack %d %s %s %s %s\n", n, wr.row, wr.field, dash(wr.clock), dash(wr.base))
		}
		if acks.Len() > 0 {
			_, _ = os.Stdout.WriteString(acks.String())
		}
		w.trace = w.trace[:0]
		say("done %d", n)
	}
	return in.Err()
}

// ackEarlyCreate is the broken device of the kill mode (SIMTEST_BROKEN=
// ackEarly, in a simbroken build): it tells the parent a new task is
// written before it writes it, as a device that acknowledged before its
// commit would; a kill in between loses an acknowledged write.
func ackEarlyCreate(w *world, d *device, n int, forTeam bool) error {
	t := &core.Task{ID: sqlite.NewID(), UserID: d.local.ID, Title: titles[w.rng.IntN(len(titles))], Priority: priorities[w.rng.IntN(len(priorities))]}
	if forTeam {
		t.TeamID = w.teamID
	}
	say("ack %d %s title - -", n, t.ID)
	time.Sleep(20 * time.Millisecond)
	task.ApplyDefaults(t)
	if err := d.db.CreateTask(d.ctx(w), t); err != nil {
		return err
	}
	// The real acknowledgement, after the commit, follows.
	return w.noteWrite(d, t.ID, nil)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func undash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// reportingTransport tells the parent when a request of the sync engine
// leaves and when its answer arrives, so the parent can kill the device
// (or the server) at those moments; it names the device to the parent's
// proxy.
type reportingTransport struct {
	dev  int
	op   *atomic.Int64
	base http.RoundTripper
}

func (t *reportingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	what := "call"
	switch req.URL.Path {
	case "/api/sync/push":
		what = "push"
	case "/api/sync/pull":
		what = "pull"
	}
	req = req.Clone(req.Context())
	req.Header.Set(deviceHeader, strconv.Itoa(t.dev))
	n := t.op.Load()
	say("net %d %s>", n, what)
	res, err := t.base.RoundTrip(req)
	say("net %d %s<", n, what)
	return res, err
}

// deviceHeader names the device to the parent's proxy.
const deviceHeader = "X-Simtest-Device"
