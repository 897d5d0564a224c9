package cmdbtest

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// typeBacksUp is a host-defined relationship type of the suite's graphs:
// no walk of the Service's knows it, so the suite's walks choose freely
// whether to step along it.
const typeBacksUp = "backs_up"

// graph is a configuration the suite stores and walks.
type graph struct {
	name  string
	cis   []*cmdb.CI
	rels  []cmdb.Relationship
	walks []cmdb.Walk
}

// add adds CI id of class to g.
func (g *graph) add(class string, ids ...string) {
	for _, id := range ids {
		g.cis = append(g.cis, node(id, class, len(g.cis)))
	}
}

// relate adds "[parent] typ [child]" to g.
func (g *graph) relate(parent, typ, child string) {
	g.rels = append(g.rels, cmdb.Relationship{Parent: parent, Type: typ, Child: child, By: "ann", At: t0})
}

// walk adds a walk of g: from, depth, then the types stepped up and down.
func (g *graph) walk(from []string, depth int, up, down []string) {
	g.walks = append(g.walks, cmdb.Walk{From: from, Up: up, Down: down, Depth: depth})
}

// Type sets of the suite's walks.
var (
	dependsOn = []string{cmdb.TypeDependsOn}
	flowUp    = []string{cmdb.TypeDependsOn, cmdb.TypeRunsOn, cmdb.TypeConnectsTo}
	flowDown  = []string{cmdb.TypeContains, cmdb.TypeConnectsTo}
	allTypes  = []string{cmdb.TypeDependsOn, cmdb.TypeRunsOn, cmdb.TypeContains, cmdb.TypeConnectsTo, typeBacksUp}
)

// walkGraphs returns the graphs of the Walk subtests, each with its
// walks.
func walkGraphs() []graph {
	gs := []graph{cycleGraph(), diamondGraph(), chainGraph(), fanOutGraph(), mixedGraph(), sourcesGraph()}
	for seed := range uint64(20) {
		gs = append(gs, randomGraph(seed, 6+int(seed)*2))
	}
	return gs
}

// cycleGraph: a ring of six, a cycle of two of mixed types, and a link
// between them.
func cycleGraph() graph {
	g := graph{name: "Cycles"}
	g.add(cmdb.ClassApplication, "C1", "C2", "C3", "C4", "C5", "C6")
	g.add(cmdb.ClassServer, "X", "Y")
	for i := 1; i <= 6; i++ {
		g.relate(fmt.Sprintf("C%d", i), cmdb.TypeDependsOn, fmt.Sprintf("C%d", i%6+1))
	}
	g.relate("X", cmdb.TypeRunsOn, "Y")
	g.relate("Y", cmdb.TypeDependsOn, "X")
	g.relate("C3", cmdb.TypeConnectsTo, "X")
	g.walk([]string{"C1"}, 10, dependsOn, nil)
	g.walk([]string{"C1"}, 10, nil, dependsOn)
	g.walk([]string{"C1"}, 3, dependsOn, dependsOn)
	g.walk([]string{"C4"}, 2, dependsOn, dependsOn)
	g.walk([]string{"X"}, 10, flowUp, flowDown)
	g.walk([]string{"Y"}, 10, []string{cmdb.TypeRunsOn}, []string{cmdb.TypeRunsOn})
	g.walk([]string{"C1", "C4"}, 10, flowUp, flowDown)
	g.walk([]string{"C2", "X"}, 1, allTypes, allTypes)
	return g
}

// diamondGraph: paths of equal and unequal lengths meeting again, so
// that a CI has several CIs on its shortest paths' last steps, and one
// that a depth-first walk would reach first by a longer path.
func diamondGraph() graph {
	g := graph{name: "Diamonds"}
	g.add(cmdb.ClassServer, "S")
	g.add(cmdb.ClassVM, "A", "Z", "K")
	g.add(cmdb.ClassApplication, "B", "M", "N", "T")
	for _, r := range [][2]string{{"A", "S"}, {"Z", "S"}, {"B", "A"}, {"T", "B"}, {"T", "Z"}, {"M", "A"}, {"M", "Z"}, {"N", "M"}, {"N", "B"}, {"K", "A"}} {
		g.relate(r[0], cmdb.TypeDependsOn, r[1])
	}
	g.relate("K", cmdb.TypeRunsOn, "S")
	for _, d := range []int{1, 2, 3, 5} {
		g.walk([]string{"S"}, d, dependsOn, nil)
	}
	g.walk([]string{"S"}, 5, flowUp, nil)
	g.walk([]string{"S", "A"}, 5, dependsOn, nil)
	g.walk([]string{"T"}, 5, nil, dependsOn)
	g.walk([]string{"N"}, 5, nil, flowUp)
	g.walk([]string{"B"}, 5, dependsOn, dependsOn)
	return g
}

