package lifecycle

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Field names used in the Changes of service and improvement records, beside
// [FieldState] (the status).
const (
	FieldName        = "name"
	FieldOwner       = "owner"
	FieldDescription = "description"
	FieldCriticality = "criticality"
	FieldConfigItems = "config_items" // the whole list, comma-separated
	FieldAgreements  = "agreements"   // the whole list as "kind:id", comma-separated
)

// ServiceCommand is an operation on an existing [Service]: one of
// [AdvanceService], [SetServiceStatus], [RejectService], [ReworkService],
// [PhaseOutService], [ReinstateService], [RetireService],
// [UpdateServiceDetails], [AddServiceAgreement], [RemoveServiceAgreement],
// [AddServiceConfigItem] and [RemoveServiceConfigItem]. The set is closed.
//
// Every command names the service (ID) and the version it was read at
// (Version; 0 means whatever is current, any other value must equal the
// stored version or the command fails with [ErrConflict]).
type ServiceCommand interface {
	target() (id string, version int64)
	// machineEvent returns the machine event the command fires from
	// status from, if it fires one.
	machineEvent(from Status) (ServiceEvent, bool)
	applyService(s *ITService, st *serviceStep) error
}

// editor is a service command that edits a service rather than moving it:
// editEvent is its history record's event.
type editor interface{ editEvent() string }

// serviceEvent is the event cmd fires on a service in status from: its
// machine event, or its edit; "" when it fires none from there.
func serviceEvent(cmd ServiceCommand, from Status) string {
	if ev, ok := cmd.machineEvent(from); ok {
		return string(ev)
	}
	if e, ok := cmd.(editor); ok {
		return e.editEvent()
	}
	return ""
}

// serviceStep is one command being applied to a service: the [Delta] it
// records, and the type and Data of its one notification.
type serviceStep struct {
	Delta
	typ    string // the notification's Type
	data   map[string]string
	edited bool         // a non-machine edit (refused on a retired service)
	work   *ServiceWork // when set, replaces the command's Work (set by Portfolio)
}

// serviceEventTypes maps machine events to the Type of the Event emitted.
var serviceEventTypes = map[ServiceEvent]string{
	ServiceAdvance:   "advanced",
	ServiceReject:    "rejected",
	ServiceRework:    "reworked",
	ServicePhaseOut:  "phased_out",
	ServiceReinstate: "reinstated",
	ServiceRetire:    "retired",
}

func (st *serviceStep) fire(s *ITService, ev ServiceEvent, work ServiceWork) error {
	if st.work != nil {
		work = *st.work
	}
	to, err := serviceMachine.Fire(s.ID, s.Status, ev, &serviceCheck{svc: s, actor: st.Actor, work: work})
	if err != nil {
		return err
	}
	s.Status = to
	st.Event = string(ev)
	st.typ = serviceEventTypes[ev]
	return nil
}

func (st *serviceStep) edit(event, typ string) {
	st.Event, st.typ, st.edited = event, typ, true
}

func (st *serviceStep) set(key, value string) {
	if value == "" {
		return
	}
	if st.data == nil {
		st.data = map[string]string{}
	}
	st.data[key] = value
}

func blankText(s string) bool { return strings.TrimSpace(s) == "" }

// checkIDList rejects blank and duplicate entries.
func checkIDList(field string, ids []string) error {
	for i, id := range ids {
		if blankText(id) {
			return Invalid(field, "entry %d is blank", i)
		}
		if slices.Index(ids, id) != i {
			return Invalid(field, "%q is listed twice", id)
		}
	}
	return nil
}

// checkLinks rejects blank IDs, unknown kinds and two links to one ID.
func checkLinks(field string, links []AgreementLink) error {
	for i, l := range links {
		if err := l.Validate(field); err != nil {
			return err
		}
		if linkIndex(links, l.ID) != i {
			return Invalid(field, "agreement %q is listed twice", l.ID)
		}
	}
	return nil
}

func checkCriticality(c Criticality) error {
	if !slices.Contains(criticalities, c) {
		_, err := ParseEnum("criticality", criticalities, string(c))
		return err
	}
	return nil
}

