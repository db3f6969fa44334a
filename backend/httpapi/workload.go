package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"sentry/backend/core"
	"sentry/backend/workload"
)

func (s *Server) workloadRoutes() []Route {
	if s.Workload == nil {
		return nil
	}
	return []Route{
		{Method: "POST", Path: "/api/profile/create", Tag: "workload", Summary: "Create your work profile (time zone, working hours and days); one per user", Body: "ProfileInput", Response: "Profile", Status: 201, handler: s.handleCreateProfile},
		{Method: "GET", Path: "/api/profile/{user_id}", Tag: "workload", Summary: "Your work profile with preferences and constraints", Response: "Profile", Status: 200, handler: s.handleGetProfile},
		{Method: "PUT", Path: "/api/profile/{user_id}", Tag: "workload", Summary: "Change some fields of your work profile", Body: "ProfileInput", Response: "Profile", Status: 200, handler: s.handleUpdateProfile},
		{Method: "POST", Path: "/api/profile/{user_id}/preferences", Tag: "workload", Summary: "Set focus-block length, meeting preferences and notification choices", Body: "PreferencesInput", Response: "Preferences", Status: 200, handler: s.handleSavePreferences},
		{Method: "POST", Path: "/api/profile/{user_id}/constraints", Tag: "workload", Summary: "Set max weekly hours, days off and fixed commitments", Body: "ConstraintsInput", Response: "Constraints", Status: 200, handler: s.handleSaveConstraints},
		{Method: "POST", Path: "/api/workload/calculate", Tag: "workload", Summary: "Calculate your workload over a window and store what your history says about how you work", Body: "WorkloadRequest", Response: "WorkloadMetrics", Status: 200, handler: s.handleCalculateWorkload},
		{Method: "GET", Path: "/api/workload/metrics/{user_id}", Tag: "workload", Summary: "Your workload per day and week of a window", Query: []Param{
			{"start", "string", "first local date of the window, YYYY-MM-DD (default today)"},
			{"days", "integer", "length of the window, 1–92 (default 14)"},
		}, Response: "WorkloadMetrics", Status: 200, handler: s.handleWorkloadMetrics},
		{Method: "POST", Path: "/api/burnout/analyze", Tag: "workload", Summary: "Score your burnout risk now, with each factor's contribution, the trend and a 14-day forecast", Body: "UserRequest", Response: "BurnoutAnalysis", Status: 200, handler: s.handleAnalyze},
		{Method: "GET", Path: "/api/burnout/status/{user_id}", Tag: "workload", Summary: "Your latest burnout analysis (kept current as your tasks change)", Response: "BurnoutAnalysis", Status: 200, handler: s.handleBurnoutStatus},
		{Method: "GET", Path: "/api/burnout/history/{user_id}", Tag: "workload", Summary: "Your burnout analyses, newest first", Query: []Param{
			{"limit", "integer", "1–365 (default 30)"},
		}, Response: "BurnoutHistory", Status: 200, handler: s.handleBurnoutHistory},
		{Method: "POST", Path: "/api/burnout/feedback", Tag: "workload", Summary: "Answer the work-related burnout questionnaire (CBI) and/or leave a check-in note", Body: "CheckInInput", Response: "CheckIn", Status: 201, handler: s.handleCheckIn},
		{Method: "GET", Path: "/api/burnout/questionnaire", Tag: "workload", Summary: "The seven questions of the work-related burnout questionnaire with their options", Response: "Questionnaire", Status: 200, handler: s.handleQuestionnaire},
		{Method: "POST", Path: "/api/recommendations/generate", Tag: "workload", Summary: "Make fresh, quantified recommendations (replaces the open ones)", Body: "UserRequest", Response: "RecommendationPlan", Status: 200, handler: s.handleGenerateRecommendations},
		{Method: "GET", Path: "/api/recommendations/{user_id}", Tag: "workload", Summary: "Your open recommendations", Response: "RecommendationList", Status: 200, handler: s.handleListRecommendations},
		{Method: "POST", Path: "/api/recommendations/feedback", Tag: "workload", Summary: "Accept or dismiss a recommendation (shapes what is suggested next)", Body: "RecommendationFeedback", Response: "Recommendation", Status: 200, handler: s.handleRecommendationFeedback},
	}
}

