package request

import (
	"context"

	"github.com/itsmkit/itsm/lifecycle"
)

// HistoryAs is [Service.History] as actor may read it: outside the
// actor's scope it is lifecycle.ErrNotFound, as [Service.GetAs] is.
func (s *Service) HistoryAs(ctx context.Context, actor lifecycle.Actor, id string, after, limit int) ([]lifecycle.Record, error) {
	return lifecycle.ReadAs(ctx, &s.kernel, actor, id, func(ctx context.Context) ([]lifecycle.Record, error) { return s.History(ctx, id, after, limit) })
}
