package change_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
)

func createNormal(t *testing.T, s *change.Service, cis ...string) *change.Change {
	t.Helper()
	c, err := s.Create(ctx, alice, change.Create{
		Type: change.Normal, Title: "Upgrade", ConfigItems: cis, Plans: fullPlans,
		PlannedStart: t0.Add(48 * time.Hour), PlannedEnd: t0.Add(50 * time.Hour),
	})
	require.NoError(t, err)
	return c
}

func TestServiceNormalPath(t *testing.T) {
	s, rec, clk := newService(t, nil)
	c := createNormal(t, s, "web-1")
	assert.Equal(t, "CHG0001", c.ID)
	assert.Equal(t, int64(1), c.Version)

	c, err := s.Assess(ctx, alice, change.Assess{ID: c.ID, Version: 1})
	require.NoError(t, err)
	assert.Equal(t, change.RiskLow, c.Risk)
	assert.False(t, c.ConflictsCheckedAt.IsZero(), "the conflict status is recorded")
	c, err = s.RequestApproval(ctx, alice, change.RequestApproval{ID: c.ID})
	require.NoError(t, err)
	clk.Advance(time.Hour)
	c, err = s.Approve(ctx, carol, change.Approve{ID: c.ID, Comment: "ok"})
	require.NoError(t, err)
	assert.Equal(t, change.StateScheduled, c.State, "an authorized change without conflicts is scheduled at once")
	assert.Equal(t, int64(5), c.Version)
	assert.Empty(t, c.History, "a command's result is the change as stored, without its history")
	history, err := s.History(ctx, c.ID, 0, 0)
	require.NoError(t, err)
	require.Len(t, history, 5)
	last := history[len(history)-1]
	assert.Equal(t, 5, last.Seq)
	assert.Equal(t, "system", last.Actor)
	assert.Equal(t, "schedule", last.Event)

	c, err = s.Implement(ctx, bob, change.Implement{ID: c.ID})
	require.NoError(t, err)
	assert.Equal(t, t0.Add(time.Hour), c.ActualStart)
	c, err = s.Review(ctx, bob, change.Review{ID: c.ID, Outcome: change.OutcomeSuccessful})
	require.NoError(t, err)
	c, err = s.Link(ctx, bob, change.Link{ID: c.ID, Problems: []string{"PRB-1"}})
	require.NoError(t, err)
	c, err = s.Close(ctx, alice, change.Close{ID: c.ID})
	require.NoError(t, err)
	assert.Equal(t, change.StateClosed, c.State)

	stored, err := s.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, stored)
	ended, succeeded, err := s.ChangeOutcome(ctx, c.ID)
	require.NoError(t, err)
	assert.True(t, ended && succeeded, "closed successfully")
	assert.Equal(t, []string{"opened", "assessed", "approval_requested", "approved", "authorized", "scheduled",
		"implementing", "implemented", "linked", "closed"}, rec.Types())
	var notified []string
	for _, e := range rec.Events() {
		if e.Data["notify"] == "alice" {
			notified = append(notified, e.Type)
		}
		assert.Equal(t, "change", e.Process)
		assert.Equal(t, c.ID, e.Subject)
	}
	assert.Equal(t, []string{"scheduled", "implementing", "implemented"}, notified, "the requester hears of scheduled, implement and review")
}

