package sqlstore

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/sla"
)

// benchFleet is the size of BenchmarkEvaluateDueReplicas' fleet: 100,000
// due timers when ITSM_LOAD is set (BENCHMARKS.md's runs), 2,000 otherwise
// (CI's quick pass, -benchtime=1x).
func benchFleet() int {
	if os.Getenv("ITSM_LOAD") != "" {
		return 100_000
	}
	return 2_000
}

// benchBatch is how many due timers each replica claims at a time.
const benchBatch = 500

// BenchmarkEvaluateDueReplicas times replicas evaluating one fleet of due
// timers on PostgreSQL, each with its own connection pool and sla.Engine
// over db.Timers(), all calling EvaluateDue at the same instant until the
// fleet is done: one replica, then three sharing the machine with the
// database. It reports the fleet's due timers evaluated per second of
// wall time (timers/s); each iteration seeds the fleet anew, untimed, and
// checks afterwards, untimed, that the outbox holds each event exactly
// once.
func BenchmarkEvaluateDueReplicas(b *testing.B) {
	n := benchFleet()
	for _, replicas := range []int{1, 3} {
		b.Run(fmt.Sprintf("timers=%d/replicas=%d", n, replicas), func(b *testing.B) {
			testdb.SkipWithoutPostgres(b)
			ctx := context.Background()
			dsn := testdb.Schema(b)
			engines := make([]*sla.Engine, replicas)
			var dbs []*DB
			for i := range engines {
				db, err := Open(ctx, dsn)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { db.Close() })
				dbs = append(dbs, db)
				engines[i], err = sla.New(sla.Config{
					Store: db.Timers(), Agreements: []*sla.Agreement{fleetAgreement()},
					Owner: fmt.Sprintf("replica-%d", i), Batch: benchBatch, Lease: time.Minute,
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			var elapsed time.Duration
			b.ResetTimer() // the connections and engines are not timed
			for range b.N {
				b.StopTimer()
				resetFleet(b, dbs[0])
				seedFleet(b, dbs[0], n)
				b.StartTimer()
				start := time.Now()
				var wg sync.WaitGroup
				errs := make([]error, replicas)
				fired := make([]int, replicas)
				for i, e := range engines {
					wg.Go(func() { fired[i], errs[i] = e.EvaluateDue(ctx, fleetAt) })
				}
				wg.Wait()
				elapsed += time.Since(start)
				b.StopTimer()
				total := 0
				for i := range engines {
					if errs[i] != nil {
						b.Fatalf("replica %d: %v", i, errs[i])
					}
					total += fired[i]
				}
				checkFleetOnce(b, dbs[0], n, total)
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "timers/s")
		})
	}
}

// checkFleetOnce fails tb unless the outbox of db holds each event of a
// due fleet of n timers exactly once: fleetEvents(n) IDs, one row each,
// one ID per (timer, cycle, threshold); fired is what EvaluateDue reported
// across replicas.
func checkFleetOnce(tb testing.TB, db *DB, n, fired int) {
	tb.Helper()
	rowsPerID, idsPerDeadline := fleetOutbox(tb, db)
	if len(rowsPerID) != fleetEvents(n) || len(idsPerDeadline) != fleetEvents(n) {
		tb.Fatalf("outbox: %d event IDs over %d deadlines, want %d of each", len(rowsPerID), len(idsPerDeadline), fleetEvents(n))
	}
	for id, c := range rowsPerID {
		if c != 1 {
			tb.Fatalf("event %s: %d outbox rows, want 1", id, c)
		}
	}
	for d, c := range idsPerDeadline {
		if c != 1 {
			tb.Fatalf("deadline %s fired under %d event IDs, want 1", d, c)
		}
	}
	if fired != fleetEvents(n) {
		tb.Fatalf("EvaluateDue reported %d events across replicas, want %d", fired, fleetEvents(n))
	}
}
