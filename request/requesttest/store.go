// Package requesttest holds what tests and development need of service
// request management: an in-memory [Store] and the conformance suite
// every request.Store should pass.
package requesttest

import (
	"context"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
)

// Store is an in-memory request.Store for tests and development. NOT FOR
// PRODUCTION: it keeps everything in one process's memory, scans every
// request on List, and loses it all on exit. It keeps each request's
// history apart from it, appended by Commit and paged by History.
//
// It is safe for concurrent use and copies requests in and out. Use
// [NewStore]; the zero value is not ready.
type Store struct {
	lifecycletest.Table[*request.Request]
}

var _ request.Store = (*Store)(nil)

// NewStore returns an empty in-memory Store.
func NewStore() *Store {
	return &Store{lifecycletest.Table[*request.Request]{Process: request.ProcessRequest, Key: key, Clone: (*request.Request).Clone}}
}

func key(r *request.Request) (string, int64) { return r.ID, r.Version }

// List returns copies of one page of the requests matching f, by ID.
func (s *Store) List(ctx context.Context, f request.Filter) (request.Page, error) {
	match, err := s.Select(ctx, func(r *request.Request) bool { return r.ID > f.After && f.Matches(r) })
	if err != nil {
		return request.Page{}, err
	}
	var p request.Page
	if limit := f.PageSize(); len(match) > limit {
		match = match[:limit]
		p.Next = match[limit-1].ID
	}
	p.Requests = match
	return p, nil
}
