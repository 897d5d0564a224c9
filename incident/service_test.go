package incident_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var (
	ctx     = context.Background()
	start   = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ann     = lifecycle.Actor{ID: "ann"}
	carol   = lifecycle.Actor{ID: "carol"}
	manager = lifecycle.Actor{ID: "mim", Roles: []string{incident.RoleMajorIncidentManager}}
)

type env struct {
	svc   *incident.Service
	store incident.Store
	rec   *incidenttest.Recorder
	clock *lifecycletest.Clock
}

func newEnv(t testing.TB, edit ...func(*incident.Config)) *env {
	t.Helper()
	e := &env{store: incidenttest.NewStore(), rec: &incidenttest.Recorder{}, clock: lifecycletest.NewClock(start)}
	cfg := incident.Config{Store: e.store, Notifier: e.rec, Clock: e.clock, IDs: lifecycle.Sequence("INC", 4)}
	for _, f := range edit {
		f(&cfg)
	}
	e.store = cfg.Store
	svc, err := incident.New(cfg)
	require.NoError(t, err)
	e.svc = svc
	return e
}

func (e *env) open(t testing.TB, cmd incident.Open) *incident.Incident {
	t.Helper()
	if cmd.Title == "" {
		cmd.Title = "something is broken"
	}
	x, err := e.svc.Open(ctx, ann, cmd)
	require.NoError(t, err)
	return x
}

func (e *env) do(t testing.TB, actor lifecycle.Actor, cmd incident.Command) *incident.Incident {
	t.Helper()
	x, err := e.svc.Do(ctx, actor, cmd)
	require.NoError(t, err)
	return x
}

// bare returns a copy of x without its history and journal: the incident
// as the Store keeps it.
func bare(x *incident.Incident) *incident.Incident {
	if x == nil {
		return nil
	}
	c := x.Clone()
	c.History, c.Comments, c.WorkNotes = nil, nil, nil
	return c
}

// get reads incident id whole, its history and journal included.
func (e *env) get(t testing.TB, id string) *incident.Incident {
	t.Helper()
	x, err := e.svc.Export(ctx, id)
	require.NoError(t, err)
	return x
}

func TestNewValidatesConfig(t *testing.T) {
	_, err := incident.New(incident.Config{})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = incident.New(incident.Config{Store: incidenttest.NewStore(), EscalationLevels: -1})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)

	svc, err := incident.New(incident.Config{Store: incidenttest.NewStore()})
	require.NoError(t, err)
	x, err := svc.Open(ctx, ann, incident.Open{Title: "defaults"})
	require.NoError(t, err)
	assert.Regexp(t, `^INC[0-9A-Z]{20}$`, x.ID, "default IDs are lifecycle.RandomIDs(\"INC\")")
	assert.WithinDuration(t, time.Now(), x.CreatedAt, time.Minute, "default clock is the system clock")
	assert.Equal(t, incident.Rules{}, svc.Rules(), "default rules")
}

