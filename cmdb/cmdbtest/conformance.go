package cmdbtest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The clauses of the cmdb.Store contract that TestStore checks beyond
// those every store shares, quoted in its failures after "contract: ".
const (
	clauseCommitCI   = "Commit with Expected 0 stores a CI with the relationships it holds"
	clauseListFilter = "List returns exactly the CIs matching the filter (Filter.Matches): exact class, statuses, support group, together; in ID order, paged by After and Limit"
	clauseRelated    = "Related returns every stored relationship whose parent or child is one of ids, each once, sorted by parent, type and child, as its parent holds it; an ID no CI has relates to nothing"
	clauseWalkOnce   = "Walk is cycle-safe: it returns each CI it reaches once"
	clauseWalkReach  = "Walk reaches exactly the CIs of a breadth-first walk, each at its shortest depth up to w.Depth: the sources that exist at 0, then one step on from a CI at depth d at d+1, child to parent along w.Up and parent to child along w.Down"
	clauseWalkOrder  = "Walk returns its reaches sorted by depth then ID"
	clauseWalkFields = "Walk: each Reach carries its CI's name, class, status and criticality as stored"
	clauseWalkVia    = "Walk: each Reach's Via lists, sorted, the CIs at the depth before it one step from it (none for a source)"
)

// Kit returns the lifecycletest.RecordKit of the stores newStore makes:
// the kit TestStore runs lifecycletest.TestRecords with, for a host's own
// runs of the shared suites.
func Kit(newStore func(t *testing.T) cmdb.Store) lifecycletest.RecordKit[*cmdb.CI] {
	list := func(ctx context.Context, s lifecycle.RecordStore[*cmdb.CI], f cmdb.Filter) ([]*cmdb.CI, string, error) {
		p, err := s.(cmdb.Store).List(ctx, f)
		return p.CIs, p.Next, err
	}
	return lifecycletest.RecordKit[*cmdb.CI]{
		New:    func(t *testing.T) lifecycle.RecordStore[*cmdb.CI] { return newStore(t) },
		Record: sample,
		Key:    key,
		List: func(ctx context.Context, s lifecycle.RecordStore[*cmdb.CI], after string, limit int) ([]*cmdb.CI, string, error) {
			return list(ctx, s, cmdb.Filter{After: after, Limit: limit})
		},
		DefaultLimit: cmdb.DefaultLimit,
		MaxLimit:     cmdb.MaxLimit,
		NextIsLastID: true,
		Scope: lifecycletest.ScopeKit[*cmdb.CI]{
			List: func(ctx context.Context, s lifecycle.RecordStore[*cmdb.CI], scope lifecycle.Scope, after string, limit int) ([]*cmdb.CI, string, error) {
				return list(ctx, s, cmdb.Filter{Scope: scope, After: after, Limit: limit})
			},
			// A CI has an owner and a support group; no caller nor
			// assignee. Its owner stands in for the caller.
			Place: func(c *cmdb.CI, tenant, caller, _, group string) *cmdb.CI {
				c.Tenant, c.Owner, c.Group = tenant, caller, group
				return c
			},
		},
		Queries: map[string]func(context.Context, lifecycle.RecordStore[*cmdb.CI]) error{
			"Related": func(ctx context.Context, s lifecycle.RecordStore[*cmdb.CI]) error {
				_, err := s.(cmdb.Store).Related(ctx, []string{"CI-1"})
				return err
			},
			"Walk": func(ctx context.Context, s lifecycle.RecordStore[*cmdb.CI]) error {
				_, err := s.(cmdb.Store).Walk(ctx, cmdb.Walk{From: []string{"CI-1"}, Up: []string{cmdb.TypeDependsOn}, Depth: 3})
				return err
			},
		},
	}
}

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// sample returns the CI id at version: every field set, two
// relationships, and each version the one before renamed, one attribute
// changed and one relationship more.
func sample(id string, version int64) *cmdb.CI {
	rel := func(typ, child string, at time.Time) cmdb.Relationship {
		return cmdb.Relationship{Parent: id, Type: typ, Child: child, By: "ann", At: at}
	}
	c := &cmdb.CI{
		ID: id, Version: 1, Class: cmdb.ClassServer, Name: "Database host", Status: cmdb.StatusOperational,
		Criticality: cmdb.CriticalityHigh, Owner: "ann", Group: "hosting", Tenant: "acme",
		Attributes:    map[string]string{"ip": "10.0.0.7", "site": "london"},
		Relationships: []cmdb.Relationship{rel(cmdb.TypeConnectsTo, "NET-1", t0), rel(cmdb.TypeDependsOn, "NET-2", t0)},
		CreatedAt:     t0, UpdatedAt: t0,
	}
	for c.Version < version {
		c.Version++
		c.UpdatedAt = c.UpdatedAt.Add(time.Minute)
		c.Name = fmt.Sprintf("Database host, take %d", c.Version)
		c.Attributes["patch"] = fmt.Sprintf("2026.%d", c.Version)
		c.Relationships = append(c.Relationships, rel(cmdb.TypeDependsOn, fmt.Sprintf("SAN-%d", c.Version), c.UpdatedAt))
	}
	return c
}

