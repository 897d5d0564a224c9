// Package cmdbtest holds what tests and development need of configuration
// management: an in-memory [Store], the conformance suite every
// cmdb.Store should pass ([TestStore], over [Kit]), and a seeded
// generator of large configurations for benchmarks ([Graph], [Load]).
package cmdbtest

import (
	"context"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// Store is an in-memory cmdb.Store for tests and development. NOT FOR
// PRODUCTION: it keeps everything in one process's memory and loses it
// on exit. It keeps an index of each CI's incoming relationships,
// updated with every commit, so that Related and Walk read neighbours
// without scanning every CI.
//
// It is safe for concurrent use and copies CIs in and out. Use
// [NewStore]; the zero value is not ready.
type Store struct {
	lifecycletest.Table[*cmdb.CI]
	in map[string][]cmdb.Relationship // by child; guarded by the table's lock
}

var _ cmdb.Store = (*Store)(nil)

// NewStore returns an empty in-memory Store.
func NewStore() *Store {
	s := &Store{in: map[string][]cmdb.Relationship{}}
	s.Table = lifecycletest.Table[*cmdb.CI]{Process: cmdb.Process, Key: key, Clone: (*cmdb.CI).Clone, OnCommit: s.index}
	return s
}

func key(c *cmdb.CI) (string, int64) { return c.ID, c.Version }

// index replaces old's relationships by x's in the incoming index.
func (s *Store) index(old *cmdb.CI, had bool, x *cmdb.CI) error {
	if had {
		for _, r := range old.Relationships {
			s.in[r.Child] = slices.DeleteFunc(s.in[r.Child], func(o cmdb.Relationship) bool { return o.Key() == r.Key() })
		}
	}
	for _, r := range x.Relationships {
		r.Parent = x.ID
		s.in[r.Child] = append(s.in[r.Child], r)
	}
	return nil
}

// List returns copies of one page of the CIs matching f, by ID.
func (s *Store) List(ctx context.Context, f cmdb.Filter) (cmdb.Page, error) {
	match, err := s.Select(ctx, func(c *cmdb.CI) bool { return c.ID > f.After && f.Matches(c) })
	if err != nil {
		return cmdb.Page{}, err
	}
	var p cmdb.Page
	if limit := f.PageSize(); len(match) > limit {
		match = match[:limit]
		p.Next = match[limit-1].ID
	}
	p.CIs = match
	return p, nil
}

// Related returns the relationships with a parent or child in ids.
func (s *Store) Related(ctx context.Context, ids []string) ([]cmdb.Relationship, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []cmdb.Relationship
	s.View(func(lookup func(string) (*cmdb.CI, bool)) {
		for _, id := range ids {
			if c, ok := lookup(id); ok {
				for _, r := range c.Relationships {
					r.Parent = c.ID
					out = append(out, r)
				}
			}
			out = append(out, s.in[id]...)
		}
	})
	slices.SortFunc(out, func(a, b cmdb.Relationship) int { return strings.Compare(a.Key(), b.Key()) })
	return slices.CompactFunc(out, func(a, b cmdb.Relationship) bool { return a.Key() == b.Key() }), nil
}

// Walk walks the graph breadth first, one depth at a time.
func (s *Store) Walk(ctx context.Context, w cmdb.Walk) ([]cmdb.Reach, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []cmdb.Reach
	s.View(func(lookup func(string) (*cmdb.CI, bool)) {
		at := map[string]int{} // index in out
		reach := func(c *cmdb.CI, depth int) {
			at[c.ID] = len(out)
			out = append(out, cmdb.Reach{ID: c.ID, Name: c.Name, Class: c.Class, Status: c.Status, Criticality: c.Criticality, Depth: depth})
		}
		from := slices.Clone(w.From)
		slices.Sort(from)
		for _, id := range slices.Compact(from) {
			if c, ok := lookup(id); ok {
				reach(c, 0)
			}
		}
		start := 0
		for depth := 1; depth <= w.Depth && start < len(out); depth++ {
			end := len(out)
			for i := start; i < end; i++ {
				id := out[i].ID
				step := func(next string) {
					j, seen := at[next]
					if !seen {
						c, ok := lookup(next)
						if !ok {
							return
						}
						reach(c, depth)
						j = len(out) - 1
					}
					if r := &out[j]; r.Depth == depth && (len(r.Via) == 0 || r.Via[len(r.Via)-1] != id) {
						r.Via = append(r.Via, id)
					}
				}
				for _, r := range s.in[id] {
					if up, _ := w.Steps(r.Type); up {
						step(r.Parent)
					}
				}
				if c, ok := lookup(id); ok {
					for _, r := range c.Relationships {
						if _, down := w.Steps(r.Type); down {
							step(r.Child)
						}
					}
				}
			}
			slices.SortFunc(out[end:], func(a, b cmdb.Reach) int { return strings.Compare(a.ID, b.ID) })
			for k := end; k < len(out); k++ {
				at[out[k].ID] = k
			}
			start = end
		}
	})
	return out, nil
}
