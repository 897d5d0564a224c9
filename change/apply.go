package change

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Process is the process name in events, records and errors.
const Process = "change"

// The Type of the lifecycle.Events a change emits (not to be confused with
// the change [Type]). A command emits one event, except an approval that
// meets the authority's policy, which emits approved then authorized.
// Every event's Data holds "type" (the change type) and "requester"; the
// events the requester must hear about (rejected, scheduled, implementing,
// implemented, canceled) also hold "notify" set to the requester's ID.
const (
	// TypeOpened: the change was created. Data: "problems" (the problems
	// it fixes) and "incidents" (the incidents it caused), comma-separated,
	// each only when given at creation (the format of TypeLinked).
	TypeOpened = "opened"
	// TypeUpdated: details were edited.
	TypeUpdated = "updated"
	// TypeTypeChanged: the type changed. Data: "old_type".
	TypeTypeChanged = "type_changed"
	// TypeAssigned: group or assignee changed. Data: "group", "assignee".
	TypeAssigned = "assigned"
	// TypeLinked: problems or incidents were linked. Data: "problems",
	// "incidents" (the newly linked, comma-separated).
	TypeLinked = "linked"
	// TypeAssessed: a normal change entered assess. Data: "risk".
	TypeAssessed = "assessed"
	// TypeApprovalRequested: the authority was asked. Data: "authority",
	// "policy", "approvers" (the eligible named approvers,
	// comma-separated), "role", "risk", "needed" (approvals required).
	TypeApprovalRequested = "approval_requested"
	// TypeApproved: an approver approved. Data: "approver", "comment".
	TypeApproved = "approved"
	// TypeRejected: an approver rejected; back to new. Data: "approver",
	// "comment".
	TypeRejected = "rejected"
	// TypeAuthorized: the authority's policy is met. Data: "authority".
	TypeAuthorized = "authorized"
	// TypeScheduled: the window is booked. Data: "conflicts" (a count),
	// "override" (its reason).
	TypeScheduled = "scheduled"
	// TypeReverted: back to new. Data: "reason".
	TypeReverted = "reverted"
	// TypeImplementing: the implementation started.
	TypeImplementing = "implementing"
	// TypeImplemented: the implementation ended and the change entered
	// review. Data: "outcome".
	TypeImplemented = "implemented"
	// TypeClosed: the change closed. Data: "outcome" and "problems" (the
	// problems it fixes, comma-separated, when any), so that a problem
	// reactor can resolve them.
	TypeClosed = "closed"
	// TypeCanceled: the change was canceled. Data: "reason".
	TypeCanceled = "canceled"
)

// maxPlanned bounds a planned window, so that conflict checks stay cheap.
const maxPlanned = 366 * 24 * time.Hour

// ErrScheduleConflict reports that a change's planned window has conflicts
// and the request to schedule it did not override them.
var ErrScheduleConflict = errors.New("schedule conflict")

// ScheduleConflictError lists the conflicts that stopped a change from
// being scheduled. It matches [ErrScheduleConflict] and, because it is a
// problem with the request's input, lifecycle.ErrValidation.
type ScheduleConflictError struct {
	// ID is the change's.
	ID string
	// Conflicts are the unresolved conflicts, in [Conflicts] order.
	Conflicts []Conflict
}

// Error renders "change <id>: <n> schedule conflicts: <reason>; ...".
func (e *ScheduleConflictError) Error() string {
	reasons := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		reasons[i] = c.Reason
	}
	return fmt.Sprintf("change %s: %d schedule conflict(s), override with a reason to schedule anyway: %s",
		e.ID, len(e.Conflicts), strings.Join(reasons, "; "))
}

// Is reports whether target is ErrScheduleConflict or
// lifecycle.ErrValidation.
func (e *ScheduleConflictError) Is(target error) bool {
	return target == ErrScheduleConflict || target == lifecycle.ErrValidation
}

