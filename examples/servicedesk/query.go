package main

import (
	"encoding"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// maxListValues caps the distinct values of one list parameter
// (?priority=1,2,3): more is a 400, never a query with thousands of
// bound values.
const maxListValues = 50

// query reads the filter parameters of a list request strictly: an
// unknown parameter, text that no record can hold (see checkText) or a
// malformed value is a *requestError naming it.
type query struct {
	v       url.Values
	allowed []string
	err     error
}

// newQuery parses the raw query of r strictly (see parseQuery) and checks
// that it holds only the allowed parameters, with text values.
func newQuery(r *http.Request, allowed ...string) *query {
	v, err := parseQuery(r.URL.RawQuery)
	q := &query{v: v, allowed: allowed, err: err}
	if err != nil {
		return q
	}
	for _, k := range sortedKeys(v) {
		if !slices.Contains(allowed, k) {
			q.err = badRequest(lifecycle.Clip(k), "unknown query parameter (known: %s)", strings.Join(allowed, ", "))
			break
		}
		for _, s := range v[k] {
			if err := checkText(k, s); err != nil {
				q.err = err
				return q
			}
		}
	}
	return q
}

// parseQuery decodes a raw query string. Unlike url.Values from
// URL.Query, which drops every pair it cannot decode (so that ?group=%
// would list everything, unfiltered), a pair that does not decode is a
// *requestError naming its parameter: a bad escape or a semicolon (which
// some servers take for a separator, so it is refused as Go's
// url.ParseQuery refuses it).
func parseQuery(raw string) (url.Values, error) {
	v := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil || strings.Contains(rawKey, ";") {
			return nil, badRequest("query", "malformed parameter name %q", lifecycle.Clip(rawKey))
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil || strings.Contains(rawValue, ";") {
			return nil, badRequest(lifecycle.Clip(key), "malformed value %q: escape %% as %%25", lifecycle.Clip(rawValue))
		}
		v[key] = append(v[key], value)
	}
	return v, nil
}

// str returns the parameter's value.
func (q *query) str(key string) string { return strings.TrimSpace(q.v.Get(key)) }

// list returns the parameter's distinct values, in order, repeated
// (?state=a&state=b) or comma-separated (?state=a,b). More than
// maxListValues of them is a *requestError.
func (q *query) list(key string) []string {
	var out []string
	for _, v := range q.v[key] {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				if len(out) == maxListValues {
					if q.err == nil {
						q.err = badRequest(key, "at most %d distinct values", maxListValues)
					}
					return nil
				}
				out = append(out, s)
			}
		}
	}
	return out
}

// integer returns the parameter as an int, 0 when absent.
func (q *query) integer(key string) int {
	s := q.str(key)
	if s == "" || q.err != nil {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		q.err = badRequest(key, "expected a non-negative integer, got %q", lifecycle.Clip(s))
	}
	return n
}

// boolean returns the parameter as a bool, false when absent.
func (q *query) boolean(key string) bool {
	s := q.str(key)
	if s == "" || q.err != nil {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.err = badRequest(key, "expected true or false, got %q", lifecycle.Clip(s))
	}
	return b
}

// priorities returns the parameter as priorities.
func (q *query) priorities(key string) []lifecycle.Priority {
	var out []lifecycle.Priority
	for _, s := range q.list(key) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			if q.err == nil {
				q.err = badRequest(key, "expected priorities such as 1,2, got %q", lifecycle.Clip(s))
			}
			return nil
		}
		out = append(out, lifecycle.Priority(n))
	}
	return out
}

// enums parses the parameter's values with T's UnmarshalText, so that
// unknown spellings are refused as they are in JSON bodies.
func enums[T any, PT interface {
	*T
	encoding.TextUnmarshaler
}](q *query, key string) []T {
	var out []T
	for _, s := range q.list(key) {
		var v T
		if err := PT(&v).UnmarshalText([]byte(s)); err != nil {
			if q.err == nil {
				var ve *lifecycle.ValidationError
				if errors.As(err, &ve) {
					q.err = badRequest(key, "%s", ve.Reason)
				} else {
					q.err = badRequest(key, "%v", err)
				}
			}
			return nil
		}
		out = append(out, v)
	}
	return out
}

// enum is enums for a single-valued parameter.
func enum[T any, PT interface {
	*T
	encoding.TextUnmarshaler
}](q *query, key string) T {
	var zero T
	vs := enums[T, PT](q, key)
	switch {
	case len(vs) == 1:
		return vs[0]
	case len(vs) > 1 && q.err == nil:
		q.err = badRequest(key, "expected one value")
	}
	return zero
}

// fieldOf makes the field of err, an error of the library about the
// filter built from q, the query parameter it came from: the library
// names a filter's fields ("states", "priorities"), the client sent
// ?state= and ?priority=. A field that is no parameter is dropped.
func (q *query) fieldOf(err error) error {
	var ve *lifecycle.ValidationError
	if err == nil || !errors.As(err, &ve) || slices.Contains(q.allowed, ve.Field) {
		return err
	}
	singular := strings.TrimSuffix(ve.Field, "s")
	if base, ok := strings.CutSuffix(ve.Field, "ies"); ok {
		singular = base + "y"
	}
	for _, k := range []string{singular, map[string]string{"after": "cursor", "text": "q"}[ve.Field]} {
		if k != "" && slices.Contains(q.allowed, k) {
			return &renamedField{err: err, field: k, input: true}
		}
	}
	return &renamedField{err: err}
}
