package lifecycletest

import (
	"context"
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
)

// PortfolioStore is an in-memory lifecycle.PortfolioStore.
//
// It is for tests and development only: it keeps everything in one
// [Table], forgets it all when the process exits, and lists by scanning
// every service. It honours the full contract (copies in and out, the
// Commit contract with its read set, filters, paging, concurrent use),
// which TestPortfolioStore checks; like every PortfolioStore it keeps no
// guards. The zero value is not ready; use NewPortfolioStore.
type PortfolioStore struct {
	t Table[*lifecycle.ITService]
}

var _ lifecycle.PortfolioStore = (*PortfolioStore)(nil)

// NewPortfolioStore returns an empty in-memory PortfolioStore.
func NewPortfolioStore() *PortfolioStore {
	return &PortfolioStore{t: Table[*lifecycle.ITService]{
		Process: lifecycle.ProcessService,
		Key:     func(s *lifecycle.ITService) (string, int64) { return s.ID, s.Version },
		Clone:   (*lifecycle.ITService).Clone,
	}}
}

// GetService returns a copy of the stored service, or an error matching
// lifecycle.ErrNotFound.
func (m *PortfolioStore) GetService(ctx context.Context, id string) (*lifecycle.ITService, error) {
	return m.t.Get(ctx, id)
}

// CommitService stores a copy of w.Record as lifecycle.Committer
// describes: Expected 0 creates, any other Expected replaces that version,
// and the services of w.Reads must be unchanged. A write with guards is
// refused: the store keeps none. It ignores w.Events: it is not an outbox.
func (m *PortfolioStore) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	if err := noGuards(ctx, lifecycle.ProcessService, w.Reads); err != nil {
		return err
	}
	return m.t.Commit(ctx, w)
}

// ListServices returns a page of copies of the matching services, by ID.
func (m *PortfolioStore) ListServices(ctx context.Context, f lifecycle.ServiceFilter) (lifecycle.ServicePage, error) {
	items, next, err := page(ctx, &m.t, f.After, f.Limit, f.Matches)
	return lifecycle.ServicePage{Services: items, Next: next}, err
}

// ImprovementStore is an in-memory lifecycle.ImprovementStore, for tests
// and development only, like PortfolioStore. TestImprovementStore checks
// it. The zero value is not ready; use NewImprovementStore.
type ImprovementStore struct {
	t Table[*lifecycle.Improvement]
}

var _ lifecycle.ImprovementStore = (*ImprovementStore)(nil)

// NewImprovementStore returns an empty in-memory ImprovementStore.
func NewImprovementStore() *ImprovementStore {
	return &ImprovementStore{t: Table[*lifecycle.Improvement]{
		Process: lifecycle.ProcessImprovement,
		Key:     func(x *lifecycle.Improvement) (string, int64) { return x.ID, x.Version },
		Clone:   (*lifecycle.Improvement).Clone,
	}}
}

// GetImprovement returns a copy of the stored improvement, or an error
// matching lifecycle.ErrNotFound.
func (m *ImprovementStore) GetImprovement(ctx context.Context, id string) (*lifecycle.Improvement, error) {
	return m.t.Get(ctx, id)
}

// CommitImprovement stores a copy of w.Record as
// [PortfolioStore.CommitService] does for services.
func (m *ImprovementStore) CommitImprovement(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	if err := noGuards(ctx, lifecycle.ProcessImprovement, w.Reads); err != nil {
		return err
	}
	return m.t.Commit(ctx, w)
}

// ListImprovements returns a page of copies of the matching improvements,
// by ID.
func (m *ImprovementStore) ListImprovements(ctx context.Context, f lifecycle.ImprovementFilter) (lifecycle.ImprovementPage, error) {
	items, next, err := page(ctx, &m.t, f.After, f.Limit, f.Matches)
	return lifecycle.ImprovementPage{Improvements: items, Next: next}, err
}

// noGuards refuses a write whose read set takes guards, which the
// portfolio stores do not keep.
func noGuards(ctx context.Context, process string, reads lifecycle.ReadSet) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(reads.Guards) > 0 {
		return fmt.Errorf("lifecycletest: the %s store keeps no guards (guard %q)", process, reads.Guards[0].Key)
	}
	return nil
}

// page selects, in ID order, up to limit copies of the records of t after
// the cursor that match, and the cursor of the next page ("" if none).
func page[T any](ctx context.Context, t *Table[T], after string, limit int, match func(T) bool) ([]T, string, error) {
	if limit <= 0 {
		limit = lifecycle.DefaultListLimit
	}
	items, err := t.Select(ctx, func(x T) bool {
		id, _ := t.Key(x)
		return id > after && match(x)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next, _ = t.Key(items[limit-1])
	}
	if items == nil {
		items = []T{}
	}
	return items, next, nil
}
