package problem_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

type offers struct {
	mu    sync.Mutex
	calls []string
}

func (o *offers) OfferWorkaround(_ context.Context, _ lifecycle.Actor, incidentID, problemID, workaround string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, incidentID+"<"+problemID+":"+workaround)
	return nil
}

func newReactorFixture(t *testing.T) (*problem.Service, *problem.Reactor, *offers) {
	t.Helper()
	svc, err := problem.New(problem.Config{Store: problemtest.NewStore(), IDs: lifecycle.Sequence("PRB", 3)})
	require.NoError(t, err)
	o := &offers{}
	return svc, &problem.Reactor{Problems: svc, OpenForMajor: true, ResolveOnChange: true, Workarounds: o}, o
}

func TestReactorOpensProblemForResolvedMajorIncidentOnce(t *testing.T) {
	ctx := context.Background()
	svc, r, _ := newReactorFixture(t)
	ev := lifecycle.Notification{ID: "incident/INC1/9/0", Process: "incident", Subject: "INC1", Type: "resolved",
		Snapshot: lifecycle.Snapshot{State: "resolved", Major: true, Service: "email", Group: "messaging"}}
	require.NoError(t, r.Notify(ctx, ev))
	require.NoError(t, r.Notify(ctx, ev)) // redelivered: nothing more

	page, err := svc.List(ctx, problem.Filter{})
	require.NoError(t, err)
	require.Len(t, page.Problems, 1)
	p := page.Problems[0]
	assert.Equal(t, []string{"INC1"}, p.Incidents)
	assert.Equal(t, "email", p.Service)
	assert.Equal(t, "messaging", p.Group)
	history, err := svc.History(ctx, p.ID, 0, 0)
	require.NoError(t, err)
	require.NotEmpty(t, history)
	assert.Equal(t, lifecycle.System.ID, history[0].Actor)

	// A resolved incident that is not major opens nothing.
	ev.Subject, ev.Snapshot.Major = "INC2", false
	require.NoError(t, r.Notify(ctx, ev))
	page, err = svc.List(ctx, problem.Filter{})
	require.NoError(t, err)
	assert.Len(t, page.Problems, 1)
}

func TestReactorResolvesProblemWhenItsChangeCloses(t *testing.T) {
	ctx := context.Background()
	svc, r, _ := newReactorFixture(t)
	a := lifecycle.Actor{ID: "pat"}
	fixing := func(change string) *problem.Problem {
		p, err := svc.Open(ctx, a, problem.Open{Title: "Disk fills up"})
		require.NoError(t, err)
		_, err = svc.Assess(ctx, a, problem.Assess{ID: p.ID, Group: "storage"})
		require.NoError(t, err)
		_, err = svc.Confirm(ctx, a, problem.Confirm{ID: p.ID, Assignee: "pat"})
		require.NoError(t, err)
		p, err = svc.StartFix(ctx, a, problem.StartFix{ID: p.ID, Changes: []string{change}, RootCause: "log rotation off"})
		require.NoError(t, err)
		return p
	}
	p1, p2 := fixing("CHG1"), fixing("CHG2")

	failed := lifecycle.Notification{ID: "change/CHG1/8/0", Process: "change", Subject: "CHG1", Type: "closed", Data: map[string]string{"outcome": "failed"}}
	require.NoError(t, r.Notify(ctx, failed))
	got, err := svc.Get(ctx, p1.ID)
	require.NoError(t, err)
	assert.Equal(t, problem.StateFixInProgress, got.State, "a failed change fixes nothing")

	ok := failed
	ok.Data = map[string]string{"outcome": "successful"}
	require.NoError(t, r.Notify(ctx, ok))
	require.NoError(t, r.Notify(ctx, ok)) // redelivered: no error, no change
	got, err = svc.Get(ctx, p1.ID)
	require.NoError(t, err)
	assert.Equal(t, problem.StateResolved, got.State)
	assert.Equal(t, problem.ResolutionFixApplied, got.Resolution)
	untouched, err := svc.Get(ctx, p2.ID)
	require.NoError(t, err)
	assert.Equal(t, problem.StateFixInProgress, untouched.State)
}

