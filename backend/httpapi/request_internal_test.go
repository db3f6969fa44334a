package httpapi

import (
	"reflect"
	"slices"
	"testing"
)

// A typed body's constraints and required names refer to fields its type
// has: a renamed field cannot leave a stale constraint behind.
func TestTypedBodyConstraintsNameTheirFields(t *testing.T) {
	for name, b := range typedBodies() {
		names := jsonNames(b.typ)
		for field := range b.extra {
			if !slices.Contains(names, field) {
				t.Errorf("%s: a constraint names %s, which %v does not have", name, field, b.typ)
			}
		}
		for i := range b.typ.NumField() {
			f := b.typ.Field(i)
			_, known := fieldDecode[f.Type]
			if b.patch && !known && !reflect.PointerTo(f.Type).Implements(bodyFieldType) {
				t.Errorf("%s: field %s (%s) has no decoder", name, f.Name, f.Type)
			}
		}
		for _, field := range b.required {
			if !slices.Contains(names, field) {
				t.Errorf("%s: requires %s, which %v does not have", name, field, b.typ)
			}
		}
	}
}
