package change_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
)

// gateKey marks, in a context, the operation whose schedule query a
// gateStore holds.
type gateKey struct{}

// gate holds one operation after its schedule query: read is closed when
// the query has answered, and the operation goes on once resume is closed.
type gate struct {
	read, resume chan struct{}
	once         sync.Once
}

func newGate() *gate { return &gate{read: make(chan struct{}), resume: make(chan struct{})} }

// gateStore is the in-memory store whose Scheduled, for the operation
// whose context carries a *gate, answers and then waits for the gate to
// open, the first time only: with no WindowSource, the schedule query is
// the last read of a command before its write, so the operation is held
// between what it read and what it writes.
type gateStore struct{ *changetest.Store }

func (s gateStore) Scheduled(ctx context.Context, cis []string, from, to time.Time) ([]*change.Change, error) {
	out, err := s.Store.Scheduled(ctx, cis, from, to)
	if g, ok := ctx.Value(gateKey{}).(*gate); ok {
		g.once.Do(func() {
			close(g.read)
			<-g.resume
		})
	}
	return out, err
}

// interleave runs a (through the gate) until its last read, then b to the
// end, then lets a finish, and returns a's result and b's.
func interleave(t *testing.T, a, b func(ctx context.Context) (*change.Change, error)) (aGot *change.Change, aErr, bErr error) {
	t.Helper()
	g := newGate()
	done := make(chan struct{})
	go func() {
		defer close(done)
		aGot, aErr = a(context.WithValue(ctx, gateKey{}, g))
	}()
	select {
	case <-g.read:
	case <-done:
		t.Fatalf("the first operation ended (%v) without reading the schedule", aErr)
	}
	_, bErr = b(ctx)
	close(g.resume)
	<-done
	return aGot, aErr, bErr
}

// TestInterleavedSchedulesOnOneItem is write skew on the forward schedule
// of change, made deterministic: two standard changes on one
// configuration item in overlapping windows are scheduled at the same
// moment. The first reads the schedule (free) and is held there until the
// second has scheduled (the schedule was free for it too); then the first
// goes on to write. Each alone is right; together they would book the item
// twice with no conflict recorded. The first must instead see the second's
// booking and be refused with a conflict naming it. Both orders are run.
func TestInterleavedSchedulesOnOneItem(t *testing.T) {
	for _, first := range []int{0, 1} {
		t.Run([]string{"older first", "newer first"}[first], func(t *testing.T) {
			s, _, _ := newService(t, func(cfg *change.Config) { cfg.Store = gateStore{changetest.NewStore()} })
			var ids [2]string
			for i := range ids {
				start := t0.Add(time.Duration(48+i) * time.Hour)
				c, err := s.Create(ctx, alice, change.Create{Type: change.Standard, Template: "os-patch", Title: "Patch",
					ConfigItems: []string{"db-1"}, PlannedStart: start, PlannedEnd: start.Add(2 * time.Hour)})
				require.NoError(t, err)
				ids[i] = c.ID
			}
			a, b := ids[first], ids[1-first]
			schedule := func(id string) func(context.Context) (*change.Change, error) {
				return func(ctx context.Context) (*change.Change, error) {
					return s.Schedule(ctx, alice, change.Schedule{ID: id})
				}
			}
			aGot, aErr, bErr := interleave(t, schedule(a), schedule(b))
			require.NoError(t, bErr, "the second schedule, alone on the item, is booked")

			var sce *change.ScheduleConflictError
			if aGot != nil {
				t.Logf("the first schedule stored %s in %s with conflicts %v", aGot.ID, aGot.State, aGot.Conflicts)
			}
			require.ErrorAs(t, aErr, &sce, "the first schedule must see the second's booking")
			require.Len(t, sce.Conflicts, 1)
			assert.Equal(t, change.ConflictChange, sce.Conflicts[0].Kind)
			assert.Equal(t, b, sce.Conflicts[0].Change)
			assert.Equal(t, "db-1", sce.Conflicts[0].ConfigItem)
			assert.Nil(t, aGot)

			got, err := s.Get(ctx, a)
			require.NoError(t, err)
			assert.Equal(t, change.StateNew, got.State, "the refused change is not booked")
			assert.Equal(t, int64(1), got.Version)
			got, err = s.Get(ctx, b)
			require.NoError(t, err)
			assert.Equal(t, change.StateScheduled, got.State)
			assert.Empty(t, got.Conflicts)
		})
	}
}

// TestInterleavedAssessAndSchedule: an assessment held after its schedule
// query while another change is booked on its item records that booking
// as a conflict (and the risk it raises), rather than the free schedule it
// read first.
func TestInterleavedAssessAndSchedule(t *testing.T) {
	s, _, _ := newService(t, func(cfg *change.Config) { cfg.Store = gateStore{changetest.NewStore()} })
	normal := createNormal(t, s, "db-1") // t0+48h to t0+50h
	start := t0.Add(49 * time.Hour)
	std, err := s.Create(ctx, alice, change.Create{Type: change.Standard, Template: "os-patch", Title: "Patch",
		ConfigItems: []string{"db-1"}, PlannedStart: start, PlannedEnd: start.Add(2 * time.Hour)})
	require.NoError(t, err)

	got, aErr, bErr := interleave(t,
		func(ctx context.Context) (*change.Change, error) {
			return s.Assess(ctx, alice, change.Assess{ID: normal.ID})
		},
		func(ctx context.Context) (*change.Change, error) {
			return s.Schedule(ctx, alice, change.Schedule{ID: std.ID})
		})
	require.NoError(t, bErr)
	require.NoError(t, aErr)
	require.Len(t, got.Conflicts, 1, "the assessment must record the booking made while it ran")
	assert.Equal(t, std.ID, got.Conflicts[0].Change)
	assert.Equal(t, change.RiskModerate, got.Risk, "a booked item raises the risk")
	stored, err := s.Get(ctx, normal.ID)
	require.NoError(t, err)
	assert.Equal(t, got, stored)
	assert.Equal(t, int64(2), stored.Version, "one assessment stored")
}
