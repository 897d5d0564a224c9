package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// incidents returns an incident service over db's incident store, whose
// Notifier must never be called: the store is an outbox.
func incidents(t testing.TB, db *DB, clock lifecycle.Clock) *incident.Service {
	t.Helper()
	svc, err := incident.New(incident.Config{
		Store: db.Incidents(),
		Clock: clock,
		Notifier: lifecycle.NotifierFunc(func(context.Context, ...lifecycle.Notification) error {
			t.Error("the service notified directly although its store is an outbox")
			return nil
		}),
		IDs: lifecycle.Sequence("INC", 7),
	})
	require.NoError(t, err)
	return svc
}

var agent = lifecycle.Actor{ID: "ann"}

// outboxIDs returns the IDs of the events in db's outbox, in queue order,
// and which of them are delivered.
func outboxIDs(t testing.TB, db *DB) (ids []string, delivered map[string]bool) {
	t.Helper()
	rows, err := db.w.Query(`SELECT event_id, delivered_at IS NOT NULL FROM outbox ORDER BY seq`)
	require.NoError(t, err)
	defer rows.Close()
	delivered = map[string]bool{}
	for rows.Next() {
		var id string
		var d bool
		require.NoError(t, rows.Scan(&id, &d))
		ids = append(ids, id)
		delivered[id] = d
	}
	require.NoError(t, rows.Err())
	return ids, delivered
}

func TestOutboxStoresEventsWithTheChange(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		svc := incidents(t, db, lifecycletest.NewClock(t0))

		x, err := svc.Open(ctx, agent, incident.Open{Title: "Mail is down", Impact: 1, Urgency: 1})
		require.NoError(t, err)
		x, err = svc.Assign(ctx, agent, incident.Assign{ID: x.ID, Group: "messaging", Assignee: "ann"})
		require.NoError(t, err)
		ids, delivered := outboxIDs(t, db)
		assert.Equal(t, []string{
			lifecycle.NotificationID(incident.Process, x.ID, 1, 0),
			lifecycle.NotificationID(incident.Process, x.ID, 2, 0),
		}, ids)
		assert.False(t, delivered[ids[0]] || delivered[ids[1]])
		n, err := db.PendingEvents(ctx)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
	})
}

func TestOutboxConflictStoresNeitherRowNorEvents(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		store := db.Incidents()
		svc := incidents(t, db, lifecycletest.NewClock(t0))
		x, err := svc.Open(ctx, agent, incident.Open{Title: "Mail is down"})
		require.NoError(t, err)
		before, _ := outboxIDs(t, db)
		ev := func(id string) []lifecycle.Notification {
			return []lifecycle.Notification{{ID: id, Process: incident.Process, Subject: x.ID, Type: "test"}}
		}

		// Create over an existing ID.
		dup := x.Clone()
		dup.Title = "duplicate"
		err = create(ctx, store, dup, ev("dup/create")...)
		require.ErrorIs(t, err, lifecycle.ErrConflict)

		// Update over a stale version.
		stale := x.Clone()
		stale.Version, stale.Title = 6, "stale"
		err = update(ctx, store, stale, 5, ev("dup/stale")...)
		require.ErrorIs(t, err, lifecycle.ErrConflict)

		// Update of a missing incident.
		ghost := x.Clone()
		ghost.ID, ghost.Version = "INC-GHOST", 2
		err = update(ctx, store, ghost, 1, ev("dup/ghost")...)
		require.ErrorIs(t, err, lifecycle.ErrNotFound)

		// An event already queued rolls back the row it came with.
		next := x.Clone()
		next.Version, next.Title = 2, "renamed"
		err = update(ctx, store, next, 1, ev(before[0])...)
		require.ErrorIs(t, err, lifecycle.ErrConflict)

		// A canceled context writes nothing.
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		err = update(canceled, store, next, 1, ev("dup/canceled")...)
		require.ErrorIs(t, err, context.Canceled)

		got, err := store.Get(ctx, x.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(1), got.Version)
		assert.Equal(t, "Mail is down", got.Title)
		after, _ := outboxIDs(t, db)
		assert.Equal(t, before, after, "no event of a failed write may be queued")
		_, err = store.Get(ctx, "INC-GHOST")
		require.ErrorIs(t, err, lifecycle.ErrNotFound)

		// And the same update over the right version goes through.
		require.NoError(t, update(ctx, store, next, 1, ev("ok/update")...))
		after, _ = outboxIDs(t, db)
		assert.Equal(t, append(before, "ok/update"), after)
	})
}

