package problem

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Dependencies is what known-error search asks of configuration
// management: the configuration items one depends on. A search by item
// then also matches the known errors recorded on those items (a known
// error of a database shows in the application that depends on it). The
// host adapts its CMDB to it (the examples module adapts *cmdb.Service);
// problem does not import cmdb.
type Dependencies interface {
	// DependsOn returns the IDs of the items ci depends on, directly or
	// through others. An item it does not know is an error matching
	// lifecycle.ErrNotFound, which the search takes as no dependencies.
	// It must be safe for concurrent use.
	DependsOn(ctx context.Context, ci string) ([]string, error)
}

// SearchKnownErrors returns the known errors matching q, ordered by ID,
// at most q.Limit of them; see [Store.SearchKnownErrors]. With
// Config.Dependencies, a query with a ConfigItem also matches the known
// errors recorded on the items it depends on: one store search per item,
// merged. A failed lookup fails the search.
func (s *Service) SearchKnownErrors(ctx context.Context, q KnownErrorQuery) ([]*Problem, error) {
	ci := strings.TrimSpace(q.ConfigItem)
	if s.deps == nil || ci == "" {
		return s.store.SearchKnownErrors(ctx, q)
	}
	deps, err := s.deps.DependsOn(ctx, ci)
	if err != nil && !errors.Is(err, lifecycle.ErrNotFound) {
		return nil, err
	}
	items := append(slices.Clone(deps), q.ConfigItem)
	slices.Sort(items)
	items = slices.Compact(items)
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	byID := map[string]*Problem{}
	for _, item := range items {
		if item == "" {
			continue
		}
		q := q
		q.ConfigItem = item
		found, err := s.store.SearchKnownErrors(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, p := range found {
			byID[p.ID] = p
		}
	}
	out := make([]*Problem, 0, len(byID))
	for _, p := range byID {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Problem) int { return strings.Compare(a.ID, b.ID) })
	return out[:min(len(out), limit)], nil
}
