package problem

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// WorkaroundTarget is what [Reactor] needs to offer a known error's
// workaround to a new incident. incident.Service satisfies it. The call must
// be idempotent: offering the same problem's workaround twice to one
// incident records it once.
type WorkaroundTarget interface {
	OfferWorkaround(ctx context.Context, actor lifecycle.Actor, incidentID, problemID, workaround string) error
}

// Reactor makes problem management follow the other processes. It is a
// [lifecycle.Notifier]: subscribe it to the [lifecycle.Bus] the incident and
// change services notify (or call it from an outbox relay). Each reaction is
// optional and idempotent, so a redelivered event changes nothing twice:
//
//   - OpenForMajor: when a major incident is resolved, open a problem for
//     its root cause and link the incident, unless a problem already links
//     it.
//   - ResolveOnChange: when a change closes with outcome successful or
//     successful_with_issues, resolve the problems in fix_in_progress that
//     list it among their fixing changes.
//   - Workarounds: when an incident is opened on a service or configuration
//     item with a known error, offer that known error's workaround to it.
//
// The original change that caused an event is never undone by a failed
// reaction: the error is returned (joined with the others) and the reaction
// can be retried by delivering the event again.
type Reactor struct {
	// Problems is the problem service the reactions act through. Required.
	Problems *Service
	// Actor performs the reactions; the zero Actor means lifecycle.System.
	Actor lifecycle.Actor
	// OpenForMajor opens a problem when a major incident is resolved.
	OpenForMajor bool
	// ResolveOnChange resolves fix-in-progress problems whose change
	// closed successfully.
	ResolveOnChange bool
	// Workarounds, when set, receives known errors' workarounds for new
	// incidents on the same service or configuration item.
	Workarounds WorkaroundTarget
	// MaxWorkarounds caps the workarounds offered to one incident; 0 means 3.
	MaxWorkarounds int
}

var _ lifecycle.Notifier = (*Reactor)(nil)

// Notify reacts to each event in turn and joins the reactions' errors.
func (r *Reactor) Notify(ctx context.Context, events ...lifecycle.Event) error {
	if r.Problems == nil {
		return errors.New("problem reactor: Problems is nil")
	}
	var errs []error
	for _, ev := range events {
		if err := r.react(ctx, ev); err != nil {
			errs = append(errs, fmt.Errorf("problem reactor, event %s: %w", ev.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (r *Reactor) actor() lifecycle.Actor {
	if r.Actor.ID == "" {
		return lifecycle.System
	}
	return r.Actor
}

func (r *Reactor) react(ctx context.Context, ev lifecycle.Event) error {
	switch {
	case ev.Process == "incident" && ev.Type == "resolved" && ev.Snapshot.Major && r.OpenForMajor:
		return r.openForMajor(ctx, ev)
	case ev.Process == "incident" && ev.Type == "opened" && r.Workarounds != nil:
		return r.offerWorkarounds(ctx, ev)
	case ev.Process == "change" && ev.Type == "closed" && r.ResolveOnChange:
		if o := ev.Data["outcome"]; o == "successful" || o == "successful_with_issues" {
			return r.resolveFixed(ctx, ev)
		}
	}
	return nil
}

func (r *Reactor) openForMajor(ctx context.Context, ev lifecycle.Event) error {
	page, err := r.Problems.List(ctx, Filter{Incident: ev.Subject, Limit: 1})
	if err != nil {
		return err
	}
	if len(page.Problems) > 0 {
		return nil // already has a problem: the event was delivered before
	}
	title := "Root cause of major incident " + ev.Subject
	if t := ev.Snapshot.Title; t != "" {
		title += ": " + t
	}
	_, err = r.Problems.Open(ctx, r.actor(), Open{
		Title:       title,
		Description: "Opened automatically when major incident " + ev.Subject + " was resolved.",
		Impact:      1,
		Urgency:     2,
		Group:       ev.Snapshot.Group,
		Service:     ev.Snapshot.Service,
		ConfigItem:  ev.Snapshot.ConfigItem,
		Incidents:   []string{ev.Subject},
	})
	return err
}

func (r *Reactor) resolveFixed(ctx context.Context, ev lifecycle.Event) error {
	var errs []error
	f := Filter{States: []State{StateFixInProgress}}
	for {
		page, err := r.Problems.List(ctx, f)
		if err != nil {
			return err
		}
		for _, p := range page.Problems {
			if !slices.Contains(p.Changes, ev.Subject) {
				continue
			}
			_, err := r.Problems.Resolve(ctx, r.actor(), Resolve{
				ID:      p.ID,
				Version: p.Version,
				Notes:   "Fixed by change " + ev.Subject + " (outcome " + ev.Data["outcome"] + ").",
			})
			if err != nil && !errors.Is(err, lifecycle.ErrInvalidTransition) {
				errs = append(errs, err)
			}
		}
		if page.Next == "" {
			return errors.Join(errs...)
		}
		f.After = page.Next
	}
}

func (r *Reactor) offerWorkarounds(ctx context.Context, ev lifecycle.Event) error {
	max := r.MaxWorkarounds
	if max <= 0 {
		max = 3
	}
	var found []*Problem
	seen := map[string]bool{}
	for _, q := range []KnownErrorQuery{
		{ConfigItem: ev.Snapshot.ConfigItem, Limit: max},
		{Service: ev.Snapshot.Service, Limit: max},
	} {
		if q.ConfigItem == "" && q.Service == "" {
			continue
		}
		ps, err := r.Problems.SearchKnownErrors(ctx, q)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if !seen[p.ID] && len(found) < max && p.State != StateClosed && p.State != StateCanceled {
				seen[p.ID] = true
				found = append(found, p)
			}
		}
	}
	var errs []error
	for _, p := range found {
		if err := r.Workarounds.OfferWorkaround(ctx, r.actor(), ev.Subject, p.ID, p.KnownError.Workaround); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
