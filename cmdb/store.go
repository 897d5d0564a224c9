package cmdb

import (
	"context"
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// CIs is the role of a [Store] that keeps configuration items: the
// contract of every process's store (see incident.Store): safe for
// concurrent use, ctx honoured, values copied in and out, errors matching
// the lifecycle sentinels, history appended beside the record and never
// rewritten, and guards checked and bumped by Commit (see
// [lifecycle.ReadSet]).
type CIs interface {
	// Get returns a copy of the CI, without its History, or an error
	// matching lifecycle.ErrNotFound.
	Get(ctx context.Context, id string) (*CI, error)
	// Committer stores writes (creating with Expected 0, updating over
	// Expected), checking and bumping the read set's records and guards.
	lifecycle.Committer[*CI]
	// GuardReader reads the guards the relationship rules take.
	lifecycle.GuardReader
	// HistoryReader pages through a CI's history records.
	lifecycle.HistoryReader
	// List returns the CIs matching f (see [Filter.Matches]) in
	// ascending ID order, at most f's page size, starting after f.After;
	// Page.Next is empty on the last page.
	List(ctx context.Context, f Filter) (Page, error)
}

// Relationships is the role of a [Store] that answers neighbour queries
// over the relationships the stored CIs hold.
type Relationships interface {
	// Related returns every stored relationship whose parent or child is
	// one of ids, each once, sorted by parent, type and child. An ID no
	// CI has relates to nothing.
	Related(ctx context.Context, ids []string) ([]Relationship, error)
}

// Traversal is the role of a [Store] that walks the relationship graph
// in one call, so that a SQL store can answer it with a recursive query.
type Traversal interface {
	// Walk returns the CIs w reaches, each once, sorted by depth then ID:
	// the sources (the CIs of w.From that exist) at depth 0, then every
	// CI one step from a CI at depth d, not reached before, at depth d+1,
	// up to w.Depth. A step goes from a relationship's child to its
	// parent when its type is one of w.Up, and from its parent to its
	// child when it is one of w.Down. Each Reach's Via lists the CIs at
	// the depth before it one step from it, sorted: the last steps of its
	// shortest paths. It is cycle-safe: no CI is reached twice.
	Walk(ctx context.Context, w Walk) ([]Reach, error)
}

// Store keeps the CIs and answers the relationship queries: the three
// roles together. The host implements it over its database;
// cmdb/cmdbtest has an in-memory one and the conformance suite.
type Store interface {
	CIs
	Relationships
	Traversal
}

// Walk is a traversal of the relationship graph: see [Traversal].
type Walk struct {
	From  []string // the sources
	Up    []string // the types stepped along from child to parent
	Down  []string // the types stepped along from parent to child
	Depth int      // the farthest depth reached, from 1
}

// Steps reports whether the walk steps along a relationship of type typ
// from its child to its parent (up) and from its parent to its child
// (down).
func (w Walk) Steps(typ string) (up, down bool) {
	return slices.Contains(w.Up, typ), slices.Contains(w.Down, typ)
}

// Reach is one CI a [Walk] reaches, with what impact analysis reads of it.
type Reach struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Class       string      `json:"class"`
	Status      Status      `json:"status"`
	Criticality Criticality `json:"criticality,omitempty"`
	Depth       int         `json:"depth"`
	// Via are the CIs at Depth-1 one step from this one, sorted; none
	// for a source.
	Via []string `json:"via,omitempty"`
}

// Page sizes for [CIs.List].
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Filter selects CIs for [CIs.List]: every set field must match.
type Filter struct {
	// Class matches CIs of exactly this class.
	Class string
	// Statuses matches the CI's status.
	Statuses []Status
	// Group matches the support group.
	Group string
	// Scope limits the list to the CIs an actor may see (see
	// [lifecycle.Scope]); [Service.ListAs] sets it. The zero Scope
	// limits nothing.
	Scope lifecycle.Scope
	// After continues from a previous page's Next.
	After string
	// Limit is the page size: < 1 means DefaultLimit, above MaxLimit
	// MaxLimit.
	Limit int
}

// Page is one page of [CIs.List].
type Page struct {
	CIs  []*CI
	Next string
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

// Matches reports whether c passes f (paging aside).
func (f Filter) Matches(c *CI) bool {
	switch {
	case f.Class != "" && c.Class != f.Class,
		len(f.Statuses) > 0 && !slices.Contains(f.Statuses, c.Status),
		f.Group != "" && c.Group != f.Group:
		return false
	}
	return f.Scope.Everything() || f.Scope.Holds(c.Snapshot())
}
