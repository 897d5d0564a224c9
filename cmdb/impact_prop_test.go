package cmdb_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
	"github.com/itsmkit/itsm/lifecycle"
)

// The property test's own relationship types, one per flow, beside the
// built-in ones.
var propTypes = []cmdb.RelType{
	{Name: "feeds", Reverse: "fed_by", Flow: cmdb.FlowDown},
	{Name: "backs_up", Reverse: "backed_up_by", Flow: cmdb.FlowUp},
	{Name: "mirrors", Reverse: "mirrors", Flow: cmdb.FlowBoth},
}

// propClasses are the default classes and a subclass of business
// service, which impact analysis reports as a business service too.
func propClasses(t *testing.T) *cmdb.Classes {
	var cs []cmdb.Class
	def := cmdb.DefaultClasses()
	for _, n := range def.Names() {
		c := cmdb.Class{Name: n}
		if n != cmdb.ClassHardware && def.Is(n, cmdb.ClassHardware) {
			c.Parent = cmdb.ClassHardware
		}
		cs = append(cs, c)
	}
	classes, err := cmdb.NewClasses(append(cs, cmdb.Class{Name: "platform_service", Parent: cmdb.ClassBusinessService})...)
	if err != nil {
		t.Fatal(err)
	}
	return classes
}

// TestImpactMatchesBruteForce checks Service.Impact and
// Service.Dependencies on random small graphs (cycles, every flow,
// several sources, now and then an unknown one) against their
// documented meaning, computed by brute force: every simple path from a
// source along the flow (against it for Dependencies), up to the depth
// limit. Each affected CI is listed once, at the length of its shortest
// paths; its Via are the CIs before it on those paths; its Path is the
// one of them whose CI before it has the smallest ID, and so on back to
// the source; its Highest is the highest criticality of the CIs on all
// of them; the business services (of the service class or a subclass)
// are those among the CIs; both lists are by depth then ID.
func TestImpactMatchesBruteForce(t *testing.T) {
	classes := propClasses(t)
	rapid.Check(t, func(rt *rapid.T) {
		// IDs drawn so that their order is not the order of creation.
		n := rapid.IntRange(1, 8).Draw(rt, "cis")
		idSet := rapid.SliceOfNDistinct(rapid.StringMatching(`[A-F][0-9]`), n, n, rapid.ID).Draw(rt, "ids")
		classNames := classes.Names()
		crits := append([]cmdb.Criticality{""}, cmdb.Criticalities()...)
		var cis []*cmdb.CI
		for _, id := range idSet {
			cis = append(cis, &cmdb.CI{
				ID: id, Version: 1, Name: "ci " + id,
				Class:       rapid.SampledFrom(classNames).Draw(rt, "class"),
				Status:      rapid.SampledFrom(cmdb.Statuses()).Draw(rt, "status"),
				Criticality: rapid.SampledFrom(crits).Draw(rt, "criticality"),
			})
		}
		var typeNames []string
		flow := map[string]cmdb.Flow{}
		for _, typ := range append(cmdb.BuiltinTypes(), propTypes...) {
			typeNames = append(typeNames, typ.Name)
			flow[typ.Name] = typ.Flow
		}
		var rels []cmdb.Relationship
		seen := map[string]bool{}
		for range rapid.IntRange(0, 3*n).Draw(rt, "relationships") {
			r := cmdb.Relationship{
				Parent: rapid.SampledFrom(idSet).Draw(rt, "parent"),
				Type:   rapid.SampledFrom(typeNames).Draw(rt, "type"),
				Child:  rapid.SampledFrom(idSet).Draw(rt, "child"),
			}
			if r.Parent != r.Child && !seen[r.Key()] {
				seen[r.Key()] = true
				rels = append(rels, r)
			}
		}
		store := cmdbtest.NewStore()
		if err := cmdbtest.Load(ctx, store, cis, rels); err != nil {
			rt.Fatal(err)
		}
		svc, err := cmdb.New(cmdb.Config{Store: store, Classes: classes, Types: propTypes})
		if err != nil {
			rt.Fatal(err)
		}
		from := rapid.SliceOfN(rapid.SampledFrom(append(slices.Clone(idSet), "NOPE")), 1, 3).Draw(rt, "from")
		depth := rapid.IntRange(0, 6).Draw(rt, "depth")
		reverse := rapid.Bool().Draw(rt, "reverse")
		q := cmdb.ImpactQuery{From: from, Depth: depth}
		analyse := svc.Impact
		if reverse {
			analyse = svc.Dependencies
		}
		got, err := analyse(ctx, q)
		if slices.Contains(from, "NOPE") {
			if !errors.Is(err, lifecycle.ErrNotFound) {
				rt.Fatalf("an unknown source gives %v, %v; want ErrNotFound", got, err)
			}
			return
		}
		if err != nil {
			rt.Fatal(err)
		}
		if depth == 0 {
			depth = cmdb.DefaultDepth
		}
		want := bruteImpact(cis, rels, flow, from, depth, reverse, func(class string) bool { return classes.Is(class, cmdb.ClassBusinessService) })
		if d := diffImpact(got, want); d != "" {
			rt.Fatalf("%s\nrelationships: %v\nfrom %v, depth %d, reverse %v", d, relKeys(rels), from, depth, reverse)
		}
	})
}

