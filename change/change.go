package change

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Change is a change request: its type, plans, risk, approvals, planned
// window and conflicts, implementation and review, and its audit history.
//
// A Change is a plain value. Its methods never do I/O; [Change.Apply] and
// [Rules.Apply] are the only ways the package moves it, and they leave it
// untouched on error.
type Change struct {
	// ID identifies the change; the Service draws it from Config.IDs.
	ID string `json:"id"`
	// Version is 0 before creation, 1 when created, and +1 per stored
	// change; stores use it for optimistic concurrency.
	Version int64 `json:"version"`
	// Type is standard, normal or emergency; it decides the path.
	Type Type `json:"type"`
	// State is where the change stands on its type's path.
	State State `json:"state"`

	// Title is the one-line summary; never empty.
	Title string `json:"title"`
	// Description is the free-text detail.
	Description string `json:"description,omitempty"`
	// Requester is who asked for the change; never one of its approvers.
	Requester string `json:"requester"`
	// Tenant is the tenant (company, organisation) the change belongs
	// to, "" for none; it never changes.
	Tenant string `json:"tenant,omitempty"`
	// Group is the assignment group.
	Group string `json:"group,omitempty"`
	// Assignee is the assigned implementer.
	Assignee string `json:"assignee,omitempty"`
	// Service is the affected IT service.
	Service string `json:"service,omitempty"`
	// ConfigItems are the affected configuration items, sorted, without
	// duplicates.
	ConfigItems []string `json:"config_items,omitempty"`
	// AffectedServices are the business services a failure of the
	// configuration items affects, sorted by ID: set with the items, from
	// [Config].ConfigItems when the Service has it, and recorded in the
	// history. Risk rules read them.
	AffectedServices []AffectedService `json:"affected_services,omitempty"`
	// Template is the standard change template the change was made from.
	Template string `json:"template,omitempty"`

	// Plans are the implementation, backout and test plans.
	Plans Plans `json:"plans"`

	// PlannedStart is the start of the planned window [start, end); zero
	// until planned.
	PlannedStart time.Time `json:"planned_start,omitzero"`
	// PlannedEnd is the end of the planned window; zero until planned,
	// then after PlannedStart.
	PlannedEnd time.Time `json:"planned_end,omitzero"`

	// OpenedBy is the actor who created the change record; never one of
	// its approvers either (it may differ from Requester). It, Impact,
	// Urgency and Priority come after the planned window so that the
	// fields conflict detection reads (ID, State, the window) keep their
	// places in memory.
	OpenedBy string `json:"opened_by"`

	// Impact is how widely the change affects the business (1 widest),
	// a row of the priority matrix.
	Impact lifecycle.Impact `json:"impact"`
	// Urgency is how soon the business needs it (1 most urgent), a column
	// of the priority matrix.
	Urgency lifecycle.Urgency `json:"urgency"`
	// Priority is the matrix's value for Impact and Urgency (Rules.Matrix),
	// the priority SLA agreements follow.
	Priority lifecycle.Priority `json:"priority"`

	// Answers are the risk questionnaire's answers: question ID → answer ID.
	Answers map[string]string `json:"answers,omitempty"`
	// Risk is the recorded risk level: the higher of the rules' and the
	// questionnaire's results, as of the last assessment. Empty until
	// assessed.
	Risk Risk `json:"risk,omitempty"`
	// Assessment explains Risk.
	Assessment *RiskAssessment `json:"risk_assessment,omitempty"`

	// Authority is the change authority whose approval the change needs,
	// resolved from the host's rules for its type and risk when approval is
	// requested, with the requester and opener in its Excluded list. Nil
	// for standard changes and before approval is requested.
	Authority *Authority `json:"authority,omitempty"`
	// Approvals are the decisions taken since approval was requested, in
	// order. Rejection and revert clear them (the history keeps them).
	Approvals []lifecycle.Vote `json:"approvals,omitempty"`

	// Conflicts is the conflict status of the planned window as last
	// checked (when assessed, when approval was requested, when scheduled).
	Conflicts []Conflict `json:"conflicts,omitempty"`
	// ConflictsCheckedAt is when Conflicts was last checked; zero when it
	// was not, or when an edit made the status stale.
	ConflictsCheckedAt time.Time `json:"conflicts_checked_at,omitzero"`
	// Override records who scheduled the change despite its conflicts, and
	// why. Cleared on revert.
	Override *Override `json:"override,omitempty"`

	// ActualStart is when the implementation started.
	ActualStart time.Time `json:"actual_start,omitzero"`
	// ActualEnd is when the implementation ended, not before ActualStart.
	ActualEnd time.Time `json:"actual_end,omitzero"`
	// Outcome is how the implementation went, recorded at review.
	Outcome Outcome `json:"outcome,omitempty"`
	// ReviewNotes is the post-implementation review. An emergency change
	// cannot close without it.
	ReviewNotes string `json:"review_notes,omitempty"`
	// CancelReason is why the change was canceled.
	CancelReason string `json:"cancel_reason,omitempty"`

	// Problems are the problems the change fixes, sorted.
	Problems []string `json:"problems,omitempty"`
	// Incidents are the incidents the change caused, sorted.
	Incidents []string `json:"incidents,omitempty"`

	// History is the audit trail: one record per version. The Store keeps
	// it apart from the change ([Service.History]): a change read from a
	// Store carries only the records its command appended (none from
	// Get); [Service.Export] reads the change whole.
	History []lifecycle.Record `json:"history,omitempty"`
	// CreatedAt is when the change was created.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it was last changed.
	UpdatedAt time.Time `json:"updated_at"`
}