// step is one command being applied to a clone of a change: the
// [lifecycle.Delta] it records, under the process's rules.
type step struct {
	lifecycle.Delta
	rules   Rules
	orig    *Change // the change as it was
	c       *Change // the clone being changed
	machine *machineT
	fired   bool
	extra   []lifecycle.FieldChange // changes not visible in the fields (decisions)
	notify  []bool                  // per emission: address the requester
}

// fire moves the clone along the machine with the step's event.
func (s *step) fire() error {
	to, err := s.machine.Fire(s.c.ID, s.c.State, Event(s.Event), s.c)
	if err != nil {
		return err
	}
	s.c.State = to
	s.fired = true
	return nil
}

// emit adds an event of type typ whose Data holds the key/value pairs kv
// with a value; notify addresses it to the requester too.
func (s *step) emit(typ string, notify bool, kv ...string) {
	data := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			data[kv[i]] = kv[i+1]
		}
	}
	s.EmitData(typ, data)
	s.notify = append(s.notify, notify)
}

// Apply applies cmd to c under the default [Rules]; see [Rules.Apply].
func (c *Change) Apply(actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Notification, error) {
	return Rules{}.Apply(c, actor, now, cmd)
}

// Apply is the pure transition: it validates actor and cmd, fires cmd's
// event on the machine of c's type (guards included), changes a clone of
// c, appends exactly one history record, increments the version, sets
// UpdatedAt to now, and only then copies the clone back into c and returns
// the events to emit. On any error c is unchanged. Apply does no I/O: the
// Service loads, stores and notifies around it.
//
// The zero Rules are the defaults. Errors: *lifecycle.ValidationError (bad
// input, including an unknown change type), *lifecycle.TransitionError
// (the event is not allowed from c's state, or a guard refused it),
// *lifecycle.ForbiddenError (approvals, overrides), lifecycle.ErrConflict
// (a stale cmd version), *ScheduleConflictError.
func (r Rules) Apply(c *Change, actor lifecycle.Actor, now time.Time, cmd Command) ([]lifecycle.Notification, error) {
	if c == nil {
		return nil, lifecycle.Invalid("change", "a change is required")
	}
	if err := lifecycle.CheckCommand(actor, cmd); err != nil {
		return nil, err
	}
	id, version := cmd.target()
	if err := lifecycle.CheckTarget(Process, id, version, c.ID, c.Version); err != nil {
		return nil, err
	}
	m := machineFor(c.Type)
	if m == nil {
		return nil, checkType(c.Type)
	}
	s := &step{Delta: lifecycle.Delta{Actor: actor, Now: now, Event: string(cmd.event()), From: string(c.State)}, rules: r, orig: c, c: c.Clone(), machine: m}
	if err := cmd.apply(s); err != nil {
		return nil, err
	}
	if !s.fired {
		if err := s.fire(); err != nil {
			return nil, err
		}
	}
	events := s.finish(c)
	*c = *s.c
	return events, nil
}

// finish appends the history record, bumps the version and builds the
// events, each naming the change's type and requester.
func (s *step) finish(before *Change) []lifecycle.Notification {
	s.Changes = append(diff(before, s.c), s.extra...)
	events := finish(s.c, &s.Delta)
	for i, e := range events {
		e.Data["type"] = string(s.c.Type)
		e.Data["requester"] = s.c.Requester
		if s.notify[i] {
			e.Data["notify"] = s.c.Requester
		}
	}
	return events
}

// finish records op on c as the change's next version: version and update
// time, op's history record, and op's notifications about it.
func finish(c *Change, op *lifecycle.Delta) []lifecycle.Notification {
	c.Version++
	c.UpdatedAt = op.Now
	c.History = append(c.History, op.Record(c.Version, string(c.State)))
	return op.Notifications(Process, c.ID, c.Version, string(c.State), c.Snapshot())
}

