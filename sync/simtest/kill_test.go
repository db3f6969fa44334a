package simtest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sentry/backend/sqlite"
	"sentry/sync/client"
	"sentry/sync/wire"
)

// The kill mode: devices and the team server are processes, SIGKILLed at
// seeded moments and started again. See doc.go.

var (
	killSeedFlag      = flag.String("kill-seed", "", "run only this kill schedule (hex, as a failure prints it)")
	killSchedulesFlag = flag.Int("kill-schedules", 0, "kill schedules to run (default $SIMTEST_KILL_SCHEDULES, else "+strconv.Itoa(defaultKillSchedules)+")")
)

func killSchedules() int {
	if *killSchedulesFlag > 0 {
		return *killSchedulesFlag
	}
	if n, err := strconv.Atoi(os.Getenv("SIMTEST_KILL_SCHEDULES")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return 2
	}
	return defaultKillSchedules
}

// killSeedBase keeps the kill schedules' seeds apart from the in-process
// ones.
const killSeedBase = 1 << 40

// TestKillConvergence runs kill schedules: each device a process on its own
// SQLite file, the server a process on its store, the parent killing them
// with SIGKILL mid-write, mid-push and mid-pull and starting them again;
// then the same oracles as TestConvergence.
func TestKillConvergence(t *testing.T) {
	if err := breakBuild(os.Getenv("SIMTEST_BROKEN")); err != nil {
		t.Fatal(err)
	}
	var seeds []uint64
	if *killSeedFlag != "" {
		s, err := strconv.ParseUint(strings.TrimPrefix(*killSeedFlag, "0x"), 16, 64)
		if err != nil {
			t.Fatalf("-kill-seed %q: %v", *killSeedFlag, err)
		}
		seeds = []uint64{s}
	} else {
		for i := 0; i < killSchedules(); i++ {
			seeds = append(seeds, seedOf(killSeedBase+uint64(i)))
		}
	}
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var total killStats
	start, cpu0 := time.Now(), cpuTime()
	for i, seed := range seeds {
		st, f := runKillSchedule(context.Background(), bin, seed)
		total.add(st)
		if f != nil {
			trace := f.trace
			if len(trace) > 500 {
				trace = append(append([]string{}, trace[:100]...), append([]string{"…"}, trace[len(trace)-400:]...)...)
			}
			t.Fatalf("SIMTEST FAILED: kill schedule %d, seed 0x%x: %s\nrun it again: go test ./sync/simtest -run TestKillConvergence -kill-seed=0x%x\n"+
				"(the operations and the kill plan follow the seed; where a kill fell is real time, as the trace records)\ntrace:\n%s",
				i, f.seed, f.msg, f.seed, joinTrace(trace))
		}
	}
	t.Logf("%d kill schedules converged in %s (processor time of this process %s; the children's is not counted): %s",
		len(seeds), time.Since(start).Round(time.Millisecond), (cpuTime() - cpu0).Round(time.Millisecond), total.summary())
}

// killStats count what kill schedules did.
type killStats struct {
	onPG, ops, writes, syncs, rounds                          int
	devKills, serverKills, starts, notReached                 int
	midWrite, midPush, pushAnswered, midPull, pulled, midCall int
	idle, signins, acked                                      int
	conflicts, rejections                                     int
	leaves, joins, memberDown                                 int
}

func (s *killStats) add(o killStats) {
	s.onPG += o.onPG
	s.ops += o.ops
	s.writes += o.writes
	s.syncs += o.syncs
	s.rounds += o.rounds
	s.devKills += o.devKills
	s.serverKills += o.serverKills
	s.starts += o.starts
	s.notReached += o.notReached
	s.midWrite += o.midWrite
	s.midPush += o.midPush
	s.pushAnswered += o.pushAnswered
	s.midPull += o.midPull
	s.pulled += o.pulled
	s.midCall += o.midCall
	s.idle += o.idle
	s.signins += o.signins
	s.acked += o.acked
	s.conflicts += o.conflicts
	s.rejections += o.rejections
	s.leaves += o.leaves
	s.joins += o.joins
	s.memberDown += o.memberDown
}