func TestReactorOffersKnownErrorWorkarounds(t *testing.T) {
	ctx := context.Background()
	svc, r, o := newReactorFixture(t)
	a := lifecycle.Actor{ID: "pat"}
	p, err := svc.Open(ctx, a, problem.Open{Title: "VPN drops", Service: "remote-access", ConfigItem: "vpn-gw-1"})
	require.NoError(t, err)
	_, err = svc.RecordKnownError(ctx, a, problem.RecordKnownError{ID: p.ID, RootCause: "keep-alive too short", Workaround: "reconnect with client 5.3"})
	require.NoError(t, err)
	_, err = svc.Open(ctx, a, problem.Open{Title: "Unrelated", Service: "email"})
	require.NoError(t, err)

	open := func(id, service, ci string) lifecycle.Notification {
		return lifecycle.Notification{ID: "incident/" + id + "/1/0", Process: "incident", Subject: id, Type: "opened",
			Snapshot: lifecycle.Snapshot{State: "new", Service: service, ConfigItem: ci}}
	}
	require.NoError(t, r.Notify(ctx, open("INC7", "remote-access", ""), open("INC8", "", "vpn-gw-1"), open("INC9", "email", "")))
	assert.Equal(t, []string{
		"INC7<" + p.ID + ":reconnect with client 5.3",
		"INC8<" + p.ID + ":reconnect with client 5.3",
	}, o.calls)
}

func TestReactorNeedsService(t *testing.T) {
	assert.Error(t, (&problem.Reactor{}).Notify(context.Background(), lifecycle.Notification{}))
}

func majorResolved(incident string) lifecycle.Notification {
	return lifecycle.Notification{ID: "incident/" + incident + "/9/0", Process: "incident", Subject: incident, Type: "resolved",
		Snapshot: lifecycle.Snapshot{State: "resolved", Major: true, Title: "Mail down", Service: "email", Group: "messaging"}}
}

func TestReactorMajorProblemID(t *testing.T) {
	svc, r, _ := newReactorFixture(t)
	require.NoError(t, r.Notify(ctx, majorResolved("INC1")))
	p, err := svc.Get(ctx, "PRB-INC1")
	require.NoError(t, err, "the default ID is derived from the incident")
	assert.Equal(t, "Root cause of major incident INC1: Mail down", p.Title)

	r.MajorProblemID = func(id string) string { return "PRB-MAJOR-" + id }
	require.NoError(t, r.Notify(ctx, majorResolved("INC2")))
	_, err = svc.Get(ctx, "PRB-MAJOR-INC2")
	require.NoError(t, err)

	// A derived ID that is not a valid ID is reported, and opens nothing.
	r.MajorProblemID = func(id string) string { return "PRB " + id }
	err = r.Notify(ctx, majorResolved("INC3"))
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	r.MajorProblemID = func(string) string { return "" }
	err = r.Notify(ctx, majorResolved("INC3"))
	lifecycletest.CheckInvalid(t, err, "major_problem_id")
	page, err := svc.List(ctx, problem.Filter{Incident: "INC3"})
	require.NoError(t, err)
	assert.Empty(t, page.Problems)
}

// TestReactorDoesNotOpenWhenOff: with OpenForMajor false a resolved major
// incident opens nothing, while the other reactions still work.
func TestReactorDoesNotOpenWhenOff(t *testing.T) {
	svc, r, _ := newReactorFixture(t)
	r.OpenForMajor = false
	require.NoError(t, r.Notify(ctx, majorResolved("INC1"), majorResolved("INC2")))
	page, err := svc.List(ctx, problem.Filter{})
	require.NoError(t, err)
	assert.Empty(t, page.Problems)
}

// barrierStore holds every List call until n of them have arrived, so that
// n concurrent deliveries all pass the reactor's "does a problem link the
// incident?" check before any of them opens one: the race that opened two
// problems for one major incident.
type barrierStore struct {
	problem.Store
	mu      sync.Mutex
	waiting int
	n       int
	release chan struct{}
}

func (b *barrierStore) List(ctx context.Context, f problem.Filter) (problem.Page, error) {
	b.mu.Lock()
	b.waiting++
	if b.waiting == b.n {
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
	case <-time.After(5 * time.Second): // a caller that never came: do not hang
	}
	return b.Store.List(ctx, f)
}

