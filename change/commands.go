package change

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Command is an operation on an existing change: one of [Update],
// [SetType], [Assign], [Link], [Assess], [RequestApproval], [Approve],
// [Reject], [Schedule], [Revert], [Implement], [Review], [Close] and
// [Cancel]. Each names the change by ID and, optionally, the Version the
// caller read: a non-zero Version that is not the current one gives
// lifecycle.ErrConflict before anything happens. A pointer to a command is
// the same command (its methods are the value's); a nil one is a
// *lifecycle.ValidationError. The interface is sealed.
type Command interface {
	target() (id string, version int64)
	event() Event
	apply(s *step) error
}

// Commands returns the registry of the change process: one zero value of
// every command type, in the order [Command] lists them (the change's
// details first, then the lifecycle from assessment to closure). A host
// enumerates it to route requests by command name (the type's name, as %T
// or reflect gives it), to document its API, or to check that it handles
// every command. Each call returns a new slice.
func Commands() []Command {
	return []Command{
		Update{}, SetType{}, Assign{}, Link{}, Assess{}, RequestApproval{}, Approve{},
		Reject{}, Schedule{}, Revert{}, Implement{}, Review{}, Close{}, Cancel{},
	}
}

// A reader is a command whose rules need what the pure layer cannot read:
// other records of the Store, the windows of the WindowSource. The Service
// calls read before applying the command, when the change's machine has
// the command's event from its state, and applies the command read
// returns. The rule lives with the command that needs it, and the Service
// finds it by this interface alone: the value and the pointer form of a
// command have the same methods, so both read alike, and a new command
// that reads says so by having the method.
type reader interface {
	// read returns the command completed with what its rules read through
	// r for change c (as stored, before the command).
	read(ctx context.Context, r *reading, c *Change) (Command, error)
}

// Create is the request for a new change (not a [Command]: there is no
// change yet). A standard change names its Template, which supplies its
// plans and any of title, description, service, group and configuration
// items left empty. The acting actor is recorded as the change's OpenedBy.
type Create struct {
	// Type is standard, normal or emergency. Required.
	Type Type `json:"type,omitempty"`
	// Title is the one-line summary. Required (a standard change may take
	// its template's).
	Title string `json:"title,omitempty"`
	// Description is the free-text detail.
	Description string `json:"description,omitempty"`
	// Requester is who asks for the change; empty means the acting actor.
	// Neither the requester nor the acting actor may approve the change.
	Requester string `json:"requester,omitempty"`
	// Tenant is the change's tenant; "" is the actor's only tenant,
	// when it acts in exactly one.
	Tenant string `json:"tenant,omitempty"`
	// Group is the first assignment group.
	Group string `json:"group,omitempty"`
	// Assignee is the first assignee.
	Assignee string `json:"assignee,omitempty"`
	// Service is the affected IT service.
	Service string `json:"service,omitempty"`
	// ConfigItems are the affected configuration items (sorted and
	// deduplicated; blank IDs are refused).
	ConfigItems []string `json:"config_items,omitempty"`
	// Template names the standard change template; only standard changes
	// take one, and they must.
	Template string `json:"template,omitempty"`
	// Plans are the implementation, backout and test plans (a standard
	// change takes its template's).
	Plans Plans `json:"plans,omitempty"`
	// PlannedStart is the start of the planned window; given with
	// PlannedEnd or not at all.
	PlannedStart time.Time `json:"planned_start,omitzero"`
	// PlannedEnd is the end of the planned window, after PlannedStart.
	PlannedEnd time.Time `json:"planned_end,omitzero"`
	// Impact places the change in the priority matrix (1 widest); 0 means
	// the matrix's lowest level (3 in lifecycle.DefaultMatrix). Out of
	// range is a validation error naming "impact".
	Impact lifecycle.Impact `json:"impact,omitempty"`
	// Urgency places the change in the priority matrix (1 most urgent); 0
	// means the matrix's lowest level (3 in lifecycle.DefaultMatrix, so
	// that by default a change is priority 5, planning). Out of range is a
	// validation error naming "urgency".
	Urgency lifecycle.Urgency `json:"urgency,omitempty"`
	// Answers are risk questionnaire answers (question ID → answer ID).
	Answers map[string]string `json:"answers,omitempty"`
	// Problems are the problems the change fixes; they are named in the
	// "opened" and "closed" events.
	Problems []string `json:"problems,omitempty"`
	// Incidents are the incidents the change caused; they are named in the
	// "opened" event.
	Incidents []string `json:"incidents,omitempty"`
	// AffectedServices are the services a failure of the change's
	// configuration items affects, recorded with them. The Service fills
	// this field itself from Config.ConfigItems when it has one
	// (overwriting the caller's); set it only when calling [Rules.New] directly or
	// without a CMDB. Services without a change of the items are refused.
	AffectedServices []AffectedService `json:"-"`
}

