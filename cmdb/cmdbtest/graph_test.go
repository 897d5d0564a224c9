package cmdbtest_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestGraphShape checks a small generated graph: the sizes, each
// relationship once, none relating a CI to itself, every child before
// its parent, the same graph for the same config, and Load storing it.
func TestGraphShape(t *testing.T) {
	cfg := cmdbtest.GraphConfig{Scale: 0.01, Seed: 7}
	cis, rels := cmdbtest.Graph(cfg)
	if len(cis) != 1_000 {
		t.Fatalf("%d CIs at scale 0.01, want 1,000", len(cis))
	}
	if len(rels) != 3_984 {
		t.Fatalf("%d relationships at scale 0.01, want 3,984", len(rels))
	}
	at := map[string]int{}
	for i, c := range cis {
		if _, dup := at[c.ID]; dup {
			t.Fatalf("CI %s twice", c.ID)
		}
		at[c.ID] = i
	}
	seen := map[string]bool{}
	for _, r := range rels {
		switch {
		case seen[r.Key()]:
			t.Fatalf("relationship %s twice", r.Key())
		case r.Parent == r.Child:
			t.Fatalf("relationship %s relates a CI to itself", r.Key())
		}
		seen[r.Key()] = true
		p, okp := at[r.Parent]
		c, okc := at[r.Child]
		if !okp || !okc || c >= p {
			t.Fatalf("relationship %s: parent at %d (%v), child at %d (%v)", r.Key(), p, okp, c, okc)
		}
	}
	again, rels2 := cmdbtest.Graph(cfg)
	if !lifecycletest.Equal(cis, again) || !slices.Equal(rels, rels2) {
		t.Fatal("the same config gave another graph")
	}
	s := cmdbtest.NewStore()
	if err := cmdbtest.Load(context.Background(), s, cis, rels); err != nil {
		t.Fatal(err)
	}
	got, err := s.Related(context.Background(), []string{cis[len(cis)-1].ID})
	if err != nil || len(got) == 0 {
		t.Fatalf("Related of a loaded business service: %v, %v", got, err)
	}
}

// TestGraphReach measures how many CIs a host's impact reaches within 5
// levels, on average over 100 hosts: about 1,000 at full size
// (ITSM_LOAD set), as the Graph's documentation says.
func TestGraphReach(t *testing.T) {
	if os.Getenv("ITSM_LOAD") == "" {
		t.Skip("full size only with ITSM_LOAD set")
	}
	ctx := context.Background()
	cis, rels := cmdbtest.Graph(cmdbtest.GraphConfig{})
	s := cmdbtest.NewStore()
	if err := cmdbtest.Load(ctx, s, cis, rels); err != nil {
		t.Fatal(err)
	}
	svc, err := cmdb.New(cmdb.Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	total, services := 0, 0
	hosts := cmdbtest.PickHosts(cis, 100)
	for _, h := range hosts {
		im, err := svc.Impact(ctx, cmdb.ImpactQuery{From: []string{h}, Depth: 5})
		if err != nil {
			t.Fatal(err)
		}
		total += len(im.CIs)
		services += len(im.Services)
	}
	mean := total / len(hosts)
	t.Logf("a host's impact within 5 levels: %d CIs, %d business services on average", mean, services/len(hosts))
	if mean < 700 || mean > 1_400 {
		t.Errorf("a host's impact reaches %d CIs on average, want about 1,000", mean)
	}
}
