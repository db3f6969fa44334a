package main

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/postgres/pgtest"
)

// BenchmarkSyncOfflineChanges: 10,000 changes made offline on one device
// (2,000 new tasks, then 8,000 edits of them) reach a second device: the
// first device's push, then the second's pull, through the real server on
// SQLite, and on PostgreSQL when there is a test database (scripts/with-
// postgres). Run with -benchtime=1x and -count for several runs; figures in
// docs/BENCHMARKS.md.
func BenchmarkSyncOfflineChanges(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchSyncOfflineChanges(b, func() string { return "" }) })
	b.Run("postgres", func(b *testing.B) {
		if pgtest.URL() == "" {
			b.Skip("needs SENTRY_TEST_DATABASE_URL (scripts/with-postgres)")
		}
		b.StopTimer()
		benchSyncOfflineChanges(b, func() string { return pgtest.SchemaURL(b) })
	})
}

func benchSyncOfflineChanges(b *testing.B, dbURL func() string) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := newSyncServer(b, dbURL())
		srv.account(fmt.Sprintf("bench%d@example.com", i), "bench-sync-pass-1")
		laptop, desk := newDevice(b, "laptop"), newDevice(b, "desk")
		for _, d := range []*device{laptop, desk} {
			if _, err := d.eng.Connect(d.ctx, srv.srv.URL, fmt.Sprintf("bench%d@example.com", i), "bench-sync-pass-1"); err != nil {
				b.Fatal(err)
			}
		}
		ids := make([]string, 0, 2000)
		for n := 0; n < 2000; n++ {
			ids = append(ids, laptop.add(fmt.Sprintf("Offline task %d", n), "").ID)
		}
		prios := []string{core.PriorityLow, core.PriorityHigh, core.PriorityUrgent, core.PriorityMedium}
		for n := 0; n < 8000; n++ {
			p := prios[n%len(prios)]
			laptop.edit(ids[n%len(ids)], core.TaskUpdate{Priority: &p})
		}
		b.StartTimer()
		start, cpu := time.Now(), cpuTime()
		r, err := laptop.eng.SyncNow(laptop.ctx)
		// The push's own pull sets the device's features to work (the
		// workload analysis of the tasks), whose few writes go in a round
		// or two more, as a device's background loop would send them.
		for round := 0; err == nil && r.Pending != 0 && round < 3; round++ {
			r, err = laptop.eng.SyncNow(laptop.ctx)
		}
		if err != nil || r.Pending != 0 {
			b.Fatalf("push: %+v %v", r, err)
		}
		pushed, pushCPU := time.Since(start), cpuTime()-cpu
		laptop.net.mu.Lock()
		b.Logf("%d batches", len(laptop.net.batches))
		laptop.net.mu.Unlock()
		r, err = desk.eng.SyncNow(desk.ctx)
		if err != nil || r.Pulled < 2000 {
			b.Fatalf("pull: %+v %v", r, err)
		}
		total, totalCPU := time.Since(start), cpuTime()-cpu
		b.StopTimer()
		if n := len(desk.tasks()); n != 2000 {
			b.Fatalf("the desk has %d tasks", n)
		}
		b.ReportMetric(pushed.Seconds(), "push-s")
		b.ReportMetric((total - pushed).Seconds(), "pull-s")
		b.ReportMetric(total.Seconds(), "total-s")
		// Processor time of the whole process (both devices, the server,
		// the HTTP between them): steadier than wall time on a busy
		// machine.
		b.ReportMetric(pushCPU.Seconds(), "push-cpu-s")
		b.ReportMetric((totalCPU - pushCPU).Seconds(), "pull-cpu-s")
	}
}

// BenchmarkSyncPropagation: with the background loop running on two
// devices, how long an edit on one takes to show on the other (a debounced
// push, then the other's long-poll pull). Reports p50 and p95.
func BenchmarkSyncPropagation(b *testing.B) {
	srv := newSyncServer(b, "")
	srv.account("prop@example.com", "prop-sync-pass-1")
	laptop, desk := newDevice(b, "laptop"), newDevice(b, "desk")
	for _, d := range []*device{laptop, desk} {
		if _, err := d.eng.Connect(d.ctx, srv.srv.URL, "prop@example.com", "prop-sync-pass-1"); err != nil {
			b.Fatal(err)
		}
		d.sync()
	}
	task := laptop.add("Propagate me", "")
	laptop.sync()
	desk.sync()
	stopL := laptop.app.StartSync(context.Background(), laptop.eng)
	stopD := desk.app.StartSync(context.Background(), desk.eng)
	defer stopL()
	defer stopD()
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		title := fmt.Sprintf("Propagate me %d", i)
		start := time.Now()
		laptop.edit(task.ID, core.TaskUpdate{Title: &title})
		for {
			got, err := desk.app.DB.FindTaskByID(desk.ctx, task.ID)
			if err == nil && got.Title == title {
				break
			}
			if time.Since(start) > time.Minute {
				b.Fatalf("edit %d did not arrive in a minute", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Milliseconds()), "p95-ms")
}
