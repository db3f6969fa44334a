package httpapi

import (
	"context"
	"net/http"
	"time"
)

// HealthCheck reports one dependency: the database, sqlite-vec, and each
// engine as it is added.
type HealthCheck struct {
	Name string
	// Required checks make /health answer 503 when they fail.
	Required bool
	Check    func(ctx context.Context) (details map[string]any, err error)
}

type healthBody struct {
	Status  string                    `json:"status"`
	Version string                    `json:"version"`
	Time    time.Time                 `json:"time"`
	Checks  map[string]map[string]any `json:"checks"`
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	body := healthBody{Status: "ok", Version: s.Version, Time: s.Now().UTC(), Checks: map[string]map[string]any{}}
	status := http.StatusOK
	for _, c := range s.Health {
		details, err := c.Check(ctx)
		if details == nil {
			details = map[string]any{}
		}
		if err != nil {
			details["status"] = "unavailable"
			details["error"] = err.Error()
			if c.Required {
				body.Status, status = "unavailable", http.StatusServiceUnavailable
			} else if body.Status == "ok" {
				body.Status = "degraded"
			}
		} else if _, ok := details["status"]; !ok {
			details["status"] = "ok"
		}
		body.Checks[c.Name] = details
	}
	writeJSON(w, status, body)
	return nil
}
