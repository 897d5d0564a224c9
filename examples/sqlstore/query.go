package sqlstore

import (
	"encoding/json"
	"math"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// where collects the conditions of a query from fixed SQL fragments and the
// values bound to their placeholders. Only the fragments (constants of this
// package) vary; input is always bound. A list of values is one parameter
// whatever its length (see inCond), so the text of a query never depends
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
	vals := storableSet(vs)
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
// []int64, not empty); see inCond.
func (w *where) inValues(col string, vals any) {
	cond, arg := w.inCond(col, vals)
	w.add(cond, arg)
}

// inCond is the condition that col is one of vals ([]string or []int64,
// not empty), and its argument: a single parameter, so that any number of
// values stays far below the databases' limits on bound parameters (32766
// on SQLite, 65535 on PostgreSQL): an array on PostgreSQL (col = ANY(?)),
// a JSON array that json_each unpacks on SQLite.
func (w *where) inCond(col string, vals any) (string, any) {
	if w.d == Postgres {
		return col + " = ANY(?)", vals
	}
	b, err := json.Marshal(vals)
	if err != nil {
		panic("sqlstore: encode a list of strings or integers: " + err.Error())
	}
	return col + " IN (SELECT value FROM json_each(?))", string(b)
}

// parties names a table's columns that hold its records' parties, as the
// records' lifecycle.Snapshot has them; "" for a party that the table's
// records never have, which no relation to it admits.
type parties struct {
	assignee, group, caller, owner string
}

// scope adds the condition that a record is in s (see lifecycle.Scope.Holds)
// from the tenant column and the party columns ps. A scope that can hold no
// stored record (None, no tenant or party left that text can be stored
// as) sets none.
func (w *where) scope(s lifecycle.Scope, ps parties) {
	if s.None {
		w.none = true
		return
	}
	if s.Tenants != nil {
		// No tenant left holds nothing. One, the common case, is
		// tenant = ?: the index on (tenant, id) then reads the records
		// in the order of the pages.
		switch tenants := storableSet(s.Tenants); len(tenants) {
		case 0:
			w.none = true
			return
		case 1:
			w.add("tenant = ?", tenants[0])
		default:
			w.inValues("tenant", tenants)
		}
	}
	if s.Party != nil {
		w.party(*s.Party, ps)
	}
}

// party adds the condition that p's actor stands in one of p's relations
// to a record, as lifecycle.Party admits it: the actor ("" never matches)
// in the column of the relation, or, for group membership, the record's
// group (never "") among p's groups. A relation that can hold nothing adds
// no alternative; with none left, nothing matches.
func (w *where) party(p lifecycle.Party, ps parties) {
	var conds []string
	var args []any
	seen := map[lifecycle.Relation]bool{}
	for _, r := range p.Relations {
		if seen[r] {
			continue
		}
		seen[r] = true
		col := ""
		switch r {
		case lifecycle.RelationAssignee:
			col = ps.assignee
		case lifecycle.RelationCaller:
			col = ps.caller
		case lifecycle.RelationOwner:
			col = ps.owner
		case lifecycle.RelationGroupMember:
			groups := slices.DeleteFunc(storableSet(p.Groups), func(g string) bool { return g == "" })
			if ps.group != "" && len(groups) > 0 {
				cond, arg := w.inCond(ps.group, groups)
				conds, args = append(conds, cond), append(args, arg)
			}
			continue
		}
		if col != "" && p.Actor != "" && storable(p.Actor) {
			conds, args = append(conds, col+" = ?"), append(args, p.Actor)
		}
	}
	if len(conds) == 0 {
		w.none = true
		return
	}
	w.add("("+strings.Join(conds, " OR ")+")", args...)
}

// storableSet is vs without repeats and without the values that cannot be
// stored, in their order.
func storableSet[S ~string](vs []S) []string {
	vals := make([]string, 0, len(vs))
	seen := make(map[S]bool, len(vs))
	for _, v := range vs {
		if !seen[v] && storable(string(v)) {
			seen[v] = true
			vals = append(vals, string(v))
		}
	}
	return vals
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