// TestStore is the conformance suite for cmdb.Store implementations:
// lifecycletest.TestRecords (the clauses every store shares: versions,
// conflicts, copies, paging, scopes, the read set and guards, history),
// then the CMDB's own queries: List's filters, Related, and Walk on
// graphs with cycles, diamonds, long chains and fan-out, each compared
// with a naive breadth-first walk over every stored relationship,
// including after relationships are removed and added. newStore must
// return a new, empty store each time it is called (each subtest calls
// it once; register clean-up with t.Cleanup). Every failure quotes the
// clause broken after "contract: ".
//
// Relationships compare as lifecycletest.Equal does (times as instants).
func TestStore(t *testing.T, newStore func(t *testing.T) cmdb.Store) {
	t.Helper()
	lifecycletest.TestRecords(t, Kit(newStore))
	t.Run("ListFilters", func(t *testing.T) { testListFilters(t, newStore(t)) })
	t.Run("Related", func(t *testing.T) { testRelated(t, newStore(t)) })
	for _, g := range walkGraphs() {
		t.Run("Walk/"+g.name, func(t *testing.T) { testWalks(t, newStore(t), g) })
	}
	t.Run("Walk/AfterChanges", func(t *testing.T) { testWalkAfterChanges(t, newStore(t)) })
}

// node returns the CI id of class, operational unless status says
// otherwise, with a criticality and a name of its own.
func node(id, class string, n int) *cmdb.CI {
	crits := cmdb.Criticalities()
	st := []cmdb.Status{cmdb.StatusOperational, cmdb.StatusDegraded, cmdb.StatusInstalled, cmdb.StatusMaintenance}
	return &cmdb.CI{
		ID: id, Version: 1, Class: class, Name: "name of " + id, Status: st[n%len(st)], Criticality: crits[n%len(crits)],
		Group: "group-" + id[:1], CreatedAt: t0, UpdatedAt: t0,
	}
}

// store commits cis with rels to s, failing the test if it refuses.
func store(t *testing.T, s cmdb.Store, cis []*cmdb.CI, rels []cmdb.Relationship) {
	t.Helper()
	for _, w := range Writes(cis, rels) {
		if err := s.Commit(context.Background(), w); err != nil {
			lifecycletest.Fatal(t, clauseCommitCI, "Commit of %s: %v", w.Record.ID, err)
		}
	}
}

