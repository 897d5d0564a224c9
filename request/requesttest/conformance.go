package requesttest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
)

// clauseListFilter is the clause of the request's own List check.
const clauseListFilter = "List returns exactly the requests matching the filter (Filter.Matches): requester, for whom, awaiting an approver, a group's open tasks, states"

// Kit returns the lifecycletest.RecordKit of the stores newStore makes:
// the kit TestStore runs lifecycletest.TestRecords with.
func Kit(newStore func(t *testing.T) request.Store) lifecycletest.RecordKit[*request.Request] {
	list := func(ctx context.Context, s lifecycle.RecordStore[*request.Request], f request.Filter) ([]*request.Request, string, error) {
		p, err := s.(request.Store).List(ctx, f)
		return p.Requests, p.Next, err
	}
	return lifecycletest.RecordKit[*request.Request]{
		New:    func(t *testing.T) lifecycle.RecordStore[*request.Request] { return newStore(t) },
		Record: Fixture,
		Key:    key,
		List: func(ctx context.Context, s lifecycle.RecordStore[*request.Request], after string, limit int) ([]*request.Request, string, error) {
			return list(ctx, s, request.Filter{After: after, Limit: limit})
		},
		DefaultLimit: request.DefaultLimit,
		MaxLimit:     request.MaxLimit,
		NextIsLastID: true,
		Scope: lifecycletest.ScopeKit[*request.Request]{
			List: func(ctx context.Context, s lifecycle.RecordStore[*request.Request], scope lifecycle.Scope, after string, limit int) ([]*request.Request, string, error) {
				return list(ctx, s, request.Filter{Scope: scope, After: after, Limit: limit})
			},
			// A request's caller is its requester; it has no assignee nor
			// group of its own.
			Place: func(r *request.Request, tenant, caller, _, _ string) *request.Request {
				r.Tenant, r.Requester = tenant, caller
				return r
			},
		},
	}
}

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// Fixture returns the request id at version: every field set, two items
// (one awaiting approval, one in fulfilment with two stages of tasks),
// and each version the one before with its first task's notes changed.
func Fixture(id string, version int64) *request.Request {
	item := func(n int) request.CatalogItem {
		one, three := 1.0, 3.0 // fresh per call: records share no memory
		return request.CatalogItem{
			ID: fmt.Sprintf("item-%d", n), Name: fmt.Sprintf("Item %d", n), Category: "Hardware", Description: "What you get", Version: n,
			Variables: []request.Variable{
				{Name: "model", Label: "Model", Type: request.VariableChoice, Required: true, Default: "14-inch", Choices: []string{"14-inch", "16-inch"}},
				{Name: "count", Type: request.VariableNumber, Min: &one, Max: &three},
				{Name: "desk", Type: request.VariableText, MinLength: 1, MaxLength: 8, Pattern: "[A-Z]-[0-9]+"},
			},
			Approval: request.Approval{Policy: request.ApprovalGroup, Group: "cab", Decide: lifecycle.ConsentQuorum, Quorum: 1},
			Plan: request.Plan{Stages: []request.Stage{{Name: "prepare", Tasks: []request.TaskDef{
				{Name: "Prepare", Group: "desk", When: &request.Condition{Variable: "model", Equals: []string{"14-inch", "16-inch"}}},
			}}}},
			Agreements: []string{"fulfil-5d"},
		}
	}
	r := &request.Request{
		ID: id, Version: 1, State: request.RequestOpen,
		Requester: "hr", RequestedFor: "nina", Tenant: "acme", Incident: "INC-7",
		Items: []request.Item{
			{ID: id + "-1", State: request.ItemAwaitingApproval, Catalog: item(1), Values: request.Values{"model": "14-inch"},
				Approvers: []string{"ann", "bob"}, Verdicts: []lifecycle.Vote{{Approver: "ann", Decision: lifecycle.Rejected, Comment: "which model?", At: t0}}},
			{ID: id + "-2", State: request.ItemInFulfilment, Catalog: item(2), Values: request.Values{"badge": "yes"},
				ReturnTo: request.ItemInFulfilment, Question: "Floor?", Stage: 1, Tasks: []request.Task{
					{ID: id + "-2-1", Stage: 0, Name: "Prepare", Group: "desk", Assignee: "tech", State: request.TaskClosedComplete, Notes: "take 1"},
					{ID: id + "-2-2", Stage: 1, Name: "Hand over", Group: "desk", State: request.TaskAssigned},
				}},
		},
		History: []lifecycle.Record{{Seq: 1, Time: t0, Actor: "hr", Event: "order", To: string(request.RequestOpen),
			Changes: []lifecycle.FieldChange{{Field: "requester", New: "hr"}}}},
		CreatedAt: t0, UpdatedAt: t0,
	}
	for r.Version < version {
		r.Version++
		r.UpdatedAt = r.UpdatedAt.Add(time.Minute)
		old := r.Items[1].Tasks[0].Notes
		r.Items[1].Tasks[0].Notes = fmt.Sprintf("take %d", r.Version)
		r.History = append(r.History, lifecycle.Record{Seq: int(r.Version), Time: r.UpdatedAt, Actor: "tech", Event: "close_task",
			From: string(request.RequestOpen), To: string(request.RequestOpen),
			Changes: []lifecycle.FieldChange{{Field: "tasks." + id + "-2-1.notes", Old: old, New: r.Items[1].Tasks[0].Notes}}})
	}
	return r
}