// DefineService is the input for a new service, which starts in
// [StatusRequirements]. Name is required; Criticality defaults to
// [CriticalityMedium]; ConfigItems must not hold blank or duplicate IDs,
// and Agreements must not hold a blank or repeated ID or an unknown kind.
type DefineService struct {
	// Name is the service's name, e.g. "E-mail". Required.
	Name string `json:"name,omitempty"`
	// Owner is the actor ID of the accountable service owner. Optional
	// until the service goes live.
	Owner string `json:"owner,omitempty"`
	// Description says what the service offers, for people.
	Description string `json:"description,omitempty"`
	// Criticality is how much the business depends on the service; empty
	// means [CriticalityMedium].
	Criticality Criticality `json:"criticality,omitempty"`
	// ConfigItems are the IDs of the configuration items the service runs
	// on.
	ConfigItems []string `json:"config_items,omitempty"`
	// Agreements link the service to its agreements, each with its kind.
	// A [Portfolio] with an [AgreementLookup] checks that they exist and
	// fills in a missing kind; otherwise every kind is required.
	Agreements []AgreementLink `json:"agreements,omitempty"`
	// Note is recorded in the creation record.
	Note string `json:"note,omitempty"`
}

// New returns the new service with the given ID, created by actor at now,
// and its "created" event. It is the pure layer under [Portfolio.Define]:
// nothing is stored.
func (d DefineService) New(actor Actor, now time.Time, id string) (*ITService, []Notification, error) {
	if err := actor.Validate(); err != nil {
		return nil, nil, err
	}
	if blankText(id) {
		return nil, nil, Invalid("id", "a service ID is required")
	}
	if blankText(d.Name) {
		return nil, nil, Invalid("name", "a service name is required")
	}
	crit := d.Criticality
	if crit == "" {
		crit = CriticalityMedium
	}
	if err := checkCriticality(crit); err != nil {
		return nil, nil, err
	}
	if err := checkIDList("config_items", d.ConfigItems); err != nil {
		return nil, nil, err
	}
	if err := checkLinks("agreements", d.Agreements); err != nil {
		return nil, nil, err
	}
	s := &ITService{
		ID:          id,
		Version:     1,
		Name:        d.Name,
		Owner:       d.Owner,
		Description: d.Description,
		Criticality: crit,
		Status:      serviceMachine.Initial(),
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if len(d.ConfigItems) > 0 {
		s.ConfigItems = slices.Clone(d.ConfigItems)
	}
	if len(d.Agreements) > 0 {
		s.Agreements = slices.Clone(d.Agreements)
	}
	op := Delta{Actor: actor, Now: now, Event: eventDefine, Note: d.Note, Changes: diffService(&ITService{}, s)}
	op.Emit("created")
	s.History = []Record{op.Record(1, string(s.Status))}
	return s, op.Notifications(ProcessService, s.ID, 1, string(s.Status), s.Snapshot()), nil
}

func diffService(old, s *ITService) []FieldChange {
	var cs []FieldChange
	cs = Diff(cs, FieldState, string(old.Status), string(s.Status))
	cs = Diff(cs, FieldName, old.Name, s.Name)
	cs = Diff(cs, FieldOwner, old.Owner, s.Owner)
	cs = Diff(cs, FieldDescription, old.Description, s.Description)
	cs = Diff(cs, FieldCriticality, string(old.Criticality), string(s.Criticality))
	cs = Diff(cs, FieldConfigItems, strings.Join(old.ConfigItems, ","), strings.Join(s.ConfigItems, ","))
	cs = Diff(cs, FieldAgreements, joinLinks(old.Agreements), joinLinks(s.Agreements))
	return cs
}

// Apply performs cmd on the service on behalf of actor at now: it checks
// the actor, the command's ID and version, the command's input, the
// machine and its guards, then appends one [Record], increments Version,
// sets UpdatedAt and returns the event to notify (one per command). It does
// no I/O: guards that need the host's answer (open work, for retirement)
// read it from the command. On any error s is left exactly as it was.
//
// Errors: [ErrValidation] (bad actor or input, a nil command or a nil
// pointer to one), [ErrConflict] (stale Version), [ErrInvalidTransition]
// (the machine refuses, possibly wrapping
// [ErrForbidden], [ErrValidation] or an *[OpenWorkError] from a guard),
// [ErrForbidden] (a change of owner by someone without the right).
// Edits of a retired service are refused with [ErrInvalidTransition].
func (s *ITService) Apply(actor Actor, now time.Time, cmd ServiceCommand) ([]Notification, error) {
	return s.apply(actor, now, cmd, nil)
}

// apply is Apply with the open work given by the orchestrator (nil: take it
// from the command).
func (s *ITService) apply(actor Actor, now time.Time, cmd ServiceCommand, work *ServiceWork) ([]Notification, error) {
	if err := CheckCommand(actor, cmd); err != nil {
		return nil, err
	}
	if !s.Status.Valid() {
		return nil, Invalid("status", "service %q has unknown status %q", s.ID, s.Status)
	}
	id, version := cmd.target()
	if err := CheckTarget(ProcessService, id, version, s.ID, s.Version); err != nil {
		return nil, err
	}
	c := s.Clone()
	st := &serviceStep{Delta: Delta{Actor: actor, Now: now, From: string(s.Status)}, work: work}
	err := cmd.applyService(c, st)
	if st.edited && s.Status.Final() {
		return nil, &TransitionError{Process: ProcessService, Subject: s.ID, From: string(s.Status), Event: st.Event, Final: true}
	}
	if err != nil {
		return nil, err
	}
	if c.Live() {
		if err := liveRequirements(c); err != nil {
			return nil, err
		}
	}
	changes := diffService(s, c)
	if len(changes) == 0 {
		return nil, Invalid("command", "%s changes nothing", st.Event)
	}
	st.Changes = changes
	st.EmitData(st.typ, st.data)
	c.Version++
	c.UpdatedAt = now
	c.History = append(c.History, st.Record(c.Version, string(c.Status)))
	evs := st.Notifications(ProcessService, c.ID, c.Version, string(c.Status), c.Snapshot())
	*s = *c
	return evs, nil
}

// AdvanceService moves a service one status forward (event
// [ServiceAdvance]). Going live (released → operational) needs an owner and
// at least one agreement of kind [AgreementSLA].
type AdvanceService struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Note is recorded in the history record.
	Note string `json:"note,omitempty"`
}