// New is the pure creation of a change with the given id: it validates req
// against the rules (templates, questionnaire, priority matrix), and
// returns the change at version 1 in state new, opened by actor, with its
// first history record, and its "opened" event. It does no I/O. Errors
// are *lifecycle.ValidationError.
func (r Rules) New(id string, actor lifecycle.Actor, now time.Time, req Create) (*Change, []lifecycle.Notification, error) {
	if err := actor.Validate(); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(id) == "" {
		return nil, nil, lifecycle.Invalid("id", "an ID is required")
	}
	if err := checkType(req.Type); err != nil {
		return nil, nil, err
	}
	impact, urgency, prio, err := r.Matrix.Classify(req.Impact, req.Urgency)
	if err != nil {
		return nil, nil, err
	}
	c := &Change{
		ID:          id,
		Type:        req.Type,
		State:       StateNew,
		Title:       strings.TrimSpace(req.Title),
		Description: req.Description,
		Requester:   strings.TrimSpace(req.Requester),
		Tenant:      lifecycle.TenantFor(actor, req.Tenant),
		OpenedBy:    actor.ID,
		Impact:      impact,
		Urgency:     urgency,
		Priority:    prio,
		Group:       req.Group,
		Assignee:    req.Assignee,
		Service:     req.Service,
		Plans:       req.Plans,
		CreatedAt:   now,
	}
	if c.Requester == "" {
		c.Requester = actor.ID
	}
	if c.ConfigItems, err = normalizeIDs("config_items", req.ConfigItems); err != nil {
		return nil, nil, err
	}
	if c.Problems, err = normalizeIDs("problems", req.Problems); err != nil {
		return nil, nil, err
	}
	if c.Incidents, err = normalizeIDs("incidents", req.Incidents); err != nil {
		return nil, nil, err
	}
	if req.Type == Standard || req.Template != "" {
		if err := r.useTemplate(c, req.Template, false); err != nil {
			return nil, nil, err
		}
	}
	if c.Title == "" {
		return nil, nil, lifecycle.Invalid("title", "a title is required")
	}
	if err := setServices(c, nil, req.AffectedServices, r.Matrix); err != nil {
		return nil, nil, err
	}
	if !req.PlannedStart.IsZero() || !req.PlannedEnd.IsZero() {
		c.PlannedStart, c.PlannedEnd = req.PlannedStart, req.PlannedEnd
		if err := checkWindow(c); err != nil {
			return nil, nil, err
		}
	}
	if err := r.checkAnswers(req.Answers); err != nil {
		return nil, nil, err
	}
	c.Answers = maps.Clone(req.Answers)
	if c.Type == Standard {
		a := r.Assess(c, now)
		c.Risk, c.Assessment = a.Level, &a
	}
	s := &step{Delta: lifecycle.Delta{Actor: actor, Now: now, Event: "create"}, rules: r, c: c}
	s.emit(TypeOpened, false, "problems", strings.Join(c.Problems, ","), "incidents", strings.Join(c.Incidents, ","))
	return c, s.finish(&Change{}), nil
}

// useTemplate applies the template named name to c: plans always (when
// force, also every detail), other details where c has none. Only standard
// changes may use a template.
func (r Rules) useTemplate(c *Change, name string, force bool) error {
	if c.Type != Standard {
		return lifecycle.Invalid("template", "only standard changes are made from templates")
	}
	if name == "" {
		return lifecycle.Invalid("template", "a standard change needs a template")
	}
	t, ok := r.Template(name)
	if !ok {
		return lifecycle.Invalid("template", "unknown template %q", name)
	}
	c.Template = t.Name
	c.Plans = t.Plans
	fill := func(dst *string, v string) {
		if force || *dst == "" {
			*dst = v
		}
	}
	fill(&c.Title, t.Title)
	fill(&c.Description, t.Description)
	fill(&c.Service, t.Service)
	fill(&c.Group, t.Group)
	if force || len(c.ConfigItems) == 0 {
		cis, err := normalizeIDs("config_items", t.ConfigItems)
		if err != nil {
			return err
		}
		if cis != nil || force {
			c.ConfigItems = cis
		}
	}
	return nil
}

func (r Rules) checkAnswers(answers map[string]string) error {
	if len(answers) == 0 {
		return nil
	}
	if r.Questionnaire == nil {
		return lifecycle.Invalid("answers", "there is no risk questionnaire to answer")
	}
	return r.Questionnaire.CheckAnswers(answers)
}