func TestServiceLifecycle(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.Open(ctx, ann, incident.Open{Title: " "})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	x := e.open(t, incident.Open{Title: "VPN down", Impact: 2, Urgency: 1, Caller: "carol"})
	assert.Equal(t, "INC0001", x.ID, "bad input uses up no ID")
	assert.Equal(t, int64(1), x.Version)

	e.clock.Advance(time.Minute)
	x, err = e.svc.Assign(ctx, ann, incident.Assign{ID: x.ID, Version: 1, Group: "network", Assignee: "ann"})
	require.NoError(t, err)
	assert.Equal(t, incident.StateInProgress, x.State)
	x, err = e.svc.Hold(ctx, ann, incident.Hold{ID: x.ID, Reason: incident.HoldAwaitingCaller, Comment: "Which office?"})
	require.NoError(t, err)
	x, err = e.svc.CallerUpdate(ctx, carol, incident.CallerUpdate{ID: x.ID, Text: "Lyon"})
	require.NoError(t, err)
	assert.Equal(t, incident.StateInProgress, x.State)
	x, err = e.svc.WorkNote(ctx, ann, incident.WorkNote{ID: x.ID, Text: "tunnel flapping"})
	require.NoError(t, err)
	x, err = e.svc.Resolve(ctx, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "restarted the tunnel"})
	require.NoError(t, err)
	x, err = e.svc.Close(ctx, carol, incident.Close{ID: x.ID, Note: "works"})
	require.NoError(t, err)
	assert.Equal(t, incident.StateClosed, x.State)
	assert.Equal(t, int64(7), x.Version)
	assert.Empty(t, x.History, "a command's result is the incident as stored, without its history")
	assert.Empty(t, x.WorkNotes, "nor its journal")
	whole := e.get(t, x.ID)
	require.Len(t, whole.History, 7)
	assert.Equal(t, "close", whole.History[6].Event)
	assert.Equal(t, []string{"tunnel flapping"}, []string{whole.WorkNotes[0].Text})
	assert.Equal(t, bare(whole), x, "the returned incident is the stored one")
	assert.Equal(t, []string{
		incident.TypeOpened, incident.TypeAssigned, incident.TypePutOnHold,
		incident.TypeCallerUpdated, incident.TypeResumed, incident.TypeWorkNoteAdded,
		incident.TypeResolved, incident.TypeClosed,
	}, e.rec.Types())
	for _, ev := range e.rec.Events() {
		assert.Equal(t, "incident", ev.Process)
		assert.Equal(t, x.ID, ev.Subject)
	}

	// Closed is final.
	_, err = e.svc.Comment(ctx, ann, incident.Comment{ID: x.ID, Text: "hello?"})
	assert.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
}

