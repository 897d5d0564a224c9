package problem

import (
	"slices"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Command is an operation on an existing problem: one of [Assess],
// [Confirm], [MarkDuplicate], [Cancel], [StartFix], [AcceptRisk],
// [Resolve], [Complete], [Reanalyze], [Assign], [Update], [AddWorkNote],
// [LinkIncident], [UnlinkIncident], [LinkChange] and [RecordKnownError].
// The set is closed: Command cannot be implemented outside this package.
//
// Every command names its problem by ID and may pin the Version it was
// based on: 0 means "whatever is current"; any other value must equal the
// problem's version or the command fails with [lifecycle.ErrConflict]
// before anything happens. Text inputs are trimmed of surrounding space;
// an empty optional input leaves the field as it is.
type Command interface {
	target() (id string, version int64)
	// event is the event the command fires: the event of its history
	// record, which the access rules guard.
	event() Event
	apply(p *Problem, s *step) error
}

// Commands returns the registry of the problem process: one zero value of
// every command type, in the order [Command] lists them (the lifecycle
// first, then assignment, updates, notes and links). A host enumerates it
// to route requests by command name (the type's name, as %T or reflect
// gives it), to document its API, or to check that it handles every
// command. Each call returns a new slice.
func Commands() []Command {
	return []Command{
		Assess{}, Confirm{}, MarkDuplicate{}, Cancel{}, StartFix{}, AcceptRisk{},
		Resolve{}, Complete{}, Reanalyze{}, Assign{}, Update{}, AddWorkNote{},
		LinkIncident{}, UnlinkIncident{}, LinkChange{}, RecordKnownError{},
	}
}

// Open is the input for logging a new problem ([Service.Open], [NewProblem]).
type Open struct {
	// ID names the new problem instead of an ID drawn from Config.IDs.
	// Optional; when set it must be a valid ID (no comma or white space
	// inside, surrounding space is trimmed), and opening fails with
	// lifecycle.ErrConflict if a problem has it already. A caller that
	// derives the ID from what it reacts to (as [Reactor] does for a
	// major incident) so opens the problem at most once, atomically.
	ID string `json:"id,omitempty"`
	// Title is a one-line summary of the problem. Required.
	Title string `json:"title"`
	// Description is the free-text detail of the problem.
	Description string `json:"description,omitempty"`
	// Impact places the problem in the priority matrix; zero means the
	// matrix's lowest level (3 with the default matrix).
	Impact lifecycle.Impact `json:"impact,omitempty"`
	// Urgency places the problem in the priority matrix; zero means the
	// matrix's lowest level (3 with the default matrix).
	Urgency lifecycle.Urgency `json:"urgency,omitempty"`
	// Group is the assignment group, if already known.
	Group string `json:"group,omitempty"`
	// Tenant is the problem's tenant; "" is the actor's only tenant,
	// when it acts in exactly one.
	Tenant string `json:"tenant,omitempty"`
	// Assignee is the problem coordinator, if already known.
	Assignee string `json:"assignee,omitempty"`
	// Service is the affected IT service.
	Service string `json:"service,omitempty"`
	// ConfigItem is the affected configuration item.
	ConfigItem string `json:"config_item,omitempty"`
	// Symptom is the known error's symptom, if already known.
	Symptom string `json:"symptom,omitempty"`
	// Incidents are the IDs of the incidents to link from the start.
	Incidents []string `json:"incidents,omitempty"`
}

// Assess starts the assessment (new → assess). Group and Assignee, when
// given, are set first; the problem must end up with an assignment group.
type Assess struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Group is the assignment group to set first; optional when the
	// problem has one.
	Group string `json:"group,omitempty"`
	// Assignee is the assignee to set first; optional.
	Assignee string `json:"assignee,omitempty"`
	// Notes go to the history record; optional.
	Notes string `json:"notes,omitempty"`
}

