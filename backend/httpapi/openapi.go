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

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

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
			"schemas":         withSchemas(schemas(), workloadSchemas(), quickAddSchemas(), teamSchemas(), syncSchemas(), syncBlobSchemas(), typedBodySchemas()),
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

func schemas() map[string]any {
	// The task schemas come from the types the handlers decode and encode.
	taskExtra := map[string]map[string]any{
		"title":  {"minLength": 1, "maxLength": core.MaxTitleLen},
		"status": enumOf(core.TaskStatuses()), "priority": enumOf(core.TaskPriorities()),
		"task_type": enumOf(core.TaskTypes()), "source": enumOf(core.TaskSources()),
		"estimated_hours": {"minimum": 0, "maximum": core.MaxHours}, "actual_hours": {"minimum": 0, "maximum": core.MaxHours},
		"attendees": {"maxItems": core.MaxAttendees}, "tags": {"maxItems": core.MaxTags},
	}
	user := obj([]string{"id", "email"}, map[string]any{"id": str, "email": str, "first_name": str, "last_name": str,
		"email_verified": boolean, "is_local": boolean, "created_at": dateTime, "updated_at": dateTime, "version": integer})
	m := map[string]any{
		"Error": obj([]string{"error"}, map[string]any{"error": obj([]string{"code", "message"}, map[string]any{
			"code":    enum("invalid", "unauthorized", "forbidden", "not_found", "conflict", "too_large", "unsupported_media_type", "rate_limited", "internal", "reconnect_required", "bad_gateway", "unavailable"),
			"message": str, "field": str})}),
		"User": user,
		"Session": obj([]string{"access_token", "refresh_token", "token_type", "expires_in", "user"}, map[string]any{
			"access_token": str, "refresh_token": str, "token_type": enum("bearer"), "expires_in": integer, "user": ref("User")}),
		"TaskInput": schemaOf(reflect.TypeFor[core.TaskUpdate](), taskExtra),
		"Task":      schemaOf(reflect.TypeFor[core.Task](), taskExtra, "id", "user_id", "title", "status", "priority", "task_type", "source"),
		"TaskPage": obj([]string{"tasks", "next_cursor"}, map[string]any{"tasks": map[string]any{"type": "array", "items": ref("Task")},
			"next_cursor": map[string]any{"type": []string{"string", "null"}}}),
		"Change": obj(nil, map[string]any{"id": str, "user_id": str, "table": str, "row_id": str, "op": enum("insert", "update", "delete"),
			"fields": map[string]any{"type": "object"}, "hlc": str, "device_id": str, "created_at": dateTime}),
		"ChangePage": obj([]string{"changes"}, map[string]any{"changes": map[string]any{"type": "array", "items": ref("Change")},
			"next": map[string]any{"type": []string{"string", "null"}}}),
		"Redirect":     obj([]string{"redirect"}, map[string]any{"redirect": str}),
		"ProviderList": obj([]string{"providers", "mail"}, map[string]any{"providers": strList, "mail": boolean}),
		"Extraction": obj([]string{"extraction_id", "status", "tasks"}, map[string]any{"extraction_id": str, "upload_id": str,
			"status": enum("queued", "running", "done", "failed", "cancelled"), "stage": str, "progress": map[string]any{"type": "number"},
			"error": str, "engine": str, "review": boolean, "source": str, "created_at": dateTime, "finished_at": dateTime, "preview": str,
			"tasks": map[string]any{"type": "array", "items": obj(nil, map[string]any{"id": str, "title": str, "description": str,
				"assignee": str, "due": dateTime, "type": enum("task", "meeting"), "priority": str, "confidence": map[string]any{"type": "number"},
				"status": enum("created", "draft", "duplicate", "accepted", "rejected"), "task_id": str, "duplicate_of": str,
				"evidence": map[string]any{"type": "object"}})}}),
		"ExtractionList": obj([]string{"extractions"}, map[string]any{"extractions": map[string]any{"type": "array", "items": ref("Extraction")}}),
		"SpeechModel": obj([]string{"path", "ready", "catalog"}, map[string]any{"path": str, "ready": boolean, "problem": str, "default_path": str,
			"download": obj(nil, map[string]any{"model": str, "url": str, "state": enum("downloading", "verifying", "unpacking", "done", "failed"),
				"bytes": integer, "total": integer, "progress": map[string]any{"type": "number"}, "error": str, "started_at": dateTime, "sha256": str}),
			"catalog": map[string]any{"type": "array", "items": obj([]string{"id", "language", "lang", "size", "about"}, map[string]any{
				"id": str, "language": str, "lang": str, "size": integer, "sha256": str, "about": str})}}),
		"ModelPull": obj([]string{"model", "state"}, map[string]any{"model": str, "state": enum("pulling", "done", "failed", "cancelled"),
			"status": str, "completed": integer, "total": integer, "progress": map[string]any{"type": "number"}, "error": str, "started_at": dateTime}),
		"LanguageModels": obj([]string{"running", "models", "chosen", "defaults", "editable"}, map[string]any{"running": boolean, "version": str, "problem": str,
			"models": map[string]any{"type": "array", "items": obj([]string{"name", "size"}, map[string]any{"name": str, "size": integer,
				"modified_at": dateTime, "family": str, "parameter_size": str, "quantization": str})},
			"chosen": ref("ModelChoice"), "defaults": ref("ModelChoice"), "pull": ref("ModelPull"), "editable": boolean, "shared": boolean,
			"embeddings_in_use": str, "embeddings_apply": enum("now", "next_start"),
			"reembedding": obj([]string{"model", "state", "done", "total"}, map[string]any{"model": str, "state": enum("running", "done", "failed"),
				"done": integer, "total": integer, "error": str})}),
		"Multipart":     obj([]string{"file"}, map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}),
		"UploadSession": obj([]string{"session_id"}, map[string]any{"session_id": str, "user_id": str, "created_at": dateTime, "expires_at": dateTime}),
		"Upload": obj([]string{"id"}, map[string]any{"id": str, "user_id": str, "session_id": str, "filename": str, "content_type": str,
			"kind": str, "size_bytes": integer, "sha256": str, "status": str, "temporary": boolean, "expires_at": dateTime,
			"duplicate_of": str, "created_at": dateTime, "updated_at": dateTime}),
		"UploadList":      obj(nil, map[string]any{"files": map[string]any{"type": "array", "items": ref("Upload")}, "uploads": map[string]any{"type": "array", "items": ref("Upload")}}),
		"ExtractionBatch": map[string]any{"oneOf": []any{ref("Extraction"), ref("ExtractionList")}},
		"Message":         obj([]string{"message"}, map[string]any{"message": str}),
		"SessionList": obj([]string{"sessions"}, map[string]any{"sessions": map[string]any{"type": "array", "items": obj(nil, map[string]any{
			"id": str, "device_name": str, "ip": str, "created_at": dateTime, "last_used_at": dateTime, "expires_at": dateTime, "current": boolean})}}),
		"AuditPage": obj([]string{"events"}, map[string]any{"events": map[string]any{"type": "array", "items": obj(nil, map[string]any{
			"id": str, "event": str, "ip": str, "user_agent": str, "details": map[string]any{"type": "object"}, "created_at": dateTime})}}),
		"Notebook": obj([]string{"id", "name"}, map[string]any{"id": str, "user_id": str, "name": str, "description": str,
			"created_at": dateTime, "updated_at": dateTime, "version": integer}),
		"NotebookList": obj([]string{"notebooks"}, map[string]any{"notebooks": map[string]any{"type": "array", "items": ref("Notebook")}}),
		"NotebookDocument": obj([]string{"id", "status", "progress"}, map[string]any{"id": str, "user_id": str, "notebook_id": str, "upload_id": str,
			"filename": str, "kind": str, "status": enum("queued", "indexing", "ready", "failed"), "stage": str,
			"progress": map[string]any{"type": "number", "minimum": 0, "maximum": 1}, "error": str, "chunk_count": integer, "page_count": integer,
			"model": str, "attempts": integer, "created_at": dateTime, "updated_at": dateTime, "indexed_at": dateTime, "version": integer}),
		"NotebookUpload": obj([]string{"document_id", "status"}, map[string]any{"document_id": str, "status": enum("queued", "indexing", "ready", "failed"),
			"document": ref("NotebookDocument")}),
		"NotebookProgress": obj(nil, map[string]any{"documents": integer, "ready": integer, "failed": integer, "pending": integer,
			"progress": map[string]any{"type": "number"}}),
		"NotebookDocumentList": obj([]string{"documents"}, map[string]any{"documents": map[string]any{"type": "array", "items": ref("NotebookDocument")},
			"progress": ref("NotebookProgress")}),
		"ChatTurn": obj([]string{"role", "content"}, map[string]any{"role": enum("user", "assistant"), "content": str}),
		"Citation": obj([]string{"n", "document_id", "filename", "chunk_id", "text", "page", "score"}, map[string]any{"n": integer,
			"document_id": str, "filename": str, "chunk_id": str, "text": str, "page": integer, "start": integer, "end": integer,
			"score":  map[string]any{"type": "number"},
			"quotes": map[string]any{"type": "array", "items": obj([]string{"start", "end"}, map[string]any{"start": integer, "end": integer})}}),
		"NotebookAnswer": obj([]string{"answer", "citations", "engine"}, map[string]any{"answer": str,
			"citations": map[string]any{"type": "array", "items": ref("Citation")}, "engine": str, "found": boolean,
			"indexing": ref("NotebookProgress"), "message_id": str}),
		"NotebookMessageList": obj([]string{"messages"}, map[string]any{"messages": map[string]any{"type": "array", "items": obj(nil, map[string]any{
			"id": str, "role": enum("user", "assistant"), "content": str, "citations": map[string]any{"type": "array", "items": ref("Citation")},
			"engine": str, "created_at": dateTime})}}),
		"Health": obj([]string{"status", "checks"}, map[string]any{"status": enum("ok", "degraded", "unavailable"), "version": str,
			"time": dateTime, "checks": map[string]any{"type": "object"}}),
	}
	for k, v := range integrationSchemas() {
		m[k] = v
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
