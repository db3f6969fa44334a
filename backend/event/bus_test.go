package event_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"sentry/backend/core"
	"sentry/backend/event"
	"sentry/backend/jobtest"
)

func TestBusDeliversInOrderToEverySubscriber(t *testing.T) {
	b := event.NewBus(nil)
	var mu sync.Mutex
	got := map[string][]string{}
	for _, name := range []string{"a", "b"} {
		name := name
		b.Subscribe(name, func(_ context.Context, e core.Event) {
			mu.Lock()
			got[name] = append(got[name], e.Type)
			mu.Unlock()
		})
	}
	for _, typ := range []string{core.EventTaskCreated, core.EventTaskUpdated, core.EventTaskDeleted} {
		b.Publish(context.Background(), core.Event{Type: typ})
	}
	b.Close()
	for _, name := range []string{"a", "b"} {
		if len(got[name]) != 3 || got[name][0] != core.EventTaskCreated || got[name][2] != core.EventTaskDeleted {
			t.Fatalf("%s got %v", name, got[name])
		}
	}
}

// A subscriber that never returns and one that panics cost the publisher
// nothing: publishing twice a queue's worth returns while the slow one is
// still stuck on its first event, the slow one loses what its queue could
// not hold, and the panicking one goes on receiving.
func TestSlowOrPanickingSubscriberDoesNotBlockPublisher(t *testing.T) {
	b := event.NewBus(nil)
	block := make(chan struct{})
	var slow, panics atomic.Int64
	b.Subscribe("slow", func(context.Context, core.Event) {
		slow.Add(1)
		<-block
	})
	b.Subscribe("panics", func(context.Context, core.Event) {
		panics.Add(1)
		panic("boom")
	})
	published := make(chan struct{})
	go func() {
		defer close(published)
		for i := 0; i < event.QueueSize*2; i++ {
			b.Publish(context.Background(), core.Event{Type: core.EventTaskCreated})
		}
	}()
	jobtest.Receive(t, "publishing while a subscriber is stuck", published)
	if n := slow.Load(); n > 1 {
		t.Fatalf("the stuck subscriber handled %d events", n)
	}
	close(block)
	b.Close() // waits for what was queued
	// Each queue took at least QueueSize events; the stuck one at most
	// that and the one it was stuck on.
	if n := slow.Load(); n < event.QueueSize || n > event.QueueSize+1 {
		t.Fatalf("slow subscriber handled %d of %d events, want its queue's worth", n, event.QueueSize*2)
	}
	if n := panics.Load(); n < event.QueueSize {
		t.Fatalf("panicking subscriber handled %d events: it stopped after a panic", n)
	}
	before := slow.Load() + panics.Load()
	b.Publish(context.Background(), core.Event{Type: "after close"}) // must not panic
	if n := slow.Load() + panics.Load(); n != before {
		t.Fatalf("an event published after Close was delivered")
	}
}
