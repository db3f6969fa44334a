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
