package problem_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

var ctx = context.Background()

// toResolved is the path from new to resolved through the service.
var toResolved = []problem.Command{
	problem.Assess{Group: "messaging"},
	problem.Confirm{Assignee: "ann"},
	problem.RecordKnownError{RootCause: "Spool disk full", Workaround: "Purge the deferred queue"},
	problem.StartFix{Changes: []string{"CHG1"}},
	problem.Resolve{Notes: "Spool volume grown"},
}

func TestNewConfig(t *testing.T) {
	_, err := problem.New(problem.Config{})
	lifecycletest.CheckInvalid(t, err, "store")

	_, err = problem.New(problem.Config{Store: problemtest.NewStore(), ResolveIncidents: 3})
	lifecycletest.CheckInvalid(t, err, "resolve_incidents")
	_, err = problem.New(problem.Config{Store: problemtest.NewStore(), ResolveIncidents: -1})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	for _, bad := range []problem.FixAction{-1, 2} {
		_, err = problem.New(problem.Config{Store: problemtest.NewStore(), OnFix: bad})
		lifecycletest.CheckInvalid(t, err, "on_fix")
	}

	// Zero values are the defaults: random PRB IDs, system clock, discard.
	svc, err := problem.New(problem.Config{Store: problemtest.NewStore()})
	require.NoError(t, err)
	before := time.Now()
	p, err := svc.Open(ctx, alice, problem.Open{Title: "x"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(p.ID, "PRB"), p.ID)
	assert.Len(t, p.ID, len("PRB")+20)
	assert.False(t, p.CreatedAt.Before(before.Round(0).Truncate(time.Second)))
}

func TestServiceLifecycle(t *testing.T) {
	f := newFixture(t)
	p := f.open(t, "INC1")
	assert.Equal(t, "PRB0001", p.ID)
	assert.Equal(t, int64(1), p.Version)

	for i, c := range append(toResolved, problem.Complete{}) {
		f.clock.Advance(time.Hour)
		got, err := f.svc.Do(ctx, alice, withID(c, p.ID))
		require.NoError(t, err, "step %d", i)
		assert.Equal(t, int64(i+2), got.Version)
		stored, err := f.svc.Get(ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, got, stored, "the service returns what it stored")
	}
	final, err := f.svc.Export(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, problem.StateClosed, final.State)
	assert.Len(t, final.History, int(final.Version))
	assert.Equal(t, []string{
		problem.TypeOpened, problem.TypeIncidentLinked,
		problem.TypeAssessed, problem.TypeConfirmed,
		problem.TypeKnownErrorRecorded, problem.TypeKnownError,
		problem.TypeFixStarted,
		problem.TypeResolved, problem.TypeIncidentNotified,
		problem.TypeClosed, problem.TypeIncidentNotified,
	}, f.rec.Types())
	seen := map[string]bool{}
	for _, e := range f.rec.Events() {
		assert.False(t, seen[e.ID], "event IDs are unique: %s", e.ID)
		seen[e.ID] = true
	}
}

func TestServiceMethods(t *testing.T) {
	f := newFixture(t)
	p := f.open(t, "INC1")
	id := p.ID
	var err error
	step := func(q *problem.Problem, e error) {
		t.Helper()
		require.NoError(t, e)
		p = q
	}
	step(f.svc.Update(ctx, alice, problem.Update{ID: id, Impact: 1}))
	step(f.svc.Assign(ctx, alice, problem.Assign{ID: id, Group: "messaging"}))
	step(f.svc.AddWorkNote(ctx, alice, problem.AddWorkNote{ID: id, Text: "x"}))
	step(f.svc.LinkIncident(ctx, alice, problem.LinkIncident{ID: id, Incidents: []string{"INC2"}}))
	step(f.svc.UnlinkIncident(ctx, alice, problem.UnlinkIncident{ID: id, Incidents: []string{"INC2"}}))
	step(f.svc.Assess(ctx, alice, problem.Assess{ID: id}))
	step(f.svc.Confirm(ctx, alice, problem.Confirm{ID: id, Assignee: "ann"}))
	step(f.svc.RecordKnownError(ctx, alice, problem.RecordKnownError{ID: id, RootCause: "a", Workaround: "b"}))
	step(f.svc.StartFix(ctx, alice, problem.StartFix{ID: id, Changes: []string{"CHG1"}}))
	step(f.svc.LinkChange(ctx, alice, problem.LinkChange{ID: id, Changes: []string{"CHG2"}}))
	step(f.svc.Resolve(ctx, alice, problem.Resolve{ID: id, Notes: "done"}))
	step(f.svc.Complete(ctx, alice, problem.Complete{ID: id}))
	step(f.svc.Reanalyze(ctx, manager, problem.Reanalyze{ID: id, Notes: "again"}))
	step(f.svc.AcceptRisk(ctx, alice, problem.AcceptRisk{ID: id, Notes: "fine"}))
	assert.Equal(t, problem.StateResolved, p.State)
	assert.Equal(t, int64(15), p.Version)

	q := f.open(t)
	step(f.svc.Cancel(ctx, alice, problem.Cancel{ID: q.ID, Notes: "no"}))
	assert.Equal(t, problem.StateCanceled, p.State)

	page, err := f.svc.List(ctx, problem.Filter{States: []problem.State{problem.StateCanceled}})
	require.NoError(t, err)
	require.Len(t, page.Problems, 1)
	assert.Equal(t, q.ID, page.Problems[0].ID)
	found, err := f.svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{Text: "A B"})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, id, found[0].ID)
}

