package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"sentry/backend/auth"
	"sentry/backend/core"
	"sentry/backend/integrations"
	"sentry/backend/modelmgr"
	"sentry/backend/notebook"
	"sentry/backend/syncsvc"
	"sentry/backend/workload"
	"sentry/sync/wire"
)

// A typed response is one 2xx body described once: the handler encodes a
// value of the type, and the OpenAPI schema of the route's Response name is
// derived from the same type — a field the type has is in the document, a
// field it lacks is not. A nested type that is itself a typed response is a
// $ref to it; any other nested struct is described in place. Fields
// without omitempty are always sent, so they are required.
type typedResponse struct {
	typ reflect.Type
	// extra adds constraints by JSON name; "a.b" reaches field b of the
	// object (or the items of the array) at a.
	extra map[string]map[string]any
	// oneOf, when set, names the typed responses the body is one of.
	oneOf []string
}

func responseOf[T any](extra map[string]map[string]any) typedResponse {
	return typedResponse{typ: reflect.TypeFor[T](), extra: extra}
}

// responseTypes maps each Go type a handler encodes to the schema name it
// is documented under, so nested typed responses become references.
func responseTypes(all map[string]typedResponse) map[reflect.Type]string {
	out := map[reflect.Type]string{}
	for name, r := range all {
		if r.typ != nil {
			out[r.typ] = name
		}
	}
	return out
}

// typedResponseSchemas derives the OpenAPI schema of every typed response.
func typedResponseSchemas() map[string]any {
	all := typedResponses()
	names := responseTypes(all)
	out := map[string]any{}
	for name, r := range all {
		if r.oneOf != nil {
			var refs []any
			for _, n := range r.oneOf {
				refs = append(refs, ref(n))
			}
			out[name] = map[string]any{"oneOf": refs}
			continue
		}
		d := responseDeriver{names: names, extra: r.extra}
		out[name] = d.object(r.typ, "")
	}
	return out
}

type responseDeriver struct {
	names map[reflect.Type]string
	extra map[string]map[string]any
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// object is the schema of struct t, its fields' constraints looked up
// under path.
func (d responseDeriver) object(t reflect.Type, path string) map[string]any {
	props := map[string]any{}
	var required []string
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" || f.Tag.Get("api") == "internal" {
				continue
			}
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					add(ft) // JSON lifts an embedded struct's fields
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			omit := strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,")
			full := name
			if path != "" {
				full = path + "." + name
			}
			s := d.value(f.Type, full, !omit)
			for k, v := range d.extra[full] {
				s[k] = v
			}
			props[name] = s
			if !omit {
				required = append(required, name)
			}
		}
	}
	add(t)
	sort.Strings(required)
	return obj(required, props)
}

// value is the schema of a value of type t at path; always says it is sent
// even when empty (no omitempty), so a nil pointer shows as null.
func (d responseDeriver) value(t reflect.Type, path string, always bool) map[string]any {
	if name, ok := d.names[t]; ok && path != "" {
		return ref(name)
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType, t.Kind() == reflect.Interface:
		return map[string]any{} // any JSON value
	}
	switch t.Kind() {
	case reflect.Pointer:
		if name, ok := d.names[t.Elem()]; ok {
			if always {
				return map[string]any{"anyOf": []any{ref(name), map[string]any{"type": "null"}}}
			}
			return ref(name)
		}
		inner := d.value(t.Elem(), path, always)
		if ty, ok := inner["type"].(string); ok && always {
			inner["type"] = []string{ty, "null"}
		}
		return inner
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": d.value(t.Elem(), path, false)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": d.value(t.Elem(), path, false)}
	case reflect.Struct:
		return d.object(t, path)
	}
	return map[string]any{}
}

// responseCheck, when set (tests), is told of every 2xx JSON body a route
// encodes whose Go type is not the one its Response is derived from.
type responseCheck func(problem string)