// TestReactorOpensOnceUnderConcurrentDeliveries delivers one event from
// several goroutines at once (run under -race): exactly one problem is
// opened, and every delivery succeeds.
func TestReactorOpensOnceUnderConcurrentDeliveries(t *testing.T) {
	const deliveries = 4
	store := &barrierStore{Store: problemtest.NewStore(), n: deliveries, release: make(chan struct{})}
	svc, err := problem.New(problem.Config{Store: store})
	require.NoError(t, err)
	r := &problem.Reactor{Problems: svc, OpenForMajor: true}
	ev := majorResolved("INC1")
	var wg sync.WaitGroup
	errs := make([]error, deliveries)
	for i := range deliveries {
		wg.Go(func() { errs[i] = r.Notify(ctx, ev) })
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "delivery %d", i)
	}
	page, err := store.Store.List(ctx, problem.Filter{})
	require.NoError(t, err)
	require.Len(t, page.Problems, 1, "one event, one problem")
	assert.Equal(t, "PRB-INC1", page.Problems[0].ID)
	assert.Equal(t, []string{"INC1"}, page.Problems[0].Incidents)
}

// reactorFixture is a Service with a recording Incidents fake, and a
// Reactor resolving problems on change events.
func reactorWithIncidents(t *testing.T, mod ...func(*problem.Config)) (*fixture, *problem.Reactor) {
	f := newFixture(t, mod...)
	return f, &problem.Reactor{Problems: f.svc, ResolveOnChange: true}
}

// fixingProblem opens a problem with incidents and takes it to
// fix_in_progress through changes.
func (f *fixture) fixingProblem(t *testing.T, changes []string, incidents ...string) *problem.Problem {
	t.Helper()
	p := f.open(t, incidents...)
	return f.drive(t, p.ID, problem.Assess{Group: "messaging"}, problem.Confirm{Assignee: "ann"},
		problem.StartFix{Changes: changes, RootCause: "Spool disk full"})
}

func changeClosed(change, outcome string, problems ...string) lifecycle.Notification {
	ev := lifecycle.Notification{ID: "change/" + change + "/9/0", Process: "change", Subject: change, Type: "closed",
		Data: map[string]string{"outcome": outcome}}
	if len(problems) > 0 {
		ev.Data["problems"] = strings.Join(problems, ",")
	}
	return ev
}

func changeCanceled(change string) lifecycle.Notification {
	return lifecycle.Notification{ID: "change/" + change + "/4/0", Process: "change", Subject: change, Type: "canceled",
		Data: map[string]string{"reason": "not needed"}}
}

// TestReactorRedeliveryRetriesIncidentFollowUp: resolving the problem was
// stored but resolving a waiting incident failed; delivering the change
// event again resolves the incident, without touching the problem.
func TestReactorRedeliveryRetriesIncidentFollowUp(t *testing.T) {
	f, r := reactorWithIncidents(t)
	p := f.fixingProblem(t, []string{"CHG1"}, "INC1", "INC2")
	f.incidents.fail = map[string]error{"INC1": errors.New("incident store down")}
	ev := changeClosed("CHG1", "successful")

	err := r.Notify(ctx, ev)
	var fe *lifecycle.FollowUpError
	require.ErrorAs(t, err, &fe, "the failed follow-up is reported")
	got, _ := f.svc.Get(ctx, p.ID)
	require.Equal(t, problem.StateResolved, got.State)
	assert.Equal(t, []string{"INC1", "INC2"}, f.incidents.Incidents())

	f.incidents.fail = nil
	require.NoError(t, r.Notify(ctx, ev))
	again, _ := f.svc.Get(ctx, p.ID)
	assert.Equal(t, got, again, "the problem is not changed again")
	assert.Equal(t, []string{"INC1", "INC2", "INC1", "INC2"}, f.incidents.Incidents(), "the incidents' follow-up is retried")
	assert.Equal(t, []string{"resolve", "resolve", "resolve", "resolve"}, ops(f.incidents.Calls()))

	// The configured action is retried: OnFix resume resumes.
	g, rg := reactorWithIncidents(t, func(c *problem.Config) { c.OnFix = problem.FixResumes })
	g.fixingProblem(t, []string{"CHG1"}, "INC1")
	require.NoError(t, rg.Notify(ctx, ev, ev))
	assert.Equal(t, []string{"resume", "resume"}, ops(g.incidents.Calls()))

	// Under WhenClosed, resolving acts on no incident, and neither does a
	// redelivery.
	h, rh := reactorWithIncidents(t, func(c *problem.Config) { c.ResolveIncidents = problem.WhenClosed })
	hp := h.fixingProblem(t, []string{"CHG1"}, "INC1")
	require.NoError(t, rh.Notify(ctx, ev, ev))
	resolved, _ := h.svc.Get(ctx, hp.ID)
	assert.Equal(t, problem.StateResolved, resolved.State)
	assert.Empty(t, h.incidents.Calls())
}

