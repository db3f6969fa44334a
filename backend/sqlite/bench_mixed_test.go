package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/sqlite"
	"sentry/sync/hlc"
)

// BenchmarkMixedCreateList is the HTTP benchmark's mixed load without HTTP:
// 16 goroutines (8 per CPU on this machine's 2), each op a create or a list
// of the newest 50 with a status filter, half and half, on a database of
// 1,000 tasks. Its sub-benchmarks open the store without MmapSize and with
// it (1 GiB, as the app opens it). Under writes every read transaction finds
// the WAL changed, and SQLite then drops the read connection's page cache
// (and with mmap, its mapping): when the list's pool was mapped, the mapped
// case was 7–35 % slower. MmapSize now maps only notebook search's pool, so
// the two cases should be alike.
//
//	go test ./backend/sqlite -run '^$' -bench MixedCreateList -count 2
func BenchmarkMixedCreateList(b *testing.B) {
	for _, mm := range []struct {
		name string
		size int64
	}{{"mmap=0", 0}, {"mmap=1GiB", 1 << 30}} {
		b.Run(mm.name, func(b *testing.B) {
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "sentry.db"), sqlite.Options{Clock: hlc.New(nil), MmapSize: mm.size})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			u := mustUser(b, db, "mixed@example.com")
			ctx := context.Background()
			statuses := []string{core.StatusTodo, core.StatusInProgress, core.StatusDone}
			for i := range 1000 {
				t := newTask(u.ID, fmt.Sprintf("seed %d", i))
				t.Status = statuses[i%3]
				if err := db.CreateTask(ctx, t); err != nil {
					b.Fatal(err)
				}
			}
			d := time.Now().Add(48 * time.Hour)
			var n atomic.Int64
			b.SetParallelism(8)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					if i%2 == 0 {
						t := newTask(u.ID, "mixed")
						t.Deadline = &d
						t.Status = statuses[i%3]
						if err := db.CreateTask(ctx, t); err != nil {
							b.Error(err)
							return
						}
						continue
					}
					tasks, _, err := db.FindTasks(ctx, core.TaskFilter{UserID: u.ID, Statuses: []string{statuses[i%3]}, Sort: "-created_at", Limit: 50})
					if err != nil || len(tasks) == 0 {
						b.Errorf("%d tasks, %v", len(tasks), err)
						return
					}
				}
			})
		})
	}
}
