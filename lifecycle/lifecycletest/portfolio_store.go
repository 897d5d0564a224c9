package lifecycletest

import (
	"context"
	"sort"
	"sync"

	"github.com/itsmkit/itsm/lifecycle"
)

// PortfolioStore is an in-memory lifecycle.PortfolioStore.
//
// It is for tests and development only: it keeps everything in one map
// guarded by a mutex, forgets it all when the process exits, and lists by
// sorting the whole map. It honours the full contract (copies in and out,
// versions, conflicts, not-found, filters, paging, concurrent use), which
// TestPortfolioStore checks. The zero value is not ready; use
// NewPortfolioStore.
type PortfolioStore struct {
	mu       sync.RWMutex
	services map[string]*lifecycle.Service
}

var _ lifecycle.PortfolioStore = (*PortfolioStore)(nil)

// NewPortfolioStore returns an empty in-memory PortfolioStore.
func NewPortfolioStore() *PortfolioStore {
	return &PortfolioStore{services: map[string]*lifecycle.Service{}}
}

// GetService returns a copy of the stored service, or an error matching
// lifecycle.ErrNotFound.
func (m *PortfolioStore) GetService(ctx context.Context, id string) (*lifecycle.Service, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.services[id]
	if !ok {
		return nil, lifecycle.NotFound(lifecycle.ProcessService, id)
	}
	return s.Clone(), nil
}

// CreateService stores a copy of s, or returns an error matching
// lifecycle.ErrConflict if its ID is taken.
func (m *PortfolioStore) CreateService(ctx context.Context, s *lifecycle.Service) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.services[s.ID]; ok {
		return lifecycle.Conflict(lifecycle.ProcessService, s.ID, 0, old.Version)
	}
	m.services[s.ID] = s.Clone()
	return nil
}

// UpdateService replaces the stored service by a copy of s if its version
// is expected.
func (m *PortfolioStore) UpdateService(ctx context.Context, s *lifecycle.Service, expected int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.services[s.ID]
	if !ok {
		return lifecycle.NotFound(lifecycle.ProcessService, s.ID)
	}
	if old.Version != expected {
		return lifecycle.Conflict(lifecycle.ProcessService, s.ID, expected, old.Version)
	}
	m.services[s.ID] = s.Clone()
	return nil
}

// ListServices returns a page of copies of the matching services, by ID.
func (m *PortfolioStore) ListServices(ctx context.Context, f lifecycle.ServiceFilter) (lifecycle.ServicePage, error) {
	if err := ctx.Err(); err != nil {
		return lifecycle.ServicePage{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	items, next := page(m.services, f.After, f.Limit, f.Matches, func(s *lifecycle.Service) *lifecycle.Service { return s.Clone() })
	return lifecycle.ServicePage{Services: items, Next: next}, nil
}

// ImprovementStore is an in-memory lifecycle.ImprovementStore, for tests
// and development only, like PortfolioStore. TestImprovementStore checks
// it. The zero value is not ready; use NewImprovementStore.
type ImprovementStore struct {
	mu   sync.RWMutex
	imps map[string]*lifecycle.Improvement
}

var _ lifecycle.ImprovementStore = (*ImprovementStore)(nil)

// NewImprovementStore returns an empty in-memory ImprovementStore.
func NewImprovementStore() *ImprovementStore {
	return &ImprovementStore{imps: map[string]*lifecycle.Improvement{}}
}

// GetImprovement returns a copy of the stored improvement, or an error
// matching lifecycle.ErrNotFound.
func (m *ImprovementStore) GetImprovement(ctx context.Context, id string) (*lifecycle.Improvement, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	x, ok := m.imps[id]
	if !ok {
		return nil, lifecycle.NotFound(lifecycle.ProcessImprovement, id)
	}
	return x.Clone(), nil
}

// CreateImprovement stores a copy of x, or returns an error matching
// lifecycle.ErrConflict if its ID is taken.
func (m *ImprovementStore) CreateImprovement(ctx context.Context, x *lifecycle.Improvement) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.imps[x.ID]; ok {
		return lifecycle.Conflict(lifecycle.ProcessImprovement, x.ID, 0, old.Version)
	}
	m.imps[x.ID] = x.Clone()
	return nil
}

// UpdateImprovement replaces the stored improvement by a copy of x if its
// version is expected.
func (m *ImprovementStore) UpdateImprovement(ctx context.Context, x *lifecycle.Improvement, expected int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.imps[x.ID]
	if !ok {
		return lifecycle.NotFound(lifecycle.ProcessImprovement, x.ID)
	}
	if old.Version != expected {
		return lifecycle.Conflict(lifecycle.ProcessImprovement, x.ID, expected, old.Version)
	}
	m.imps[x.ID] = x.Clone()
	return nil
}

// ListImprovements returns a page of copies of the matching improvements,
// by ID.
func (m *ImprovementStore) ListImprovements(ctx context.Context, f lifecycle.ImprovementFilter) (lifecycle.ImprovementPage, error) {
	if err := ctx.Err(); err != nil {
		return lifecycle.ImprovementPage{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	items, next := page(m.imps, f.After, f.Limit, f.Matches, func(x *lifecycle.Improvement) *lifecycle.Improvement { return x.Clone() })
	return lifecycle.ImprovementPage{Improvements: items, Next: next}, nil
}

// page selects, in ID order, up to limit copies of the values after the
// cursor that match, and the cursor of the next page ("" if none).
func page[T any](all map[string]T, after string, limit int, match func(T) bool, clone func(T) T) ([]T, string) {
	if limit <= 0 {
		limit = lifecycle.DefaultListLimit
	}
	ids := make([]string, 0, len(all))
	for id, v := range all {
		if id > after && match(v) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	next := ""
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[limit-1]
	}
	out := make([]T, len(ids))
	for i, id := range ids {
		out[i] = clone(all[id])
	}
	return out, next
}
