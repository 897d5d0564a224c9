package change

import (
	"context"
	"slices"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Store keeps changes. Hosts implement it over their database;
// changetest.NewStore is an in-memory implementation for tests, and
// changetest.TestStore checks any implementation against this contract.
//
// Contract for every method:
//   - ctx comes first and is honoured: a call whose ctx is already
//     canceled fails with an error matching ctx.Err() (errors.Is) and
//     writes nothing.
//   - Values are copied in and out, so callers never share memory with
//     stored state; a stored change comes back equal to what was stored
//     (times equal as instants).
//   - Errors wrap the lifecycle sentinels (use lifecycle.NotFound and
//     lifecycle.Conflict) so that errors.Is works.
//   - The Store is safe for concurrent use.
//
// Stores do not validate changes: the package does that before it stores
// them.
//
// The Service stores every change through Commit (lifecycle.Committer),
// with the read set of the command's rules: for the commands that check
// the forward schedule of change (Assess, RequestApproval, Schedule), the
// guards "ci/<item>" of the change's configuration items, taken before the
// schedule query. Commit is what makes "no other change holds this item in
// this window" hold under concurrency, so a Store must check and bump the
// guards in the same transaction as the write (a guards table of key and
// version, updated with the change's row, is enough).
//
// History is appended, never rewritten: a write carries the change
// without its History, and the history records it appends in
// [lifecycle.Write].History. Get returns the change without them (a
// command never loads them, so its cost does not grow with the change's
// age); History pages through them. Commit refuses history records that
// do not follow on from the stored ones.
//
// A Store may also be a lifecycle.Outbox; its Commit then
// stores the write's events with the change, and the Service does not
// notify.
type Store interface {
	// Committer stores a write atomically with its read set; see
	// lifecycle.Committer for the contract.
	lifecycle.Committer[*Change]
	// GuardReader reads the guards "ci/<item>" that Commit checks and
	// bumps.
	lifecycle.GuardReader
	// HistoryReader pages through a change's history records.
	lifecycle.HistoryReader
	// Get returns the change with id, without its History, or an error
	// matching lifecycle.ErrNotFound.
	Get(ctx context.Context, id string) (*Change, error)
	// List returns the changes that match f (see [Filter.Matches]) with an
	// ID greater than f.After, in ascending ID order, at most
	// f.PageLimit() of them: [DefaultLimit] when f.Limit is not positive,
	// [MaxLimit] when it is above MaxLimit. Page.Next is the last returned
	// ID when more matches may follow and empty when this page is the
	// last, so following Next visits every match exactly once.
	List(ctx context.Context, f Filter) (Page, error)
	// Scheduled returns, in ascending ID order, every change that is booked
	// (state scheduled or implement), lists at least one of cis among its
	// configuration items, and whose planned window overlaps [from, to):
	// PlannedStart < to and PlannedEnd > from. With no cis it returns none.
	// It is the query behind conflict detection.
	Scheduled(ctx context.Context, cis []string, from, to time.Time) ([]*Change, error)
}

// Paging limits for [Store.List].
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Filter selects changes for [Store.List]. Zero fields select everything.
type Filter struct {
	// States selects changes in any of these states.
	States []State
	// Types selects changes of any of these types.
	Types []Type
	// Requester selects the changes of this requester.
	Requester string
	// Assignee selects the changes assigned to this actor.
	Assignee string
	// ConfigItem selects changes that list this configuration item.
	ConfigItem string
	// Scope limits the list to the records an actor may see (see
	// [lifecycle.Scope]); [Service.ListAs] sets it from the access
	// policy. The zero Scope limits nothing.
	Scope lifecycle.Scope
	// After is the cursor: only IDs greater than this.
	After string
	// Limit is the page size: not positive means DefaultLimit, above
	// MaxLimit means MaxLimit.
	Limit int
}

// Page is one page of [Store.List].
type Page struct {
	// Changes are the page's changes, in ascending ID order.
	Changes []*Change
	// Next is the cursor for the next page (Filter.After); empty on the
	// last page.
	Next string
}

// Matches reports whether c passes f's States, Types, Requester, Assignee
// and ConfigItem conditions (After and Limit are paging, not conditions).
func (f Filter) Matches(c *Change) bool {
	return (len(f.States) == 0 || slices.Contains(f.States, c.State)) &&
		(len(f.Types) == 0 || slices.Contains(f.Types, c.Type)) &&
		(f.Requester == "" || c.Requester == f.Requester) &&
		(f.Assignee == "" || c.Assignee == f.Assignee) &&
		(f.ConfigItem == "" || slices.Contains(c.ConfigItems, f.ConfigItem)) &&
		(f.Scope.Everything() || f.Scope.Holds(c.Snapshot()))
}

// PageLimit returns the page size f asks for: f.Limit, or DefaultLimit
// when it is not positive, capped at MaxLimit.
func (f Filter) PageLimit() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// Overlaps reports whether c is booked on one of cis with a planned window
// overlapping [from, to): the condition of [Store.Scheduled].
func Overlaps(c *Change, cis []string, from, to time.Time) bool {
	if !c.State.Booked() || !c.PlannedStart.Before(to) || !c.PlannedEnd.After(from) {
		return false
	}
	for _, ci := range cis {
		if slices.Contains(c.ConfigItems, ci) {
			return true
		}
	}
	return false
}