func TestServiceConflictsFromStoreAndWindows(t *testing.T) {
	freeze := change.Window{Name: "freeze", Kind: change.Blackout, ConfigItems: []string{"db-1"},
		Once: &change.Once{Start: change.Date(2026, 6, 3, 9, 30), End: change.Date(2026, 6, 3, 10, 0)}}
	s, _, _ := newService(t, func(cfg *change.Config) { cfg.Windows = change.WindowList{} })
	first := createNormal(t, s, "db-1", "web-1")
	advanceService(t, s, first.ID)
	got, err := s.Get(ctx, first.ID)
	require.NoError(t, err)
	require.Equal(t, change.StateScheduled, got.State)

	second := createNormal(t, s, "db-1")
	cs, err := s.Conflicts(ctx, second.ID)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	assert.Equal(t, first.ID, cs[0].Change)

	_, err = s.Assess(ctx, alice, change.Assess{ID: second.ID})
	require.NoError(t, err)
	c, err := s.RequestApproval(ctx, alice, change.RequestApproval{ID: second.ID, Conflicts: nil})
	require.NoError(t, err)
	assert.Equal(t, change.RiskModerate, c.Risk, "a booked item raises the risk")
	assert.Len(t, c.Conflicts, 1)
	c, err = s.Approve(ctx, carol, change.Approve{ID: c.ID})
	require.NoError(t, err, "an approval is never refused for conflicts")
	assert.Equal(t, change.StateAuthorize, c.State, "with conflicts it waits for an override")
	assert.True(t, c.Authorized())

	// The caller cannot hide conflicts: the Service fills them.
	_, err = s.Schedule(ctx, carol, change.Schedule{ID: c.ID, Conflicts: []change.Conflict{}})
	require.ErrorIs(t, err, change.ErrScheduleConflict)
	_, err = s.Schedule(ctx, bob, change.Schedule{ID: c.ID, Override: true, Reason: "needed"})
	require.ErrorIs(t, err, lifecycle.ErrForbidden)
	unchanged, err := s.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, unchanged)
	c, err = s.Schedule(ctx, carol, change.Schedule{ID: c.ID, Override: true, Reason: "the two changes are coordinated"})
	require.NoError(t, err)
	assert.Equal(t, change.StateScheduled, c.State)
	assert.Equal(t, "carol", c.Override.By)

	// Windows come from the WindowSource.
	s2, _, _ := newService(t, func(cfg *change.Config) { cfg.Windows = change.WindowList{freeze} })
	third, err := s2.Create(ctx, alice, change.Create{Type: change.Normal, Title: "x", ConfigItems: []string{"db-1"}, Plans: fullPlans,
		PlannedStart: time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC), PlannedEnd: time.Date(2026, 6, 3, 11, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	third, err = s2.Assess(ctx, alice, change.Assess{ID: third.ID})
	require.NoError(t, err)
	require.Len(t, third.Conflicts, 1)
	assert.Equal(t, change.ConflictBlackout, third.Conflicts[0].Kind)
	assert.Equal(t, change.RiskHigh, third.Risk)
}

// advanceService takes a normal change to scheduled through the Service.
func advanceService(t *testing.T, s *change.Service, id string) {
	t.Helper()
	_, err := s.Assess(ctx, alice, change.Assess{ID: id})
	require.NoError(t, err)
	_, err = s.RequestApproval(ctx, alice, change.RequestApproval{ID: id})
	require.NoError(t, err)
	_, err = s.Approve(ctx, carol, change.Approve{ID: id})
	require.NoError(t, err)
}

type failingWindows struct{}

func (failingWindows) Windows(context.Context, []string, time.Time, time.Time) ([]change.Window, error) {
	return nil, errors.New("window table unavailable")
}

func TestServiceErrors(t *testing.T) {
	_, err := change.New(change.Config{})
	require.ErrorIs(t, err, lifecycle.ErrValidation)

	s, rec, _ := newService(t, func(cfg *change.Config) { cfg.Windows = failingWindows{} })
	_, err = s.Create(ctx, alice, change.Create{Type: "urgent", Title: "x"})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = s.Get(ctx, "CHG-none")
	require.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, err = s.Cancel(ctx, alice, change.Cancel{ID: "CHG-none", Reason: "x"})
	require.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, err = s.Cancel(ctx, alice, change.Cancel{Reason: "x"})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = s.Do(ctx, alice, nil)
	require.ErrorIs(t, err, lifecycle.ErrValidation)

	c := createNormal(t, s, "db-1")
	_, err = s.Assign(ctx, alice, change.Assign{ID: c.ID, Version: 9, Group: "x"})
	require.ErrorIs(t, err, lifecycle.ErrConflict)
	_, err = s.Assess(ctx, alice, change.Assess{ID: c.ID})
	require.ErrorContains(t, err, "window table unavailable")
	_, err = s.Conflicts(ctx, c.ID)
	require.ErrorContains(t, err, "window table unavailable")
	// A command the machine refuses does not read the windows.
	_, err = s.Implement(ctx, alice, change.Implement{ID: c.ID})
	require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Assign(canceled, alice, change.Assign{ID: c.ID, Group: "x"})
	require.ErrorIs(t, err, context.Canceled)

	got, err := s.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, got, "failed operations store nothing")
	assert.Equal(t, []string{"opened"}, rec.Types(), "and notify nothing")

	_, err = s.List(ctx, change.Filter{States: []change.State{"pending"}})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = s.List(ctx, change.Filter{Types: []change.Type{"urgent"}})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	p, err := s.List(ctx, change.Filter{Types: []change.Type{change.Normal}})
	require.NoError(t, err)
	assert.Len(t, p.Changes, 1)
}