// Confirm confirms the problem for root cause analysis (assess →
// root_cause_analysis). Assignee, when given, is set first; the problem must
// end up with an assignee.
type Confirm struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Assignee is the analyst to set first; optional when the problem has
	// one.
	Assignee string `json:"assignee,omitempty"`
	// Notes go to the history record; optional.
	Notes string `json:"notes,omitempty"`
}

// MarkDuplicate closes the problem as a duplicate of Original (assess →
// closed, resolution duplicate). Its linked incidents move to the original:
// the duplicate's list is emptied, and the [Service] links them to the
// original in a second stored change, then moves each incident's own link
// through [Config.Incidents]. Original is required and must differ from
// ID; the Service also checks that it exists and is open.
type MarkDuplicate struct {
	// ID names the problem to close as a duplicate. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Original is the ID of the problem it duplicates. Required.
	Original string `json:"original,omitempty"`
	// Notes become the resolution notes; empty means "duplicate of
	// <Original>".
	Notes string `json:"notes,omitempty"`
}

// Cancel drops the problem from any open state (→ canceled, resolution
// canceled). Notes, the reason, are required.
type Cancel struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Notes are the reason, kept as the resolution notes. Required.
	Notes string `json:"notes,omitempty"`
}

// StartFix starts delivering the fix (root_cause_analysis →
// fix_in_progress) through the changes named in Changes (at least one).
// RootCause and Fix, when given, are recorded first; the problem must end up
// with a root cause.
type StartFix struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Changes are the IDs of the fixing changes. At least one is required.
	Changes []string `json:"changes,omitempty"`
	// RootCause is recorded first; optional when the problem has one.
	RootCause string `json:"root_cause,omitempty"`
	// Fix, the permanent solution, is recorded first; optional.
	Fix string `json:"fix,omitempty"`
	// Notes go to the history record; optional.
	Notes string `json:"notes,omitempty"`
}

// AcceptRisk resolves the problem without a fix (root_cause_analysis →
// resolved, resolution risk_accepted). Notes, the justification, are
// required. Like [Resolve], it tells the linked incidents' owners; the
// [Service] resumes the incidents waiting on it rather than resolving them.
type AcceptRisk struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Notes are the justification, kept as the resolution notes. Required.
	Notes string `json:"notes,omitempty"`
}

// Resolve records the fix as applied (fix_in_progress → resolved,
// resolution fix_applied). Notes are required; Fix, when given, records the
// permanent solution. It tells the linked incidents' owners.
type Resolve struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Notes say how it was fixed, kept as the resolution notes. Required.
	Notes string `json:"notes,omitempty"`
	// Fix records the permanent solution; optional.
	Fix string `json:"fix,omitempty"`
}

// Complete closes a resolved problem (resolved → closed). It tells the
// linked incidents' owners.
type Complete struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Notes go to the history record; optional.
	Notes string `json:"notes,omitempty"`
}

// Reanalyze takes a resolved or closed problem back to root cause analysis,
// clearing its resolution. By the default access rules ([AccessRules]) the
// actor needs [RoleProblemManager]; Notes, the
// reason, are required; a problem closed as a duplicate cannot be
// reanalyzed.
type Reanalyze struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Notes are the reason, kept in the history record. Required.
	Notes string `json:"notes,omitempty"`
}

// Assign changes the assignment group and/or the assignee. A new group given
// without an assignee clears the assignee (the new group picks one), as in
// ServiceNow. Something must change.
type Assign struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Group is the new assignment group; empty keeps the current one.
	Group string `json:"group,omitempty"`
	// Assignee is the new assignee; empty keeps the current one (or
	// clears it when Group changes).
	Assignee string `json:"assignee,omitempty"`
	// Notes go to the history record; optional.
	Notes string `json:"notes,omitempty"`
}