func TestServiceErrorsChangeAndNotifyNothing(t *testing.T) {
	e := newEnv(t)
	x := e.open(t, incident.Open{})
	e.rec.Reset()
	for name, c := range map[string]struct {
		actor lifecycle.Actor
		cmd   incident.Command
		want  error
	}{
		"not found":     {ann, incident.Comment{ID: "INC9999", Text: "x"}, lifecycle.ErrNotFound},
		"stale version": {ann, incident.Comment{ID: x.ID, Version: 7, Text: "x"}, lifecycle.ErrConflict},
		"invalid":       {ann, incident.Resolve{ID: x.ID, Code: incident.CodeDuplicate}, lifecycle.ErrValidation},
		"transition":    {ann, incident.Close{ID: x.ID}, lifecycle.ErrInvalidTransition},
		"forbidden":     {ann, incident.AcceptMajor{ID: x.ID}, lifecycle.ErrForbidden},
		"no actor":      {lifecycle.Actor{}, incident.Comment{ID: x.ID, Text: "x"}, lifecycle.ErrValidation},
		"no id":         {ann, incident.Comment{Text: "x"}, lifecycle.ErrValidation},
		"nil command":   {ann, nil, lifecycle.ErrValidation},
	} {
		got, err := e.svc.Do(ctx, c.actor, c.cmd)
		assert.ErrorIs(t, err, c.want, name)
		assert.Nil(t, got, name)
	}
	assert.Empty(t, e.rec.Events())
	assert.Equal(t, x, bare(e.get(t, x.ID)))

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := e.svc.Comment(canceled, ann, incident.Comment{ID: x.ID, Text: "x"})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = e.svc.Open(canceled, ann, incident.Open{Title: "t"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, x, bare(e.get(t, x.ID)))
	assert.Empty(t, e.rec.Events())
}

func TestNotifierFailureKeepsTheChange(t *testing.T) {
	e := newEnv(t)
	boom := errors.New("smtp down")
	e.rec.Err = boom
	x, err := e.svc.Open(ctx, ann, incident.Open{Title: "t"})
	require.NotNil(t, x, "the incident was stored")
	var ne *lifecycle.NotifyError
	require.ErrorAs(t, err, &ne)
	assert.ErrorIs(t, ne.Err, boom, "the notifier's error is in NotifyError.Err (it is not unwrapped, see lifecycle.NotifyError)")
	assert.Equal(t, x, bare(e.get(t, x.ID)))

	x, err = e.svc.Comment(ctx, ann, incident.Comment{ID: x.ID, Text: "hi"})
	require.ErrorAs(t, err, &ne)
	require.NotNil(t, x)
	assert.Equal(t, int64(2), e.get(t, x.ID).Version)
	assert.Equal(t, []string{incident.TypeOpened, incident.TypeCommented}, e.rec.Types(), "the notifier was called with the events")
}

// outboxStore stores events with the change, as a transactional outbox.
type outboxStore struct {
	*incidenttest.Store
	lifecycletest.OutboxLog
}

func (s *outboxStore) Commit(ctx context.Context, w lifecycle.Write[*incident.Incident]) error {
	return s.Keep(s.Store.Commit(ctx, w), w.Events)
}

func TestNotifierFuncIsNotified(t *testing.T) {
	var got []string
	fn := lifecycle.NotifierFunc(func(_ context.Context, evs ...lifecycle.Notification) error {
		for _, ev := range evs {
			got = append(got, ev.Type)
		}
		return nil
	})
	e := newEnv(t, func(c *incident.Config) { c.Notifier = fn })
	x := e.open(t, incident.Open{})
	e.do(t, ann, incident.Comment{ID: x.ID, Text: "hi"})
	assert.Equal(t, []string{incident.TypeOpened, incident.TypeCommented}, got)
}

func TestOutboxStoreGetsTheEvents(t *testing.T) {
	ob := &outboxStore{Store: incidenttest.NewStore()}
	e := newEnv(t, func(c *incident.Config) { c.Store = ob; c.Notifier = nil })
	x := e.open(t, incident.Open{})
	e.do(t, ann, incident.Assign{ID: x.ID, Assignee: "ann"})
	require.Len(t, ob.Events(), 2, "even with no notifier, an outbox store gets every event")
	assert.Equal(t, "incident/INC0001/2/0", ob.Events()[1].ID)
	assert.Empty(t, e.rec.Events())
}

func TestMajorIncidentRoles(t *testing.T) {
	e := newEnv(t)
	x := e.open(t, incident.Open{})
	e.do(t, ann, incident.ProposeMajor{ID: x.ID, Reason: "all of Lyon"})
	_, err := e.svc.AcceptMajor(ctx, ann, incident.AcceptMajor{ID: x.ID})
	lifecycletest.CheckForbidden(t, err, "ann", incident.RoleMajorIncidentManager)
	x, err = e.svc.AcceptMajor(ctx, manager, incident.AcceptMajor{ID: x.ID})
	require.NoError(t, err)
	assert.True(t, x.Snapshot().Major)
	_, err = e.svc.RejectMajor(ctx, manager, incident.RejectMajor{ID: x.ID, Reason: "r"})
	assert.ErrorIs(t, err, lifecycle.ErrInvalidTransition, "an accepted major incident is no longer a candidate")
}

func TestResolvingAParentResolvesItsOpenChildren(t *testing.T) {
	e := newEnv(t)
	p := e.open(t, incident.Open{Title: "core switch down"})
	c1 := e.open(t, incident.Open{Title: "no network on floor 1", Parent: p.ID})
	c2 := e.open(t, incident.Open{Title: "no network on floor 2"})
	e.do(t, ann, incident.SetParent{ID: c2.ID, Parent: p.ID})
	e.do(t, ann, incident.Assign{ID: c2.ID, Assignee: "bob"})
	e.do(t, ann, incident.Hold{ID: c2.ID, Reason: incident.HoldAwaitingVendor})
	c3 := e.open(t, incident.Open{Title: "printer", Parent: p.ID})
	e.do(t, ann, incident.Resolve{ID: c3.ID, Code: incident.CodeUserError, Notes: "paper"})
	c4 := e.open(t, incident.Open{Title: "dup", Parent: p.ID})
	e.do(t, ann, incident.Cancel{ID: c4.ID, Reason: "duplicate"})
	other := e.open(t, incident.Open{Title: "unrelated"})
	e.rec.Reset()

	e.clock.Advance(time.Hour)
	p, err := e.svc.Resolve(ctx, ann, incident.Resolve{ID: p.ID, Code: incident.CodeSolutionProvided, Notes: "replaced the switch"})
	require.NoError(t, err)
	assert.Equal(t, incident.StateResolved, p.State)

	for _, id := range []string{c1.ID, c2.ID} {
		c := e.get(t, id)
		assert.Equal(t, incident.StateResolved, c.State, id)
		assert.Equal(t, incident.CodeSolutionProvided, c.ResolutionCode)
		assert.Equal(t, "replaced the switch", c.ResolutionNotes)
		assert.Equal(t, "ann", c.ResolvedBy)
		assert.Equal(t, "resolved with parent "+p.ID+": replaced the switch", c.History[len(c.History)-1].Note)
	}
	assert.Equal(t, incident.CodeUserError, e.get(t, c3.ID).ResolutionCode, "an already resolved child keeps its resolution")
	assert.Equal(t, incident.StateCanceled, e.get(t, c4.ID).State)
	assert.Equal(t, incident.StateNew, e.get(t, other.ID).State)

	evs := e.rec.Events()
	require.Len(t, evs, 3)
	assert.Equal(t, p.ID, evs[0].Subject, "the parent's change is stored and notified first")
	assert.Equal(t, map[string]string{"code": "solution_provided", "notes": "replaced the switch", "parent": p.ID}, evs[1].Data)

	// A child cannot be reopened under a resolved parent...
	_, err = e.svc.Reopen(ctx, carol, incident.Reopen{ID: c1.ID, Reason: "still down"})
	var te *lifecycle.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Contains(t, te.Reason.Error(), "parent "+p.ID+" is resolved")
	assert.Equal(t, incident.StateResolved, e.get(t, c1.ID).State)
	// ...but can once the parent is reopened.
	e.do(t, carol, incident.Reopen{ID: p.ID, Reason: "still down"})
	c, err := e.svc.Reopen(ctx, carol, incident.Reopen{ID: c1.ID, Reason: "still down"})
	require.NoError(t, err)
	assert.Equal(t, incident.StateInProgress, c.State)
	assert.Equal(t, 1, c.ReopenCount)
}

func TestClosingAParentResolvesStragglers(t *testing.T) {
	e := newEnv(t)
	p := e.open(t, incident.Open{})
	c := e.open(t, incident.Open{Parent: p.ID})
	p = e.do(t, ann, incident.Resolve{ID: p.ID, Code: incident.CodeSolutionProvided, Notes: "n"})
	// Simulate a cascade that failed: reopen the child behind the
	// service's back.
	raw, err := e.store.Get(ctx, c.ID)
	require.NoError(t, err)
	raw.State, raw.ResolutionCode, raw.Version = incident.StateInProgress, "", raw.Version+1
	reopen := lifecycle.Record{Seq: int(raw.Version), Event: "reopen", From: "resolved", To: "in_progress"}
	require.NoError(t, e.store.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: raw, Expected: raw.Version - 1, History: []lifecycle.Record{reopen}}))

	e.do(t, ann, incident.Close{ID: p.ID})
	assert.Equal(t, incident.StateResolved, e.get(t, c.ID).State)
}