// TestStore is the conformance suite for request.Store implementations:
// lifecycletest.TestRecords (the clauses every store shares, scopes
// included), then List's own filters. newStore must return a new, empty
// store each time it is called. Every failure quotes the clause broken.
func TestStore(t *testing.T, newStore func(t *testing.T) request.Store) {
	t.Helper()
	lifecycletest.TestRecords(t, Kit(newStore))
	t.Run("ListFilters", func(t *testing.T) { testListFilters(t, newStore(t)) })
}

func testListFilters(t *testing.T, s request.Store) {
	ctx := context.Background()
	mk := func(id string, change func(r *request.Request)) {
		r := Fixture(id, 1)
		change(r)
		lifecycletest.MustCreate(t, s, r)
	}
	mk("REQ-A", func(r *request.Request) {}) // hr for nina; awaits ann's? no: ann decided; awaits bob; desk's task open
	mk("REQ-B", func(r *request.Request) {
		r.Requester, r.RequestedFor = "nina", ""
		r.Items[0].Verdicts = nil // awaits ann and bob
		r.Items[1].Tasks[1].Group = "iam"
	})
	mk("REQ-C", func(r *request.Request) {
		r.State = request.RequestClosedComplete
		r.Items[0].State, r.Items[1].State = request.ItemClosedComplete, request.ItemClosedComplete
		r.Items[1].Tasks[1].State = request.TaskClosedComplete
	})
	for _, c := range []struct {
		name string
		f    request.Filter
		want []string
	}{
		{"everything", request.Filter{}, []string{"REQ-A", "REQ-B", "REQ-C"}},
		{"open", request.Filter{States: []request.RequestState{request.RequestOpen}}, []string{"REQ-A", "REQ-B"}},
		{"requester", request.Filter{Requester: "nina"}, []string{"REQ-B"}},
		{"for whom", request.Filter{For: "nina"}, []string{"REQ-A", "REQ-B", "REQ-C"}},
		{"awaiting an approver who decided", request.Filter{Approver: "ann"}, []string{"REQ-B"}},
		{"awaiting an approver", request.Filter{Approver: "bob"}, []string{"REQ-A", "REQ-B"}},
		{"a group's open tasks", request.Filter{TaskGroup: "desk"}, []string{"REQ-A"}},
		{"a group with no open task", request.Filter{TaskGroup: "facilities"}, nil},
		{"together", request.Filter{For: "nina", TaskGroup: "iam", Approver: "ann"}, []string{"REQ-B"}},
	} {
		p, err := s.List(ctx, c.f)
		if err != nil {
			lifecycletest.Breach(t, clauseListFilter, "%s: List: %v", c.name, err)
			continue
		}
		var got []string
		for _, r := range p.Requests {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, c.want) {
			lifecycletest.Breach(t, clauseListFilter, "%s: List gives %v, want %v", c.name, got, c.want)
		}
	}
}
