package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
)

// replica is one service-desk instance: its own connection pool, incident
// service, SLA engine and outbox relay, all over the shared database.
type replica struct {
	db        *DB
	incidents *incident.Service
	engine    *sla.Engine
	relay     *Relay
}

// deliveries records what the relays of every replica delivered.
//
// Delivery is at least once: a relay whose Fanout(engine, sink) failed
// in the engine (its conflict retries exhausted) has already handed the
// event to the sink, and delivers it again later. So the sink does not
// count deliveries per event; it checks the two things at-least-once
// delivery promises: every event arrives, under its stable ID (byID holds
// the distinct IDs), and no event arrives once it is marked delivered
// (late lists any that did, asked of the outbox as it arrives).
type deliveries struct {
	db *DB // the outbox, to check each arrival against

	mu        sync.Mutex
	byID      map[string]lifecycle.Notification // event ID -> event, once per ID
	arrivals  int                               // deliveries, repeats included
	late      []string                          // events delivered after their mark
	checkErrs []error
}

func (d *deliveries) Notify(ctx context.Context, evs ...lifecycle.Notification) error {
	for _, e := range evs {
		var marked bool
		err := d.db.r.QueryRowContext(ctx, d.db.q(`SELECT delivered_at IS NOT NULL FROM outbox WHERE event_id = ?`), e.ID).Scan(&marked)
		d.mu.Lock()
		d.arrivals++
		d.byID[e.ID] = e.Clone()
		switch {
		case err != nil:
			d.checkErrs = append(d.checkErrs, err)
		case marked:
			d.late = append(d.late, e.ID)
		}
		d.mu.Unlock()
	}
	return nil
}