// Update edits the details of a change in new (normal changes also in
// assess). Nil pointers, nil slices, zero times and zero levels leave a
// field as it is; a non-nil empty ConfigItems or Answers clears it.
// PlannedStart and PlannedEnd replace the window's ends that are non-zero;
// the resulting window must end after it starts. Impact and Urgency, when
// non-zero, recompute the priority. A standard change's plans come from
// its template and cannot be edited; in assess, the plans must stay
// complete. Changing the items or the window clears the recorded conflict
// status (it is checked again on the next assessment, approval request or
// scheduling). An update that changes nothing is refused.
type Update struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Title, when non-nil, replaces the title (not with a blank one).
	Title *string `json:"title,omitempty"`
	// Description, when non-nil, replaces the description.
	Description *string `json:"description,omitempty"`
	// Service, when non-nil, replaces the affected service.
	Service *string `json:"service,omitempty"`
	// ConfigItems, when non-nil, replace the configuration items.
	ConfigItems []string `json:"config_items,omitempty"`
	// Plans, when non-nil, replace the plans (not of a standard change).
	Plans *Plans `json:"plans,omitempty"`
	// PlannedStart, when non-zero, moves the window's start.
	PlannedStart time.Time `json:"planned_start,omitzero"`
	// PlannedEnd, when non-zero, moves the window's end.
	PlannedEnd time.Time `json:"planned_end,omitzero"`
	// Impact, when non-zero, replaces the impact.
	Impact lifecycle.Impact `json:"impact,omitempty"`
	// Urgency, when non-zero, replaces the urgency.
	Urgency lifecycle.Urgency `json:"urgency,omitempty"`
	// Answers, when non-nil, replace the questionnaire answers.
	Answers map[string]string `json:"answers,omitempty"`
	// AffectedServices are the services a failure of the new
	// configuration items affects, recorded with them. The Service fills
	// this field itself from Config.ConfigItems when it has one
	// (overwriting the caller's); set it only when calling Apply directly or
	// without a CMDB. Services without a change of the items are refused.
	AffectedServices []AffectedService `json:"-"`
}

// SetType changes the type of a change in new that has no approvals.
// Becoming standard needs a Template, whose plans and risk the change
// takes; leaving standard forgets the template.
type SetType struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Type is the new type, different from the current one.
	Type Type `json:"type,omitempty"`
	// Template is the standard change template, for Type standard only.
	Template string `json:"template,omitempty"`
	// AffectedServices are the services a failure of the template's
	// configuration items affects, recorded with them. The Service fills
	// this field itself from Config.ConfigItems when it has one
	// (overwriting the caller's); set it only when calling Apply directly or
	// without a CMDB. Services without a change of the items are refused.
	AffectedServices []AffectedService `json:"-"`
}

// Assign sets the assignment group and assignee (empty clears) of any
// change not yet closed or canceled.
type Assign struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Group is the new assignment group; empty clears it.
	Group string `json:"group,omitempty"`
	// Assignee is the new assignee; empty clears it.
	Assignee string `json:"assignee,omitempty"`
}

// Link adds problems the change fixes and incidents it caused (already
// linked IDs are ignored; at least one must be new).
type Link struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Problems are problems the change fixes.
	Problems []string `json:"problems,omitempty"`
	// Incidents are incidents the change caused.
	Incidents []string `json:"incidents,omitempty"`
}

// Assess moves a normal change from new to assess: its plans must be
// complete. Its conflicts are recorded and its risk is calculated.
type Assess struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Conflicts are the conflicts of the planned window as [Conflicts]
	// reports them, for the record and the risk rules. The Service fills
	// this field itself (overwriting the caller's); set it only when
	// calling Apply directly.
	Conflicts []Conflict `json:"conflicts,omitempty"`
}

// RequestApproval asks the change authority to authorize the change: a
// normal change from assess, an emergency change from new. Plans and the
// planned window must be complete. The conflicts are recorded, the risk is
// recalculated, and the authority for the change's type and risk is
// resolved from the rules and recorded on the change with the requester
// and the opener excluded from it. If the remaining (eligible) approvers
// cannot meet the authority's policy (see [Authority.Attainable]) the
// request is refused with a *lifecycle.ValidationError for "authority"
// and nothing changes.
type RequestApproval struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Conflicts: as for [Assess]; the Service fills it.
	Conflicts []Conflict `json:"conflicts,omitempty"`
}

// Approve records the acting approver's approval. The actor must belong to
// the change's authority and must be neither its requester nor the actor
// who opened it (lifecycle.ErrForbidden); each approver decides once. When
// the authority's policy is met the change is authorized: the Service then
// schedules it at once if its window has no conflicts.
type Approve struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Comment is the approver's optional comment.
	Comment string `json:"comment,omitempty"`
}

// Reject records the acting approver's rejection (a comment is required)
// and returns the change to new, clearing its approvals. Who may reject is
// who may approve.
type Reject struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Comment says why; required.
	Comment string `json:"comment,omitempty"`
}