// Update changes descriptive fields: a nil text field, or a zero impact or
// urgency, keeps the field as it is, as in every process's Update.
// Changing Impact or Urgency recomputes the priority. Something must
// change; the title may not become empty.
type Update struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Title is the new title; nil keeps it.
	Title *string `json:"title,omitempty"`
	// Description is the new description; nil keeps it.
	Description *string `json:"description,omitempty"`
	// Impact is the new impact; zero keeps it.
	Impact lifecycle.Impact `json:"impact,omitempty"`
	// Urgency is the new urgency; zero keeps it.
	Urgency lifecycle.Urgency `json:"urgency,omitempty"`
	// Service is the new affected service; nil keeps it.
	Service *string `json:"service,omitempty"`
	// ConfigItem is the new affected configuration item; nil keeps it.
	ConfigItem *string `json:"config_item,omitempty"`
	// Notes go to the history record; optional.
	Notes string `json:"notes,omitempty"`
}

// AddWorkNote adds an internal work note. Text is required.
type AddWorkNote struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Text is the note. Required.
	Text string `json:"text,omitempty"`
}

// LinkIncident links incidents to the problem. Incidents already linked
// are skipped; at least one must be new.
type LinkIncident struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Incidents are the IDs to link. At least one must be new.
	Incidents []string `json:"incidents,omitempty"`
	// Notes go to the history record; optional.
	Notes string `json:"notes,omitempty"`

	duplicate string // set by the Service when moving a duplicate's incidents
}

// UnlinkIncident removes incident links. Every named incident must be
// linked.
type UnlinkIncident struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Incidents are the IDs to unlink; each must be linked. At least one.
	Incidents []string `json:"incidents,omitempty"`
	// Notes go to the history record; optional.
	Notes string `json:"notes,omitempty"`
}

// LinkChange links more fixing changes while the fix is in progress.
// Changes already linked are skipped; at least one must be new.
type LinkChange struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Changes are the IDs of the fixing changes to link. At least one
	// must be new.
	Changes []string `json:"changes,omitempty"`
	// Notes go to the history record; optional.
	Notes string `json:"notes,omitempty"`
}

// RecordKnownError records error-control data; empty fields leave the
// current value, so a recorded root cause or workaround can be revised but
// never removed. At least one field must change. When the problem first has
// both a root cause and a workaround it becomes a known error and a
// [TypeKnownError] event is emitted.
type RecordKnownError struct {
	// ID names the problem. Required.
	ID string `json:"id"`
	// Version pins the version the command is based on; 0 is the current.
	Version int64 `json:"version,omitempty"`
	// Symptom is how the problem shows; empty keeps the current one.
	Symptom string `json:"symptom,omitempty"`
	// RootCause is why it happens; empty keeps the current one.
	RootCause string `json:"root_cause,omitempty"`
	// Workaround is how to restore service meanwhile; empty keeps the
	// current one.
	Workaround string `json:"workaround,omitempty"`
	// Fix is the permanent solution; empty keeps the current one.
	Fix string `json:"fix,omitempty"`
	// Notes go to the history record; optional.
	Notes string `json:"notes,omitempty"`
}

func (c Assess) target() (string, int64)           { return c.ID, c.Version }
func (c Confirm) target() (string, int64)          { return c.ID, c.Version }
func (c MarkDuplicate) target() (string, int64)    { return c.ID, c.Version }
func (c Cancel) target() (string, int64)           { return c.ID, c.Version }
func (c StartFix) target() (string, int64)         { return c.ID, c.Version }
func (c AcceptRisk) target() (string, int64)       { return c.ID, c.Version }
func (c Resolve) target() (string, int64)          { return c.ID, c.Version }
func (c Complete) target() (string, int64)         { return c.ID, c.Version }
func (c Reanalyze) target() (string, int64)        { return c.ID, c.Version }
func (c Assign) target() (string, int64)           { return c.ID, c.Version }
func (c Update) target() (string, int64)           { return c.ID, c.Version }
func (c AddWorkNote) target() (string, int64)      { return c.ID, c.Version }
func (c LinkIncident) target() (string, int64)     { return c.ID, c.Version }
func (c UnlinkIncident) target() (string, int64)   { return c.ID, c.Version }
func (c LinkChange) target() (string, int64)       { return c.ID, c.Version }
func (c RecordKnownError) target() (string, int64) { return c.ID, c.Version }

