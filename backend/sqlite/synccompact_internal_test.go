package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"sentry/backend/core"
)

// BenchmarkCompactSyncLog compacts a scope's log of rows×5 entries (the
// first compaction: four of five go), then runs the hourly compaction
// again with nothing left to do (ns/op covers both; the split is
// reported). The rows' entries are written straight into the log.
func BenchmarkCompactSyncLog(b *testing.B) {
	const rows, each = 10000, 5
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "compact.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.BindSyncDevice(ctx, &core.SyncDevice{ID: "bench-device", UserID: "bench-user", SchemaVersion: 1}); err != nil {
		b.Fatal(err)
	}
	var first, again time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := db.write.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
			INSERT INTO changes (id, user_id, table_name, row_id, op, fields, hlc, device_id, created_at, scope_id, origin)
			SELECT lower(hex(randomblob(16))), 'bench-user', 'tasks', printf('row-%06d', i / ?), 'update', '{"title":"x"}',
				printf('%016d-%06d', i, 0), 'bench-device', ?, 'bench-user', 'remote' FROM n`,
			rows*each, each, formatTime(time.Now())); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		res, err := db.CompactSyncLog(ctx, time.Now().Add(-time.Hour))
		if err != nil || res.Superseded != rows*(each-1) {
			b.Fatalf("compaction %+v %v", res, err)
		}
		t1 := time.Now()
		if res, err := db.CompactSyncLog(ctx, time.Now().Add(-time.Hour)); err != nil || res.Superseded != 0 {
			b.Fatalf("second compaction %+v %v", res, err)
		}
		first, again = first+t1.Sub(t0), again+time.Since(t1)
		b.StopTimer()
		if _, err := db.write.ExecContext(ctx, `DELETE FROM changes WHERE scope_id = 'bench-user'`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(first.Milliseconds())/float64(b.N), "ms/first")
	b.ReportMetric(float64(again.Milliseconds())/float64(b.N), "ms/idle")
}
