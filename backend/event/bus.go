// Package event is the in-process event bus: features publish what changed
// (task created, updated, deleted) and later consumers — workload
// recalculation, notifications, sync — subscribe without the publisher
// knowing them.
package event

import (
	"context"
	"log/slog"
	"sync"

	"sentry/backend/core"
)

// Handler receives events on its own goroutine, in publication order.
type Handler func(ctx context.Context, e core.Event)

// Bus delivers each event to every subscriber through a buffered queue, so
// a slow subscriber never blocks a request.
type Bus struct {
	mu     sync.RWMutex
	subs   []*subscriber
	logger *slog.Logger
	wg     sync.WaitGroup
	closed bool
}

type subscriber struct {
	name string
	ch   chan core.Event
}

// QueueSize is each subscriber's buffer.
const QueueSize = 1024

// NewBus returns an empty bus.
func NewBus(logger *slog.Logger) *Bus {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Bus{logger: logger}
}

// Subscribe registers h under a name (for logs) until Close.
func (b *Bus) Subscribe(name string, h Handler) {
	s := &subscriber{name: name, ch: make(chan core.Event, QueueSize)}
	b.mu.Lock()
	b.subs = append(b.subs, s)
	b.mu.Unlock()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for e := range s.ch {
			b.deliver(s, h, e)
		}
	}()
}

func (b *Bus) deliver(s *subscriber, h Handler, e core.Event) {
	defer func() {
		if r := recover(); r != nil {
			b.logger.Error("event subscriber panicked", slog.String("subscriber", s.name), slog.String("event", e.Type), slog.Any("panic", r))
		}
	}()
	h(context.Background(), e)
}

// Publish queues e for every subscriber. When a subscriber's queue is full
// the event is dropped for it and logged: requests must not stall.
func (b *Bus) Publish(ctx context.Context, e core.Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return
	}
	for _, s := range b.subs {
		select {
		case s.ch <- e:
		default:
			b.logger.Warn("event dropped: subscriber queue full", slog.String("subscriber", s.name), slog.String("event", e.Type))
		}
	}
}

// Close stops accepting events and waits for queued ones to be handled.
func (b *Bus) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	for _, s := range b.subs {
		close(s.ch)
	}
	b.mu.Unlock()
	b.wg.Wait()
}

var _ core.EventPublisher = (*Bus)(nil)
