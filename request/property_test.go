package request_test

import (
	"errors"
	"testing"

	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/request/requesttest"
)

// TestPropertyRollUpInvariant: whatever sequence of commands runs, and
// whoever sends them, every stored request keeps the roll-up invariant:
// a closed item has no open task, an item in fulfilment has its open
// stage's tasks open and every earlier stage's closed, a closed item's
// state is the roll-up of its tasks (unless it was cancelled or
// rejected), the request is closed exactly when its items all are, in
// the state their roll-up gives, and a refused command stores nothing.
func TestPropertyRollUpInvariant(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cat := request.NewCatalog()
		for _, it := range []request.CatalogItem{
			onboarding(),
			{ID: "kit", Category: "Test", Name: "Kit", Plan: onboarding().Plan, Approval: request.Approval{Policy: request.ApprovalNone}},
			{ID: "share", Category: "Test", Name: "Share", Approval: request.Approval{Policy: request.ApprovalGroup, Group: "cab", Decide: lifecycle.ConsentAny}},
		} {
			if _, err := cat.Register(it); err != nil {
				t.Fatal(err)
			}
		}
		store := requesttest.NewStore()
		svc, err := request.New(request.Config{Store: store, Catalog: cat, Directory: dir, Notifier: &lifecycletest.Recorder{}, IDs: lifecycle.Sequence("REQ", 3)})
		if err != nil {
			t.Fatal(err)
		}
		actors := rapid.SampledFrom([]lifecycle.Actor{hr, nina, mo, ann, bob, tech})
		var ids []string
		t.Repeat(map[string]func(*rapid.T){
			"order": func(t *rapid.T) {
				lines := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) request.Line {
					return request.Line{Item: rapid.SampledFrom([]string{"starter-kit", "kit", "share"}).Draw(t, "item")}
				}), 1, 3).Draw(t, "lines")
				r, err := svc.Order(ctx, actors.Draw(t, "actor"), request.Order{RequestedFor: rapid.SampledFrom([]string{"", "nina"}).Draw(t, "for"), Lines: lines})
				if err == nil {
					ids = append(ids, r.ID)
				}
			},
			"command": func(t *rapid.T) {
				if len(ids) == 0 {
					t.Skip("nothing ordered")
				}
				r, err := svc.Get(ctx, rapid.SampledFrom(ids).Draw(t, "request"))
				if err != nil {
					t.Fatal(err)
				}
				it := r.Items[rapid.IntRange(0, len(r.Items)-1).Draw(t, "item")]
				// Mostly a task of the open stage, sometimes any.
				task := it.ID + "-1"
				var open []string
				for _, tk := range it.Tasks {
					if tk.Stage == it.Stage {
						open = append(open, tk.ID)
					}
				}
				switch {
				case len(open) > 0 && rapid.IntRange(0, 4).Draw(t, "open stage") > 0:
					task = rapid.SampledFrom(open).Draw(t, "task")
				case len(it.Tasks) > 0:
					task = it.Tasks[rapid.IntRange(0, len(it.Tasks)-1).Draw(t, "task")].ID
				}
				cmds := []request.Command{
					request.Approve{ID: r.ID, Item: it.ID},
					request.Reject{ID: r.ID, Item: it.ID, Comment: "no"},
					request.AskRequester{ID: r.ID, Item: it.ID, Question: "why?"},
					request.Answer{ID: r.ID, Item: it.ID, Text: "because"},
					request.AssignTask{ID: r.ID, Task: task, Group: "desk", Assignee: "tech"},
					request.StartTask{ID: r.ID, Task: task},
					request.CloseTask{ID: r.ID, Task: task, State: rapid.SampledFrom(request.TaskStates()).Draw(t, "close")},
					request.CloseItem{ID: r.ID, Item: it.ID, State: rapid.SampledFrom(request.ItemStates()).Draw(t, "close item")},
					request.CancelItem{ID: r.ID, Item: it.ID, Reason: "no longer"},
					request.Cancel{ID: r.ID, Reason: "no longer"},
				}
				before := r.Version
				_, err = svc.Do(ctx, actors.Draw(t, "actor"), rapid.SampledFrom(cmds).Draw(t, "command"))
				if err != nil {
					var te *lifecycle.TransitionError
					if !errors.Is(err, lifecycle.ErrValidation) && !errors.Is(err, lifecycle.ErrForbidden) && !errors.As(err, &te) {
						t.Fatalf("untyped error: %v", err)
					}
					after, _ := svc.Get(ctx, r.ID)
					if after.Version != before {
						t.Fatalf("a refused command stored version %d", after.Version)
					}
				}
			},
			"work a task": func(t *rapid.T) {
				// Assign an open stage's task, then close it: the roll-up's
				// usual road, drawn often enough to reach the later stages.
				if len(ids) == 0 {
					t.Skip("nothing ordered")
				}
				r, err := svc.Get(ctx, rapid.SampledFrom(ids).Draw(t, "request"))
				if err != nil {
					t.Fatal(err)
				}
				var open []request.Task
				for _, it := range r.Items {
					for _, tk := range it.Tasks {
						if it.State == request.ItemInFulfilment && tk.Stage == it.Stage && !tk.State.Final() {
							open = append(open, tk)
						}
					}
				}
				if len(open) == 0 {
					t.Skip("no open task")
				}
				tk := rapid.SampledFrom(open).Draw(t, "task")
				task := tk.ID
				if tk.State == request.TaskPending {
					if _, err := svc.Do(ctx, tech, request.AssignTask{ID: r.ID, Task: task}); err != nil {
						t.Fatal(err)
					}
				}
				close := rapid.SampledFrom([]request.TaskState{request.TaskClosedComplete, request.TaskClosedComplete, request.TaskClosedSkipped, request.TaskClosedIncomplete}).Draw(t, "close")
				if _, err := svc.Do(ctx, tech, request.CloseTask{ID: r.ID, Task: task, State: close}); err != nil {
					t.Fatal(err)
				}
			},
			"approve": func(t *rapid.T) {
				if len(ids) == 0 {
					t.Skip("nothing ordered")
				}
				r, err := svc.Get(ctx, rapid.SampledFrom(ids).Draw(t, "request"))
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range r.Items {
					if it.State == request.ItemAwaitingApproval {
						a := lifecycle.Actor{ID: rapid.SampledFrom(it.Approvers).Draw(t, "approver")}
						_, err := svc.Do(ctx, a, request.Approve{ID: r.ID, Item: it.ID})
						if err != nil && !errors.Is(err, lifecycle.ErrValidation) {
							t.Fatal(err)
						}
						return
					}
				}
			},
			"": func(t *rapid.T) {
				for _, id := range ids {
					r, err := svc.Get(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					checkInvariant(t, r)
				}
			},
		})
	})
}

