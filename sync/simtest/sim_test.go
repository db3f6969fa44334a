package simtest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var (
	seedFlag      = flag.String("seed", "", "run only this schedule (hex, as a failure prints it)")
	schedulesFlag = flag.Int("schedules", 0, "schedules to run (default $SIMTEST_SCHEDULES, else "+strconv.Itoa(defaultSchedules)+")")
	opsFlag       = flag.Int("ops", 0, "operations per schedule (default 12–36, from the seed)")
	firstSeedFlag = flag.Uint64("first-seed", 1, "the first schedule's seed; the others follow")
)

// schedules is how many schedules TestConvergence runs.
func schedules() int {
	if *schedulesFlag > 0 {
		return *schedulesFlag
	}
	if n, err := strconv.Atoi(os.Getenv("SIMTEST_SCHEDULES")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return 50
	}
	return defaultSchedules
}

// seedOf spreads consecutive schedule numbers over the seed space.
func seedOf(i uint64) uint64 {
	z := i + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// TestConvergence runs seeded schedules and stops at the first that breaks
// an oracle, printing how to run it again and what happened.
func TestConvergence(t *testing.T) {
	if err := breakBuild(os.Getenv("SIMTEST_BROKEN")); err != nil {
		t.Fatal(err)
	}
	opt := options{ops: *opsFlag, cursorFirst: os.Getenv("SIMTEST_BROKEN") == "cursorFirst", keepTeam: os.Getenv("SIMTEST_BROKEN") == "keepTeam"}
	var seeds []uint64
	if *seedFlag != "" {
		s, err := strconv.ParseUint(strings.TrimPrefix(*seedFlag, "0x"), 16, 64)
		if err != nil {
			t.Fatalf("-seed %q: %v", *seedFlag, err)
		}
		seeds = []uint64{s}
	} else {
		for i := 0; i < schedules(); i++ {
			seeds = append(seeds, seedOf(*firstSeedFlag+uint64(i)))
		}
	}
	// Schedules are independent and each is single-threaded: they can run
	// on several workers ($SIMTEST_WORKERS; on two busy cores one is
	// faster), and the first failure in seed order is the one reported.
	workers := 1
	if n, err := strconv.Atoi(os.Getenv("SIMTEST_WORKERS")); err == nil && n > 0 {
		workers = n
	}
	var (
		mu     sync.Mutex
		total  stats
		next   atomic.Int64
		failed *failure
		failAt = len(seeds)
		wg     sync.WaitGroup
	)
	start, cpu0 := time.Now(), cpuTime()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				mu.Lock()
				stop := i >= len(seeds) || i > failAt
				mu.Unlock()
				if stop {
					return
				}
				st, f := runSchedule(context.Background(), seeds[i], opt)
				mu.Lock()
				total.add(st)
				if f != nil && i < failAt {
					failed, failAt = f, i
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		reportFailure(t, failAt, failed)
		return
	}
	el, cpu := time.Since(start), cpuTime()-cpu0
	n := time.Duration(len(seeds))
	t.Logf("%d schedules converged in %s (%s a schedule; %s of processor time a schedule; %d workers): %s", len(seeds), el.Round(time.Millisecond),
		(el / n).Round(time.Millisecond), (cpu / n).Round(time.Millisecond), workers, total.summary())
}

func reportFailure(t *testing.T, i int, f *failure) {
	t.Helper()
	trace := f.trace
	if len(trace) > 400 {
		trace = append(append([]string{}, trace[:50]...), append([]string{"…"}, trace[len(trace)-350:]...)...)
	}
	t.Fatalf("SIMTEST FAILED: schedule %d, seed 0x%x: %s\nrun it again: go test ./sync/simtest -run TestConvergence -seed=0x%x\ntrace:\n%s",
		i, f.seed, f.msg, f.seed, joinTrace(trace))
}

func (s stats) summary() string {
	return fmt.Sprintf("%d with the server on PostgreSQL; %d operations, %d local writes, %d syncs, %d requests; faults: %d lost requests, %d lost answers after commit, %d duplicates, %d 503s, %d server restarts, %d partitioned requests, %d crashes while applying a page (%d in all); %d quiesce rounds, %d refused changes, %d conflicts, %d equal clock readings of two devices on one field",
		s.onPG, s.ops, s.writes, s.syncs, s.requests, s.dropReq, s.dropResp, s.dup, s.unavailable, s.restarts, s.partitioned, s.crashes, s.faults(),
		s.rounds, s.rejections, s.conflicts, s.ties)
}

// TestSimulatorCatchesBugs shows that the simulator can fail: each broken
// build must make some schedule fail. The merge's broken variants exist
// only in a build with the simbroken tag, so the test builds this package
// once with it and runs the binary once per variant; the broken client
// (the cursor saved before its page) is the harness's own; the server's
// wrong rule for the rows a pull leaves out (skipChangedOwn: any field the
// device wrote, not every one) is in the simbroken build too.
func TestSimulatorCatchesBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package again with -tags simbroken")
	}
	if raceEnabled {
		t.Skip("runs without -race (make test runs it so)")
	}
	bin := simbrokenBinary(t)
	for _, variant := range []string{"lastPushWins", "noTieBreak", "arrivalConflicts", "cursorFirst", "skipChangedOwn"} {
		t.Run(variant, func(t *testing.T) {
			cmd := exec.Command(bin, "-test.run", "^TestConvergence$", "-test.count=1", "-schedules", strconv.Itoa(brokenSchedules))
			cmd.Env = append(os.Environ(), "SIMTEST_BROKEN="+variant)
			out, err := cmd.CombinedOutput()
			text := string(out)
			i := strings.Index(text, "SIMTEST FAILED: ")
			if err == nil || i < 0 {
				t.Fatalf("%d schedules of the %s build all passed: the simulator did not catch it (%v)\n%s", brokenSchedules, variant, err, tail(text, 2000))
			}
			line, _, _ := strings.Cut(text[i:], "\n")
			t.Logf("caught: %s", line)
		})
	}
}

