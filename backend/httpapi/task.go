package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"sentry/backend/core"
	"sentry/backend/task"
)

// taskAllowed are the fields a task body may hold: those of the patch
// type, and the task's read-only ones (clients often send a whole task
// back), which are accepted and ignored.
var (
	taskUpdateType = reflect.TypeFor[core.TaskUpdate]()
	taskAllowed    = fieldSet(patchNames(taskUpdateType), readOnlyNames(reflect.TypeFor[core.Task](), taskUpdateType))
)

// decodeTaskUpdate turns a JSON object into a partial update, checking
// each field's type and naming the field at fault.
func decodeTaskUpdate(fields map[string]json.RawMessage) (core.TaskUpdate, error) {
	var u core.TaskUpdate
	if raw, ok := fields["title"]; ok && isNull(raw) {
		return u, core.FieldError("title", "Title is required.")
	}
	err := decodePatch(fields, &u)
	return u, err
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
	// A task's team is chosen when it is made and never changes.
	teamID, err := decodeString(fields, "team_id")
	if err != nil {
		return err
	}
	if teamID != nil && *teamID != "" {
		if !core.ValidID(*teamID) {
			return core.FieldError("team_id", "team_id must be the id of one of your teams.")
		}
		t.TeamID = *teamID
	}
	created, err := s.Tasks.Create(r.Context(), userID, t)
	if err != nil {
		return err
	}
	writeTask(w, http.StatusCreated, created)
	return nil
}

func (s *Server) handleGetTask(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Tasks.Get(r.Context(), r.PathValue("user_id"), r.PathValue("task_id"))
	if err != nil {
		return err
	}
	writeTask(w, http.StatusOK, t)
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
	writeTask(w, http.StatusOK, t)
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
	"task_type": true, "assignee": true, "q": true, "limit": true, "cursor": true, "sort": true}

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
	writeTaskPage(w, http.StatusOK, page)
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
	if f.AssigneeID = q.Get("assignee"); f.AssigneeID == "me" {
		f.AssigneeID = userID
	}
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
