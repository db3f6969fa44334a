package hlc_test

import (
	"sort"
	"sync"
	"testing"
	"time"

	"sentry/sync/hlc"
)

func TestClockMonotonicWhenWallStandsStill(t *testing.T) {
	fixed := time.Unix(1_700_000_000, 0)
	c := hlc.New(func() time.Time { return fixed })
	prev := c.Now()
	for i := 0; i < 1000; i++ {
		next := c.Now()
		if next <= prev {
			t.Fatalf("reading %d: %s not after %s", i, next, prev)
		}
		prev = next
	}
}

func TestClockMonotonicWhenWallGoesBack(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := hlc.New(func() time.Time { return now })
	a := c.Now()
	now = now.Add(-time.Hour)
	b := c.Now()
	if b <= a {
		t.Fatalf("clock went backwards: %s then %s", a, b)
	}
}

func TestObserveOrdersAfterRemote(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	local := hlc.New(func() time.Time { return now })
	remote := hlc.New(func() time.Time { return now.Add(2 * time.Second) })
	r := remote.Now()
	if err := local.Observe(r); err != nil {
		t.Fatal(err)
	}
	if l := local.Now(); l <= r {
		t.Fatalf("local %s should sort after observed %s", l, r)
	}
}

func TestObserveRejectsFarFuture(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := hlc.New(func() time.Time { return now })
	far := hlc.Timestamp{Wall: now.Add(time.Hour).UnixMilli()}.String()
	if err := c.Observe(far); err == nil {
		t.Fatal("expected an error for a timestamp an hour ahead")
	}
	if err := c.Observe("garbage"); err == nil {
		t.Fatal("expected an error for a malformed timestamp")
	}
}

func TestParseRoundTrip(t *testing.T) {
	ts := hlc.Timestamp{Wall: 1732550400123, Logical: 42}
	got, err := hlc.Parse(ts.String())
	if err != nil || got != ts {
		t.Fatalf("Parse(%q) = %v, %v", ts.String(), got, err)
	}
}

func TestConcurrentReadingsUnique(t *testing.T) {
	c := hlc.New(nil)
	var mu sync.Mutex
	var all []string
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				s := c.Now()
				mu.Lock()
				all = append(all, s)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Strings(all)
	for i := 1; i < len(all); i++ {
		if all[i] == all[i-1] {
			t.Fatalf("duplicate timestamp %s", all[i])
		}
	}
}

func TestResumeIgnoresDriftBound(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := hlc.New(func() time.Time { return now })
	stored := hlc.Timestamp{Wall: now.Add(time.Hour).UnixMilli(), Logical: 7}.String()
	if err := c.Observe(stored); err == nil {
		t.Fatal("Observe took a reading an hour ahead")
	}
	if err := c.Resume(stored); err != nil {
		t.Fatal(err)
	}
	if next := c.Now(); next <= stored {
		t.Fatalf("after resuming from %s the clock read %s", stored, next)
	}
	if err := c.Resume("nonsense"); err == nil {
		t.Fatal("Resume took a malformed reading")
	}
}

func TestAfter(t *testing.T) {
	ts := func(w int64, l uint32) string { return hlc.Timestamp{Wall: w, Logical: l}.String() }
	for _, tc := range []struct {
		name, fresh, base, want string
	}{
		{"fresh ahead", ts(2000, 0), ts(1000, 5), ts(2000, 0)},
		{"no base", ts(2000, 0), "", ts(2000, 0)},
		{"base ahead", ts(1000, 0), ts(2000, 5), ts(2000, 6)},
		{"equal", ts(2000, 3), ts(2000, 3), ts(2000, 4)},
		{"counter full", ts(1000, 0), ts(2000, 999999), ts(2001, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := hlc.After(tc.fresh, tc.base)
			if got != tc.want {
				t.Fatalf("After(%s, %s) = %s, want %s", tc.fresh, tc.base, got, tc.want)
			}
			if got <= tc.base {
				t.Fatalf("%s does not sort after %s", got, tc.base)
			}
		})
	}
}
