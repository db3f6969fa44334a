package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sentry/backend/core"
	"sentry/backend/syncsvc"
	"sentry/sync/wire"
)

// The sync server's routes (protocol 1, sync/wire). Every one is the
// caller's own: devices bind to the signed-in user, scopes come from their
// team membership, never from the request.
func (s *Server) syncRoutes() []Route {
	if s.Sync == nil {
		return nil
	}
	return []Route{
		{Method: "POST", Path: "/api/sync/devices", Tag: "sync", Summary: "Bind a device id to you (403 if it is bound to someone else); the server's database id, epoch, your scopes", Body: "SyncDeviceInput", Response: "SyncDevice", Status: 200, handler: s.handleSyncDevice},
		{Method: "POST", Path: "/api/sync/push", Tag: "sync", Summary: "Push a batch of patches (up to 4 MiB); a retried batch id gets the stored result", Body: "SyncPush", Response: "SyncPushResult", Status: 200, handler: s.handleSyncPush},
		{Method: "GET", Path: "/api/sync/pull", Tag: "sync", Summary: "Rows changed in your scopes after the cursor, each once with its current state",
			Query: []Param{{"cursor", "string", "from the last pull; none for the first"}, {"limit", "integer", "1–1000 (default 1000)"},
				{"wait", "integer", "seconds (0–25) to wait for a change when there is none"}, {"device_id", "string", "records this device's progress"},
				{"schema_version", "integer", "the app's synced schema (default the server's)"}},
			Response: "SyncPull", Status: 200, handler: s.handleSyncPull},
		{Method: "GET", Path: "/api/sync/conflicts", Tag: "sync", Summary: "Concurrent overwrites kept in your scopes, newest first", Query: []Param{{"limit", "integer", "1–1000 (default 100)"}}, Response: "SyncConflictList", Status: 200, handler: s.handleSyncConflicts},
		{Method: "GET", Path: "/api/sync/state", Tag: "sync", Summary: "Your devices: last push and pull, how far behind each is", Response: "SyncState", Status: 200, handler: s.handleSyncState},
	}
}

func syncSchemas() map[string]any {
	clocks := map[string]any{"type": "object", "additionalProperties": str}
	ids := map[string]any{"type": "array", "items": str}
	return map[string]any{
		"SyncPush": obj([]string{"protocol", "schema_version", "device_id", "batch_id", "patches"}, map[string]any{"protocol": integer,
			"schema_version": integer, "device_id": str, "batch_id": str, "patches": map[string]any{"type": "array", "maxItems": wire.MaxPatches,
				"items": obj([]string{"table", "scope_id", "row_id", "fields", "clocks"}, map[string]any{"table": str, "scope_id": str, "row_id": str,
					"fields": map[string]any{"type": "object"}, "clocks": clocks, "base": clocks, "change_ids": ids})}}),
	}
}

func (s *Server) handleSyncDevice(w http.ResponseWriter, r *http.Request) error {
	var in wire.DeviceRequest
	if err := decodeRequest(w, r, &in); err != nil {
		return err
	}
	out, err := s.Sync.BindDevice(r.Context(), &in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// decodeSync decodes one field of a sync body strictly, numbers kept as
// written (json.Number), naming the field when it does not fit.
func decodeSync(raw json.RawMessage, name string, dst any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	d.DisallowUnknownFields()
	if err := d.Decode(dst); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		return core.FieldError(name, "%s is not valid: %s", name, msg)
	}
	return nil
}

func (s *Server) handleSyncPush(w http.ResponseWriter, r *http.Request) error {
	fields, err := readJSONObjectLimit(w, r, map[string]bool{"protocol": true, "schema_version": true, "device_id": true, "batch_id": true, "patches": true},
		wire.ServerBatchBytes)
	if err != nil {
		return err
	}
	var req wire.PushRequest
	for name, dst := range map[string]any{"protocol": &req.Protocol, "schema_version": &req.SchemaVersion, "device_id": &req.DeviceID,
		"batch_id": &req.BatchID, "patches": &req.Patches} {
		raw, ok := fields[name]
		if !ok {
			return core.FieldError(name, "%s is required.", name)
		}
		if err := decodeSync(raw, name, dst); err != nil {
			return err
		}
	}
	out, err := s.Sync.Push(r.Context(), &req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func syncQueryInt(r *http.Request, name string, lo, hi, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, core.FieldError(name, "%s must be a whole number from %d to %d.", name, lo, hi)
	}
	return n, nil
}

func (s *Server) handleSyncPull(w http.ResponseWriter, r *http.Request) error {
	limit, err := syncQueryInt(r, "limit", 1, wire.MaxPullLimit, wire.MaxPullLimit)
	if err != nil {
		return err
	}
	wait, err := syncQueryInt(r, "wait", 0, wire.MaxWaitSeconds, 0)
	if err != nil {
		return err
	}
	version, err := syncQueryInt(r, "schema_version", 0, 1<<20, 0)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	out, err := s.Sync.Pull(r.Context(), syncsvc.PullRequest{Cursor: q.Get("cursor"), Limit: limit, Wait: time.Duration(wait) * time.Second,
		DeviceID: q.Get("device_id"), SchemaVersion: version})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleSyncConflicts(w http.ResponseWriter, r *http.Request) error {
	limit, err := syncQueryInt(r, "limit", 1, 1000, 100)
	if err != nil {
		return err
	}
	cs, err := s.Sync.Conflicts(r.Context(), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, syncConflictList{Conflicts: cs})
	return nil
}

func (s *Server) handleSyncState(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Sync.State(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// syncConflictList is the caller's recent field conflicts, newest first.
type syncConflictList struct {
	Conflicts []wire.Conflict `json:"conflicts"`
}
