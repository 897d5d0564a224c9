package change

import (
	"time"
)

// Command is an operation on an existing change: one of [Update],
// [SetType], [Assign], [Link], [Assess], [RequestApproval], [Approve],
// [Reject], [Schedule], [Revert], [Implement], [Review], [Close] and
// [Cancel]. Each names the change by ID and, optionally, the Version the
// caller read: a non-zero Version that is not the current one gives
// lifecycle.ErrConflict before anything happens. The interface is sealed.
type Command interface {
	target() (id string, version int64)
	event() Event
	apply(s *step) error
}

// Create is the request for a new change (not a [Command]: there is no
// change yet). A standard change names its Template, which supplies its
// plans and any of title, description, service, group and configuration
// items left empty.
type Create struct {
	Type        Type
	Title       string
	Description string
	// Requester is who asks for the change; empty means the acting actor.
	Requester   string
	Group       string
	Assignee    string
	Service     string
	ConfigItems []string
	Template    string
	Plans       Plans
	// PlannedStart and PlannedEnd, when given, are the planned window:
	// both or neither, end after start.
	PlannedStart time.Time
	PlannedEnd   time.Time
	// Answers are risk questionnaire answers (question ID → answer ID).
	Answers map[string]string
	// Problems the change fixes and Incidents it caused.
	Problems  []string
	Incidents []string
}

// Update edits the details of a change in new (normal changes also in
// assess). Nil pointers and nil slices leave a field as it is; a non-nil
// empty ConfigItems or Answers clears it. PlannedStart and PlannedEnd
// replace the window's ends that are non-zero; the resulting window must
// end after it starts. A standard change's plans come from its template and
// cannot be edited; in assess, the plans must stay complete. Changing the
// items or the window clears the recorded conflict status (it is checked
// again on the next assessment, approval request or scheduling). An update
// that changes nothing is refused.
type Update struct {
	ID           string
	Version      int64
	Title        *string
	Description  *string
	Service      *string
	ConfigItems  []string
	Plans        *Plans
	PlannedStart time.Time
	PlannedEnd   time.Time
	Answers      map[string]string
}

// SetType changes the type of a change in new that has no approvals.
// Becoming standard needs a Template, whose plans and risk the change
// takes; leaving standard forgets the template.
type SetType struct {
	ID       string
	Version  int64
	Type     Type
	Template string
}

// Assign sets the assignment group and assignee (empty clears) of any
// change not yet closed or canceled.
type Assign struct {
	ID       string
	Version  int64
	Group    string
	Assignee string
}

// Link adds problems the change fixes and incidents it caused (already
// linked IDs are ignored; at least one must be new).
type Link struct {
	ID        string
	Version   int64
	Problems  []string
	Incidents []string
}

// Assess moves a normal change from new to assess: its plans must be
// complete. Its conflicts are recorded and its risk is calculated.
type Assess struct {
	ID      string
	Version int64
	// Conflicts are the conflicts of the planned window as [Conflicts]
	// reports them, for the record and the risk rules. The Service fills
	// this field itself (overwriting the caller's); set it only when
	// calling Apply directly.
	Conflicts []Conflict
}

// RequestApproval asks the change authority to authorize the change: a
// normal change from assess, an emergency change from new. Plans and the
// planned window must be complete. The conflicts are recorded, the risk is
// recalculated, and the authority for the change's type and risk is
// resolved from the rules and recorded on the change.
type RequestApproval struct {
	ID      string
	Version int64
	// Conflicts: as for [Assess]; the Service fills it.
	Conflicts []Conflict
}

// Approve records the acting approver's approval. The actor must belong to
// the change's authority and must not be its requester
// (lifecycle.ErrForbidden); each approver decides once. When the
// authority's policy is met the change is authorized: the Service then
// schedules it at once if its window has no conflicts.
type Approve struct {
	ID      string
	Version int64
	Comment string
}

// Reject records the acting approver's rejection (a comment is required)
// and returns the change to new, clearing its approvals.
type Reject struct {
	ID      string
	Version int64
	Comment string
}

// Schedule books the change's planned window: an authorized normal or
// emergency change from authorize, a standard change from new. If the
// window has conflicts, Override must be set with a Reason by an actor
// holding [RoleChangeManager]; otherwise the result is a
// *ScheduleConflictError listing them. The override is recorded on the
// change and in its history.
type Schedule struct {
	ID       string
	Version  int64
	Override bool
	Reason   string
	// Conflicts: as for [Assess]; the Service fills it.
	Conflicts []Conflict
}

// Revert returns a change in assess, authorize or scheduled to new,
// clearing its approvals, its authority and any conflict override.
type Revert struct {
	ID      string
	Version int64
	Reason  string
}

// Implement starts the implementation of a scheduled change. Start is the
// actual start; zero means now.
type Implement struct {
	ID      string
	Version int64
	Start   time.Time
}

// Review ends the implementation and moves the change to review with its
// Outcome. End is the actual end (zero means now), not before the actual
// start. Notes, when given, are the post-implementation review.
type Review struct {
	ID      string
	Version int64
	End     time.Time
	Outcome Outcome
	Notes   string
}

// Close closes a reviewed change. Notes, when given, replace the
// post-implementation review notes; an emergency change cannot close
// without them.
type Close struct {
	ID      string
	Version int64
	Notes   string
}

// Cancel cancels a change in any state before review. A Reason is
// required.
type Cancel struct {
	ID      string
	Version int64
	Reason  string
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
