package incident

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Command is an operation on a stored incident: one of the command structs
// of this package ([Assign], [Hold], [Resolve], ...; [Commands] lists them
// all). Each names the incident (ID) and, optionally, the version it was
// read at: 0 means "whatever is current", any other value must equal the
// stored version or the command fails with lifecycle.ErrConflict before
// anything happens.
//
// The interface is sealed: only this package implements it.
type Command interface {
	target() (id string, version int64)
	// event is the event the command fires first: the event of its
	// history record, which the access rules guard.
	event() Event
	apply(x *Incident, st *step) error
}

// Commands returns the registry of the incident process: one zero value of
// every command type, in a stable order (assignment and escalation, the
// state changes, updates and notes, major incidents, then the hierarchy
// and the links). A host enumerates it to route requests by command name
// (the type's name, as %T or reflect gives it), to document its API, or
// to check that it handles every command. Each call returns a new slice.
func Commands() []Command {
	return []Command{
		Assign{}, EscalateFunctional{}, EscalateHierarchical{},
		Hold{}, Resume{}, Resolve{}, Reopen{}, Close{}, Cancel{},
		Update{}, Comment{}, WorkNote{}, CallerUpdate{},
		ProposeMajor{}, AcceptMajor{}, RejectMajor{},
		SetParent{}, LinkProblem{}, UnlinkProblem{}, LinkChange{}, UnlinkChange{},
	}
}

// Assign (re)assigns the incident to a group and/or a person. It moves a
// new incident to in progress (somebody owns it now); in progress and on
// hold it stays where it is. Changing the group without naming an assignee
// clears the assignee.
type Assign struct {
	ID       string `json:"id"`                 // the incident; required
	Version  int64  `json:"version,omitempty"`  // the version it was read at, or 0 for the current one (see Command)
	Group    string `json:"group,omitempty"`    // the new group; "" keeps the current one
	Assignee string `json:"assignee,omitempty"` // the new assignee; "" keeps the current one unless the group changes
	Note     string `json:"note,omitempty"`     // recorded on the history record
}

func (c Assign) target() (string, int64) { return c.ID, c.Version }

func (Assign) event() Event { return EventAssign }

func (c Assign) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventAssign); err != nil {
		return err
	}
	if c.Group == "" && c.Assignee == "" {
		return lifecycle.Invalid("assignee", "a group or an assignee is required")
	}
	group, assignee := x.Group, x.Assignee
	if c.Group != "" && c.Group != x.Group {
		group, assignee = c.Group, ""
	}
	if c.Assignee != "" {
		assignee = c.Assignee
	}
	if group == x.Group && assignee == x.Assignee && st.From == string(x.State) {
		return lifecycle.Invalid("assignee", "already assigned to %q in group %q", x.Assignee, x.Group)
	}
	st.Diff(lifecycle.FieldGroup, x.Group, group)
	st.Diff(lifecycle.FieldAssignee, x.Assignee, assignee)
	x.Group, x.Assignee = group, assignee
	st.Note = c.Note
	st.Emit(TypeAssigned)
	return nil
}

// EscalateFunctional hands the incident to another group (functional
// escalation), for example from the service desk to second-line network
// support. Unlike [Assign] it needs a reason, which is recorded, and it
// never changes the state.
type EscalateFunctional struct {
	ID       string `json:"id"`                 // the incident; required
	Version  int64  `json:"version,omitempty"`  // the version it was read at, or 0 for the current one (see Command)
	Group    string `json:"group,omitempty"`    // required, and different from the current group
	Assignee string `json:"assignee,omitempty"` // optional: the person in the new group
	Reason   string `json:"reason,omitempty"`   // required
}

func (c EscalateFunctional) target() (string, int64) { return c.ID, c.Version }

func (EscalateFunctional) event() Event { return EventEscalateFunctional }

