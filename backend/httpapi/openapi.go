package httpapi

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"sentry/backend/core"
)

var pathParam = regexp.MustCompile(`\{([a-z0-9_]+)\}`)

// OpenAPI returns the OpenAPI 3.1 document generated from the route table,
// so every served route is described.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		op := map[string]any{
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
			"operationId": operationID(rt),
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			schema := map[string]any{"type": q.Type}
			if q.Type == "date-time" {
				schema = map[string]any{"type": "string", "format": "date-time"}
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": false, "description": q.Description, "schema": schema})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Body != "" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": ref(rt.Body)}}}
		}
		responses := map[string]any{}
		ok := map[string]any{"description": http.StatusText(rt.Status)}
		if rt.Response != "" {
			schema := ref(rt.Response)
			if rt.Response == "object" {
				schema = map[string]any{"type": "object"}
			}
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schema}}
		}
		responses[strconv.Itoa(rt.Status)] = ok
		errResp := func(desc string) map[string]any {
			return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
		}
		if rt.Body != "" || rt.Query != nil {
			responses["400"] = errResp("Invalid input; error.field names the field")
		}
		if !rt.Public {
			responses["401"] = errResp("Missing, expired or invalid access token")
			op["security"] = []map[string]any{{"bearerAuth": []string{}}}
		} else {
			op["security"] = []map[string]any{} // explicitly open: no token needed
		}
		if strings.Contains(rt.Path, "{user_id}") {
			responses["403"] = errResp("The user_id is not yours")
		}
		if strings.Contains(rt.Path, "{team_id}") {
			responses["403"] = errResp("Your role in the team does not allow it")
			responses["404"] = errResp("No such team, or you are not in it")
		}
		if strings.Count(rt.Path, "{") > 1 || strings.Contains(rt.Path, "{task_id}") {
			responses["404"] = errResp("No such object, or not yours")
		}
		if strings.HasPrefix(rt.Path, "/api/sync/blobs/") {
			responses["403"] = errResp("The scope is not yours or one of your teams'")
			responses["404"] = errResp("No live uploads row of the scope names the file, or its bytes have not all arrived")
			if rt.Method == "PUT" {
				responses["409"] = errResp("The chunk does not start at the server's Upload-Offset")
				responses["413"] = errResp("Over your storage quota, or a chunk over 8 MiB")
			}
		}
		if rt.Path == "/api/auth/local-session" {
			responses["404"] = errResp("Not the desktop app: servers have no local profile")
		}
		if rt.Path == "/api/users" {
			responses["409"] = errResp("The email is already registered")
		}
		if rt.Path == "/api/notebooks/create" {
			responses["409"] = errResp("You already have a notebook of that name (case aside)")
		}
		responses["500"] = errResp("Internal error")
		op["responses"] = responses
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title": "Sentry AI API", "version": s.Version,
			"description": "The REST API of Sentry AI. Errors are always {\"error\":{\"code\",\"message\",\"field?\"}}.",
		},
		"servers": []map[string]any{{"url": "/", "description": "This server (the document is served by the API it describes)"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearerAuth": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
			"schemas":         withSchemas(schemas(), syncSchemas(), typedBodySchemas(), typedResponseSchemas()),
		},
	}
}

func operationID(rt Route) string {
	p := pathParam.ReplaceAllString(rt.Path, "by_$1")
	p = strings.NewReplacer("/api/", "", "/", "_", "-", "_", ".", "_").Replace(p)
	return strings.ToLower(rt.Method) + "_" + strings.Trim(p, "_")
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func obj(required []string, props map[string]any) map[string]any {
	m := map[string]any{"type": "object", "properties": props}
	if required != nil {
		m["required"] = required
	}
	return m
}

var (
	str      = map[string]any{"type": "string"}
	boolean  = map[string]any{"type": "boolean"}
	integer  = map[string]any{"type": "integer"}
	dateTime = map[string]any{"type": []string{"string", "null"}, "format": "date-time"}
	hours    = map[string]any{"type": []string{"number", "null"}, "minimum": 0}
	strList  = map[string]any{"type": "array", "items": str}
)

func enum(vals ...string) map[string]any { return map[string]any{"type": "string", "enum": vals} }

// taskExtra constrains the task's fields, in the task the handlers encode
// (Task) and the patch they decode (TaskInput) alike.
func taskExtra() map[string]map[string]any {
	return map[string]map[string]any{
		"title":  {"minLength": 1, "maxLength": core.MaxTitleLen},
		"status": enumOf(core.TaskStatuses()), "priority": enumOf(core.TaskPriorities()),
		"task_type": enumOf(core.TaskTypes()), "source": enumOf(core.TaskSources()),
		"estimated_hours": {"minimum": 0, "maximum": core.MaxHours}, "actual_hours": {"minimum": 0, "maximum": core.MaxHours},
		"attendees": {"maxItems": core.MaxAttendees}, "tags": {"maxItems": core.MaxTags},
	}
}

func schemas() map[string]any {
	m := map[string]any{
		"Error": obj([]string{"error"}, map[string]any{"error": obj([]string{"code", "message"}, map[string]any{
			"code":    enum("invalid", "unauthorized", "forbidden", "not_found", "conflict", "too_large", "unsupported_media_type", "rate_limited", "internal", "reconnect_required", "bad_gateway", "unavailable"),
			"message": str, "field": str})}),
		"TaskInput": schemaOf(reflect.TypeFor[core.TaskUpdate](), taskExtra()),
		"Multipart": obj([]string{"file"}, map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}),
		"ChatTurn":  obj([]string{"role", "content"}, map[string]any{"role": enum("user", "assistant"), "content": str}),
	}
	return m
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	s.openapiOnce.Do(func() { s.openapiDoc = s.OpenAPI() })
	writeJSON(w, http.StatusOK, s.openapiDoc)
	return nil
}

type openapiCache struct {
	openapiOnce sync.Once
	openapiDoc  map[string]any
}
