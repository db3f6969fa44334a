package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"sentry/backend/activity"
	"sentry/backend/core"
)

type timeT = time.Time

type changePage struct {
	Changes []*core.Change `json:"changes"`
	// Next is the hlc to pass as ?after= for the following page.
	Next *string `json:"next"`
}

func (s *Server) handleActivity(w http.ResponseWriter, r *http.Request) error {
	userID := r.PathValue("user_id")
	if _, err := core.RequireSelf(r.Context(), userID); err != nil {
		return err
	}
	q := r.URL.Query()
	f := core.ChangeFilter{UserID: userID, Table: q.Get("table"), RowID: q.Get("row_id"), After: q.Get("after"), Limit: activity.DefaultLimit}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > activity.MaxLimit {
			return core.FieldError("limit", "Limit must be between 1 and 1000.")
		}
		f.Limit = n
	}
	changes, err := s.Activity.Find(r.Context(), f)
	if err != nil {
		return err
	}
	page := changePage{Changes: changes}
	if page.Changes == nil {
		page.Changes = []*core.Change{}
	}
	if len(changes) == f.Limit {
		last := changes[len(changes)-1].HLC
		page.Next = &last
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}