func (s killStats) summary() string {
	return fmt.Sprintf("%d with the server on PostgreSQL; %d operations, %d acknowledged field writes, %d syncs; %d device kills "+
		"(%d in a local write, %d once it had acknowledged its write, %d with a push in flight, %d after a push's answer arrived, %d with a pull in flight, %d after a pull's answer arrived, %d in sign-in or bind, %d between steps), "+
		"%d server kills, %d processes started, %d planned kills whose moment never came, %d sign-ins again after a kill spent the refresh token; "+
		"%d removals from the team and %d additions while a device synced (%d more not made: the server was down); %d quiesce rounds, %d conflicts, %d refused changes",
		s.onPG, s.ops, s.writes, s.syncs, s.devKills, s.midWrite, s.acked, s.midPush, s.pushAnswered, s.midPull, s.pulled, s.midCall, s.idle,
		s.serverKills, s.starts, s.notReached, s.signins, s.leaves, s.joins, s.memberDown, s.rounds, s.conflicts, s.rejections)
}

// proc is a child process and the lines it says.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // closed once the process has exited
	stderr *tailBuffer
}

// tailBuffer keeps the last few KB a child wrote to its standard error.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > 4096 {
		b.buf = b.buf[len(b.buf)-4096:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.buf))
}

func startProc(bin string, env []string) (*proc, error) {
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), env...)
	p := &proc{cmd: cmd, lines: make(chan string, 1024), stderr: &tailBuffer{}}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		_ = cmd.Wait()
		close(p.lines)
	}()
	return p, nil
}

// waitFor reads lines until one starts with prefix; the process exiting
// or the time running out first is an error.
func (p *proc) waitFor(prefix string, timeout time.Duration) (string, error) {
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				return "", fmt.Errorf("the process exited (%v): %s", p.cmd.ProcessState, p.stderr)
			}
			if strings.HasPrefix(line, prefix) {
				return line, nil
			}
		case <-tm.C:
			return "", fmt.Errorf("no %q within %s: %s", prefix, timeout, p.stderr)
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone, returning the
// lines it said before it died.
func (p *proc) kill() []string {
	_ = p.cmd.Process.Kill()
	var rest []string
	for line := range p.lines {
		rest = append(rest, line)
	}
	return rest
}

// kworld is one kill schedule, seen from the parent.
type kworld struct {
	ctx    context.Context
	rng    *rand.Rand
	mrng   *rand.Rand // the membership changes'
	seed   uint64
	bin    string
	dir    string
	tmpl   *templates
	broken string

	onPG    bool
	pgURL   string
	dropDB  func()
	users   [2]simUser
	teamID  string
	proxy   *httptest.Server
	backend atomic.Value // the server process's address
	hc      *http.Client
	server  *proc
	downFor int // operations until a killed server is started again
	devs    []*kdev
	start   time.Time
	st      killStats

	mu       sync.Mutex // the proxy's handlers write these
	trace    []string
	pushes   []loggedPush
	rejected map[int][][]string

	writes []write
	bases  map[string]bool

	memberErr error // a membership change that failed with the server up

	// members are the team's members on the server, by person: the
	// second person leaves and joins again while devices sync.
	members map[int]bool
	owner   string // the team owner's access token, for those changes
}

// kdev is a device process.
type kdev struct {
	idx, person int
	skew        time.Duration
	dir         string
	p           *proc
}

func (k *kworld) logf(format string, args ...any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.trace = append(k.trace, fmt.Sprintf("%4d %7.3fs ", len(k.trace), time.Since(k.start).Seconds())+fmt.Sprintf(format, args...))
}

func runKillSchedule(ctx context.Context, bin string, seed uint64) (killStats, *failure) {
	t, err := loadTemplates()
	if err != nil {
		return killStats{}, &failure{seed: seed, msg: "templates: " + err.Error()}
	}
	k := &kworld{ctx: ctx, rng: rand.New(rand.NewPCG(seed, seed^0x6a09e667f3bcc909)), mrng: rand.New(rand.NewPCG(seed, seed^0xbb67ae8584caa73b)), seed: seed, bin: bin, tmpl: t,
		broken: os.Getenv("SIMTEST_BROKEN"), rejected: map[int][][]string{}, bases: map[string]bool{}, start: time.Now(),
		members: map[int]bool{0: true, 1: true},
		hc:      &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}}
	if k.dir, err = os.MkdirTemp(scratch(), "simtest-kill-"); err != nil {
		return killStats{}, &failure{seed: seed, msg: err.Error()}
	}
	defer os.RemoveAll(k.dir)
	defer k.stopAll()
	k.onPG = t.pg != nil && os.Getenv("SIMTEST_STORE") == "postgres"
	fail := func(format string, args ...any) (killStats, *failure) {
		msg := fmt.Sprintf(format, args...)
		if k.onPG {
			msg += " (server on PostgreSQL: run it again under scripts/with-postgres with SIMTEST_STORE=postgres)"
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		return k.st, &failure{seed: seed, msg: msg, trace: k.trace}
	}
	if err := k.setup(); err != nil {
		return fail("setup: %v", err)
	}
	ops := 20 + k.rng.IntN(21)
	if raceEnabled {
		ops = min(ops, 8) // a child under the race detector starts in about a second
	}
	for i := 1; i <= ops; i++ {
		if err := k.step(i); err != nil {
			return fail("operation %d: %v", i, err)
		}
	}
	if err := k.quiesce(ops + 1); err != nil {
		return fail("%v", err)
	}
	if err := k.check(); err != nil {
		return fail("%v", err)
	}
	return k.st, nil
}

