package incident

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Store keeps incidents. The host implements it over its database;
// incident/incidenttest has an in-memory one for tests and development and
// TestStore, the conformance suite every implementation should pass.
//
// Contract for every method:
//   - Safe for concurrent use by many goroutines (and, for a shared
//     database, by many replicas).
//   - ctx is honoured: a canceled context may stop the call, which then
//     returns an error and has written nothing.
//   - Values are copied in and out: the Store never keeps a value it was
//     given nor hands out one it keeps, so a caller changing an Incident
//     (its slices, maps and history included) after or between calls never
//     changes stored state. Stored values must come back equal to what was
//     stored (times equal as instants).
//   - Errors match the lifecycle sentinels with errors.Is:
//     lifecycle.ErrNotFound and lifecycle.ErrConflict as documented below
//     ([lifecycle.NotFound] and [lifecycle.Conflict] build them). Other
//     errors are the host's (I/O, ...).
//   - History and journal are appended, never rewritten: a write carries
//     the incident without its History, Comments and WorkNotes, and the
//     history records and journal entries it appends in
//     [lifecycle.Write].History and Journal. Get returns the incident
//     without them (a command never loads them, so its cost does not grow
//     with the incident's age); History and Journal page through them.
//     Commit refuses history records that do not follow on from the
//     stored ones.
//
// Every change is stored through Commit ([lifecycle.Committer]), with the
// read set of the command's cross-record rules:
//   - attaching x under parent p (SetParent, or Open with a Parent) reads
//     p at the version seen and takes the guards "children/<p>" and
//     "children/<x>" (the latter before listing x's children), so that two
//     attaches that would nest the hierarchy, or an attach racing the
//     parent's resolution, cannot both commit;
//   - reopening a child reads its parent at the version seen.
//
// Commit must check the read set and bump its guards in the same atomic
// step as the write.
//
// Optional ability: a Store that is a lifecycle.Outbox stores each
// write's events with it in Commit, and the [Service] then leaves
// delivery to the host's relay.
type Store interface {
	// Get returns a copy of the incident with the given ID, without its
	// History, Comments and WorkNotes, or an error matching
	// lifecycle.ErrNotFound.
	Get(ctx context.Context, id string) (*Incident, error)

	// Committer stores writes (creating with Expected 0, updating over
	// Expected) with their read sets; see lifecycle.Committer.
	lifecycle.Committer[*Incident]
	// GuardReader reads the guards that Commit checks and bumps: the
	// hierarchy's rules take "children/<id>" (see the Store's doc).
	lifecycle.GuardReader
	// HistoryReader pages through an incident's history records.
	lifecycle.HistoryReader
	// JournalReader pages through an incident's comments and work notes,
	// in the order they were written.
	lifecycle.JournalReader

	// List returns the incidents matching f (see [Filter.Matches]) in
	// ascending ID order, at most f's page size ([Filter.PageSize]), starting
	// after f.After. Page.Next is empty on the last page; otherwise
	// passing it back as f.After, with the same filter, returns the next
	// page. Paging never repeats nor skips an incident that matched
	// throughout. No match is an empty page, not an error.
	List(ctx context.Context, f Filter) (Page, error)

	// ResolvedBefore returns the auto-close candidates: incidents in state
	// resolved whose UpdatedAt is before t, except accepted major incidents,
	// oldest UpdatedAt first (ties in ascending ID order), at most limit
	// (limit < 1 means DefaultLimit, above MaxLimit means MaxLimit).
	ResolvedBefore(ctx context.Context, t time.Time, limit int) ([]*Incident, error)
}

// Page sizes for [Store.List] and [Store.ResolvedBefore].
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Filter selects incidents for [Store.List]. Empty fields match
// everything; a list matches any of its members; all set fields must match.
// [Service.List] refuses a filter that fails [Filter.Validate].
type Filter struct {
	// States matches the incident's state.
	States []State
	// Assignee matches the person the incident is assigned to.
	Assignee string
	// Group matches the assignment group.
	Group string
	// Priorities matches the incident's priority.
	Priorities []lifecycle.Priority
	// Major matches the incident's major status; include "" to match
	// incidents never proposed.
	Major []MajorStatus
	// Parent matches the children of this incident.
	Parent string
	// Scope limits the list to the records an actor may see (see
	// [lifecycle.Scope]); [Service.ListAs] sets it from the access
	// policy. The zero Scope limits nothing.
	Scope lifecycle.Scope
	// After continues from a previous page's Next; "" starts at the
	// beginning. Its content is the Store's own.
	After string
	// Limit is the page size: < 1 means DefaultLimit, above MaxLimit means
	// MaxLimit.
	Limit int
}

// Validate returns a *lifecycle.ValidationError naming the field when f
// asks for something no incident can have: an unknown state or major
// status, or a priority below 1. A filter that passes may still match
// nothing.
func (f Filter) Validate() error {
	for _, s := range f.States {
		if _, err := lifecycle.ParseEnum("states", allStates, string(s)); err != nil {
			return err
		}
	}
	for _, m := range f.Major {
		if !m.Valid() {
			_, err := lifecycle.ParseEnum("major", allMajor, string(m))
			return err
		}
	}
	for _, p := range f.Priorities {
		if p < 1 {
			return lifecycle.Invalid("priorities", "%d is below 1", p)
		}
	}
	return nil
}

// Page is one page of [Store.List] results.
type Page struct {
	// Incidents are the page's incidents, in ascending ID order.
	Incidents []*Incident
	// Next continues the listing (see Filter.After); empty on the
	// last page.
	Next string
}

// Matches reports whether x passes every set field of f (not After and
// Limit). Stores may use it to implement List.
func (f Filter) Matches(x *Incident) bool {
	if len(f.States) > 0 && !containsEnum(f.States, x.State) {
		return false
	}
	if f.Assignee != "" && x.Assignee != f.Assignee {
		return false
	}
	if f.Group != "" && x.Group != f.Group {
		return false
	}
	if len(f.Priorities) > 0 && !containsPriority(f.Priorities, x.Priority) {
		return false
	}
	if len(f.Major) > 0 && !containsEnum(f.Major, x.Major) {
		return false
	}
	if f.Parent != "" && x.Parent != f.Parent {
		return false
	}
	return f.Scope.Everything() || f.Scope.Holds(x.Snapshot())
}

// PageSize returns the effective page size of f.Limit.
func (f Filter) PageSize() int { return PageSize(f.Limit) }

// PageSize clamps a requested page size: < 1 gives DefaultLimit, above
// MaxLimit gives MaxLimit.
func PageSize(limit int) int {
	switch {
	case limit < 1:
		return DefaultLimit
	case limit > MaxLimit:
		return MaxLimit
	}
	return limit
}

func containsPriority(ps []lifecycle.Priority, p lifecycle.Priority) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}
