package event_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/event"
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

func TestSlowOrPanickingSubscriberDoesNotBlockPublisher(t *testing.T) {
	b := event.NewBus(nil)
	block := make(chan struct{})
	b.Subscribe("slow", func(context.Context, core.Event) { <-block })
	b.Subscribe("panics", func(context.Context, core.Event) { panic("boom") })
	start := time.Now()
	for i := 0; i < event.QueueSize*2; i++ {
		b.Publish(context.Background(), core.Event{Type: core.EventTaskCreated})
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("publisher was blocked")
	}
	close(block)
	b.Close()
	b.Publish(context.Background(), core.Event{Type: "after close"}) // must not panic
}
