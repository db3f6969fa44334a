package jobtest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeTB records a failure instead of ending the test.
type fakeTB struct {
	testing.TB
	failed string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
}

// clock is a fake clock that sleeping moves.
type clock struct{ t time.Time }

func (c *clock) now() time.Time        { return c.t }
func (c *clock) sleep(d time.Duration) { c.t = c.t.Add(d) }

func TestWait(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		// poll sees the fake time since the start.
		poll func(elapsed time.Duration) (bool, string)
		want string // in the failure; "" for none
	}{
		{name: "done at once", poll: func(time.Duration) (bool, string) { return true, "" }},
		{name: "done after a while", poll: func(e time.Duration) (bool, string) { return e > Stall/2, "same" }},
		{name: "moving for longer than Stall", poll: func(e time.Duration) (bool, string) {
			return e > 3*Stall, fmt.Sprintf("progress %d", e/(Stall/2))
		}},
		{name: "stalled", poll: func(e time.Duration) (bool, string) { return false, "indexing 40%" },
			want: "the job: no progress for " + Stall.String() + " (after " + Stall.String() + "): indexing 40%"},
		{name: "stalled after moving", poll: func(e time.Duration) (bool, string) {
			return false, fmt.Sprintf("page %d", min(e/Stall, 2))
		}, want: "no progress for"},
		{name: "moving past Limit", poll: func(e time.Duration) (bool, string) { return false, e.String() }, want: "still moving"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: start}
			tb := &fakeTB{TB: t}
			wait(tb, "the job", func() (bool, string) { return tt.poll(c.t.Sub(start)) }, c.now, c.sleep)
			if tt.want == "" && tb.failed != "" || !strings.Contains(tb.failed, tt.want) {
				t.Fatalf("failure %q, want %q", tb.failed, tt.want)
			}
		})
	}
}

func TestReceive(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7
	if got := Receive(t, "a value", ch); got != 7 {
		t.Fatalf("got %d", got)
	}
	close(ch)
	if got := Receive(t, "the close", ch); got != 0 {
		t.Fatalf("closed channel: %d", got)
	}
}
