package integrations

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"sentry/backend/core"
)

// ClockSkew widens each incremental window (updatedMin) so that an edit
// stamped by the provider's clock just before our last sync's start is not
// missed. Objects seen twice are no-ops: their stamp equals the link's.
const ClockSkew = 2 * time.Minute

// gTaskList is a Google Tasks list.
type gTaskList struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// gTask is a Google Tasks task resource (the fields we map).
type gTask struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Notes     string  `json:"notes"`
	Status    string  `json:"status"`
	Due       *string `json:"due"`
	Completed *string `json:"completed"`
	Deleted   bool    `json:"deleted"`
	Hidden    bool    `json:"hidden"`
	Updated   string  `json:"updated"`
	Parent    string  `json:"parent"`
}

// SyncGoogleTasks syncs the caller's tasks with Google Tasks both ways.
//
// The rule, per task, against the state both sides had at the last sync:
// a change on one side is copied to the other; a deletion on one side
// deletes the other; a change on both sides is a conflict, won by the side
// with the later modification time (Google's `updated` against the local
// `updated_at` or deletion time), whole task, with Google winning a tie.
// A Google task deleted while the local copy was edited later is created
// again on Google; a local task deleted while the Google copy was edited
// later comes back as a new local task. New open local tasks (todo or
// in_progress, type task, not imported from a calendar) are added to the
// default Google list.
func (s *Service) SyncGoogleTasks(ctx context.Context, userID string) (*SyncResult, error) {
	return s.run(ctx, userID, core.IntegrationGoogleTasks, s.syncGoogleTasks)
}

type tasksSync struct {
	s       *Service
	x       *session
	res     *SyncResult
	userID  string
	links   map[string]*core.IntegrationLink // by Google task id
	byTask  map[string]*core.IntegrationLink // by local task id
	goneRem map[string]bool                  // Google ids deleted on Google whose local copy won
}

func (s *Service) syncGoogleTasks(ctx context.Context, x *session, res *SyncResult) (string, error) {
	started := s.now().UTC()
	var since time.Time
	if x.in.SyncCursor != "" {
		if t, err := time.Parse(time.RFC3339Nano, x.in.SyncCursor); err == nil {
			since = t
		}
	}
	res.Full = since.IsZero()
	lists, err := x.taskLists(ctx)
	if err != nil {
		return "", err
	}
	linkList, err := s.store.FindIntegrationLinks(ctx, x.in.UserID, core.IntegrationGoogleTasks)
	if err != nil {
		return "", err
	}
	st := &tasksSync{s: s, x: x, res: res, userID: x.in.UserID, links: map[string]*core.IntegrationLink{},
		byTask: map[string]*core.IntegrationLink{}, goneRem: map[string]bool{}}
	for _, l := range linkList {
		st.links[l.RemoteID] = l
		st.byTask[l.TaskID] = l
	}
	// Pull: every list's changes since the last sync, deletions included.
	for _, list := range lists {
		items, err := x.listTasks(ctx, list.ID, since)
		if err != nil {
			return "", err
		}
		// Parents first, so subtasks can point at their local parent.
		for _, pass := range []bool{false, true} {
			for _, r := range items {
				if (r.Parent != "") != pass {
					continue
				}
				if err := st.pull(ctx, list.ID, r); err != nil {
					return "", err
				}
			}
		}
	}
	// Push: local changes and deletions of linked tasks.
	for _, l := range sortedLinks(st.links) {
		if err := st.push(ctx, l, lists); err != nil {
			return "", err
		}
	}
	// Push: open local tasks never synced.
	if len(lists) > 0 {
		if err := st.pushNew(ctx, lists[0].ID); err != nil {
			return "", err
		}
	}
	return started.Format(time.RFC3339Nano), nil
}

