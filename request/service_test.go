package request_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/request/requesttest"
)

var ctx = context.Background()

// directory is a host's directory: managers by person, members by group.
type directory struct {
	managers map[string]string
	groups   map[string][]string
}

func (d directory) Manager(_ context.Context, p string) (string, error) { return d.managers[p], nil }
func (d directory) Members(_ context.Context, g string) ([]string, error) {
	return d.groups[g], nil
}

var dir = directory{
	managers: map[string]string{"nina": "mo", "mo": "ceo"},
	groups:   map[string][]string{"cab": {"ann", "bob", "cy"}},
}

var (
	hr   = lifecycle.Actor{ID: "hr"}
	nina = lifecycle.Actor{ID: "nina"}
	mo   = lifecycle.Actor{ID: "mo"}
	ann  = lifecycle.Actor{ID: "ann"}
	bob  = lifecycle.Actor{ID: "bob"}
	cy   = lifecycle.Actor{ID: "cy"}
	tech = lifecycle.Actor{ID: "tech"}
)

// world is a Service over the in-memory store with every event recorded.
type world struct {
	svc *request.Service
	rec *lifecycletest.Recorder
}

func newWorld(t *testing.T, items ...request.CatalogItem) world {
	t.Helper()
	cat := request.NewCatalog()
	for _, it := range items {
		_, err := cat.Register(it)
		require.NoError(t, err)
	}
	rec := &lifecycletest.Recorder{}
	svc, err := request.New(request.Config{Store: requesttest.NewStore(), Catalog: cat, Directory: dir, Notifier: rec, IDs: lifecycle.Sequence("REQ", 3)})
	require.NoError(t, err)
	return world{svc, rec}
}

// starterKit needs the manager's approval and is fulfilled in three
// stages: the laptop, then accounts and a badge in parallel, then the
// hand-over.
func onboarding() request.CatalogItem {
	return request.CatalogItem{
		ID: "starter-kit", Name: "New starter kit", Category: "Onboarding",
		Approval: request.Approval{Policy: request.ApprovalManager},
		Plan: request.Plan{Stages: []request.Stage{
			{Name: "hardware", Tasks: []request.TaskDef{{Name: "Prepare laptop", Group: "desk"}}},
			{Name: "access", Tasks: []request.TaskDef{{Name: "Create accounts", Group: "iam"}, {Name: "Print badge", Group: "facilities"}}},
			{Name: "hand-over", Tasks: []request.TaskDef{{Name: "Hand over", Group: "desk"}}},
		}},
	}
}