func (c AdvanceService) target() (string, int64) { return c.ID, c.Version }

func (c AdvanceService) machineEvent(Status) (ServiceEvent, bool) { return ServiceAdvance, true }

func (c AdvanceService) applyService(s *ITService, st *serviceStep) error {
	st.Note = c.Note
	return st.fire(s, ServiceAdvance, ServiceWork{})
}

// SetServiceStatus moves a service to status To by the one event that leads
// there from its current status (see [ServiceDiagram]); it never skips
// statuses. Work is consulted when the move is a retirement, as in
// [RetireService].
type SetServiceStatus struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// To is the status to move to: a neighbour of the current one.
	To Status `json:"to,omitempty"`
	// Note is recorded in the history record.
	Note string `json:"note,omitempty"`
	// Work is the open work against the service; see [RetireService.Work].
	Work ServiceWork `json:"work,omitempty"`
}

func (c SetServiceStatus) target() (string, int64) { return c.ID, c.Version }

// machineEvent returns the event that leads from status from to c.To.
func (c SetServiceStatus) machineEvent(from Status) (ServiceEvent, bool) {
	for _, e := range serviceMachine.Allowed(from) {
		if to, _ := serviceMachine.Target(from, e); to == c.To {
			return e, true
		}
	}
	return "", false
}

