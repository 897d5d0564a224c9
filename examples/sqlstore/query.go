package sqlstore

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
)

// where collects the conditions of a query from fixed SQL fragments and the
// values bound to their placeholders. Only the fragments (constants of this
// package) vary; input is always bound. A list of values is one parameter
// whatever its length (see inValues), so the text of a query never depends
// on how many values it filters on.
//
// A filter value that no stored record can hold (text that is not storable,
// see storable) sets none: the query would match nothing, so it is not run.
type where struct {
	d     Dialect
	conds []string
	args  []any
	none  bool
}

// where starts the conditions of a query in db's dialect.
func (db *DB) where() where { return where{d: db.dialect} }

// add appends cond (with ? placeholders) and its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// eq adds "col = ?" when v is not empty.
func (w *where) eq(col, v string) {
	if v != "" {
		w.text(col+" = ?", v)
	}
}

// text adds cond, whose one placeholder takes the text v; a v that cannot
// be stored matches nothing.
func (w *where) text(cond, v string) {
	if !storable(v) {
		w.none = true
		return
	}
	w.add(cond, v)
}

// in adds "col is one of vs" when vs is not empty. Values that cannot be
// stored match nothing and are dropped, as are repeated ones; when none is
// left, nothing matches.
func in[S ~string](w *where, col string, vs []S) {
	if len(vs) == 0 {
		return
	}
	vals := make([]string, 0, len(vs))
	seen := make(map[S]bool, len(vs))
	for _, v := range vs {
		if !seen[v] && storable(string(v)) {
			seen[v] = true
			vals = append(vals, string(v))
		}
	}
	if len(vals) == 0 {
		w.none = true
		return
	}
	w.inValues(col, vals)
}

// inInts is in for integer columns.
func inInts[I ~int | ~int64](w *where, col string, vs []I) {
	if len(vs) == 0 {
		return
	}
	vals := make([]int64, 0, len(vs))
	for _, v := range slices.Compact(slices.Sorted(slices.Values(vs))) {
		vals = append(vals, int64(v))
	}
	w.inValues(col, vals)
}

// inValues adds the condition that col is one of vals ([]string or
// []int64, not empty) with a single parameter, so that any number of
// values stays far below the databases' limits on bound parameters (32766
// on SQLite, 65535 on PostgreSQL): an array on PostgreSQL (col = ANY(?)),
// a JSON array that json_each unpacks on SQLite.
func (w *where) inValues(col string, vals any) {
	if w.d == Postgres {
		w.add(col+" = ANY(?)", vals)
		return
	}
	b, err := json.Marshal(vals)
	if err != nil {
		panic("sqlstore: encode a list of strings or integers: " + err.Error())
	}
	w.add(col+" IN (SELECT value FROM json_each(?))", string(b))
}

// sql renders " WHERE a AND b" (or nothing).
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// marks returns n comma-separated placeholders.
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// pageLimit is limit, or def when limit <= 0.
func pageLimit(limit, def int) int {
	if limit <= 0 {
		return def
	}
	return limit
}

// fetchLimit is the LIMIT argument that fetches one row more than limit,
// to learn whether another page follows: no limit at all when limit is so
// large that limit+1 would overflow a BIGINT or mean nothing anyway.
func (db *DB) fetchLimit(limit int) any {
	if limit >= math.MaxInt32 {
		return db.limit(0)
	}
	return limit + 1
}