func (w world) events(typ string) []lifecycle.Notification {
	var out []lifecycle.Notification
	for _, e := range w.rec.Events() {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// close closes task id of request r as complete, by tech.
func (w world) closeTask(t *testing.T, r *request.Request, id string) *request.Request {
	t.Helper()
	r, err := w.svc.Do(ctx, tech, request.AssignTask{ID: r.ID, Task: id, Assignee: "tech"})
	require.NoError(t, err)
	r, err = w.svc.Do(ctx, tech, request.CloseTask{ID: r.ID, Task: id, State: request.TaskClosedComplete, Notes: "done"})
	require.NoError(t, err)
	return r
}

func TestStarterKitThroughApprovalAndStages(t *testing.T) {
	w := newWorld(t, onboarding())
	r, err := w.svc.Order(ctx, hr, request.Order{RequestedFor: "nina", Lines: []request.Line{{Item: "starter-kit"}}})
	require.NoError(t, err)
	it := r.Items[0]
	assert.Equal(t, request.ItemAwaitingApproval, it.State)
	assert.Equal(t, []string{"mo"}, it.Approvers, "nina's manager approves")

	// Nobody approves their own request; a non-approver may not either.
	_, err = w.svc.Do(ctx, nina, request.Approve{ID: r.ID, Item: it.ID})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)
	_, err = w.svc.Do(ctx, bob, request.Approve{ID: r.ID, Item: it.ID})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)

	r, err = w.svc.Do(ctx, mo, request.Approve{ID: r.ID, Item: it.ID, Comment: "welcome"})
	require.NoError(t, err)
	it = r.Items[0]
	assert.Equal(t, request.ItemInFulfilment, it.State)
	require.Len(t, it.Tasks, 4)
	assert.Equal(t, 0, it.Stage)
	_, err = w.svc.Do(ctx, mo, request.Approve{ID: r.ID, Item: it.ID})
	var te *lifecycle.TransitionError
	assert.True(t, errors.As(err, &te), "approving after the decision is refused: %v", err)

	// A task of a stage not yet open is refused, and changes nothing.
	_, err = w.svc.Do(ctx, tech, request.StartTask{ID: r.ID, Task: it.Tasks[1].ID})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	assert.ErrorContains(t, err, "stage")
	// Closing the item with open tasks is refused.
	_, err = w.svc.Do(ctx, tech, request.CloseItem{ID: r.ID, Item: it.ID, State: request.ItemClosedComplete})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	again, err := w.svc.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, r.Version, again.Version, "refusals store nothing")

	r = w.closeTask(t, r, it.Tasks[0].ID)
	assert.Equal(t, 1, r.Items[0].Stage, "the laptop done, the access stage opens")
	r = w.closeTask(t, r, it.Tasks[1].ID)
	assert.Equal(t, 1, r.Items[0].Stage)
	r = w.closeTask(t, r, it.Tasks[2].ID)
	assert.Equal(t, 2, r.Items[0].Stage)
	r = w.closeTask(t, r, it.Tasks[3].ID)
	assert.Equal(t, request.ItemClosedComplete, r.Items[0].State)
	assert.Equal(t, request.RequestClosedComplete, r.State)
	assert.Len(t, w.events("stage_opened"), 2)
	assert.Len(t, w.events("closed_complete"), 1, "the request closes once")
	for _, e := range w.rec.Events() {
		assert.NotEmpty(t, e.Subject)
	}
}

func TestIncompleteTaskEndsTheItem(t *testing.T) {
	w := newWorld(t, request.CatalogItem{ID: "kit", Category: "Test", Name: "Kit", Plan: onboarding().Plan, Approval: request.Approval{Policy: request.ApprovalNone}})
	r, err := w.svc.Order(ctx, hr, request.Order{Lines: []request.Line{{Item: "kit"}}})
	require.NoError(t, err)
	it := r.Items[0]
	require.Equal(t, request.ItemInFulfilment, it.State, "no approval policy: fulfilment starts at once")
	_, err = w.svc.Do(ctx, tech, request.AssignTask{ID: r.ID, Task: it.Tasks[0].ID})
	require.NoError(t, err)
	r, err = w.svc.Do(ctx, tech, request.CloseTask{ID: r.ID, Task: it.Tasks[0].ID, State: request.TaskClosedIncomplete, Notes: "out of stock"})
	require.NoError(t, err)
	assert.Equal(t, request.ItemClosedIncomplete, r.Items[0].State)
	for _, task := range r.Items[0].Tasks[1:] {
		assert.Equal(t, request.TaskClosedSkipped, task.State, "no task stays open under a closed item")
	}
	assert.Equal(t, request.RequestClosedIncomplete, r.State)
}

