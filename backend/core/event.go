package core

import "context"

// Event types published by features.
const (
	EventTaskCreated = "task.created"
	EventTaskUpdated = "task.updated"
	EventTaskDeleted = "task.deleted"
)

// Event is an in-process notification that something changed.
type Event struct {
	Type   string
	UserID string
	// Payload is the subject, e.g. the *Task after the change.
	Payload any
	// Fields lists the changed fields of an update.
	Fields []string
}

// EventPublisher delivers events to in-process subscribers. Publish never
// blocks the caller on slow subscribers.
type EventPublisher interface {
	Publish(ctx context.Context, e Event)
}