func (k *kworld) setup() error {
	if k.onPG {
		dsn, drop, err := k.tmpl.pg.newDatabase(k.ctx, k.seed)
		if err != nil {
			return err
		}
		k.pgURL, k.dropDB = dsn, drop
		k.users, k.teamID = k.tmpl.pg.users, k.tmpl.pg.teamID
		k.st.onPG++
		k.logf("server on PostgreSQL")
	} else {
		if err := os.WriteFile(filepath.Join(k.dir, "server.db"), k.tmpl.server, 0o600); err != nil {
			return err
		}
		k.users, k.teamID = k.tmpl.users, k.tmpl.teamID
	}
	k.backend.Store("127.0.0.1:1")
	k.proxy = httptest.NewServer(http.HandlerFunc(k.forward))
	if err := k.startServer(); err != nil {
		return err
	}
	n := 2 + k.rng.IntN(3)
	for i := 0; i < n; i++ {
		person := i
		if i >= 2 {
			person = k.rng.IntN(2)
		}
		d := &kdev{idx: i, person: person, skew: skews[k.rng.IntN(len(skews))], dir: filepath.Join(k.dir, fmt.Sprintf("device%d", i))}
		if err := os.Mkdir(d.dir, 0o700); err != nil {
			return err
		}
		id := fmt.Sprintf("dev-%016x-%d", k.rng.Uint64(), i)
		if err := writeDeviceFile(k.tmpl, filepath.Join(d.dir, "device.db"), id); err != nil {
			return err
		}
		k.devs = append(k.devs, d)
		k.logf("d%d is %s's, clock %+v, id %s", i, k.users[person].email, d.skew, id)
		if err := k.startDevice(d); err != nil {
			return err
		}
	}
	return nil
}

func (k *kworld) startServer() error {
	env := []string{childEnv + "=server", "SIMTEST_BROKEN=" + k.broken}
	if k.onPG {
		env = append(env, "SIMTEST_SERVER_PG="+k.pgURL)
	} else {
		env = append(env, "SIMTEST_SERVER_DB="+filepath.Join(k.dir, "server.db"))
	}
	p, err := startProc(k.bin, env)
	if err != nil {
		return err
	}
	k.st.starts++
	line, err := p.waitFor("listening ", 30*time.Second)
	if err != nil {
		p.kill()
		return fmt.Errorf("server: %w", err)
	}
	k.server = p
	k.backend.Store(strings.TrimPrefix(line, "listening "))
	k.logf("server started (pid %d) on %s", p.cmd.Process.Pid, strings.TrimPrefix(line, "listening "))
	return nil
}

// killServer kills the server process; it stays down for the next
// outage operations.
func (k *kworld) killServer(why string, outage int) {
	if k.server == nil {
		return
	}
	k.downFor = outage
	k.st.serverKills++
	k.logf("SIGKILL server (pid %d) %s", k.server.cmd.Process.Pid, why)
	k.server.kill()
	k.server = nil
}

func (k *kworld) startDevice(d *kdev) error {
	p, err := startProc(k.bin, []string{childEnv + "=device", "SIMTEST_BROKEN=" + k.broken,
		"SIMTEST_DEVICE_DIR=" + d.dir, "SIMTEST_DEVICE_IDX=" + strconv.Itoa(d.idx), "SIMTEST_SKEW=" + d.skew.String(),
		"SIMTEST_SERVER_URL=" + k.proxy.URL, "SIMTEST_EMAIL=" + k.users[d.person].email, "SIMTEST_TEAM=" + k.teamID})
	if err != nil {
		return err
	}
	k.st.starts++
	if _, err := p.waitFor("ready", 30*time.Second); err != nil {
		p.kill()
		return fmt.Errorf("device %d: %w", d.idx, err)
	}
	d.p = p
	k.logf("d%d started (pid %d)", d.idx, p.cmd.Process.Pid)
	return nil
}

