package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sentry/backend/activity"
	"sentry/backend/auth"
	"sentry/backend/core"
	"sentry/backend/extract"
	"sentry/backend/integrations"
	"sentry/backend/modelmgr"
	"sentry/backend/notebook"
	"sentry/backend/ratelimit"
	"sentry/backend/syncsvc"
	"sentry/backend/task"
	"sentry/backend/team"
	"sentry/backend/upload"
	"sentry/backend/workload"
)

// Deps are what the API serves.
type Deps struct {
	Auth  *auth.Service
	Tasks *task.Service
	// Teams serves /api/teams (off when nil).
	Teams *team.Service
	// SyncBlobs serves /api/sync/blobs, synced files' bytes (off when nil).
	SyncBlobs *syncsvc.Blobs
	// Sync serves /api/sync (off when nil).
	Sync    *syncsvc.Service
	Extract *extract.Service
	Uploads *upload.Service
	Models  *modelmgr.Manager
	// LanguageModels serves Settings → Models (off when nil).
	LanguageModels *modelmgr.LanguageModels
	// Notebooks serves /api/notebooks (off when nil).
	Notebooks *notebook.Service
	// Integrations serves /api/integrations and /api/zoom (off when nil).
	Integrations *integrations.Service
	// Workload serves profiles, workload, burnout and recommendations (off when nil).
	Workload *workload.Service
	// KindClass tells a file kind's class: document, image, audio, video.
	KindClass func(kind string) string
	// Activity serves /api/activity, the change history.
	Activity *activity.Service
	// Health reports each dependency; nil entries are skipped.
	Health []HealthCheck
	// UI, when set, is served at / (the built frontend).
	UI fs.FS
	// Desktop enables POST /api/auth/local-session, which signs in the
	// local profile. Only the in-process desktop handler sets it.
	Desktop bool
	// Admins are the emails of a team server's administrators, who choose
	// the models its users share (config admins).
	Admins []string
	// LocalUser returns the desktop's local profile.
	LocalUser func(ctx context.Context) (*core.User, error)
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	// Registry receives the HTTP metrics; a new one when nil.
	Registry *prometheus.Registry
	Version  string
	Now      func() time.Time
	// AuthFailures throttles auth endpoints (newAuthFailures when nil; the
	// keys and limits are in account.go); APILimit is the per-user limit
	// for every authenticated route (nil: off), in this process or shared
	// by every server on the database (ratelimit.SharedBuckets). With Attempts set, the
	// default throttle keeps its counts there, shared by every server on
	// the database.
	AuthFailures ratelimit.Throttle
	Attempts     core.AttemptStore
	APILimit     ratelimit.Limiter
	// Classify, when set, gives an error without a code the code its
	// store knows it by, or nil (PostgreSQL: a lost connection is
	// unavailable, 503).
	Classify func(error) error
	// AllowedOrigins may make cross-origin requests (CORS).
	AllowedOrigins []string
}

// Server is the API's http.Handler.
type Server struct {
	Deps
	logger  *slog.Logger
	mux     *http.ServeMux
	routes  []Route
	metrics *metrics
	handler http.Handler
	openapiCache
	responseChecks
}

// Route is one API endpoint; the route table drives the mux, the
// authentication wrapper and the OpenAPI document alike.
type Route struct {
	Method  string
	Path    string
	Public  bool
	Summary string
	Tag     string
	// Body names the request schema; Response the 2xx schema.
	Body     string
	Response string
	Status   int
	Query    []Param
	handler  handler
	// muxPath, when set, is the pattern the mux gets instead of Path (see
	// literalTail).
	muxPath string
	// aliases are older paths still served, not documented.
	aliases []string
}

// handler is an endpoint's happy path: whatever error it returns, the route
// table writes through the one error writer (writeError).
type handler func(w http.ResponseWriter, r *http.Request) error