// Plans are the implementation, backout and test plans. Normal changes need
// all three before assessment, emergency changes before authorization;
// standard changes take them from their template.
type Plans struct {
	// Implementation is how the change will be made.
	Implementation string `json:"implementation,omitempty"`
	// Backout is how it will be undone if it fails.
	Backout string `json:"backout,omitempty"`
	// Test is how its success will be verified.
	Test string `json:"test,omitempty"`
}

// Validate returns a *lifecycle.ValidationError naming the first missing plan
// ("plans.implementation", "plans.backout", "plans.test"), or nil.
func (p Plans) Validate() error {
	switch {
	case strings.TrimSpace(p.Implementation) == "":
		return lifecycle.Invalid("plans.implementation", "an implementation plan is required")
	case strings.TrimSpace(p.Backout) == "":
		return lifecycle.Invalid("plans.backout", "a backout plan is required")
	case strings.TrimSpace(p.Test) == "":
		return lifecycle.Invalid("plans.test", "a test plan is required")
	}
	return nil
}

// Override is the explicit decision to schedule a change despite its
// conflicts.
type Override struct {
	// Reason is why the conflicts were accepted.
	Reason string `json:"reason"`
	// By is the change manager who overrode them.
	By string `json:"by"`
	// At is when.
	At time.Time `json:"at"`
}

// RiskAssessment records how a change's risk was reached.
type RiskAssessment struct {
	// Level is the result: the higher of Rules and Questionnaire.
	Level Risk `json:"level"`
	// Rules is the rule-based calculator's level.
	Rules Risk `json:"rules"`
	// Matched holds "name: reason" of each rule that matched, in rule order.
	Matched []string `json:"matched,omitempty"`
	// Questionnaire is the questionnaire's level; empty without answers.
	Questionnaire Risk `json:"questionnaire,omitempty"`
	// Score is the questionnaire's score.
	Score int `json:"score,omitempty"`
	// Template is set when the level is a standard template's.
	Template string `json:"template,omitempty"`
	// At is when the change was assessed.
	At time.Time `json:"at"`
}

// Clone returns a deep copy of c. A nil c gives nil.
func (c *Change) Clone() *Change {
	if c == nil {
		return nil
	}
	d := *c
	d.ConfigItems = slices.Clone(c.ConfigItems)
	d.AffectedServices = slices.Clone(c.AffectedServices)
	d.Answers = maps.Clone(c.Answers)
	if c.Assessment != nil {
		a := c.Assessment.clone()
		d.Assessment = &a
	}
	if c.Authority != nil {
		a := c.Authority.Clone()
		d.Authority = &a
	}
	d.Approvals = slices.Clone(c.Approvals)
	d.Conflicts = slices.Clone(c.Conflicts)
	if c.Override != nil {
		o := *c.Override
		d.Override = &o
	}
	d.Problems = slices.Clone(c.Problems)
	d.Incidents = slices.Clone(c.Incidents)
	d.History = lifecycle.CloneHistory(c.History)
	return &d
}

func (a RiskAssessment) clone() RiskAssessment {
	a.Matched = slices.Clone(a.Matched)
	return a
}

// UnmarshalJSON decodes a change written by encoding/json and checks what
// the enumerations' own decoders cannot: that the type, the state, each
// approval's decision, the authority's policy and each conflict's kind are
// present. Unknown values of any enumeration are rejected with a
// *lifecycle.ValidationError, so every decoded change can be encoded again.
//
// A history, when the JSON has one, is replayed through the machine of the
// change's type (see [lifecycle.Replay.Check]), following set_type records
// from one type's machine to the next, and rejected, with a
// *lifecycle.HistoryError, if the machines could not have produced it: a
// close from new, a record whose From is not the previous record's To, a
// history that does not end in the change's state or type, a version
// other than the number of records. Guards (plans, a planned window, the
// approvals its authority needs, ...) are not replayed. A change without
// history is accepted as it is: it is the form a store that keeps history
// apart from its records returns. On error c is unchanged.
func (c *Change) UnmarshalJSON(b []byte) error {
	type plain Change // no methods: no recursion
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	x := Change(p)
	if err := x.checkDecoded(); err != nil {
		return err
	}
	if len(x.History) > 0 {
		if err := checkHistory(x.History, x.Type, x.State, x.Version); err != nil {
			return err
		}
	}
	*c = x
	return nil
}

