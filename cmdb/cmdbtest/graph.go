package cmdbtest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/lifecycle"
)

// GraphConfig sizes and seeds a graph of [Graph].
type GraphConfig struct {
	// Scale is the fraction of the full size that every layer has: 1 is
	// 100,000 CIs and 399,984 relationships, 0.01 is 1,000 CIs and 3,984
	// relationships. 0 or less is 1. Each layer keeps at least one CI.
	Scale float64
	// Seed seeds the random choices: the same config gives the same graph.
	Seed uint64
}

// graphTime is the creation time of every CI and relationship of a
// generated graph.
var graphTime = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)

// graphLayer is one layer of a generated graph.
type graphLayer struct {
	prefix, class, group string
	size                 int // at full scale
}

// The layers of a generated graph, bottom first: the order of [Graph]'s
// CIs.
var graphLayers = []graphLayer{
	{"NET", cmdb.ClassNetworkDevice, "network", 5_000},
	{"HOST", cmdb.ClassServer, "hosting", 45_000},
	{"VM", cmdb.ClassVM, "hosting", 34_000},
	{"DB", cmdb.ClassDatabase, "dba", 10_000},
	{"APP", cmdb.ClassApplication, "apps", 5_000},
	{"BS", cmdb.ClassBusinessService, "service-owners", 1_000},
}

// graphEdge is one kind of relationship of a generated graph: every CI
// of layer parent holds out relationships of type typ to distinct CIs of
// layer child, drawn at random (within one layer, to CIs before it).
type graphEdge struct {
	parent, child int // indexes in graphLayers
	typ           string
	out           int
}

// The relationships of a generated graph, 400,000 at full scale but for
// the 16 that the first CIs of a layer, with fewer CIs before them, cannot
// hold.
var graphEdges = []graphEdge{
	{0, 0, cmdb.TypeConnectsTo, 2}, //  10,000: network links
	{1, 0, cmdb.TypeDependsOn, 1},  //  45,000: each host on a network device
	{2, 1, cmdb.TypeRunsOn, 6},     // 204,000: each VM on six hosts of its cluster
	{3, 2, cmdb.TypeRunsOn, 6},     //  60,000: each database on six VMs
	{4, 3, cmdb.TypeDependsOn, 4},  //  20,000: each application on four databases
	{4, 2, cmdb.TypeRunsOn, 4},     //  20,000: each application on four VMs
	{4, 4, cmdb.TypeDependsOn, 4},  //  20,000: each application on four others
	{5, 4, cmdb.TypeDependsOn, 19}, //  19,000: each business service on 19 applications
	{5, 5, cmdb.TypeDependsOn, 2},  //   2,000: each business service on two others
}

// Graph returns a generated configuration: CIs in layers and the
// relationships between them, the same for the same config. At full
// scale it has 100,000 CIs and 399,984 relationships, for benchmarks of
// impact analysis at the size of a large organisation's CMDB; tests use
// a small [GraphConfig].Scale.
//
// The layers, bottom first, with their classes and ID prefixes:
//
//	NET-   5,000 network devices (network_device)
//	HOST- 45,000 hosts (server)
//	VM-   34,000 virtual machines (vm)
//	DB-   10,000 databases (database)
//	APP-   5,000 applications (application)
//	BS-    1,000 business services (business_service)
//
// IDs are the prefix and a six-digit number from 000001, so that ID order
// is generation order within a layer. Every CI is operational, with a
// criticality drawn at random (a quarter each) and the layer's support
// group.
//
// The relationships, each from every CI of the parent layer to distinct
// CIs drawn at random (within a layer, the first CIs hold fewer: 16 in
// all at full scale):
//
//	network device connects_to 2 network devices     10,000
//	host           depends_on  1 network device      45,000
//	VM             runs_on     6 hosts (its cluster) 204,000
//	database       runs_on     6 VMs                 60,000
//	application    depends_on  4 databases           20,000
//	application    runs_on     4 VMs                 20,000
//	application    depends_on  4 applications        20,000
//	business svc   depends_on 19 applications        19,000
//	business svc   depends_on  2 business services    2,000
//
// A relationship within a layer goes to a CI generated before its parent,
// so that every relationship's child comes before its parent in the CIs
// returned (a loader that checks the child exists can store them in
// order), and depends_on is acyclic; connects_to, walked both ways, makes
// the cycles.
//
// Impact flows up (depends_on, runs_on; connects_to both ways), so the
// fan-out of a failing host is, on average, the number of parents per
// CI of each layer: 4.5 VMs per host (204,000 runs_on over 45,000
// hosts), then per VM 1.8 databases and 0.6 applications (60,000 and
// 20,000 over 34,000), per database 2 applications, and per application
// 4 applications and 3.8 business services (20,000 and 19,000 over
// 5,000). The walk narrows at depth 2 and widens from depth 3 on, and as
// the layers above a host are small, CIs reached by several paths count
// once: a host's impact within 5 levels reaches about 1,000 CIs, half of
// them business services (TestGraphReach in this package measures it at
// full size when ITSM_LOAD is set: 1,026 on average over the 100 hosts
// of [PickHosts]).
//
// rels holds every relationship once, sorted by parent, type and child;
// the CIs' own Relationships are empty, and [Writes] puts each on its
// parent.
func Graph(cfg GraphConfig) (cis []*cmdb.CI, rels []cmdb.Relationship) {
	scale := cfg.Scale
	if scale <= 0 {
		scale = 1
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x636d6462)) // "cmdb"
	crits := cmdb.Criticalities()
	layers := make([][]string, len(graphLayers))
	for i, l := range graphLayers {
		n := max(1, int(math.Round(float64(l.size)*scale)))
		for k := range n {
			id := fmt.Sprintf("%s-%06d", l.prefix, k+1)
			layers[i] = append(layers[i], id)
			cis = append(cis, &cmdb.CI{
				ID: id, Version: 1, Class: l.class, Name: fmt.Sprintf("%s %d", l.class, k+1),
				Status: cmdb.StatusOperational, Criticality: crits[rng.IntN(len(crits))], Group: l.group,
				CreatedAt: graphTime, UpdatedAt: graphTime,
			})
		}
	}
	for _, e := range graphEdges {
		for k, parent := range layers[e.parent] {
			pool := len(layers[e.child])
			if e.parent == e.child {
				pool = k // only the CIs before the parent
			}
			for _, j := range distinct(rng, pool, e.out) {
				rels = append(rels, cmdb.Relationship{Parent: parent, Type: e.typ, Child: layers[e.child][j], By: "loader", At: graphTime})
			}
		}
	}
	slices.SortFunc(rels, compareRels)
	return cis, rels
}