// checkedWriter carries the route to writeJSON while a check is set.
type checkedWriter struct {
	http.ResponseWriter
	rt    *Route
	check responseCheck
}

func (w *checkedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// encoded compares the type of v, written with status, with the type the
// document derives the route's response from.
func (w *checkedWriter) encoded(status int, v any) {
	if status < 200 || status > 299 {
		return
	}
	if p := responseProblem(w.rt, reflect.TypeOf(v)); p != "" {
		w.check(p)
	}
}

// noteEncoded tells the check, when one is set, that v is answered with
// status. Every writer of a JSON answer calls it.
func noteEncoded(w http.ResponseWriter, status int, v any) {
	if c, ok := w.(*checkedWriter); ok {
		c.encoded(status, v)
	}
}

// responseProblem says how a body of Go type got differs from what rt's
// document says it sends ("" when it does not).
func responseProblem(rt *Route, got reflect.Type) string {
	want := []string{rt.Response}
	all := typedResponses()
	if r, ok := all[rt.Response]; ok && r.oneOf != nil {
		want = r.oneOf
	}
	for got != nil && got.Kind() == reflect.Pointer {
		got = got.Elem()
	}
	var types []string
	for _, name := range want {
		r, ok := all[name]
		if !ok {
			return "" // written by hand (handWrittenResponses): nothing to compare
		}
		if r.typ == got {
			return ""
		}
		types = append(types, r.typ.String())
	}
	return fmt.Sprintf("%s %s encodes %v, but the document describes its %s response from %s",
		rt.Method, rt.Path, got, rt.Response, strings.Join(types, " or "))
}

// responseChecks holds the check of a server's bodies (tests set it).
type responseChecks struct {
	respCheck atomic.Pointer[responseCheck]
}

// checkResponse hands rt's handler a writer through which writeJSON
// reports a body the document does not describe, while a check is set.
func (s *Server) checkResponse(rt Route, h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if c := s.respCheck.Load(); c != nil && rt.Response != "" {
			w = &checkedWriter{ResponseWriter: w, rt: &rt, check: *c}
		}
		return h(w, r)
	}
}