// stopAll ends every child and the proxy, and drops the schedule's
// PostgreSQL database.
func (k *kworld) stopAll() {
	for _, d := range k.devs {
		if d.p != nil {
			d.p.kill()
			d.p = nil
		}
	}
	if k.server != nil {
		k.server.kill()
		k.server = nil
	}
	if k.proxy != nil {
		k.proxy.Close()
	}
	if k.dropDB != nil {
		k.dropDB()
		k.dropDB = nil
	}
}

// forward is the parent's proxy between the devices and the server
// process: the address the devices know stays while the server process
// changes, and it notes what the oracles need (the pushes the server
// answered 200 to, the changes it refused). A server that is down answers
// 503, as a load balancer in front of it would.
func (k *kworld) forward(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	// The request goes on when the device dies: a server sees a push
	// through even when its sender is gone.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	defer cancel()
	out, _ := http.NewRequestWithContext(ctx, r.Method, "http://"+k.backend.Load().(string)+r.URL.RequestURI(), bytes.NewReader(body))
	out.Header = r.Header.Clone()
	dev, _ := strconv.Atoi(r.Header.Get(deviceHeader))
	res, err := k.hc.Do(out)
	if err != nil {
		k.logf("proxy: d%d %s %s: server unreachable", dev, r.Method, r.URL.Path)
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusServiceUnavailable)
		_, _ = rw.Write([]byte(`{"error":{"code":"unavailable","message":"The server is restarting. Try again."}}`))
		return
	}
	rb, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		k.logf("proxy: d%d %s %s: answer cut: %v", dev, r.Method, r.URL.Path, err)
		hj, ok := rw.(http.Hijacker)
		if ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
		return
	}
	switch {
	case r.URL.Path == "/api/sync/push" && res.StatusCode == http.StatusOK:
		var pr wire.PushResponse
		if err := json.Unmarshal(rb, &pr); err == nil {
			k.mu.Lock()
			k.pushes = append(k.pushes, loggedPush{dev: dev, token: r.Header.Get("Authorization"), body: body})
			for _, rj := range pr.Rejected {
				k.rejected[dev] = append(k.rejected[dev], rj.ChangeIDs)
			}
			k.mu.Unlock()
			for _, rj := range pr.Rejected {
				k.logf("proxy: d%d push: %s %s refused: %s %s", dev, rj.Table, short(rj.RowID), rj.Code, rj.Message)
			}
			k.logf("proxy: d%d push: %d applied, %d superseded, %d refused, %d conflicts", dev, len(pr.Applied), len(pr.Superseded), len(pr.Rejected), pr.Conflicts)
		}
	case r.URL.Path == "/api/sync/pull" && res.StatusCode == http.StatusOK:
		var pr wire.PullResponse
		if err := json.Unmarshal(rb, &pr); err == nil {
			k.logf("proxy: d%d pull: %d entries more=%v", dev, len(pr.Entries), pr.HasMore)
		}
	case res.StatusCode >= 300:
		k.logf("proxy: d%d %s %s: %d %s", dev, r.Method, r.URL.Path, res.StatusCode, strings.TrimSpace(string(rb)))
	}
	for h, v := range res.Header {
		rw.Header()[h] = v
	}
	rw.WriteHeader(res.StatusCode)
	_, _ = rw.Write(rb)
}

// killPlan is where an operation's kills fall: a device kill after a delay
// or when the device says a line ("push>", "push<", "pull>", "pull<",
// "ack"), and a server kill likewise.
type killPlan struct {
	devDelay  time.Duration
	devAt     string
	srvDelay  time.Duration
	srvAt     string
	srvOutage int // operations the server stays down
	// member: the team's owner removes the second person from the team,
	// or adds them back, when the device says this line ("now": as the
	// operation starts); at the operation's end if it never says it.
	member string
}

func (p killPlan) String() string {
	var parts []string
	if p.devDelay > 0 {
		parts = append(parts, fmt.Sprintf("device after %s", p.devDelay))
	}
	if p.devAt != "" {
		parts = append(parts, "device at "+p.devAt)
	}
	if p.srvDelay > 0 {
		parts = append(parts, fmt.Sprintf("server after %s", p.srvDelay))
	}
	if p.srvAt != "" {
		parts = append(parts, "server at "+p.srvAt)
	}
	if p.member != "" {
		parts = append(parts, "membership changes at "+p.member)
	}
	return strings.Join(parts, ", ")
}