func TestServiceRefusesBeforeStoring(t *testing.T) {
	f := newFixture(t)
	p := f.open(t, "INC1")
	f.rec.Reset()
	cases := []struct {
		name  string
		actor lifecycle.Actor
		cmd   problem.Command
		is    error
	}{
		{"stale version", alice, problem.Assess{ID: p.ID, Version: 2, Group: "g"}, lifecycle.ErrConflict},
		{"missing problem", alice, problem.Assess{ID: "PRB9999", Group: "g"}, lifecycle.ErrNotFound},
		{"no ID", alice, problem.Assess{Group: "g"}, lifecycle.ErrValidation},
		{"nil command", alice, nil, lifecycle.ErrValidation},
		{"no actor", lifecycle.Actor{}, problem.Assess{ID: p.ID, Group: "g"}, lifecycle.ErrValidation},
		{"invalid transition", alice, problem.Resolve{ID: p.ID, Notes: "x"}, lifecycle.ErrInvalidTransition},
		{"guard", alice, problem.Assess{ID: p.ID}, lifecycle.ErrInvalidTransition},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := f.svc.Do(ctx, c.actor, c.cmd)
			assert.Nil(t, got)
			assert.ErrorIs(t, err, c.is)
			stored, err := f.svc.Get(ctx, p.ID)
			require.NoError(t, err)
			assert.Equal(t, p, stored)
			assert.Empty(t, f.rec.Events())
		})
	}
	var ce *lifecycle.TransitionError
	_, err := f.svc.Do(ctx, alice, problem.Assess{ID: p.ID, Version: 2, Group: "g"})
	assert.False(t, errors.As(err, &ce))
	assert.Contains(t, err.Error(), "expected version 2, found 1")
}

