package cmdbtest_test

import (
	"context"
	"fmt"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
)

// A generated configuration, a hundredth of the full size, loaded into
// an in-memory store, and the impact of a failing host on it.
func ExampleGraph() {
	ctx := context.Background()
	cis, rels := cmdbtest.Graph(cmdbtest.GraphConfig{Scale: 0.01, Seed: 1})
	store := cmdbtest.NewStore()
	if err := cmdbtest.Load(ctx, store, cis, rels); err != nil {
		panic(err)
	}
	svc, err := cmdb.New(cmdb.Config{Store: store})
	if err != nil {
		panic(err)
	}
	host := cmdbtest.PickHosts(cis, 1)[0]
	im, err := svc.Impact(ctx, cmdb.ImpactQuery{From: []string{host}, Depth: 5})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(cis), "CIs,", len(rels), "relationships")
	fmt.Println(host, "affects", len(im.CIs), "CIs within 5 levels")
	// Output:
	// 1000 CIs, 3984 relationships
	// HOST-000242 affects 63 CIs within 5 levels
}
