package lifecycletest

import (
	"reflect"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// clauseTextLimits is the store clause of the library's text limits.
const clauseTextLimits = "a record whose every text is as long as lifecycle.TextLimit allows is stored and read back unchanged"

// AtLimits fills x, a pointer to a record, with the longest texts the
// library allows ([lifecycle.TextLimit]): every plain string field but
// "id" (the record keeps its ID), every string of its string slices, and
// every value of its string maps (keys kept), recursively through nested
// structs, but not its "history". Fields of named string types (states,
// types and other enumerations) keep their values. [TestRecords] stores
// such a record: every store, in memory or in any database, must take the
// longest texts that validation lets through.
func AtLimits(x any) {
	atLimits(reflect.ValueOf(x), lifecycle.MaxTextLength)
}

var stringType = reflect.TypeFor[string]()

func atLimits(v reflect.Value, limit int) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			atLimits(v.Elem(), limit)
		}
	case reflect.String:
		if v.CanSet() && v.Type() == stringType {
			v.SetString(strings.Repeat("x", limit))
		}
	case reflect.Slice:
		for i := range v.Len() {
			atLimits(v.Index(i), limit)
		}
	case reflect.Map:
		if v.Type().Elem() != stringType {
			return
		}
		for _, k := range v.MapKeys() {
			v.SetMapIndex(k, reflect.ValueOf(strings.Repeat("v", lifecycle.MaxValueLength)))
		}
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || name == "history" || name == "id" {
				continue
			}
			atLimits(v.Field(i), lifecycle.TextLimit(name))
		}
	}
}
