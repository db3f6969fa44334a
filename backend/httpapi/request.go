package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"

	"sentry/backend/auth"
	"sentry/backend/core"
	"sentry/backend/notebook"
	"sentry/backend/workload"
	"sentry/sync/wire"
)

// A typed body is one request type described once: its handler decodes the
// body with decodeRequest, which accepts exactly the type's JSON names, and
// the OpenAPI schema of the same name is derived from the type. A new field
// is a field of the type; the document follows.
type typedBody struct {
	typ      reflect.Type
	extra    map[string]map[string]any // constraints by JSON name (enums, lengths)
	required []string
	patch    bool // decoded by decodeFields, field by field
}

func bodyOf[T any](extra map[string]map[string]any, required ...string) typedBody {
	return typedBody{typ: reflect.TypeFor[T](), extra: extra, required: required}
}

func patchOf[T any](extra map[string]map[string]any, required ...string) typedBody {
	b := bodyOf[T](extra, required...)
	b.patch = true
	return b
}

// typedBodies maps a route's Body name to the type its handler decodes.
func typedBodies() map[string]typedBody {
	password := map[string]any{"minLength": 8}
	return map[string]typedBody{
		"RegisterRequest":      bodyOf[auth.RegisterInput](map[string]map[string]any{"password": password}, "email", "password", "first_name", "last_name"),
		"LoginRequest":         bodyOf[loginRequest](nil, "email", "password"),
		"RefreshRequest":       bodyOf[refreshRequest](nil, "refresh_token"),
		"ProfileUpdate":        bodyOf[auth.ProfileUpdate](nil),
		"PasswordChange":       bodyOf[passwordChange](map[string]map[string]any{"new_password": password}, "current_password", "new_password"),
		"VerifyEmailRequest":   bodyOf[verifyEmailRequest](nil, "email", "code"),
		"EmailRequest":         bodyOf[emailRequest](nil, "email"),
		"ResetPasswordRequest": bodyOf[resetPasswordRequest](map[string]map[string]any{"new_password": password}, "email", "code", "new_password"),
		"LoginCodeRequest":     bodyOf[loginCodeRequest](nil, "code"),
		"DesktopCodeRequest":   bodyOf[desktopCodeRequest](nil, "return_to", "code_challenge"),

		"IntegrationConnectRequest": bodyOf[integrationConnectRequest](nil),

		"ModelChoice":      bodyOf[modelChoice](nil),
		"ModelPullRequest": bodyOf[modelPullRequest](nil, "model"),
		"SyncDeviceInput":  bodyOf[wire.DeviceRequest](nil, "device_id", "schema_version"),

		"SpeechModelFolder":   bodyOf[speechModelFolder](nil, "path"),
		"SpeechModelDownload": bodyOf[speechModelDownload](nil),

		"NotebookInput": bodyOf[notebookInput](map[string]map[string]any{"name": {"minLength": 1, "maxLength": 200}}, "name"),
		"NotebookChatRequest": bodyOf[notebook.ChatRequest](map[string]map[string]any{
			"query":   {"minLength": 1, "maxLength": 4000},
			"history": {"maxItems": 20, "items": ref("ChatTurn")},
			"top_k":   {"minimum": 1, "maximum": 20},
		}, "query"),

		"TeamInput":       bodyOf[teamInput](map[string]map[string]any{"name": {"minLength": 1, "maxLength": core.MaxTeamName}}, "name"),
		"TeamMemberInput": bodyOf[teamMemberInput](map[string]map[string]any{"role": enumOf(core.TeamRoles())}, "email"),

		"ProfileInput":     patchOf[profileRequest](nil),
		"PreferencesInput": patchOf[preferencesRequest](map[string]map[string]any{"focus_block_minutes": {"minimum": 15, "maximum": 480}}),
		"ConstraintsInput": patchOf[constraintsRequest](map[string]map[string]any{"max_weekly_hours": {"minimum": 0, "maximum": 168}}, "max_weekly_hours"),
		"QuickAddRequest": patchOf[quickAddRequest](map[string]map[string]any{
			"text":     {"maxLength": MaxQuickAddText},
			"timezone": {"description": "IANA zone the dates are read in (default: now's offset, else UTC)"},
		}, "text"),
		"ExtractTextRequest": patchOf[extractTextRequest](map[string]map[string]any{
			"kind": enumOf([]string{"meeting_transcript", "email", "note", "chat", "document", "handwritten_ocr"})}, "text"),

		"UserRequest":     patchOf[userRequest](nil, "user_id"),
		"WorkloadRequest": patchOf[workloadRequest](map[string]map[string]any{"start": {"format": "date"}}, "user_id"),
		"CheckInInput": patchOf[checkInRequest](map[string]map[string]any{
			"cbi_answers": {"minItems": 7, "maxItems": 7, "items": map[string]any{"type": []string{"integer", "null"}, "minimum": 1, "maximum": 5}},
			"checkin":     {"maxLength": workload.MaxNoteLen},
		}, "user_id"),
		"RecommendationFeedback": patchOf[recommendationFeedback](map[string]map[string]any{
			"action": enumOf([]string{"accepted", "dismissed", "open"})}, "recommendation_id", "action"),
	}
}

// typedBodySchemas derives the OpenAPI schema of every typed body.
func typedBodySchemas() map[string]any {
	out := map[string]any{}
	for name, b := range typedBodies() {
		out[name] = schemaOf(b.typ, b.extra, b.required...)
	}
	return out
}

// jsonNames are the JSON names a body of type t may carry.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if name := core.JSONName(f); name != "" && f.IsExported() && f.Tag.Get("api") != "internal" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// decodeRequest decodes a JSON object body into dst (a pointer to a
// request struct): a field the type does not have is refused by name, and
// a value of the wrong type names its field.
func decodeRequest(w http.ResponseWriter, r *http.Request, dst any) error {
	return decodeInto(w, r, dst, jsonNames(reflect.TypeOf(dst).Elem())...)
}

// decodeFields reads a body that may carry exactly dst's JSON names into
// dst (a pointer to a struct of patch kinds, see patch.go), so absent and
// null stay apart and a wrong value names its field. It returns the raw
// fields for checks that need them.
func decodeFields(w http.ResponseWriter, r *http.Request, dst any) (map[string]json.RawMessage, error) {
	return decodeFieldsLimit(w, r, dst, MaxJSONBody)
}

// decodeFieldsLimit is decodeFields for a body of up to limit bytes.
func decodeFieldsLimit(w http.ResponseWriter, r *http.Request, dst any, limit int64) (map[string]json.RawMessage, error) {
	fields, err := readJSONObjectLimit(w, r, fieldSet(jsonNames(reflect.TypeOf(dst).Elem())), limit)
	if err != nil {
		return nil, err
	}
	return fields, decodePatch(fields, dst)
}
