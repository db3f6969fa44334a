package httpapi

import (
	"maps"
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
	return slices.Sorted(maps.Keys(withSchemas(schemas(), workloadSchemas(), quickAddSchemas(), teamSchemas(), syncSchemas())))
}
