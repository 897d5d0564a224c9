package problem

import (
	"context"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// DefaultLimit is the page size [Store.List] and [Store.SearchKnownErrors]
// use when the query's Limit is zero or negative.
const DefaultLimit = 100

// Store keeps problems. The host implements it over its database;
// problemtest.NewStore is an in-memory one for tests, and
// problemtest.TestStore checks any implementation against this contract.
//
// Every method takes ctx first and should honour its cancellation.
// Implementations must be safe for concurrent use. Values are copied in and
// out: after a call returns, neither the caller nor the store may see the
// other's later changes to a *Problem that crossed the call (a database
// store gets this for free by serialising). Errors for a missing record
// or a stale version must match [lifecycle.ErrNotFound] and
// [lifecycle.ErrConflict] with errors.Is (wrap them, or use
// lifecycle.NotFound and lifecycle.Conflict).
//
// History and journal are appended, never rewritten: a write carries the
// problem without its History and WorkNotes, and the history records and
// journal entries (work notes) it appends in [lifecycle.Write].History
// and Journal. Get returns the problem without them (a command never
// loads them, so its cost does not grow with the problem's age); History
// and Journal page through them. Commit refuses history records that do
// not follow on from the stored ones.
//
// A Store may also be a lifecycle.Outbox; its Commit then
// stores the write's events with the change, and the [Service] does not
// call its Notifier.
type Store interface {
	// Get returns the problem with the given ID, without its History and
	// WorkNotes, or an error matching lifecycle.ErrNotFound when there is
	// none.
	Get(ctx context.Context, id string) (*Problem, error)

	// Committer stores a change of a problem, with what the change's rules
	// read of other problems (see lifecycle.Committer). Marking a problem
	// as a duplicate reads its original at the version seen: the mark
	// commits only if the original has not changed since (not closed, not
	// itself marked a duplicate), so the check and the write are one
	// atomic step.
	lifecycle.Committer[*Problem]

	// HistoryReader pages through a problem's history records.
	lifecycle.HistoryReader
	// JournalReader pages through a problem's work notes, in the order
	// they were written.
	lifecycle.JournalReader

	// List returns one page of the problems matching f, ordered by ID
	// (byte-wise ascending), starting after f.After. Page.Next is the
	// cursor for the following page: non-empty exactly when more matching
	// problems follow. At most f.Limit problems are returned
	// ([DefaultLimit] when f.Limit <= 0).
	List(ctx context.Context, f Filter) (Page, error)

	// SearchKnownErrors returns the known errors (problems for which
	// IsKnownError is true, in any state) matching q, ordered by ID
	// (byte-wise ascending), at most q.Limit of them ([DefaultLimit] when
	// q.Limit <= 0). See [KnownErrorQuery] for the matching rules.
	SearchKnownErrors(ctx context.Context, q KnownErrorQuery) ([]*Problem, error)
}

// Filter selects problems for [Store.List]. Empty fields match every
// problem; set fields must all match.
type Filter struct {
	// States, when not empty, matches a problem in one of these states.
	States []State
	// Group matches the assignment group exactly.
	Group string
	// Assignee matches the assignee exactly.
	Assignee string
	// Service matches the affected service exactly.
	Service string
	// ConfigItem matches the affected configuration item exactly.
	ConfigItem string
	// Priority matches exactly; 0 matches every priority.
	Priority lifecycle.Priority
	// Incident matches a problem that has this incident linked.
	Incident string
	// Change matches a problem that lists this change among its fixing
	// changes.
	Change string
	// KnownError, when true, matches only known errors.
	KnownError bool
	// Scope limits the list to the records an actor may see (see
	// [lifecycle.Scope]); [Service.ListAs] sets it from the access
	// policy. The zero Scope limits nothing.
	Scope lifecycle.Scope

	// After is the cursor: only problems whose ID sorts after this one.
	After string
	// Limit is the page size; <= 0 means DefaultLimit.
	Limit int
}

// Page is one page of a [Store.List] result.
type Page struct {
	// Problems are the page's problems, ordered by ID.
	Problems []*Problem
	// Next is the cursor for the following page (pass it as Filter.After),
	// or empty when this page is the last.
	Next string
}

// KnownErrorQuery selects known errors for [Store.SearchKnownErrors], so
// that a service desk can match a new incident to a workaround.
type KnownErrorQuery struct {
	// Text is split into terms at white space. A known error matches when
	// every term occurs in its Title, KnownError.Symptom,
	// KnownError.RootCause or KnownError.Workaround (each term in any of
	// them), ignoring case as strings.ToLower does. Empty Text matches
	// every known error.
	Text string
	// Service, when set, must equal the problem's affected service.
	Service string
	// ConfigItem, when set, must equal the problem's configuration item.
	ConfigItem string
	// Scope limits the search to the known errors an actor may see (see
	// [lifecycle.Scope]); the zero Scope limits nothing.
	Scope lifecycle.Scope
	// Limit caps the result; <= 0 means DefaultLimit.
	Limit int
}

// Match reports whether p satisfies f's criteria (the cursor and limit
// aside). Store implementations may use it for an in-memory scan.
func (f Filter) Match(p *Problem) bool {
	switch {
	case len(f.States) > 0 && !slices.Contains(f.States, p.State),
		f.Group != "" && p.Group != f.Group,
		f.Assignee != "" && p.Assignee != f.Assignee,
		f.Service != "" && p.Service != f.Service,
		f.ConfigItem != "" && p.ConfigItem != f.ConfigItem,
		f.Priority != 0 && p.Priority != f.Priority,
		f.Incident != "" && !slices.Contains(p.Incidents, f.Incident),
		f.Change != "" && !slices.Contains(p.Changes, f.Change),
		f.KnownError && !p.IsKnownError():
		return false
	}
	return f.Scope.Everything() || f.Scope.Holds(p.Snapshot())
}

// Match reports whether p satisfies q (the limit aside): p is a known
// error, in q's service and configuration item, and contains every term of
// q.Text. Store implementations may use it for an in-memory scan.
func (q KnownErrorQuery) Match(p *Problem) bool {
	if !p.IsKnownError() ||
		q.Service != "" && p.Service != q.Service ||
		q.ConfigItem != "" && p.ConfigItem != q.ConfigItem ||
		!q.Scope.Everything() && !q.Scope.Holds(p.Snapshot()) {
		return false
	}
	terms := strings.Fields(strings.ToLower(q.Text))
	if len(terms) == 0 {
		return true
	}
	fields := [...]string{
		strings.ToLower(p.Title),
		strings.ToLower(p.KnownError.Symptom),
		strings.ToLower(p.KnownError.RootCause),
		strings.ToLower(p.KnownError.Workaround),
	}
	for _, t := range terms {
		found := false
		for _, f := range fields {
			if strings.Contains(f, t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
