package lease

import (
	"context"
	"testing"
	"time"

	"sentry/backend/jobtest"
)

// A heartbeat touches until it is stopped, and not after.
func TestHeartbeatTouchesUntilStopped(t *testing.T) {
	beats := make(chan struct{}, 100)
	stop := Heartbeat(context.Background(), 4*time.Millisecond, func(context.Context) error {
		beats <- struct{}{}
		return nil
	})
	jobtest.Receive(t, "a first beat", beats)
	jobtest.Receive(t, "a second beat", beats)
	stop()
	for len(beats) > 0 {
		<-beats
	}
	// stop waited for the beating goroutine: nothing can arrive now.
	select {
	case <-beats:
		t.Fatal("a beat after stop")
	default:
	}
}