func TestServiceOpenRefusals(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.Open(ctx, alice, problem.Open{})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = f.svc.Open(ctx, lifecycle.Actor{}, problem.Open{Title: "x"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	assert.Zero(t, f.store.Len())

	// An ID collision is the store's conflict.
	same := newFixture(t, func(c *problem.Config) { c.IDs = func() string { return "PRB1" } })
	_, err = same.svc.Open(ctx, alice, problem.Open{Title: "x"})
	require.NoError(t, err)
	_, err = same.svc.Open(ctx, alice, problem.Open{Title: "y"})
	assert.ErrorIs(t, err, lifecycle.ErrConflict)
	assert.Equal(t, []string{problem.TypeOpened}, same.rec.Types())

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.svc.Open(canceled, alice, problem.Open{Title: "x"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, f.store.Len())
}

func TestNotifierFailureKeepsTheChange(t *testing.T) {
	f := newFixture(t)
	p := f.open(t, "INC1")
	f.rec.Err = errors.New("mail server down")
	got, err := f.svc.Assess(ctx, alice, problem.Assess{ID: p.ID, Group: "messaging"})
	require.Error(t, err)
	var ne *lifecycle.NotifyError
	require.ErrorAs(t, err, &ne)
	require.NotNil(t, got)
	assert.Equal(t, problem.StateAssess, got.State)
	stored, _ := f.svc.Get(ctx, p.ID)
	assert.Equal(t, got, stored)

	q, err := f.svc.Open(ctx, alice, problem.Open{Title: "y"})
	require.ErrorAs(t, err, &ne)
	require.NotNil(t, q)
	_, err = f.svc.Get(ctx, q.ID)
	require.NoError(t, err)
}

func TestResolveResolvesWaitingIncidents(t *testing.T) {
	f := newFixture(t)
	p := f.open(t, "INC1", "INC2")
	got := f.drive(t, p.ID, toResolved...)
	assert.Equal(t, problem.StateResolved, got.State)
	assert.Equal(t, []incidentCall{
		{"resolve", "mona", "INC1", p.ID, "Resolved by problem PRB0001 (fix_applied): Spool volume grown"},
		{"resolve", "mona", "INC2", p.ID, "Resolved by problem PRB0001 (fix_applied): Spool volume grown"},
	}, f.incidents.Calls())

	// The default (WhenResolved) does not call again on close.
	f.drive(t, p.ID, problem.Complete{})
	assert.Len(t, f.incidents.Calls(), 2)
	// The owners are told on both.
	var notified []string
	for _, e := range f.rec.Events() {
		if e.Type == problem.TypeIncidentNotified {
			notified = append(notified, e.Data["reason"]+":"+e.Data["incident"])
		}
	}
	assert.Equal(t, []string{"resolved:INC1", "resolved:INC2", "closed:INC1", "closed:INC2"}, notified)
}

// TestAcceptRiskResumesWaitingIncidents: accepting the risk fixes
// nothing, so the waiting incidents are resumed with the workaround, never
// resolved, whatever OnFix says; and again (idempotently) on close under
// WhenResolvedAndClosed.
func TestAcceptRiskResumesWaitingIncidents(t *testing.T) {
	for _, onFix := range []problem.FixAction{problem.FixResolves, problem.FixResumes} {
		f := newFixture(t, func(c *problem.Config) { c.OnFix = onFix; c.ResolveIncidents = problem.WhenResolvedAndClosed })
		p := f.open(t, "INC1")
		f.drive(t, p.ID, toResolved[:3]...)
		f.drive(t, p.ID, problem.AcceptRisk{Notes: "Relay retires in May"})
		want := incidentCall{"resume", "mona", "INC1", p.ID,
			"Problem PRB0001 ended without a fix (risk_accepted): Relay retires in May\nWorkaround: Purge the deferred queue"}
		assert.Equal(t, []incidentCall{want}, f.incidents.Calls(), "OnFix %s", onFix)
		f.drive(t, p.ID, problem.Complete{})
		assert.Equal(t, []incidentCall{want, want}, f.incidents.Calls(), "OnFix %s", onFix)
		require.NoError(t, f.svc.ResolveWaitingIncidents(ctx, alice, p.ID))
		assert.Equal(t, "resume", f.incidents.Calls()[2].Op, "the manual retry resumes too")
	}
}

// TestOnFixResumes: with OnFix FixResumes a real fix resumes the waiting
// incidents for their assignees to confirm, instead of resolving them.
func TestOnFixResumes(t *testing.T) {
	f := newFixture(t, func(c *problem.Config) { c.OnFix = problem.FixResumes })
	p := f.open(t, "INC1", "INC2")
	f.drive(t, p.ID, toResolved...)
	note := "Problem PRB0001 is fixed (fix_applied): Spool volume grown\nCheck the fix with the caller and resolve the incident."
	assert.Equal(t, []incidentCall{
		{"resume", "mona", "INC1", p.ID, note},
		{"resume", "mona", "INC2", p.ID, note},
	}, f.incidents.Calls())
	require.NoError(t, f.svc.ResolveWaitingIncidents(ctx, alice, p.ID))
	assert.Equal(t, []string{"resume", "resume", "resume", "resume"}, ops(f.incidents.Calls()))

	// A failed resume names the incident and the call, and does not stop
	// the others.
	f.incidents.fail = map[string]error{"INC1": errors.New("incident store down")}
	err := f.svc.ResolveWaitingIncidents(ctx, alice, p.ID)
	assert.ErrorContains(t, err, "resuming incident INC1: incident store down")
	assert.Equal(t, []string{"INC1", "INC2", "INC1", "INC2", "INC1", "INC2"}, f.incidents.Incidents())
}

func ops(calls []incidentCall) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Op)
	}
	return out
}