// openSome opens n incidents and makes two more changes to each, queueing
// 3n events, and returns their IDs in queue order.
func openSome(t testing.TB, db *DB, n int) []string {
	t.Helper()
	ctx := context.Background()
	svc := incidents(t, db, lifecycletest.NewClock(t0))
	for i := range n {
		x, err := svc.Open(ctx, agent, incident.Open{Title: fmt.Sprintf("incident %d", i)})
		require.NoError(t, err)
		_, err = svc.Assign(ctx, agent, incident.Assign{ID: x.ID, Group: "desk"})
		require.NoError(t, err)
		_, err = svc.Comment(ctx, agent, incident.Comment{ID: x.ID, Text: "on it"})
		require.NoError(t, err)
	}
	ids, _ := outboxIDs(t, db)
	require.Len(t, ids, 3*n)
	return ids
}

func recorded(r *lifecycletest.Recorder) []string {
	var ids []string
	for _, e := range r.Events() {
		ids = append(ids, e.ID)
	}
	return ids
}

// eachOutbox runs fn as a subtest per backend, on a new DB whose outbox
// holds the 3n events of openSome, in queue order.
func eachOutbox(t *testing.T, n int, fn func(t *testing.T, db *DB, ids []string)) {
	eachDB(t, func(t *testing.T, db *DB) {
		fn(t, db, openSome(t, db, n))
	})
}

// testRelay returns a relay delivering db's outbox to n that logs to the
// test's output.
func testRelay(t testing.TB, db *DB, n lifecycle.Notifier) *Relay {
	r := db.Relay(n)
	r.Log, _ = testLogger(t)
	return r
}

// backlog is what an outbox holds undelivered.
type backlog struct{ pending, dead int }

// backlogOf returns db's PendingEvents and DeadEvents.
func backlogOf(t testing.TB, db *DB) backlog {
	t.Helper()
	var b backlog
	var err error
	b.pending, err = db.PendingEvents(context.Background())
	require.NoError(t, err)
	b.dead, err = db.DeadEvents(context.Background())
	require.NoError(t, err)
	return b
}

func TestRelayDeliversInOrderAndRetriesFailures(t *testing.T) {
	t.Parallel()
	eachOutbox(t, 4, func(t *testing.T, db *DB, ids []string) {
		ctx := t.Context()

		// The notifier is down: nothing is marked, everything stays pending.
		down := &lifecycletest.Recorder{Err: errors.New("smtp: connection refused")}
		n, err := testRelay(t, db, down).RunOnce(ctx)
		require.ErrorContains(t, err, "connection refused")
		assert.Zero(t, n)
		assert.Equal(t, backlog{pending: len(ids)}, backlogOf(t, db))

		// It fails again on the fifth event: the first four are delivered.
		fails := 0
		flaky := &lifecycletest.Recorder{}
		relay := testRelay(t, db, lifecycle.NotifierFunc(func(ctx context.Context, evs ...lifecycle.Notification) error {
			if evs[0].ID == ids[4] && fails == 0 {
				fails++
				return errors.New("queue full")
			}
			return flaky.Notify(ctx, evs...)
		}))
		relay.BatchSize = 3
		n, err = relay.RunOnce(ctx)
		require.ErrorContains(t, err, "queue full")
		assert.Equal(t, 4, n)
		assert.Equal(t, ids[:4], recorded(flaky))

		// The next run delivers the rest, in order, and nothing twice.
		n, err = relay.RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, len(ids)-4, n)
		assert.Equal(t, ids, recorded(flaky))
		n, err = relay.RunOnce(ctx)
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Equal(t, backlog{}, backlogOf(t, db))

		// The failures were recorded against the event that failed.
		var attempts int
		var lastErr string
		require.NoError(t, db.w.QueryRow(db.q(`SELECT attempts, last_error FROM outbox WHERE event_id = ?`), ids[4]).Scan(&attempts, &lastErr))
		assert.Equal(t, 2, attempts) // queue full, then delivered
		assert.Contains(t, lastErr, "queue full")

		// Delivered events are purged on request, pending ones never.
		purged, err := db.PurgeDelivered(ctx, time.Now().Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, int64(len(ids)), purged)
	})
}

