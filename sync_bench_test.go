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
		r := benchSyncOffline(b, dbURL(), i, false, false)
		b.ReportMetric(r.push.Seconds(), "push-s")
		b.ReportMetric((r.total - r.push).Seconds(), "pull-s")
		b.ReportMetric(r.total.Seconds(), "total-s")
		// Processor time of the whole process (both devices, the server,
		// the HTTP between them): steadier than wall time on a busy
		// machine.
		b.ReportMetric(r.pushCPU.Seconds(), "push-cpu-s")
		b.ReportMetric((r.totalCPU - r.pushCPU).Seconds(), "pull-cpu-s")
	}
}

// BenchmarkSyncOwnRows compares the server sending the pushing device its
// own rows back ("sent", as before) with leaving them out ("left-out",
// syncsvc's own.go) on the 10,000 changes of BenchmarkSyncOfflineChanges,
// made by a device that had synced before going offline (a first sync is
// a whole download, where nothing is left out). Each iteration runs both,
// sent then left-out, so -benchtime=Nx alternates them in one process;
// the ratio is left-out's processor time over sent's, push (with the
// pushing device's pull right after it) and whole.
func BenchmarkSyncOwnRows(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchSyncOwnRows(b, func() string { return "" }) })
	b.Run("postgres", func(b *testing.B) {
		if pgtest.URL() == "" {
			b.Skip("needs SENTRY_TEST_DATABASE_URL (scripts/with-postgres)")
		}
		benchSyncOwnRows(b, func() string { return pgtest.SchemaURL(b) })
	})
}

func benchSyncOwnRows(b *testing.B, dbURL func() string) {
	var push, total [2]time.Duration
	var back [2]int
	for i := 0; i < b.N; i++ {
		for mode, sendOwn := range []bool{true, false} {
			r := benchSyncOffline(b, dbURL(), 2*i+mode, sendOwn, true)
			push[mode] += r.pushCPU
			total[mode] += r.totalCPU
			back[mode] += r.pulledBack
			b.Logf("run %d %s: push cpu %.2f s, whole cpu %.2f s, pulled back %d", i, map[bool]string{true: "sent", false: "left-out"}[sendOwn],
				r.pushCPU.Seconds(), r.totalCPU.Seconds(), r.pulledBack)
		}
	}
	n := float64(b.N)
	b.ReportMetric(push[0].Seconds()/n, "sent-push-cpu-s")
	b.ReportMetric(push[1].Seconds()/n, "left-out-push-cpu-s")
	b.ReportMetric(total[0].Seconds()/n, "sent-cpu-s")
	b.ReportMetric(total[1].Seconds()/n, "left-out-cpu-s")
	b.ReportMetric(float64(back[0])/n, "sent-pulled-back")
	b.ReportMetric(float64(back[1])/n, "left-out-pulled-back")
	if push[0] > 0 && total[0] > 0 {
		b.ReportMetric(push[1].Seconds()/push[0].Seconds(), "push-cpu-ratio")
		b.ReportMetric(total[1].Seconds()/total[0].Seconds(), "cpu-ratio")
	}
}

type offlineRun struct {
	push, total       time.Duration
	pushCPU, totalCPU time.Duration
	pulledBack        int
}

// benchSyncOffline runs one: synced first says both devices synced once
// (an empty download) before the laptop's offline work.
func benchSyncOffline(b *testing.B, dbURL string, i int, sendOwn, syncedFirst bool) offlineRun {
	b.StopTimer()
	srv := newSyncServer(b, dbURL)
	srv.app.Sync.SendOwnRows = sendOwn
	srv.account(fmt.Sprintf("bench%d@example.com", i), "bench-sync-pass-1")
	laptop, desk := newDevice(b, "laptop"), newDevice(b, "desk")
	for _, d := range []*device{laptop, desk} {
		if _, err := d.eng.Connect(d.ctx, srv.srv.URL, fmt.Sprintf("bench%d@example.com", i), "bench-sync-pass-1"); err != nil {
			b.Fatal(err)
		}
		if syncedFirst {
			d.sync()
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
	pulledBack := r.Pulled
	// The push's own pull sets the device's features to work (the
	// workload analysis of the tasks), whose few writes go in a round
	// or two more, as a device's background loop would send them.
	for round := 0; err == nil && r.Pending != 0 && round < 3; round++ {
		r, err = laptop.eng.SyncNow(laptop.ctx)
		pulledBack += r.Pulled
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
	return offlineRun{push: pushed, total: total, pushCPU: pushCPU, totalCPU: totalCPU, pulledBack: pulledBack}
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
