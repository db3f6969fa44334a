package httpapi

import (
	"maps"
	"reflect"
	"slices"

	"sentry/backend/core"
)

// TypedBodyFields maps each typed request body to the JSON type of every
// field its handler decodes, read from the type itself.
func TypedBodyFields() map[string]map[string]any {
	out := map[string]map[string]any{}
	for name, b := range typedBodies() {
		fields := map[string]any{}
		for i := range b.typ.NumField() {
			f := b.typ.Field(i)
			if n := core.JSONName(f); slices.Contains(jsonNames(b.typ), n) {
				fields[n] = typeSchema(f.Type)["type"]
			}
		}
		out[name] = fields
	}
	return out
}

// HandWrittenSchemaNames are the schemas the document still writes by hand.
func HandWrittenSchemaNames() []string {
	return slices.Sorted(maps.Keys(withSchemas(schemas(), syncSchemas())))
}

// TypedResponseFields maps each typed response (oneOf aside) to the JSON
// names a value of its type is encoded with, read from the type itself.
func TypedResponseFields() map[string][]string {
	out := map[string][]string{}
	for name, r := range typedResponses() {
		if r.typ != nil {
			out[name] = encodedNames(r.typ)
		}
	}
	return out
}

// encodedNames are the top-level JSON names of a value of struct type t,
// embedded structs' fields lifted as encoding/json does.
func encodedNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := core.JSONName(f)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && f.Tag.Get("json") == "" && ft.Kind() == reflect.Struct {
			out = append(out, encodedNames(ft)...)
			continue
		}
		if name != "" && f.IsExported() && f.Tag.Get("api") != "internal" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// TypedResponseNames are the responses derived from handler types.
func TypedResponseNames() []string { return slices.Sorted(maps.Keys(typedResponses())) }

// CheckResponses has s report every 2xx body one of its routes encodes
// that is not of the type its documented response is derived from.
func CheckResponses(s *Server, report func(problem string)) {
	c := responseCheck(report)
	s.respCheck.Store(&c)
}