// step runs one seeded operation with its seeded kill plan.
func (k *kworld) step(n int) error {
	k.st.ops++
	d := k.devs[k.rng.IntN(len(k.devs))]
	var kind string
	switch r := k.rng.IntN(100); {
	case r < 18:
		kind = "create"
	case r < 26:
		kind = "team"
	case r < 46:
		kind = "update"
	case r < 52:
		kind = "delete"
	case r < 55:
		kind = "restore"
	default:
		kind = "sync"
	}
	seed := k.rng.Uint64()
	var pl killPlan
	if kind == "sync" && k.mrng.IntN(100) < 12 {
		// The membership changes on the server while this device syncs:
		// before its push, with its push or pull in flight, or once its
		// pull's answer is in. Drawn from a stream of its own, so the
		// operations and kills of a seed stay what they were before
		// membership changes were added.
		pl.member = []string{"now", "push>", "pull>", "pull<"}[k.mrng.IntN(4)]
	}
	if k.rng.IntN(100) < 35 {
		if k.rng.IntN(2) == 0 {
			if kind == "sync" {
				pl.devDelay = time.Duration(1+k.rng.IntN(40)) * time.Millisecond
			} else {
				// A local write ends within a few milliseconds.
				pl.devDelay = time.Duration(2+k.rng.IntN(40)) * 250 * time.Microsecond
			}
		} else if kind == "sync" {
			pl.devAt = []string{"push>", "push<", "pull>", "pull<"}[k.rng.IntN(4)]
		} else {
			pl.devAt = "ack"
		}
	}
	if k.server != nil && k.rng.IntN(100) < 10 {
		if kind == "sync" && k.rng.IntN(2) == 0 {
			pl.srvAt = []string{"push>", "pull>"}[k.rng.IntN(2)]
		} else {
			pl.srvDelay = time.Duration(1+k.rng.IntN(30)) * time.Millisecond
		}
		pl.srvOutage = k.rng.IntN(3)
	}
	if d.p == nil {
		if err := k.startDevice(d); err != nil {
			return err
		}
	}
	k.logf("op %d: d%d %s (seed %d) %s", n, d.idx, kind, seed, pl)
	if _, err := k.run(d, n, kind, seed, pl); err != nil {
		return err
	}
	if k.memberErr != nil {
		return k.memberErr
	}
	if k.server == nil {
		if k.downFor <= 0 {
			return k.startServer()
		}
		k.downFor--
		k.logf("the server stays down")
	}
	return nil
}

// toggleMember has the team's owner take the second person out of the
// team on the server, or add them back, through the API as a person
// would (the server process is not killed meanwhile). With the server down
// nothing changes. The oracles then hold each device to the membership
// the server ends with: none of the team's rows on a device of someone
// outside it.
func (k *kworld) toggleMember(when string) error {
	if k.server == nil {
		k.st.memberDown++
		k.logf("membership: the server is down; %s stays as it was (%s)", k.users[1].email, when)
		return nil
	}
	base := "http://" + k.backend.Load().(string)
	call := func(method, path, token string, body any) (int, []byte, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(k.ctx, method, base+path, rd)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := k.hc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		out, err := io.ReadAll(res.Body)
		return res.StatusCode, out, err
	}
	var status int
	var out []byte
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if k.owner == "" {
			st, body, err := call("POST", "/api/auth/login", "", map[string]string{"email": k.users[0].email, "password": password})
			if err != nil || st != http.StatusOK {
				return fmt.Errorf("membership: the owner's sign-in: %d %s %v", st, body, err)
			}
			var sess struct {
				AccessToken string `json:"access_token"`
			}
			if err := json.Unmarshal(body, &sess); err != nil || sess.AccessToken == "" {
				return fmt.Errorf("membership: the owner's sign-in answered %s", body)
			}
			k.owner = sess.AccessToken
		}
		if k.members[1] {
			status, out, err = call("DELETE", "/api/teams/"+k.teamID+"/members/"+k.users[1].id, k.owner, nil)
		} else {
			status, out, err = call("POST", "/api/teams/"+k.teamID+"/members", k.owner, map[string]string{"email": k.users[1].email, "role": "member"})
		}
		if status != http.StatusUnauthorized {
			break
		}
		k.owner = "" // signed in again: the token ran out
	}
	switch {
	case err != nil:
		return fmt.Errorf("membership: %v", err)
	case k.members[1] && status == http.StatusNoContent:
		k.members[1] = false
		k.st.leaves++
		k.logf("membership: %s is removed from the team %s", k.users[1].email, when)
	case !k.members[1] && status == http.StatusCreated:
		k.members[1] = true
		k.st.joins++
		k.logf("membership: %s is added to the team again %s", k.users[1].email, when)
	default:
		return fmt.Errorf("membership: the server answered %d %s", status, strings.TrimSpace(string(out)))
	}
	return nil
}