// checkWindow validates a planned window given as input.
func checkWindow(c *Change) error {
	if err := checkPlanned(c); err != nil {
		return err
	}
	if c.PlannedEnd.Sub(c.PlannedStart) > maxPlanned {
		return lifecycle.Invalid("planned_end", "a planned window may last at most 366 days")
	}
	return nil
}

func (u Update) apply(s *step) error {
	c := s.c
	if u.Title != nil {
		t := strings.TrimSpace(*u.Title)
		if t == "" {
			return lifecycle.Invalid("title", "a title is required")
		}
		c.Title = t
	}
	if u.Description != nil {
		c.Description = *u.Description
	}
	if u.Service != nil {
		c.Service = *u.Service
	}
	if u.ConfigItems != nil {
		cis, err := normalizeIDs("config_items", u.ConfigItems)
		if err != nil {
			return err
		}
		c.ConfigItems = cis
	}
	if u.Plans != nil {
		if c.Type == Standard {
			return lifecycle.Invalid("plans", "a standard change takes its plans from its template")
		}
		c.Plans = *u.Plans
	}
	if !u.PlannedStart.IsZero() || !u.PlannedEnd.IsZero() {
		if !u.PlannedStart.IsZero() {
			c.PlannedStart = u.PlannedStart
		}
		if !u.PlannedEnd.IsZero() {
			c.PlannedEnd = u.PlannedEnd
		}
		if err := checkWindow(c); err != nil {
			return err
		}
	}
	if u.Impact != 0 || u.Urgency != 0 {
		if u.Impact != 0 {
			c.Impact = u.Impact
		}
		if u.Urgency != 0 {
			c.Urgency = u.Urgency
		}
		prio, err := s.rules.Matrix.Priority(c.Impact, c.Urgency)
		if err != nil {
			return err
		}
		c.Priority = prio
	}
	if u.Answers != nil {
		if err := s.rules.checkAnswers(u.Answers); err != nil {
			return err
		}
		c.Answers = maps.Clone(u.Answers)
		if len(c.Answers) == 0 {
			c.Answers = nil
		}
	}
	if err := s.fire(); err != nil {
		return err
	}
	if !slices.Equal(c.ConfigItems, s.orig.ConfigItems) || !c.PlannedStart.Equal(s.orig.PlannedStart) || !c.PlannedEnd.Equal(s.orig.PlannedEnd) {
		// The recorded conflict status no longer describes the change.
		c.Conflicts, c.ConflictsCheckedAt = nil, time.Time{}
	}
	if c.State != StateNew {
		// Past new the plans stay complete.
		if err := c.Plans.Validate(); err != nil {
			return err
		}
	}
	if err := setServices(c, s.orig.ConfigItems, u.AffectedServices, s.rules.Matrix); err != nil {
		return err
	}
	if len(diff(s.orig, c)) == 0 {
		return lifecycle.Invalid("update", "nothing to change")
	}
	s.emit(TypeUpdated, false)
	return nil
}

func (t SetType) apply(s *step) error {
	c := s.c
	if err := checkType(t.Type); err != nil {
		return err
	}
	if t.Type == c.Type {
		return lifecycle.Invalid("type", "the change is already %s", t.Type)
	}
	if err := s.fire(); err != nil {
		return err
	}
	old := c.Type
	c.Type = t.Type
	c.Risk, c.Assessment, c.Authority = "", nil, nil
	if t.Type == Standard {
		if err := s.rules.useTemplate(c, t.Template, false); err != nil {
			return err
		}
		a := s.rules.Assess(c, s.Now)
		c.Risk, c.Assessment = a.Level, &a
	} else {
		if t.Template != "" {
			return lifecycle.Invalid("template", "only standard changes are made from templates")
		}
		c.Template = ""
	}
	if err := setServices(c, s.orig.ConfigItems, t.AffectedServices, s.rules.Matrix); err != nil {
		return err
	}
	s.emit(TypeTypeChanged, false, "old_type", string(old))
	return nil
}

