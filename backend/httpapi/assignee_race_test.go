package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"sentry/backend/config"
	"sentry/sync/schema"
	"sentry/sync/wire"
)

// An assignment made while the assignee is being removed from the team
// never leaves a team task assigned to someone outside it: through a REST
// edit, a REST create or a sync push, on whichever store the server runs.
// Each round puts Bo back in the team, then assigns tasks to him from
// several requests at once while he is removed; once all have answered he
// is out, so no team task may name him.
func TestTaskAssigneeRemovalRace(t *testing.T) {
	b := newBackendWith(t, false, func(c *config.Config) { c.RateLimit = 0 })
	ana, bo := b.signUp("ana@example.com"), b.signUp("bo@example.com")
	res, body := b.do("POST", "/api/teams", ana.Access, map[string]any{"name": "Design"})
	if res.StatusCode != 201 {
		t.Fatalf("create team: %d %s", res.StatusCode, body)
	}
	var team struct{ ID string }
	_ = json.Unmarshal(body, &team)
	edited := b.createTask(ana, map[string]any{"title": "Edited", "team_id": team.ID})["id"].(string)
	pushed := b.createTask(ana, map[string]any{"title": "Pushed", "team_id": team.ID})["id"].(string)
	laptop := b.bindDevice(ana, "ana-laptop")

	// send is b.do for the goroutines: it reports instead of stopping.
	send := func(method, path string, body any) (int, []byte) {
		req, err := http.NewRequest(method, b.srv.URL+path, nil)
		if body != nil {
			buf, _ := json.Marshal(body)
			req, err = http.NewRequest(method, b.srv.URL+path, bytes.NewReader(buf))
			req.Header.Set("Content-Type", "application/json")
		}
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		req.Header.Set("Authorization", "Bearer "+ana.Access)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, out
	}
	strays := func() int {
		var n int
		if err := b.queryRow(`SELECT count(*) FROM tasks t WHERE t.team_id = ? AND t.assignee_id <> '' AND t.deleted_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.team_id AND m.user_id = t.assignee_id)`, team.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// At least 25 rounds, and more (up to 200) until every route has got an
	// assignment in before a removal: which request wins is up to the
	// scheduler, and a round where the removal always came first proves
	// nothing.
	assigned := map[string]int{} // answers that assigned Bo, by route
	raced := func() bool { return assigned["edit 200"] > 0 && assigned["create 201"] > 0 && assigned["push 201"] > 0 }
	round := 0
	for ; round < 200 && (round < 25 || !raced()); round++ {
		if res, body := b.do("POST", "/api/teams/"+team.ID+"/members", ana.Access, map[string]any{"email": bo.Email}); res.StatusCode != 201 {
			t.Fatalf("round %d: add bo: %d %s", round, res.StatusCode, body)
		}
		// Unassigned again, so each round's assignments are writes.
		for _, id := range []string{edited, pushed} {
			if res, body := b.do("PUT", "/api/tasks/"+ana.ID+"/"+id, ana.Access, map[string]any{"assignee_id": ""}); res.StatusCode != 200 {
				t.Fatalf("round %d: unassign: %d %s", round, res.StatusCode, body)
			}
		}
		clock := laptop.clock(0)
		var wg sync.WaitGroup
		answers := make(chan string, 8)
		run := func(what string, f func() (int, []byte)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, body := f()
				if what == "push" && code == 200 {
					var out wire.PushResponse
					_ = json.Unmarshal(body, &out)
					if len(out.Applied) == 1 {
						code = 201
					}
				}
				answers <- fmt.Sprintf("%s %d", what, code)
			}()
		}
		run("edit", func() (int, []byte) {
			return send("PUT", "/api/tasks/"+ana.ID+"/"+edited, map[string]any{"assignee_id": bo.ID})
		})
		run("create", func() (int, []byte) {
			return send("POST", "/api/tasks/"+ana.ID, map[string]any{"title": fmt.Sprint("New ", round), "team_id": team.ID, "assignee_id": bo.ID})
		})
		// The push's answer is 200 whether its change applied or was
		// refused (counted as 201 when it applied).
		run("push", func() (int, []byte) {
			return send("POST", "/api/sync/push", map[string]any{"protocol": wire.Protocol, "schema_version": schema.Version,
				"device_id": laptop.id, "batch_id": fmt.Sprint("race-", round),
				"patches": []map[string]any{edit("tasks", team.ID, pushed, "assignee_id", bo.ID, clock, "", fmt.Sprint("c-race-", round))}})
		})
		run("remove", func() (int, []byte) { return send("DELETE", "/api/teams/"+team.ID+"/members/"+bo.ID, nil) })
		wg.Wait()
		close(answers)
		for a := range answers {
			switch a {
			case "edit 200", "create 201", "push 201":
				assigned[a]++
			case "edit 400", "create 400", "push 200", "remove 204":
			default:
				t.Fatalf("round %d: unexpected answer: %s", round, a)
			}
		}
		if n := strays(); n != 0 {
			t.Fatalf("round %d: %d team task(s) assigned to someone no longer in the team (assignments so far: %v)", round, n, assigned)
		}
	}
	// Some assignments got in before the removal, on every route, or the
	// rounds raced nothing.
	if !raced() {
		t.Fatalf("assignments that went through in %d rounds: %v", round, assigned)
	}
	t.Logf("assignments that went through in %d rounds: %v", round, assigned)
}
