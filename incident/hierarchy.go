package incident

import (
	"context"
	"errors"
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
)

// The rules of the incident hierarchy, which read other incidents: a
// child's parent exists, is open and is not a child; a child has no
// children; a child is not reopened under a resolved parent; resolving or
// closing a parent resolves its open children.

func (c SetParent) check(ctx context.Context, s *Service, x *Incident, reads *lifecycle.ReadSet) error {
	return s.checkParent(ctx, x, true, reads)
}

func (c Reopen) check(ctx context.Context, s *Service, x *Incident, reads *lifecycle.ReadSet) error {
	return s.checkReopen(ctx, x, reads)
}

func (c Resolve) consequences(ctx context.Context, s *Service, actor lifecycle.Actor, x *Incident) error {
	return s.resolveChildren(ctx, actor, x)
}

func (c Close) consequences(ctx context.Context, s *Service, actor lifecycle.Actor, x *Incident) error {
	return s.resolveChildren(ctx, actor, x)
}

func (c resolveForProblem) consequences(ctx context.Context, s *Service, actor lifecycle.Actor, x *Incident) error {
	return s.resolveChildren(ctx, actor, x)
}

func (c autoClose) consequences(ctx context.Context, s *Service, actor lifecycle.Actor, x *Incident) error {
	return s.resolveChildren(ctx, actor, x)
}

// childrenGuard is the key of the guard that every attach under parent
// takes, and every check that parent has no children reads first (see
// [Store]).
func childrenGuard(parent string) string { return "children/" + parent }

// checkParent checks x.Parent (when set): it must exist, be open and not be
// a child itself; with existing, x must not have children of its own. It
// records the parent at the version seen and takes the children guards of
// the parent and of x, so that the commit fails if any of it changed.
func (s *Service) checkParent(ctx context.Context, x *Incident, existing bool, reads *lifecycle.ReadSet) error {
	if x.Parent == "" {
		return nil
	}
	if err := reads.TakeGuard(ctx, s.store, childrenGuard(x.Parent)); err != nil {
		return err
	}
	p, err := s.store.Get(ctx, x.Parent)
	if errors.Is(err, lifecycle.ErrNotFound) || err == nil && p.Tenant != x.Tenant {
		// An incident of another tenant does not exist for this one.
		return lifecycle.Invalid("parent", "incident %s does not exist", x.Parent)
	}
	if err != nil {
		return err
	}
	reads.Record(p.ID, p.Version)
	if !p.State.IsOpen() {
		return lifecycle.Invalid("parent", "incident %s is %s: a parent must be open", p.ID, p.State)
	}
	if p.Parent != "" {
		return lifecycle.Invalid("parent", "incident %s is a child of %s: the hierarchy has one level", p.ID, p.Parent)
	}
	if existing {
		if err := reads.TakeGuard(ctx, s.store, childrenGuard(x.ID)); err != nil {
			return err
		}
		page, err := s.store.List(ctx, Filter{Parent: x.ID, Limit: 1})
		if err != nil {
			return err
		}
		if len(page.Incidents) > 0 {
			return lifecycle.Invalid("parent", "incident %s has children: the hierarchy has one level", x.ID)
		}
	}
	return nil
}

// checkReopen refuses to reopen a child whose parent is resolved or closed:
// a child is never open under a resolved parent. It records the parent at
// the version seen: a parent resolved before the reopen commits makes the
// commit fail, and one resolved after it resolves the child again.
func (s *Service) checkReopen(ctx context.Context, x *Incident, reads *lifecycle.ReadSet) error {
	if x.Parent == "" {
		return nil
	}
	p, err := s.store.Get(ctx, x.Parent)
	if errors.Is(err, lifecycle.ErrNotFound) {
		reads.Record(x.Parent, 0)
		return nil
	}
	if err != nil {
		return err
	}
	reads.Record(p.ID, p.Version)
	if p.State == StateResolved || p.State == StateClosed {
		return machine.Refuse(x.ID, StateResolved, EventReopen, fmt.Errorf("parent %s is %s: reopen the parent first", p.ID, p.State))
	}
	return nil
}

// resolveChildren resolves the open children of parent, just resolved or
// closed, each as its own stored change.
func (s *Service) resolveChildren(ctx context.Context, actor lifecycle.Actor, parent *Incident) error {
	if parent.Parent != "" {
		return nil // a child has no children: the hierarchy has one level
	}
	var errs []error
	f := Filter{Parent: parent.ID, States: openStates, Limit: MaxLimit}
	for {
		page, err := s.store.List(ctx, f)
		if err != nil {
			return errors.Join(append(errs, &lifecycle.FollowUpError{Process: Process, Record: parent.ID, Target: parent.ID, Err: err})...)
		}
		for _, c := range page.Incidents {
			if err := s.resolveChild(ctx, actor, c.ID, parent); err != nil {
				errs = append(errs, &lifecycle.FollowUpError{Process: Process, Record: parent.ID, Target: c.ID, Err: err})
			}
		}
		if page.Next == "" {
			return errors.Join(errs...)
		}
		f.After = page.Next
	}
}

// resolveChild resolves child id with parent's resolution, retrying from a
// fresh read when it meets a concurrent change. A child that is closed or
// resolved meanwhile, moved to another parent, or gone, is left alone.
func (s *Service) resolveChild(ctx context.Context, actor lifecycle.Actor, id string, parent *Incident) error {
	cmd := resolveWithParent{id: id, parent: parent.ID, code: parent.ResolutionCode, notes: parent.ResolutionNotes}
	if cmd.code == "" {
		cmd.code = CodeSolutionProvided
	}
	if blank(cmd.notes) {
		cmd.notes = "resolved with its parent"
	}
	return s.react(ctx, actor, id, func(x *Incident) (Command, bool) {
		return cmd, x.Parent == parent.ID && x.State.IsOpen()
	})
}
