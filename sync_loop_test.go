package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sentry/backend/app"
	"sentry/backend/core"
	"sentry/backend/jobtest"
	"sentry/sync/client"
	"sentry/sync/wire"
)

// connectPair makes a team server and two connected devices of one
// person, each caught up once.
func connectPair(t *testing.T) (*syncServer, *device, *device) {
	t.Helper()
	srv := newSyncServer(t, "")
	srv.account("lee@example.com", "lee-sync-pass-1")
	a, b := newDevice(t, "laptop"), newDevice(t, "desk")
	srv.connect(t, "lee@example.com", "lee-sync-pass-1", a, b)
	a.sync()
	b.sync()
	return srv, a, b
}

// TestSyncLoopCarriesEditsBothWays: with the desktop's background loop
// running on both devices, a task added on one shows on the other without
// anyone pressing sync (a debounced push after the write, a long-poll
// pull on the other side), and the pulled task is announced on the
// receiving device's event bus like a local write.
func TestSyncLoopCarriesEditsBothWays(t *testing.T) {
	_, laptop, desk := connectPair(t)
	events := make(chan core.Event, 16)
	desk.app.Events.Subscribe("test", func(_ context.Context, e core.Event) {
		if e.Type == core.EventTaskCreated || e.Type == core.EventTaskUpdated {
			events <- e
		}
	})
	t.Cleanup(laptop.app.StartSync(context.Background(), laptop.eng))
	t.Cleanup(desk.app.StartSync(context.Background(), desk.eng))

	added := laptop.add("Made on the laptop", "")
	jobtest.Wait(t, "the task to reach the desk", func() (bool, string) {
		n := len(desk.find("Made on the laptop"))
		return n == 1, fmt.Sprintf("%d copies on the desk", n)
	})
	e := jobtest.Receive(t, "the desk's task.created", events)
	if e.Type != core.EventTaskCreated || e.UserID != desk.user.ID || e.Payload.(*core.Task).ID != added.ID {
		t.Fatalf("event on the desk: %+v", e)
	}
	done := core.StatusDone
	desk.edit(added.ID, core.TaskUpdate{Status: &done})
	jobtest.Wait(t, "the desk's edit to reach the laptop", func() (bool, string) {
		got := laptop.find("Made on the laptop")
		return len(got) == 1 && got[0].Status == done, summary(got)
	})
	jobtest.Wait(t, "both outboxes to empty", func() (bool, string) {
		a, _ := laptop.eng.Status(laptop.ctx)
		b, _ := desk.eng.Status(desk.ctx)
		return a.State == client.StateSynced && b.State == client.StateSynced, a.Label + " / " + b.Label
	})
}

// refusingTransport answers every push with the server's clock-skew
// refusal, as a server whose clock is far behind this device's would.
type refusingTransport struct {
	mu      sync.Mutex
	pushes  int
	batches []string
}

func (r *refusingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == "/api/sync/push" {
		var push wire.PushRequest
		_ = json.NewDecoder(req.Body).Decode(&push)
		r.mu.Lock()
		r.pushes++
		r.batches = append(r.batches, push.BatchID)
		r.mu.Unlock()
		body := `{"error":{"code":"clock_skew","message":"This device's clock is 7 minutes ahead of the server's."}}`
		return &http.Response{StatusCode: http.StatusConflict, Status: "409 Conflict", Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (r *refusingTransport) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pushes
}

// TestSyncStuckDetector: the server answers, the outbox is not empty, and
// no push has succeeded for over two minutes: sync says it is stuck and
// why, and keeps the changes.
func TestSyncStuckDetector(t *testing.T) {
	srv, laptop, _ := connectPair(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	refuse := &refusingTransport{}
	eng := client.New(client.Options{Store: laptop.app.DB, Tasks: laptop.app.DB, Events: laptop.app.Events, Clock: laptop.app.Clock,
		Secrets: &client.FileSecrets{Path: filepath.Join(laptop.app.Config.DataDir, app.SyncTokenFile)}, DeviceID: laptop.app.DB.DeviceID, LocalUserID: laptop.user.ID,
		HTTP: &http.Client{Transport: refuse}, Now: clock})
	_ = srv
	t.Cleanup(laptop.app.StartSync(context.Background(), eng))
	laptop.add("Waiting for the clocks", "")
	jobtest.Wait(t, "a refused push", func() (bool, string) {
		st, _ := eng.Status(laptop.ctx)
		return refuse.count() > 0 && st.LastError != "", fmt.Sprintf("%d pushes, %+v", refuse.count(), st)
	})
	st, err := eng.Status(laptop.ctx)
	if err != nil || st.Stuck != "" || st.Pending != 1 || !strings.Contains(st.LastError, "clock") {
		t.Fatalf("status right after the refusal: %+v %v", st, err)
	}
	mu.Lock()
	now = now.Add(client.StuckAfter + time.Second)
	mu.Unlock()
	st, err = eng.Status(laptop.ctx)
	if err != nil || !strings.HasPrefix(st.Stuck, "Sync is stuck") || st.State != client.StateAttention || st.Pending != 1 {
		t.Fatalf("status after two minutes without a push: %+v %v", st, err)
	}
}

// TestSyncRestartsABatchThatKeepsFailing: after the same batch fails
// RestartAfter times, the next push starts clean under a new batch id, and
// the status says sync is stuck until a push gets through.
func TestSyncRestartsABatchThatKeepsFailing(t *testing.T) {
	_, laptop, _ := connectPair(t)
	refuse := &refusingTransport{}
	eng := client.New(client.Options{Store: laptop.app.DB, Tasks: laptop.app.DB, Clock: laptop.app.Clock,
		Secrets: &client.FileSecrets{Path: filepath.Join(laptop.app.Config.DataDir, app.SyncTokenFile)}, DeviceID: laptop.app.DB.DeviceID,
		LocalUserID: laptop.user.ID, HTTP: &http.Client{Transport: refuse}})
	laptop.add("Refused again and again", "")
	for i := 0; i < client.RestartAfter; i++ {
		if _, err := eng.SyncNow(laptop.ctx); err == nil {
			t.Fatal("a refused push reported success")
		}
	}
	st, err := eng.Status(laptop.ctx)
	if err != nil || !strings.HasPrefix(st.Stuck, "Sync is stuck") || st.Pending != 1 {
		t.Fatalf("status after %d refusals: %+v %v", client.RestartAfter, st, err)
	}
	eng.SyncNow(laptop.ctx)
	refuse.mu.Lock()
	batches := append([]string(nil), refuse.batches...)
	refuse.mu.Unlock()
	for i := 1; i < client.RestartAfter; i++ {
		if batches[i] != batches[0] {
			t.Fatalf("retry %d changed the batch id: %v", i, batches)
		}
	}
	if last := batches[len(batches)-1]; last == batches[0] {
		t.Fatalf("after %d failures the push did not start clean: %v", client.RestartAfter, batches)
	}
	// Nothing was lost: a working push sends the change.
	laptop.sync()
	if st, _ := laptop.eng.Status(laptop.ctx); st.Stuck != "" || st.Pending != 0 {
		t.Fatalf("after a push got through: %+v", st)
	}
}
