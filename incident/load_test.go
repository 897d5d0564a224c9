package incident_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// loadSize is how many incidents the load test holds: 1,000,000 when
// ITSM_LOAD is set (.ci/run sets it), and 20,000 otherwise, under the race
// detector and with -short, so that the package's default tests take
// seconds (set ITSM_LOAD_INCIDENTS to choose).
func loadSize() int {
	if s := os.Getenv("ITSM_LOAD_INCIDENTS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	if raceEnabled || testing.Short() || os.Getenv("ITSM_LOAD") == "" {
		return 20_000
	}
	return 1_000_000
}

const loadWorkers = 8

// populate opens n incidents with loadWorkers goroutines and returns their
// IDs.
func populate(tb testing.TB, svc *incident.Service, n int) []string {
	tb.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, loadWorkers)
	for w := range loadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := lifecycle.Actor{ID: "agent" + strconv.Itoa(w)}
			for i := w; i < n; i += loadWorkers {
				inc, err := svc.Open(context.Background(), a, incident.Open{
					Title:   "Load incident",
					Service: "svc" + strconv.Itoa(i%50),
					Impact:  lifecycle.Impact(1 + i%3),
					Urgency: lifecycle.Urgency(1 + (i/3)%3),
				})
				if err != nil {
					errs <- err
					return
				}
				ids[i] = inc.ID
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(tb, err)
	}
	return ids
}

var errFinal = errors.New("final state")

// randomOp applies the next sensible step of an incident's life, chosen by
// its current state, and reports whether a transition was stored.
func randomOp(ctx context.Context, svc *incident.Service, r *rand.Rand, a lifecycle.Actor, id string) (stored bool, err error) {
	inc, err := svc.Get(ctx, id)
	if err != nil {
		return false, err
	}
	var cmd incident.Command
	switch inc.State {
	case incident.StateNew:
		cmd = incident.Assign{ID: id, Version: inc.Version, Group: "desk", Assignee: a.ID}
	case incident.StateInProgress:
		if r.IntN(3) == 0 {
			cmd = incident.Hold{ID: id, Version: inc.Version, Reason: incident.HoldAwaitingVendor}
		} else {
			cmd = incident.Resolve{ID: id, Version: inc.Version, Code: incident.CodeSolutionProvided, Notes: "done"}
		}
	case incident.StateOnHold:
		cmd = incident.Resume{ID: id, Version: inc.Version}
	case incident.StateResolved:
		// Mostly reopen, so that the hot set keeps living.
		if r.IntN(10) == 0 {
			cmd = incident.Close{ID: id, Version: inc.Version}
		} else {
			cmd = incident.Reopen{ID: id, Version: inc.Version, Reason: "not fixed after all"}
		}
	default:
		return false, errFinal // closed is final: nothing to do
	}
	_, err = svc.Do(ctx, a, cmd)
	return err == nil, err
}

// TestLoad holds loadSize() incidents in the in-memory store while 8
// goroutines work on random ones, and reports bytes per incident and
// operations per second. Afterwards every incident's version equals its
// history's length: no update was lost or doubled.
func TestLoad(t *testing.T) {
	n := loadSize()
	store := incidenttest.NewStore()
	svc, err := incident.New(incident.Config{Store: store})
	require.NoError(t, err)

	before := heapAfterGC()
	start := time.Now()
	ids := populate(t, svc, n)
	openTime := time.Since(start)
	perIncident := float64(heapAfterGC()-before) / float64(n)
	require.Equal(t, n, store.Len())

	ops := n / 2
	var stored, conflicts, final, other atomic.Int64
	var wg sync.WaitGroup
	start = time.Now()
	for w := range loadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 42))
			a := lifecycle.Actor{ID: "agent" + strconv.Itoa(w)}
			for i := range ops / loadWorkers {
				// Half of the operations go to a hot set of 64 incidents,
				// so writers really collide; the set moves on every 200
				// operations, before its incidents are all closed.
				var id string
				if r.IntN(2) == 0 {
					id = ids[((i/200)*64+r.IntN(64))%n]
				} else {
					id = ids[r.IntN(n)]
				}
				ok, err := randomOp(context.Background(), svc, r, a, id)
				switch {
				case ok:
					stored.Add(1)
				case errors.Is(err, lifecycle.ErrConflict):
					conflicts.Add(1)
				case errors.Is(err, errFinal):
					final.Add(1)
				default:
					other.Add(1)
					t.Errorf("unexpected error on %s: %v", id, err)
				}
			}
		}()
	}
	wg.Wait()
	opTime := time.Since(start)
	t.Logf("%d incidents: opened in %v (%.0f opens/s), %.0f bytes per incident on the heap",
		n, openTime.Round(time.Millisecond), float64(n)/openTime.Seconds(), perIncident)
	t.Logf("%d operations by %d goroutines in %v: %.0f ops/s (%d stored, %d conflicts, %d on closed incidents)",
		ops, loadWorkers, opTime.Round(time.Millisecond), float64(ops)/opTime.Seconds(), stored.Load(), conflicts.Load(), final.Load())
	assert.Zero(t, other.Load())
	assert.Positive(t, conflicts.Load(), "the hot set should make writers collide")

	// Every stored change is one version and one history record.
	var total int64
	for _, id := range ids {
		inc, err := svc.Export(context.Background(), id)
		require.NoError(t, err)
		require.Equal(t, int64(len(inc.History)), inc.Version, id)
		total += inc.Version - 1
	}
	assert.Equal(t, stored.Load(), total, "every stored operation is exactly one version")
}

// heapAfterGC returns the live heap after a full collection.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkLoad measures operations per second with exactly 8 goroutines
// (on any number of CPUs), each reading a random incident and applying its
// next step, over an in-memory store holding 1,000,000 incidents
// (ITSM_LOAD_INCIDENTS to change; 20,000 under -race or -short). It also
// reports the live heap per stored incident.
func BenchmarkLoad(b *testing.B) {
	n := loadSize()
	svc, err := incident.New(incident.Config{Store: incidenttest.NewStore()})
	require.NoError(b, err)
	before := heapAfterGC()
	ids := populate(b, svc, n)
	perIncident := float64(heapAfterGC()-before) / float64(n)
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range loadWorkers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			a := lifecycle.Actor{ID: "bench"}
			for next.Add(1) <= int64(b.N) {
				_, err := randomOp(context.Background(), svc, r, a, ids[r.IntN(n)])
				if err != nil && !errors.Is(err, lifecycle.ErrConflict) && !errors.Is(err, errFinal) {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(perIncident, "heap-B/incident")
	runtime.KeepAlive(svc)
}
