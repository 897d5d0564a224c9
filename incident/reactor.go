package incident

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Reactor makes incident management follow the other processes. It is a
// [lifecycle.Notifier]: subscribe it to the [lifecycle.Bus] that the SLA
// engine and the change service notify (or call it from an outbox relay).
// Each reaction is optional and idempotent, so a redelivered event changes
// nothing twice:
//
//   - EscalateOnBreach: when an SLA timer of an open incident breaches
//     ("sla.breached"), raise the incident's hierarchical escalation level
//     by one, with the agreement, target and cycle as the reason. A breach
//     already escalated (the same reason is in the history) or an incident
//     at the highest level is left alone.
//   - ReassignOnBreach: when an SLA timer of an open incident breaches,
//     ask the function for a group and hand the incident to it
//     (functional escalation, with the same reason). An empty group, the
//     incident's own group, or a breach already handed over is left alone.
//   - LinkCausedBy: when a change names the incidents it caused (its
//     "opened" or "linked" event with Data["incidents"]), link the change
//     on each incident.
//
// Events about records that are not incidents of this Service (an unknown
// ID) are ignored, so that a reaction that can never succeed never blocks an
// outbox relay. Other failures are returned, joined; the change that caused
// the event is never undone, and the reaction can be retried by delivering
// the event again.
type Reactor struct {
	// Incidents is the incident service the reactions act through. Required.
	Incidents *Service
	// Actor performs the reactions; the zero Actor means lifecycle.System.
	Actor lifecycle.Actor
	// EscalateOnBreach raises the escalation level of breached incidents.
	EscalateOnBreach bool
	// ReassignOnBreach, when set, names the group a breached incident is
	// handed to (functional escalation); breach is the "sla.breached"
	// event (see its Value of "record", "agreement", "target" and
	// "cycle"). Returning "" or the incident's own group leaves it where
	// it is. It must be a pure
	// function of its arguments, so that a redelivered breach picks the
	// same group.
	ReassignOnBreach func(inc *Incident, breach lifecycle.Notification) (group string)
	// LinkCausedBy links changes to the incidents they caused.
	LinkCausedBy bool
}

var _ lifecycle.Notifier = (*Reactor)(nil)

// Notify reacts to each event in turn and joins the reactions' errors.
func (r *Reactor) Notify(ctx context.Context, events ...lifecycle.Notification) error {
	if r.Incidents == nil {
		return errors.New("incident reactor: Incidents is nil")
	}
	var errs []error
	for _, ev := range events {
		var err error
		switch {
		case ev.Process == "sla" && ev.Type == "sla.breached":
			if r.EscalateOnBreach {
				err = r.escalate(ctx, ev)
			}
			if r.ReassignOnBreach != nil {
				err = errors.Join(err, r.reassign(ctx, ev))
			}
		case ev.Process == "change" && (ev.Type == "linked" || ev.Type == "opened") && r.LinkCausedBy && ev.Data["incidents"] != "":
			for _, id := range strings.Split(ev.Data["incidents"], ",") {
				if id = strings.TrimSpace(id); id != "" {
					err = errors.Join(err, r.linkChange(ctx, ev, id))
				}
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("incident reactor, event %s: %w", ev.ID, err))
		}
	}
	return errors.Join(errs...)
}

// actor is who reacts to ev (see [lifecycle.Reacting]).
func (r *Reactor) actor(ev lifecycle.Notification) lifecycle.Actor {
	return lifecycle.Reacting(r.Actor, ev)
}

// onBreach reacts to an "sla.breached" event with the command next picks
// for the breached incident, given the reason to record, once per breach
// and event: unless the incident is not open, or the breach was
// handled by event already (see [Incident.Reactions]).
func (r *Reactor) onBreach(ctx context.Context, breach lifecycle.Notification, event Event, next func(inc *Incident, reason string) (Command, bool)) error {
	id := breach.Value("record")
	if id == "" {
		return nil
	}
	reason := breachReason(breach)
	key := "breach/" + string(event) + "/" + breach.Value("agreement") + "/" + breach.Value("target") + "/" + breach.Value("cycle")
	return r.Incidents.react(ctx, r.actor(breach), id, func(inc *Incident) (Command, bool) {
		// A handled breach does not ask next (the host's choice) again.
		if !inc.State.IsOpen() || slices.Contains(inc.Reactions, key) {
			return nil, false
		}
		cmd, ok := next(inc, reason)
		if !ok {
			return nil, false
		}
		return once{cmd, key}, true
	})
}

// breachReason is the reason recorded for an escalation caused by breach.
func breachReason(breach lifecycle.Notification) string {
	return fmt.Sprintf("SLA %s (%s) breached, cycle %s", breach.Value("agreement"), breach.Value("target"), breach.Value("cycle"))
}

// escalate raises a breached incident's escalation level by one.
func (r *Reactor) escalate(ctx context.Context, breach lifecycle.Notification) error {
	top := r.Incidents.Rules().maxLevel()
	return r.onBreach(ctx, breach, EventEscalateHierarchical, func(inc *Incident, reason string) (Command, bool) {
		if inc.EscalationLevel >= top {
			return nil, false
		}
		return EscalateHierarchical{ID: inc.ID, Version: inc.Version, Reason: reason}, true
	})
}

// reassign hands a breached incident to the group ReassignOnBreach names.
func (r *Reactor) reassign(ctx context.Context, breach lifecycle.Notification) error {
	return r.onBreach(ctx, breach, EventEscalateFunctional, func(inc *Incident, reason string) (Command, bool) {
		group := r.ReassignOnBreach(inc, breach)
		if group == "" || group == inc.Group {
			return nil, false
		}
		return EscalateFunctional{ID: inc.ID, Version: inc.Version, Group: group, Reason: reason}, true
	})
}

func (r *Reactor) linkChange(ctx context.Context, ev lifecycle.Notification, incidentID string) error {
	changeID := ev.Subject
	return r.Incidents.react(ctx, r.actor(ev), incidentID, func(inc *Incident) (Command, bool) {
		if inc.IsLinkedToChange(changeID) || !inc.State.IsOpen() && inc.State != StateResolved {
			return nil, false
		}
		return LinkChange{ID: inc.ID, Version: inc.Version, Change: changeID}, true
	})
}

// OfferWorkaround records a known error's workaround on an open incident as
// a work note naming the problem, so that the agent working the incident
// sees it. It is idempotent: a workaround of the same problem already noted
// is not noted again. An incident that is not open, or unknown, is left
// alone (nil). It satisfies problem.WorkaroundTarget.
func (s *Service) OfferWorkaround(ctx context.Context, actor lifecycle.Actor, incidentID, problemID, workaround string) error {
	if problemID == "" || strings.TrimSpace(workaround) == "" {
		return lifecycle.Invalid("workaround", "a problem ID and a workaround are required")
	}
	key := "workaround/" + problemID
	return s.react(ctx, actor, incidentID, func(inc *Incident) (Command, bool) {
		if !inc.State.IsOpen() || slices.Contains(inc.Reactions, key) {
			return nil, false
		}
		return once{WorkNote{ID: inc.ID, Version: inc.Version, Text: "Known error " + problemID + " workaround: " + workaround}, key}, true
	})
}