// chainGraph: a chain of 200, every tenth link runs_on, the others
// depends_on, walked to depth limits below, at and past its length.
func chainGraph() graph {
	g := graph{name: "LongChain"}
	id := func(i int) string { return fmt.Sprintf("L%03d", i) }
	for i := 1; i <= 200; i++ {
		g.add(cmdb.ClassApplication, id(i))
	}
	for i := 1; i < 200; i++ {
		typ := cmdb.TypeDependsOn
		if i%10 == 0 {
			typ = cmdb.TypeRunsOn
		}
		g.relate(id(i+1), typ, id(i))
	}
	both := []string{cmdb.TypeDependsOn, cmdb.TypeRunsOn}
	for _, d := range []int{1, 2, 50, 198, 199, 200, 250} {
		g.walk([]string{id(1)}, d, both, nil)
	}
	g.walk([]string{id(1)}, 50, dependsOn, nil)
	g.walk([]string{id(100)}, 300, nil, both)
	g.walk([]string{id(100)}, 300, both, both)
	g.walk([]string{id(200)}, 5, both, nil)
	g.walk([]string{id(1)}, 5, nil, both)
	g.walk([]string{id(1), id(150)}, 60, both, nil)
	return g
}

// fanOutGraph: a hub 300 CIs depend on, each depended on by two of 50,
// which are linked in a ring and all depended on by one.
func fanOutGraph() graph {
	g := graph{name: "FanOut"}
	p := func(i int) string { return fmt.Sprintf("P%03d", i) }
	q := func(i int) string { return fmt.Sprintf("Q%02d", i) }
	g.add(cmdb.ClassServer, "H")
	for i := range 300 {
		g.add(cmdb.ClassVM, p(i))
		g.relate(p(i), cmdb.TypeDependsOn, "H")
	}
	for i := range 50 {
		g.add(cmdb.ClassApplication, q(i))
		g.relate(q(i), cmdb.TypeConnectsTo, q((i+1)%50))
	}
	for i := range 300 {
		g.relate(q(i%50), cmdb.TypeDependsOn, p(i))
		g.relate(q((i*7+3)%50), cmdb.TypeDependsOn, p(i))
	}
	g.add(cmdb.ClassBusinessService, "R")
	for i := range 50 {
		g.relate("R", cmdb.TypeDependsOn, q(i))
	}
	g.rels = slices.CompactFunc(sortRels(g.rels), func(a, b cmdb.Relationship) bool { return a.Key() == b.Key() })
	for _, d := range []int{1, 2, 3, 5} {
		g.walk([]string{"H"}, d, dependsOn, nil)
	}
	g.walk([]string{"H"}, 5, flowUp, flowDown)
	g.walk([]string{"R"}, 3, nil, dependsOn)
	g.walk([]string{"R"}, 1, nil, flowUp)
	g.walk([]string{q(7)}, 30, []string{cmdb.TypeConnectsTo}, []string{cmdb.TypeConnectsTo})
	g.walk([]string{q(7)}, 30, []string{cmdb.TypeConnectsTo}, nil)
	g.walk([]string{p(0), p(150), p(299)}, 4, flowUp, flowDown)
	return g
}