func (c EscalateFunctional) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventEscalateFunctional); err != nil {
		return err
	}
	if c.Group == "" {
		return lifecycle.Invalid("group", "required")
	}
	if c.Group == x.Group {
		return lifecycle.Invalid("group", "already assigned to group %q", c.Group)
	}
	if blank(c.Reason) {
		return lifecycle.Invalid("reason", "required")
	}
	st.Diff(lifecycle.FieldGroup, x.Group, c.Group)
	st.Diff(lifecycle.FieldAssignee, x.Assignee, c.Assignee)
	st.Emit(TypeEscalatedFunctional, "from_group", x.Group, "reason", c.Reason)
	x.Group, x.Assignee = c.Group, c.Assignee
	st.Note = c.Reason
	return nil
}

// EscalateHierarchical raises the incident's escalation level (hierarchical
// escalation: management attention), from 0 up to the rules' highest level.
type EscalateHierarchical struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	// Level is the new level, above the current one; 0 means one above.
	Level  int    `json:"level,omitempty"`
	Reason string `json:"reason,omitempty"` // required
}

func (c EscalateHierarchical) target() (string, int64) { return c.ID, c.Version }

func (EscalateHierarchical) event() Event { return EventEscalateHierarchical }

func (c EscalateHierarchical) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventEscalateHierarchical); err != nil {
		return err
	}
	level := c.Level
	if level == 0 {
		level = x.EscalationLevel + 1
	}
	if level <= x.EscalationLevel {
		return lifecycle.Invalid("level", "%d is not above the current level %d", level, x.EscalationLevel)
	}
	if top := st.rules.maxLevel(); level > top {
		return lifecycle.Invalid("level", "%d is above the highest level %d", level, top)
	}
	if blank(c.Reason) {
		return lifecycle.Invalid("reason", "required")
	}
	st.Diff(fieldEscalationLevel, itoa(x.EscalationLevel), itoa(level))
	x.EscalationLevel = level
	st.Note = c.Reason
	st.Emit(TypeEscalatedHierarchical, "level", itoa(level), "reason", c.Reason)
	return nil
}

// Hold puts an incident in progress on hold. Awaiting the caller needs a
// comment (the question, visible to the caller). Awaiting a problem or a
// change needs a linked problem or change: name one here to link it in the
// same step.
type Hold struct {
	ID      string     `json:"id"`                // the incident; required
	Version int64      `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Reason  HoldReason `json:"reason,omitempty"`  // required
	Comment string     `json:"comment,omitempty"` // visible to the caller; required when awaiting the caller
	Problem string     `json:"problem,omitempty"` // with HoldAwaitingProblem: a problem to link
	Change  string     `json:"change,omitempty"`  // with HoldAwaitingChange: a change to link
}

func (c Hold) target() (string, int64) { return c.ID, c.Version }

func (Hold) event() Event { return EventHold }

func (c Hold) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventHold); err != nil {
		return err
	}
	if c.Reason == "" {
		return lifecycle.Invalid("hold_reason", "required")
	}
	if !c.Reason.Valid() {
		_, err := lifecycle.ParseEnum("hold_reason", allHoldReasons, string(c.Reason))
		return err
	}
	if c.Reason == HoldAwaitingCaller && blank(c.Comment) {
		return lifecycle.Invalid("comment", "required when awaiting the caller: ask them something")
	}
	if c.Problem != "" && c.Reason != HoldAwaitingProblem {
		return lifecycle.Invalid("problem", "only with hold reason %s", HoldAwaitingProblem)
	}
	if c.Change != "" && c.Reason != HoldAwaitingChange {
		return lifecycle.Invalid("change", "only with hold reason %s", HoldAwaitingChange)
	}
	if c.Problem != "" && !x.IsLinkedToProblem(c.Problem) {
		st.Diff(fieldProblems, "", c.Problem)
		x.Problems = append(x.Problems, c.Problem)
	}
	if c.Change != "" && !x.IsLinkedToChange(c.Change) {
		st.Diff(fieldChanges, "", c.Change)
		x.Changes = append(x.Changes, c.Change)
	}
	if c.Reason == HoldAwaitingProblem && len(x.Problems) == 0 {
		return lifecycle.Invalid("problem", "awaiting a problem needs a linked problem")
	}
	if c.Reason == HoldAwaitingChange && len(x.Changes) == 0 {
		return lifecycle.Invalid("change", "awaiting a change needs a linked change")
	}
	st.Diff(lifecycle.FieldHoldReason, string(x.HoldReason), string(c.Reason))
	x.HoldReason = c.Reason
	if blank(c.Comment) {
		st.Emit(TypePutOnHold)
		return nil
	}
	x.Comments = append(x.Comments, Note{Time: st.Now, Author: st.Actor.ID, Text: c.Comment})
	st.Note = c.Comment
	st.Emit(TypePutOnHold, "comment", c.Comment)
	return nil
}

// Resume takes an incident off hold, back to in progress.
type Resume struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Note    string `json:"note,omitempty"`    // recorded on the history record
}

func (c Resume) target() (string, int64) { return c.ID, c.Version }

func (Resume) event() Event { return EventResume }

func (c Resume) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventResume); err != nil {
		return err
	}
	st.Diff(lifecycle.FieldHoldReason, string(x.HoldReason), "")
	x.HoldReason = ""
	st.Note = c.Note
	st.Emit(TypeResumed)
	return nil
}

// Resolve marks the service restored. A code and notes are required; the
// resolver and time are recorded. Through the Service, resolving a parent
// resolves its open children.
type Resolve struct {
	ID      string         `json:"id"`                // the incident; required
	Version int64          `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Code    ResolutionCode `json:"code,omitempty"`    // required
	Notes   string         `json:"notes,omitempty"`   // required: what was done, for the caller
}