// syncResult is what a device's sync round reported.
type syncResult struct {
	pushed, pulled, pending int
	err                     string
}

// run sends one operation to a device and follows it to its end, killing
// as planned. A killed device is started again before its next operation.
func (k *kworld) run(d *kdev, n int, kind string, seed uint64, pl killPlan) (*syncResult, error) {
	p := d.p
	if _, err := fmt.Fprintf(p.stdin, "op %d %s %d\n", n, kind, seed); err != nil {
		return nil, fmt.Errorf("device %d: send: %w", d.idx, err)
	}
	begun := time.Now()
	var devC, srvC <-chan time.Time
	if pl.devDelay > 0 {
		tm := time.NewTimer(pl.devDelay)
		defer tm.Stop()
		devC = tm.C
	}
	if pl.srvDelay > 0 {
		tm := time.NewTimer(pl.srvDelay)
		defer tm.Stop()
		srvC = tm.C
	}
	hung := time.NewTimer(60 * time.Second)
	defer hung.Stop()
	if pl.member == "now" {
		if err := k.toggleMember(fmt.Sprintf("as d%d's sync begins", d.idx)); err != nil {
			return nil, err
		}
		pl.member = ""
	}
	// A membership change planned at a moment that never comes is made
	// when the operation ends, so each planned change is made.
	defer func() {
		if pl.member != "" {
			if err := k.toggleMember(fmt.Sprintf("after d%d's op %d (no %s came)", d.idx, n, pl.member)); err != nil {
				k.logf("%v", err)
				k.memberErr = err
			}
		}
	}()
	killed := false
	stage := "" // the last thing the device said in this operation
	var res *syncResult
	killDev := func(why string) {
		if killed {
			return
		}
		killed = true
		k.st.devKills++
		where := "between steps"
		switch {
		case kind != "sync" && stage == "":
			k.st.midWrite++
			where = "in its local write"
		case stage == "ack":
			k.st.acked++
			where = "once it had acknowledged its write"
		case stage == "push>":
			k.st.midPush++
			where = "with a push in flight"
		case stage == "push<":
			k.st.pushAnswered++
			where = "after its push's answer arrived"
		case stage == "pull>":
			k.st.midPull++
			where = "with a pull in flight"
		case stage == "pull<":
			k.st.pulled++
			where = "after its pull's answer arrived"
		case stage == "call>" || stage == "call<":
			k.st.midCall++
			where = "in sign-in or bind"
		default:
			k.st.idle++
		}
		k.logf("SIGKILL d%d (pid %d) %s, %s after op %d began: %s", d.idx, p.cmd.Process.Pid, why, time.Since(begun).Round(10*time.Microsecond), n, where)
		_ = p.cmd.Process.Kill()
	}
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				d.p = nil
				if !killed {
					return nil, fmt.Errorf("device %d exited by itself during op %d (%v): %s", d.idx, n, p.cmd.ProcessState, p.stderr)
				}
				return res, nil
			}
			f := strings.Fields(line)
			if len(f) < 2 || f[1] != strconv.Itoa(n) {
				return nil, fmt.Errorf("device %d said %q during op %d", d.idx, line, n)
			}
			switch f[0] {
			case "ack":
				if len(f) != 6 {
					return nil, fmt.Errorf("device %d: bad ack %q", d.idx, line)
				}
				k.ack(d, f[2], f[3], undash(f[4]), undash(f[5]))
				if kind != "sync" {
					stage = "ack"
				}
				if pl.devAt == "ack" {
					killDev("as planned, on its acknowledgement")
				}
			case "net":
				stage = f[2]
				if pl.member == stage {
					pl.member = ""
					if err := k.toggleMember(fmt.Sprintf("when d%d's %s", d.idx, stage)); err != nil {
						return nil, err
					}
				}
				if pl.devAt == stage {
					killDev("as planned, at " + stage)
				}
				if pl.srvAt == stage {
					k.killServer(fmt.Sprintf("as planned, when d%d's %s", d.idx, map[string]string{"push>": "push left", "pull>": "pull left"}[stage]), pl.srvOutage)
					pl.srvAt = ""
				}
			case "synced":
				k.st.syncs++
				res = &syncResult{err: strings.Join(f[5:], " ")}
				res.pushed, _ = strconv.Atoi(f[2])
				res.pulled, _ = strconv.Atoi(f[3])
				res.pending, _ = strconv.Atoi(f[4])
				k.logf("d%d synced: pushed %d, pulled %d, pending %d, error %s", d.idx, res.pushed, res.pulled, res.pending, res.err)
			case "signin":
				k.st.signins++
				k.logf("d%d was signed out (%s) and signs in again with its password", d.idx, strings.ReplaceAll(strings.Join(f[2:], " "), "_", " "))
			case "fail":
				return nil, fmt.Errorf("device %d: %s", d.idx, strings.Join(f[2:], " "))
			case "done":
				if !killed {
					if pl.devAt != "" || pl.devDelay > 0 {
						k.st.notReached++
						k.logf("op %d: the planned kill of d%d did not come before the op ended", n, d.idx)
					}
					if pl.srvAt != "" {
						k.st.notReached++
					}
					return res, nil
				}
			default:
				return nil, fmt.Errorf("device %d said %q", d.idx, line)
			}
		case <-devC:
			killDev("as planned, after " + pl.devDelay.String())
		case <-srvC:
			k.killServer(fmt.Sprintf("as planned, %s into op %d", pl.srvDelay, n), pl.srvOutage)
		case <-hung.C:
			return nil, fmt.Errorf("device %d: op %d did not end within a minute: %s", d.idx, n, p.stderr)
		}
	}
}