// mixedGraph: a small data centre with every built-in type and a
// host-defined one, walked along each type set.
func mixedGraph() graph {
	g := graph{name: "Directions"}
	g.add(cmdb.ClassHardware, "R1", "R2")
	g.add(cmdb.ClassServer, "S1", "S2")
	g.add(cmdb.ClassNetworkDevice, "W1", "W2", "W3")
	g.add(cmdb.ClassVM, "V1", "V2")
	g.add(cmdb.ClassDatabase, "D1")
	g.add(cmdb.ClassApplication, "A1", "A2")
	g.add(cmdb.ClassBusinessService, "B1", "B2")
	for _, r := range [][3]string{
		{"R2", cmdb.TypeContains, "R1"}, {"R1", cmdb.TypeContains, "S1"}, {"R1", cmdb.TypeContains, "S2"},
		{"S1", cmdb.TypeDependsOn, "W1"}, {"S2", cmdb.TypeDependsOn, "W1"},
		{"W1", cmdb.TypeConnectsTo, "W2"}, {"W2", cmdb.TypeConnectsTo, "W3"}, {"W3", cmdb.TypeConnectsTo, "W1"},
		{"V1", cmdb.TypeRunsOn, "S1"}, {"V2", cmdb.TypeRunsOn, "S1"}, {"V2", cmdb.TypeRunsOn, "S2"},
		{"D1", cmdb.TypeRunsOn, "V1"}, {"A1", cmdb.TypeDependsOn, "D1"}, {"A1", cmdb.TypeRunsOn, "V2"},
		{"A2", cmdb.TypeDependsOn, "A1"}, {"B1", cmdb.TypeDependsOn, "A1"}, {"B1", cmdb.TypeDependsOn, "A2"},
		{"B2", cmdb.TypeDependsOn, "B1"}, {"A2", typeBacksUp, "D1"}, {"D1", typeBacksUp, "S2"},
		{"A1", cmdb.TypeDependsOn, "W3"}, {"D1", cmdb.TypeDependsOn, "A1"},
	} {
		g.relate(r[0], r[1], r[2])
	}
	sets := [][]string{nil, dependsOn, flowUp, flowDown, allTypes, {typeBacksUp}, {cmdb.TypeRunsOn, cmdb.TypeContains}}
	for _, from := range [][]string{{"S1"}, {"W2"}, {"D1"}, {"B1"}, {"R2", "A2"}} {
		for i, up := range sets {
			g.walk(from, 6, up, sets[(i*3+1)%len(sets)])
			g.walk(from, 6, nil, up)
		}
		g.walk(from, 2, allTypes, allTypes)
	}
	return g
}

// sourcesGraph: sources that do not exist, repeated, none, every CI.
func sourcesGraph() graph {
	g := diamondGraph()
	g.name = "Sources"
	g.walks = nil
	g.walk([]string{"NOPE"}, 5, dependsOn, dependsOn)
	g.walk(nil, 5, dependsOn, dependsOn)
	g.walk([]string{"NOPE", "S", "NOPE-2", "S"}, 5, dependsOn, nil)
	g.walk([]string{"T", "NOPE", "B", "T"}, 5, nil, dependsOn)
	var all []string
	for _, c := range g.cis {
		all = append(all, c.ID)
	}
	g.walk(all, 3, allTypes, allTypes)
	g.walk([]string{"S"}, 5, []string{"no_such_type"}, []string{"no_such_type"})
	return g
}

// randomGraph returns a seeded graph of n CIs with random relationships
// of three types, and walks of random sources, type sets and depths.
func randomGraph(seed uint64, n int) graph {
	rng := rand.New(rand.NewPCG(seed, 17))
	g := graph{name: fmt.Sprintf("Random%d", seed)}
	id := func(i int) string { return fmt.Sprintf("G%02d", i) }
	classes := []string{cmdb.ClassServer, cmdb.ClassVM, cmdb.ClassApplication, cmdb.ClassBusinessService}
	for i := range n {
		g.add(classes[rng.IntN(len(classes))], id(i))
	}
	types := []string{cmdb.TypeDependsOn, cmdb.TypeRunsOn, cmdb.TypeConnectsTo}
	seen := map[string]bool{}
	for range n * (2 + rng.IntN(3)) {
		p, c := rng.IntN(n), rng.IntN(n)
		r := cmdb.Relationship{Parent: id(p), Type: types[rng.IntN(len(types))], Child: id(c), By: "ann", At: t0}
		if p != c && !seen[r.Key()] {
			seen[r.Key()] = true
			g.rels = append(g.rels, r)
		}
	}
	pick := func() []string {
		var out []string
		for _, t := range types {
			if rng.IntN(2) == 0 {
				out = append(out, t)
			}
		}
		return out
	}
	for range 6 {
		var from []string
		for range 1 + rng.IntN(3) {
			from = append(from, id(rng.IntN(n+2))) // now and then one that does not exist
		}
		g.walk(from, 1+rng.IntN(7), pick(), pick())
	}
	return g
}

// sortRels sorts rels by parent, type and child, and returns them.
func sortRels(rels []cmdb.Relationship) []cmdb.Relationship {
	slices.SortFunc(rels, compareRels)
	return rels
}

