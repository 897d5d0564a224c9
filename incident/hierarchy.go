package incident

import (
	"context"
	"errors"
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
)

// settleAttached settles x, just stored as the child of x.Parent (opened
// under it or attached to it), against the changes stored meanwhile: it
// keeps the hierarchy one level deep (keepOneLevel), then resolves x if its
// parent was resolved (settleChild). It returns x as last stored.
func (s *Service) settleAttached(ctx context.Context, actor lifecycle.Actor, x *Incident) (*Incident, error) {
	x, err := s.keepOneLevel(ctx, actor, x)
	x, serr := s.settleChild(ctx, actor, x)
	return x, errors.Join(err, serr)
}

// keepOneLevel detaches x again, as its own stored change, when a change
// stored concurrently made the hierarchy two levels deep: x's parent became
// a child, or x gained a child, after checkParent looked. Of two such
// changes each is stored before it looks here, so at least one of them
// sees the other and undoes itself. The caller gets x as stored with a
// *FollowUpError naming x.
func (s *Service) keepOneLevel(ctx context.Context, actor lifecycle.Actor, x *Incident) (*Incident, error) {
	if x.Parent == "" {
		return x, nil
	}
	why, err := s.nesting(ctx, x)
	if err != nil {
		return x, &FollowUpError{Incident: x.ID, Err: err}
	}
	if why == "" {
		return x, nil
	}
	parent := x.Parent
	c := x
	for range followUpAttempts {
		if c == nil {
			if c, err = s.store.Get(ctx, x.ID); err != nil {
				return x, &FollowUpError{Incident: x.ID, Err: err}
			}
		}
		if c.Parent != parent {
			return x, nil // moved meanwhile: the hierarchy is someone else's change
		}
		d := c.Clone()
		c = nil
		evs, aerr := s.rules.apply(d, actor, s.clock.Now(), SetParent{ID: d.ID, Version: d.Version}, s.quiet)
		if aerr != nil {
			return x, &FollowUpError{Incident: x.ID, Err: aerr}
		}
		err = lifecycle.CommitUpdate(ctx, s.store, s.notifier, d, d.Version-1, evs)
		if err == nil || isNotifyError(err) {
			refused := lifecycle.Invalid("parent", "%s: detached again, the hierarchy has one level", why)
			return d, &FollowUpError{Incident: x.ID, Err: errors.Join(refused, err)}
		}
		if !errors.Is(err, lifecycle.ErrConflict) {
			return x, &FollowUpError{Incident: x.ID, Err: err}
		}
	}
	return x, &FollowUpError{Incident: x.ID, Err: err}
}

// nesting says how the child x makes the hierarchy two levels deep (its
// parent is a child, or x has children), or "" when it does not.
func (s *Service) nesting(ctx context.Context, x *Incident) (string, error) {
	p, err := s.store.Get(ctx, x.Parent)
	switch {
	case errors.Is(err, lifecycle.ErrNotFound):
	case err != nil:
		return "", err
	case p.Parent != "":
		return fmt.Sprintf("incident %s became a child of %s meanwhile", p.ID, p.Parent), nil
	}
	page, err := s.store.List(ctx, Filter{Parent: x.ID, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(page.Incidents) > 0 {
		return fmt.Sprintf("incident %s gained child %s meanwhile", x.ID, page.Incidents[0].ID), nil
	}
	return "", nil
}
