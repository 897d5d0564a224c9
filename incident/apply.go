package incident

import (
	"strconv"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// RoleMajorIncidentManager is the role that may accept or reject a major
// incident candidate, by the default access rules ([AccessRules]).
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

// Record field names used in [lifecycle.FieldChange] besides the standard
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
	// ImpactFromServices lets the most critical service an incident's
	// configuration item affects set its impact: when the item is set or
	// changes, the impact is raised to the widest [AffectedService].Impact
	// among the command's services, and the priority follows. It never
	// lowers an impact.
	ImpactFromServices bool
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
func (x *Incident) Apply(actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Notification, error) {
	return Rules{}.Apply(x, actor, now, cmd)
}

// Apply is the pure transition: it checks the actor, the command's ID and
// version (a non-zero version other than x.Version is a
// lifecycle.ErrConflict), the state machine and the command's input, and
// then changes x: the command's fields, one new
// history record, Version+1 and UpdatedAt = now. It returns the events to
// emit once x is stored. On any error x is unchanged.
//
// Who may fire the command's event is the [Service]'s access policy's to
// say ([AccessRules]), not Apply's.
//
// Apply sees only x: rules that involve other incidents (a parent must be
// open, a child cannot be reopened under a resolved parent, resolving a
// parent resolves its children) are the [Service]'s. A nil command, or
// a nil pointer to one, is a *lifecycle.ValidationError.
func (r Rules) Apply(x *Incident, actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Notification, error) {
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
func (r Rules) apply(x *Incident, actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Notification, error) {
	if err := lifecycle.NilCommand(cmd); err != nil {
		return nil, err
	}
	return applyCmd(r, x, actor, now, cmd)
}

// applyCmd is [Rules.apply] for a command of a known type: the Service's
// per-operation methods call it with their concrete command, which then
// needs no interface value (and no allocation to box it).
func applyCmd[C Command](r Rules, x *Incident, actor lifecycle.Actor, now time.Time, cmd C) ([]lifecycle.Notification, error) {
	if err := actor.Validate(); err != nil {
		return nil, err
	}
	id, version := cmd.target()
	if id == "" {
		return nil, lifecycle.Invalid("id", "required")
	}
	if err := lifecycle.CheckTarget(Process, id, version, x.ID, x.Version); err != nil {
		return nil, err
	}
	st := newStep(r, actor, now, x.State)
	if err := cmd.apply(x, st); err != nil {
		return nil, err
	}
	return st.commit(x), nil
}

// step is one command being applied to an incident: the [lifecycle.Delta]
// it records, under the process's rules.
type step struct {
	lifecycle.Delta
	rules Rules
}

// newStep returns the step of a command applied by actor at now to an
// incident in state from.
func newStep(r Rules, actor lifecycle.Actor, now time.Time, from State) *step {
	return &step{Delta: lifecycle.Delta{Actor: actor, Now: now, From: string(from)}, rules: r}
}

// fire runs ev through the machine and moves x. The first event fired names
// the history record.
func (st *step) fire(x *Incident, ev Event) error {
	to, err := machine.Fire(x.ID, x.State, ev, x)
	if err != nil {
		return err
	}
	if st.Event == "" {
		st.Event = string(ev)
	}
	x.State = to
	return nil
}

// commit appends the history record, bumps the version and builds the
// events.
func (st *step) commit(x *Incident) []lifecycle.Notification {
	return finish(x, &st.Delta)
}

// finish records op on x as the incident's next version: version and
// update time, op's history record, and op's notifications about it.
func finish(x *Incident, op *lifecycle.Delta) []lifecycle.Notification {
	x.Version++
	x.UpdatedAt = op.Now
	x.History = append(x.History, op.Record(x.Version, string(x.State)))
	return op.Notifications(Process, x.ID, x.Version, string(x.State), x.Snapshot())
}

// Open is the command that logs a new incident. It is not a [Command]: it
// creates a record instead of changing one.
type Open struct {
	Title       string `json:"title,omitempty"`       // required
	Description string `json:"description,omitempty"` // what is wrong, in the caller's words
	Caller      string `json:"caller,omitempty"`      // who reported it
	Tenant      string `json:"tenant,omitempty"`      // its tenant; "" is the actor's only tenant, if it acts in one
	Category    string `json:"category,omitempty"`    // the host's classification
	Service     string `json:"service,omitempty"`     // the affected IT service
	ConfigItem  string `json:"config_item,omitempty"` // the affected configuration item
	// AffectedServices are the services a failure of ConfigItem affects,
	// recorded on the incident with it. The Service fills this field
	// itself from Config.ConfigItems when it has one (overwriting the
	// caller's); set it only when calling [Rules.Open] directly or without
	// a CMDB. Services without a ConfigItem are refused.
	AffectedServices []AffectedService `json:"-"`
	// Impact is how widely the business is affected; with Urgency it
	// gives the priority through the matrix. 0 means the lowest level (3
	// in the default matrix, ServiceNow's default).
	Impact lifecycle.Impact `json:"impact,omitempty"`
	// Urgency is how soon a resolution is needed; 0 means the lowest level.
	Urgency lifecycle.Urgency `json:"urgency,omitempty"`
	Group   string            `json:"group,omitempty"` // the first assignment group, if known
	// Parent makes the new incident a child of an open incident. The
	// Service checks the parent; the pure layer only checks the ID.
	Parent string `json:"parent,omitempty"`
	// Attributes holds whatever else the host wants events and SLA
	// conditions to see; keys with empty values are dropped.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Open returns a new incident with the given ID, in state new, version 1,
// with its first history record, and the "opened" event. It checks only
// the input: the [Service] also checks the parent and stores the incident.
func (r Rules) Open(actor lifecycle.Actor, now time.Time, id string, cmd Open) (*Incident, []lifecycle.Notification, error) {
	if id == "" {
		return nil, nil, lifecycle.Invalid("id", "required")
	}
	return r.open(actor, now, func() string { return id }, cmd)
}

// open is Open with the ID drawn from ids once the input is known to be
// valid, so that bad input never uses up an ID.
func (r Rules) open(actor lifecycle.Actor, now time.Time, ids func() string, cmd Open) (*Incident, []lifecycle.Notification, error) {
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
	services, err := serviceIDs(cmd.AffectedServices)
	if err != nil {
		return nil, nil, err
	}
	if len(services) > 0 && cmd.ConfigItem == "" {
		return nil, nil, lifecycle.Invalid(fieldAffectedServices, "services are recorded with the configuration item they depend on")
	}
	if wider, err := r.serviceImpact(impact, cmd.AffectedServices); err != nil {
		return nil, nil, err
	} else if wider != impact {
		impact = wider
		if prio, err = r.Matrix.Priority(impact, urgency); err != nil {
			return nil, nil, err
		}
	}
	id := ids()
	if id == "" {
		return nil, nil, lifecycle.Invalid("id", "the ID generator returned an empty ID")
	}
	if cmd.Parent == id {
		return nil, nil, lifecycle.Invalid("parent", "an incident cannot be its own parent")
	}
	x := &Incident{
		ID:          id,
		State:       StateNew,
		Title:       cmd.Title,
		Description: cmd.Description,
		Caller:      cmd.Caller,
		Tenant:      lifecycle.TenantFor(actor, cmd.Tenant),
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
	st.Event = eventOpen
	st.Diff(lifecycle.FieldPriority, "", itoa(int(prio)))
	affect(x, st, services)
	st.Diff(lifecycle.FieldGroup, "", cmd.Group)
	st.Diff(fieldParent, "", cmd.Parent)
	st.Emit(TypeOpened)
	return x, st.commit(x), nil
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func itoa(n int) string { return strconv.Itoa(n) }
