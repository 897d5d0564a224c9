package problem

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// WorkaroundTarget is what [Reactor] needs to offer a known error's
// workaround to a new incident. incident.Service satisfies it.
type WorkaroundTarget interface {
	// OfferWorkaround offers problemID's workaround to incident
	// incidentID. It must be idempotent: offering the same problem's
	// workaround twice to one incident records it once.
	OfferWorkaround(ctx context.Context, actor lifecycle.Actor, incidentID, problemID, workaround string) error
}

// ChangeOutcomes tells the [Reactor] how a change ended, so that a problem
// fixed through several changes resolves only once all of them have ended.
// The host answers it from its change service; [ChangeOutcomesFunc] adapts
// a function.
type ChangeOutcomes interface {
	// ChangeOutcome reports whether change changeID has ended (closed or
	// canceled) and, if so, whether it succeeded (closed with outcome
	// successful or successful_with_issues). An unknown change is an
	// error, which should match lifecycle.ErrNotFound.
	ChangeOutcome(ctx context.Context, changeID string) (ended, succeeded bool, err error)
}

// ChangeOutcomesFunc adapts a function to [ChangeOutcomes].
type ChangeOutcomesFunc func(ctx context.Context, changeID string) (ended, succeeded bool, err error)

// ChangeOutcome calls f.
func (f ChangeOutcomesFunc) ChangeOutcome(ctx context.Context, changeID string) (ended, succeeded bool, err error) {
	return f(ctx, changeID)
}

// DefaultMajorProblemID is the ID [Reactor] gives the problem it opens for
// major incident incidentID when Reactor.MajorProblemID is nil:
// "PRB-" + incidentID.
func DefaultMajorProblemID(incidentID string) string { return "PRB-" + incidentID }

// Reactor makes problem management follow the other processes. It is a
// [lifecycle.Notifier]: subscribe it to the [lifecycle.Bus] the incident and
// change services notify (or call it from an outbox relay). Each reaction is
// optional and idempotent, so a redelivered event, or the same event
// delivered concurrently, changes nothing twice:
//
//   - OpenForMajor: when a major incident is resolved, open a problem for
//     its root cause and link the incident, unless a problem already links
//     it. The problem's ID is derived from the incident's
//     (MajorProblemID), so concurrent deliveries open it once: the store
//     refuses the second with ErrConflict, which means "already done".
//   - ResolveOnChange: when a change closes, resolve the problems in
//     fix_in_progress that list it among their changes, or that the change
//     lists (Data "problems" of its "closed" event, comma-separated).
//     Without Changes, a close with outcome successful or
//     successful_with_issues resolves them, even when other changes they
//     list are still pending. With Changes, the reactor also follows
//     canceled changes, and resolves a problem only once every change it
//     lists has ended (closed or canceled) and at least one succeeded.
//     A problem found already resolved with a fix (the event delivered
//     again) gets its waiting incidents' follow-up again, as
//     Config.ResolveIncidents and Config.OnFix say: redelivery retries a
//     follow-up that failed.
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
	// MajorProblemID derives the ID of the problem opened for a major
	// incident from the incident's ID; nil means [DefaultMajorProblemID].
	// It must be deterministic (the same incident always gives the same
	// ID, which is what makes opening idempotent) and return a valid,
	// non-empty ID; otherwise the reaction fails with ErrValidation.
	MajorProblemID func(incidentID string) string
	// ResolveOnChange resolves fix-in-progress problems when their change
	// closes successfully (see Changes).
	ResolveOnChange bool
	// Changes, when set, reports how each fixing change ended, so that a
	// problem with several changes resolves only once all of them have
	// ended and one succeeded. Nil keeps the simple rule: the first
	// successful close resolves the problem.
	Changes ChangeOutcomes
	// Workarounds, when set, receives known errors' workarounds for new
	// incidents on the same service or configuration item.
	Workarounds WorkaroundTarget
	// MaxWorkarounds caps the workarounds offered to one incident; 0 means 3.
	MaxWorkarounds int
}