// testListFilters: List returns exactly the CIs each filter matches,
// paged.
func testListFilters(t *testing.T, s cmdb.Store) {
	ctx := context.Background()
	classes := []string{cmdb.ClassServer, cmdb.ClassHardware, cmdb.ClassVM, cmdb.ClassApplication}
	statuses := cmdb.Statuses()
	groups := []string{"hosting", "dba", ""}
	var cis []*cmdb.CI
	for _, i := range []int{17, 3, 22, 11, 1, 15, 9, 18, 5, 24, 13, 2, 20, 7, 4, 23, 8, 14, 6, 19, 10, 21, 12, 16} {
		c := node(fmt.Sprintf("CI-%03d", i), classes[i%len(classes)], i)
		c.Status, c.Group = statuses[i%len(statuses)], groups[i%len(groups)]
		cis = append(cis, c)
	}
	store(t, s, cis, nil)
	slices.SortFunc(cis, func(a, b *cmdb.CI) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range []struct {
		name string
		f    cmdb.Filter
	}{
		{"everything", cmdb.Filter{}},
		{"a class", cmdb.Filter{Class: cmdb.ClassServer}},
		{"a class, not its subclasses", cmdb.Filter{Class: cmdb.ClassHardware}},
		{"a class no CI has", cmdb.Filter{Class: cmdb.ClassDatabase}},
		{"one status", cmdb.Filter{Statuses: []cmdb.Status{cmdb.StatusRetired}}},
		{"statuses", cmdb.Filter{Statuses: []cmdb.Status{cmdb.StatusOperational, cmdb.StatusPlanned, cmdb.StatusDegraded}}},
		{"a group", cmdb.Filter{Group: "dba"}},
		{"together", cmdb.Filter{Class: cmdb.ClassVM, Group: "hosting", Statuses: []cmdb.Status{cmdb.StatusInstalled, cmdb.StatusRetired, cmdb.StatusDegraded}}},
		{"together, after", cmdb.Filter{Statuses: []cmdb.Status{cmdb.StatusPlanned, cmdb.StatusOperational}, After: "CI-010"}},
	} {
		var want []string
		for _, x := range cis {
			if c.f.Matches(x) && x.ID > c.f.After {
				want = append(want, x.ID)
			}
		}
		for _, limit := range []int{0, 1, 3} {
			f := c.f
			f.Limit = limit
			var got []string
			for pages := 0; ; pages++ {
				if pages > len(cis) {
					lifecycletest.Breach(t, clauseListFilter, "%s, limit %d: paging does not end: %v", c.name, limit, got)
					break
				}
				p, err := s.List(ctx, f)
				if err != nil {
					lifecycletest.Breach(t, clauseListFilter, "%s, limit %d: List: %v", c.name, limit, err)
					break
				}
				if len(p.CIs) > f.PageSize() {
					lifecycletest.Breach(t, clauseListFilter, "%s, limit %d: a page of %d CIs", c.name, limit, len(p.CIs))
				}
				for _, x := range p.CIs {
					got = append(got, x.ID)
				}
				if p.Next == "" {
					break
				}
				f.After = p.Next
			}
			if !slices.Equal(got, want) {
				lifecycletest.Breach(t, clauseListFilter, "%s, limit %d: List gives %v, want %v", c.name, limit, got, want)
			}
		}
	}
}

// relatedCases are the ID sets testRelated asks for: one CI, several,
// both ends of one relationship, repeats, IDs no CI has, none.
func relatedCases(cis []*cmdb.CI) [][]string {
	out := [][]string{nil, {"NOPE"}, {"NOPE", "NOPE"}}
	for _, c := range cis {
		out = append(out, []string{c.ID})
	}
	for i := 0; i+2 < len(cis); i += 3 {
		out = append(out, []string{cis[i+2].ID, cis[i].ID, "NOPE", cis[i].ID, cis[i+1].ID})
	}
	var all []string
	for _, c := range cis {
		all = append(all, c.ID)
	}
	return append(out, all)
}

// testRelated: Related returns the relationships at either end of the
// IDs asked for, on a graph of every built-in type, before and after the
// relationships change.
func testRelated(t *testing.T, s cmdb.Store) {
	ctx := context.Background()
	g := mixedGraph()
	store(t, s, g.cis, g.rels)
	check := func(when string, rels []cmdb.Relationship) {
		for _, ids := range relatedCases(g.cis) {
			got, err := s.Related(ctx, ids)
			if err != nil {
				lifecycletest.Breach(t, clauseRelated, "%s, Related(%v): %v", when, ids, err)
				continue
			}
			if d := lifecycletest.Difference(got, refRelated(rels, ids)); d != "" {
				lifecycletest.Breach(t, clauseRelated, "%s, Related(%v) differs from the stored relationships: %s\n got %v\nwant %v", when, ids, d, keys(got), keys(refRelated(rels, ids)))
			}
		}
	}
	check("as stored", g.rels)
	rels := changeRelationships(t, s, g)
	check("after relationships were removed and added", rels)
}

// keys returns the relationships' keys, for failure messages.
func keys(rels []cmdb.Relationship) []string {
	out := make([]string, len(rels))
	for i, r := range rels {
		out[i] = r.Key()
	}
	return out
}

// changeRelationships commits a new version of every third CI of g that
// holds relationships: its first relationship removed and one added, to
// a CI it had none to. It returns every relationship stored then.
func changeRelationships(t *testing.T, s cmdb.Store, g graph) []cmdb.Relationship {
	t.Helper()
	ctx := context.Background()
	held := map[string][]cmdb.Relationship{}
	for _, r := range g.rels {
		held[r.Parent] = append(held[r.Parent], r)
	}
	var rels []cmdb.Relationship
	for i, c := range g.cis {
		mine := slices.Clone(held[c.ID])
		if i%3 == 0 && len(mine) > 0 {
			mine = mine[1:]
			for _, k := range g.cis {
				if k.ID != c.ID && !slices.ContainsFunc(mine, func(r cmdb.Relationship) bool { return r.Child == k.ID }) {
					mine = append(mine, cmdb.Relationship{Parent: c.ID, Type: cmdb.TypeRunsOn, Child: k.ID, By: "bob", At: t0.Add(time.Hour)})
					break
				}
			}
			slices.SortFunc(mine, compareRels)
			x := lifecycletest.MustGet(t, s, c.ID)
			x.Version++
			x.Relationships = mine
			if err := s.Commit(ctx, lifecycle.Write[*cmdb.CI]{Record: x, Expected: x.Version - 1,
				History: []lifecycle.Record{{Seq: 2, Time: t0.Add(time.Hour), Actor: "bob", Event: "relate", From: string(x.Status), To: string(x.Status)}}}); err != nil {
				lifecycletest.Fatal(t, clauseCommitCI, "update of %s's relationships: %v", c.ID, err)
			}
		}
		rels = append(rels, mine...)
	}
	slices.SortFunc(rels, compareRels)
	return rels
}

// byID maps cis by ID.
func byID(cis []*cmdb.CI) map[string]*cmdb.CI {
	m := make(map[string]*cmdb.CI, len(cis))
	for _, c := range cis {
		m[c.ID] = c
	}
	return m
}

// sortedKeys returns m's keys, sorted.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