func (c Resolve) target() (string, int64) { return c.ID, c.Version }

func (Resolve) event() Event { return EventResolve }

func (c Resolve) apply(x *Incident, st *step) error {
	return resolve(x, st, c.Code, c.Notes, "", "")
}

// resolve resolves x; key and value, when set, add a pair to the event's
// Data (what caused the resolution).
func resolve(x *Incident, st *step, code ResolutionCode, notes, key, value string) error {
	if err := st.fire(x, EventResolve); err != nil {
		return err
	}
	if code == "" {
		return lifecycle.Invalid("resolution_code", "required")
	}
	if !code.Valid() {
		_, err := lifecycle.ParseEnum("resolution_code", allCodes, string(code))
		return err
	}
	if blank(notes) {
		return lifecycle.Invalid("resolution_notes", "required")
	}
	st.Diff(lifecycle.FieldHoldReason, string(x.HoldReason), "")
	st.Diff(fieldResolutionCode, string(x.ResolutionCode), string(code))
	x.HoldReason = ""
	x.ResolutionCode = code
	x.ResolutionNotes = notes
	x.ResolvedBy = st.Actor.ID
	x.ResolvedAt = st.Now
	st.Note = notes
	if key == "" {
		st.Emit(TypeResolved, "code", string(code), "notes", notes)
	} else {
		st.Emit(TypeResolved, "code", string(code), "notes", notes, key, value)
	}
	return nil
}

// resolveWithParent is what the Service applies to an open child when its
// parent is resolved or closed: the parent's code and notes.
type resolveWithParent struct {
	id, parent string
	code       ResolutionCode
	notes      string
}

func (c resolveWithParent) target() (string, int64) { return c.id, 0 }

func (resolveWithParent) event() Event { return EventResolve }

func (c resolveWithParent) apply(x *Incident, st *step) error {
	if err := resolve(x, st, c.code, c.notes, "parent", c.parent); err != nil {
		return err
	}
	st.Note = "resolved with parent " + c.parent + ": " + c.notes
	return nil
}

// Reopen takes a resolved incident back to in progress (the fault is
// back, or the fix did not work) and counts the reopen. The resolution is
// cleared; the history keeps it.
type Reopen struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Reason  string `json:"reason,omitempty"`  // required
}

func (c Reopen) target() (string, int64) { return c.ID, c.Version }

func (Reopen) event() Event { return EventReopen }

func (c Reopen) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventReopen); err != nil {
		return err
	}
	if blank(c.Reason) {
		return lifecycle.Invalid("reason", "required")
	}
	st.Diff(fieldResolutionCode, string(x.ResolutionCode), "")
	st.Diff(fieldReopenCount, itoa(x.ReopenCount), itoa(x.ReopenCount+1))
	x.ReopenCount++
	x.ResolutionCode, x.ResolutionNotes, x.ResolvedBy, x.ResolvedAt = "", "", "", time.Time{}
	st.Note = c.Reason
	st.Emit(TypeReopened, "reason", c.Reason)
	return nil
}