// ack records a write the device reported committed.
func (k *kworld) ack(d *kdev, row, field, clock, base string) {
	// A clock of "-" is the broken device's early word: the row is
	// promised before it exists; its clock comes with the real one.
	if clock == "" {
		k.bases[row+"\x00"+field+"\x00"] = true
	}
	k.writes = append(k.writes, write{dev: d.idx, row: row, field: field, clock: clock, base: base})
	k.st.writes++
	if base != "" {
		k.bases[row+"\x00"+field+"\x00"+base] = true
	}
	k.logf("d%d acknowledged %s.%s at %s", d.idx, short(row), field, clock)
}

// quiesce starts what is down, then has every device sync round by round
// until a round moves nothing; a fifth round that still moves, or a sync
// that fails with everything up, is a liveness failure.
func (k *kworld) quiesce(n int) error {
	if k.server == nil {
		if err := k.startServer(); err != nil {
			return err
		}
	}
	k.logf("heal: no more kills, every process up")
	for round := 1; round <= 5; round++ {
		k.st.rounds++
		moved := false
		for _, d := range k.devs {
			if d.p == nil {
				if err := k.startDevice(d); err != nil {
					return err
				}
			}
			res, err := k.run(d, n, "sync", 0, killPlan{})
			n++
			if err != nil {
				return err
			}
			if res == nil {
				return fmt.Errorf("liveness: device %d's sync in round %d reported nothing", d.idx, round)
			}
			if res.err != "-" {
				return fmt.Errorf("liveness: device %d cannot sync with every process up: %s", d.idx, res.err)
			}
			if res.pushed > 0 || res.pulled > 0 || res.pending > 0 {
				moved = true
			}
		}
		if !moved {
			return nil
		}
	}
	return fmt.Errorf("liveness: the devices still move after 5 rounds of sync with every process up")
}

// check stops the processes and runs TestConvergence's oracles on what
// they left: the server's store opened in this process, each device's
// file, the acknowledged writes and the pushes and refusals the proxy saw.
func (k *kworld) check() error {
	for _, d := range k.devs {
		if d.p != nil {
			_ = d.p.stdin.Close()
			if _, err := d.p.waitFor("\x00never", 20*time.Second); err != nil && !strings.Contains(err.Error(), "exited") {
				return fmt.Errorf("device %d did not stop: %v", d.idx, err)
			}
			d.p = nil
		}
	}
	if k.server != nil {
		k.server.kill()
		k.server = nil
	}
	k.mu.Lock()
	w := &world{ctx: k.ctx, rng: rand.New(rand.NewPCG(k.seed, 99)), dir: k.dir, tmpl: k.tmpl, seed: k.seed, onPG: k.onPG,
		now: time.Now(), users: k.users, teamID: k.teamID, members: k.members,
		writes: k.writes, bases: k.bases, pushes: k.pushes, rejected: k.rejected}
	k.mu.Unlock()
	w.server = &server{path: filepath.Join(k.dir, "server.db"), pgURL: k.pgURL}
	defer func() {
		k.mu.Lock()
		k.trace = append(k.trace, w.trace...)
		k.mu.Unlock()
		w.close()
	}()
	if err := w.startServer(); err != nil {
		return err
	}
	for _, kd := range k.devs {
		path := filepath.Join(kd.dir, "device.db")
		db, err := sqlite.Open(k.ctx, path, sqlite.Options{ReadConns: 1})
		if err != nil {
			return err
		}
		d := &device{idx: kd.idx, person: kd.person, db: db, id: db.DeviceID}
		w.devs = append(w.devs, d)
		if d.ro, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)"); err != nil {
			return err
		}
		d.engine = client.New(client.Options{Store: db, DeviceID: db.DeviceID})
	}
	if err := k.seenByOwnDevice(w); err != nil {
		return err
	}
	err := w.check()
	k.st.conflicts += w.stats.conflicts
	k.st.rejections += w.stats.rejections
	return err
}

