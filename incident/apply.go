package incident

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// RoleMajorIncidentManager is the role that may accept or reject a major
// incident candidate. [lifecycle.System] holds every role.
const RoleMajorIncidentManager = "major-incident-manager"

// DefaultEscalationLevels is the highest hierarchical escalation level when
// [Rules].EscalationLevels (or [Config].EscalationLevels) is zero.
const DefaultEscalationLevels = 3

// The Type of the events incidents emit. An operation emits one event,
// except where noted.
const (
	TypeOpened                = "opened"
	TypeAssigned              = "assigned"
	TypeEscalatedFunctional   = "escalated_functional"   // Data: from_group, reason
	TypeEscalatedHierarchical = "escalated_hierarchical" // Data: level, reason
	TypePutOnHold             = "put_on_hold"            // Data: comment (if any)
	TypeResumed               = "resumed"
	TypeResolved              = "resolved" // Data: code, notes; parent or problem when caused by one
	TypeReopened              = "reopened" // Data: reason
	TypeClosed                = "closed"   // Data: auto = "true" for an auto-close
	TypeCanceled              = "canceled" // Data: reason
	TypeUpdated               = "updated"  // Data: fields (comma-separated record field names)
	// TypePriorityChanged follows TypeUpdated when an update changed the
	// priority. Data: old_priority, new_priority.
	TypePriorityChanged = "priority_changed"
	TypeCommented       = "commented"       // Data: text
	TypeWorkNoteAdded   = "work_note_added" // Data: text
	// TypeCallerUpdated is followed by TypeResumed when the incident was on
	// hold awaiting the caller. Data: text.
	TypeCallerUpdated   = "caller_updated"
	TypeMajorProposed   = "major_proposed" // Data: reason
	TypeMajorAccepted   = "major_accepted"
	TypeMajorRejected   = "major_rejected" // Data: reason
	TypeParentSet       = "parent_set"     // Data: parent
	TypeParentCleared   = "parent_cleared" // Data: parent (the former one)
	TypeProblemLinked   = "problem_linked" // Data: problem
	TypeProblemUnlinked = "problem_unlinked"
	TypeChangeLinked    = "change_linked" // Data: change
	TypeChangeUnlinked  = "change_unlinked"
)

// Record field names used in [lifecycle.Change] besides the standard
// lifecycle.Field* ones (priority, group, assignee, hold_reason, major).
const (
	fieldTitle           = "title"
	fieldDescription     = "description"
	fieldCaller          = "caller"
	fieldCategory        = "category"
	fieldService         = "service"
	fieldConfigItem      = "config_item"
	fieldImpact          = "impact"
	fieldUrgency         = "urgency"
	fieldEscalationLevel = "escalation_level"
	fieldParent          = "parent"
	fieldProblems        = "problems"
	fieldChanges         = "changes"
	fieldResolutionCode  = "resolution_code"
	fieldReopenCount     = "reopen_count"
	fieldAttributePrefix = "attributes."
)

// Rules are the host-configurable rules of the pure layer. The zero value
// is the default: [lifecycle.DefaultMatrix] and [DefaultEscalationLevels].
// A [Service] applies its [Config]'s rules; [Incident.Apply] applies the
// zero Rules.
type Rules struct {
	// Matrix derives priority from impact and urgency.
	Matrix lifecycle.Matrix
	// EscalationLevels is the highest hierarchical escalation level; 0 means
	// DefaultEscalationLevels. Negative is invalid.
	EscalationLevels int
}

func (r Rules) maxLevel() int {
	if r.EscalationLevels == 0 {
		return DefaultEscalationLevels
	}
	return r.EscalationLevels
}

func (r Rules) validate() error {
	if r.EscalationLevels < 0 {
		return lifecycle.Invalid("escalation_levels", "%d is negative", r.EscalationLevels)
	}
	return nil
}

// Apply applies cmd to x with the default [Rules]: see [Rules.Apply].
func (x *Incident) Apply(actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Event, error) {
	return Rules{}.Apply(x, actor, now, cmd)
}

// Apply is the pure transition: it checks the actor, the command's ID and
// version (a non-zero version other than x.Version is a
// lifecycle.ErrConflict), the actor's role, the state machine and the
// command's input, and then changes x: the command's fields, one new
// history record, Version+1 and UpdatedAt = now. It returns the events to
// emit once x is stored. On any error x is unchanged.
//
// Apply sees only x: rules that involve other incidents (a parent must be
// open, a child cannot be reopened under a resolved parent, resolving a
// parent resolves its children) are the [Service]'s.
func (r Rules) Apply(x *Incident, actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Event, error) {
	if x == nil {
		return nil, lifecycle.Invalid("incident", "nil")
	}
	c := x.Clone()
	evs, err := r.apply(c, actor, now, cmd)
	if err != nil {
		return nil, err
	}
	*x = *c
	return evs, nil
}