func (Assess) event() Event           { return EventAssess }
func (Confirm) event() Event          { return EventConfirm }
func (MarkDuplicate) event() Event    { return EventMarkDuplicate }
func (Cancel) event() Event           { return EventCancel }
func (StartFix) event() Event         { return EventStartFix }
func (AcceptRisk) event() Event       { return EventAcceptRisk }
func (Resolve) event() Event          { return EventResolve }
func (Complete) event() Event         { return EventComplete }
func (Reanalyze) event() Event        { return EventReanalyze }
func (Assign) event() Event           { return EventAssign }
func (Update) event() Event           { return EventUpdate }
func (AddWorkNote) event() Event      { return EventWorkNote }
func (LinkIncident) event() Event     { return EventLinkIncident }
func (UnlinkIncident) event() Event   { return EventUnlinkIncident }
func (LinkChange) event() Event       { return EventLinkChange }
func (RecordKnownError) event() Event { return EventRecordKnownError }

// Event types: the Type of the events problems emit. A lifecycle or update
// event emits the type named after it; [TypeKnownError] and
// [TypeIncidentNotified] are emitted in addition when they apply.
const (
	// TypeOpened: the problem was logged ([Service.Open]).
	TypeOpened = "opened"
	// TypeAssessed: assessment started ([Assess]).
	TypeAssessed = "assessed"
	// TypeConfirmed: confirmed for root cause analysis ([Confirm]).
	TypeConfirmed = "confirmed"
	// TypeMarkedDuplicate: closed as a duplicate ([MarkDuplicate]). Data:
	// original, and incidents (comma-separated, the moved ones) if any.
	TypeMarkedDuplicate = "marked_duplicate"
	// TypeCanceled: dropped ([Cancel]).
	TypeCanceled = "canceled"
	// TypeFixStarted: the fix started ([StartFix]). Data: changes
	// (comma-separated).
	TypeFixStarted = "fix_started"
	// TypeRiskAccepted: resolved with the risk accepted ([AcceptRisk]).
	TypeRiskAccepted = "risk_accepted"
	// TypeResolved: resolved with the fix applied ([Resolve]).
	TypeResolved = "resolved"
	// TypeClosed: a resolved problem closed ([Complete]).
	TypeClosed = "closed"
	// TypeReanalyzed: back to root cause analysis ([Reanalyze]).
	TypeReanalyzed = "reanalyzed"
	// TypeAssigned: the assignment changed ([Assign]).
	TypeAssigned = "assigned"
	// TypeUpdated: descriptive fields changed ([Update]).
	TypeUpdated = "updated"
	// TypeWorkNoteAdded: a work note was added ([AddWorkNote]).
	TypeWorkNoteAdded = "work_note_added"
	// TypeIncidentLinked: one per linked incident ([LinkIncident], or
	// [Service.Open] with incidents). Data: incident, and duplicate when
	// moved from a duplicate.
	TypeIncidentLinked = "incident_linked"
	// TypeIncidentUnlinked: one per unlinked incident ([UnlinkIncident]).
	// Data: incident.
	TypeIncidentUnlinked = "incident_unlinked"
	// TypeChangeLinked: one per linked change ([LinkChange]). Data: change.
	TypeChangeLinked = "change_linked"
	// TypeKnownErrorRecorded: error-control data recorded
	// ([RecordKnownError]).
	TypeKnownErrorRecorded = "known_error_recorded"
	// TypeKnownError is emitted, after the event of the operation, when the
	// problem becomes a known error. Data: root_cause, workaround.
	TypeKnownError = "known_error"
	// TypeIncidentNotified is emitted once per linked incident when the
	// problem is resolved (resolve, accept_risk) or closed (complete), so
	// that the incidents' owners are told. Data: incident, problem, reason
	// ("resolved" or "closed"), resolution.
	TypeIncidentNotified = "incident_notified"
)

// step is one command being applied to a problem: the [lifecycle.Delta] it
// records, with the priority matrix of the process.
type step struct {
	lifecycle.Delta
	matrix lifecycle.Matrix
}