// seenByOwnDevice adds what a killed device saw without saying so. A
// device killed after a write's commit and before its acknowledgement made
// a write the parent never heard of, and with it the clock it had seen: a
// later write of the same device to the same field was made on top of
// every earlier one of that device (a device's clock of a field it holds
// never goes back). So an acknowledged write is seen when any clock of its
// own device on that field above it shows up: in an acknowledgement, in a
// push or on the server; and a clock is seen when a pushed patch names it
// as the base it was written on.
func (k *kworld) seenByOwnDevice(w *world) error {
	clocks := map[string][]string{} // "row\x00field" → clocks observed
	note := func(row, field, c string) {
		if c != "" {
			clocks[row+"\x00"+field] = append(clocks[row+"\x00"+field], c)
		}
	}
	for _, wr := range w.writes {
		note(wr.row, wr.field, wr.clock)
	}
	for _, p := range w.pushes {
		var req wire.PushRequest
		if err := json.Unmarshal(p.body, &req); err != nil {
			return err
		}
		for _, pt := range req.Patches {
			for f, c := range pt.Clocks {
				note(pt.RowID, f, c)
			}
			// The clock a pushed field had seen: what the device says
			// it wrote on top of, as the merge takes it.
			for f, b := range pt.Base {
				if b != "" {
					w.bases[pt.RowID+"\x00"+f+"\x00"+b] = true
				}
			}
		}
	}
	all, err := w.serverTasks("")
	if err != nil {
		return err
	}
	for id, r := range all {
		for f, c := range r.clocks {
			note(id, f, c)
		}
	}
	for _, wr := range w.writes {
		for _, c := range clocks[wr.row+"\x00"+wr.field] {
			if c > wr.clock && devicePart(c) == devicePart(wr.clock) {
				w.bases[wr.row+"\x00"+wr.field+"\x00"+wr.clock] = true
				break
			}
		}
	}
	return nil
}

// TestKillCatchesBugs shows that the kill mode can fail: a device that
// acknowledges a new task before its commit (ackEarly, the harness's own
// broken device), a server whose merge lets the last push win
// (lastPushWins, the merge's broken variant), and a device that keeps a
// team's rows after its person was removed from the team while it synced
// (keepTeam, the harness's), must each make some kill schedule fail.
func TestKillCatchesBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package again with -tags simbroken")
	}
	if raceEnabled {
		t.Skip("runs without -race (make test runs it so)")
	}
	bin := simbrokenBinary(t)
	for _, variant := range []string{"ackEarly", "lastPushWins", "keepTeam"} {
		t.Run(variant, func(t *testing.T) {
			cmd := exec.Command(bin, "-test.run", "^TestKillConvergence$", "-test.count=1", "-kill-schedules", strconv.Itoa(brokenKillSchedules))
			cmd.Env = append(os.Environ(), "SIMTEST_BROKEN="+variant)
			out, err := cmd.CombinedOutput()
			text := string(out)
			i := strings.Index(text, "SIMTEST FAILED: ")
			if err == nil || i < 0 {
				t.Fatalf("%d kill schedules of the %s build all passed: the kill mode did not catch it (%v)\n%s", brokenKillSchedules, variant, err, tail(text, 2000))
			}
			line, _, _ := strings.Cut(text[i:], "\n")
			t.Logf("caught: %s", line)
		})
	}
}

// brokenKillSchedules is how many kill schedules a broken build gets to
// fail.
const brokenKillSchedules = 25
