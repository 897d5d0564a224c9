package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// gate is a policy that refuses every operation of mallory, and records
// what it was asked and told.
type gate struct {
	asked []lifecycle.Operation
	told  []string
}

func (g *gate) Check(_ context.Context, op lifecycle.Operation) error {
	g.asked = append(g.asked, op)
	if op.Actor.ID == "mallory" {
		return &lifecycle.ForbiddenError{Actor: op.Actor.ID, Action: op.Event + " " + op.Process, Reason: "mallory may do nothing"}
	}
	return nil
}

func (g *gate) Done(_ context.Context, op lifecycle.Operation, err error, _ time.Duration) {
	outcome := "ok"
	if err != nil {
		outcome = err.Error()
	}
	g.told = append(g.told, op.Process+" "+op.Event+" "+op.Actor.ID+": "+outcome)
}

// TestEveryProcessAsksItsInterceptors: the kernel of every process asks
// the host's interceptors before each creation and each command; a refusal
// stores and notifies nothing, and the interceptors see the change as the
// history records it.
func TestEveryProcessAsksItsInterceptors(t *testing.T) {
	ctx := context.Background()
	ann, mallory := lifecycle.Actor{ID: "ann"}, lifecycle.Actor{ID: "mallory"}
	g := &gate{}
	rec := &lifecycletest.Recorder{}

	incidents, err := incident.New(incident.Config{Store: incidenttest.NewStore(), Notifier: rec, Interceptors: []lifecycle.Interceptor{g}, IDs: lifecycle.Sequence("INC", 3)})
	require.NoError(t, err)
	problems, err := problem.New(problem.Config{Store: problemtest.NewStore(), Notifier: rec, Interceptors: []lifecycle.Interceptor{g}, IDs: lifecycle.Sequence("PRB", 3)})
	require.NoError(t, err)
	changes, err := change.New(change.Config{Store: changetest.NewStore(), Notifier: rec, Interceptors: []lifecycle.Interceptor{g}, IDs: lifecycle.Sequence("CHG", 3)})
	require.NoError(t, err)
	portfolio, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{Store: lifecycletest.NewPortfolioStore(), Notifier: rec, Interceptors: []lifecycle.Interceptor{g}, IDs: lifecycle.Sequence("SVC", 3)})
	require.NoError(t, err)

	inc, err := incidents.Open(ctx, ann, incident.Open{Title: "Mail down", Impact: 1, Urgency: 1})
	require.NoError(t, err)
	_, err = incidents.Assign(ctx, mallory, incident.Assign{ID: inc.ID, Group: "desk"})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)
	_, err = incidents.Open(ctx, mallory, incident.Open{Title: "Fake", Impact: 3, Urgency: 3})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)
	assigned, err := incidents.Assign(ctx, ann, incident.Assign{ID: inc.ID, Group: "desk"})
	require.NoError(t, err)
	assert.Equal(t, int64(2), assigned.Version, "the refused assignment stored nothing")

	prb, err := problems.Open(ctx, ann, problem.Open{Title: "Relay drops mail"})
	require.NoError(t, err)
	_, err = problems.Assess(ctx, mallory, problem.Assess{ID: prb.ID, Group: "mail"})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)

	chg, err := changes.Create(ctx, ann, change.Create{Type: change.Normal, Title: "Grow the spool"})
	require.NoError(t, err)
	_, err = changes.Do(ctx, mallory, change.Assign{ID: chg.ID, Group: "mail"})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)

	_, err = portfolio.Define(ctx, mallory, lifecycle.DefineService{Name: "Mail"})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)
	_, err = portfolio.Define(ctx, ann, lifecycle.DefineService{Name: "Mail"})
	require.NoError(t, err)

	for _, e := range rec.Events() {
		assert.NotEqual(t, "mallory", e.Actor, "a refused operation notified %s", e.Type)
	}
	assert.Equal(t, []string{
		"incident open ann: ok",
		"incident assign mallory: mallory may not assign incident: mallory may do nothing",
		"incident open mallory: mallory may not open incident: mallory may do nothing",
		"incident assign ann: ok",
		"problem open ann: ok",
		"problem assess mallory: mallory may not assess problem: mallory may do nothing",
		"change create ann: ok",
		"change assign mallory: mallory may not assign change: mallory may do nothing",
		"service define mallory: mallory may not define service: mallory may do nothing",
		"service define ann: ok",
	}, g.told)

	// The operation seen for the accepted assignment: the record before
	// and after, and the history record of the change.
	var op lifecycle.Operation
	for _, a := range g.asked {
		if a.Process == "incident" && a.Event == "assign" && a.Actor.ID == "ann" {
			op = a
		}
	}
	assert.Equal(t, inc.ID, op.ID)
	assert.Equal(t, "", op.BeforeView.Group)
	assert.Equal(t, "desk", op.AfterView.Group)
	assert.Equal(t, "desk", op.After.(*incident.Incident).Group)
	assert.Equal(t, int64(1), op.Before.(*incident.Incident).Version)
	assert.Contains(t, op.Change.Changes, lifecycle.FieldChange{Field: lifecycle.FieldGroup, New: "desk"})
}
