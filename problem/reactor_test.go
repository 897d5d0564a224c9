package problem_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
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
	ev := lifecycle.Event{ID: "incident/INC1/9/0", Process: "incident", Subject: "INC1", Type: "resolved",
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
	assert.Equal(t, lifecycle.System.ID, p.History[0].Actor)

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

	failed := lifecycle.Event{ID: "change/CHG1/8/0", Process: "change", Subject: "CHG1", Type: "closed", Data: map[string]string{"outcome": "failed"}}
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

	open := func(id, service, ci string) lifecycle.Event {
		return lifecycle.Event{ID: "incident/" + id + "/1/0", Process: "incident", Subject: id, Type: "opened",
			Snapshot: lifecycle.Snapshot{State: "new", Service: service, ConfigItem: ci}}
	}
	require.NoError(t, r.Notify(ctx, open("INC7", "remote-access", ""), open("INC8", "", "vpn-gw-1"), open("INC9", "email", "")))
	assert.Equal(t, []string{
		"INC7<" + p.ID + ":reconnect with client 5.3",
		"INC8<" + p.ID + ":reconnect with client 5.3",
	}, o.calls)
}

func TestReactorNeedsService(t *testing.T) {
	assert.Error(t, (&problem.Reactor{}).Notify(context.Background(), lifecycle.Event{}))
}
