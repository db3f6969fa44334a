package httpapi

import (
	"encoding/json"
	"reflect"
	"sort"
	"time"

	"sentry/backend/core"
)

// Request and response types are the single description of a body: the
// decoder reads a patch type's fields by their JSON names, and the OpenAPI
// schemas are derived from the same types (schemaOf). A new field is a
// field of the type, nothing more here.
//
// Patch field kinds and what a body may send for them:
//
//	*string            a string; null clears it to ""
//	*bool              true or false
//	*[]string          a list of strings; null clears it
//	core.Patch[time]   an RFC 3339 date-time (checked in UTC, kept to the
//	                   millisecond); null or "" clears it
//	core.Patch[float]  a finite number; null clears it
//
// Fields tagged api:"internal" are set by the system only and refused in
// bodies.

// patchNames lists the JSON names a client may send for a patch type.
func patchNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if name := core.JSONName(f); name != "" && f.Tag.Get("api") != "internal" {
			out = append(out, name)
		}
	}
	return out
}

// decodePatch fills dst (a pointer to a patch struct) from a body's raw
// fields, naming the field at fault in any error.
func decodePatch(fields map[string]json.RawMessage, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := core.JSONName(f)
		raw, ok := fields[name]
		if !ok || name == "" || f.Tag.Get("api") == "internal" {
			continue
		}
		if err := decodeField(name, raw, v.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

var (
	timePatch   = reflect.TypeFor[core.Patch[time.Time]]()
	floatPatch  = reflect.TypeFor[core.Patch[float64]]()
	stringPtr   = reflect.TypeFor[*string]()
	boolPtr     = reflect.TypeFor[*bool]()
	stringsPtr  = reflect.TypeFor[*[]string]()
	intPtr      = reflect.TypeFor[*int]()
	objectPtr   = reflect.TypeFor[*map[string]any]()
	fieldDecode = map[reflect.Type]func(fields map[string]json.RawMessage, name string) (any, error){
		timePatch:  func(f map[string]json.RawMessage, n string) (any, error) { return decodeTime(f, n) },
		floatPatch: func(f map[string]json.RawMessage, n string) (any, error) { return decodeFloat(f, n) },
		stringPtr:  func(f map[string]json.RawMessage, n string) (any, error) { return decodeString(f, n) },
		boolPtr:    func(f map[string]json.RawMessage, n string) (any, error) { return decodeBool(f, n) },
		stringsPtr: func(f map[string]json.RawMessage, n string) (any, error) { return decodeStrings(f, n) },
		intPtr:     func(f map[string]json.RawMessage, n string) (any, error) { return decodeInt(f, n) },
		objectPtr:  func(f map[string]json.RawMessage, n string) (any, error) { return decodeObject(f, n) },
	}
)

// A bodyField is a field type that reads its own JSON value (absent
// leaves it zero), naming the field on error, and describes itself in the
// document.
type bodyField interface {
	decodeBody(name string, raw json.RawMessage) error
	jsonSchema() map[string]any
}

var bodyFieldType = reflect.TypeFor[bodyField]()

// decodeField decodes one field with the decoder of its kind (the same
// ones the hand-read bodies use).
func decodeField(name string, raw json.RawMessage, dst reflect.Value) error {
	if f, ok := dst.Addr().Interface().(bodyField); ok {
		return f.decodeBody(name, raw)
	}
	dec, ok := fieldDecode[dst.Type()]
	if !ok {
		return core.Errorf(core.EINTERNAL, "httpapi: field %s of type %s has no decoder", name, dst.Type())
	}
	v, err := dec(map[string]json.RawMessage{name: raw}, name)
	if err != nil {
		return err
	}
	dst.Set(reflect.ValueOf(v))
	return nil
}

// schemaOf derives a JSON Schema object from a struct type's JSON fields:
// pointers and patches are nullable, times are date-times. extra adds
// constraints by field name (enums, lengths, bounds).
func schemaOf(t reflect.Type, extra map[string]map[string]any, required ...string) map[string]any {
	props := map[string]any{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := core.JSONName(f)
		if name == "" || f.Tag.Get("api") == "internal" || !f.IsExported() {
			continue
		}
		s := typeSchema(f.Type)
		for k, v := range extra[name] {
			s[k] = v
		}
		props[name] = s
	}
	return obj(required, props)
}

func typeSchema(t reflect.Type) map[string]any {
	nullable := func(s map[string]any) map[string]any {
		if ty, ok := s["type"].(string); ok {
			s["type"] = []string{ty, "null"}
		}
		return s
	}
	switch {
	case reflect.PointerTo(t).Implements(bodyFieldType):
		return reflect.New(t).Interface().(bodyField).jsonSchema()
	case t == reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}
	case t == timePatch:
		return nullable(typeSchema(reflect.TypeFor[time.Time]()))
	case t == floatPatch:
		return nullable(map[string]any{"type": "number"})
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner := typeSchema(t.Elem())
		if k := t.Elem().Kind(); k == reflect.String || k == reflect.Bool || k == reflect.Slice || k == reflect.Int {
			return inner // absent means unchanged; null is not a value of its own
		}
		return nullable(inner)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem())}
	}
	return map[string]any{"type": "object"}
}

// fieldSet turns names into a lookup set.
func fieldSet(lists ...[]string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lists {
		for _, n := range l {
			m[n] = true
		}
	}
	return m
}

// readOnlyNames are the JSON names of resp's fields a patch does not set:
// clients often send a whole object back, and these are accepted and
// ignored.
func readOnlyNames(resp, patch reflect.Type) []string {
	writable := fieldSet(patchNames(patch))
	var out []string
	for i := range resp.NumField() {
		if name := core.JSONName(resp.Field(i)); name != "" && !writable[name] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// enumOf is a schema constraint listing allowed values.
func enumOf(vals []string) map[string]any {
	return map[string]any{"enum": append([]string(nil), vals...)}
}