// begin checks that the machine has an edge for ev from p's state (guards
// are checked later by fire), and records ev as the step's event.
func (s *step) begin(p *Problem, ev Event) error {
	if _, ok := machine.Target(p.State, ev); !ok {
		return machine.Check(p.ID, p.State, ev, p)
	}
	s.Event = string(ev)
	return nil
}

// fire runs the machine, guard included, and moves p.
func (s *step) fire(p *Problem) error {
	to, err := machine.Fire(p.ID, p.State, Event(s.Event), p)
	if err != nil {
		return err
	}
	p.State = to
	return nil
}

func required(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", lifecycle.Invalid(field, "is required")
	}
	return v, nil
}

// ids checks a list of record IDs: each non-empty, without commas or
// surrounding space, listed once. It returns the trimmed IDs.
func ids(field string, in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, lifecycle.Invalid(field, "at least one ID is required")
	}
	out := make([]string, 0, len(in))
	for _, id := range in {
		id = strings.TrimSpace(id)
		switch {
		case id == "":
			return nil, lifecycle.Invalid(field, "an ID is empty")
		case strings.ContainsAny(id, ", \t\r\n"):
			return nil, lifecycle.Invalid(field, "ID %q contains a comma or space", id)
		case slices.Contains(out, id):
			return nil, lifecycle.Invalid(field, "ID %q is listed twice", id)
		}
		out = append(out, id)
	}
	return out, nil
}

// newLinks checks the IDs in want (see ids) and returns those not yet in
// have, or a *lifecycle.ValidationError for field when every one is linked
// already.
func newLinks(field, noun string, have, want []string) ([]string, error) {
	in, err := ids(field, want)
	if err != nil {
		return nil, err
	}
	var added []string
	for _, id := range in {
		if !slices.Contains(have, id) {
			added = append(added, id)
		}
	}
	if len(added) == 0 {
		return nil, lifecycle.Invalid(field, "every %s is already linked", noun)
	}
	return added, nil
}

// setText sets *dst to *v, trimmed, when v is not nil.
func setText(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}

func set(dst *string, v string) {
	if v = strings.TrimSpace(v); v != "" {
		*dst = v
	}
}

func (c Assess) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventAssess); err != nil {
		return err
	}
	set(&p.Group, c.Group)
	set(&p.Assignee, c.Assignee)
	if err := s.fire(p); err != nil {
		return err
	}
	s.Note = strings.TrimSpace(c.Notes)
	s.EmitData(TypeAssessed, nil)
	return nil
}

func (c Confirm) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventConfirm); err != nil {
		return err
	}
	set(&p.Assignee, c.Assignee)
	if err := s.fire(p); err != nil {
		return err
	}
	s.Note = strings.TrimSpace(c.Notes)
	s.EmitData(TypeConfirmed, nil)
	return nil
}

func (c MarkDuplicate) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventMarkDuplicate); err != nil {
		return err
	}
	p.DuplicateOf = strings.TrimSpace(c.Original)
	if err := s.fire(p); err != nil {
		return err
	}
	moved := p.Incidents
	p.Incidents, p.MovedIncidents = nil, moved
	p.Resolution = ResolutionDuplicate
	p.ResolutionNotes = strings.TrimSpace(c.Notes)
	if p.ResolutionNotes == "" {
		p.ResolutionNotes = "duplicate of " + p.DuplicateOf
	}
	p.ClosedAt = s.Now
	s.Note = p.ResolutionNotes
	data := map[string]string{"original": p.DuplicateOf}
	if len(moved) > 0 {
		data["incidents"] = joinIDs(moved)
	}
	s.EmitData(TypeMarkedDuplicate, data)
	return nil
}

func (c Cancel) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventCancel); err != nil {
		return err
	}
	notes, err := required("notes", c.Notes)
	if err != nil {
		return err
	}
	if err := s.fire(p); err != nil {
		return err
	}
	p.Resolution = ResolutionCanceled
	p.ResolutionNotes = notes
	p.ClosedAt = s.Now
	s.Note = notes
	s.EmitData(TypeCanceled, nil)
	return nil
}