// TestReplicas runs several replicas against one PostgreSQL database, as a
// horizontally scaled service desk would: they change the same incidents
// at once, relay each other's outbox events to their SLA engines, and
// evaluate the same due timers at once. Afterwards every version of every
// incident had exactly one writer (the history has no gap and no
// duplicate), every queued event was delivered (at least once, never after
// it was marked delivered), and every warning and breach fired exactly
// once: one event each, under one ID.
func TestReplicas(t *testing.T) {
	t.Parallel()
	testdb.SkipWithoutPostgres(t)
	const (
		replicas  = 4
		workers   = 2  // per replica
		ops       = 12 // per worker
		incidents = 6
	)
	ctx := context.Background()
	dsn := testdb.Schema(t)
	clock := lifecycletest.NewClock(t0)
	agreement := &sla.Agreement{
		ID: "resolution", Name: "Resolution in 4h", Type: sla.TypeSLA, Target: sla.TargetResolution,
		Process:   incident.Process,
		Durations: map[int]time.Duration{0: 4 * time.Hour},
		Warnings:  []float64{50},
		Start:     func(s lifecycle.Snapshot) bool { return s.State != string(incident.StateCanceled) },
		Stop: func(s lifecycle.Snapshot) bool {
			return s.State == string(incident.StateResolved) || s.State == string(incident.StateClosed)
		},
	}
	sink := &deliveries{byID: map[string]lifecycle.Notification{}}
	rs := make([]*replica, replicas)
	for i := range rs {
		db, err := Open(ctx, dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		if sink.db == nil {
			sink.db = db
		}
		inc, err := incident.New(incident.Config{Store: db.Incidents(), Clock: clock})
		require.NoError(t, err)
		eng, err := sla.New(sla.Config{
			Store: db.Timers(), Clock: clock, Agreements: []*sla.Agreement{agreement},
			Owner: fmt.Sprintf("replica-%d", i), Batch: 2, Lease: time.Minute,
		})
		require.NoError(t, err)
		relay := db.Relay(lifecycle.Fanout(eng, sink))
		relay.BatchSize = 4
		// Engine conflicts fail deliveries at random here; what this test
		// proves is delivery, so no event may be parked as dead.
		relay.MaxAttempts = -1
		relay.Log = slog.New(slog.DiscardHandler)
		rs[i] = &replica{db: db, incidents: inc, engine: eng, relay: relay}
	}

	// Each replica opens some of the incidents.
	var ids []string
	for i := range incidents {
		x, err := rs[i%replicas].incidents.Open(ctx, agent, incident.Open{Title: fmt.Sprintf("incident %d", i), Impact: 2, Urgency: 2})
		require.NoError(t, err)
		ids = append(ids, x.ID)
	}

	// Workers on every replica change the same incidents at once while the
	// relays deliver (to the SLA engines, which attach and observe timers).
	var stored sync.Map // incident ID -> *atomic.Int64: successful changes
	for _, id := range ids {
		stored.Store(id, new(atomic.Int64))
	}
	var conflicts atomic.Int64
	stopRelays := make(chan struct{})
	var relays sync.WaitGroup
	for _, r := range rs {
		relays.Go(func() {
			for {
				select {
				case <-stopRelays:
					return
				default:
				}
				_, _ = r.relay.RunOnce(ctx) // errors (engine conflicts) leave events pending for the next run
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	var work sync.WaitGroup
	for ri, r := range rs {
		for w := range workers {
			work.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(ri), uint64(w)))
				for n := range ops {
					id := ids[rng.IntN(len(ids))]
					var err error
					switch n % 3 {
					case 0:
						_, err = r.incidents.Comment(ctx, agent, incident.Comment{ID: id, Text: fmt.Sprintf("r%d w%d op %d", ri, w, n)})
					case 1:
						_, err = r.incidents.WorkNote(ctx, agent, incident.WorkNote{ID: id, Text: fmt.Sprintf("r%d w%d op %d", ri, w, n)})
					default:
						_, err = r.incidents.Assign(ctx, agent, incident.Assign{ID: id, Group: fmt.Sprintf("group-%d-%d-%d", ri, w, n)})
					}
					switch {
					case err == nil:
						c, _ := stored.Load(id)
						c.(*atomic.Int64).Add(1)
					case errors.Is(err, lifecycle.ErrConflict):
						conflicts.Add(1)
					default:
						t.Errorf("replica %d worker %d: %v", ri, w, err)
					}
				}
			})
		}
	}
	work.Wait()

	// Time passes beyond the warning and the breach; every replica
	// evaluates the due timers at once, several times.
	drain(t, rs)
	clock.Advance(5 * time.Hour)
	var fired atomic.Int64
	var eval sync.WaitGroup
	for _, r := range rs {
		eval.Go(func() {
			for range 3 {
				n, err := r.engine.EvaluateDue(ctx, clock.Now())
				assert.NoError(t, err)
				fired.Add(int64(n))
			}
		})
	}
	eval.Wait()
	close(stopRelays)
	relays.Wait()
	drain(t, rs)

	t.Logf("%d conflicts among %d replicas × %d workers × %d changes", conflicts.Load(), replicas, workers, ops)

	// Every version had one writer: versions count the successful changes
	// and the history runs 1..Version without a gap or a repeat.
	db := rs[0].db
	for _, id := range ids {
		x, err := db.Incidents().Get(ctx, id)
		require.NoError(t, err)
		c, _ := stored.Load(id)
		assert.Equal(t, 1+c.(*atomic.Int64).Load(), x.Version, "%s: one version per successful change", id)
		history, err := lifecycle.ReadAll(ctx, id, db.Incidents().History)
		require.NoError(t, err)
		require.Len(t, history, int(x.Version), id)
		for i, rec := range history {
			assert.Equal(t, i+1, rec.Seq, "%s: history sequence", id)
		}
	}

	// Every queued event was delivered and marked, and none after its
	// mark.
	queued, delivered := outboxIDs(t, db)
	sink.mu.Lock()
	defer sink.mu.Unlock()
	require.Empty(t, sink.checkErrs)
	for _, id := range queued {
		assert.True(t, delivered[id], "event %s is marked delivered", id)
		assert.Contains(t, sink.byID, id, "event %s was delivered", id)
	}
	assert.Len(t, sink.byID, len(queued), "nothing was delivered that was not queued")
	assert.Empty(t, sink.late, "events delivered again after they were marked delivered")
	t.Logf("%d events, %d deliveries (redeliveries after a failed Notify)", len(queued), sink.arrivals)

	// Each incident has one timer, it saw the incident's last version, and
	// its warning and breach fired exactly once: one event each (a warning
	// or breach fired twice would be stored twice, under two IDs).
	perTimer := map[string]map[string]int{}
	for _, e := range sink.byID {
		if e.Process == sla.Process {
			if perTimer[e.Subject] == nil {
				perTimer[e.Subject] = map[string]int{}
			}
			perTimer[e.Subject][e.Type]++
		}
	}
	for _, id := range ids {
		ts, err := db.Timers().ListByRecord(ctx, id)
		require.NoError(t, err)
		require.Len(t, ts, 1, "%s: one timer", id)
		x, err := db.Incidents().Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, x.Version, ts[0].RecordVersion, "%s: the timer observed every version", id)
		assert.True(t, ts[0].Breached, "%s: breached", id)
		assert.Equal(t, map[string]int{sla.EventWarning: 1, sla.EventBreached: 1}, perTimer[ts[0].ID], "%s: each deadline fired once", id)
	}
	assert.Equal(t, int64(2*incidents), fired.Load(), "EvaluateDue across replicas stored each warning and breach once")
}

// drain runs every replica's relay at once until the outbox is empty.
func drain(t *testing.T, rs []*replica) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var wg sync.WaitGroup
		for _, r := range rs {
			wg.Go(func() { _, _ = r.relay.RunOnce(ctx) })
		}
		wg.Wait()
		n, err := rs[0].db.PendingEvents(ctx)
		require.NoError(t, err)
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still pending", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDeliveriesSeesLateRedeliveries: the check TestReplicas relies on
// catches an event handed over again after it was marked delivered.
func TestDeliveriesSeesLateRedeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, testdb.SQLite)
	ids := openSome(t, db, 1)
	sink := &deliveries{db: db, byID: map[string]lifecycle.Notification{}}
	n, err := db.Relay(sink).RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, len(ids), n)
	assert.Empty(t, sink.late, "first deliveries are not late")
	require.NoError(t, sink.Notify(ctx, sink.byID[ids[0]]))
	assert.Equal(t, []string{ids[0]}, sink.late)
	assert.Len(t, sink.byID, len(ids), "a repeat is still one event")
}
