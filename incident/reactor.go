package incident

import (
	"context"
	"errors"
	"fmt"
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
//   - LinkCausedBy: when a change links incidents ("linked" with
//     Data["incidents"], the incidents it caused), link the change on each
//     incident.
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
	// LinkCausedBy links changes to the incidents they caused.
	LinkCausedBy bool
}

var _ lifecycle.Notifier = (*Reactor)(nil)

// Notify reacts to each event in turn and joins the reactions' errors.
func (r *Reactor) Notify(ctx context.Context, events ...lifecycle.Event) error {
	if r.Incidents == nil {
		return errors.New("incident reactor: Incidents is nil")
	}
	var errs []error
	for _, ev := range events {
		var err error
		switch {
		case ev.Process == "sla" && ev.Type == "sla.breached" && r.EscalateOnBreach:
			err = r.escalate(ctx, ev)
		case ev.Process == "change" && ev.Type == "linked" && r.LinkCausedBy && ev.Data["incidents"] != "":
			for _, id := range strings.Split(ev.Data["incidents"], ",") {
				if id = strings.TrimSpace(id); id != "" {
					err = errors.Join(err, r.linkChange(ctx, id, ev.Subject))
				}
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("incident reactor, event %s: %w", ev.ID, err))
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

// retry runs op on the current incident until it is stored or refused for
// a reason other than a racing writer; at most a few times.
func (r *Reactor) retry(ctx context.Context, id string, op func(*Incident) (Command, bool)) error {
	for attempt := 0; ; attempt++ {
		inc, err := r.Incidents.Get(ctx, id)
		if errors.Is(err, lifecycle.ErrNotFound) {
			return nil // not one of ours
		}
		if err != nil {
			return err
		}
		cmd, ok := op(inc)
		if !ok {
			return nil // nothing (more) to do
		}
		_, err = r.Incidents.Do(ctx, r.actor(), cmd)
		if errors.Is(err, lifecycle.ErrConflict) && attempt < 4 {
			continue
		}
		return err
	}
}

func (r *Reactor) escalate(ctx context.Context, ev lifecycle.Event) error {
	id := ev.Data["record"]
	if id == "" {
		return nil
	}
	reason := fmt.Sprintf("SLA %s (%s) breached, cycle %s", ev.Data["agreement"], ev.Data["target"], ev.Data["cycle"])
	top := r.Incidents.Rules().maxLevel()
	return r.retry(ctx, id, func(inc *Incident) (Command, bool) {
		if !inc.State.IsOpen() || inc.EscalationLevel >= top {
			return nil, false
		}
		for _, h := range inc.History {
			if h.Event == string(EventEscalateHierarchical) && h.Note == reason {
				return nil, false // this breach was escalated already
			}
		}
		return EscalateHierarchical{ID: inc.ID, Version: inc.Version, Reason: reason}, true
	})
}

func (r *Reactor) linkChange(ctx context.Context, incidentID, changeID string) error {
	return r.retry(ctx, incidentID, func(inc *Incident) (Command, bool) {
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
	r := Reactor{Incidents: s, Actor: actor}
	marker := "Known error " + problemID + " workaround: "
	return r.retry(ctx, incidentID, func(inc *Incident) (Command, bool) {
		if !inc.State.IsOpen() {
			return nil, false
		}
		for _, n := range inc.WorkNotes {
			if strings.HasPrefix(n.Text, marker) {
				return nil, false
			}
		}
		return WorkNote{ID: inc.ID, Version: inc.Version, Text: marker + workaround}, true
	})
}
