package request_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/request/requesttest"
)

// fireRequest returns the lifecycletest.FireAs that orders item (by hr;
// "kit" for "anyone", "share" for nina), runs prep on the request by tech, then cmd by the
// actor under test, on a Service with the default rules. The "cab"
// group that decides on "share" includes "anyone".
func fireRequest(item string, prep func(r *request.Request) []request.Command, cmd func(r *request.Request) request.Command) lifecycletest.FireAs {
	return func(t *testing.T, actor lifecycle.Actor) (error, bool) {
		cat := request.NewCatalog()
		for _, it := range []request.CatalogItem{
			{ID: "kit", Category: "Test", Name: "Kit", Plan: onboarding().Plan, Approval: request.Approval{Policy: request.ApprovalNone}},
			{ID: "share", Category: "Test", Name: "Share", Approval: request.Approval{Policy: request.ApprovalGroup, Group: "cab", Decide: lifecycle.ConsentAny}},
		} {
			_, err := cat.Register(it)
			require.NoError(t, err)
		}
		members := directory{groups: map[string][]string{"cab": {"ann", "anyone"}}}
		rec := &lifecycletest.Recorder{}
		svc, err := request.New(request.Config{Store: requesttest.NewStore(), Catalog: cat, Directory: members, Notifier: rec, IDs: lifecycle.Sequence("REQ", 3)})
		require.NoError(t, err)
		if cmd == nil {
			_, err := svc.Order(ctx, actor, request.Order{Lines: []request.Line{{Item: item}}})
			page, lerr := svc.List(ctx, request.Filter{})
			require.NoError(t, lerr)
			return err, len(page.Requests) > 0 || len(rec.Events()) > 0
		}
		forWhom := map[string]string{"kit": "anyone", "share": "nina"}[item]
		r, err := svc.Order(ctx, hr, request.Order{RequestedFor: forWhom, Lines: []request.Line{{Item: item}}})
		require.NoError(t, err)
		if prep != nil {
			for _, c := range prep(r) {
				r, err = svc.Do(ctx, tech, c)
				require.NoError(t, err, "prepare %T", c)
			}
		}
		rec.Reset()
		_, err = svc.Do(ctx, actor, cmd(r))
		after, gerr := svc.Get(ctx, r.ID)
		require.NoError(t, gerr)
		return err, after.Version != r.Version || len(rec.Events()) > 0
	}
}

// TestDefaultAccessRules runs every default rule of the request process
// both ways: the actors it lets fire its event, the others are refused
// with the rule's name, and nothing is stored or notified.
func TestDefaultAccessRules(t *testing.T) {
	item := func(r *request.Request) string { return r.Items[0].ID }
	task := func(r *request.Request) string { return r.Items[0].Tasks[0].ID }
	assigned := func(r *request.Request) []request.Command {
		return []request.Command{request.AssignTask{ID: r.ID, Task: task(r), Assignee: "tech"}}
	}
	asked := func(r *request.Request) []request.Command {
		return []request.Command{request.AskRequester{ID: r.ID, Item: item(r), Question: "which floor?"}}
	}
	fire := map[string]lifecycletest.FireAs{
		"order": fireRequest("kit", nil, nil),
		"approve": fireRequest("share", nil, func(r *request.Request) request.Command {
			return request.Approve{ID: r.ID, Item: item(r)}
		}),
		"reject": fireRequest("share", nil, func(r *request.Request) request.Command {
			return request.Reject{ID: r.ID, Item: item(r), Comment: "no budget"}
		}),
		"ask_requester": fireRequest("kit", nil, func(r *request.Request) request.Command {
			return request.AskRequester{ID: r.ID, Item: item(r), Question: "which floor?"}
		}),
		"answer": fireRequest("kit", asked, func(r *request.Request) request.Command {
			return request.Answer{ID: r.ID, Item: item(r), Text: "the third"}
		}),
		"assign_task": fireRequest("kit", nil, func(r *request.Request) request.Command {
			return request.AssignTask{ID: r.ID, Task: task(r), Assignee: "tech"}
		}),
		"start_task": fireRequest("kit", assigned, func(r *request.Request) request.Command {
			return request.StartTask{ID: r.ID, Task: task(r)}
		}),
		"close_task": fireRequest("kit", assigned, func(r *request.Request) request.Command {
			return request.CloseTask{ID: r.ID, Task: task(r), State: request.TaskClosedComplete}
		}),
		"cancel_item": fireRequest("kit", nil, func(r *request.Request) request.Command {
			return request.CancelItem{ID: r.ID, Item: item(r), Reason: "not needed"}
		}),
		"cancel": fireRequest("kit", nil, func(r *request.Request) request.Command {
			return request.Cancel{ID: r.ID, Reason: "not needed"}
		}),
	}
	// close_item has no success to exercise (the roll-up closes every
	// item before a hand could), so its rule is checked on its own below.
	rules := slices.DeleteFunc(request.AccessRules(), func(r lifecycle.Rule) bool { return r.Event == "close_item" })
	events := slices.DeleteFunc(request.Events(), func(e string) bool { return e == "close_item" })
	lifecycletest.CheckAccessRules(t, rules, events, fire)
}

// TestCloseItemRule: the default rule lets any actor but System ask to
// close an item; the command then refuses an item with open tasks.
// System is refused by the rule, and neither stores anything.
func TestCloseItemRule(t *testing.T) {
	fire := fireRequest("kit", nil, func(r *request.Request) request.Command {
		return request.CloseItem{ID: r.ID, Item: r.Items[0].ID, State: request.ItemClosedComplete}
	})
	err, changed := fire(t, lifecycle.Actor{ID: "anyone"})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	require.NotErrorIs(t, err, lifecycle.ErrForbidden, "the rule lets it; the command refuses")
	require.False(t, changed)
	err, changed = fire(t, lifecycle.System)
	fe := lifecycletest.CheckForbidden(t, err, lifecycle.System.ID, "rule")
	require.Equal(t, "request.close_item", fe.Rule)
	require.False(t, changed)
	require.Contains(t, request.AccessRules(), lifecycle.Rule{Anyone: true}.For(request.ProcessRequest, "close_item"))
}

// TestEventOf: every command names the event of its history record, in
// its pointer form too, and a nil command names none.
func TestEventOf(t *testing.T) {
	require.Equal(t, "close_item", request.EventOf(request.CloseItem{}))
	require.Equal(t, "close_item", request.EventOf(&request.CloseItem{}))
	require.Equal(t, "", request.EventOf((*request.CloseItem)(nil)))
	require.Equal(t, "", request.EventOf(nil))
}