func (c SetServiceStatus) applyService(s *ITService, st *serviceStep) error {
	if !c.To.Valid() {
		_, err := ParseEnum("to", serviceStatuses, string(c.To))
		return err
	}
	e, ok := c.machineEvent(s.Status)
	if !ok {
		allowed := serviceMachine.Allowed(s.Status)
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		return &TransitionError{
			Process: ProcessService,
			Subject: s.ID,
			From:    string(s.Status),
			Event:   "move to " + string(c.To),
			Allowed: names,
			Final:   serviceMachine.Final(s.Status),
		}
	}
	st.Note = c.Note
	return st.fire(s, e, c.Work)
}

// RejectService sends a service under review (defined or analysed) back to
// requirements (event [ServiceReject]). Reason is required.
type RejectService struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Reason says why the proposal was not accepted. Required; it becomes
	// the history record's note and the event's "reason".
	Reason string `json:"reason,omitempty"`
}

func (c RejectService) target() (string, int64) { return c.ID, c.Version }

func (c RejectService) machineEvent(Status) (ServiceEvent, bool) { return ServiceReject, true }

func (c RejectService) applyService(s *ITService, st *serviceStep) error {
	if blankText(c.Reason) {
		return Invalid("reason", "a reason for the rejection is required")
	}
	st.Note = c.Reason
	st.set("reason", c.Reason)
	return st.fire(s, ServiceReject, ServiceWork{})
}

// ReworkService sends a service in transition (developed, built, tested or
// released) back to designed (event [ServiceRework]). Reason is required.
type ReworkService struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Reason says what design flaw sends the service back. Required; it
	// becomes the history record's note and the event's "reason".
	Reason string `json:"reason,omitempty"`
}

func (c ReworkService) target() (string, int64) { return c.ID, c.Version }

func (c ReworkService) machineEvent(Status) (ServiceEvent, bool) { return ServiceRework, true }

func (c ReworkService) applyService(s *ITService, st *serviceStep) error {
	if blankText(c.Reason) {
		return Invalid("reason", "a reason for the rework is required")
	}
	st.Note = c.Reason
	st.set("reason", c.Reason)
	return st.fire(s, ServiceRework, ServiceWork{})
}

// PhaseOutService starts retiring an operational service (event
// [ServicePhaseOut]). The actor must be the service's owner or hold
// [RoleServiceOwner].
type PhaseOutService struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Note is recorded in the history record.
	Note string `json:"note,omitempty"`
}

func (c PhaseOutService) target() (string, int64) { return c.ID, c.Version }

func (c PhaseOutService) machineEvent(Status) (ServiceEvent, bool) { return ServicePhaseOut, true }

func (c PhaseOutService) applyService(s *ITService, st *serviceStep) error {
	st.Note = c.Note
	return st.fire(s, ServicePhaseOut, ServiceWork{})
}

// ReinstateService returns a retiring service to operational (event
// [ServiceReinstate]). The actor must be the service's owner or hold
// [RoleServiceOwner]; the service needs an owner and an SLA agreement.
type ReinstateService struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Note is recorded in the history record.
	Note string `json:"note,omitempty"`
}

func (c ReinstateService) target() (string, int64) { return c.ID, c.Version }

func (c ReinstateService) machineEvent(Status) (ServiceEvent, bool) { return ServiceReinstate, true }

func (c ReinstateService) applyService(s *ITService, st *serviceStep) error {
	st.Note = c.Note
	return st.fire(s, ServiceReinstate, ServiceWork{})
}

// RetireService retires a service from any status but retired (event
// [ServiceRetire]): from the pipeline it withdraws the proposal, from the
// catalogue it decommissions the service. The actor must be the service's
// owner or hold [RoleServiceOwner], and no work may be open against it.
type RetireService struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Note is recorded in the history record.
	Note string `json:"note,omitempty"`
	// Work is the open work against the service; retirement is refused
	// unless it is zero. [Portfolio] sets it from its [Dependents],
	// replacing any value given here; callers of the pure
	// [Service.Apply] supply it themselves.
	Work ServiceWork `json:"work,omitempty"`
}

func (c RetireService) target() (string, int64) { return c.ID, c.Version }

func (c RetireService) machineEvent(Status) (ServiceEvent, bool) { return ServiceRetire, true }

