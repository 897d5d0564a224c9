package problem

import (
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// NewProblem builds a new problem from o, the pure counterpart of
// [Service.Open]: state new, version 1, one history record (event "open"),
// priority from m (the zero Matrix is [lifecycle.DefaultMatrix]) and the
// events to emit once it is stored ([TypeOpened], then one
// [TypeIncidentLinked] per incident in o.Incidents). The problem is named
// id, or o.ID when set (id must then be empty or the same). Bad input is a
// *lifecycle.ValidationError and nothing is built.
func NewProblem(id string, m lifecycle.Matrix, actor lifecycle.Actor, now time.Time, o Open) (*Problem, []lifecycle.Notification, error) {
	if err := actor.Validate(); err != nil {
		return nil, nil, err
	}
	id = strings.TrimSpace(id)
	if o.ID != "" {
		oid := strings.TrimSpace(o.ID)
		if id != "" && id != oid {
			return nil, nil, lifecycle.Invalid("id", "problem ID %q given for Open.ID %q", id, oid)
		}
		id = oid
	}
	if id == "" || strings.ContainsAny(id, ", \t\r\n") {
		return nil, nil, lifecycle.Invalid("id", "%q is not a valid problem ID", id)
	}
	title, err := required("title", o.Title)
	if err != nil {
		return nil, nil, err
	}
	impact, urgency, prio, err := m.Classify(o.Impact, o.Urgency)
	if err != nil {
		return nil, nil, err
	}
	var incidents []string
	if len(o.Incidents) > 0 {
		if incidents, err = ids("incidents", o.Incidents); err != nil {
			return nil, nil, err
		}
	}
	p := &Problem{
		ID:          id,
		Version:     1,
		State:       machine.Initial(),
		Title:       title,
		Description: strings.TrimSpace(o.Description),
		Tenant:      lifecycle.TenantFor(actor, o.Tenant),
		Impact:      impact,
		Urgency:     urgency,
		Priority:    prio,
		Group:       strings.TrimSpace(o.Group),
		Assignee:    strings.TrimSpace(o.Assignee),
		Service:     strings.TrimSpace(o.Service),
		ConfigItem:  strings.TrimSpace(o.ConfigItem),
		KnownError:  KnownError{Symptom: strings.TrimSpace(o.Symptom)},
		Incidents:   incidents,
		OpenedBy:    actor.ID,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	s := &step{Delta: lifecycle.Delta{Actor: actor, Now: now, Event: "open", Changes: fieldChanges(&Problem{}, p)}}
	s.EmitData(TypeOpened, nil)
	for _, inc := range incidents {
		s.EmitData(TypeIncidentLinked, map[string]string{"incident": inc})
	}
	p.History = []lifecycle.Record{s.Record(1, string(p.State))}
	return p, s.Notifications(Process, p.ID, p.Version, string(p.State), p.Snapshot()), nil
}

// Apply performs cmd on p with the default priority matrix; see
// [Problem.ApplyMatrix].
func (p *Problem) Apply(actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Notification, error) {
	return p.ApplyMatrix(lifecycle.DefaultMatrix, actor, now, cmd)
}

// ApplyMatrix performs cmd on p: the pure transition every [Service]
// operation runs between loading and storing. m is the priority matrix
// (the zero Matrix is [lifecycle.DefaultMatrix]).
//
// It checks the actor, the command's ID (when set, it must be p.ID) and
// Version (when set, it must be p.Version, or the error matches
// [lifecycle.ErrConflict]), the state machine and its guards (errors match
// [lifecycle.ErrInvalidTransition]) and the inputs (ErrValidation); who may
// fire the event is the [Service]'s access policy's to say. On success it has applied the change, appended
// exactly one history record, incremented Version, set UpdatedAt to now, and
// returns the events to emit once the change is stored. On any error p is
// left exactly as it was.
func (p *Problem) ApplyMatrix(m lifecycle.Matrix, actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Notification, error) {
	return p.apply(m, actor, now, cmd, true)
}

// apply is ApplyMatrix. With safe false it works on p itself instead of a
// clone, so that p is left half-changed on error: the Service uses that for
// the private copy it loaded and drops on error, saving a deep copy per
// operation.
func (p *Problem) apply(m lifecycle.Matrix, actor lifecycle.Actor, now time.Time, cmd Command, safe bool) ([]lifecycle.Notification, error) {
	if err := lifecycle.CheckCommand(actor, cmd); err != nil {
		return nil, err
	}
	id, version := cmd.target()
	if err := lifecycle.CheckTarget(Process, id, version, p.ID, p.Version); err != nil {
		return nil, err
	}
	// before is a shallow copy: commands replace slices or append to them,
	// never change their existing elements, so it keeps the old values.
	before := *p
	c := p
	if safe {
		c = p.Clone()
	}
	s := &step{Delta: lifecycle.Delta{Actor: actor, Now: now, From: string(p.State)}, matrix: m}
	if err := cmd.apply(c, s); err != nil {
		return nil, err
	}
	wasKnown, isKnown := before.IsKnownError(), c.IsKnownError()
	if wasKnown && !isKnown {
		// No command clears a root cause or workaround; this guards the
		// invariant should one ever try.
		return nil, lifecycle.Invalid("known_error", "a known error's root cause and workaround cannot be removed")
	}
	if isKnown && !wasKnown {
		c.KnownErrorAt = now
		s.EmitData(TypeKnownError, map[string]string{
			"root_cause": c.KnownError.RootCause,
			"workaround": c.KnownError.Workaround,
		})
	}
	s.Changes = fieldChanges(&before, c)
	events := finish(c, &s.Delta)
	if safe {
		*p = *c
	}
	return events, nil
}

// finish records op on p as the problem's next version: version and
// update time, op's history record, and op's notifications about it.
func finish(p *Problem, op *lifecycle.Delta) []lifecycle.Notification {
	p.Version++
	p.UpdatedAt = op.Now
	p.History = append(p.History, op.Record(p.Version, string(p.State)))
	return op.Notifications(Process, p.ID, p.Version, string(p.State), p.Snapshot())
}