// serve adapts a handler to net/http, writing its error, if any.
func (s *Server) serve(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// Param documents a query parameter.
type Param struct {
	Name, Type, Description string
}

// NewServer builds the handler.
func NewServer(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.AuthFailures == nil {
		d.AuthFailures = newAuthFailures(d.Attempts, d.Logger)
	}
	s := &Server{Deps: d, logger: d.Logger, mux: http.NewServeMux()}
	s.metrics = newMetrics(d.Registry)
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		h := s.checkResponse(rt, rt.handler)
		if !rt.Public {
			h = s.authenticate(h)
		}
		pattern := rt.Path
		if rt.muxPath != "" {
			pattern = rt.muxPath
		}
		s.mux.Handle(rt.Method+" "+pattern, s.serve(h))
		for _, a := range rt.aliases {
			s.mux.Handle(rt.Method+" "+a, s.serve(h))
		}
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, core.Errorf(core.ENOTFOUND, "No such API endpoint: %s %s.", r.Method, r.URL.Path))
	})
	s.mux.Handle("GET /metrics", s.metricsHandler())
	s.mux.Handle("/", s.uiHandler())
	s.handler = s.recoverer(s.observe(s.securityHeaders(s.cors(s.mux))))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes returns the route table (for the OpenAPI document and tests).
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

