// Package storetest is the conformance suite every store runs: the same
// cases against SQLite and PostgreSQL, so both answer the same data, order
// and error codes. A store's tests call Run with a function that opens a
// fresh, empty store for each case.
package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"sentry/backend/core"
)

// Stores is one open store seen through the interfaces features use. A nil
// interface skips its cases (a store that does not implement it yet).
type Stores struct {
	Users    core.UserStore
	Accounts core.AccountStore
	Tasks    core.TaskStore
	Changes  core.ChangeStore
	// The rest of a user's data.
	Workloads    core.WorkloadStore
	Extractions  core.ExtractionStore
	Uploads      core.UploadStore
	Integrations core.IntegrationStore
	Notebooks    core.NotebookStore
	Teams        core.TeamStore
	Sync         core.SyncServerStore
	// DeviceID is the device the store writes into the change log.
	DeviceID string
}

// Run runs every case, each on a store open returns (empty, and closed by
// open's own cleanup).
func Run(t *testing.T, open func(t *testing.T) Stores) {
	cases := []struct {
		name string
		need func(Stores) bool
		run  func(t *testing.T, s Stores)
	}{
		{"Users", needUsers, testUsers},
		{"UsersNotFound", needUsers, testUsersNotFound},
		{"UserEmailConflict", needUsers, testUserEmailConflict},
		{"UserHostileText", needUsers, testUserHostileText},
		{"RefreshTokens", needUsers, testRefreshTokens},
		{"RefreshTokenReissue", needAccounts, testRefreshTokenReissue},
		{"AuthCodes", needAccounts, testAuthCodes},
		{"Sessions", needAccounts, testSessions},
		{"Audit", needAccounts, testAudit},
		{"OAuthFlows", needAccounts, testOAuthFlows},
		{"Identities", needAccounts, testIdentities},
		{"DeleteUser", needAccountsTasks, testDeleteUser},
		{"TaskRoundTrip", needTasks, testTaskRoundTrip},
		{"TaskEveryField", needTasks, testTaskEveryField},
		{"TaskTimePrecision", needTasks, testTaskTimePrecision},
		{"TaskTimeEdges", needTasks, testTaskTimeEdges},
		{"TaskHostileText", needTasks, testTaskHostileText},
		{"TaskNotFound", needTasks, testTaskNotFound},
		{"TaskOwnership", needTasks, testTaskOwnership},
		{"TaskCompletionFollowsStatus", needTasks, testTaskCompletion},
		{"TaskDelete", needTasks, testTaskDelete},
		{"FindTasksPaging", needTasks, testFindTasksPaging},
		{"FindTasksFilters", needTasks, testFindTasksFilters},
		{"FindTasksCursor", needTasks, testFindTasksCursor},
		{"ChangeLog", needChanges, testChangeLog},
		{"Workload", needWorkloads, testWorkload},
		{"Recommendations", needWorkloads, testRecommendations},
		{"ExtractionRuns", needExtractions, testExtractionRuns},
		{"ExtractionQueueShared", needExtractions, testExtractionQueueShared},
		{"Uploads", needUploads, testUploads},
		{"Integrations", needIntegrations, testIntegrations},
		{"Notebooks", needNotebooks, testNotebooks},
		{"NotebookSearch", needNotebooks, testNotebookSearch},
		{"NotebookQueue", needNotebooks, testNotebookQueue},
		{"HostileKeys", needAll, testHostileKeys},
		{"Teams", needTeams, testTeams},
		{"SyncWritePath", needSync, testSyncWritePath},
		{"SyncApplyPush", needSync, testSyncApplyPush},
		{"SyncEveryTable", needSync, testSyncEveryTable},
		{"SyncCompaction", needSync, testSyncCompaction},
		{"SyncCompactionWithPushes", needSync, testSyncCompactionWithPushes},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			if !c.need(s) {
				t.Skip("the store does not implement this interface yet")
			}
			c.run(t, s)
		})
	}
}

func needUsers(s Stores) bool         { return s.Users != nil }
func needAccounts(s Stores) bool      { return s.Users != nil && s.Accounts != nil }
func needTasks(s Stores) bool         { return s.Users != nil && s.Tasks != nil }
func needAccountsTasks(s Stores) bool { return needAccounts(s) && s.Tasks != nil }
func needChanges(s Stores) bool       { return needTasks(s) && s.Changes != nil }
func needWorkloads(s Stores) bool     { return needTasks(s) && s.Workloads != nil }
func needExtractions(s Stores) bool   { return needUsers(s) && s.Extractions != nil }
func needUploads(s Stores) bool       { return needUsers(s) && s.Uploads != nil }
func needIntegrations(s Stores) bool  { return needTasks(s) && s.Integrations != nil }
func needNotebooks(s Stores) bool     { return needUsers(s) && s.Notebooks != nil }
func needTeams(s Stores) bool         { return needTasks(s) && s.Teams != nil }
func needSync(s Stores) bool          { return needTeams(s) && s.Sync != nil }
func needAll(s Stores) bool {
	return needWorkloads(s) && needExtractions(s) && needUploads(s) && needIntegrations(s) && needNotebooks(s)
}

var ctx = context.Background()

// ghostID has the shape of an id but names nothing.
const ghostID = "01890000-0000-7000-8000-00000000dead"

func mustUser(t *testing.T, s Stores, email string) *core.User {
	t.Helper()
	u := &core.User{Email: email, FirstName: "Test", LastName: "User", PasswordHash: "x"}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return u
}

func newTask(userID, title string) *core.Task {
	return &core.Task{UserID: userID, Title: title, Status: core.StatusTodo, Priority: core.PriorityMedium,
		TaskType: core.TaskTypeTask, Source: core.SourceSentry, Attendees: []string{}, Tags: []string{}}
}

func mustTask(t *testing.T, s Stores, task *core.Task) *core.Task {
	t.Helper()
	if err := s.Tasks.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	return task
}

// wantCode fails unless err carries code (and, when msg is set, that
// user-safe message).
func wantCode(t *testing.T, what string, err error, code string, msg ...string) {
	t.Helper()
	if got := core.ErrorCode(err); got != code {
		t.Fatalf("%s: got %q (%v), want %s", what, got, err, code)
	}
	if len(msg) > 0 && core.ErrorMessage(err) != msg[0] {
		t.Fatalf("%s: message %q, want %q", what, core.ErrorMessage(err), msg[0])
	}
}

func ptr[T any](v T) *T { return &v }

// hostile are texts that no store may keep as given or that must come
// back cleaned the same way.
var hostile = []struct {
	name string
	s    string
}{
	{"nul", "a\x00b"},
	{"bad utf-8", "a\xff\xfeb"},
	{"lone surrogate bytes", "a\xed\xa0\x80b"},
	{"truncated rune", "ab\xe2\x82"},
}

// msEqual compares times to the millisecond, the precision of every store.
func msEqual(a, b time.Time) bool {
	return a.UTC().Truncate(time.Millisecond).Equal(b.UTC().Truncate(time.Millisecond))
}

func isMs(t time.Time) bool { return t.Equal(t.Truncate(time.Millisecond)) && t.Location() == time.UTC }

func huge(n int) string { return strings.Repeat("x", n) }