func checkInvariant(t *rapid.T, r *request.Request) {
	var items []request.ItemState
	for _, it := range r.Items {
		items = append(items, it.State)
		var states []request.TaskState
		for _, task := range it.Tasks {
			states = append(states, task.State)
			switch {
			case it.State.Final() && !task.State.Final():
				t.Fatalf("%s: task %s is %s under item %s, %s", r.ID, task.ID, task.State, it.ID, it.State)
			case it.State == request.ItemInFulfilment && task.Stage < it.Stage && !task.State.Final():
				t.Fatalf("%s: task %s of closed stage %d is %s", r.ID, task.ID, task.Stage, task.State)
			}
		}
		if it.State == request.ItemInFulfilment {
			if _, _, closed := progress(it); closed {
				t.Fatalf("%s: item %s is in fulfilment with every stage closed", r.ID, it.ID)
			}
		}
		if it.State.Final() && it.State != request.ItemCancelled && it.State != request.ItemRejected && len(it.Tasks) > 0 {
			if _, want, _ := progress(it); want != it.State {
				t.Fatalf("%s: item %s is %s, its tasks %v roll up to %s", r.ID, it.ID, it.State, states, want)
			}
		}
	}
	want, closed := request.RequestOutcome(items)
	switch {
	case closed && r.State != want:
		t.Fatalf("%s is %s, its items %v roll up to %s", r.ID, r.State, items, want)
	case !closed && r.State != request.RequestOpen:
		t.Fatalf("%s is %s with open items %v", r.ID, r.State, items)
	}
}

// progress is request.Progress over it's tasks, by stage.
func progress(it request.Item) (int, request.ItemState, bool) {
	var stages [][]request.TaskState
	for _, task := range it.Tasks {
		for len(stages) <= task.Stage {
			stages = append(stages, nil)
		}
		stages[task.Stage] = append(stages[task.Stage], task.State)
	}
	return request.Progress(stages)
}
