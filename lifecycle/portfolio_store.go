package lifecycle

import (
	"context"
	"slices"
)

// DefaultListLimit is the page size [PortfolioStore.ListServices] and
// [ImprovementStore.ListImprovements] use when a filter's Limit is zero or
// negative.
const DefaultListLimit = 100

// PortfolioStore keeps services. Hosts implement it over their database;
// lifecycletest.NewPortfolioStore is an in-memory one for tests, and
// lifecycletest.TestPortfolioStore checks any implementation against the
// contract below.
//
// Contract for every method: ctx comes first and should be honoured;
// implementations are safe for concurrent use; values are copied in and
// out, so callers never share memory with stored state (mutating an
// argument after the call, or a returned value, changes nothing stored).
// Errors match (wrap) [ErrNotFound] and [ErrConflict] where stated;
// [NotFound], [Conflict] and [ReadConflict] build them.
//
// Every change of a service is stored through CommitService, whose
// contract is [Committer]'s: a [Write] with Expected 0 creates the service,
// any other Expected replaces the version stored, and the write's read set
// must be unchanged. A PortfolioStore keeps no guards: it refuses a write
// whose read set has any, with an error, and stores nothing. A service
// keeps its history in the record ([ITService.History]): the Portfolio
// writes it whole, and its writes carry no History or Journal of their
// own.
//
// A PortfolioStore may also implement [Outbox] for *Service; [Portfolio]
// then hands CommitService each change with its events, which the store
// keeps in the same transaction, and leaves delivery to the host's relay.
type PortfolioStore interface {
	// GetService returns the service with the given ID. An unknown ID is
	// an error matching ErrNotFound.
	GetService(ctx context.Context, id string) (*ITService, error)
	// CommitService stores w in one atomic step, or not at all, as
	// [Committer.Commit] describes: w.Expected 0 creates the service (its
	// Version is 1; an existing ID is an error matching ErrConflict), any
	// other w.Expected replaces the service stored at that version (the
	// caller has already set w.Record.Version to Expected+1; an unknown
	// ID is an error matching ErrNotFound, a stored version other than
	// Expected an error matching ErrConflict). Every service of
	// w.Reads.Records must be at the version seen (0: still absent),
	// otherwise it returns a *ConflictError with Read set. A write whose
	// w.Reads.Guards is not empty is refused with an error. Of concurrent
	// writes expecting the same version, exactly one succeeds. A store
	// that is an [Outbox] stores w.Events with the service; any other
	// ignores them.
	CommitService(ctx context.Context, w Write[*ITService]) error
	// ListServices returns the services matching filter (see
	// [ServiceFilter.Matches]), ordered by ID (byte-wise ascending),
	// starting after filter.After, at most filter.Limit of them
	// ([DefaultListLimit] when Limit <= 0). Next is the ID of the page's
	// last service when more match, and empty otherwise. No match is an
	// empty page, not an error.
	ListServices(ctx context.Context, filter ServiceFilter) (ServicePage, error)
}

// ServiceFilter selects services for [PortfolioStore.ListServices]. Every
// criterion that is set must hold; the zero filter matches every service.
type ServiceFilter struct {
	Statuses   []Status      // any of these statuses; empty means any
	Stage      Stage         // in this stage ([Status.Stage]); empty means any
	Part       PortfolioPart // in this portfolio part ([Status.Part]); empty means any
	Owner      string        // owned by this actor; empty means any
	ConfigItem string        // running on this configuration item; empty means any
	Agreement  string        // linked to the agreement with this ID, of any kind; empty means any
	After      string        // page cursor: only IDs greater than After
	Limit      int           // page size; <= 0 means DefaultListLimit
}

// Matches reports whether s meets every criterion of f except paging
// (After, Limit). Stores may use it to implement the filter's semantics.
func (f ServiceFilter) Matches(s *ITService) bool {
	switch {
	case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, s.Status),
		f.Stage != "" && s.Status.Stage() != f.Stage,
		f.Part != "" && s.Status.Part() != f.Part,
		f.Owner != "" && s.Owner != f.Owner,
		f.ConfigItem != "" && !slices.Contains(s.ConfigItems, f.ConfigItem),
		f.Agreement != "" && linkIndex(s.Agreements, f.Agreement) < 0:
		return false
	}
	return true
}