// TestRelayCrashDeliversLateNotNever simulates a relay dying between
// Notify and marking the event delivered (a panic unwinds it, as a crash
// would end it): the event is delivered again by the next run, so it is
// delivered at least once, and nothing is lost.
func TestRelayCrashDeliversLateNotNever(t *testing.T) {
	t.Parallel()
	eachOutbox(t, 2, func(t *testing.T, db *DB, ids []string) {
		ctx := t.Context()

		rec := &lifecycletest.Recorder{}
		crashed := false
		relay := db.Relay(lifecycle.NotifierFunc(func(ctx context.Context, evs ...lifecycle.Notification) error {
			_ = rec.Notify(ctx, evs...)
			if evs[0].ID == ids[2] && !crashed {
				crashed = true
				panic("crash after delivery, before the mark")
			}
			return nil
		}))
		func() {
			defer func() { require.NotNil(t, recover()) }()
			_, _ = relay.RunOnce(ctx)
		}()
		require.Equal(t, ids[:3], recorded(rec))

		// A new relay (after the restart) delivers the batch again.
		n, err := db.Relay(rec).RunOnce(ctx)
		require.NoError(t, err)
		got := recorded(rec)
		assert.Equal(t, len(ids), n, "the whole batch of the crashed run was still pending")
		assert.Equal(t, ids, got[3:], "everything is delivered, in order, after the crash")
		assert.Equal(t, backlog{}, backlogOf(t, db))
	})
}

func TestRelayRunWakesOnNewEventsAndStops(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		rec := &lifecycletest.Recorder{}
		relay := db.Relay(rec)
		var errs []error
		var mu sync.Mutex
		relay.OnError = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- relay.Run(ctx, time.Hour) }()

		// The interval is an hour: only the wake-up can deliver this soon.
		ids := openSome(t, db, 1)
		require.Eventually(t, func() bool { return len(rec.Events()) == len(ids) }, 10*time.Second, 5*time.Millisecond)
		assert.Equal(t, ids, recorded(rec))

		cancel()
		select {
		case err := <-done:
			require.ErrorIs(t, err, context.Canceled)
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context was canceled")
		}
		mu.Lock()
		assert.Empty(t, errs)
		mu.Unlock()
	})
}

// TestRelaysSplitTheWork runs several relays at once over one outbox (on
// PostgreSQL each with its own connection pool, as replicas would): every
// event is delivered exactly once.
func TestRelaysSplitTheWork(t *testing.T) {
	t.Parallel()
	eachOutbox(t, 20, func(t *testing.T, db *DB, ids []string) {
		ctx := t.Context()
		dbs := []*DB{db, db, db}
		if db.Dialect() == Postgres {
			for i := 1; i < len(dbs); i++ {
				dbs[i] = reopen(t, db)
			}
		}
		var mu sync.Mutex
		count := map[string]int{}
		var wg sync.WaitGroup
		for _, d := range dbs {
			relay := d.Relay(lifecycle.NotifierFunc(func(_ context.Context, evs ...lifecycle.Notification) error {
				time.Sleep(time.Millisecond) // give the others a chance to claim
				mu.Lock()
				defer mu.Unlock()
				for _, e := range evs {
					count[e.ID]++
				}
				return nil
			}))
			relay.BatchSize = 5
			wg.Go(func() {
				_, err := relay.RunOnce(ctx)
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		for _, id := range ids {
			assert.Equal(t, 1, count[id], "event %s", id)
		}
		assert.Len(t, count, len(ids))
	})
}

// reopen opens another DB (its own connection pool) on db's database. Only
// for PostgreSQL tests, where the DSN is kept.
func reopen(t testing.TB, db *DB) *DB {
	t.Helper()
	require.NotEmpty(t, db.dsn)
	other, err := Open(context.Background(), db.dsn)
	require.NoError(t, err)
	t.Cleanup(func() { other.Close() })
	return other
}

// testLogger returns a logger writing to the test's output, and a copy of
// what it wrote.
func testLogger(t testing.TB) (*slog.Logger, *testdb.Buffer) {
	buf := &testdb.Buffer{}
	return slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), buf), nil)), buf
}

