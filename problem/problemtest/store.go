package problemtest

import (
	"context"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// Store is an in-memory problem.Store for tests and development. NOT FOR
// PRODUCTION: it keeps everything in one process's memory, scans every
// problem on List and SearchKnownErrors, and loses it all on exit.
//
// It keeps each problem's history and work notes apart from it, appended
// by Commit and paged by History and Journal, as the problem.Store
// contract asks.
//
// It is safe for concurrent use and copies problems in and out, so callers
// never share memory with stored state. It honours ctx cancellation on
// every call. Use [NewStore]; the zero value is not ready.
type Store struct {
	lifecycletest.Table[*problem.Problem]
}

var _ problem.Store = (*Store)(nil)

// NewStore returns an empty in-memory Store.
func NewStore() *Store {
	return &Store{lifecycletest.Table[*problem.Problem]{Process: problem.Process, Key: key, Clone: (*problem.Problem).Clone}}
}

func key(p *problem.Problem) (string, int64) { return p.ID, p.Version }

// List returns copies of one page of the problems matching f, by ID.
func (s *Store) List(ctx context.Context, f problem.Filter) (problem.Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = problem.DefaultLimit
	}
	match, err := s.Select(ctx, func(p *problem.Problem) bool { return (f.After == "" || p.ID > f.After) && f.Match(p) })
	if err != nil {
		return problem.Page{}, err
	}
	var page problem.Page
	if len(match) > limit {
		match = match[:limit]
		page.Next = match[limit-1].ID
	}
	page.Problems = match
	return page, nil
}

// SearchKnownErrors returns copies of the known errors matching q, by ID.
func (s *Store) SearchKnownErrors(ctx context.Context, q problem.KnownErrorQuery) ([]*problem.Problem, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = problem.DefaultLimit
	}
	match, err := s.Select(ctx, q.Match)
	if err != nil {
		return nil, err
	}
	if len(match) > limit {
		match = match[:limit]
	}
	return match, nil
}