// Close closes a resolved incident: the caller confirmed the resolution.
// Closed is final.
type Close struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Note    string `json:"note,omitempty"`    // recorded on the history record
}

func (c Close) target() (string, int64) { return c.ID, c.Version }

func (Close) event() Event { return EventClose }

func (c Close) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventClose); err != nil {
		return err
	}
	x.ClosedBy = st.Actor.ID
	x.ClosedAt = st.Now
	st.Note = c.Note
	st.Emit(TypeClosed)
	return nil
}

// autoClose is what AutoClose applies: the closer is recorded as the
// resolver (as ServiceNow does), the record's actor is the system.
type autoClose struct {
	id      string
	version int64
	note    string
}

func (c autoClose) target() (string, int64) { return c.id, c.version }

func (autoClose) event() Event { return EventClose }

func (c autoClose) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventClose); err != nil {
		return err
	}
	x.ClosedBy = x.ResolvedBy
	x.ClosedAt = st.Now
	st.Note = c.note
	st.Emit(TypeClosed, "auto", "true")
	return nil
}

// Cancel ends an open incident that should not be worked on: a duplicate,
// unnecessary, or not an incident. Canceled is final.
type Cancel struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Reason  string `json:"reason,omitempty"`  // required
}

func (c Cancel) target() (string, int64) { return c.ID, c.Version }

func (Cancel) event() Event { return EventCancel }

func (c Cancel) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventCancel); err != nil {
		return err
	}
	if blank(c.Reason) {
		return lifecycle.Invalid("reason", "required")
	}
	st.Diff(lifecycle.FieldHoldReason, string(x.HoldReason), "")
	x.HoldReason = ""
	x.CancelReason = c.Reason
	x.ClosedBy = st.Actor.ID
	x.ClosedAt = st.Now
	st.Note = c.Reason
	st.Emit(TypeCanceled, "reason", c.Reason)
	return nil
}

// Update changes an open incident's descriptive fields. Nil pointers and
// zero impact or urgency leave a field as it is; a changed impact or
// urgency recomputes the priority. In Attributes, a key with an empty value
// is deleted. An update that changes nothing is refused.
type Update struct {
	ID          string            `json:"id"`                    // the incident; required
	Version     int64             `json:"version,omitempty"`     // the version it was read at, or 0 for the current one (see Command)
	Title       *string           `json:"title,omitempty"`       // the new title; may not become empty
	Description *string           `json:"description,omitempty"` // the new description
	Caller      *string           `json:"caller,omitempty"`      // the new caller
	Category    *string           `json:"category,omitempty"`    // the new category
	Service     *string           `json:"service,omitempty"`     // the new affected IT service
	ConfigItem  *string           `json:"config_item,omitempty"` // the new affected configuration item
	Impact      lifecycle.Impact  `json:"impact,omitempty"`      // 0 keeps the current impact
	Urgency     lifecycle.Urgency `json:"urgency,omitempty"`     // 0 keeps the current urgency
	Attributes  map[string]string `json:"attributes,omitempty"`  // keys to set; an empty value deletes the key
	Note        string            `json:"note,omitempty"`        // recorded on the history record
	// AffectedServices are the services a failure of the new ConfigItem
	// affects, recorded with it; a changed item without them clears the
	// incident's. The Service fills this field itself from
	// Config.ConfigItems when it has one (overwriting the caller's); set
	// it only when calling Apply directly or without a CMDB. Services
	// without a change of the item are refused.
	AffectedServices []AffectedService `json:"-"`
}

func (c Update) target() (string, int64) { return c.ID, c.Version }

func (Update) event() Event { return EventUpdate }