func (x *session) taskLists(ctx context.Context) ([]gTaskList, error) {
	var out []gTaskList
	token := ""
	for range 100 {
		q := url.Values{"maxResults": {"100"}}
		if token != "" {
			q.Set("pageToken", token)
		}
		var page struct {
			Items         []gTaskList `json:"items"`
			NextPageToken string      `json:"nextPageToken"`
		}
		if err := x.do(ctx, "GET", x.api("/users/@me/lists", q), nil, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	return out, nil
}

func (x *session) listTasks(ctx context.Context, listID string, since time.Time) ([]gTask, error) {
	var out []gTask
	token := ""
	for range 1000 {
		q := url.Values{"maxResults": {"100"}, "showCompleted": {"true"}, "showHidden": {"true"}, "showDeleted": {"true"}}
		if !since.IsZero() {
			q.Set("updatedMin", since.Add(-ClockSkew).UTC().Format(time.RFC3339))
		}
		if token != "" {
			q.Set("pageToken", token)
		}
		var page struct {
			Items         []gTask `json:"items"`
			NextPageToken string  `json:"nextPageToken"`
		}
		if err := x.do(ctx, "GET", x.api("/lists/"+url.PathEscape(listID)+"/tasks", q), nil, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	return out, nil
}

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func sameStamp(a, b string) bool {
	if a == b {
		return true
	}
	ta, tb := parseStamp(a), parseStamp(b)
	return !ta.IsZero() && ta.Equal(tb)
}

func localChanged(l *core.IntegrationLink) bool {
	return l.TaskDeletedAt != nil || l.TaskVersion != l.LocalVersion
}

// pull applies one Google task seen in this sync's window.
func (st *tasksSync) pull(ctx context.Context, listID string, r gTask) error {
	l := st.links[r.ID]
	if l == nil {
		if r.Deleted || strings.TrimSpace(r.Title) == "" {
			if !r.Deleted {
				st.res.Skipped++
			}
			return nil
		}
		return st.createLocal(ctx, listID, r)
	}
	if sameStamp(r.Updated, l.RemoteUpdated) {
		return nil // only our own write, or nothing, since the last sync
	}
	if localChanged(l) {
		st.res.Conflicts++
		localAt := l.TaskUpdatedAt
		if l.TaskDeletedAt != nil {
			localAt = *l.TaskDeletedAt
		}
		if localAt.After(parseStamp(r.Updated)) {
			// Sentry's copy is newer: the push phase writes it over Google's.
			if r.Deleted {
				st.goneRem[r.ID] = true
			}
			return nil
		}
	}
	// Google's copy wins.
	switch {
	case r.Deleted:
		if l.TaskDeletedAt == nil {
			if err := st.s.tasks.Delete(ctx, st.userID, l.TaskID); err != nil && core.ErrorCode(err) != core.ENOTFOUND {
				return err
			}
			st.res.Deleted++
		}
		return st.unlink(ctx, l)
	case l.TaskDeletedAt != nil:
		// Deleted here, edited later on Google: it comes back.
		if err := st.unlink(ctx, l); err != nil {
			return err
		}
		return st.createLocal(ctx, listID, r)
	}
	cur, err := st.s.tasks.Get(ctx, st.userID, l.TaskID)
	if err != nil {
		return err
	}
	upd := googleToUpdate(r, cur, listID, st.parentOf(r))
	t, err := st.s.tasks.Update(ctx, st.userID, cur.ID, upd)
	if core.ErrorCode(err) == core.EINVALID {
		st.res.Skipped++
		return nil
	} else if err != nil {
		return err
	}
	st.res.Pulled++
	return st.link(ctx, r.ID, listID, t, r.Updated)
}

func (st *tasksSync) parentOf(r gTask) string {
	if r.Parent == "" {
		return ""
	}
	if p := st.links[r.Parent]; p != nil && p.TaskDeletedAt == nil {
		return p.TaskID
	}
	return ""
}

func (st *tasksSync) createLocal(ctx context.Context, listID string, r gTask) error {
	t := googleToTask(r, listID, st.parentOf(r))
	created, err := st.s.tasks.CreateFor(ctx, st.userID, t)
	if core.ErrorCode(err) == core.EINVALID {
		st.res.Skipped++
		return nil
	} else if err != nil {
		return err
	}
	st.res.Pulled++
	return st.link(ctx, r.ID, listID, created, r.Updated)
}

func (st *tasksSync) link(ctx context.Context, remoteID, listID string, t *core.Task, remoteUpdated string) error {
	l := &core.IntegrationLink{UserID: st.userID, Provider: core.IntegrationGoogleTasks, RemoteID: remoteID, RemoteListID: listID,
		TaskID: t.ID, RemoteUpdated: remoteUpdated, LocalVersion: t.Version, TaskVersion: t.Version, TaskUpdatedAt: t.UpdatedAt}
	if err := st.s.store.SaveIntegrationLink(ctx, l); err != nil {
		return err
	}
	st.links[remoteID] = l
	st.byTask[t.ID] = l
	return nil
}

func (st *tasksSync) unlink(ctx context.Context, l *core.IntegrationLink) error {
	if err := st.s.store.DeleteIntegrationLink(ctx, st.userID, core.IntegrationGoogleTasks, l.RemoteID); err != nil {
		return err
	}
	delete(st.links, l.RemoteID)
	if st.byTask[l.TaskID] == l {
		delete(st.byTask, l.TaskID)
	}
	return nil
}

// push writes a linked task's local change or deletion to Google.
func (st *tasksSync) push(ctx context.Context, l *core.IntegrationLink, lists []gTaskList) error {
	if !localChanged(l) {
		return nil
	}
	x := st.x
	taskURL := x.api("/lists/"+url.PathEscape(l.RemoteListID)+"/tasks/"+url.PathEscape(l.RemoteID), nil)
	if l.TaskDeletedAt != nil {
		if !st.goneRem[l.RemoteID] {
			err := x.do(ctx, "DELETE", taskURL, nil, nil)
			if s := httpStatus(err); err != nil && s != 404 && s != 410 {
				return err
			}
			st.res.Deleted++
		}
		return st.unlink(ctx, l)
	}
	t, err := st.s.tasks.Get(ctx, st.userID, l.TaskID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil // deleted meanwhile: the next sync carries it over
	} else if err != nil {
		return err
	}
	var r gTask
	if !st.goneRem[l.RemoteID] {
		err = x.do(ctx, "PATCH", taskURL, taskToGoogle(t), &r)
		if httpStatus(err) == 404 || httpStatus(err) == 410 {
			st.goneRem[l.RemoteID] = true
		} else if err != nil {
			return err
		} else {
			st.res.Pushed++
			return st.link(ctx, l.RemoteID, l.RemoteListID, t, r.Updated)
		}
	}
	// Deleted on Google, edited here later: create it there again.
	if err := st.unlink(ctx, l); err != nil {
		return err
	}
	listID := l.RemoteListID
	if !hasList(lists, listID) && len(lists) > 0 {
		listID = lists[0].ID
	}
	return st.insert(ctx, t, listID)
}

func hasList(lists []gTaskList, id string) bool {
	for _, l := range lists {
		if l.ID == id {
			return true
		}
	}
	return false
}

// insert creates t on Google and records the Google ids on the task.
func (st *tasksSync) insert(ctx context.Context, t *core.Task, listID string) error {
	var r gTask
	if err := st.x.do(ctx, "POST", st.x.api("/lists/"+url.PathEscape(listID)+"/tasks", nil), taskToGoogle(t), &r); err != nil {
		return err
	}
	if r.ID == "" {
		return &providerError{safe: core.Errorf(core.EBADGATEWAY, "Google Tasks did not return the new task's id."), detail: errMissingID}
	}
	gid, lid := r.ID, listID
	updated, err := st.s.tasks.Update(ctx, st.userID, t.ID, core.TaskUpdate{GoogleTaskID: &gid, GoogleTaskListID: &lid})
	if err != nil {
		return err
	}
	st.res.Pushed++
	return st.link(ctx, r.ID, listID, updated, r.Updated)
}

// pushNew adds open local tasks that were never synced to the default list.
func (st *tasksSync) pushNew(ctx context.Context, defaultList string) error {
	cursor := ""
	var todo []*core.Task
	for range 10000 {
		page, next, err := st.s.tasks.List(ctx, core.TaskFilter{UserID: st.userID, Statuses: []string{core.StatusTodo, core.StatusInProgress},
			TaskType: core.TaskTypeTask, Sort: core.SortCreatedAt, Cursor: cursor, Limit: core.MaxTaskLimit})
		if err != nil {
			return err
		}
		for _, t := range page {
			if st.byTask[t.ID] != nil || t.GoogleTaskID != "" || t.Source == core.SourceZoom || t.Source == core.SourceCalendar {
				continue
			}
			todo = append(todo, t)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	for _, t := range todo {
		if err := st.insert(ctx, t, defaultList); err != nil {
			return err
		}
	}
	return nil
}

// Mapping between Google tasks and local tasks.

const untitledTask = "Untitled task"

func cleanTitle(s, fallback string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\x00", ""))
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return fallback
	}
	return truncate(s, core.MaxTitleLen)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// googleDue reads Google's due (a date, sent as midnight UTC).
func googleDue(r gTask) *time.Time {
	if r.Due == nil || *r.Due == "" {
		return nil
	}
	t, ok := remoteTime(*r.Due)
	if !ok {
		return nil
	}
	return &t
}

func sameDate(a, b time.Time) bool {
	a, b = a.UTC(), b.UTC()
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

func googleToTask(r gTask, listID, parentID string) *core.Task {
	t := &core.Task{Title: cleanTitle(r.Title, untitledTask), Description: truncate(r.Notes, core.MaxDescriptionLen),
		Status: core.StatusTodo, TaskType: core.TaskTypeTask, Source: core.SourceGoogleTasks, GoogleTaskID: r.ID,
		GoogleTaskListID: listID, ParentID: parentID, Deadline: googleDue(r)}
	if r.Status == "completed" {
		t.Status = core.StatusDone
		if r.Completed != nil {
			if c := parseStamp(*r.Completed); !c.IsZero() {
				c = c.UTC()
				t.CompletedAt = &c
			}
		}
	}
	return t
}

// googleToUpdate changes only what differs. A done or cancelled task both
// count as completed on Google, todo and in_progress as needsAction, so a
// Google edit never turns in_progress into todo. A deadline on the same
// date as Google's due keeps its time of day.
func googleToUpdate(r gTask, cur *core.Task, listID, parentID string) core.TaskUpdate {
	var u core.TaskUpdate
	if title := cleanTitle(r.Title, untitledTask); title != cur.Title {
		u.Title = &title
	}
	if notes := truncate(r.Notes, core.MaxDescriptionLen); notes != cur.Description {
		u.Description = &notes
	}
	remoteDone := r.Status == "completed"
	localDone := cur.Status == core.StatusDone || cur.Status == core.StatusCancelled
	if remoteDone != localDone {
		st := core.StatusTodo
		if remoteDone {
			st = core.StatusDone
		}
		u.Status = &st
	}
	due := googleDue(r)
	switch {
	case due == nil && cur.Deadline != nil:
		u.Deadline = core.Patch[time.Time]{Set: true, Null: true}
	case due != nil && (cur.Deadline == nil || !sameDate(*cur.Deadline, *due)):
		u.Deadline = core.Patch[time.Time]{Set: true, Value: *due}
	}
	if listID != cur.GoogleTaskListID {
		u.GoogleTaskListID = &listID
	}
	if r.ID != cur.GoogleTaskID {
		id := r.ID
		u.GoogleTaskID = &id
	}
	if parentID != cur.ParentID && (parentID != "" || r.Parent == "") {
		u.ParentID = &parentID
	}
	return u
}

// taskToGoogle is the body of an insert or patch: every mapped field, with
// null clearing due and completed.
func taskToGoogle(t *core.Task) map[string]any {
	body := map[string]any{"title": t.Title, "notes": t.Description, "status": "needsAction", "completed": nil, "due": nil}
	if t.Status == core.StatusDone || t.Status == core.StatusCancelled {
		body["status"] = "completed"
		at := t.UpdatedAt
		if t.CompletedAt != nil {
			at = *t.CompletedAt
		}
		body["completed"] = at.UTC().Format(time.RFC3339Nano)
	}
	if t.Deadline != nil {
		d := t.Deadline.UTC()
		body["due"] = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).Format(time.RFC3339Nano)
	}
	return body
}