var _ lifecycle.Notifier = (*Reactor)(nil)

// Notify reacts to each event in turn and joins the reactions' errors.
func (r *Reactor) Notify(ctx context.Context, events ...lifecycle.Notification) error {
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

// actor is who reacts to ev (see [lifecycle.Reacting]).
func (r *Reactor) actor(ev lifecycle.Notification) lifecycle.Actor {
	return lifecycle.Reacting(r.Actor, ev)
}

// tenant is the scope of ev's tenant, for the reactions' queries.
func tenant(ev lifecycle.Notification) lifecycle.Scope {
	return lifecycle.Scope{Tenants: []string{ev.Snapshot.Tenant}}
}

// succeeded reports whether a change outcome counts as a successful fix.
func succeeded(outcome string) bool {
	return outcome == "successful" || outcome == "successful_with_issues"
}

func (r *Reactor) react(ctx context.Context, ev lifecycle.Notification) error {
	switch {
	case ev.Process == "incident" && ev.Type == "resolved" && ev.Snapshot.Major && r.OpenForMajor:
		return r.openForMajor(ctx, ev)
	case ev.Process == "incident" && ev.Type == "opened" && r.Workarounds != nil:
		return r.offerWorkarounds(ctx, ev)
	case ev.Process == "change" && r.ResolveOnChange:
		switch {
		case ev.Type == "closed" && succeeded(ev.Data["outcome"]),
			r.Changes != nil && (ev.Type == "closed" || ev.Type == "canceled"):
			return r.resolveFixed(ctx, ev)
		}
	}
	return nil
}

func (r *Reactor) openForMajor(ctx context.Context, ev lifecycle.Notification) error {
	page, err := r.Problems.List(ctx, Filter{Incident: ev.Subject, Limit: 1, Scope: tenant(ev)})
	if err != nil {
		return err
	}
	if len(page.Problems) > 0 {
		return nil // already has a problem: the event was delivered before
	}
	id := r.MajorProblemID
	if id == nil {
		id = DefaultMajorProblemID
	}
	pid := id(ev.Subject)
	if strings.TrimSpace(pid) == "" {
		// An empty ID would let Open draw one, and a redelivery open a
		// second problem.
		return lifecycle.Invalid("major_problem_id", "no problem ID for major incident %q", ev.Subject)
	}
	title := "Root cause of major incident " + ev.Subject
	if t := ev.Snapshot.Title; t != "" {
		title += ": " + t
	}
	p, err := r.Problems.Open(ctx, r.actor(ev), Open{
		ID:          pid,
		Title:       title,
		Description: "Opened automatically when major incident " + ev.Subject + " was resolved.",
		Impact:      1,
		Urgency:     2,
		Tenant:      ev.Snapshot.Tenant,
		Group:       ev.Snapshot.Group,
		Service:     ev.Snapshot.Service,
		ConfigItem:  ev.Snapshot.ConfigItem,
		Incidents:   []string{ev.Subject},
	})
	if p == nil && errors.Is(err, lifecycle.ErrConflict) {
		return nil // opened by an earlier or concurrent delivery
	}
	return err
}

// resolveFixed acts on a change that ended: every problem in
// fix_in_progress or resolved that lists the change (found with
// Filter.Change), or that the change lists (read by ID), is settled by
// settle, once.
func (r *Reactor) resolveFixed(ctx context.Context, ev lifecycle.Notification) error {
	var errs []error
	done := map[string]bool{}
	try := func(p *Problem) {
		if done[p.ID] || p.State != StateFixInProgress && p.State != StateResolved {
			return
		}
		done[p.ID] = true
		if err := r.settle(ctx, ev, p); err != nil {
			errs = append(errs, fmt.Errorf("problem %s: %w", p.ID, err))
		}
	}
	f := Filter{Change: ev.Subject, States: []State{StateFixInProgress, StateResolved}, Scope: tenant(ev)}
	for {
		page, err := r.Problems.List(ctx, f)
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		for _, p := range page.Problems {
			try(p)
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	for id := range strings.SplitSeq(ev.Data["problems"], ",") {
		if id = strings.TrimSpace(id); id == "" || done[id] {
			continue
		}
		p, err := r.Problems.GetAs(ctx, r.actor(ev), id)
		switch {
		case errors.Is(err, lifecycle.ErrNotFound):
			// a problem of another desk or tenant, or gone: nothing to settle
		case err != nil:
			errs = append(errs, fmt.Errorf("problem %s: %w", id, err))
		default:
			try(p)
		}
	}
	return errors.Join(errs...)
}

// settle resolves p if the change event ev completes its fix, or, when p
// is already resolved with a fix, redoes its waiting incidents'
// follow-up. A concurrent change of p is met by reading it again.
func (r *Reactor) settle(ctx context.Context, ev lifecycle.Notification, p *Problem) error {
	if p.State == StateResolved && p.Resolution == ResolutionFixApplied {
		return r.Problems.resolvedFollowUp(ctx, r.actor(ev), p)
	}
	return lifecycle.Settle(ctx, func() (bool, error) {
		got, err := r.Problems.run(ctx, r.actor(ev), p.ID, 0, func(ctx context.Context, p *Problem) (Command, error) {
			if p.State != StateFixInProgress {
				return nil, errSettled
			}
			ok, notes, err := r.fixed(ctx, ev, p)
			if err == nil && !ok {
				err = errSettled
			}
			return Resolve{ID: p.ID, Notes: notes}, err
		})
		if errors.Is(err, errSettled) {
			return false, nil
		}
		return got != nil, err
	})
}

// fixed reports whether change event ev completes p's fix, and the
// resolution notes to record. Without Changes, ev is a successful close
// and that suffices. With Changes, every change p lists (and ev's) must
// have ended and at least one succeeded; ev's own change is judged by the
// event.
func (r *Reactor) fixed(ctx context.Context, ev lifecycle.Notification, p *Problem) (bool, string, error) {
	byEvent := "Fixed by change " + ev.Subject + " (outcome " + ev.Data["outcome"] + ")."
	if r.Changes == nil {
		return true, byEvent, nil
	}
	changes := p.Changes
	if !slices.Contains(changes, ev.Subject) {
		changes = append(slices.Clip(changes), ev.Subject) // a copy: p.Changes stays as it is
	}
	evSucceeded := ev.Type == "closed" && succeeded(ev.Data["outcome"])
	var good []string
	for _, c := range changes {
		ended, ok := true, evSucceeded
		if c != ev.Subject {
			var err error
			if ended, ok, err = r.Changes.ChangeOutcome(ctx, c); err != nil {
				return false, "", fmt.Errorf("outcome of change %s: %w", c, err)
			}
		}
		if !ended {
			return false, "", nil // wait for it
		}
		if ok {
			good = append(good, c)
		}
	}
	if len(good) == 0 {
		return false, "", nil // every change ended, none fixed it: people decide
	}
	if len(changes) == 1 {
		return true, byEvent, nil
	}
	by := "change " + good[0]
	if len(good) > 1 {
		by = "changes " + strings.Join(good, ", ")
	}
	return true, fmt.Sprintf("Fixed by %s; every fixing change (%s) has ended.", by, strings.Join(changes, ", ")), nil
}

func (r *Reactor) offerWorkarounds(ctx context.Context, ev lifecycle.Notification) error {
	max := r.MaxWorkarounds
	if max <= 0 {
		max = 3
	}
	var found []*Problem
	seen := map[string]bool{}
	for _, q := range []KnownErrorQuery{
		{ConfigItem: ev.Snapshot.ConfigItem, Limit: max, Scope: tenant(ev)},
		{Service: ev.Snapshot.Service, Limit: max, Scope: tenant(ev)},
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
		if err := r.Workarounds.OfferWorkaround(ctx, r.actor(ev), ev.Subject, p.ID, p.KnownError.Workaround); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
