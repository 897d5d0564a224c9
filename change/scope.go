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