// typedResponses maps a route's Response name to the type its handler
// encodes (and names the types nested in them, so those are references).
func typedResponses() map[string]typedResponse {
	level := enum("low", "moderate", "high", "critical")
	docStatus := enum("queued", "indexing", "ready", "failed")
	scopeKind := enum(wire.ScopeUser, wire.ScopeTeam)
	return map[string]typedResponse{
		"User":          responseOf[core.User](nil),
		"Session":       responseOf[auth.Session](map[string]map[string]any{"token_type": enum("bearer")}),
		"Message":       responseOf[message](nil),
		"AuditPage":     responseOf[auditPage](nil),
		"SessionList":   responseOf[sessionList](nil),
		"ProviderList":  responseOf[providerList](nil),
		"Redirect":      responseOf[redirect](nil),
		"ChangePage":    responseOf[changePage](map[string]map[string]any{"changes.op": enum("insert", "update", "delete")}),
		"Health":        responseOf[healthBody](map[string]map[string]any{"status": enum("ok", "degraded", "unavailable")}),
		"UploadSession": responseOf[core.UploadSession](nil),
		"Upload":        responseOf[core.Upload](nil),
		"SessionFiles":  responseOf[sessionFiles](nil),
		"UploadHistory": responseOf[uploadHistory](nil),
		"FileFetch":     responseOf[core.FileFetch](map[string]map[string]any{"state": enum(core.FileHere, core.FileDownloading, core.FileOnServer)}),

		"Extraction": responseOf[core.Extraction](map[string]map[string]any{
			"status":       enum("queued", "running", "done", "failed", "cancelled"),
			"tasks.type":   enum("task", "meeting"),
			"tasks.status": enum("created", "draft", "duplicate", "accepted", "rejected"),
		}),
		"ExtractionList":  responseOf[extractionList](nil),
		"ExtractionFiles": responseOf[extractionFiles](nil),
		"ExtractionBatch": {oneOf: []string{"Extraction", "ExtractionFiles"}},

		"Notebook":             responseOf[core.Notebook](nil),
		"NotebookList":         responseOf[notebookList](nil),
		"NotebookDocument":     responseOf[core.NotebookDocument](map[string]map[string]any{"status": docStatus}),
		"NotebookUpload":       responseOf[notebookUpload](map[string]map[string]any{"status": docStatus}),
		"NotebookProgress":     responseOf[notebook.Progress](nil),
		"NotebookDocumentList": responseOf[notebookDocumentList](nil),
		"NotebookAnswer":       responseOf[notebook.Answer](nil),
		"Citation":             responseOf[core.Citation](nil),
		"NotebookMessageList":  responseOf[notebookMessageList](map[string]map[string]any{"messages.role": enum("user", "assistant")}),

		"Team":           responseOf[core.Team](map[string]map[string]any{"role": enumOf(core.TeamRoles())}),
		"TeamList":       responseOf[teamList](nil),
		"TeamMember":     responseOf[core.TeamMember](map[string]map[string]any{"role": enumOf(core.TeamRoles())}),
		"TeamMemberList": responseOf[teamMemberList](nil),

		"IntegrationList":    responseOf[integrationList](map[string]map[string]any{"integrations.provider": enum(integrations.Providers...)}),
		"IntegrationConnect": responseOf[integrationConnect](map[string]map[string]any{"provider": enum(integrations.Providers...)}),
		"SyncResult":         responseOf[integrations.SyncResult](map[string]map[string]any{"provider": enum(integrations.Providers...)}),

		"SyncDevice":       responseOf[wire.DeviceResponse](map[string]map[string]any{"scopes.kind": scopeKind}),
		"SyncPushResult":   responseOf[wire.PushResponse](nil),
		"SyncPull":         responseOf[wire.PullResponse](nil),
		"SyncConflictList": responseOf[syncConflictList](nil),
		"SyncState":        responseOf[syncsvc.State](map[string]map[string]any{"scopes.kind": scopeKind}),

		"SpeechModel": responseOf[modelmgr.Status](nil),
		"LanguageModels": responseOf[languageModels](map[string]map[string]any{
			"embeddings_apply":  enum("now", "next_start"),
			"reembedding.state": enum("running", "done", "failed"),
		}),
		"ModelPull": responseOf[modelmgr.Pull](map[string]map[string]any{"state": enum("pulling", "done", "failed", "cancelled")}),

		"Task":          responseOf[core.Task](taskExtra()),
		"TaskPage":      responseOf[taskPage](nil),
		"SyncBlobState": responseOf[syncsvc.BlobState](nil),
		"QuickAdd": responseOf[quickAdd](map[string]map[string]any{
			"priority":  {"enum": []any{"low", "medium", "high", "urgent", nil}},
			"date_only": {"description": "the deadline names a day, not a time: it is that day's midnight in the zone"},
		}),

		"Profile":            responseOf[workload.ProfileView](nil),
		"Preferences":        responseOf[core.Preferences](nil),
		"Constraints":        responseOf[core.Constraints](nil),
		"WorkloadMetrics":    responseOf[workload.Metrics](nil),
		"BurnoutAnalysis":    responseOf[core.BurnoutAnalysis](map[string]map[string]any{"level": level, "score": {"minimum": 0, "maximum": 100}}),
		"BurnoutHistory":     responseOf[burnoutHistory](nil),
		"CheckIn":            responseOf[core.CheckIn](nil),
		"Questionnaire":      responseOf[questionnaire](nil),
		"Recommendation":     responseOf[core.Recommendation](nil),
		"RecommendationList": responseOf[recommendationList](nil),
		"RecommendationPlan": responseOf[workload.Plan](nil),
	}
}