func TestResolveIncidentsPolicies(t *testing.T) {
	for _, c := range []struct {
		when            problem.ResolveWhen
		resolve, closed int
	}{
		{problem.WhenResolved, 2, 2},
		{problem.WhenClosed, 0, 2},
		{problem.WhenResolvedAndClosed, 2, 4},
	} {
		f := newFixture(t, func(cfg *problem.Config) { cfg.ResolveIncidents = c.when })
		p := f.open(t, "INC1", "INC2")
		f.drive(t, p.ID, toResolved...)
		assert.Len(t, f.incidents.Calls(), c.resolve, "policy %d after resolve", c.when)
		f.drive(t, p.ID, problem.Complete{})
		assert.Len(t, f.incidents.Calls(), c.closed, "policy %d after close", c.when)
	}
}

func TestNoIncidentsConfigured(t *testing.T) {
	f := newFixture(t, func(cfg *problem.Config) { cfg.Incidents = nil })
	p := f.open(t, "INC1")
	got := f.drive(t, p.ID, append(toResolved, problem.Complete{})...)
	assert.Equal(t, problem.StateClosed, got.State)
	assert.Empty(t, f.incidents.Calls())
	assert.NoError(t, f.svc.ResolveWaitingIncidents(ctx, alice, p.ID))
}

func TestIncidentFailureIsAFollowUpError(t *testing.T) {
	f := newFixture(t)
	f.incidents.fail = map[string]error{"INC1": errors.New("incident store down")}
	p := f.open(t, "INC1", "INC2")
	f.drive(t, p.ID, toResolved[:4]...)
	f.rec.Err = errors.New("mail server down")

	got, err := f.svc.Resolve(ctx, alice, problem.Resolve{ID: p.ID, Notes: "done"})
	require.Error(t, err)
	require.NotNil(t, got, "the stored problem comes back with the error")
	assert.Equal(t, problem.StateResolved, got.State)
	stored, _ := f.svc.Get(ctx, p.ID)
	assert.Equal(t, got, stored, "the problem change is never undone")

	var fe *lifecycle.FollowUpError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, p.ID, fe.Record)
	assert.ErrorContains(t, err, "resolving incident INC1: incident store down")
	var ne *lifecycle.NotifyError
	assert.ErrorAs(t, err, &ne, "the notifier's failure is joined, not lost")
	assert.Equal(t, []string{"INC1", "INC2"}, f.incidents.Incidents(), "a failure does not stop the others")

	// Retrying by hand.
	f.incidents.fail = nil
	require.NoError(t, f.svc.ResolveWaitingIncidents(ctx, alice, p.ID))
	assert.Equal(t, []string{"INC1", "INC2", "INC1", "INC2"}, f.incidents.Incidents())
}

func TestResolveWaitingIncidentsRefusals(t *testing.T) {
	f := newFixture(t)
	p := f.open(t, "INC1")
	assert.ErrorIs(t, f.svc.ResolveWaitingIncidents(ctx, alice, p.ID), lifecycle.ErrValidation)
	assert.ErrorIs(t, f.svc.ResolveWaitingIncidents(ctx, alice, "PRB9"), lifecycle.ErrNotFound)
	assert.ErrorIs(t, f.svc.ResolveWaitingIncidents(ctx, lifecycle.Actor{}, p.ID), lifecycle.ErrValidation)
	assert.Empty(t, f.incidents.Calls())
}

// TestStoreFailureCallsNothing: when the problem is not stored, no incident
// is resolved and nothing is notified.
func TestStoreFailureCallsNothing(t *testing.T) {
	for _, storeErr := range []error{
		errors.New("database down"),
		lifecycle.Conflict(problem.Process, "PRB0001", 5, 6),
	} {
		f := newFixture(t)
		p := f.open(t, "INC1", "INC2")
		f.drive(t, p.ID, toResolved[:4]...)
		f.rec.Reset()
		f.hook.update = func(context.Context, lifecycle.Write[*problem.Problem]) error { return storeErr }

		got, err := f.svc.Resolve(ctx, alice, problem.Resolve{ID: p.ID, Notes: "done"})
		assert.Nil(t, got)
		assert.ErrorIs(t, err, storeErr)
		var fe *lifecycle.FollowUpError
		assert.False(t, errors.As(err, &fe))
		assert.Empty(t, f.incidents.Calls(), "no incident is resolved for a change that was not stored")
		assert.Empty(t, f.rec.Events(), "nothing is notified for a change that was not stored")
		stored, _ := f.store.Get(ctx, p.ID)
		assert.Equal(t, problem.StateFixInProgress, stored.State)
	}
}