// testWalks stores g in s and checks each of its walks.
func testWalks(t *testing.T, s cmdb.Store, g graph) {
	store(t, s, g.cis, g.rels)
	cis := byID(g.cis)
	for _, w := range g.walks {
		checkWalk(t, s, cis, g.rels, w)
	}
}

// testWalkAfterChanges: Walk follows the relationships as they are
// stored after some are removed and others added.
func testWalkAfterChanges(t *testing.T, s cmdb.Store) {
	g := mixedGraph()
	store(t, s, g.cis, g.rels)
	rels := changeRelationships(t, s, g)
	cis := byID(g.cis)
	for _, w := range g.walks {
		checkWalk(t, s, cis, rels, w)
	}
}

// checkWalk fails t, quoting the clause broken, unless s's Walk of w is
// the reference walk over cis and rels.
func checkWalk(t *testing.T, s cmdb.Store, cis map[string]*cmdb.CI, rels []cmdb.Relationship, w cmdb.Walk) {
	t.Helper()
	label := fmt.Sprintf("Walk{From: %v, Up: %v, Down: %v, Depth: %d}", w.From, w.Up, w.Down, w.Depth)
	got, err := s.Walk(context.Background(), w)
	if err != nil {
		lifecycletest.Breach(t, clauseWalkReach, "%s: %v", label, err)
		return
	}
	want := refWalk(cis, rels, w)
	count := map[string]int{}
	for _, r := range got {
		count[r.ID]++
	}
	var twice []string
	for _, id := range sortedKeys(count) {
		if count[id] > 1 {
			twice = append(twice, fmt.Sprintf("%s ×%d", id, count[id]))
		}
	}
	if len(twice) > 0 {
		lifecycletest.Breach(t, clauseWalkOnce, "%s reaches more than once: %s", label, brief(twice))
		return
	}
	gotDepth, wantDepth := map[string]int{}, map[string]int{}
	for _, r := range got {
		gotDepth[r.ID] = r.Depth
	}
	for _, r := range want {
		wantDepth[r.ID] = r.Depth
	}
	var wrong []string
	for _, id := range sortedKeys(wantDepth) {
		if d, ok := gotDepth[id]; !ok {
			wrong = append(wrong, fmt.Sprintf("%s missing (depth %d)", id, wantDepth[id]))
		} else if d != wantDepth[id] {
			wrong = append(wrong, fmt.Sprintf("%s at depth %d, want %d", id, d, wantDepth[id]))
		}
	}
	for _, id := range sortedKeys(gotDepth) {
		if _, ok := wantDepth[id]; !ok {
			wrong = append(wrong, fmt.Sprintf("%s reached (depth %d), want not", id, gotDepth[id]))
		}
	}
	if len(wrong) > 0 {
		lifecycletest.Breach(t, clauseWalkReach, "%s: %s", label, brief(wrong))
		return
	}
	if !slices.IsSortedFunc(got, func(a, b cmdb.Reach) int {
		if a.Depth != b.Depth {
			return a.Depth - b.Depth
		}
		return cmp.Compare(a.ID, b.ID)
	}) {
		lifecycletest.Breach(t, clauseWalkOrder, "%s returns %s", label, brief(reachIDs(got)))
		return
	}
	for i, r := range got {
		x := want[i]
		if r.Name != x.Name || r.Class != x.Class || r.Status != x.Status || r.Criticality != x.Criticality {
			lifecycletest.Breach(t, clauseWalkFields, "%s: %s is %q, %s, %s, %s; stored %q, %s, %s, %s", label, r.ID,
				r.Name, r.Class, r.Status, r.Criticality, x.Name, x.Class, x.Status, x.Criticality)
		}
		if !slices.Equal(r.Via, x.Via) {
			lifecycletest.Breach(t, clauseWalkVia, "%s: %s at depth %d has Via %v, want %v", label, r.ID, r.Depth, r.Via, x.Via)
		}
	}
}

// reachIDs returns the reaches as "ID@depth".
func reachIDs(rs []cmdb.Reach) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s@%d", r.ID, r.Depth)
	}
	return out
}

// brief joins the first ten of items, saying how many more there are.
func brief(items []string) string {
	if len(items) <= 10 {
		return strings.Join(items, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(items[:10], "; "), len(items)-10)
}