func (a Assign) apply(s *step) error {
	if err := s.fire(); err != nil {
		return err
	}
	if a.Group == s.c.Group && a.Assignee == s.c.Assignee {
		return lifecycle.Invalid("assignee", "nothing to change")
	}
	s.c.Group, s.c.Assignee = a.Group, a.Assignee
	s.emit(TypeAssigned, false, "group", a.Group, "assignee", a.Assignee)
	return nil
}

func (l Link) apply(s *step) error {
	ps, err := normalizeIDs("problems", l.Problems)
	if err != nil {
		return err
	}
	is, err := normalizeIDs("incidents", l.Incidents)
	if err != nil {
		return err
	}
	if err := s.fire(); err != nil {
		return err
	}
	c := s.c
	np, _ := normalizeIDs("problems", append(slices.Clone(c.Problems), ps...))
	ni, _ := normalizeIDs("incidents", append(slices.Clone(c.Incidents), is...))
	if len(np) == len(c.Problems) && len(ni) == len(c.Incidents) {
		return lifecycle.Invalid("problems", "nothing new to link")
	}
	c.Problems, c.Incidents = np, ni
	s.emit(TypeLinked, false, "problems", strings.Join(ps, ","), "incidents", strings.Join(is, ","))
	return nil
}

// recordConflicts stores the conflict status, when the change is planned.
func (s *step) recordConflicts(cs []Conflict) {
	if !s.c.Planned() {
		return
	}
	s.c.Conflicts = slices.Clone(cs)
	slices.SortFunc(s.c.Conflicts, compareConflicts)
	if len(s.c.Conflicts) == 0 {
		s.c.Conflicts = nil
	}
	s.c.ConflictsCheckedAt = s.Now
}

func (s *step) assess() {
	a := s.rules.Assess(s.c, s.Now)
	s.c.Risk, s.c.Assessment = a.Level, &a
}

func (a Assess) apply(s *step) error {
	if err := s.fire(); err != nil {
		return err
	}
	s.recordConflicts(a.Conflicts)
	s.assess()
	s.emit(TypeAssessed, false, "risk", string(s.c.Risk))
	return nil
}

func (r RequestApproval) apply(s *step) error {
	if err := s.fire(); err != nil {
		return err
	}
	c := s.c
	s.recordConflicts(r.Conflicts)
	s.assess()
	auth, err := s.rules.AuthorityFor(c.Type, c.Risk)
	if err != nil {
		return err
	}
	auth.Excluded, _ = normalizeIDs("excluded", slices.DeleteFunc([]string{c.Requester, c.OpenedBy}, func(id string) bool {
		return strings.TrimSpace(id) == ""
	}))
	if err := auth.Attainable(); err != nil {
		return err
	}
	c.Authority = &auth
	c.Approvals = nil
	p := c.panel()
	s.emit(TypeApprovalRequested, false,
		"authority", auth.Name, "policy", string(auth.Policy), "approvers", strings.Join(p.Eligible(), ","),
		"role", auth.Role, "risk", string(c.Risk), "needed", strconv.Itoa(p.Needed()))
	return nil
}

// decide records an approver's decision.
func (s *step) decide(d lifecycle.Decision, comment string) error {
	if err := s.fire(); err != nil {
		return err
	}
	c := s.c
	if err := c.panel().Admit(s.Actor, "decide on change "+c.ID, c.Approvals); err != nil {
		return err
	}
	c.Approvals = append(c.Approvals, lifecycle.Vote{Approver: s.Actor.ID, Decision: d, Comment: comment, At: s.Now})
	s.Note = comment
	s.extra = append(s.extra, lifecycle.FieldChange{Field: "decision", New: s.Actor.ID + " " + string(d)})
	return nil
}

func (a Approve) apply(s *step) error {
	if err := s.decide(lifecycle.Approved, a.Comment); err != nil {
		return err
	}
	s.emit(TypeApproved, false, "approver", s.Actor.ID, "comment", a.Comment)
	if s.c.Authorized() {
		s.emit(TypeAuthorized, false, "authority", s.c.Authority.Name)
	}
	return nil
}

