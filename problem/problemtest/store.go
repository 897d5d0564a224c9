package problemtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

// Store is an in-memory problem.Store for tests and development. NOT FOR
// PRODUCTION: it keeps everything in one process's memory, scans every
// problem on List and SearchKnownErrors, and loses it all on exit.
//
// It is safe for concurrent use and copies problems in and out, so callers
// never share memory with stored state. It honours ctx cancellation on
// every call. Use [NewStore]; the zero value is not ready.
type Store struct {
	mu       sync.RWMutex
	problems map[string]*problem.Problem
}

var _ problem.Store = (*Store)(nil)

// NewStore returns an empty in-memory Store.
func NewStore() *Store {
	return &Store{problems: map[string]*problem.Problem{}}
}

// Get returns a copy of the problem, or an error matching
// lifecycle.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*problem.Problem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.problems[id]
	if !ok {
		return nil, lifecycle.NotFound(problem.Process, id)
	}
	return p.Clone(), nil
}

// Create stores a copy of p, or returns an error matching
// lifecycle.ErrConflict if its ID is taken.
func (s *Store) Create(ctx context.Context, p *problem.Problem) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.problems[p.ID]; ok {
		return fmt.Errorf("%s %s already exists: %w", problem.Process, p.ID, lifecycle.ErrConflict)
	}
	s.problems[p.ID] = p.Clone()
	return nil
}

// Update replaces the stored problem with a copy of p if its stored version
// is expected; otherwise it returns an error matching lifecycle.ErrNotFound
// or lifecycle.ErrConflict and writes nothing.
func (s *Store) Update(ctx context.Context, p *problem.Problem, expected int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.problems[p.ID]
	if !ok {
		return lifecycle.NotFound(problem.Process, p.ID)
	}
	if old.Version != expected {
		return lifecycle.Conflict(problem.Process, p.ID, expected, old.Version)
	}
	s.problems[p.ID] = p.Clone()
	return nil
}

// List returns copies of one page of the problems matching f, by ID.
func (s *Store) List(ctx context.Context, f problem.Filter) (problem.Page, error) {
	if err := ctx.Err(); err != nil {
		return problem.Page{}, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = problem.DefaultLimit
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var match []*problem.Problem
	for id, p := range s.problems {
		if (f.After == "" || id > f.After) && f.Match(p) {
			match = append(match, p)
		}
	}
	sortByID(match)
	var page problem.Page
	if len(match) > limit {
		match = match[:limit]
		page.Next = match[limit-1].ID
	}
	page.Problems = clones(match)
	return page, nil
}

// SearchKnownErrors returns copies of the known errors matching q, by ID.
func (s *Store) SearchKnownErrors(ctx context.Context, q problem.KnownErrorQuery) ([]*problem.Problem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = problem.DefaultLimit
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var match []*problem.Problem
	for _, p := range s.problems {
		if q.Match(p) {
			match = append(match, p)
		}
	}
	sortByID(match)
	if len(match) > limit {
		match = match[:limit]
	}
	return clones(match), nil
}

// Len returns the number of stored problems.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.problems)
}

func sortByID(ps []*problem.Problem) {
	slices.SortFunc(ps, func(a, b *problem.Problem) int { return strings.Compare(a.ID, b.ID) })
}

func clones(ps []*problem.Problem) []*problem.Problem {
	out := make([]*problem.Problem, len(ps))
	for i, p := range ps {
		out[i] = p.Clone()
	}
	return out
}