// Validate returns a *ValidationError when the filter names an unknown
// status, stage or portfolio part.
func (f ServiceFilter) Validate() error {
	for _, s := range f.Statuses {
		if _, err := ParseEnum("statuses", serviceStatuses, string(s)); err != nil {
			return err
		}
	}
	if f.Stage != "" {
		if _, err := ParseEnum("stage", lifecycleStages, string(f.Stage)); err != nil {
			return err
		}
	}
	if f.Part != "" {
		if _, err := ParseEnum("portfolio", portfolioParts, string(f.Part)); err != nil {
			return err
		}
	}
	return nil
}

// ServicePage is one page of [PortfolioStore.ListServices].
type ServicePage struct {
	// Services are the page's services, in ID order.
	Services []*ITService
	// Next is the cursor for the following page (pass it as
	// ServiceFilter.After), or empty when this page is the last.
	Next string
}

// ImprovementStore keeps the continual-improvement register. It is
// separate from [PortfolioStore] so that each stays small; one host type
// may implement both (their method names differ), but [Outbox] can then be
// implemented for only one record type. lifecycletest.NewImprovementStore
// is an in-memory one and lifecycletest.TestImprovementStore the
// conformance suite.
//
// The contract is [PortfolioStore]'s, for improvements: copies in and out,
// safe for concurrent use, ctx honoured, errors matching [ErrNotFound] and
// [ErrConflict] where stated, every change stored through
// CommitImprovement with [Committer]'s contract, and no guards (a write
// whose read set has any is refused). It may implement [Outbox] for
// *Improvement, and then stores each change's events with it.
type ImprovementStore interface {
	// GetImprovement returns the improvement with the given ID. An unknown
	// ID is an error matching ErrNotFound.
	GetImprovement(ctx context.Context, id string) (*Improvement, error)
	// CommitImprovement stores w in one atomic step, or not at all, as
	// [PortfolioStore.CommitService] does for services: Expected 0
	// creates (an existing ID is an error matching ErrConflict), any
	// other Expected replaces the improvement stored at that version
	// (ErrNotFound, ErrConflict), the read set's records must be
	// unchanged (a *ConflictError with Read set), and a write with guards
	// is refused. Of concurrent writes expecting the same version,
	// exactly one succeeds.
	CommitImprovement(ctx context.Context, w Write[*Improvement]) error
	// ListImprovements returns the improvements matching filter (see
	// [ImprovementFilter.Matches]), ordered by ID (byte-wise ascending),
	// starting after filter.After, at most filter.Limit of them
	// ([DefaultListLimit] when Limit <= 0). Next is the ID of the page's
	// last improvement when more match, and empty otherwise.
	ListImprovements(ctx context.Context, filter ImprovementFilter) (ImprovementPage, error)
}

// ImprovementFilter selects improvements for
// [ImprovementStore.ListImprovements]. Every criterion that is set must
// hold; the zero filter matches the whole register.
type ImprovementFilter struct {
	ServiceID string              // against this service; empty means any
	Statuses  []ImprovementStatus // any of these statuses; empty means any
	After     string              // page cursor: only IDs greater than After
	Limit     int                 // page size; <= 0 means DefaultListLimit
}

// Matches reports whether x meets every criterion of f except paging.
func (f ImprovementFilter) Matches(x *Improvement) bool {
	if f.ServiceID != "" && x.ServiceID != f.ServiceID {
		return false
	}
	return len(f.Statuses) == 0 || slices.Contains(f.Statuses, x.Status)
}

// Validate returns a *ValidationError when the filter names an unknown
// status.
func (f ImprovementFilter) Validate() error {
	for _, s := range f.Statuses {
		if _, err := ParseEnum("statuses", improvementStatuses, string(s)); err != nil {
			return err
		}
	}
	return nil
}

// ImprovementPage is one page of [ImprovementStore.ListImprovements].
type ImprovementPage struct {
	// Improvements are the page's entries, in ID order.
	Improvements []*Improvement
	// Next is the cursor for the following page (pass it as
	// ImprovementFilter.After), or empty when this page is the last.
	Next string
}