// TestRelayParksEventsThatAlwaysFail: an event the Notifier always refuses
// is retried MaxAttempts times, then parked as dead (kept, logged, listed)
// and no longer holds up the events after it, for every relay of every
// replica; requeued, it is delivered.
func TestRelayParksEventsThatAlwaysFail(t *testing.T) {
	t.Parallel()
	eachOutbox(t, 3, func(t *testing.T, db *DB, ids []string) {
		ctx := t.Context()
		poison := ids[1]
		dbs := []*DB{db, db}
		if db.Dialect() == Postgres {
			dbs[1] = reopen(t, db) // another replica
		}
		rec := &lifecycletest.Recorder{}
		refuse := true
		log, logs := testLogger(t)
		relays := make([]*Relay, len(dbs))
		for i, d := range dbs {
			relays[i] = d.Relay(lifecycle.NotifierFunc(func(ctx context.Context, evs ...lifecycle.Notification) error {
				if refuse && evs[0].ID == poison {
					return errors.New("poison: the mailer refuses it")
				}
				return rec.Notify(ctx, evs...)
			}))
			relays[i].MaxAttempts, relays[i].Log, relays[i].BatchSize = 3, log, 2
		}

		// Three failed attempts, from either replica, each delivering what
		// comes before the poison and nothing after it.
		for attempt := range 3 {
			_, err := relays[attempt%2].RunOnce(ctx)
			require.ErrorContains(t, err, "poison", "attempt %d", attempt+1)
			assert.Equal(t, ids[:1], recorded(rec), "attempt %d", attempt+1)
		}
		// Parked: the rest flows, on either replica.
		n, err := relays[1].RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, len(ids)-2, n)
		want := append([]string{ids[0]}, ids[2:]...)
		assert.Equal(t, want, recorded(rec))
		assert.Equal(t, backlog{dead: 1}, backlogOf(t, db))
		dead, err := db.ListDeadEvents(ctx, 0)
		require.NoError(t, err)
		require.Len(t, dead, 1)
		assert.Equal(t, poison, dead[0].Event.ID)
		assert.Equal(t, incident.Process, dead[0].Event.Process)
		assert.Equal(t, 3, dead[0].Attempts)
		assert.Contains(t, dead[0].LastError, "poison")
		assert.False(t, dead[0].DeadAt.Before(dead[0].QueuedAt))
		assert.Contains(t, logs.String(), "outbox event parked as dead")
		assert.Contains(t, logs.String(), "event="+poison)
		// Dead events are kept: purging delivered ones leaves them.
		_, err = db.PurgeDelivered(ctx, time.Now().Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, backlog{dead: 1}, backlogOf(t, db))

		// Fixed, requeued, delivered.
		refuse = false
		k, err := db.Requeue(ctx, "no/such/event", ids[0])
		require.NoError(t, err)
		assert.Zero(t, k, "only dead events are requeued")
		k, err = db.Requeue(ctx, poison)
		require.NoError(t, err)
		assert.Equal(t, 1, k)
		n, err = relays[0].RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Equal(t, append(want, poison), recorded(rec))
		assert.Equal(t, backlog{}, backlogOf(t, db))
	})
}

// TestRelayParksUndecodableEvents: an event whose stored document does not
// decode is parked at once instead of failing every batch.
func TestRelayParksUndecodableEvents(t *testing.T) {
	t.Parallel()
	eachOutbox(t, 1, func(t *testing.T, db *DB, ids []string) {
		ctx := t.Context()
		_, err := db.w.ExecContext(ctx, db.q(`UPDATE outbox SET doc = ? WHERE event_id = ?`), `{"time": "yesterday"}`, ids[0])
		require.NoError(t, err)
		rec := &lifecycletest.Recorder{}
		relay := testRelay(t, db, rec)
		n, err := relay.RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, len(ids)-1, n)
		assert.Equal(t, ids[1:], recorded(rec))
		dead, err := db.ListDeadEvents(ctx, 10)
		require.NoError(t, err)
		require.Len(t, dead, 1)
		assert.Equal(t, ids[0], dead[0].Event.ID, "the columns still name it")
		assert.Contains(t, dead[0].LastError, "decode")

		// Requeue with no IDs requeues every dead event (here it fails again).
		k, err := db.Requeue(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, k)
		_, err = relay.RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, backlog{dead: 1}, backlogOf(t, db))
	})
}

// TestRelayWithoutParking: a negative MaxAttempts retries for ever.
func TestRelayWithoutParking(t *testing.T) {
	t.Parallel()
	eachOutbox(t, 1, func(t *testing.T, db *DB, ids []string) {
		relay := db.Relay(&lifecycletest.Recorder{Err: errors.New("down")})
		relay.MaxAttempts, relay.Log = -1, slog.New(slog.DiscardHandler)
		for range DefaultMaxAttempts + 2 {
			_, err := relay.RunOnce(t.Context())
			require.Error(t, err)
		}
		assert.Equal(t, backlog{pending: len(ids)}, backlogOf(t, db))
	})
}