func (c StartFix) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventStartFix); err != nil {
		return err
	}
	changes, err := ids("changes", c.Changes)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if !slices.Contains(p.Changes, ch) {
			p.Changes = append(p.Changes, ch)
		}
	}
	set(&p.KnownError.RootCause, c.RootCause)
	set(&p.KnownError.Fix, c.Fix)
	if err := s.fire(p); err != nil {
		return err
	}
	s.Note = strings.TrimSpace(c.Notes)
	s.EmitData(TypeFixStarted, map[string]string{"changes": joinIDs(changes)})
	return nil
}

func (c AcceptRisk) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventAcceptRisk); err != nil {
		return err
	}
	notes, err := required("notes", c.Notes)
	if err != nil {
		return err
	}
	if err := s.fire(p); err != nil {
		return err
	}
	p.Resolution = ResolutionRiskAccepted
	p.ResolutionNotes = notes
	p.ResolvedAt = s.Now
	s.Note = notes
	s.EmitData(TypeRiskAccepted, nil)
	notifyIncidents(p, s, "resolved")
	return nil
}

func (c Resolve) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventResolve); err != nil {
		return err
	}
	notes, err := required("notes", c.Notes)
	if err != nil {
		return err
	}
	set(&p.KnownError.Fix, c.Fix)
	if err := s.fire(p); err != nil {
		return err
	}
	p.Resolution = ResolutionFixApplied
	p.ResolutionNotes = notes
	p.ResolvedAt = s.Now
	s.Note = notes
	s.EmitData(TypeResolved, nil)
	notifyIncidents(p, s, "resolved")
	return nil
}

func (c Complete) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventComplete); err != nil {
		return err
	}
	if err := s.fire(p); err != nil {
		return err
	}
	p.ClosedAt = s.Now
	s.Note = strings.TrimSpace(c.Notes)
	s.EmitData(TypeClosed, nil)
	notifyIncidents(p, s, "closed")
	return nil
}

// notifyIncidents emits one TypeIncidentNotified event per linked incident.
func notifyIncidents(p *Problem, s *step, reason string) {
	for _, id := range p.Incidents {
		s.EmitData(TypeIncidentNotified, map[string]string{
			"incident":   id,
			"problem":    p.ID,
			"reason":     reason,
			"resolution": string(p.Resolution),
		})
	}
}

func (c Reanalyze) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventReanalyze); err != nil {
		return err
	}
	notes, err := required("notes", c.Notes)
	if err != nil {
		return err
	}
	if err := s.fire(p); err != nil {
		return err
	}
	p.Resolution = ""
	p.ResolutionNotes = ""
	p.ResolvedAt = time.Time{}
	p.ClosedAt = time.Time{}
	p.Reanalyzed++
	s.Note = notes
	s.EmitData(TypeReanalyzed, nil)
	return nil
}

func (c Assign) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventAssign); err != nil {
		return err
	}
	group, assignee := strings.TrimSpace(c.Group), strings.TrimSpace(c.Assignee)
	if group == "" && assignee == "" {
		return lifecycle.Invalid("group", "a group or an assignee is required")
	}
	oldGroup, oldAssignee := p.Group, p.Assignee
	if group != "" && group != p.Group {
		p.Group = group
		p.Assignee = ""
	}
	set(&p.Assignee, assignee)
	if p.Group == oldGroup && p.Assignee == oldAssignee {
		return lifecycle.Invalid("assignee", "the problem is already assigned so")
	}
	if err := s.fire(p); err != nil {
		return err
	}
	s.Note = strings.TrimSpace(c.Notes)
	s.EmitData(TypeAssigned, nil)
	return nil
}

