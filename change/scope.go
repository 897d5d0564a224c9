package change

import (
	"context"

	"github.com/itsmkit/itsm/lifecycle"
)

// GetAs returns the change with the given ID as actor may read it: an
// error matching lifecycle.ErrNotFound when it is outside the actor's
// scope (see [lifecycle.Scope]; the scope comes from Config.Interceptors)
// exactly as when no change has the ID.
func (s *Service) GetAs(ctx context.Context, actor lifecycle.Actor, id string) (*Change, error) {
	return s.kernel.GetAs(ctx, actor, id)
}

// ListAs is [Service.List] within actor's scope: when the access policy
// limits what the actor reads, its scope replaces f.Scope.
func (s *Service) ListAs(ctx context.Context, actor lifecycle.Actor, f Filter) (Page, error) {
	if err := s.kernel.Narrow(ctx, actor, &f.Scope); err != nil {
		return Page{}, err
	}
	return s.List(ctx, f)
}

// HistoryAs is [Service.History] as actor may read it: outside the
// actor's scope it is lifecycle.ErrNotFound, as [Service.GetAs] is.
func (s *Service) HistoryAs(ctx context.Context, actor lifecycle.Actor, id string, after, limit int) ([]lifecycle.Record, error) {
	return lifecycle.ReadAs(ctx, &s.kernel, actor, id, func(ctx context.Context) ([]lifecycle.Record, error) { return s.History(ctx, id, after, limit) })
}

// ExportAs is [Service.Export] as actor may read it, as
// [Service.HistoryAs] is.
func (s *Service) ExportAs(ctx context.Context, actor lifecycle.Actor, id string) (*Change, error) {
	return lifecycle.ReadAs(ctx, &s.kernel, actor, id, func(ctx context.Context) (*Change, error) { return s.Export(ctx, id) })
}