// apply is Apply without the protective copy: on error x may be half
// changed, so callers pass a copy they own (the Service passes the one it
// just loaded).
func (r Rules) apply(x *Incident, actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Event, error) {
	if cmd == nil {
		return nil, lifecycle.Invalid("command", "nil")
	}
	return applyCmd(r, x, actor, now, cmd)
}

// applyCmd is [Rules.apply] for a command of a known type: the Service's
// per-operation methods call it with their concrete command, which then
// needs no interface value (and no allocation to box it).
func applyCmd[C Command](r Rules, x *Incident, actor lifecycle.Actor, now time.Time, cmd C) ([]lifecycle.Event, error) {
	if err := actor.Validate(); err != nil {
		return nil, err
	}
	id, version := cmd.target()
	if id == "" {
		return nil, lifecycle.Invalid("id", "required")
	}
	if id != x.ID {
		return nil, lifecycle.Invalid("id", "the command is for %q, not %q", id, x.ID)
	}
	if version != 0 && version != x.Version {
		return nil, lifecycle.Conflict(Process, x.ID, version, x.Version)
	}
	st := newStep(r, actor, now, x.State)
	defer st.release()
	if err := cmd.apply(x, st); err != nil {
		return nil, err
	}
	return st.commit(x), nil
}

// step collects what one command does: the history record and the
// events. Steps are pooled: a command's work allocates only what it keeps.
type step struct {
	rules   Rules
	actor   lifecycle.Actor
	now     time.Time
	event   Event // the command's event, fired first
	from    State
	note    string
	changes []lifecycle.Change
	buf     [6]lifecycle.Change
	emits   [2]emit
	n       int
}

// emit is an event to build: its type and up to three Data pairs.
type emit struct {
	typ string
	kv  [6]string
	n   int
}

var steps = sync.Pool{New: func() any { return new(step) }}

// newStep returns a pooled step, reset: every field that a command reads
// is set here (emits are read only below n).
func newStep(r Rules, actor lifecycle.Actor, now time.Time, from State) *step {
	st := steps.Get().(*step)
	st.rules, st.actor, st.now, st.from = r, actor, now, from
	st.event, st.note, st.n = "", "", 0
	st.changes = st.buf[:0]
	return st
}

// release returns st to the pool without clearing it: newStep resets what
// is read, and what st still points to (a few strings of the last command)
// is let go when the pool is emptied at the next garbage collections.
// Zeroing the whole step, write barriers included, cost more than the
// rest of the step's bookkeeping.
func (st *step) release() {
	steps.Put(st)
}

// fire runs ev through the machine and moves x. The first event fired names
// the history record.
func (st *step) fire(x *Incident, ev Event) error {
	to, err := machine.Fire(x.ID, x.State, ev, x)
	if err != nil {
		return err
	}
	if st.event == "" {
		st.event = ev
	}
	x.State = to
	return nil
}

func (st *step) diff(field, old, new string) {
	st.changes = lifecycle.Diff(st.changes, field, old, new)
}

// emit adds an event of type typ with Data from key/value pairs.
func (st *step) emit(typ string, kv ...string) {
	e := &st.emits[st.n]
	e.typ = typ
	e.n = copy(e.kv[:], kv)
	st.n++
}

// commit appends the history record, bumps the version and builds the
// events.
func (st *step) commit(x *Incident) []lifecycle.Event {
	x.Version++
	x.UpdatedAt = st.now
	rec := lifecycle.Record{
		Seq:   len(x.History) + 1,
		Time:  st.now,
		Actor: st.actor.ID,
		Event: string(st.event),
		From:  string(st.from),
		To:    string(x.State),
		Note:  st.note,
	}
	if len(st.changes) > 0 {
		rec.Changes = append(make([]lifecycle.Change, 0, len(st.changes)), st.changes...)
	}
	x.History = append(x.History, rec)
	return st.events(x, rec.From)
}

func (st *step) events(x *Incident, from string) []lifecycle.Event {
	snap := x.Snapshot()
	evs := make([]lifecycle.Event, st.n)
	for i := range evs {
		e := &st.emits[i]
		var data map[string]string
		if e.n > 0 {
			data = make(map[string]string, e.n/2)
			for j := 0; j < e.n; j += 2 {
				data[e.kv[j]] = e.kv[j+1]
			}
		}
		evs[i] = lifecycle.Event{
			ID:       lifecycle.EventID(Process, x.ID, x.Version, i),
			Process:  Process,
			Subject:  x.ID,
			Type:     e.typ,
			From:     from,
			To:       string(x.State),
			Actor:    st.actor.ID,
			Time:     st.now,
			Version:  x.Version,
			Snapshot: snap,
			Data:     data,
		}
	}
	return evs
}