// distinct returns min(k, n) distinct numbers in [0, n), drawn at random.
func distinct(rng *rand.Rand, n, k int) []int {
	if k >= n {
		return rng.Perm(n)
	}
	out := make([]int, 0, k)
	for len(out) < k {
		if j := rng.IntN(n); !slices.Contains(out, j) {
			out = append(out, j)
		}
	}
	return out
}

// compareRels orders relationships by parent, type and child.
func compareRels(a, b cmdb.Relationship) int {
	return cmp.Or(cmp.Compare(a.Parent, b.Parent), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Child, b.Child))
}

// Writes returns the writes that store cis with rels, in the order of
// cis: one per CI, creating it at version 1 with the relationships whose
// parent it is (sorted by type and child) and one "create" history
// record, as [cmdb.Service.Create] records it. A relationship whose
// parent is not among cis is left out. The writes share no memory with
// cis and rels.
func Writes(cis []*cmdb.CI, rels []cmdb.Relationship) []lifecycle.Write[*cmdb.CI] {
	held := map[string][]cmdb.Relationship{}
	for _, r := range rels {
		held[r.Parent] = append(held[r.Parent], r)
	}
	out := make([]lifecycle.Write[*cmdb.CI], 0, len(cis))
	for _, c := range cis {
		x := c.Clone()
		x.Version, x.History = 1, nil
		x.Relationships = slices.Clone(held[c.ID])
		slices.SortFunc(x.Relationships, compareRels)
		out = append(out, lifecycle.Write[*cmdb.CI]{Record: x, History: []lifecycle.Record{{
			Seq: 1, Time: x.CreatedAt, Actor: "loader", Event: "create", To: string(x.Status),
			Changes: []lifecycle.FieldChange{
				{Field: "class", New: x.Class}, {Field: "name", New: x.Name}, {Field: lifecycle.FieldState, New: string(x.Status)},
			},
		}}})
	}
	return out
}

// Load stores cis with rels through store's Commit, one write of
// [Writes] at a time, in the order of cis (for a [Graph], every child
// before its parents), bypassing the Service: no rule runs, no event is
// sent. It stops at the first error, returning it with the CI's ID.
func Load(ctx context.Context, store lifecycle.Committer[*cmdb.CI], cis []*cmdb.CI, rels []cmdb.Relationship) error {
	for _, w := range Writes(cis, rels) {
		if err := store.Commit(ctx, w); err != nil {
			return fmt.Errorf("load %s: %w", w.Record.ID, err)
		}
	}
	return nil
}

// PickHosts returns n distinct hosts (CIs of class server) of cis, drawn
// with a fixed seed, in the order drawn: the same sources for every
// benchmark of the same graph. It returns every host when cis has n or
// fewer.
func PickHosts(cis []*cmdb.CI, n int) []string {
	var hosts []string
	for _, c := range cis {
		if c.Class == cmdb.ClassServer {
			hosts = append(hosts, c.ID)
		}
	}
	rng := rand.New(rand.NewPCG(1, 0x686f737473)) // "hosts"
	var out []string
	for _, j := range distinct(rng, len(hosts), n) {
		out = append(out, hosts[j])
	}
	return out
}
