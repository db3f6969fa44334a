package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
	"sentry/backend/extract"
	"sentry/backend/jobtest"
	"sentry/backend/postgres/pgtest"
)

// TestExtractionsAcrossInstances: two servers on one database share one
// job queue. Long extractions queued through either are each run once —
// by whichever server took the job — and show done through both.
func TestExtractionsAcrossInstances(t *testing.T) {
	dbURL := pgtest.SchemaURL(t)
	a, b := newInstance(t, dbURL), newInstance(t, dbURL)
	if code, body := a.do("POST", "/api/users", "", map[string]any{"email": "ada@example.com", "password": "correct horse battery",
		"first_name": "Ada", "last_name": "Lovelace"}); code != 201 {
		t.Fatalf("register: %d %s", code, body)
	}
	code, body := b.do("POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "correct horse battery"})
	if code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	var s struct {
		Access string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}

	// Longer than what is extracted during the request: each is queued.
	filler := strings.Repeat("Notes from the planning meeting, nothing to do here. ", 500)
	todo := []string{"Send the invoice to Grace", "Book the venue for the offsite", "Review the budget draft", "Call the plumber about the leak",
		"Renew the domain name", "Order new laptops for the support desk", "Draft the press release", "Update the onboarding guide"}
	runs := len(todo)
	var ids []string
	for i := range runs {
		in := a
		if i%2 == 1 {
			in = b
		}
		code, body := in.do("POST", "/api/extract/text", s.Access, map[string]any{
			"text": filler + fmt.Sprintf("\nPlease %s by Friday.\n", strings.ToLower(todo[i][:1])+todo[i][1:]), "now": "2026-03-02T09:00:00Z"})
		if code != 202 {
			t.Fatalf("extract %d: %d %s", i, code, body)
		}
		var run struct {
			ID string `json:"extraction_id"`
		}
		if err := json.Unmarshal(body, &run); err != nil || run.ID == "" {
			t.Fatalf("extract %d: %s", i, body)
		}
		ids = append(ids, run.ID)
	}
	for i, id := range ids {
		var run struct {
			Status   string `json:"status"`
			Stage    string `json:"stage"`
			Attempts int    `json:"attempts"`
			Tasks    []struct {
				Status string `json:"status"`
			} `json:"tasks"`
		}
		// Read through the other instance than the one it was queued on.
		in := b
		if i%2 == 1 {
			in = a
		}
		jobtest.Wait(t, "extraction "+id, func() (bool, string) {
			code, body := in.do("GET", "/api/extraction/"+id, s.Access, nil)
			if code != 200 {
				t.Fatalf("get %s: %d %s", id, code, body)
			}
			if err := json.Unmarshal(body, &run); err != nil {
				t.Fatal(err)
			}
			return run.Status == "done" || run.Status == "failed", run.Status + " " + run.Stage
		})
		if run.Status != "done" || run.Attempts != 1 || len(run.Tasks) != 1 || run.Tasks[0].Status != "created" {
			t.Fatalf("run %d: %+v", i, run)
		}
	}
	// One job per run, each completed once, on River's tables (which
	// record a completion a moment after the run's row says done). The
	// periodic jobs the servers queue at start (clean-ups, compaction) sit
	// in the same table, in queues of their own: only extractions count.
	var jobs, completed, servers int
	jobtest.Wait(t, "River to record the completions", func() (bool, string) {
		if err := a.app.PG.QueryRowForTest(`SELECT count(*), count(*) FILTER (WHERE state = 'completed'), count(DISTINCT attempted_by[1])
			FROM river_job WHERE args->>'kind' = ?`, extract.JobKind).
			Scan(&jobs, &completed, &servers); err != nil {
			t.Fatal(err)
		}
		return completed == runs, fmt.Sprintf("%d jobs, %d completed", jobs, completed)
	})
	if jobs != runs {
		t.Fatalf("%d jobs for %d runs", jobs, runs)
	}
	// /health shows the shared queue, empty once the periodic jobs queued
	// at start (by whichever server leads, which may be elected late) are
	// done too; nothing was discarded.
	jobtest.Wait(t, "the queue to empty", func() (bool, string) {
		_, body := b.do("GET", "/health", "", nil)
		var h struct {
			Checks map[string]map[string]any `json:"checks"`
		}
		if err := json.Unmarshal(body, &h); err != nil {
			t.Fatal(err)
		}
		j := h.Checks["jobs"]
		if j["queue"] != "river" || j["discarded"] != 0.0 {
			t.Fatalf("health of the jobs: %v", j)
		}
		return j["available"] == 0.0 && j["running"] == 0.0, fmt.Sprint(j)
	})
	t.Logf("%d runs worked by %d server(s)", runs, servers)
}

// TestRunLeftRunningIsTakenOverAtStart: a run whose server died while it
// ran — silent for longer than a lease, no job left for it (it died before
// the queue had it, or before this queue existed) — is enqueued by the
// next server to start and finished there; a run another server is
// working on (touched just now) is left to it.
func TestRunLeftRunningIsTakenOverAtStart(t *testing.T) {
	dbURL := pgtest.SchemaURL(t)
	a := newInstance(t, dbURL)
	if code, body := a.do("POST", "/api/users", "", map[string]any{"email": "ada@example.com", "password": "correct horse battery",
		"first_name": "Ada", "last_name": "Lovelace"}); code != 201 {
		t.Fatalf("register: %d %s", code, body)
	}
	code, body := a.do("POST", "/api/auth/login", "", map[string]any{"email": "ada@example.com", "password": "correct horse battery"})
	if code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	var s struct {
		Access string              `json:"access_token"`
		User   struct{ ID string } `json:"user"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dead := &core.Extraction{UserID: s.User.ID, Source: core.SourceExtractedText, Status: core.RunRunning, Stage: "finding tasks",
		Engine: "rules", Input: "Please send the invoice to Grace by Friday.", Now: time.Now(), Timezone: "UTC"}
	live := &core.Extraction{UserID: s.User.ID, Source: core.SourceExtractedText, Status: core.RunRunning, Stage: "finding tasks",
		Engine: "rules", Input: "Please book the venue for the offsite.", Now: time.Now(), Timezone: "UTC"}
	for _, r := range []*core.Extraction{dead, live} {
		if err := a.app.PG.CreateExtraction(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var id string
	if err := a.app.PG.QueryRowForTest(`UPDATE extraction_runs SET updated_at = now() - interval '5 minutes' WHERE id = ? RETURNING id`, dead.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}

	b := newInstance(t, dbURL) // the next server to start
	var run struct {
		Status   string `json:"status"`
		Stage    string `json:"stage"`
		Attempts int    `json:"attempts"`
		Tasks    []struct {
			Title string `json:"title"`
		} `json:"tasks"`
	}
	jobtest.Wait(t, "the dead server's run", func() (bool, string) {
		code, body := b.do("GET", "/api/extraction/"+dead.ID, s.Access, nil)
		if code != 200 {
			t.Fatalf("get: %d %s", code, body)
		}
		if err := json.Unmarshal(body, &run); err != nil {
			t.Fatal(err)
		}
		return run.Status == "done" || run.Status == "failed", run.Status + " " + run.Stage
	})
	if run.Status != "done" || run.Attempts != 1 || len(run.Tasks) != 1 {
		t.Fatalf("taken-over run: %+v", run)
	}
	// The live run's job found it busy and waits (a snooze, not an attempt).
	jobtest.Wait(t, "the live run's job to wait", func() (bool, string) {
		var snoozed int
		if err := b.app.PG.QueryRowForTest(`SELECT count(*) FROM river_job WHERE state = 'scheduled' AND (metadata->>'snoozes')::int >= 1`).Scan(&snoozed); err != nil {
			t.Fatal(err)
		}
		return snoozed == 1, fmt.Sprint(snoozed, " snoozed")
	})
	got, err := b.app.PG.FindExtractionByID(ctx, live.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != core.RunRunning || got.Attempts != 0 {
		t.Fatalf("a live server's run was taken: %s, %d attempts", got.Status, got.Attempts)
	}
}