func TestGroupApprovalQuorumAndRejection(t *testing.T) {
	item := request.CatalogItem{ID: "share", Category: "Test", Name: "Finance share", Approval: request.Approval{Policy: request.ApprovalGroup, Group: "cab", Decide: lifecycle.ConsentQuorum, Quorum: 2}}
	w := newWorld(t, item)
	r, err := w.svc.Order(ctx, nina, request.Order{Lines: []request.Line{{Item: "share"}}})
	require.NoError(t, err)
	id := r.Items[0].ID
	r, err = w.svc.Do(ctx, ann, request.Approve{ID: r.ID, Item: id})
	require.NoError(t, err)
	assert.Equal(t, request.ItemAwaitingApproval, r.Items[0].State, "one of two")
	_, err = w.svc.Do(ctx, ann, request.Approve{ID: r.ID, Item: id})
	assert.ErrorIs(t, err, lifecycle.ErrValidation, "an approver decides once")
	r, err = w.svc.Do(ctx, bob, request.Approve{ID: r.ID, Item: id})
	require.NoError(t, err)
	assert.Equal(t, request.ItemClosedComplete, r.Items[0].State, "approved, and no task to do")
	assert.Equal(t, request.RequestClosedComplete, r.State)

	// Rejected once the quorum can no longer be met.
	r, err = w.svc.Order(ctx, nina, request.Order{Lines: []request.Line{{Item: "share"}}})
	require.NoError(t, err)
	id = r.Items[0].ID
	r, err = w.svc.Do(ctx, ann, request.Reject{ID: r.ID, Item: id, Comment: "no"})
	require.NoError(t, err)
	assert.Equal(t, request.ItemAwaitingApproval, r.Items[0].State)
	r, err = w.svc.Do(ctx, cy, request.Reject{ID: r.ID, Item: id, Comment: "no"})
	require.NoError(t, err)
	assert.Equal(t, request.ItemRejected, r.Items[0].State)
	assert.Equal(t, request.RequestClosedIncomplete, r.State)
}

func TestMoreInformationReturnsWhereItWas(t *testing.T) {
	w := newWorld(t, onboarding())
	r, err := w.svc.Order(ctx, nina, request.Order{Lines: []request.Line{{Item: "starter-kit"}}})
	require.NoError(t, err)
	id := r.Items[0].ID
	r, err = w.svc.Do(ctx, mo, request.AskRequester{ID: r.ID, Item: id, Question: "Which start date?"})
	require.NoError(t, err)
	assert.Equal(t, request.ItemAwaitingRequester, r.Items[0].State)
	_, err = w.svc.Do(ctx, mo, request.Answer{ID: r.ID, Item: id, Text: "Monday"})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden, "only the requester answers")
	r, err = w.svc.Do(ctx, nina, request.Answer{ID: r.ID, Item: id, Text: "Monday"})
	require.NoError(t, err)
	assert.Equal(t, request.ItemAwaitingApproval, r.Items[0].State)
}

func TestCancelCascades(t *testing.T) {
	w := newWorld(t, request.CatalogItem{ID: "kit", Category: "Test", Name: "Kit", Plan: onboarding().Plan, Approval: request.Approval{Policy: request.ApprovalNone}}, onboarding())
	r, err := w.svc.Order(ctx, hr, request.Order{RequestedFor: "nina", Lines: []request.Line{{Item: "kit"}, {Item: "starter-kit"}}})
	require.NoError(t, err)
	r, err = w.svc.Do(ctx, hr, request.Cancel{ID: r.ID, Reason: "the hire fell through"})
	require.NoError(t, err)
	assert.Equal(t, request.RequestCancelled, r.State)
	for _, it := range r.Items {
		assert.Equal(t, request.ItemCancelled, it.State)
		for _, task := range it.Tasks {
			assert.True(t, task.State.Final())
		}
	}
	_, err = w.svc.Do(ctx, hr, request.Cancel{ID: r.ID, Reason: "again"})
	var te *lifecycle.TransitionError
	assert.True(t, errors.As(err, &te))
}

