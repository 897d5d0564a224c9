package request

import (
	"context"
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// Store keeps requests, each with its items and tasks in one record. The
// host implements it over its database; request/requesttest has an
// in-memory one and the conformance suite. The contract is that of every
// process's store (see incident.Store): safe for concurrent use, ctx
// honoured, values copied in and out, errors matching the lifecycle
// sentinels, and history appended, never rewritten: a write carries the
// request without its History and the records it appends in
// [lifecycle.Write].History; Get returns it without them.
type Store interface {
	// Get returns a copy of the request, without its History, or an error
	// matching lifecycle.ErrNotFound.
	Get(ctx context.Context, id string) (*Request, error)
	// Committer stores writes (creating with Expected 0, updating over
	// Expected).
	lifecycle.Committer[*Request]
	// HistoryReader pages through a request's history records.
	lifecycle.HistoryReader
	// List returns the requests matching f (see [Filter.Matches]) in
	// ascending ID order, at most f's page size, starting after f.After;
	// Page.Next is empty on the last page.
	List(ctx context.Context, f Filter) (Page, error)
}

// Page sizes for [Store.List].
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Filter selects requests for [Store.List]: every set field must match.
// Its fields are the desk's queues: my requests (Requester or For), the
// items awaiting my approval (Approver), a group's open tasks (TaskGroup).
type Filter struct {
	// States matches the request's state.
	States []RequestState
	// Requester matches who ordered.
	Requester string
	// For matches whom the request is for (its requester when it names
	// nobody else).
	For string
	// Approver matches a request with an item awaiting this approver's
	// decision.
	Approver string
	// TaskGroup matches a request with an open task of the item's open
	// stage assigned to this group.
	TaskGroup string
	// Scope limits the list to the requests an actor may see (see
	// [lifecycle.Scope]); [Service.ListAs] sets it. The zero Scope limits
	// nothing.
	Scope lifecycle.Scope
	// After continues from a previous page's Next.
	After string
	// Limit is the page size: < 1 means DefaultLimit, above MaxLimit
	// MaxLimit.
	Limit int
}

// Page is one page of [Store.List].
type Page struct {
	Requests []*Request
	Next     string
}

// PageSize is f's page size (see [Filter].Limit).
func (f Filter) PageSize() int {
	switch {
	case f.Limit < 1:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// Matches reports whether r passes f (paging aside).
func (f Filter) Matches(r *Request) bool {
	switch {
	case len(f.States) > 0 && !slices.Contains(f.States, r.State),
		f.Requester != "" && r.Requester != f.Requester,
		f.For != "" && r.For() != f.For,
		f.Approver != "" && !slices.Contains(r.Awaiting(), f.Approver),
		f.TaskGroup != "" && !slices.Contains(r.Queued(), f.TaskGroup):
		return false
	}
	return f.Scope.Everything() || f.Scope.Holds(r.Snapshot())
}

// Awaiting returns the approvers an item of r awaits a decision from,
// sorted: the queue "awaiting my approval" (see [Filter].Approver).
func (r *Request) Awaiting() []string {
	var out []string
	for _, it := range r.Items {
		if it.State != ItemAwaitingApproval {
			continue
		}
		for _, a := range it.Approvers {
			if !slices.ContainsFunc(it.Verdicts, func(v lifecycle.Vote) bool { return v.Approver == a }) && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Queued returns the groups with an open task in an item's open stage,
// sorted: the queue "my group's tasks" (see [Filter].TaskGroup).
func (r *Request) Queued() []string {
	var out []string
	for _, it := range r.Items {
		if it.State != ItemInFulfilment {
			continue
		}
		for _, t := range it.Tasks {
			if t.Stage == it.Stage && !t.State.Final() && t.Group != "" && !slices.Contains(out, t.Group) {
				out = append(out, t.Group)
			}
		}
	}
	slices.Sort(out)
	return out
}
