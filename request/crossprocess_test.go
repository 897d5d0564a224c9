package request_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/request/requesttest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// TestIncidentBecomesRequest: an order raised from an incident resolves
// the incident with the code resolved_by_request, and each names the
// other.
func TestIncidentBecomesRequest(t *testing.T) {
	incidents, err := incident.New(incident.Config{Store: incidenttest.NewStore(), IDs: lifecycle.Sequence("INC", 3)})
	require.NoError(t, err)
	cat := request.NewCatalog()
	_, err = cat.Register(request.CatalogItem{ID: "laptop", Category: "Test", Name: "Laptop", Plan: onboarding().Plan, Approval: request.Approval{Policy: request.ApprovalNone},
		Agreements: []string{"fulfil"}})
	require.NoError(t, err)
	svc, err := request.New(request.Config{Store: requesttest.NewStore(), Catalog: cat, Incidents: incidents, IDs: lifecycle.Sequence("REQ", 3)})
	require.NoError(t, err)

	x, err := incidents.Open(ctx, nina, incident.Open{Title: "I need a laptop", Caller: "nina"})
	require.NoError(t, err)
	x, err = incidents.Do(ctx, tech, incident.Assign{ID: x.ID, Group: "desk", Assignee: "tech"})
	require.NoError(t, err)
	r, err := svc.Order(ctx, tech, request.Order{RequestedFor: "nina", Incident: x.ID, Lines: []request.Line{{Item: "laptop"}}})
	require.NoError(t, err)
	assert.Equal(t, x.ID, r.Incident)
	x, err = incidents.Get(ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, incident.StateResolved, x.State)
	assert.Equal(t, incident.CodeResolvedByRequest, x.ResolutionCode)
	assert.Equal(t, r.ID, x.Request)

	// Without incident management wired, such an order is refused.
	alone, err := request.New(request.Config{Store: requesttest.NewStore(), Catalog: cat})
	require.NoError(t, err)
	_, err = alone.Order(ctx, tech, request.Order{Incident: x.ID, Lines: []request.Line{{Item: "laptop"}}})
	assert.ErrorIs(t, err, lifecycle.ErrNotConfigured)
}

// TestSLAFollowsItemsAndTasks: the SLA engine follows requested items and
// tasks through their events' snapshots, as it follows any process.
func TestSLAFollowsItemsAndTasks(t *testing.T) {
	store := slatest.NewStore()
	open := func(s lifecycle.Snapshot) bool { return !request.ItemState(s.State).Final() }
	listed := func(id string) func(lifecycle.Snapshot) bool {
		return func(s lifecycle.Snapshot) bool { return request.Applies(s, id) && open(s) }
	}
	engine, err := sla.New(sla.Config{Store: store, Agreements: []*sla.Agreement{
		{ID: "fulfil", Type: sla.TypeSLA, Target: sla.TargetResolution, Process: request.ProcessItem,
			Durations: map[int]time.Duration{0: 5 * 24 * time.Hour}, Start: listed("fulfil"), Stop: func(s lifecycle.Snapshot) bool { return !open(s) }},
		{ID: "fulfil-express", Type: sla.TypeSLA, Target: sla.TargetResolution, Process: request.ProcessItem,
			Durations: map[int]time.Duration{0: 4 * time.Hour}, Start: listed("fulfil-express"), Stop: func(s lifecycle.Snapshot) bool { return !open(s) }},
		{ID: "task", Type: sla.TypeOLA, Target: sla.TargetResolution, Process: request.ProcessTask,
			Durations: map[int]time.Duration{0: 8 * time.Hour},
			Start: func(s lifecycle.Snapshot) bool {
				return s.Attributes[request.AttributeStageOpen] == "true" && !request.TaskState(s.State).Final()
			},
			Stop: func(s lifecycle.Snapshot) bool { return request.TaskState(s.State).Final() }},
	}})
	require.NoError(t, err)
	cat := request.NewCatalog()
	_, err = cat.Register(request.CatalogItem{ID: "kit", Category: "Test", Name: "Kit", Plan: onboarding().Plan, Approval: request.Approval{Policy: request.ApprovalNone},
		Agreements: []string{"fulfil"}})
	require.NoError(t, err)
	svc, err := request.New(request.Config{Store: requesttest.NewStore(), Catalog: cat, IDs: lifecycle.Sequence("REQ", 3),
		Notifier: lifecycle.NotifierFunc(func(ctx context.Context, evs ...lifecycle.Notification) error {
			for _, ev := range evs {
				if err := engine.Observe(ctx, ev); err != nil {
					return err
				}
			}
			return nil
		})})
	require.NoError(t, err)
	r, err := svc.Order(ctx, hr, request.Order{Lines: []request.Line{{Item: "kit"}}})
	require.NoError(t, err)
	it := r.Items[0]
	ts, err := store.ListByRecord(ctx, it.ID)
	require.NoError(t, err)
	started := map[string]bool{}
	for _, tm := range ts {
		started[tm.AgreementID] = tm.Number > 0
	}
	assert.Equal(t, map[string]bool{"fulfil": true, "fulfil-express": false}, started,
		"the fulfilment timer runs; the express one, which its catalogue item does not list, never starts")
	ts, err = store.ListByRecord(ctx, it.Tasks[0].ID)
	require.NoError(t, err)
	require.Len(t, ts, 1, "the first task's timer")
	later := it.Tasks[len(it.Tasks)-1]
	require.NotEqual(t, it.Stage, later.Stage)
	ts, err = store.ListByRecord(ctx, later.ID)
	require.NoError(t, err)
	for _, tm := range ts {
		assert.Zero(t, tm.Number, "a task of a stage not yet open has no running timer")
	}
	_, err = svc.Do(ctx, tech, request.AssignTask{ID: r.ID, Task: it.Tasks[0].ID})
	require.NoError(t, err)
	_, err = svc.Do(ctx, tech, request.CloseTask{ID: r.ID, Task: it.Tasks[0].ID, State: request.TaskClosedComplete})
	require.NoError(t, err)
	ts, err = store.ListByRecord(ctx, it.Tasks[0].ID)
	require.NoError(t, err)
	assert.Equal(t, sla.StageCompleted, ts[0].Stage, "the closed task's timer stopped")
	// Stage 2 is open now: its tasks' timers run, stage 3's do not yet.
	for _, task := range it.Tasks[1:] {
		ts, err = store.ListByRecord(ctx, task.ID)
		require.NoError(t, err)
		require.Len(t, ts, 1, task.Name)
		assert.Equal(t, task.Stage == 1, ts[0].Number > 0, "%s, of stage %d", task.Name, task.Stage+1)
	}
}