// bruteImpact is the documented impact analysis, by brute force: every
// simple path from a source, one step along the flow at a time
// (against it with reverse), of at most depth steps.
func bruteImpact(cis []*cmdb.CI, rels []cmdb.Relationship, flow map[string]cmdb.Flow, from []string, depth int, reverse bool, isService func(class string) bool) *cmdb.Impact {
	ci := map[string]*cmdb.CI{}
	for _, c := range cis {
		ci[c.ID] = c
	}
	// affects reports whether a failure of a affects b in one step.
	affects := func(a, b string) bool {
		if reverse {
			a, b = b, a
		}
		for _, r := range rels {
			f := flow[r.Type]
			if (f == cmdb.FlowUp || f == cmdb.FlowBoth) && r.Child == a && r.Parent == b ||
				(f == cmdb.FlowDown || f == cmdb.FlowBoth) && r.Parent == a && r.Child == b {
				return true
			}
		}
		return false
	}
	paths := map[string][][]string{} // every simple path to a CI, by its end
	var extend func(path []string)
	extend = func(path []string) {
		end := path[len(path)-1]
		paths[end] = append(paths[end], path)
		if len(path) > depth {
			return
		}
		for _, c := range cis {
			if !slices.Contains(path, c.ID) && affects(end, c.ID) {
				extend(append(slices.Clone(path), c.ID))
			}
		}
	}
	for _, s := range from {
		if !slices.ContainsFunc(paths[s], func(p []string) bool { return len(p) == 1 }) {
			extend([]string{s})
		}
	}
	out := &cmdb.Impact{CIs: []cmdb.Affected{}}
	for id, ps := range paths {
		shortest := len(slices.MinFunc(ps, func(a, b []string) int { return len(a) - len(b) }))
		if shortest == 1 {
			continue // a source
		}
		ps = slices.DeleteFunc(slices.Clone(ps), func(p []string) bool { return len(p) > shortest })
		c := ci[id]
		a := cmdb.Affected{Reach: cmdb.Reach{ID: id, Name: c.Name, Class: c.Class, Status: c.Status, Criticality: c.Criticality, Depth: shortest - 1}}
		for _, p := range ps {
			if before := p[len(p)-2]; !slices.Contains(a.Via, before) {
				a.Via = append(a.Via, before)
			}
			for _, x := range p {
				if ci[x].Criticality.Rank() > a.Highest.Rank() {
					a.Highest = ci[x].Criticality
				}
			}
		}
		slices.Sort(a.Via)
		// The CI before it smallest, then the one before that, ...: the
		// paths compared from their end.
		a.Path = slices.MinFunc(ps, func(p, q []string) int {
			for i := len(p) - 1; i >= 0; i-- {
				if c := strings.Compare(p[i], q[i]); c != 0 {
					return c
				}
			}
			return 0
		})
		out.CIs = append(out.CIs, a)
	}
	slices.SortFunc(out.CIs, func(a, b cmdb.Affected) int {
		if a.Depth != b.Depth {
			return a.Depth - b.Depth
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, a := range out.CIs {
		if isService(a.Class) {
			out.Services = append(out.Services, a)
		}
	}
	return out
}

// diffImpact describes the first difference of got from want.
func diffImpact(got, want *cmdb.Impact) string {
	show := func(as []cmdb.Affected) string {
		var b strings.Builder
		for _, a := range as {
			fmt.Fprintf(&b, "\n  %s depth %d via %v path %v highest %q", a.ID, a.Depth, a.Via, a.Path, a.Highest)
		}
		return b.String()
	}
	same := func(a, b []cmdb.Affected) bool {
		return slices.EqualFunc(a, b, func(x, y cmdb.Affected) bool {
			return x.ID == y.ID && x.Name == y.Name && x.Class == y.Class && x.Status == y.Status && x.Criticality == y.Criticality &&
				x.Depth == y.Depth && slices.Equal(x.Via, y.Via) && slices.Equal(x.Path, y.Path) && x.Highest == y.Highest
		})
	}
	switch {
	case !same(got.CIs, want.CIs):
		return "CIs:" + show(got.CIs) + "\nwant:" + show(want.CIs)
	case !same(got.Services, want.Services):
		return "Services:" + show(got.Services) + "\nwant:" + show(want.Services)
	}
	return ""
}

// relKeys returns the relationships' keys.
func relKeys(rels []cmdb.Relationship) []string {
	var out []string
	for _, r := range rels {
		out = append(out, r.Key())
	}
	return out
}
