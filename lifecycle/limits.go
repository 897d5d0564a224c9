package lifecycle

import (
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// The longest text, in characters, that a record of any process holds:
// one set of limits, checked by the [Kernel] before every store, so that
// every store (in memory, SQLite, PostgreSQL) answers alike. A name or an
// ID fits an index entry of any database (PostgreSQL's B-tree takes about
// 2,700 bytes: 200 characters are at most 800).
const (
	// MaxIDLength bounds record IDs and the IDs a record links: "id",
	// "parent", "problems", "changes", "incidents", "config_items",
	// "agreements", "duplicate_of", and every field ending in "_id".
	MaxIDLength = 100
	// MaxNameLength bounds short names: titles, groups, assignees,
	// callers, categories, services, configuration items, owners, the
	// actors a record names, and every map key (attribute names).
	MaxNameLength = 200
	// MaxValueLength bounds a map's values (attribute values, answers).
	MaxValueLength = 1024
	// MaxTextLength bounds every other text: descriptions, notes,
	// comments, work notes, plans, reasons.
	MaxTextLength = 64 << 10
)

// idFields and nameFields classify the JSON names of records' fields
// (see [TextLimit]).
var (
	idFields   = []string{"id", "parent", "problems", "changes", "incidents", "config_items", "agreements", "duplicate_of", "original", "moved_incidents"}
	nameFields = []string{"title", "name", "group", "assignee", "caller", "category", "service", "config_item", "owner", "requester",
		"opened_by", "resolved_by", "closed_by", "author", "actor", "approver", "by", "state", "status", "type", "kind"}
)

// TextLimit returns the longest text, in characters, that the field with
// JSON name field may hold: [MaxIDLength], [MaxNameLength] or
// [MaxTextLength] (see their docs). Map keys and values are bounded by
// [MaxNameLength] and [MaxValueLength].
func TextLimit(field string) int {
	switch {
	case slices.Contains(idFields, field) || strings.HasSuffix(field, "_id"):
		return MaxIDLength
	case slices.Contains(nameFields, field):
		return MaxNameLength
	}
	return MaxTextLength
}

// CheckLimits checks every text of record, a struct or a pointer to one,
// against [TextLimit]: its string fields, the strings of its slices, the
// keys and values of its maps, recursively through nested structs, by
// their JSON names, but not its "history" (stored history is never
// checked again, so the cost does not grow with the record's age). A text
// over its limit is a *ValidationError naming the field's path
// ("plans.test", "attributes.site") that quotes only a prefix of it.
func CheckLimits(record any) error {
	return checkLimits(reflect.ValueOf(record), "", 0)
}

func checkLimits(v reflect.Value, path string, limit int) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkLimits(v.Elem(), path, limit)
	case reflect.String:
		if n := utf8.RuneCountInString(v.String()); n > limit {
			return Invalid(path, "%d characters, longer than the %d allowed: %q", n, limit, Clip(v.String()))
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes are not text
		}
		for i := range v.Len() {
			if err := checkLimits(v.Index(i), path, limit); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			if k.Kind() == reflect.String {
				if n := utf8.RuneCountInString(k.String()); n > MaxNameLength {
					return Invalid(path, "a key of %d characters, longer than the %d allowed: %q", n, MaxNameLength, Clip(k.String()))
				}
			}
			if err := checkLimits(iter.Value(), joinPath(path, k.String()), MaxValueLength); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		if t.PkgPath() == "time" {
			return nil
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || name == "history" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			sub := path
			if !f.Anonymous {
				sub = joinPath(path, name)
			}
			if err := checkLimits(v.Field(i), sub, TextLimit(name)); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