func (s *Server) routeTable() []Route {
	taskQuery := []Param{
		{"status", "string", "todo, in_progress, done or cancelled; comma-separated for several"},
		{"due_before", "date-time", "deadline at or before (RFC 3339)"},
		{"due_after", "date-time", "deadline at or after (RFC 3339)"},
		{"source", "string", "where tasks came from, e.g. sentry, extracted_audio"},
		{"task_type", "string", "task or meeting"},
		{"assignee", "string", "me (tasks assigned to you) or a user's id"},
		{"q", "string", "words in the title or description"},
		{"limit", "integer", "page size, 1–500 (default 50)"},
		{"cursor", "string", "next_cursor of the previous page"},
		{"sort", "string", "deadline, priority, created_at or updated_at; prefix - for descending (default -created_at)"},
	}
	return append([]Route{
		{Method: "GET", Path: "/health", Public: true, Tag: "system", Summary: "Health of the database and each engine", Response: "Health", Status: 200, handler: s.handleHealth},
		{Method: "GET", Path: "/api/openapi.json", Public: true, Tag: "system", Summary: "This API's OpenAPI 3.1 document", Response: "object", Status: 200, handler: s.handleOpenAPI},

		{Method: "POST", Path: "/api/users", aliases: []string{"/api/users/{$}"}, Public: true, Tag: "accounts", Summary: "Register an account", Body: "RegisterRequest", Response: "User", Status: 201, handler: s.handleRegister},
		{Method: "GET", Path: "/api/users/{user_id}", Tag: "accounts", Summary: "Read your account", Response: "User", Status: 200, handler: s.handleGetUser},
		{Method: "POST", Path: "/api/auth/login", Public: true, Tag: "accounts", Summary: "Sign in with email and password", Body: "LoginRequest", Response: "Session", Status: 200, handler: s.handleLogin},
		{Method: "POST", Path: "/api/auth/refresh-token", Public: true, Tag: "accounts", Summary: "Trade a refresh token for a new token pair (rotation)", Body: "RefreshRequest", Response: "Session", Status: 200, handler: s.handleRefresh},
		{Method: "POST", Path: "/api/auth/logout", Public: true, Tag: "accounts", Summary: "Revoke a refresh token and its whole family", Body: "RefreshRequest", Status: 204, handler: s.handleLogout},
		{Method: "POST", Path: "/api/auth/local-session", Public: true, Tag: "accounts", Summary: "Desktop only: sign in the local profile (404 on servers)", Response: "Session", Status: 200, handler: s.handleLocalSession},
		{Method: "GET", Path: "/api/auth/me", Tag: "accounts", Summary: "The signed-in user", Response: "User", Status: 200, handler: s.handleMe},
		{Method: "PUT", Path: "/api/users/{user_id}", Tag: "accounts", Summary: "Change your name", Body: "ProfileUpdate", Response: "User", Status: 200, handler: s.handleUpdateUser},
		{Method: "DELETE", Path: "/api/users/{user_id}", Tag: "accounts", Summary: "Delete your account, every row you own and your stored files", Status: 204, handler: s.handleDeleteUser},
		{Method: "POST", Path: "/api/users/{user_id}/password", Tag: "accounts", Summary: "Change your password (ends every other session)", Body: "PasswordChange", Response: "Session", Status: 200, handler: s.handleChangePassword},
		{Method: "GET", Path: "/api/users/{user_id}/audit", Tag: "accounts", Summary: "Your recent sign-in and security events", Response: "AuditPage", Status: 200, handler: s.handleAudit},
		{Method: "POST", Path: "/api/auth/verify-email", Public: true, Tag: "accounts", Summary: "Confirm your email with the mailed code", Body: "VerifyEmailRequest", Response: "Message", Status: 200, handler: s.handleVerifyEmail},
		{Method: "POST", Path: "/api/auth/verify-email/resend", Public: true, Tag: "accounts", Summary: "Mail a new confirmation code (answers the same for unknown emails)", Body: "EmailRequest", Response: "Message", Status: 202, handler: s.handleResendVerification},
		{Method: "POST", Path: "/api/auth/forgot-password", Public: true, Tag: "accounts", Summary: "Mail a password reset code (answers the same for unknown emails)", Body: "EmailRequest", Response: "Message", Status: 202, handler: s.handleForgotPassword},
		{Method: "POST", Path: "/api/auth/reset-password", Public: true, Tag: "accounts", Summary: "Set a new password with the mailed code (signs out every device)", Body: "ResetPasswordRequest", Response: "Message", Status: 200, handler: s.handleResetPassword},
		{Method: "GET", Path: "/api/auth/sessions", Tag: "accounts", Summary: "Your signed-in devices", Response: "SessionList", Status: 200, handler: s.handleSessions},
		{Method: "DELETE", Path: "/api/auth/sessions/{session_id}", Tag: "accounts", Summary: "Sign one of your devices out", Status: 204, handler: s.handleRevokeSession},

		{Method: "GET", Path: "/api/tasks/{user_id}", Tag: "tasks", Summary: "List your tasks (filtered, sorted, paged)", Query: taskQuery, Response: "TaskPage", Status: 200, handler: s.handleListTasks},
		{Method: "POST", Path: "/api/tasks/{user_id}", Tag: "tasks", Summary: "Create a task or meeting", Body: "TaskInput", Response: "Task", Status: 201, handler: s.handleCreateTask},
		{Method: "GET", Path: "/api/tasks/{user_id}/{task_id}", Tag: "tasks", Summary: "Read one task", Response: "Task", Status: 200, handler: s.handleGetTask},
		{Method: "PUT", Path: "/api/tasks/{user_id}/{task_id}", Tag: "tasks", Summary: "Change some fields of a task (null clears a nullable field)", Body: "TaskInput", Response: "Task", Status: 200, handler: s.handleUpdateTask},
		{Method: "DELETE", Path: "/api/tasks/{user_id}/{task_id}", Tag: "tasks", Summary: "Delete a task", Status: 204, handler: s.handleDeleteTask},

		{Method: "GET", Path: "/api/activity/{user_id}", Tag: "activity", Summary: "Your change history, oldest first", Query: []Param{
			{"after", "string", "only changes after this clock value (the hlc of the last one seen)"},
			{"table", "string", "only changes of this table, e.g. tasks"},
			{"row_id", "string", "only changes of this row"},
			{"limit", "integer", "1–1000 (default 100)"},
		}, Response: "ChangePage", Status: 200, handler: s.handleActivity},
	}, concat(s.oauthRoutes(), s.integrationRoutes(), s.extractRoutes(), s.extractFileRoutes(), s.uploadRoutes(), s.settingsRoutes(), s.modelRoutes(), s.notebookRoutes(), s.extractionSourceRoutes(), s.workloadRoutes(), s.quickAddRoutes(), s.teamRoutes(), s.syncRoutes(), s.syncBlobRoutes())...)
}

func concat(lists ...[]Route) []Route {
	var out []Route
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