func (c RetireService) applyService(s *ITService, st *serviceStep) error {
	st.Note = c.Note
	return st.fire(s, ServiceRetire, c.Work)
}

// UpdateServiceDetails changes a service's descriptive fields; nil fields
// stay as they are, and at least one field must change. Name cannot become
// blank; Owner cannot be cleared while the service is live. Changing the
// Owner needs the current owner or [RoleServiceOwner] (ownership carries
// the right to phase out and retire the service); the other fields are
// open to any actor.
type UpdateServiceDetails struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Name, when set, renames the service; it cannot be blank.
	Name *string `json:"name,omitempty"`
	// Owner, when set, hands the service to another owner (the empty
	// string clears it, refused while the service is live).
	Owner *string `json:"owner,omitempty"`
	// Description, when set, replaces the description.
	Description *string `json:"description,omitempty"`
	// Criticality, when set, replaces the criticality; it must be known.
	Criticality *Criticality `json:"criticality,omitempty"`
	// Note is recorded in the history record.
	Note string `json:"note,omitempty"`
}

func (c UpdateServiceDetails) target() (string, int64) { return c.ID, c.Version }

func (c UpdateServiceDetails) machineEvent(Status) (ServiceEvent, bool) { return "", false }

func (UpdateServiceDetails) editEvent() string { return "update" }

func (c UpdateServiceDetails) applyService(s *ITService, st *serviceStep) error {
	st.edit(c.editEvent(), "updated")
	st.Note = c.Note
	if c.Name != nil {
		if blankText(*c.Name) {
			return Invalid("name", "a service name is required")
		}
		s.Name = *c.Name
	}
	if c.Owner != nil {
		// Ownership carries the right to phase out and retire: the
		// access rules let only those who hold that right hand it on
		// (see PortfolioAccessRules).
		s.Owner = *c.Owner
	}
	if c.Description != nil {
		s.Description = *c.Description
	}
	if c.Criticality != nil {
		if err := checkCriticality(*c.Criticality); err != nil {
			return err
		}
		s.Criticality = *c.Criticality
	}
	return nil
}

// AddServiceAgreement links an agreement (an SLA, OLA or underpinning
// contract) to a service. Linking the same agreement ID twice is a
// validation error, whatever the kinds. Kind is required unless the
// [Portfolio] has an [AgreementLookup], which then fills it in (and
// refuses an agreement that does not exist or has another kind).
type AddServiceAgreement struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Agreement is the agreement's ID. Required.
	Agreement string `json:"agreement,omitempty"`
	// Kind is the agreement's kind: [AgreementSLA], [AgreementOLA] or
	// [AgreementUnderpinningContract]. Only an SLA lets the service go
	// live.
	Kind AgreementKind `json:"kind,omitempty"`
}

func (c AddServiceAgreement) target() (string, int64) { return c.ID, c.Version }

func (c AddServiceAgreement) machineEvent(Status) (ServiceEvent, bool) { return "", false }

func (AddServiceAgreement) editEvent() string { return "add_agreement" }

// check is the rule of the Portfolio's [AgreementLookup], when it has one:
// the agreement must exist and be of kind c.Kind, and an empty Kind takes
// the agreement's. It returns the command to apply, with the kind looked
// up. Its receiver is a value, so that *AddServiceAgreement has the same
// rule.
func (c AddServiceAgreement) check(ctx context.Context, p *Portfolio) (ServiceCommand, error) {
	if p.links == nil {
		return c, nil
	}
	k, err := p.agreementKind(ctx, "agreement", c.Agreement, c.Kind)
	if err != nil {
		return nil, err
	}
	c.Kind = k
	return c, nil
}

