package sqlstore

import "strings"

// where collects the conditions of a query from fixed SQL fragments and the
// values bound to their placeholders. Only the fragments (constants of this
// package) and the number of placeholders vary; input is always bound.
type where struct {
	conds []string
	args  []any
}

// add appends cond (with ? placeholders) and its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// eq adds "col = ?" when v is not empty.
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

// in adds "col IN (?, ...)" when vs is not empty.
func in[S ~string](w *where, col string, vs []S) {
	if len(vs) == 0 {
		return
	}
	w.add(col+" IN ("+marks(len(vs))+")", anys(vs)...)
}

// anys converts string-like values to query arguments.
func anys[S ~string](vs []S) []any {
	args := make([]any, len(vs))
	for i, v := range vs {
		args[i] = string(v)
	}
	return args
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