// TestReactorResolvesProblemsTheChangeLists: the change's "closed" event
// names the problems it fixes in Data["problems"]; those in
// fix_in_progress are resolved even when they do not list the change.
func TestReactorResolvesProblemsTheChangeLists(t *testing.T) {
	f, r := reactorWithIncidents(t)
	listed := f.fixingProblem(t, []string{"CHG1"})
	analysing := f.open(t)
	f.drive(t, analysing.ID, problem.Assess{Group: "g"})
	other := f.fixingProblem(t, []string{"CHG2"})

	require.NoError(t, r.Notify(ctx, changeClosed("CHG9", "successful", listed.ID, analysing.ID, "PRB-UNKNOWN")))
	got, _ := f.svc.Get(ctx, listed.ID)
	assert.Equal(t, problem.StateResolved, got.State)
	assert.Equal(t, "Fixed by change CHG9 (outcome successful).", got.ResolutionNotes)
	a, _ := f.svc.Get(ctx, analysing.ID)
	assert.Equal(t, problem.StateAssess, a.State, "only a problem whose fix is in progress is resolved")
	o, _ := f.svc.Get(ctx, other.ID)
	assert.Equal(t, problem.StateFixInProgress, o.State)

	// A failed change resolves nothing, whatever it lists.
	require.NoError(t, r.Notify(ctx, changeClosed("CHG2", "failed", other.ID)))
	o, _ = f.svc.Get(ctx, other.ID)
	assert.Equal(t, problem.StateFixInProgress, o.State)
}

// fakeOutcomes answers ChangeOutcome from a map: "pending", "successful",
// "failed", "canceled"; an absent change is not found.
type fakeOutcomes map[string]string

func (o fakeOutcomes) ChangeOutcome(_ context.Context, id string) (bool, bool, error) {
	switch s, ok := o[id]; {
	case !ok:
		return false, false, lifecycle.NotFound("change", id)
	case s == "pending":
		return false, false, nil
	default:
		return true, s == "successful", nil
	}
}