func (c Update) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventUpdate); err != nil {
		return err
	}
	if c.Title != nil && blank(*c.Title) {
		return lifecycle.Invalid("title", "required")
	}
	impact, urgency := x.Impact, x.Urgency
	if c.Impact != 0 {
		impact = c.Impact
	}
	if c.Urgency != 0 {
		urgency = c.Urgency
	}
	moved := c.ConfigItem != nil && *c.ConfigItem != x.ConfigItem
	services, err := serviceIDs(c.AffectedServices)
	switch {
	case err != nil:
		return err
	case c.AffectedServices != nil && !moved:
		return lifecycle.Invalid(fieldAffectedServices, "services are recorded with a change of the configuration item")
	case len(services) > 0 && *c.ConfigItem == "":
		return lifecycle.Invalid(fieldAffectedServices, "services are recorded with the configuration item they depend on")
	}
	if moved {
		if impact, err = st.rules.serviceImpact(impact, c.AffectedServices); err != nil {
			return err
		}
	}
	prio := x.Priority
	if impact != x.Impact || urgency != x.Urgency {
		p, err := st.rules.Matrix.Priority(impact, urgency)
		if err != nil {
			return err
		}
		prio = p
	}
	var fields []string
	set := func(field string, dst *string, v *string) {
		if v != nil && *v != *dst {
			st.Diff(field, *dst, *v)
			*dst = *v
			fields = append(fields, field)
		}
	}
	set(fieldTitle, &x.Title, c.Title)
	set(fieldDescription, &x.Description, c.Description)
	set(fieldCaller, &x.Caller, c.Caller)
	set(fieldCategory, &x.Category, c.Category)
	set(fieldService, &x.Service, c.Service)
	set(fieldConfigItem, &x.ConfigItem, c.ConfigItem)
	if moved && affect(x, st, services) {
		fields = append(fields, fieldAffectedServices)
	}
	if impact != x.Impact {
		st.Diff(fieldImpact, itoa(int(x.Impact)), itoa(int(impact)))
		fields = append(fields, fieldImpact)
	}
	if urgency != x.Urgency {
		st.Diff(fieldUrgency, itoa(int(x.Urgency)), itoa(int(urgency)))
		fields = append(fields, fieldUrgency)
	}
	oldPrio := x.Priority
	if prio != oldPrio {
		st.Diff(lifecycle.FieldPriority, itoa(int(oldPrio)), itoa(int(prio)))
		fields = append(fields, lifecycle.FieldPriority)
	}
	x.Impact, x.Urgency, x.Priority = impact, urgency, prio
	for _, k := range slices.Sorted(maps.Keys(c.Attributes)) {
		v, old := c.Attributes[k], x.Attributes[k]
		if v == old {
			continue
		}
		st.Diff(fieldAttributePrefix+k, old, v)
		fields = append(fields, fieldAttributePrefix+k)
		if v == "" {
			delete(x.Attributes, k)
			continue
		}
		if x.Attributes == nil {
			x.Attributes = map[string]string{}
		}
		x.Attributes[k] = v
	}
	if len(x.Attributes) == 0 {
		x.Attributes = nil
	}
	if len(fields) == 0 {
		return lifecycle.Invalid("update", "nothing to change")
	}
	st.Note = c.Note
	st.Emit(TypeUpdated, "fields", strings.Join(fields, ","))
	if prio != oldPrio {
		st.Emit(TypePriorityChanged, "old_priority", itoa(int(oldPrio)), "new_priority", itoa(int(prio)))
	}
	return nil
}

// Comment adds a comment visible to the caller.
type Comment struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Text    string `json:"text,omitempty"`    // required
}

func (c Comment) target() (string, int64) { return c.ID, c.Version }

func (Comment) event() Event { return EventComment }

func (c Comment) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventComment); err != nil {
		return err
	}
	if blank(c.Text) {
		return lifecycle.Invalid("text", "required")
	}
	x.Comments = append(x.Comments, Note{Time: st.Now, Author: st.Actor.ID, Text: c.Text})
	st.Note = c.Text
	st.Emit(TypeCommented, "text", c.Text)
	return nil
}

// WorkNote adds an internal work note, not visible to the caller.
type WorkNote struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Text    string `json:"text,omitempty"`    // required
}

func (c WorkNote) target() (string, int64) { return c.ID, c.Version }

func (WorkNote) event() Event { return EventWorkNote }

