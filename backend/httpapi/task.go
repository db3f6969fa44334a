package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"sentry/backend/core"
	"sentry/backend/task"
)

// taskFields are the fields a client may send; readOnly ones are accepted
// (clients often send back a whole task) and ignored.
var (
	taskWritable = []string{"title", "description", "status", "priority", "task_type", "source", "source_id",
		"deadline", "start_time", "end_time", "location", "meeting_url", "attendees", "estimated_hours",
		"actual_hours", "can_delegate", "is_optional", "is_recurring", "recurrence_rule", "tags", "parent_id",
		"google_task_id", "google_tasklist_id", "zoom_meeting_id"}
	taskReadOnly = []string{"id", "user_id", "created_at", "updated_at", "version", "completed_at", "evidence"}
	taskAllowed  = func() map[string]bool {
		m := map[string]bool{}
		for _, f := range append(append([]string{}, taskWritable...), taskReadOnly...) {
			m[f] = true
		}
		return m
	}()
)

// decodeTaskUpdate turns a JSON object into a partial update, checking
// each field's type and naming the field at fault.
func decodeTaskUpdate(fields map[string]json.RawMessage) (core.TaskUpdate, error) {
	var u core.TaskUpdate
	var err error
	strs := []struct {
		name string
		dst  **string
	}{
		{"title", &u.Title}, {"description", &u.Description}, {"status", &u.Status}, {"priority", &u.Priority},
		{"task_type", &u.TaskType}, {"source", &u.Source}, {"source_id", &u.SourceID}, {"location", &u.Location},
		{"meeting_url", &u.MeetingURL}, {"recurrence_rule", &u.RecurrenceRule}, {"parent_id", &u.ParentID},
		{"google_task_id", &u.GoogleTaskID}, {"google_tasklist_id", &u.GoogleTaskListID}, {"zoom_meeting_id", &u.ZoomMeetingID},
	}
	for _, f := range strs {
		if *f.dst, err = decodeString(fields, f.name); err != nil {
			return u, err
		}
	}
	if raw, ok := fields["title"]; ok && isNull(raw) {
		return u, core.FieldError("title", "Title is required.")
	}
	for _, f := range []struct {
		name string
		dst  *core.Patch[timeT]
	}{{"deadline", &u.Deadline}, {"start_time", &u.StartTime}, {"end_time", &u.EndTime}} {
		if *f.dst, err = decodeTime(fields, f.name); err != nil {
			return u, err
		}
	}
	if u.EstimatedHours, err = decodeFloat(fields, "estimated_hours"); err != nil {
		return u, err
	}
	if u.ActualHours, err = decodeFloat(fields, "actual_hours"); err != nil {
		return u, err
	}
	for _, f := range []struct {
		name string
		dst  **bool
	}{{"can_delegate", &u.CanDelegate}, {"is_optional", &u.IsOptional}, {"is_recurring", &u.IsRecurring}} {
		if *f.dst, err = decodeBool(fields, f.name); err != nil {
			return u, err
		}
	}
	if u.Attendees, err = decodeStrings(fields, "attendees"); err != nil {
		return u, err
	}
	if u.Tags, err = decodeStrings(fields, "tags"); err != nil {
		return u, err
	}
	return u, nil
}

func (s *Server) handleCreateTask(w http.ResponseWriter, r *http.Request) error {
	userID := r.PathValue("user_id")
	if _, err := core.RequireSelf(r.Context(), userID); err != nil {
		return err
	}
	fields, err := readJSONObject(w, r, taskAllowed)
	if err != nil {
		return err
	}
	upd, err := decodeTaskUpdate(fields)
	if err != nil {
		return err
	}
	if upd.Title == nil {
		return core.FieldError("title", "Title is required.")
	}
	t := &core.Task{}
	task.ApplyDefaults(t)
	upd.Apply(t)
	created, err := s.Tasks.Create(r.Context(), userID, t)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, created)
	return nil
}

func (s *Server) handleGetTask(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Tasks.Get(r.Context(), r.PathValue("user_id"), r.PathValue("task_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) handleUpdateTask(w http.ResponseWriter, r *http.Request) error {
	userID := r.PathValue("user_id")
	if _, err := core.RequireSelf(r.Context(), userID); err != nil {
		return err
	}
	fields, err := readJSONObject(w, r, taskAllowed)
	if err != nil {
		return err
	}
	upd, err := decodeTaskUpdate(fields)
	if err != nil {
		return err
	}
	t, err := s.Tasks.Update(r.Context(), userID, r.PathValue("task_id"), upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) handleDeleteTask(w http.ResponseWriter, r *http.Request) error {
	if err := s.Tasks.Delete(r.Context(), r.PathValue("user_id"), r.PathValue("task_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type taskPage struct {
	Tasks      []*core.Task `json:"tasks"`
	NextCursor *string      `json:"next_cursor"`
}

var taskQueryParams = map[string]bool{"status": true, "due_before": true, "due_after": true, "source": true,
	"task_type": true, "q": true, "limit": true, "cursor": true, "sort": true}

func (s *Server) handleListTasks(w http.ResponseWriter, r *http.Request) error {
	userID := r.PathValue("user_id")
	if _, err := core.RequireSelf(r.Context(), userID); err != nil {
		return err
	}
	f, err := parseTaskFilter(r, userID)
	if err != nil {
		return err
	}
	tasks, next, err := s.Tasks.List(r.Context(), f)
	if err != nil {
		return err
	}
	page := taskPage{Tasks: tasks}
	if next != "" {
		page.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func parseTaskFilter(r *http.Request, userID string) (core.TaskFilter, error) {
	q := r.URL.Query()
	f := core.TaskFilter{UserID: userID}
	for k, v := range q {
		if !taskQueryParams[k] {
			return f, core.FieldError(k, "Unknown query parameter %q.", truncateField(k))
		}
		if len(v) > 1 {
			return f, core.FieldError(k, "Query parameter %q is given more than once.", k)
		}
	}
	if v := q.Get("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			if st = strings.TrimSpace(st); st != "" {
				f.Statuses = append(f.Statuses, st)
			}
		}
	}
	for _, p := range []struct {
		name string
		dst  **timeT
	}{{"due_before", &f.DueBefore}, {"due_after", &f.DueAfter}} {
		if v := q.Get(p.name); v != "" {
			t, err := parseTime(p.name, v)
			if err != nil {
				return f, err
			}
			*p.dst = &t
		}
	}
	f.Source, f.TaskType, f.Query, f.Cursor, f.Sort = q.Get("source"), q.Get("task_type"), q.Get("q"), q.Get("cursor"), q.Get("sort")
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return f, core.FieldError("limit", "Limit must be a whole number.")
		}
		if n == 0 {
			n = -1 // let Normalize reject it rather than default it
		}
		f.Limit = n
	}
	return f, f.Normalize()
}