func (c Update) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventUpdate); err != nil {
		return err
	}
	old := *p
	if c.Title != nil {
		title, err := required("title", *c.Title)
		if err != nil {
			return err
		}
		p.Title = title
	}
	setText(&p.Description, c.Description)
	setText(&p.Service, c.Service)
	setText(&p.ConfigItem, c.ConfigItem)
	if c.Impact != 0 {
		p.Impact = c.Impact
	}
	if c.Urgency != 0 {
		p.Urgency = c.Urgency
	}
	prio, err := s.matrix.Priority(p.Impact, p.Urgency)
	if err != nil {
		return err
	}
	p.Priority = prio
	if p.Title == old.Title && p.Description == old.Description && p.Service == old.Service &&
		p.ConfigItem == old.ConfigItem && p.Impact == old.Impact && p.Urgency == old.Urgency {
		return lifecycle.Invalid("update", "nothing to change")
	}
	if err := s.fire(p); err != nil {
		return err
	}
	s.Note = strings.TrimSpace(c.Notes)
	s.EmitData(TypeUpdated, nil)
	return nil
}

func (c AddWorkNote) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventWorkNote); err != nil {
		return err
	}
	text, err := required("text", c.Text)
	if err != nil {
		return err
	}
	if err := s.fire(p); err != nil {
		return err
	}
	p.WorkNotes = append(p.WorkNotes, WorkNote{Time: s.Now, Author: s.Actor.ID, Text: text})
	s.Note = text
	s.EmitData(TypeWorkNoteAdded, nil)
	return nil
}

func (c LinkIncident) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventLinkIncident); err != nil {
		return err
	}
	added, err := newLinks("incidents", "incident", p.Incidents, c.Incidents)
	if err != nil {
		return err
	}
	if err := s.fire(p); err != nil {
		return err
	}
	p.Incidents = append(p.Incidents, added...)
	s.Note = strings.TrimSpace(c.Notes)
	for _, id := range added {
		data := map[string]string{"incident": id}
		if c.duplicate != "" {
			data["duplicate"] = c.duplicate
		}
		s.EmitData(TypeIncidentLinked, data)
	}
	return nil
}

func (c UnlinkIncident) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventUnlinkIncident); err != nil {
		return err
	}
	in, err := ids("incidents", c.Incidents)
	if err != nil {
		return err
	}
	for _, id := range in {
		if !slices.Contains(p.Incidents, id) {
			return lifecycle.Invalid("incidents", "incident %s is not linked", id)
		}
	}
	if err := s.fire(p); err != nil {
		return err
	}
	var keep []string // a new slice: the old one must keep its elements
	for _, id := range p.Incidents {
		if !slices.Contains(in, id) {
			keep = append(keep, id)
		}
	}
	p.Incidents = keep
	s.Note = strings.TrimSpace(c.Notes)
	for _, id := range in {
		s.EmitData(TypeIncidentUnlinked, map[string]string{"incident": id})
	}
	return nil
}

func (c LinkChange) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventLinkChange); err != nil {
		return err
	}
	added, err := newLinks("changes", "change", p.Changes, c.Changes)
	if err != nil {
		return err
	}
	if err := s.fire(p); err != nil {
		return err
	}
	p.Changes = append(p.Changes, added...)
	s.Note = strings.TrimSpace(c.Notes)
	for _, id := range added {
		s.EmitData(TypeChangeLinked, map[string]string{"change": id})
	}
	return nil
}

func (c RecordKnownError) apply(p *Problem, s *step) error {
	if err := s.begin(p, EventRecordKnownError); err != nil {
		return err
	}
	before := p.KnownError
	set(&p.KnownError.Symptom, c.Symptom)
	set(&p.KnownError.RootCause, c.RootCause)
	set(&p.KnownError.Workaround, c.Workaround)
	set(&p.KnownError.Fix, c.Fix)
	if p.KnownError == before {
		return lifecycle.Invalid("known_error", "nothing to record: give a symptom, root cause, workaround or fix that differs")
	}
	if err := s.fire(p); err != nil {
		return err
	}
	s.Note = strings.TrimSpace(c.Notes)
	s.EmitData(TypeKnownErrorRecorded, nil)
	return nil
}
