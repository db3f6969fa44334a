// Package hlc implements a hybrid logical clock: timestamps that follow wall
// time, never go backwards on one device, and order causally across devices
// once merged with Observe. Timestamps are fixed-width strings, so their
// string order is their clock order and SQL can compare them directly.
package hlc

import (
	"fmt"
	"strconv"
	"sync"
	"time"
)

// MaxDrift bounds how far ahead of local wall time an observed remote
// timestamp may be; beyond it Observe refuses the timestamp.
const MaxDrift = 5 * time.Minute

// Clock is safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	now     func() time.Time
	wall    int64 // milliseconds since the Unix epoch
	logical uint32
}

// New returns a clock reading wall time from now (time.Now when nil).
func New(now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{now: now}
}

// Timestamp is a decoded clock reading.
type Timestamp struct {
	Wall    int64
	Logical uint32
}

// String encodes t as 16 decimal digits of milliseconds, a dash and 6 of
// the logical counter: "0001732550400000-000000" sorts like the clock.
func (t Timestamp) String() string {
	return fmt.Sprintf("%016d-%06d", t.Wall, t.Logical)
}

// Parse decodes a string made by Timestamp.String.
func Parse(s string) (Timestamp, error) {
	if len(s) != 23 || s[16] != '-' {
		return Timestamp{}, fmt.Errorf("hlc: malformed timestamp %q", s)
	}
	w, err := strconv.ParseInt(s[:16], 10, 64)
	if err != nil || w < 0 {
		return Timestamp{}, fmt.Errorf("hlc: malformed timestamp %q", s)
	}
	l, err := strconv.ParseUint(s[17:], 10, 32)
	if err != nil {
		return Timestamp{}, fmt.Errorf("hlc: malformed timestamp %q", s)
	}
	return Timestamp{Wall: w, Logical: uint32(l)}, nil
}

// Now returns a timestamp greater than every one this clock issued or observed.
func (c *Clock) Now() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.now().UnixMilli()
	if pt > c.wall {
		c.wall, c.logical = pt, 0
	} else {
		c.logical++
	}
	return Timestamp{Wall: c.wall, Logical: c.logical}.String()
}

// Observe merges a timestamp received from another device so that later
// readings of this clock sort after it.
func (c *Clock) Observe(s string) error {
	ts, err := Parse(s)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.now().UnixMilli()
	if ts.Wall-pt > MaxDrift.Milliseconds() {
		return fmt.Errorf("hlc: timestamp %s is %s ahead of local time", s, time.Duration(ts.Wall-pt)*time.Millisecond)
	}
	switch {
	case ts.Wall > c.wall:
		c.wall, c.logical = ts.Wall, ts.Logical
	case ts.Wall == c.wall && ts.Logical > c.logical:
		c.logical = ts.Logical
	}
	return nil
}

// Resume raises the clock to a reading this store wrote itself (the
// highest clock it holds, read when it opens), so that later readings
// sort after it. Unlike Observe it applies no MaxDrift bound: the reading
// is this store's own, and a clock that restarts behind it would issue
// readings lower than values it already holds.
func (c *Clock) Resume(s string) error {
	ts, err := Parse(s)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ts.Wall > c.wall:
		c.wall, c.logical = ts.Wall, ts.Logical
	case ts.Wall == c.wall && ts.Logical > c.logical:
		c.logical = ts.Logical
	}
	return nil
}

// After returns fresh when it sorts after base, else base with its logical
// counter incremented: the clock of a local edit that must sort after the
// value it replaces even when this device's clock is behind the writer of
// that value. An empty or malformed base leaves fresh as it is.
func After(fresh, base string) string {
	if fresh > base {
		return fresh
	}
	ts, err := Parse(base)
	if err != nil {
		return fresh
	}
	if ts.Logical == 999999 {
		// The counter has six digits: carry into the next millisecond.
		return Timestamp{Wall: ts.Wall + 1}.String()
	}
	return Timestamp{Wall: ts.Wall, Logical: ts.Logical + 1}.String()
}