// failingStore fails every write of one ID.
type failingStore struct {
	incident.Store
	id  string
	err error
}

func (s failingStore) Commit(ctx context.Context, w lifecycle.Write[*incident.Incident]) error {
	if w.Record.ID == s.id {
		return s.err
	}
	return s.Store.Commit(ctx, w)
}

func TestFailedCascadeIsAFollowUpError(t *testing.T) {
	e := newEnv(t)
	p := e.open(t, incident.Open{})
	c := e.open(t, incident.Open{Parent: p.ID})
	boom := errors.New("disk full")
	svc, err := incident.New(incident.Config{Store: failingStore{e.store, c.ID, boom}, Clock: e.clock})
	require.NoError(t, err)
	got, err := svc.Resolve(ctx, ann, incident.Resolve{ID: p.ID, Code: incident.CodeSolutionProvided, Notes: "n"})
	require.NotNil(t, got, "the parent's change stands")
	assert.Equal(t, incident.StateResolved, got.State)
	var fe *lifecycle.FollowUpError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, c.ID, fe.Target)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, incident.StateResolved, e.get(t, p.ID).State)
}

func TestParentRules(t *testing.T) {
	e := newEnv(t)
	p := e.open(t, incident.Open{})
	c := e.open(t, incident.Open{Parent: p.ID})
	solo := e.open(t, incident.Open{})
	resolved := e.open(t, incident.Open{})
	e.do(t, ann, incident.Resolve{ID: resolved.ID, Code: incident.CodeSolutionProvided, Notes: "n"})

	for name, c := range map[string]struct {
		id, parent string
	}{
		"missing parent":        {solo.ID, "INC9999"},
		"resolved parent":       {solo.ID, resolved.ID},
		"parent is a child":     {solo.ID, c.ID},
		"child has children":    {p.ID, solo.ID},
		"incident is own child": {solo.ID, solo.ID},
	} {
		_, err := e.svc.SetParent(ctx, ann, incident.SetParent{ID: c.id, Parent: c.parent})
		assert.ErrorIs(t, err, lifecycle.ErrValidation, name)
	}
	_, err := e.svc.Open(ctx, ann, incident.Open{Title: "t", Parent: resolved.ID})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = e.svc.Open(ctx, ann, incident.Open{Title: "t", Parent: "INC9999"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)

	// Detach, then the former parent lists no children.
	x := e.do(t, ann, incident.SetParent{ID: c.ID})
	assert.Equal(t, "", x.Parent)
	page, err := e.svc.List(ctx, incident.Filter{Parent: p.ID})
	require.NoError(t, err)
	assert.Empty(t, page.Incidents)
}

// hookStore runs hook once, just before the first write of id.
type hookStore struct {
	incident.Store
	id   string
	once sync.Once
	hook func()
}

func (s *hookStore) Commit(ctx context.Context, w lifecycle.Write[*incident.Incident]) error {
	if w.Record.ID == s.id {
		s.once.Do(s.hook)
	}
	return s.Store.Commit(ctx, w)
}

func TestAutoClose(t *testing.T) {
	e := newEnv(t)
	resolve := func(x *incident.Incident) {
		e.do(t, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "n"})
	}
	old := e.open(t, incident.Open{})
	resolve(old)
	touched := e.open(t, incident.Open{})
	resolve(touched)
	major := e.open(t, incident.Open{})
	e.do(t, ann, incident.ProposeMajor{ID: major.ID, Reason: "r"})
	e.do(t, manager, incident.AcceptMajor{ID: major.ID})
	resolve(major)
	open := e.open(t, incident.Open{})

	e.clock.Advance(6 * 24 * time.Hour)
	e.do(t, carol, incident.Comment{ID: touched.ID, Text: "any update restarts the count"})
	fresh := e.open(t, incident.Open{})
	resolve(fresh)

	e.clock.Advance(24*time.Hour + time.Second)
	e.rec.Reset()
	n, err := e.svc.AutoClose(ctx, lifecycle.System)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	x := e.get(t, old.ID)
	assert.Equal(t, incident.StateClosed, x.State)
	assert.Equal(t, "ann", x.ClosedBy, "the closer is recorded as the resolver")
	last := x.History[len(x.History)-1]
	assert.Equal(t, "system", last.Actor)
	assert.Equal(t, "auto-closed: resolved with no update for 168h0m0s", last.Note)
	assert.Equal(t, []string{incident.TypeClosed}, e.rec.Types())
	assert.Equal(t, "true", e.rec.Events()[0].Data["auto"])
	for _, id := range []string{touched.ID, major.ID, fresh.ID} {
		assert.Equal(t, incident.StateResolved, e.get(t, id).State, id)
	}
	assert.Equal(t, incident.StateNew, e.get(t, open.ID).State)

	n, err = e.svc.AutoClose(ctx, lifecycle.System)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "running it again closes nothing")

	e.clock.Advance(30 * 24 * time.Hour)
	n, err = e.svc.AutoClose(ctx, lifecycle.System)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, incident.StateResolved, e.get(t, major.ID).State, "major incidents are never auto-closed")
}