func TestFollowUpsIgnoreCancellationAfterStore(t *testing.T) {
	f := newFixture(t)
	p := f.open(t, "INC1")
	f.drive(t, p.ID, toResolved[:4]...)
	cctx, cancel := context.WithCancel(ctx)
	f.hook.update = func(c context.Context, w lifecycle.Write[*problem.Problem]) error {
		err := f.store.Commit(c, w)
		cancel() // the caller gives up right after the store
		return err
	}
	inc := &ctxIncidents{}
	f2, err := problem.New(problem.Config{Store: f.hook, Incidents: inc, Clock: f.clock})
	require.NoError(t, err)
	_, err = f2.Resolve(cctx, alice, problem.Resolve{ID: p.ID, Notes: "done"})
	require.NoError(t, err)
	assert.False(t, inc.canceled, "follow-ups run without the caller's cancellation")
	assert.Equal(t, 1, inc.calls)
}

type ctxIncidents struct {
	calls    int
	canceled bool
}

// seen counts a call and whether its ctx was canceled.
func (c *ctxIncidents) seen(ctx context.Context) error {
	c.calls++
	c.canceled = ctx.Err() != nil
	return nil
}

func (c *ctxIncidents) ResolveForProblem(ctx context.Context, _ lifecycle.Actor, _, _, _ string) error {
	return c.seen(ctx)
}

func (c *ctxIncidents) ResumeForProblem(ctx context.Context, _ lifecycle.Actor, _, _, _ string) error {
	return c.seen(ctx)
}

func (c *ctxIncidents) MoveToProblem(ctx context.Context, _ lifecycle.Actor, _, _, _ string) error {
	return c.seen(ctx)
}

func TestMarkDuplicateMovesIncidents(t *testing.T) {
	f := newFixture(t)
	orig := f.open(t, "INC1", "INC5")
	dup := f.open(t, "INC2", "INC5", "INC3")
	f.drive(t, dup.ID, problem.Assess{Group: "messaging"})
	f.rec.Reset()

	got, err := f.svc.MarkDuplicate(ctx, alice, problem.MarkDuplicate{ID: dup.ID, Original: orig.ID})
	require.NoError(t, err)
	assert.Equal(t, problem.StateClosed, got.State)
	assert.Equal(t, problem.ResolutionDuplicate, got.Resolution)
	assert.Equal(t, orig.ID, got.DuplicateOf)
	assert.Empty(t, got.Incidents)

	o, err := f.svc.Export(ctx, orig.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"INC1", "INC5", "INC2", "INC3"}, o.Incidents)
	assert.Equal(t, orig.Version+1, o.Version, "the move is one stored change on the original")
	last := o.History[len(o.History)-1]
	assert.Equal(t, "link_incident", last.Event)
	assert.Equal(t, "alice", last.Actor)
	assert.Equal(t, "moved from duplicate "+dup.ID, last.Note)

	events := f.rec.Events()
	require.Equal(t, []string{problem.TypeMarkedDuplicate, problem.TypeIncidentLinked, problem.TypeIncidentLinked}, types(events))
	assert.Equal(t, dup.ID, events[0].Subject, "the duplicate is stored first")
	assert.Equal(t, orig.ID, events[1].Subject)
	assert.Equal(t, map[string]string{"incident": "INC2", "duplicate": dup.ID}, events[1].Data)
	assert.Empty(t, f.incidents.Calls(), "moving incidents resolves none")
}

func TestMarkDuplicateWithoutIncidentsLeavesOriginal(t *testing.T) {
	f := newFixture(t)
	orig := f.open(t)
	dup := f.open(t)
	f.drive(t, dup.ID, problem.Assess{Group: "messaging"}, problem.MarkDuplicate{Original: orig.ID})
	o, _ := f.svc.Get(ctx, orig.ID)
	assert.Equal(t, orig, o)
}

