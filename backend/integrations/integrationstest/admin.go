package integrationstest

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// consentTmpl is the stand-in's consent screen: what a provider shows the
// user before it sends the browser back with a code (Allow) or
// error=access_denied (Deny). The request's parameters ride along in
// hidden fields.
var consentTmpl = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Stand-in consent</title>
<body style="font:16px sans-serif;margin:3em;max-width:36em">
<h1>Allow access?</h1>
<p>The application <b>{{.ClientID}}</b> asks for access to your account:</p>
<ul>{{range .Scopes}}<li><code>{{.}}</code></li>{{end}}</ul>
<form method="post" action="/oauth/authorize">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>
`))

func (s *Server) consentPage(w http.ResponseWriter, q url.Values) {
	params := map[string]string{}
	for k := range q {
		params[k] = q.Get(k)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = consentTmpl.Execute(w, map[string]any{"ClientID": q.Get("client_id"), "Scopes": strings.Fields(q.Get("scope")), "Params": params})
}

// decide answers the consent page's form.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "unreadable form", http.StatusBadRequest)
		return
	}
	q := url.Values{}
	for k := range r.PostForm {
		if k != "decision" {
			q.Set(k, r.PostForm.Get(k))
		}
	}
	if msg := checkAuthRequest(q); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	if r.PostForm.Get("decision") == "allow" {
		s.approve(w, r, q)
		return
	}
	u, _ := url.Parse(q.Get("redirect_uri"))
	back := u.Query()
	back.Set("error", "access_denied")
	back.Set("state", q.Get("state"))
	u.RawQuery = back.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// adminRoutes let a test outside the Go process act as the provider's
// user would:
//
//	POST /admin/revoke    revoke every grant (the user removes the app's access)
//	POST /admin/tasks     {"title","notes"}: add a Google task to the default list → {"id","list_id"}
//	POST /admin/meetings  {"topic","start_time","duration","agenda"}: schedule a Zoom meeting → {"id"}
//	POST /admin/events    an Event: add a Google Calendar event → {"id"}
//	GET  /admin/state     {"revoked","refreshes","requests"}
func (s *Server) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /admin/revoke", func(w http.ResponseWriter, r *http.Request) {
		s.RevokeAll()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /admin/tasks", func(w http.ResponseWriter, r *http.Request) {
		var t Task
		if !readJSON(w, r, &t) {
			return
		}
		list := s.DefaultTaskList()
		writeJSON(w, http.StatusCreated, map[string]string{"id": s.PutTask(list, Task{Title: t.Title, Notes: t.Notes, Due: t.Due, Status: t.Status}), "list_id": list})
	})
	mux.HandleFunc("POST /admin/meetings", func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Topic     string `json:"topic"`
			StartTime string `json:"start_time"`
			Agenda    string `json:"agenda"`
			Duration  int    `json:"duration"`
		}
		if !readJSON(w, r, &m) {
			return
		}
		id := s.PutMeeting(Meeting{Topic: m.Topic, StartTime: m.StartTime, Duration: m.Duration, Agenda: m.Agenda})
		writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
	})
	mux.HandleFunc("POST /admin/events", func(w http.ResponseWriter, r *http.Request) {
		var e Event
		if !readJSON(w, r, &e) {
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"id": s.PutEvent(e)})
	})
	mux.HandleFunc("GET /admin/state", func(w http.ResponseWriter, r *http.Request) {
		revoked := s.Revoked()
		s.mu.Lock()
		out := map[string]any{"revoked": revoked, "refreshes": s.Refreshes, "requests": len(s.Requests)}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	})
}

// DefaultTaskList returns the first task list, creating "My Tasks" when
// there is none.
func (s *Server) DefaultTaskList() string {
	s.mu.Lock()
	if len(s.lists) > 0 {
		id := s.lists[0].ID
		s.mu.Unlock()
		return id
	}
	s.mu.Unlock()
	return s.AddTaskList("My Tasks")
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		http.Error(w, "want a JSON object: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}