func (c AddServiceAgreement) applyService(s *ITService, st *serviceStep) error {
	st.edit(c.editEvent(), "agreement_added")
	st.set("agreement", c.Agreement)
	st.set("kind", string(c.Kind))
	if blankText(c.Agreement) {
		return Invalid("agreement", "an ID is required")
	}
	if c.Kind == "" {
		return Invalid("kind", "agreement %q: a kind is required (valid: sla, ola, underpinning_contract)", c.Agreement)
	}
	if !c.Kind.Valid() {
		_, err := ParseEnum("kind", agreementKinds, string(c.Kind))
		return err
	}
	if linkIndex(s.Agreements, c.Agreement) >= 0 {
		return Invalid("agreement", "%q is already linked", c.Agreement)
	}
	s.Agreements = append(s.Agreements, AgreementLink{ID: c.Agreement, Kind: c.Kind})
	return nil
}

// RemoveServiceAgreement unlinks an agreement from a service. A live
// service keeps at least one SLA.
type RemoveServiceAgreement struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// Agreement is the ID of the linked agreement to remove. Required.
	Agreement string `json:"agreement,omitempty"`
}

func (c RemoveServiceAgreement) target() (string, int64) { return c.ID, c.Version }

func (c RemoveServiceAgreement) machineEvent(Status) (ServiceEvent, bool) { return "", false }

func (RemoveServiceAgreement) editEvent() string { return "remove_agreement" }

func (c RemoveServiceAgreement) applyService(s *ITService, st *serviceStep) error {
	st.edit(c.editEvent(), "agreement_removed")
	st.set("agreement", c.Agreement)
	i := linkIndex(s.Agreements, c.Agreement)
	if i < 0 {
		return Invalid("agreement", "%q is not linked", c.Agreement)
	}
	st.set("kind", string(s.Agreements[i].Kind))
	s.Agreements = slices.Delete(s.Agreements, i, i+1)
	if len(s.Agreements) == 0 {
		s.Agreements = nil // nil, not empty: keeps JSON round trips exact
	}
	return nil
}

// AddServiceConfigItem records that a service runs on a configuration item.
// Adding the same item twice is a validation error.
type AddServiceConfigItem struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// ConfigItem is the configuration item's ID. Required.
	ConfigItem string `json:"config_item,omitempty"`
}

func (c AddServiceConfigItem) target() (string, int64) { return c.ID, c.Version }

func (c AddServiceConfigItem) machineEvent(Status) (ServiceEvent, bool) { return "", false }

func (AddServiceConfigItem) editEvent() string { return "add_config_item" }

func (c AddServiceConfigItem) applyService(s *ITService, st *serviceStep) error {
	st.edit(c.editEvent(), "config_item_added")
	st.set("config_item", c.ConfigItem)
	return addID(&s.ConfigItems, "config_item", c.ConfigItem)
}

// RemoveServiceConfigItem removes a configuration item from a service.
type RemoveServiceConfigItem struct {
	// ID names the service. Required.
	ID string `json:"id"`
	// Version is the version the command was prepared against; 0 means
	// whatever is current, any other value must equal the stored one.
	Version int64 `json:"version,omitempty"`
	// ConfigItem is the ID of the configuration item to remove.
	ConfigItem string `json:"config_item,omitempty"`
}

func (c RemoveServiceConfigItem) target() (string, int64) { return c.ID, c.Version }

func (c RemoveServiceConfigItem) machineEvent(Status) (ServiceEvent, bool) { return "", false }

func (RemoveServiceConfigItem) editEvent() string { return "remove_config_item" }

func (c RemoveServiceConfigItem) applyService(s *ITService, st *serviceStep) error {
	st.edit(c.editEvent(), "config_item_removed")
	st.set("config_item", c.ConfigItem)
	return removeID(&s.ConfigItems, "config_item", c.ConfigItem)
}

func addID(list *[]string, field, id string) error {
	if blankText(id) {
		return Invalid(field, "an ID is required")
	}
	if slices.Contains(*list, id) {
		return Invalid(field, "%q is already linked", id)
	}
	*list = append(*list, id)
	return nil
}

func removeID(list *[]string, field, id string) error {
	i := slices.Index(*list, id)
	if i < 0 {
		return Invalid(field, "%q is not linked", id)
	}
	*list = slices.Delete(*list, i, i+1)
	if len(*list) == 0 {
		*list = nil // nil, not empty: keeps JSON round trips exact
	}
	return nil
}