// Schedule books the change's planned window: an authorized normal or
// emergency change from authorize, a standard change from new. If the
// window has conflicts, Override must be set with a Reason by an actor
// holding [RoleChangeManager]; otherwise the result is a
// *ScheduleConflictError listing them. The override is recorded on the
// change and in its history.
type Schedule struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Override schedules the change despite its conflicts.
	Override bool `json:"override,omitempty"`
	// Reason is why the conflicts are accepted; required with Override.
	Reason string `json:"reason,omitempty"`
	// Conflicts: as for [Assess]; the Service fills it.
	Conflicts []Conflict `json:"conflicts,omitempty"`
}

// Revert returns a change in assess, authorize or scheduled to new,
// clearing its approvals, its authority and any conflict override.
type Revert struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Reason says why, for the history.
	Reason string `json:"reason,omitempty"`
}

// Implement starts the implementation of a scheduled change. Start is the
// actual start: zero means now (the time the command is applied, from the
// Service's clock); a start after now is refused with a
// *lifecycle.ValidationError for "actual_start".
type Implement struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Start is the actual start; zero means now, and it may not be after
	// now.
	Start time.Time `json:"start,omitzero"`
}

// Review ends the implementation and moves the change to review with its
// Outcome. End is the actual end: zero means now; it may be neither
// before the actual start nor after now (a *lifecycle.ValidationError for
// "actual_end"). Notes, when given, are the post-implementation review.
type Review struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// End is the actual end; zero means now.
	End time.Time `json:"end,omitzero"`
	// Outcome is how it went; required.
	Outcome Outcome `json:"outcome,omitempty"`
	// Notes, when given, are the post-implementation review.
	Notes string `json:"notes,omitempty"`
}

// Close closes a reviewed change. Notes, when given, replace the
// post-implementation review notes; an emergency change cannot close
// without them.
type Close struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Notes, when given, replace the post-implementation review.
	Notes string `json:"notes,omitempty"`
}

// Cancel cancels a change in any state before review. A Reason is
// required.
type Cancel struct {
	// ID names the change.
	ID string `json:"id"`
	// Version, when non-zero, is the version the caller read.
	Version int64 `json:"version,omitempty"`
	// Reason says why; required.
	Reason string `json:"reason,omitempty"`
}

func (c Update) target() (string, int64)          { return c.ID, c.Version }
func (c SetType) target() (string, int64)         { return c.ID, c.Version }
func (c Assign) target() (string, int64)          { return c.ID, c.Version }
func (c Link) target() (string, int64)            { return c.ID, c.Version }
func (c Assess) target() (string, int64)          { return c.ID, c.Version }
func (c RequestApproval) target() (string, int64) { return c.ID, c.Version }
func (c Approve) target() (string, int64)         { return c.ID, c.Version }
func (c Reject) target() (string, int64)          { return c.ID, c.Version }
func (c Schedule) target() (string, int64)        { return c.ID, c.Version }
func (c Revert) target() (string, int64)          { return c.ID, c.Version }
func (c Implement) target() (string, int64)       { return c.ID, c.Version }
func (c Review) target() (string, int64)          { return c.ID, c.Version }
func (c Close) target() (string, int64)           { return c.ID, c.Version }
func (c Cancel) target() (string, int64)          { return c.ID, c.Version }

func (Update) event() Event          { return EventUpdate }
func (SetType) event() Event         { return EventSetType }
func (Assign) event() Event          { return EventAssign }
func (Link) event() Event            { return EventLink }
func (Assess) event() Event          { return EventAssess }
func (RequestApproval) event() Event { return EventRequestApproval }
func (Approve) event() Event         { return EventApprove }
func (Reject) event() Event          { return EventReject }
func (Schedule) event() Event        { return EventSchedule }
func (Revert) event() Event          { return EventRevert }
func (Implement) event() Event       { return EventImplement }
func (Review) event() Event          { return EventReview }
func (Close) event() Event           { return EventClose }
func (Cancel) event() Event          { return EventCancel }

// Assess records the conflicts of the planned window, and the risk rules
// read them.
func (a Assess) read(ctx context.Context, r *reading, c *Change) (Command, error) {
	var err error
	a.Conflicts, err = r.conflicts(ctx, c)
	return a, err
}

// RequestApproval records the conflicts again: the risk, and so the
// authority, depend on them.
func (ra RequestApproval) read(ctx context.Context, r *reading, c *Change) (Command, error) {
	var err error
	ra.Conflicts, err = r.conflicts(ctx, c)
	return ra, err
}

// Schedule books the window only without conflicts, or with an override.
func (sc Schedule) read(ctx context.Context, r *reading, c *Change) (Command, error) {
	var err error
	sc.Conflicts, err = r.conflicts(ctx, c)
	return sc, err
}
