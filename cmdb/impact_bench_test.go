package cmdb_test

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
)

// benchScale is the size of the graph BenchmarkImpact walks: the full
// 100,000 CIs and 400,000 relationships of cmdbtest.Graph when ITSM_LOAD
// is set, a twentieth of it otherwise, so that the default run takes
// seconds.
func benchScale() float64 {
	if os.Getenv("ITSM_LOAD") == "" {
		return 0.05
	}
	return 1
}

// BenchmarkImpact measures Service.Impact over the in-memory store
// holding a generated configuration (cmdbtest.Graph), one failing host at
// a time, cycling through the same 100 hosts (cmdbtest.PickHosts): within
// 5 levels, where a host affects about 1,000 CIs at full size, and to the
// default depth. It reports the median and 99th percentile of one
// analysis in milliseconds, and the CIs affected per analysis.
func BenchmarkImpact(b *testing.B) {
	cis, rels := cmdbtest.Graph(cmdbtest.GraphConfig{Scale: benchScale()})
	store := cmdbtest.NewStore()
	if err := cmdbtest.Load(ctx, store, cis, rels); err != nil {
		b.Fatal(err)
	}
	svc, err := cmdb.New(cmdb.Config{Store: store})
	if err != nil {
		b.Fatal(err)
	}
	hosts := cmdbtest.PickHosts(cis, 100)
	for _, depth := range []int{5, cmdb.DefaultDepth} {
		b.Run(fmt.Sprintf("cis=%d/depth=%d", len(cis), depth), func(b *testing.B) {
			b.ReportAllocs()
			var took []time.Duration
			affected := 0
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				im, err := svc.Impact(ctx, cmdb.ImpactQuery{From: []string{hosts[i%len(hosts)]}, Depth: depth})
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				affected += len(im.CIs)
			}
			slices.Sort(took)
			ms := func(q float64) float64 {
				return float64(took[min(len(took)-1, int(q*float64(len(took))))]) / float64(time.Millisecond)
			}
			b.ReportMetric(ms(0.5), "median-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(float64(affected)/float64(len(took)), "cis/op")
		})
	}
}