// TestConcurrentTaskClosesRollUpOnce: the two tasks of the access stage
// closed at once open the next stage exactly once.
func TestConcurrentTaskClosesRollUpOnce(t *testing.T) {
	for range 20 {
		w := newWorld(t, request.CatalogItem{ID: "kit", Category: "Test", Name: "Kit", Plan: onboarding().Plan, Approval: request.Approval{Policy: request.ApprovalNone}})
		r, err := w.svc.Order(ctx, hr, request.Order{Lines: []request.Line{{Item: "kit"}}})
		require.NoError(t, err)
		tasks := r.Items[0].Tasks
		r = w.closeTask(t, r, tasks[0].ID)
		for _, task := range tasks[1:3] {
			_, err := w.svc.Do(ctx, tech, request.AssignTask{ID: r.ID, Task: task.ID})
			require.NoError(t, err)
		}
		var wg sync.WaitGroup
		for _, task := range tasks[1:3] {
			wg.Go(func() {
				_, err := w.svc.Do(ctx, tech, request.CloseTask{ID: r.ID, Task: task.ID, State: request.TaskClosedComplete})
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		got, err := w.svc.Get(ctx, r.ID)
		require.NoError(t, err)
		assert.Equal(t, 2, got.Items[0].Stage)
		assert.Len(t, w.events("stage_opened"), 2, "stages 2 and 3 open once each")
	}
}

func TestOrderRefusals(t *testing.T) {
	w := newWorld(t, onboarding(), request.CatalogItem{ID: "share", Category: "Test", Name: "Share", Approval: request.Approval{Policy: request.ApprovalGroup, Group: "nobody", Decide: lifecycle.ConsentAny}})
	_, err := w.svc.Order(ctx, hr, request.Order{})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = w.svc.Order(ctx, hr, request.Order{Lines: []request.Line{{Item: "no-such-item"}}})
	assert.Error(t, err)
	_, err = w.svc.Order(ctx, hr, request.Order{Lines: []request.Line{{Item: "share"}}})
	assert.ErrorIs(t, err, lifecycle.ErrValidation, "an item nobody can approve")
	assert.Empty(t, w.rec.Events(), "refused orders store and notify nothing")
}

// TestOrderChecksValuesAndRetirement: an order's values are checked
// against the item's variables, and a retired item takes no order; both
// refusals store nothing.
func TestOrderChecksValuesAndRetirement(t *testing.T) {
	kit := starterKit()
	kit.Approval = request.Approval{Policy: request.ApprovalNone}
	cat := request.NewCatalog()
	_, err := cat.Register(kit)
	require.NoError(t, err)
	store := requesttest.NewStore()
	svc, err := request.New(request.Config{Store: store, Catalog: cat})
	require.NoError(t, err)
	for name, values := range map[string]request.Values{
		"lines[1].values.start":  {"for": "nina"},
		"lines[1].values.laptop": {"for": "nina", "start": "2027-01-04", "laptop": "gold-plated"},
		"lines[1].values.desk":   {"for": "nina", "start": "2027-01-04", "desk": "nowhere"},
		"lines[1].values.nope":   {"for": "nina", "start": "2027-01-04", "nope": "x"},
	} {
		good := request.Line{Item: kit.ID, Values: request.Values{"for": "nina", "start": "2027-01-04"}}
		_, err := svc.Order(ctx, hr, request.Order{Lines: []request.Line{good, {Item: kit.ID, Values: values}}})
		var ve *lifecycle.ValidationError
		if assert.ErrorAs(t, err, &ve, name) {
			assert.Equal(t, name, ve.Field)
		}
	}
	r, err := svc.Order(ctx, hr, request.Order{Lines: []request.Line{{Item: kit.ID, Values: request.Values{"for": "nina", "start": "2027-01-04"}}}})
	require.NoError(t, err)
	assert.Equal(t, "standard", r.Items[0].Values["laptop"], "defaults filled in")
	require.NoError(t, cat.Retire(kit.ID))
	_, err = svc.Order(ctx, hr, request.Order{Lines: []request.Line{{Item: kit.ID, Values: request.Values{"for": "nina", "start": "2027-01-04"}}}})
	assert.ErrorIs(t, err, request.ErrRetired)
	var ve *lifecycle.ValidationError
	if assert.ErrorAs(t, err, &ve) {
		assert.Equal(t, "lines[0].item", ve.Field)
	}
	page, err := store.List(ctx, request.Filter{})
	require.NoError(t, err)
	assert.Len(t, page.Requests, 1, "only the good order is stored")
	got, err := svc.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, request.ItemInFulfilment, got.Items[0].State, "retiring leaves open orders alone")
}
