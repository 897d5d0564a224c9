package cmdbtest

import (
	"cmp"
	"slices"

	"github.com/itsmkit/itsm/cmdb"
)

// The reference answers the suite compares a store's with: plain scans
// of every relationship, written to be obviously right rather than fast,
// and sharing no code with any store.

// refRelated returns the relationships of rels whose parent or child is
// one of ids, each once, sorted by parent, type and child.
func refRelated(rels []cmdb.Relationship, ids []string) []cmdb.Relationship {
	var out []cmdb.Relationship
	for _, r := range rels {
		if slices.Contains(ids, r.Parent) || slices.Contains(ids, r.Child) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, compareRels)
	return out
}

// refWalk walks w over cis and every relationship of rels, breadth
// first, one depth at a time: the sources of w.From that are among cis
// at depth 0; then, for depth d from 1 to w.Depth, every CI not reached
// yet that one step leads to from a CI at depth d-1. Via is then, for
// each CI reached at depth d, every CI at depth d-1 one step from it.
func refWalk(cis map[string]*cmdb.CI, rels []cmdb.Relationship, w cmdb.Walk) []cmdb.Reach {
	// step reports whether one step of w goes along r from `from` to `to`.
	step := func(r cmdb.Relationship, from, to string) bool {
		return slices.Contains(w.Up, r.Type) && r.Child == from && r.Parent == to ||
			slices.Contains(w.Down, r.Type) && r.Parent == from && r.Child == to
	}
	depth := map[string]int{}
	for _, id := range w.From {
		if _, ok := cis[id]; ok {
			depth[id] = 0
		}
	}
	for d := 1; d <= w.Depth; d++ {
		next := map[string]bool{}
		for _, r := range rels {
			for _, pair := range [][2]string{{r.Child, r.Parent}, {r.Parent, r.Child}} {
				from, to := pair[0], pair[1]
				_, exists := cis[to]
				_, reached := depth[to]
				if exists && !reached && depth[from] == d-1 && isReached(depth, from) && step(r, from, to) {
					next[to] = true
				}
			}
		}
		for id := range next {
			depth[id] = d
		}
	}
	var out []cmdb.Reach
	for id, d := range depth {
		c := cis[id]
		r := cmdb.Reach{ID: id, Name: c.Name, Class: c.Class, Status: c.Status, Criticality: c.Criticality, Depth: d}
		for _, rel := range rels {
			for _, other := range []string{rel.Parent, rel.Child} {
				if isReached(depth, other) && depth[other] == d-1 && step(rel, other, id) && !slices.Contains(r.Via, other) {
					r.Via = append(r.Via, other)
				}
			}
		}
		slices.Sort(r.Via)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b cmdb.Reach) int {
		if a.Depth != b.Depth {
			return a.Depth - b.Depth
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// isReached reports whether id has a depth.
func isReached(depth map[string]int, id string) bool {
	_, ok := depth[id]
	return ok
}