// bodyUser reads the required user_id of a body and checks it is the caller.
func bodyUser(r *http.Request, fields map[string]json.RawMessage) (string, error) {
	id, err := decodeString(fields, "user_id")
	if err != nil {
		return "", err
	}
	if id == nil || *id == "" {
		return "", core.FieldError("user_id", "user_id is required.")
	}
	if _, err := core.RequireSelf(r.Context(), *id); err != nil {
		return "", err
	}
	return *id, nil
}

func decodeInt(fields map[string]json.RawMessage, name string) (*int, error) {
	raw, ok := fields[name]
	if !ok {
		return nil, nil
	}
	var n int
	if isNull(raw) || json.Unmarshal(raw, &n) != nil {
		return nil, core.FieldError(name, "%s must be a whole number.", name)
	}
	return &n, nil
}

func decodeNumber(fields map[string]json.RawMessage, name string) (*float64, error) {
	p, err := decodeFloat(fields, name)
	if err != nil {
		return nil, err
	}
	if !p.Set {
		return nil, nil
	}
	if p.Null {
		return nil, core.FieldError(name, "%s must be a number.", name)
	}
	return &p.Value, nil
}

func decodeObjectStrict[T any](fields map[string]json.RawMessage, name, hint string) (*T, error) {
	raw, ok := fields[name]
	if !ok {
		return nil, nil
	}
	var v T
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if isNull(raw) || dec.Decode(&v) != nil {
		return nil, core.FieldError(name, "%s must be %s.", name, hint)
	}
	return &v, nil
}

// profileRequest creates or changes a work profile. The read-only fields
// of a profile are accepted and ignored, so a client may send back what it
// read.
type profileRequest struct {
	UserID       *string      `json:"user_id"`
	Role         *string      `json:"role"`
	Department   *string      `json:"department"`
	Timezone     *string      `json:"timezone"`
	WorkingHours workingHours `json:"working_hours"`
	WorkingDays  workingDays  `json:"working_days"`
	ID           ignored      `json:"id"`
	CreatedAt    ignored      `json:"created_at"`
	UpdatedAt    ignored      `json:"updated_at"`
	Version      ignored      `json:"version"`
	Preferences  ignored      `json:"preferences"`
	Constraints  ignored      `json:"constraints"`
}

// ignored is a read-only field a body may carry back: any value, unread.
type ignored struct{}

func (*ignored) decodeBody(string, json.RawMessage) error { return nil }
func (ignored) jsonSchema() map[string]any {
	return map[string]any{"readOnly": true, "description": "Read-only: accepted and ignored"}
}

type workingHours struct{ value *core.WorkingHours }

func (h *workingHours) decodeBody(name string, raw json.RawMessage) (err error) {
	h.value, err = decodeObjectStrict[core.WorkingHours](map[string]json.RawMessage{name: raw}, name, `an object such as {"start":"09:00","end":"17:00"}`)
	return err
}

func (workingHours) jsonSchema() map[string]any {
	hhmm := map[string]any{"type": "string", "pattern": "^\\d\\d:\\d\\d$"}
	return obj([]string{"start", "end"}, map[string]any{"start": hhmm, "end": hhmm})
}

type workingDays struct{ value *[]int }

func (d *workingDays) decodeBody(name string, raw json.RawMessage) (err error) {
	d.value, err = decodeObjectStrict[[]int](map[string]json.RawMessage{name: raw}, name, "a list of ISO weekdays, 1 (Monday) to 7 (Sunday)")
	return err
}

func (workingDays) jsonSchema() map[string]any {
	return map[string]any{"type": "array", "items": map[string]any{"type": "integer", "minimum": 1, "maximum": 7}}
}