var (
	brokenOnce sync.Once
	brokenBin  string
	brokenErr  error
)

// simbrokenBinary builds this package's tests once with -tags simbroken
// (for the in-process and the kill mode's broken builds alike).
func simbrokenBinary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH")
	}
	brokenOnce.Do(func() {
		dir, err := os.MkdirTemp("", "simtest-broken-")
		if err != nil {
			brokenErr = err
			return
		}
		brokenBin = filepath.Join(dir, "simtest-broken.test")
		build := exec.Command("go", "test", "-c", "-tags", "simbroken", "-o", brokenBin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			brokenErr = fmt.Errorf("build with -tags simbroken: %v\n%s", err, out)
		}
	})
	if brokenErr != nil {
		t.Fatal(brokenErr)
	}
	return brokenBin
}

// brokenSchedules is how many schedules a broken build gets to fail.
const brokenSchedules = 200

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func TestMain(m *testing.M) {
	// The kill mode runs this binary again as a server or a device.
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(runChild(role))
	}
	flag.Parse()
	code := m.Run()
	dropPGTemplate()
	if brokenBin != "" {
		os.RemoveAll(filepath.Dir(brokenBin))
	}
	os.Exit(code)
}

// TestRegressionSeeds runs the schedules that once found a bug, so each
// stays fixed whatever the default run's seeds are: a restarted server's
// clock that forgot the clocks it held, and a local edit under a clock
// behind the value it replaced (0xd1024a5fad64d717); a bind that only
// added team scopes, so a person removed before their first pull kept
// the team's rows (0x3706970b052f16b1).
func TestRegressionSeeds(t *testing.T) {
	for _, seed := range []uint64{0xd1024a5fad64d717, 0x3706970b052f16b1} {
		if _, f := runSchedule(context.Background(), seed, options{}); f != nil {
			reportFailure(t, 0, f)
		}
	}
}
