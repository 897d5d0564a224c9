package lifecycletest

import (
	"reflect"
	"strings"
)

// UntaggedFields returns "Type.Field" for every exported field of the
// structs vs (values, or pointers to them) that has no json tag naming
// it, in the order given. A process test passes it its registry of
// commands and its creation inputs, so that every command has one JSON
// spelling, the one its validation errors name, whoever decodes it.
func UntaggedFields(vs ...any) []string {
	var out []string
	for _, v := range vs {
		t := reflect.TypeOf(v)
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			continue
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Anonymous {
				continue
			}
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "" {
				out = append(out, t.Name()+"."+f.Name)
			}
		}
	}
	return out
}