// decodeProfile reads a profile body.
func decodeProfile(w http.ResponseWriter, r *http.Request) (workload.ProfileInput, map[string]json.RawMessage, error) {
	var in profileRequest
	fields, err := decodeFields(w, r, &in)
	if err != nil {
		return workload.ProfileInput{}, nil, err
	}
	if raw, ok := fields["timezone"]; ok && isNull(raw) {
		return workload.ProfileInput{}, nil, core.FieldError("timezone", "Timezone is required, e.g. Europe/Berlin or UTC.")
	}
	return workload.ProfileInput{Role: in.Role, Department: in.Department, Timezone: in.Timezone,
		WorkingHours: in.WorkingHours.value, WorkingDays: in.WorkingDays.value}, fields, nil
}

func (s *Server) handleCreateProfile(w http.ResponseWriter, r *http.Request) error {
	in, fields, err := decodeProfile(w, r)
	if err != nil {
		return err
	}
	userID, err := bodyUser(r, fields)
	if err != nil {
		return err
	}
	p, err := s.Workload.CreateProfile(r.Context(), userID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) handleGetProfile(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Workload.GetProfile(r.Context(), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// pathSelf checks the {user_id} of the path before any body is read.
func pathSelf(r *http.Request) (string, error) {
	id := r.PathValue("user_id")
	_, err := core.RequireSelf(r.Context(), id)
	return id, err
}

func (s *Server) handleUpdateProfile(w http.ResponseWriter, r *http.Request) error {
	userID, err := pathSelf(r)
	if err != nil {
		return err
	}
	in, _, err := decodeProfile(w, r)
	if err != nil {
		return err
	}
	p, err := s.Workload.UpdateProfile(r.Context(), userID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// preferencesRequest saves preferences; user_id and updated_at, sent back
// from a read, are ignored.
type preferencesRequest struct {
	FocusBlockMinutes  *int            `json:"focus_block_minutes"`
	MeetingPreferences *map[string]any `json:"meeting_preferences"`
	Notifications      *map[string]any `json:"notifications"`
	UserID             ignored         `json:"user_id"`
	UpdatedAt          ignored         `json:"updated_at"`
}

// constraintsRequest saves constraints; user_id and updated_at, sent back
// from a read, are ignored.
type constraintsRequest struct {
	MaxWeeklyHours   number           `json:"max_weekly_hours"`
	DaysOff          *[]string        `json:"days_off"`
	FixedCommitments fixedCommitments `json:"fixed_commitments"`
	UserID           ignored          `json:"user_id"`
	UpdatedAt        ignored          `json:"updated_at"`
}

// number is a finite number; null is refused.
type number struct{ value *float64 }

func (n *number) decodeBody(name string, raw json.RawMessage) (err error) {
	n.value, err = decodeNumber(map[string]json.RawMessage{name: raw}, name)
	return err
}

func (number) jsonSchema() map[string]any { return map[string]any{"type": "number"} }

type fixedCommitments struct{ value *[]core.FixedCommitment }

func (c *fixedCommitments) decodeBody(name string, raw json.RawMessage) error {
	// "day" is accepted as another name for "weekday".
	type fixedIn struct {
		Title   string `json:"title"`
		Weekday *int   `json:"weekday"`
		Day     *int   `json:"day"`
		Start   string `json:"start"`
		End     string `json:"end"`
	}
	fixed, err := decodeObjectStrict[[]fixedIn](map[string]json.RawMessage{name: raw}, name, `a list of {"title","weekday":1–7,"start":"HH:MM","end":"HH:MM"}`)
	if err != nil {
		return err
	}
	list := make([]core.FixedCommitment, 0, len(*fixed))
	for _, f := range *fixed {
		fc := core.FixedCommitment{Title: f.Title, Start: f.Start, End: f.End}
		if f.Weekday != nil {
			fc.Weekday = *f.Weekday
		} else if f.Day != nil {
			fc.Weekday = *f.Day
		}
		list = append(list, fc)
	}
	c.value = &list
	return nil
}

func (fixedCommitments) jsonSchema() map[string]any {
	return map[string]any{"type": "array", "items": obj([]string{"weekday", "start", "end"}, map[string]any{"title": str,
		"weekday": map[string]any{"type": "integer", "minimum": 1, "maximum": 7}, "start": str, "end": str})}
}

func (s *Server) handleSavePreferences(w http.ResponseWriter, r *http.Request) error {
	userID, err := pathSelf(r)
	if err != nil {
		return err
	}
	var body preferencesRequest
	if _, err := decodeFields(w, r, &body); err != nil {
		return err
	}
	in := workload.PreferencesInput{FocusBlockMinutes: body.FocusBlockMinutes,
		MeetingPreferences: body.MeetingPreferences, Notifications: body.Notifications}
	p, err := s.Workload.SavePreferences(r.Context(), userID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handleSaveConstraints(w http.ResponseWriter, r *http.Request) error {
	userID, err := pathSelf(r)
	if err != nil {
		return err
	}
	var body constraintsRequest
	if _, err := decodeFields(w, r, &body); err != nil {
		return err
	}
	in := workload.ConstraintsInput{MaxWeeklyHours: body.MaxWeeklyHours.value, DaysOff: body.DaysOff,
		FixedCommitments: body.FixedCommitments.value}
	c, err := s.Workload.SaveConstraints(r.Context(), userID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// userRequest is a body that names only the caller.
type userRequest struct {
	UserID *string `json:"user_id"`
}

// workloadRequest asks for the metrics of a window (default: from today).
type workloadRequest struct {
	UserID *string `json:"user_id"`
	Start  *string `json:"start"`
	Days   *int    `json:"days"`
}

func (s *Server) handleCalculateWorkload(w http.ResponseWriter, r *http.Request) error {
	var in workloadRequest
	fields, err := decodeFields(w, r, &in)
	if err != nil {
		return err
	}
	userID, err := bodyUser(r, fields)
	if err != nil {
		return err
	}
	var q workload.MetricsQuery
	if in.Start != nil {
		q.Start = *in.Start
	}
	if in.Days != nil {
		q.Days = *in.Days
		if q.Days == 0 {
			q.Days = -1 // 0 is not a window; let validation say so
		}
	}
	m, err := s.Workload.Calculate(r.Context(), userID, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// strictQuery rejects unknown or repeated query parameters.
func strictQuery(r *http.Request, allowed ...string) error {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for k, v := range r.URL.Query() {
		if !ok[k] {
			return core.FieldError(k, "Unknown query parameter %q.", truncateField(k))
		}
		if len(v) > 1 {
			return core.FieldError(k, "Query parameter %q is given more than once.", k)
		}
	}
	return nil
}

func queryInt(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, core.FieldError(name, "%s must be a whole number.", name)
	}
	if n == 0 {
		n = -1
	}
	return n, nil
}

func (s *Server) handleWorkloadMetrics(w http.ResponseWriter, r *http.Request) error {
	userID, err := pathSelf(r)
	if err != nil {
		return err
	}
	if err := strictQuery(r, "start", "days"); err != nil {
		return err
	}
	days, err := queryInt(r, "days")
	if err != nil {
		return err
	}
	m, err := s.Workload.Metrics(r.Context(), userID, workload.MetricsQuery{Start: r.URL.Query().Get("start"), Days: days})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// forBodyUser answers a request whose body is just {user_id}: the caller's
// own id, checked, handed to call, whose result is the 200 answer.
func forBodyUser[T any](call func(ctx context.Context, userID string) (T, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in userRequest
		fields, err := decodeFields(w, r, &in)
		if err != nil {
			return err
		}
		userID, err := bodyUser(r, fields)
		if err != nil {
			return err
		}
		out, err := call(r.Context(), userID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func (s *Server) handleAnalyze(w http.ResponseWriter, r *http.Request) error {
	return forBodyUser(s.Workload.Analyze)(w, r)
}

func (s *Server) handleBurnoutStatus(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Workload.Status(r.Context(), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) handleBurnoutHistory(w http.ResponseWriter, r *http.Request) error {
	userID, err := pathSelf(r)
	if err != nil {
		return err
	}
	if err := strictQuery(r, "limit"); err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	list, err := s.Workload.History(r.Context(), userID, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, burnoutHistory{Analyses: list})
	return nil
}

// checkInRequest is a questionnaire's answers and/or a note.
type checkInRequest struct {
	UserID     *string    `json:"user_id"`
	CBIAnswers cbiAnswers `json:"cbi_answers"`
	Checkin    *string    `json:"checkin"`
}

// cbiAnswers are the questionnaire's answers, null skipping one; null or
// absent sends none.
type cbiAnswers []int

func (a *cbiAnswers) decodeBody(name string, raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	var answers []*int
	if err := json.Unmarshal(raw, &answers); err != nil {
		return core.FieldError(name, "%s must be a list of 7 answers (1–5, or null to skip one).", name)
	}
	*a = make(cbiAnswers, len(answers))
	for i, v := range answers {
		if v != nil {
			(*a)[i] = *v
		}
	}
	return nil
}

func (cbiAnswers) jsonSchema() map[string]any {
	return map[string]any{"type": []string{"array", "null"}, "items": map[string]any{"type": []string{"integer", "null"}}}
}

func (s *Server) handleCheckIn(w http.ResponseWriter, r *http.Request) error {
	var body checkInRequest
	fields, err := decodeFields(w, r, &body)
	if err != nil {
		return err
	}
	userID, err := bodyUser(r, fields)
	if err != nil {
		return err
	}
	in := workload.CheckInInput{CBIAnswers: body.CBIAnswers}
	if body.Checkin != nil {
		in.Note = *body.Checkin
	}
	c, err := s.Workload.CheckIn(r.Context(), userID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) handleQuestionnaire(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, questionnaire{
		Instrument: "Copenhagen Burnout Inventory, work-related burnout subscale",
		Scoring:    "Options score 100, 75, 50, 25, 0 in order (question 7 the other way round); the score is the mean of the answered questions (at least 3).",
		Items:      workload.CBIItems,
	})
	return nil
}

func (s *Server) handleGenerateRecommendations(w http.ResponseWriter, r *http.Request) error {
	return forBodyUser(s.Workload.Generate)(w, r)
}

func (s *Server) handleListRecommendations(w http.ResponseWriter, r *http.Request) error {
	recs, err := s.Workload.Recommendations(r.Context(), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, recommendationList{Recommendations: recs})
	return nil
}

// recommendationFeedback answers a recommendation; user_id, if sent, must
// be the caller's.
type recommendationFeedback struct {
	UserID           *string      `json:"user_id"`
	RecommendationID *string      `json:"recommendation_id"`
	Action           *string      `json:"action"`
	Helpful          optionalBool `json:"helpful"`
}

// optionalBool is true, false, or null (the same as absent).
type optionalBool struct{ value *bool }

func (o *optionalBool) decodeBody(name string, raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	v, err := decodeBool(map[string]json.RawMessage{name: raw}, name)
	o.value = v
	return err
}

func (optionalBool) jsonSchema() map[string]any {
	return map[string]any{"type": []string{"boolean", "null"}}
}

func (s *Server) handleRecommendationFeedback(w http.ResponseWriter, r *http.Request) error {
	if _, err := core.RequireUser(r.Context()); err != nil {
		return err
	}
	var in recommendationFeedback
	fields, err := decodeFields(w, r, &in)
	if err != nil {
		return err
	}
	if _, ok := fields["user_id"]; ok {
		if _, err := bodyUser(r, fields); err != nil {
			return err
		}
	}
	if in.RecommendationID == nil {
		return core.FieldError("recommendation_id", "recommendation_id is required.")
	}
	if in.Action == nil {
		return core.FieldError("action", "Action must be accepted, dismissed or open (to take an answer back).")
	}
	rec, err := s.Workload.Feedback(r.Context(), *in.RecommendationID, *in.Action, in.Helpful.value)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// withSchemas adds extra component schemas to base.
func withSchemas(base map[string]any, extra ...map[string]any) map[string]any {
	for _, e := range extra {
		for k, v := range e {
			base[k] = v
		}
	}
	return base
}

// Workload responses.
type (
	burnoutHistory struct {
		Analyses []*core.BurnoutAnalysis `json:"analyses"`
	}
	recommendationList struct {
		Recommendations []*core.Recommendation `json:"recommendations"`
	}
	// questionnaire is the burnout questionnaire with how it is scored.
	questionnaire struct {
		Instrument string             `json:"instrument"`
		Scoring    string             `json:"scoring"`
		Items      []workload.CBIItem `json:"items"`
	}
)
