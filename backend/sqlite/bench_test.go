package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/sqlite"
)

func BenchmarkCreateTask(b *testing.B) {
	db := MustOpenDB(b)
	u := mustUser(b, db, "bench@example.com")
	d := time.Now().Add(48 * time.Hour)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		task := newTask(u.ID, "Benchmark task")
		task.Deadline = &d
		if err := db.CreateTask(ctx, task); err != nil {
			b.Fatal(err)
		}
	}
}

var seeded struct {
	once sync.Once
	path string
	user string
	err  error
}

// seeded100k returns a database file holding one user with 100,000 tasks,
// built once per test binary run.
func seeded100k(b *testing.B) (string, string) {
	seeded.once.Do(func() {
		dir, err := os.MkdirTemp("", "sentry-bench-*")
		if err != nil {
			seeded.err = err
			return
		}
		seeded.path = filepath.Join(dir, "sentry.db")
		db, err := sqlite.Open(context.Background(), seeded.path, sqlite.Options{})
		if err != nil {
			seeded.err = err
			return
		}
		defer db.Close()
		u := &core.User{Email: "many@example.com"}
		if seeded.err = db.CreateUser(context.Background(), u); seeded.err != nil {
			return
		}
		seeded.user = u.ID
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		prios := core.TaskPriorities()
		for i := 0; i < 100_000; i++ {
			t := newTask(u.ID, fmt.Sprintf("Task number %d", i))
			t.Priority = prios[i%4]
			if i%10 != 0 {
				d := base.Add(time.Duration((i*7919)%100_000) * time.Minute)
				t.Deadline = &d
			}
			if seeded.err = db.CreateTask(context.Background(), t); seeded.err != nil {
				return
			}
		}
	})
	if seeded.err != nil {
		b.Fatal(seeded.err)
	}
	return seeded.path, seeded.user
}

func BenchmarkListFirst50ByDeadlineOf100k(b *testing.B) {
	path, user := seeded100k(b)
	db := mustOpenAt(b, path)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tasks, next, err := db.FindTasks(ctx, core.TaskFilter{UserID: user, Sort: "deadline", Limit: 50})
		if err != nil || len(tasks) != 50 || next == "" {
			b.Fatalf("%d tasks, %v", len(tasks), err)
		}
	}
}

func BenchmarkListFirst50ByDeadlineOf100kParallel(b *testing.B) {
	path, user := seeded100k(b)
	db := mustOpenAt(b, path)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if tasks, _, err := db.FindTasks(ctx, core.TaskFilter{UserID: user, Sort: "deadline", Limit: 50}); err != nil || len(tasks) != 50 {
				b.Fatalf("%d tasks, %v", len(tasks), err)
			}
		}
	})
}

func BenchmarkSearchOf100k(b *testing.B) {
	path, user := seeded100k(b)
	db := mustOpenAt(b, path)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := db.FindTasks(ctx, core.TaskFilter{UserID: user, Query: "number 4242", Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}