func (c WorkNote) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventWorkNote); err != nil {
		return err
	}
	if blank(c.Text) {
		return lifecycle.Invalid("text", "required")
	}
	x.WorkNotes = append(x.WorkNotes, Note{Time: st.Now, Author: st.Actor.ID, Text: c.Text})
	st.Note = c.Text
	st.Emit(TypeWorkNoteAdded, "text", c.Text)
	return nil
}

// CallerUpdate is the caller's own comment (a reply to the service desk).
// On an incident on hold awaiting the caller it also clears the hold reason
// and resumes the incident, in the same history record; on hold for any
// other reason the incident stays on hold. The actor is whoever enters it:
// the caller, or an agent taking the caller's call.
type CallerUpdate struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Text    string `json:"text,omitempty"`    // required
}

func (c CallerUpdate) target() (string, int64) { return c.ID, c.Version }

func (CallerUpdate) event() Event { return EventCallerUpdate }

func (c CallerUpdate) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventCallerUpdate); err != nil {
		return err
	}
	if blank(c.Text) {
		return lifecycle.Invalid("text", "required")
	}
	x.Comments = append(x.Comments, Note{Time: st.Now, Author: st.Actor.ID, Text: c.Text, FromCaller: true})
	st.Note = c.Text
	st.Emit(TypeCallerUpdated, "text", c.Text)
	if x.State == StateOnHold && x.HoldReason == HoldAwaitingCaller {
		if err := st.fire(x, EventResume); err != nil {
			return err
		}
		st.Diff(lifecycle.FieldHoldReason, string(x.HoldReason), "")
		x.HoldReason = ""
		st.Emit(TypeResumed)
	}
	return nil
}

// ProposeMajor proposes the incident as a major incident candidate.
// Anyone may propose; a rejected candidate may be proposed again.
type ProposeMajor struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Reason  string `json:"reason,omitempty"`  // required
}

func (c ProposeMajor) target() (string, int64) { return c.ID, c.Version }

func (ProposeMajor) event() Event { return EventProposeMajor }

func (c ProposeMajor) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventProposeMajor); err != nil {
		return err
	}
	if blank(c.Reason) {
		return lifecycle.Invalid("reason", "required")
	}
	st.Diff(lifecycle.FieldMajor, string(x.Major), string(MajorProposed))
	x.Major = MajorProposed
	st.Note = c.Reason
	st.Emit(TypeMajorProposed, "reason", c.Reason)
	return nil
}

// AcceptMajor accepts a candidate as a major incident. By the default
// access rules ([AccessRules]) the actor needs [RoleMajorIncidentManager].
type AcceptMajor struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Note    string `json:"note,omitempty"`    // recorded on the history record
}

func (c AcceptMajor) target() (string, int64) { return c.ID, c.Version }

func (AcceptMajor) event() Event { return EventAcceptMajor }

func (c AcceptMajor) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventAcceptMajor); err != nil {
		return err
	}
	st.Diff(lifecycle.FieldMajor, string(x.Major), string(MajorAccepted))
	x.Major = MajorAccepted
	st.Note = c.Note
	st.Emit(TypeMajorAccepted)
	return nil
}

// RejectMajor rejects a major incident candidate. By the default access
// rules ([AccessRules]) the actor needs [RoleMajorIncidentManager].
type RejectMajor struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Reason  string `json:"reason,omitempty"`  // required
}

func (c RejectMajor) target() (string, int64) { return c.ID, c.Version }

func (RejectMajor) event() Event { return EventRejectMajor }

func (c RejectMajor) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventRejectMajor); err != nil {
		return err
	}
	if blank(c.Reason) {
		return lifecycle.Invalid("reason", "required")
	}
	st.Diff(lifecycle.FieldMajor, string(x.Major), string(MajorRejected))
	x.Major = MajorRejected
	st.Note = c.Reason
	st.Emit(TypeMajorRejected, "reason", c.Reason)
	return nil
}

// SetParent makes an open incident a child of another one, or detaches it
// (Parent ""). Through the Service the parent must exist and be open, must
// not itself be a child, and the child must not be a parent: the hierarchy
// has one level.
type SetParent struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Parent  string `json:"parent,omitempty"`  // the parent's ID; "" detaches
}

func (c SetParent) target() (string, int64) { return c.ID, c.Version }

func (SetParent) event() Event { return EventSetParent }

