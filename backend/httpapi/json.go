package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strings"
	"time"

	"sentry/backend/core"
)

// MaxJSONBody bounds JSON request bodies.
const MaxJSONBody = 1 << 20

// readJSONObject reads a JSON object body into its raw fields. It rejects
// other content types, bodies over MaxJSONBody, malformed JSON, anything
// but one object, duplicate keys and keys not in allowed.
func readJSONObject(w http.ResponseWriter, r *http.Request, allowed map[string]bool) (map[string]json.RawMessage, error) {
	return readJSONObjectLimit(w, r, allowed, MaxJSONBody)
}

// parseTimeKeepZone parses an RFC 3339 time keeping its offset; its UTC
// instant must be in the accepted range, like parseTime's.
func parseTimeKeepZone(name, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, core.FieldError(name, "%s must be an RFC 3339 date-time such as 2026-11-25T17:00:00Z.", name)
	}
	if err := core.CheckTime(name, t); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

func readJSONObjectLimit(w http.ResponseWriter, r *http.Request, allowed map[string]bool, limit int64) (map[string]json.RawMessage, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		// curl -d labels JSON as a form; there are no cookies to forge
		// with, so accept it and let the JSON parser judge the body.
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json") && mt != "application/x-www-form-urlencoded") {
			return nil, core.Errorf(core.EUNSUPPORTED, "Send the request body as application/json.")
		}
	}
	if r.ContentLength > limit {
		// Refuse at once from the declared length rather than wait for
		// a body that will be refused anyway.
		return nil, core.Errorf(core.ETOOLARGE, "The request body is larger than %d bytes.", limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, core.Errorf(core.ETOOLARGE, "The request body is larger than %d bytes.", limit)
	} else if err != nil {
		return nil, core.Errorf(core.EINVALID, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, core.Errorf(core.EINVALID, "The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, core.Errorf(core.EINVALID, "The request body is not valid JSON.")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, core.Errorf(core.EINVALID, "The request body must be a JSON object.")
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, core.Errorf(core.EINVALID, "The request body is not valid JSON.")
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, core.Errorf(core.EINVALID, "The request body is not valid JSON.")
		}
		if allowed != nil && !allowed[key] {
			return nil, core.FieldError(key, "Unknown field %q.", truncateField(key))
		}
		if _, dup := fields[key]; dup {
			return nil, core.FieldError(key, "Field %q appears twice.", truncateField(key))
		}
		fields[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, core.Errorf(core.EINVALID, "The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, core.Errorf(core.EINVALID, "The request body must hold exactly one JSON object.")
	}
	return fields, nil
}

func truncateField(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func decodeString(fields map[string]json.RawMessage, name string) (*string, error) {
	raw, ok := fields[name]
	if !ok {
		return nil, nil
	}
	if isNull(raw) {
		empty := ""
		return &empty, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, core.FieldError(name, "%s must be a string.", name)
	}
	return &s, nil
}

func decodeBool(fields map[string]json.RawMessage, name string) (*bool, error) {
	raw, ok := fields[name]
	if !ok {
		return nil, nil
	}
	var b bool
	if isNull(raw) || json.Unmarshal(raw, &b) != nil {
		return nil, core.FieldError(name, "%s must be true or false.", name)
	}
	return &b, nil
}

func decodeStrings(fields map[string]json.RawMessage, name string) (*[]string, error) {
	raw, ok := fields[name]
	if !ok {
		return nil, nil
	}
	if isNull(raw) {
		empty := []string{}
		return &empty, nil
	}
	var v []string
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, core.FieldError(name, "%s must be a list of strings.", name)
	}
	if v == nil {
		v = []string{}
	}
	return &v, nil
}

func decodeTime(fields map[string]json.RawMessage, name string) (core.Patch[time.Time], error) {
	raw, ok := fields[name]
	if !ok {
		return core.Patch[time.Time]{}, nil
	}
	if isNull(raw) {
		return core.Patch[time.Time]{Set: true, Null: true}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return core.Patch[time.Time]{}, core.FieldError(name, "%s must be an RFC 3339 date-time string or null.", name)
	}
	if s == "" {
		return core.Patch[time.Time]{Set: true, Null: true}, nil
	}
	t, err := parseTime(name, s)
	if err != nil {
		return core.Patch[time.Time]{}, err
	}
	return core.Patch[time.Time]{Set: true, Value: t}, nil
}

// parseTime accepts an RFC 3339 date-time whose UTC instant is in the
// accepted range (core.CheckTime), in UTC to the millisecond.
func parseTime(name, s string) (time.Time, error) {
	t, err := parseTimeKeepZone(name, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC().Truncate(time.Millisecond), nil
}

func decodeFloat(fields map[string]json.RawMessage, name string) (core.Patch[float64], error) {
	raw, ok := fields[name]
	if !ok {
		return core.Patch[float64]{}, nil
	}
	if isNull(raw) {
		return core.Patch[float64]{Set: true, Null: true}, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return core.Patch[float64]{}, core.FieldError(name, "%s must be a number or null.", name)
	}
	return core.Patch[float64]{Set: true, Value: f}, nil
}

func decodeObject(fields map[string]json.RawMessage, name string) (*map[string]any, error) {
	raw, ok := fields[name]
	if !ok {
		return nil, nil
	}
	m := map[string]any{}
	if !isNull(raw) {
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, core.FieldError(name, "%s must be an object.", name)
		}
	}
	return &m, nil
}

// decodeInto decodes a whole body into a struct with strict fields.
func decodeInto(w http.ResponseWriter, r *http.Request, dst any, allowed ...string) error {
	set := make(map[string]bool, len(allowed))
	for _, a := range allowed {
		set[a] = true
	}
	fields, err := readJSONObject(w, r, set)
	if err != nil {
		return err
	}
	buf, _ := json.Marshal(fields)
	if err := json.Unmarshal(buf, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return core.FieldError(te.Field, "%s must be a %s.", te.Field, jsonKind(te.Type.Kind().String()))
		}
		return core.Errorf(core.EINVALID, "The request body is not valid: %s", fmt.Sprint(strings.TrimPrefix(err.Error(), "json: ")))
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice":
		return "list"
	case "map", "struct":
		return "object"
	default:
		return "number"
	}
}