func TestServiceNotifierFailureKeepsTheChange(t *testing.T) {
	s, rec, _ := newService(t, nil)
	rec.Err = errors.New("smtp down")
	c, err := s.Create(ctx, alice, change.Create{Type: change.Normal, Title: "x", Plans: fullPlans})
	var ne *lifecycle.NotifyError
	require.ErrorAs(t, err, &ne)
	require.NotNil(t, c, "the stored change comes back with the error")
	c, err = s.Assess(ctx, alice, change.Assess{ID: c.ID})
	require.ErrorAs(t, err, &ne)
	require.NotNil(t, c)
	stored, gerr := s.Get(ctx, c.ID)
	require.NoError(t, gerr)
	assert.Equal(t, change.StateAssess, stored.State)
}

// outboxStore records events with the change instead of notifying.
type outboxStore struct {
	*changetest.Store
	mu     sync.Mutex
	events []lifecycle.Notification
}

// StoresEvents makes the store a lifecycle.Outbox: its Commit keeps
// the events.
func (o *outboxStore) StoresEvents() bool { return true }

func (o *outboxStore) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	if err := o.Store.Commit(ctx, w); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, w.Events...)
	return nil
}

func TestServiceUsesOutbox(t *testing.T) {
	ob := &outboxStore{Store: changetest.NewStore()}
	s, rec, _ := newService(t, func(cfg *change.Config) { cfg.Store = ob })
	c := createNormal(t, s)
	_, err := s.Cancel(ctx, alice, change.Cancel{ID: c.ID, Reason: "no"})
	require.NoError(t, err)
	assert.Empty(t, rec.Types())
	require.Len(t, ob.events, 2)
	assert.Equal(t, change.TypeCanceled, ob.events[1].Type)
}

// TestConcurrentWritersOneWinnerPerVersion races writers of the same
// version: exactly one wins, the others get ErrConflict and store nothing.
func TestConcurrentWritersOneWinnerPerVersion(t *testing.T) {
	s, _, _ := newService(t, nil)
	c := createNormal(t, s, "db-1")
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Assign(ctx, alice, change.Assign{ID: c.ID, Version: 1, Group: fmt.Sprintf("g%d", i)})
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		require.ErrorIs(t, err, lifecycle.ErrConflict)
	}
	assert.Equal(t, 1, wins)
	got, err := s.Export(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
	assert.Len(t, got.History, 2)
}

// TestConcurrentApprovals races a quorum's approvers, each retrying on
// ErrConflict: every approver's decision lands exactly once.
func TestConcurrentApprovals(t *testing.T) {
	approvers := []string{"a1", "a2", "a3", "a4", "a5", "a6"}
	s, _, _ := newService(t, func(cfg *change.Config) {
		cfg.Authorities = []change.Authority{
			{Name: "CAB", Types: []change.Type{change.Normal}, Approvers: approvers, Policy: lifecycle.ConsentAll},
			{Name: "ECAB", Types: []change.Type{change.Emergency}, Role: change.RoleECAB, Policy: lifecycle.ConsentAny},
		}
	})
	c := createNormal(t, s, "db-1")
	_, err := s.Assess(ctx, alice, change.Assess{ID: c.ID})
	require.NoError(t, err)
	_, err = s.RequestApproval(ctx, alice, change.RequestApproval{ID: c.ID})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for _, id := range approvers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, err := s.Approve(ctx, lifecycle.Actor{ID: id}, change.Approve{ID: c.ID})
				if errors.Is(err, lifecycle.ErrConflict) {
					continue
				}
				assert.NoError(t, err)
				return
			}
		}()
	}
	wg.Wait()
	got, err := s.Export(ctx, c.ID)
	require.NoError(t, err)
	assert.Len(t, got.Approvals, len(approvers))
	assert.Equal(t, change.StateScheduled, got.State)
	assert.Equal(t, int64(len(got.History)), got.Version)
}

func TestChangeOutcome(t *testing.T) {
	s, _, _ := newService(t, nil)
	open := createNormal(t, s, "web-1")
	ended, succeeded, err := s.ChangeOutcome(ctx, open.ID)
	require.NoError(t, err)
	assert.False(t, ended || succeeded, "a new change has not ended")

	gone := createNormal(t, s, "web-2")
	_, err = s.Cancel(ctx, alice, change.Cancel{ID: gone.ID, Reason: "superseded"})
	require.NoError(t, err)
	ended, succeeded, err = s.ChangeOutcome(ctx, gone.ID)
	require.NoError(t, err)
	assert.True(t, ended)
	assert.False(t, succeeded, "a canceled change fixed nothing")

	_, _, err = s.ChangeOutcome(ctx, "CHG-NONE")
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
}