func TestMarkDuplicateRefusals(t *testing.T) {
	f := newFixture(t)
	canceled := f.open(t)
	f.drive(t, canceled.ID, problem.Cancel{Notes: "x"})
	open := f.open(t)
	dupOfOpen := f.open(t)
	f.drive(t, dupOfOpen.ID, problem.Assess{Group: "g"}, problem.MarkDuplicate{Original: open.ID})
	dup := f.open(t, "INC1")
	f.drive(t, dup.ID, problem.Assess{Group: "g"})
	fresh := f.open(t)

	for _, c := range []struct {
		name string
		cmd  problem.MarkDuplicate
		is   []error
	}{
		{"original missing", problem.MarkDuplicate{ID: dup.ID, Original: "PRB9999"}, []error{lifecycle.ErrValidation}},
		{"original is itself", problem.MarkDuplicate{ID: dup.ID, Original: dup.ID}, []error{lifecycle.ErrInvalidTransition, lifecycle.ErrValidation}},
		{"original canceled", problem.MarkDuplicate{ID: dup.ID, Original: canceled.ID}, []error{lifecycle.ErrValidation}},
		{"original is a duplicate", problem.MarkDuplicate{ID: dup.ID, Original: dupOfOpen.ID}, []error{lifecycle.ErrValidation}},
		{"no original", problem.MarkDuplicate{ID: dup.ID}, []error{lifecycle.ErrInvalidTransition, lifecycle.ErrValidation}},
		{"not in assess", problem.MarkDuplicate{ID: fresh.ID, Original: "PRB9999"}, []error{lifecycle.ErrInvalidTransition}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _ := f.svc.Get(ctx, c.cmd.ID)
			f.rec.Reset()
			got, err := f.svc.MarkDuplicate(ctx, alice, c.cmd)
			assert.Nil(t, got)
			for _, is := range c.is {
				assert.ErrorIs(t, err, is)
			}
			after, _ := f.svc.Get(ctx, c.cmd.ID)
			assert.Equal(t, before, after)
			assert.Empty(t, f.rec.Events())
		})
	}
}

// TestMarkDuplicateRetriesOnConflict: the original changes between the
// duplicate's store and the move; the move retries on the new version.
func TestMarkDuplicateRetriesOnConflict(t *testing.T) {
	f := newFixture(t)
	orig := f.open(t)
	dup := f.open(t, "INC2")
	f.drive(t, dup.ID, problem.Assess{Group: "g"})
	raced := false
	f.hook.update = func(c context.Context, w lifecycle.Write[*problem.Problem]) error {
		p := w.Record
		if p.ID == orig.ID && !raced {
			raced = true
			// Someone else updates the original first.
			o, err := f.store.Get(c, orig.ID)
			require.NoError(t, err)
			_, err = o.Apply(alice, t0, problem.AddWorkNote{Text: "concurrent"})
			require.NoError(t, err)
			require.NoError(t, storeUpdate(c, f.store, o, o.Version-1))
		}
		return f.store.Commit(c, w)
	}
	_, err := f.svc.MarkDuplicate(ctx, alice, problem.MarkDuplicate{ID: dup.ID, Original: orig.ID})
	require.NoError(t, err)
	o, _ := f.svc.Export(ctx, orig.ID)
	assert.Equal(t, []string{"INC2"}, o.Incidents)
	assert.Equal(t, int64(3), o.Version)
	assert.Len(t, o.WorkNotes, 1)
}

// TestMarkDuplicateMoveFailure: the original is canceled between the check
// and the move; the duplicate stays closed and the failure is reported.
func TestMarkDuplicateMoveFailure(t *testing.T) {
	f := newFixture(t)
	orig := f.open(t)
	dup := f.open(t, "INC2")
	f.drive(t, dup.ID, problem.Assess{Group: "g"})
	f.hook.update = func(c context.Context, w lifecycle.Write[*problem.Problem]) error {
		p := w.Record
		err := f.store.Commit(c, w)
		if p.ID == dup.ID {
			o, _ := f.store.Get(c, orig.ID)
			_, aerr := o.Apply(alice, t0, problem.Cancel{Notes: "gone"})
			require.NoError(t, aerr)
			require.NoError(t, storeUpdate(c, f.store, o, o.Version-1))
		}
		return err
	}
	got, err := f.svc.MarkDuplicate(ctx, alice, problem.MarkDuplicate{ID: dup.ID, Original: orig.ID})
	require.NotNil(t, got)
	assert.Equal(t, problem.StateClosed, got.State)
	var fe *lifecycle.FollowUpError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, dup.ID, fe.Record)
	assert.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
	assert.ErrorContains(t, err, "moving incidents INC2 to original "+orig.ID)
	stored, _ := f.svc.Get(ctx, dup.ID)
	assert.Equal(t, problem.StateClosed, stored.State, "the duplicate's change stands")
}

