// Package httpapi is Sentry's REST API: routes, middleware, JSON encoding,
// the one table from error codes to HTTP statuses, and the OpenAPI
// document. The same handler serves `sentry serve` and, in-process, the
// desktop app.
package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"sentry/backend/core"
)

// codes maps every error code to its HTTP status. It is the only such table.
var codes = map[string]int{
	core.EINVALID:      http.StatusBadRequest,
	core.EUNAUTHORIZED: http.StatusUnauthorized,
	core.EFORBIDDEN:    http.StatusForbidden,
	core.ENOTFOUND:     http.StatusNotFound,
	core.ECONFLICT:     http.StatusConflict,
	core.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	core.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	core.ERATELIMITED:  http.StatusTooManyRequests,
	core.EUNAVAILABLE:  http.StatusServiceUnavailable,
	core.EINTERNAL:     http.StatusInternalServerError,
	core.EUPGRADE:      http.StatusUpgradeRequired,
	core.ECLOCKSKEW:    http.StatusConflict,
	core.ERECONNECT:    http.StatusConflict,
	core.EBADGATEWAY:   http.StatusBadGateway,
}

// StatusFor returns the HTTP status of an error code.
func StatusFor(code string) int {
	if s, ok := codes[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError writes err as JSON; internal errors are logged once, here,
// and their text never reaches the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := core.ErrorCode(err), core.ErrorMessage(err)
	if code == core.EINTERNAL && s.Classify != nil {
		if c := s.Classify(err); c != nil {
			err, code, msg = c, core.ErrorCode(c), core.ErrorMessage(c)
		}
	}
	if code == core.EINTERNAL {
		s.logger.Error("request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("request_id", requestID(r.Context())), slog.Any("error", err))
	}
	if ra := core.ErrorRetryAfter(err); ra > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(ra.Seconds())))
	}
	writeJSON(w, StatusFor(code), errorBody{Error: errorDetail{Code: code, Message: msg, Field: core.ErrorField(err)}})
}

// writeJSON encodes v first and only then sends the status line, so a
// value that cannot be encoded becomes a whole 500 error body instead of
// a success status followed by a cut-off body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	noteEncoded(w, status, v)
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			status = http.StatusInternalServerError
			body, _ = json.Marshal(errorBody{Error: errorDetail{Code: core.EINTERNAL, Message: "Internal error."}})
		}
		body = append(body, '\n')
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