// checkHistory replays a decoded history, that of a change of type t now
// in state at version (see [Change.UnmarshalJSON]). The creation is
// "create", the event [Rules.New] gives the first record.
func checkHistory(h []lifecycle.Record, t Type, state State, version int64) error {
	m := machineFor(t)
	if m == nil {
		return checkType(t)
	}
	r := lifecycle.Replay[State, Event, *Change]{Machine: m, Creation: "create", Switch: typeSwitch}
	return r.Check(h, state, version)
}

// typeSwitch returns the machine of the type a history record gives the
// change (the creation's type, a set_type's new one), or nil when the
// record does not change the type.
func typeSwitch(r lifecycle.Record) (*machineT, error) {
	ch, ok := r.Changed(FieldType)
	if !ok {
		return nil, nil
	}
	m := machineFor(Type(ch.New))
	if m == nil {
		return nil, errors.New("sets the type to " + strconv.Quote(lifecycle.Clip(ch.New)) + ", which is not a change type")
	}
	return m, nil
}

func (c *Change) checkDecoded() error {
	if c.Type == "" {
		return lifecycle.Invalid("type", "a change type is required")
	}
	if c.State == "" {
		return lifecycle.Invalid("state", "a state is required")
	}
	if c.Authority != nil && c.Authority.Policy == "" {
		return lifecycle.Invalid("authority.policy", "a policy is required")
	}
	for _, x := range c.Conflicts {
		if x.Kind == "" {
			return lifecycle.Invalid("conflicts.kind", "a conflict kind is required")
		}
	}
	return nil
}

// Planned reports whether the change has a planned window.
func (c *Change) Planned() bool { return !c.PlannedStart.IsZero() || !c.PlannedEnd.IsZero() }

// Authorized reports whether the change has the approvals its type needs: a
// standard change is pre-authorized; a normal or emergency one needs a
// resolved [Authority] whose policy its approvals meet.
func (c *Change) Authorized() bool {
	if c.Type == Standard {
		return true
	}
	if c.Authority == nil {
		return false
	}
	done, approved := c.panel().Decided(c.Approvals)
	return done && approved
}

// panel is the change authority's panel for this change: its requester
// and whoever opened it never decide, whatever its copy of the authority
// records.
func (c *Change) panel() lifecycle.Panel {
	return c.Authority.Panel().Exclude(c.Requester, c.OpenedBy)
}

// Snapshot returns the process-neutral view of the change, with its
// Priority (so that SLA agreements with per-priority goals can follow
// changes). Attributes hold
// "type", "risk", "requester", "outcome", "planned_start" and
// "planned_end" (RFC 3339), "conflicts" (a count) and "config_items"
// (comma-separated), when set.
func (c *Change) Snapshot() lifecycle.Snapshot {
	s := lifecycle.Snapshot{
		State:    string(c.State),
		Title:    c.Title,
		Priority: int(c.Priority),
		Group:    c.Group,
		Assignee: c.Assignee,
		Caller:   c.Requester,
		Tenant:   c.Tenant,
		Service:  c.Service,
		OpenedAt: c.CreatedAt,
	}
	if len(c.ConfigItems) > 0 {
		s.ConfigItem = c.ConfigItems[0]
	}
	attrs := map[string]string{"type": string(c.Type)}
	put := func(k, v string) {
		if v != "" {
			attrs[k] = v
		}
	}
	put("risk", string(c.Risk))
	put("requester", c.Requester)
	put("outcome", string(c.Outcome))
	if c.Planned() {
		attrs["planned_start"] = c.PlannedStart.Format(time.RFC3339)
		attrs["planned_end"] = c.PlannedEnd.Format(time.RFC3339)
	}
	if len(c.Conflicts) > 0 {
		attrs["conflicts"] = strconv.Itoa(len(c.Conflicts))
	}
	put("config_items", strings.Join(c.ConfigItems, ","))
	s.Attributes = attrs
	return s
}

// normalizeIDs returns ids trimmed, without empties, sorted and without
// duplicates, or a validation error for field when one is blank.
func normalizeIDs(field string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" {
			return nil, lifecycle.Invalid(field, "an empty ID is not allowed")
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
