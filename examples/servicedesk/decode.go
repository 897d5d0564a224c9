package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/itsmkit/itsm/lifecycle"
)

// maxBody caps request bodies; larger ones get 413.
const maxBody = 1 << 20

// requestError is a problem with the request itself, found before the
// library is called: a malformed body, an unknown field, a bad header or
// query parameter. Field names what was wrong, as the client spelled it.
type requestError struct {
	// Status is the HTTP status to answer: 400, 401, 404, 405 or 413.
	Status int
	// Field names the offending key, parameter, header or wildcard; empty
	// when the problem is the request as a whole.
	Field string
	// Msg says what is wrong, for people.
	Msg string
}

// Error renders "invalid <field>: <msg>" for a 400 about a field, else
// the message.
func (e *requestError) Error() string {
	if e.Field == "" || e.Status != http.StatusBadRequest {
		return e.Msg
	}
	return "invalid " + e.Field + ": " + e.Msg
}

func badRequest(field, format string, args ...any) *requestError {
	return &requestError{Status: http.StatusBadRequest, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// serverFilled are command fields the library fills itself (conflicts from
// the Store, open work from the Dependents). A client may not send them.
var serverFilled = map[string]bool{"Conflicts": true, "Work": true}

// fieldInfo is one settable field of a command struct.
type fieldInfo struct {
	index int
	typ   reflect.Type
}

// fieldsCache maps a struct type to its JSON keys.
var fieldsCache sync.Map // reflect.Type → map[string]fieldInfo

// jsonFields returns the JSON keys of struct type t: the name of a field's
// json tag, or the snake_case spelling of its Go name when it has none,
// so that every command of every package reads the same way
// ("config_item", "planned_start") whether or not the package tagged it.
func jsonFields(t reflect.Type) map[string]fieldInfo {
	if m, ok := fieldsCache.Load(t); ok {
		return m.(map[string]fieldInfo)
	}
	m := make(map[string]fieldInfo)
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous || serverFilled[f.Name] {
			continue
		}
		if name, ok := jsonName(f, snakeCase(f.Name)); ok {
			m[name] = fieldInfo{index: i, typ: f.Type}
		}
	}
	fieldsCache.Store(t, m)
	return m
}

// jsonName returns the key of struct field f: the name of its json tag,
// or untagged when the tag gives none. ok is false when the tag leaves
// the field out ("-").
func jsonName(f reflect.StructField, untagged string) (name string, ok bool) {
	name, _, _ = strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return "", false
	case "":
		return untagged, true
	}
	return name, true
}

// snakeCase spells a Go identifier in snake_case: ConfigItem →
// config_item, ID → id, PlannedStart → planned_start.
func snakeCase(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) {
			if i > 0 && (unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]) && unicode.IsUpper(r[i-1]))) {
				b.WriteByte('_')
			}
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// decodeBody reads r's JSON object body into dst, a pointer to one of the
// library's command structs. Keys are matched exactly (see jsonFields);
// an unknown key, a value of the wrong type or an unknown enum spelling is
// a *requestError naming the key, and so is text that no record can
// hold (see checkText): invalid UTF-8 in the value of a key names the
// key, a NUL character names its path ("plans.test"). An empty body is
// the empty object.
// Nested objects are decoded with DisallowUnknownFields as well.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &requestError{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("request body larger than %d bytes", mbe.Limit)}
		}
		return badRequest("", "reading the request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return badRequest("", "the body must be a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		// Only white space may follow (More would let a stray "]" by).
		return badRequest("", "the body must hold a single JSON object")
	}
	if raw == nil { // the JSON null
		return badRequest("", "the body must be a JSON object, not null")
	}
	v := reflect.ValueOf(dst).Elem()
	fields := jsonFields(v.Type())
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the first problem deterministically
	for _, k := range keys {
		f, ok := fields[k]
		if !ok {
			return badRequest(k, "unknown field (known: %s)", strings.Join(sortedKeys(fields), ", "))
		}
		if !utf8.Valid(raw[k]) {
			// encoding/json would quietly turn the bytes into U+FFFD.
			return badRequest(k, "not valid UTF-8 text")
		}
		if err := decodeValue(raw[k], v.Field(f.index).Addr().Interface()); err != nil {
			return fieldError(k, err)
		}
		if err := checkValueText(k, v.Field(f.index)); err != nil {
			return err
		}
	}
	return nil
}

// decodeValue decodes one JSON value strictly.
func decodeValue(raw []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

// fieldError turns a decoding error of key into a *requestError.
func fieldError(key string, err error) *requestError {
	var ve *lifecycle.ValidationError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &ve):
		return badRequest(key, "%s", ve.Reason)
	case errors.As(err, &te):
		field := key
		if te.Field != "" {
			field += "." + te.Field
		}
		return badRequest(field, "expected %s, got %s", jsonKind(te.Type), te.Value)
	default:
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if rest, ok := strings.CutPrefix(msg, "unknown field "); ok {
			return badRequest(key+"."+strings.Trim(rest, `"`), "unknown field")
		}
		return badRequest(key, "%s", msg)
	}
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// decodeCommand decodes a command on the record named in the path: the body
// into dst (a pointer to a command struct with ID and Version fields), then
// the path's ID and the expected version from If-Match. An "id" in the body
// must equal the path's; a "version" in the body must agree with If-Match
// when both are given.
func decodeCommand(w http.ResponseWriter, r *http.Request, dst any) error {
	if err := decodeBody(w, r, dst); err != nil {
		return err
	}
	return target(r, reflect.ValueOf(dst).Elem())
}

// target sets the ID and Version fields of command v from the request.
func target(r *http.Request, v reflect.Value) error {
	if err := fromPath(r, v, "ID", "id"); err != nil {
		return err
	}
	want, ok, err := ifMatch(r)
	if err != nil {
		return err
	}
	vf := v.FieldByName("Version")
	if ok {
		if got := vf.Int(); got != 0 && got != want {
			return badRequest("version", "the body says %d but If-Match says %d", got, want)
		}
		vf.SetInt(want)
	}
	if vf.Int() < 0 {
		return badRequest("version", "must not be negative")
	}
	return nil
}

// fromPath sets the string field of command v to the path's wildcard:
// the body may repeat it, but not name another.
func fromPath(r *http.Request, v reflect.Value, field, wildcard string) error {
	want := r.PathValue(wildcard)
	f := v.FieldByName(field)
	if got := f.String(); got != "" && got != want {
		return badRequest(wildcard, "the body names %q but the path names %q", got, want)
	}
	f.SetString(want)
	return nil
}

// ifMatch parses the If-Match header: the record's version as its ETag
// ("3", W/"3" or a bare 3). "*" means any version, like 0 in a command.
// It reports whether the header was present.
func ifMatch(r *http.Request) (int64, bool, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, false, nil
	}
	if h == "*" {
		return 0, true, nil
	}
	s := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, false, badRequest("If-Match", "expected a record version such as \"3\", got %q", h)
	}
	return n, true, nil
}

// etag renders a record version as an ETag.
func etag(version int64) string { return strconv.Quote(strconv.FormatInt(version, 10)) }