func TestAutoCloseConfig(t *testing.T) {
	e := newEnv(t, func(c *incident.Config) { c.AutoCloseAfter = -1 })
	x := e.open(t, incident.Open{})
	e.do(t, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "n"})
	e.clock.Set(start.AddDate(1, 0, 0))
	n, err := e.svc.AutoClose(ctx, lifecycle.System)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "negative AutoCloseAfter disables auto-close")

	e = newEnv(t, func(c *incident.Config) { c.AutoCloseAfter = time.Hour })
	x = e.open(t, incident.Open{})
	e.do(t, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "n"})
	e.clock.Set(start.Add(59 * time.Minute))
	n, err = e.svc.AutoClose(ctx, lifecycle.System)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	e.clock.Set(start.Add(61 * time.Minute))
	n, err = e.svc.AutoClose(ctx, lifecycle.System)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// TestAutoCloseManyPagesAndReplicas: more candidates than a page, closed
// by several replicas at once; each incident is closed exactly once.
func TestAutoCloseManyPagesAndReplicas(t *testing.T) {
	e := newEnv(t)
	const total = 250
	for range total {
		x := e.open(t, incident.Open{})
		e.do(t, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "n"})
	}
	e.clock.Set(start.AddDate(0, 1, 0))
	var closed atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			n, err := e.svc.AutoClose(ctx, lifecycle.System)
			assert.NoError(t, err)
			closed.Add(int64(n))
		})
	}
	wg.Wait()
	assert.Equal(t, int64(total), closed.Load())
	page, err := e.svc.List(ctx, incident.Filter{States: []incident.State{incident.StateClosed}, Limit: incident.MaxLimit})
	require.NoError(t, err)
	require.Len(t, page.Incidents, total)
	for _, x := range page.Incidents {
		assert.Equal(t, int64(3), x.Version, "%s closed once", x.ID)
	}
	closes := 0
	for _, ty := range e.rec.Types() {
		if ty == incident.TypeClosed {
			closes++
		}
	}
	assert.Equal(t, total, closes)
}

func TestListRefusesImpossibleFilters(t *testing.T) {
	e := newEnv(t)
	e.open(t, incident.Open{})
	page, err := e.svc.List(ctx, incident.Filter{States: []incident.State{incident.StateNew}, Major: []incident.MajorStatus{""}, Priorities: []lifecycle.Priority{5}})
	require.NoError(t, err)
	assert.Len(t, page.Incidents, 1)
	for field, f := range map[string]incident.Filter{
		"states":     {States: []incident.State{incident.StateNew, "opened"}},
		"major":      {Major: []incident.MajorStatus{"maybe"}},
		"priorities": {Priorities: []lifecycle.Priority{0}},
	} {
		_, err := e.svc.List(ctx, f)
		var ve *lifecycle.ValidationError
		require.ErrorAs(t, err, &ve, field)
		assert.Equal(t, field, ve.Field)
		assert.ErrorIs(t, f.Validate(), lifecycle.ErrValidation)
	}
}