func TestResolveWhenString(t *testing.T) {
	assert.Equal(t, "resolved", problem.WhenResolved.String())
	assert.Equal(t, "closed", problem.WhenClosed.String())
	assert.Equal(t, "resolved_and_closed", problem.WhenResolvedAndClosed.String())
	assert.Equal(t, "7", problem.ResolveWhen(7).String())
}

func TestFixActionString(t *testing.T) {
	assert.Equal(t, "resolve", problem.FixResolves.String())
	assert.Equal(t, "resume", problem.FixResumes.String())
	assert.Equal(t, "7", problem.FixAction(7).String())
}

// outboxStore stores events with the change, as a transactional outbox.
type outboxStore struct {
	*problemtest.Store
	lifecycletest.OutboxLog
}

var _ lifecycle.Outbox = (*outboxStore)(nil)

func (o *outboxStore) Commit(ctx context.Context, w lifecycle.Write[*problem.Problem]) error {
	return o.Keep(o.Store.Commit(ctx, w), w.Events)
}

func TestOutboxStoreTakesTheEvents(t *testing.T) {
	store := &outboxStore{Store: problemtest.NewStore()}
	rec := &problemtest.Recorder{}
	svc, err := problem.New(problem.Config{Store: store, Notifier: rec, IDs: lifecycle.Sequence("PRB", 1)})
	require.NoError(t, err)
	p, err := svc.Open(ctx, alice, problem.Open{Title: "x", Incidents: []string{"INC1"}})
	require.NoError(t, err)
	_, err = svc.Assess(ctx, alice, problem.Assess{ID: p.ID, Group: "g"})
	require.NoError(t, err)
	assert.Equal(t, []string{problem.TypeOpened, problem.TypeIncidentLinked, problem.TypeAssessed}, types(store.Events()))
	assert.Empty(t, rec.Events(), "with an outbox the Notifier is not called")
}

// TestOpenWithID: Open.ID names the problem instead of Config.IDs; a taken
// ID is the store's ErrConflict and changes nothing; a malformed one is a
// validation error on "id".
func TestOpenWithID(t *testing.T) {
	f := newFixture(t)
	p, err := f.svc.Open(ctx, alice, problem.Open{ID: " PRB-INC7 ", Title: "Mail down"})
	require.NoError(t, err)
	assert.Equal(t, "PRB-INC7", p.ID)
	stored, err := f.svc.Get(ctx, "PRB-INC7")
	require.NoError(t, err)
	assert.Equal(t, p, stored)

	f.rec.Reset()
	again, err := f.svc.Open(ctx, alice, problem.Open{ID: "PRB-INC7", Title: "Something else"})
	assert.Nil(t, again)
	assert.ErrorIs(t, err, lifecycle.ErrConflict)
	stored2, _ := f.svc.Get(ctx, "PRB-INC7")
	assert.Equal(t, stored, stored2, "the existing problem is untouched")
	assert.Empty(t, f.rec.Events())

	for _, bad := range []string{"  ", "PRB 1", "PRB,1", "PRB\t1"} {
		got, err := f.svc.Open(ctx, alice, problem.Open{ID: bad, Title: "x"})
		assert.Nil(t, got)
		var ve *lifecycle.ValidationError
		require.ErrorAs(t, err, &ve, "ID %q", bad)
		assert.Equal(t, "id", ve.Field)
	}
	assert.Equal(t, 1, f.store.Len())
	assert.Empty(t, f.rec.Events())

	// Without Open.ID, Config.IDs names it.
	q := f.open(t)
	assert.Equal(t, "PRB0001", q.ID)
}

func TestNewProblemOpenID(t *testing.T) {
	p, _, err := problem.NewProblem("", lifecycle.DefaultMatrix, alice, t0, problem.Open{ID: "PRB-X", Title: "x"})
	require.NoError(t, err)
	assert.Equal(t, "PRB-X", p.ID)
	p, _, err = problem.NewProblem("PRB-X", lifecycle.DefaultMatrix, alice, t0, problem.Open{ID: "PRB-X", Title: "x"})
	require.NoError(t, err)
	assert.Equal(t, "PRB-X", p.ID)
	_, _, err = problem.NewProblem("PRB-Y", lifecycle.DefaultMatrix, alice, t0, problem.Open{ID: "PRB-X", Title: "x"})
	lifecycletest.CheckInvalid(t, err, "id")
}