// TestReactorWaitsForEveryChange: with Changes set, a problem fixed
// through several changes resolves only once each has ended (closed or
// canceled) and at least one succeeded; without it, the first successful
// close resolves it.
func TestReactorWaitsForEveryChange(t *testing.T) {
	t.Run("with Changes", func(t *testing.T) {
		f, r := reactorWithIncidents(t)
		outcomes := fakeOutcomes{"CHG1": "pending", "CHG2": "pending", "CHG3": "pending"}
		r.Changes = outcomes
		p := f.fixingProblem(t, []string{"CHG1", "CHG2", "CHG3"}, "INC1")

		outcomes["CHG1"] = "successful"
		require.NoError(t, r.Notify(ctx, changeClosed("CHG1", "successful")))
		got, _ := f.svc.Get(ctx, p.ID)
		assert.Equal(t, problem.StateFixInProgress, got.State, "CHG2 and CHG3 are pending")

		outcomes["CHG2"] = "failed"
		require.NoError(t, r.Notify(ctx, changeClosed("CHG2", "failed")))
		got, _ = f.svc.Get(ctx, p.ID)
		assert.Equal(t, problem.StateFixInProgress, got.State, "CHG3 is pending")
		assert.Empty(t, f.incidents.Calls())

		outcomes["CHG3"] = "canceled"
		require.NoError(t, r.Notify(ctx, changeCanceled("CHG3")))
		got, _ = f.svc.Get(ctx, p.ID)
		assert.Equal(t, problem.StateResolved, got.State, "every change ended, CHG1 succeeded")
		assert.Equal(t, "Fixed by change CHG1; every fixing change (CHG1, CHG2, CHG3) has ended.", got.ResolutionNotes)
		assert.Equal(t, []string{"INC1"}, f.incidents.Incidents())
	})
	t.Run("every change failed", func(t *testing.T) {
		f, r := reactorWithIncidents(t)
		r.Changes = fakeOutcomes{"CHG1": "failed"}
		p := f.fixingProblem(t, []string{"CHG1", "CHG2"})
		require.NoError(t, r.Notify(ctx, changeCanceled("CHG2")))
		got, _ := f.svc.Get(ctx, p.ID)
		assert.Equal(t, problem.StateFixInProgress, got.State, "nothing fixed it: people decide")
	})
	t.Run("the change's own event decides for it", func(t *testing.T) {
		f, r := reactorWithIncidents(t)
		r.Changes = fakeOutcomes{"CHG1": "successful"} // CHG2 unknown to the source: its event speaks
		p := f.fixingProblem(t, []string{"CHG1"})
		require.NoError(t, r.Notify(ctx, changeClosed("CHG2", "successful_with_issues", p.ID)))
		got, _ := f.svc.Get(ctx, p.ID)
		assert.Equal(t, problem.StateResolved, got.State)
		assert.Equal(t, "Fixed by changes CHG1, CHG2; every fixing change (CHG1, CHG2) has ended.", got.ResolutionNotes)
	})
	t.Run("an unknown change is an error", func(t *testing.T) {
		f, r := reactorWithIncidents(t)
		r.Changes = fakeOutcomes{}
		p := f.fixingProblem(t, []string{"CHG1", "CHG2"})
		err := r.Notify(ctx, changeClosed("CHG1", "successful"))
		assert.ErrorIs(t, err, lifecycle.ErrNotFound)
		assert.ErrorContains(t, err, "outcome of change CHG2")
		got, _ := f.svc.Get(ctx, p.ID)
		assert.Equal(t, problem.StateFixInProgress, got.State)
	})
	t.Run("without Changes", func(t *testing.T) {
		f, r := reactorWithIncidents(t)
		p := f.fixingProblem(t, []string{"CHG1", "CHG2"})
		require.NoError(t, r.Notify(ctx, changeCanceled("CHG2")), "a canceled change is ignored")
		got, _ := f.svc.Get(ctx, p.ID)
		assert.Equal(t, problem.StateFixInProgress, got.State)
		require.NoError(t, r.Notify(ctx, changeClosed("CHG1", "successful")))
		got, _ = f.svc.Get(ctx, p.ID)
		assert.Equal(t, problem.StateResolved, got.State, "the first successful close resolves it, CHG2 or not")
	})
	t.Run("ChangeOutcomesFunc", func(t *testing.T) {
		var asked []string
		fn := problem.ChangeOutcomesFunc(func(_ context.Context, id string) (bool, bool, error) {
			asked = append(asked, id)
			return true, false, nil
		})
		ended, ok, err := fn.ChangeOutcome(ctx, "CHG7")
		require.NoError(t, err)
		assert.True(t, ended)
		assert.False(t, ok)
		assert.Equal(t, []string{"CHG7"}, asked)
	})
}

// listHookStore runs after once, after the first List returns: a
// concurrent writer acting between the reactor's scan and its resolve.
type listHookStore struct {
	problem.Store
	once  sync.Once
	after func()
}

func (l *listHookStore) List(ctx context.Context, f problem.Filter) (problem.Page, error) {
	page, err := l.Store.List(ctx, f)
	l.once.Do(l.after)
	return page, err
}

// TestReactorRereadsAfterConcurrentChange: the problem changes between the
// reactor's scan and its resolve; the reactor reads it again and resolves
// the new version, or, when the change linked one more pending change,
// waits for it.
func TestReactorRereadsAfterConcurrentChange(t *testing.T) {
	for _, c := range []struct {
		name string
		cmd  problem.Command
		want problem.State
	}{
		{"work note", problem.AddWorkNote{Text: "checking"}, problem.StateResolved},
		{"another change", problem.LinkChange{Changes: []string{"CHG2"}}, problem.StateFixInProgress},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.fixingProblem(t, []string{"CHG1"})
			hook := &listHookStore{Store: f.store, after: func() { f.drive(t, p.ID, c.cmd) }}
			svc, err := problem.New(problem.Config{Store: hook, Clock: f.clock})
			require.NoError(t, err)
			r := &problem.Reactor{Problems: svc, ResolveOnChange: true, Changes: fakeOutcomes{"CHG1": "successful", "CHG2": "pending"}}
			require.NoError(t, r.Notify(ctx, changeClosed("CHG1", "successful")))
			got, _ := f.svc.Get(ctx, p.ID)
			assert.Equal(t, c.want, got.State)
		})
	}
}