func (c SetParent) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventSetParent); err != nil {
		return err
	}
	if c.Parent == x.ID {
		return lifecycle.Invalid("parent", "an incident cannot be its own parent")
	}
	if c.Parent == x.Parent {
		if c.Parent == "" {
			return lifecycle.Invalid("parent", "the incident has no parent")
		}
		return lifecycle.Invalid("parent", "already a child of %s", c.Parent)
	}
	st.Diff(fieldParent, x.Parent, c.Parent)
	if c.Parent == "" {
		st.Emit(TypeParentCleared, "parent", x.Parent)
	} else {
		st.Emit(TypeParentSet, "parent", c.Parent)
	}
	x.Parent = c.Parent
	return nil
}

// LinkProblem relates a problem record to the incident.
type LinkProblem struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Problem string `json:"problem,omitempty"` // the problem's ID; required
}

func (c LinkProblem) target() (string, int64) { return c.ID, c.Version }

func (LinkProblem) event() Event { return EventLinkProblem }

func (c LinkProblem) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventLinkProblem); err != nil {
		return err
	}
	return link(x, st, "problem", fieldProblems, &x.Problems, c.Problem, TypeProblemLinked)
}

// UnlinkProblem removes a problem relation. The last linked problem of an
// incident on hold awaiting a problem cannot be unlinked: resume it first.
type UnlinkProblem struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Problem string `json:"problem,omitempty"` // required
}

func (c UnlinkProblem) target() (string, int64) { return c.ID, c.Version }

func (UnlinkProblem) event() Event { return EventUnlinkProblem }

func (c UnlinkProblem) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventUnlinkProblem); err != nil {
		return err
	}
	return unlink(x, st, "problem", fieldProblems, &x.Problems, c.Problem, HoldAwaitingProblem, TypeProblemUnlinked)
}

// LinkChange relates a change record to the incident (the change that
// caused it, or the one that will fix it).
type LinkChange struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Change  string `json:"change,omitempty"`  // the change's ID; required
}

func (c LinkChange) target() (string, int64) { return c.ID, c.Version }

func (LinkChange) event() Event { return EventLinkChange }

func (c LinkChange) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventLinkChange); err != nil {
		return err
	}
	return link(x, st, "change", fieldChanges, &x.Changes, c.Change, TypeChangeLinked)
}

// UnlinkChange removes a change relation. The last linked change of an
// incident on hold awaiting a change cannot be unlinked: resume it first.
type UnlinkChange struct {
	ID      string `json:"id"`                // the incident; required
	Version int64  `json:"version,omitempty"` // the version it was read at, or 0 for the current one (see Command)
	Change  string `json:"change,omitempty"`  // required
}

func (c UnlinkChange) target() (string, int64) { return c.ID, c.Version }

func (UnlinkChange) event() Event { return EventUnlinkChange }

func (c UnlinkChange) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventUnlinkChange); err != nil {
		return err
	}
	return unlink(x, st, "change", fieldChanges, &x.Changes, c.Change, HoldAwaitingChange, TypeChangeUnlinked)
}

func link(x *Incident, st *step, name, field string, list *[]string, id, typ string) error {
	if id == "" {
		return lifecycle.Invalid(name, "required")
	}
	if contains(*list, id) {
		return lifecycle.Invalid(name, "%s is already linked", id)
	}
	*list = append(*list, id)
	st.Diff(field, "", id)
	st.Emit(typ, name, id)
	return nil
}

func unlink(x *Incident, st *step, name, field string, list *[]string, id string, awaiting HoldReason, typ string) error {
	if id == "" {
		return lifecycle.Invalid(name, "required")
	}
	i := slices.Index(*list, id)
	if i < 0 {
		return lifecycle.Invalid(name, "%s is not linked", id)
	}
	if x.HoldReason == awaiting && len(*list) == 1 {
		return lifecycle.Invalid(name, "the incident is on hold awaiting %s: resume it first", id)
	}
	*list = slices.Delete(*list, i, i+1)
	if len(*list) == 0 {
		*list = nil
	}
	st.Diff(field, id, "")
	st.Emit(typ, name, id)
	return nil
}
