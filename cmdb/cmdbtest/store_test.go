package cmdbtest_test

import (
	"cmp"
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

func TestMemoryStore(t *testing.T) {
	cmdbtest.TestStore(t, func(*testing.T) cmdb.Store { return cmdbtest.NewStore() })
}

// brokenStore is the in-memory store under the Get and Commit of a
// lifecycletest.Break.
type brokenStore struct {
	lifecycle.RecordStore[*cmdb.CI]
	memory
}

type memory struct{ *cmdbtest.Store }

// ignoresScope lists every CI whatever the filter's scope.
type ignoresScope struct{ *cmdbtest.Store }

func (s ignoresScope) List(ctx context.Context, f cmdb.Filter) (cmdb.Page, error) {
	f.Scope = lifecycle.Scope{}
	return s.Store.List(ctx, f)
}

// matchesSubclasses lists the CIs of a class and of its subclasses.
type matchesSubclasses struct{ *cmdbtest.Store }

func (s matchesSubclasses) List(ctx context.Context, f cmdb.Filter) (cmdb.Page, error) {
	class := f.Class
	f.Class = ""
	p, err := s.Store.List(ctx, f)
	p.CIs = slices.DeleteFunc(p.CIs, func(c *cmdb.CI) bool { return class != "" && !cmdb.DefaultClasses().Is(c.Class, class) })
	return p, err
}

// parentsOnly misses the relationships whose child is asked for.
type parentsOnly struct{ *cmdbtest.Store }

func (s parentsOnly) Related(ctx context.Context, ids []string) ([]cmdb.Relationship, error) {
	rels, err := s.Store.Related(ctx, ids)
	return slices.DeleteFunc(rels, func(r cmdb.Relationship) bool { return !slices.Contains(ids, r.Parent) }), err
}

// keepsRemoved answers Related from every relationship ever committed,
// as an index that is never told of a removal would.
type keepsRemoved struct {
	*cmdbtest.Store
	mu   sync.Mutex
	ever map[string]cmdb.Relationship
}

func (s *keepsRemoved) Commit(ctx context.Context, w lifecycle.Write[*cmdb.CI]) error {
	err := s.Store.Commit(ctx, w)
	if err == nil {
		s.mu.Lock()
		for _, r := range w.Record.Relationships {
			s.ever[r.Key()] = r
		}
		s.mu.Unlock()
	}
	return err
}

func (s *keepsRemoved) Related(ctx context.Context, ids []string) ([]cmdb.Relationship, error) {
	rels, err := s.Store.Related(ctx, ids)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.ever {
		if (slices.Contains(ids, r.Parent) || slices.Contains(ids, r.Child)) && !slices.ContainsFunc(rels, func(o cmdb.Relationship) bool { return o.Key() == r.Key() }) {
			rels = append(rels, r)
		}
	}
	slices.SortFunc(rels, func(a, b cmdb.Relationship) int { return strings.Compare(a.Key(), b.Key()) })
	return rels, err
}

// ignoresDepth walks on until nothing new is reached.
type ignoresDepth struct{ *cmdbtest.Store }

func (s ignoresDepth) Walk(ctx context.Context, w cmdb.Walk) ([]cmdb.Reach, error) {
	w.Depth = 1 << 20
	return s.Store.Walk(ctx, w)
}

// ignoresDirection steps both ways along every type it walks.
type ignoresDirection struct{ *cmdbtest.Store }

func (s ignoresDirection) Walk(ctx context.Context, w cmdb.Walk) ([]cmdb.Reach, error) {
	both := append(slices.Clone(w.Up), w.Down...)
	w.Up, w.Down = both, both
	return s.Store.Walk(ctx, w)
}

// firstVia keeps only the first CI of each Via.
type firstVia struct{ *cmdbtest.Store }

func (s firstVia) Walk(ctx context.Context, w cmdb.Walk) ([]cmdb.Reach, error) {
	out, err := s.Store.Walk(ctx, w)
	for i := range out {
		out[i].Via = slices.Clip(out[i].Via[:min(1, len(out[i].Via))])
	}
	return out, err
}

// byIDOnly sorts the reaches by ID alone.
type byIDOnly struct{ *cmdbtest.Store }

func (s byIDOnly) Walk(ctx context.Context, w cmdb.Walk) ([]cmdb.Reach, error) {
	out, err := s.Store.Walk(ctx, w)
	slices.SortFunc(out, func(a, b cmdb.Reach) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// searchWalk is a walk of its own over Related and Get, with one of the
// mistakes of a hand-written traversal.
type searchWalk struct {
	*cmdbtest.Store
	// revisits forgets the CIs reached before the last depth, as a walk
	// that only checks the frontier does: on a cycle, it reaches CIs
	// again.
	revisits bool
	// depthFirst reaches each CI first found going depth first (lowest
	// IDs first), at that path's length rather than the shortest.
	depthFirst bool
	// anyVia lists in Via every walked neighbour reached before, at any
	// depth.
	anyVia bool
}

// next returns the CIs one step of w from id, sorted.
func (s searchWalk) next(ctx context.Context, w cmdb.Walk, id string) []string {
	rels, _ := s.Store.Related(ctx, []string{id})
	var out []string
	for _, r := range rels {
		up, down := w.Steps(r.Type)
		if up && r.Child == id {
			out = append(out, r.Parent)
		}
		if down && r.Parent == id {
			out = append(out, r.Child)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (s searchWalk) Walk(ctx context.Context, w cmdb.Walk) ([]cmdb.Reach, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	depth := map[string]int{}
	var order []string
	reach := func(id string, d int) {
		if _, err := s.Store.Get(ctx, id); err == nil {
			depth[id] = d
			order = append(order, id)
		}
	}
	from := slices.Clone(w.From)
	slices.Sort(from)
	for _, id := range slices.Compact(from) {
		reach(id, 0)
	}
	var out []cmdb.Reach
	switch {
	case s.depthFirst:
		var visit func(id string, d int)
		visit = func(id string, d int) {
			if d == w.Depth {
				return
			}
			for _, n := range s.next(ctx, w, id) {
				if _, seen := depth[n]; !seen {
					reach(n, d+1)
					visit(n, d+1)
				}
			}
		}
		for _, id := range slices.Clone(order) {
			visit(id, 0)
		}
	case s.revisits:
		frontier := slices.Clone(order)
		for d := 1; d <= w.Depth; d++ {
			var next []string
			for _, id := range frontier {
				for _, n := range s.next(ctx, w, id) {
					if !slices.Contains(frontier, n) && !slices.Contains(next, n) {
						next = append(next, n)
					}
				}
			}
			for _, n := range next {
				if _, err := s.Store.Get(ctx, n); err == nil {
					out = append(out, cmdb.Reach{ID: n, Depth: d})
				}
			}
			frontier = next
		}
	default:
		for d := 1; d <= w.Depth; d++ {
			for _, id := range slices.Clone(order) {
				if depth[id] != d-1 {
					continue
				}
				for _, n := range s.next(ctx, w, id) {
					if _, seen := depth[n]; !seen {
						reach(n, d)
					}
				}
			}
		}
	}
	for _, id := range order {
		c, _ := s.Store.Get(ctx, id)
		r := cmdb.Reach{ID: id, Name: c.Name, Class: c.Class, Status: c.Status, Criticality: c.Criticality, Depth: depth[id]}
		for _, n := range s.next(ctx, cmdb.Walk{Up: w.Down, Down: w.Up}, id) {
			if d, ok := depth[n]; ok && r.Depth > 0 && (d == r.Depth-1 || s.anyVia && n != id) {
				r.Via = append(r.Via, n)
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b cmdb.Reach) int { return cmp.Or(a.Depth-b.Depth, strings.Compare(a.ID, b.ID)) })
	return out, nil
}

func broken(name string) cmdb.Store {
	s := cmdbtest.NewStore()
	switch name {
	case "ignoresScope":
		return ignoresScope{s}
	case "matchesSubclasses":
		return matchesSubclasses{s}
	case "parentsOnly":
		return parentsOnly{s}
	case "keepsRemoved":
		return &keepsRemoved{Store: s, ever: map[string]cmdb.Relationship{}}
	case "ignoresDepth":
		return ignoresDepth{s}
	case "ignoresDirection":
		return ignoresDirection{s}
	case "firstVia":
		return firstVia{s}
	case "byIDOnly":
		return byIDOnly{s}
	case "searchWalk":
		return searchWalk{Store: s}
	case "revisits":
		return searchWalk{Store: s, revisits: true}
	case "depthFirst":
		return searchWalk{Store: s, depthFirst: true}
	case "anyVia":
		return searchWalk{Store: s, anyVia: true}
	}
	b, _ := lifecycletest.BreakageNamed(name)
	key := func(c *cmdb.CI) (string, int64) { return c.ID, c.Version }
	return brokenStore{memory: memory{s}, RecordStore: lifecycletest.Break(s, key, b)}
}

// TestBrokenStoreHelper runs the suite on the broken store named by
// CMDBTEST_BROKEN, in the child processes that
// TestSuiteCatchesBrokenStores starts.
func TestBrokenStoreHelper(t *testing.T) {
	name := os.Getenv("CMDBTEST_BROKEN")
	if name == "" {
		t.Skip("run by TestSuiteCatchesBrokenStores")
	}
	cmdbtest.TestStore(t, func(*testing.T) cmdb.Store { return broken(name) })
}

func TestSuiteCatchesBrokenStores(t *testing.T) {
	lifecycletest.CatchesBroken(t, "TestBrokenStoreHelper", "CMDBTEST_BROKEN", cmdbtest.NewStore(), map[string]string{
		"ignoresScope":      "List under a Scope returns exactly the records the scope holds",
		"matchesSubclasses": "List returns exactly the CIs matching the filter",
		"parentsOnly":       "Related returns every stored relationship whose parent or child is one of ids",
		"keepsRemoved":      "Related returns every stored relationship whose parent or child is one of ids",
		"ignoresDepth":      "Walk reaches exactly the CIs of a breadth-first walk",
		"ignoresDirection":  "Walk reaches exactly the CIs of a breadth-first walk",
		"firstVia":          "Walk: each Reach's Via lists",
		"byIDOnly":          "Walk returns its reaches sorted by depth then ID",
		"revisits":          "Walk is cycle-safe",
		"depthFirst":        "Walk reaches exactly the CIs of a breadth-first walk, each at its shortest depth",
		"anyVia":            "Walk: each Reach's Via lists",
	})
}

// TestSearchWalkPasses shows that the walk the broken ones are made from
// passes the suite without its mistakes: each proof above fails for its
// mistake alone.
func TestSearchWalkPasses(t *testing.T) {
	cmdbtest.TestStore(t, func(*testing.T) cmdb.Store { return broken("searchWalk") })
}
