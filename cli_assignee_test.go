package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"sentry/backend/core"
)

// TestTasksAssigneeCommands: `sentry tasks add/edit --assignee` takes a
// member's email (looked up on the team server), an id, me or none; a
// non-member or a personal task for someone else is refused with the
// reason; the task reaches the assignee's device, where `tasks list --mine`
// shows it.
func TestTasksAssigneeCommands(t *testing.T) {
	ctx := context.Background()
	srv := newSyncServer(t, "")
	_, aliceToken := srv.account("alice@example.com", "alice-sync-pass-1")
	bobID, _ := srv.account("bob@example.com", "bob-sync-pass-1")
	srv.account("cy@example.com", "cy-sync-pass-1")
	team := srv.api("POST", "/api/teams", aliceToken, map[string]any{"name": "Design"}, 201)["id"].(string)
	srv.api("POST", "/api/teams/"+team+"/members", aliceToken, map[string]any{"email": "bob@example.com"}, 201)

	alice, bob := t.TempDir(), t.TempDir()
	sentry := func(dir string, want int, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(ctx, append(args, "--data", dir), &out, &errb, env(nil)); code != want {
			t.Fatalf("%v: exit %d, want %d:\n%s%s", args, code, want, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	for dir, who := range map[string]string{alice: "alice", bob: "bob"} {
		stdin = strings.NewReader(who + "-sync-pass-1\n")
		sentry(dir, 0, "sync", "connect", srv.srv.URL, "--email", who+"@example.com", "--password-stdin")
		stdin = os.Stdin
		sentry(dir, 0, "sync", "now")
	}
	task := func(out string) core.Task {
		t.Helper()
		var tk core.Task
		if err := json.Unmarshal([]byte(out), &tk); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return tk
	}

	out, _ := sentry(alice, 0, "tasks", "add", "Review the mockups", "--team", team, "--assignee", "BOB@example.com", "--json")
	review := task(out)
	if review.AssigneeID != bobID || review.TeamID != team {
		t.Fatalf("added for bob: %+v (bob is %s)", review, bobID)
	}
	if _, errb := sentry(alice, 1, "tasks", "add", "Not his", "--team", team, "--assignee", "cy@example.com"); !strings.Contains(errb, "not a member of the task's team") {
		t.Fatalf("a non-member: %s", errb)
	}
	if _, errb := sentry(alice, 1, "tasks", "add", "Mine", "--assignee", "bob@example.com"); !strings.Contains(errb, "only to you") {
		t.Fatalf("a personal task for someone else: %s", errb)
	}
	if _, errb := sentry(alice, 1, "tasks", "edit", review.ID, "--assignee", "bob"); !strings.Contains(errb, "assignee") {
		t.Fatalf("a bad --assignee: %s", errb)
	}
	out, _ = sentry(alice, 0, "tasks", "add", "Water the plants", "--assignee", "me", "--json")
	if own := task(out); own.AssigneeID != own.UserID {
		t.Fatalf("assigned to me: %+v", own)
	}
	sentry(alice, 0, "sync", "now")
	sentry(bob, 0, "sync", "now")

	// On Bob's device the task names him by his own profile's id.
	out, _ = sentry(bob, 0, "tasks", "list", "--mine", "--json")
	var list struct{ Tasks []core.Task }
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Tasks) != 1 || list.Tasks[0].ID != review.ID || list.Tasks[0].AssigneeID != list.Tasks[0].UserID {
		t.Fatalf("bob's tasks assigned to him: %s", out)
	}
	if out, _ := sentry(bob, 0, "tasks", "list"); !strings.Contains(out, "ASSIGNEE") || !strings.Contains(out, "me ") {
		t.Fatalf("bob's task table: %s", out)
	}
	// Bob hands it back to Alice by id; her device sees it as hers.
	var aliceID string
	for _, m := range srv.api("GET", "/api/teams/"+team+"/members", aliceToken, nil, 200)["members"].([]any) {
		if m := m.(map[string]any); m["email"] == "alice@example.com" {
			aliceID = m["user_id"].(string)
		}
	}
	sentry(bob, 0, "tasks", "edit", review.ID[len(review.ID)-8:], "--assignee", aliceID)
	sentry(bob, 0, "sync", "now")
	sentry(alice, 0, "sync", "now")
	out, _ = sentry(alice, 0, "tasks", "list", "--mine", "--json")
	if !strings.Contains(out, review.ID) || !strings.Contains(out, "Water the plants") {
		t.Fatalf("alice's tasks assigned to her: %s", out)
	}
}
