package main

import (
	"reflect"
	"strings"
	"unicode/utf8"
)

// Text the desk refuses.
//
// A record's IDs and fields end up in database text columns, which on
// PostgreSQL cannot hold the NUL character or bytes that are not UTF-8.
// The desk refuses such text wherever a client can send it, before any
// store sees it: path values, query parameters, the actor headers and
// every string of a request body. The answer is 400, naming the wildcard,
// parameter, header or JSON key.

// checkText returns a *requestError (400) naming field when s is not
// valid UTF-8 or holds a NUL character.
func checkText(field, s string) error {
	switch {
	case !utf8.ValidString(s):
		return badRequest(field, "not valid UTF-8 text")
	case strings.IndexByte(s, 0) >= 0:
		return badRequest(field, "contains a NUL character")
	}
	return nil
}

// checkValueText walks v, a value decoded from the body under key, and
// returns a *requestError naming the key (and the path of nested object
// keys: "plans.test") of the first string, or map key, that checkText
// refuses. Decoding leaves no invalid UTF-8 (decodeBody refuses it in the
// raw value first), so what this finds is NUL.
func checkValueText(key string, v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		return checkText(key, v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return checkValueText(key, v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkValueText(key, v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			if k.Kind() == reflect.String {
				if err := checkText(key, k.String()); err != nil {
					return err
				}
			}
			if err := checkValueText(key, iter.Value()); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			// Nested objects are decoded by encoding/json, which spells an
			// untagged field as its Go name.
			name, ok := jsonName(f, f.Name)
			if !ok {
				continue
			}
			if err := checkValueText(key+"."+name, v.Field(i)); err != nil {
				return err
			}
		}
	}
	return nil
}