// Open is the command that logs a new incident. It is not a [Command]: it
// creates a record instead of changing one.
type Open struct {
	Title       string // required
	Description string // what is wrong, in the caller's words
	Caller      string // who reported it
	Category    string // the host's classification
	Service     string // the affected IT service
	ConfigItem  string // the affected configuration item
	// Impact is how widely the business is affected; with Urgency it
	// gives the priority through the matrix. 0 means the lowest level (3
	// in the default matrix, ServiceNow's default).
	Impact lifecycle.Impact
	// Urgency is how soon a resolution is needed; 0 means the lowest level.
	Urgency lifecycle.Urgency
	Group   string // the first assignment group, if known
	// Parent makes the new incident a child of an open incident. The
	// Service checks the parent; the pure layer only checks the ID.
	Parent string
	// Attributes holds whatever else the host wants events and SLA
	// conditions to see; keys with empty values are dropped.
	Attributes map[string]string
}

// Open returns a new incident with the given ID, in state new, version 1,
// with its first history record, and the "opened" event. It checks only
// the input: the [Service] also checks the parent and stores the incident.
func (r Rules) Open(actor lifecycle.Actor, now time.Time, id string, cmd Open) (*Incident, []lifecycle.Event, error) {
	if id == "" {
		return nil, nil, lifecycle.Invalid("id", "required")
	}
	return r.open(actor, now, func() string { return id }, cmd)
}

// open is Open with the ID drawn from ids once the input is known to be
// valid, so that bad input never uses up an ID.
func (r Rules) open(actor lifecycle.Actor, now time.Time, ids func() string, cmd Open) (*Incident, []lifecycle.Event, error) {
	if err := actor.Validate(); err != nil {
		return nil, nil, err
	}
	if blank(cmd.Title) {
		return nil, nil, lifecycle.Invalid("title", "required")
	}
	impact, urgency, prio, err := r.Matrix.Classify(cmd.Impact, cmd.Urgency)
	if err != nil {
		return nil, nil, err
	}
	id := ids()
	if id == "" {
		return nil, nil, lifecycle.Invalid("id", "the ID generator returned an empty ID")
	}
	if cmd.Parent == id {
		return nil, nil, lifecycle.Invalid("parent", "an incident cannot be its own parent")
	}
	o := new(opened)
	x := &o.x
	*x = Incident{
		ID:          id,
		State:       StateNew,
		Title:       cmd.Title,
		Description: cmd.Description,
		Caller:      cmd.Caller,
		Category:    cmd.Category,
		Service:     cmd.Service,
		ConfigItem:  cmd.ConfigItem,
		OpenedBy:    actor.ID,
		Impact:      impact,
		Urgency:     urgency,
		Priority:    prio,
		Group:       cmd.Group,
		Parent:      cmd.Parent,
		CreatedAt:   now,
	}
	for k, v := range cmd.Attributes {
		if v == "" {
			continue
		}
		if x.Attributes == nil {
			x.Attributes = make(map[string]string, len(cmd.Attributes))
		}
		x.Attributes[k] = v
	}
	st := newStep(r, actor, now, "")
	defer st.release()
	st.diff(lifecycle.FieldPriority, "", itoa(int(prio)))
	st.diff(lifecycle.FieldGroup, "", cmd.Group)
	st.diff(fieldParent, "", cmd.Parent)
	st.emit(TypeOpened)
	x.UpdatedAt = now
	x.Version = 1
	changes := o.changes[:0:len(o.changes)]
	if len(st.changes) > len(o.changes) {
		changes = nil
	}
	changes = append(changes, st.changes...)
	o.history[0] = lifecycle.Record{Seq: 1, Time: now, Actor: actor.ID, Event: eventOpen, To: string(StateNew), Changes: changes[:len(changes):len(changes)]}
	x.History = o.history[:]
	return x, st.events(x, ""), nil
}

// opened is a new incident together with its first history record and
// that record's changes (at most three: priority, group, parent), so that
// opening one allocates once. Both slices are capped at their lengths:
// appending to them never writes into the block.
type opened struct {
	x       Incident
	history [1]lifecycle.Record
	changes [3]lifecycle.Change
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func itoa(n int) string { return strconv.Itoa(n) }