func (r Reject) apply(s *step) error {
	if strings.TrimSpace(r.Comment) == "" {
		return lifecycle.Invalid("comment", "a rejection needs a comment")
	}
	if err := s.decide(lifecycle.Rejected, r.Comment); err != nil {
		return err
	}
	s.c.Approvals, s.c.Authority, s.c.Override = nil, nil, nil
	s.emit(TypeRejected, true, "approver", s.Actor.ID, "comment", r.Comment)
	return nil
}

func (sc Schedule) apply(s *step) error {
	if err := s.fire(); err != nil {
		return err
	}
	c := s.c
	s.recordConflicts(sc.Conflicts)
	c.Override = nil
	if len(c.Conflicts) > 0 {
		if !sc.Override {
			return &ScheduleConflictError{ID: c.ID, Conflicts: slices.Clone(c.Conflicts)}
		}
		if strings.TrimSpace(sc.Reason) == "" {
			return lifecycle.Invalid("reason", "overriding schedule conflicts needs a reason")
		}
		if err := s.Actor.Require(RoleChangeManager, "schedule a change despite its conflicts"); err != nil {
			return err
		}
		c.Override = &Override{Reason: sc.Reason, By: s.Actor.ID, At: s.Now}
		s.Note = sc.Reason
	}
	override := ""
	if c.Override != nil {
		override = c.Override.Reason
	}
	s.emit(TypeScheduled, true, "conflicts", strconv.Itoa(len(c.Conflicts)), "override", override)
	return nil
}

func (r Revert) apply(s *step) error {
	if err := s.fire(); err != nil {
		return err
	}
	s.c.Approvals, s.c.Authority, s.c.Override = nil, nil, nil
	s.Note = r.Reason
	s.emit(TypeReverted, false, "reason", r.Reason)
	return nil
}

func (i Implement) apply(s *step) error {
	if err := s.fire(); err != nil {
		return err
	}
	start := i.Start
	if start.IsZero() {
		start = s.Now
	}
	if start.After(s.Now) {
		return lifecycle.Invalid("actual_start", "the implementation cannot start (%s) after now (%s)",
			start.Format(time.RFC3339), s.Now.Format(time.RFC3339))
	}
	s.c.ActualStart = start
	s.emit(TypeImplementing, true)
	return nil
}

func (r Review) apply(s *step) error {
	if r.Outcome == "" {
		return lifecycle.Invalid("outcome", "an outcome is required (valid: successful, successful_with_issues, failed, backed_out)")
	}
	if _, err := lifecycle.ParseEnum("outcome", allOutcomes, string(r.Outcome)); err != nil {
		return err
	}
	if err := s.fire(); err != nil {
		return err
	}
	c := s.c
	end := r.End
	if end.IsZero() {
		end = s.Now
	}
	if end.After(s.Now) {
		return lifecycle.Invalid("actual_end", "the implementation cannot end (%s) after now (%s)",
			end.Format(time.RFC3339), s.Now.Format(time.RFC3339))
	}
	if end.Before(c.ActualStart) {
		return lifecycle.Invalid("actual_end", "the implementation ends (%s) before it started (%s)",
			end.Format(time.RFC3339), c.ActualStart.Format(time.RFC3339))
	}
	c.ActualEnd, c.Outcome = end, r.Outcome
	if r.Notes != "" {
		c.ReviewNotes = r.Notes
	}
	s.emit(TypeImplemented, true, "outcome", string(r.Outcome))
	return nil
}

func (cl Close) apply(s *step) error {
	if cl.Notes != "" {
		s.c.ReviewNotes = cl.Notes
	}
	if err := s.fire(); err != nil {
		return err
	}
	s.emit(TypeClosed, false, "outcome", string(s.c.Outcome), "problems", strings.Join(s.c.Problems, ","))
	return nil
}

func (cn Cancel) apply(s *step) error {
	if strings.TrimSpace(cn.Reason) == "" {
		return lifecycle.Invalid("reason", "a cancellation needs a reason")
	}
	if err := s.fire(); err != nil {
		return err
	}
	s.c.CancelReason = cn.Reason
	s.Note = cn.Reason
	s.emit(TypeCanceled, true, "reason", cn.Reason)
	return nil
}
