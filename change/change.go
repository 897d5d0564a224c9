package change

import (
	"encoding/json"
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
	ID      string `json:"id"`
	Version int64  `json:"version"` // 0 before creation, 1 when created, +1 per stored change
	Type    Type   `json:"type"`
	State   State  `json:"state"`

	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Requester   string   `json:"requester"` // who asked for the change; never one of its approvers
	Group       string   `json:"group,omitempty"`
	Assignee    string   `json:"assignee,omitempty"`
	Service     string   `json:"service,omitempty"`      // the affected IT service
	ConfigItems []string `json:"config_items,omitempty"` // the affected configuration items, sorted, no duplicates
	Template    string   `json:"template,omitempty"`     // the standard change template it was made from

	Plans Plans `json:"plans"`

	// PlannedStart and PlannedEnd are the planned window [start, end).
	// Both are zero until planned; once set, end is after start.
	PlannedStart time.Time `json:"planned_start,omitzero"`
	PlannedEnd   time.Time `json:"planned_end,omitzero"`

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
	// requested. Nil for standard changes and before approval is requested.
	Authority *Authority `json:"authority,omitempty"`
	// Approvals are the decisions taken since approval was requested, in
	// order. Rejection and revert clear them (the history keeps them).
	Approvals []Approval `json:"approvals,omitempty"`

	// Conflicts is the conflict status of the planned window as last
	// checked (when assessed, when approval was requested, when scheduled).
	Conflicts          []Conflict `json:"conflicts,omitempty"`
	ConflictsCheckedAt time.Time  `json:"conflicts_checked_at,omitzero"`
	// Override records who scheduled the change despite its conflicts, and
	// why. Cleared on revert.
	Override *Override `json:"override,omitempty"`

	ActualStart time.Time `json:"actual_start,omitzero"`
	ActualEnd   time.Time `json:"actual_end,omitzero"`
	Outcome     Outcome   `json:"outcome,omitempty"`
	// ReviewNotes is the post-implementation review. An emergency change
	// cannot close without it.
	ReviewNotes  string `json:"review_notes,omitempty"`
	CancelReason string `json:"cancel_reason,omitempty"`

	Problems  []string `json:"problems,omitempty"`  // problems the change fixes, sorted
	Incidents []string `json:"incidents,omitempty"` // incidents the change caused, sorted

	History   []lifecycle.Record `json:"history,omitempty"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

// Plans are the implementation, backout and test plans. Normal changes need
// all three before assessment, emergency changes before authorization;
// standard changes take them from their template.
type Plans struct {
	Implementation string `json:"implementation,omitempty"`
	Backout        string `json:"backout,omitempty"`
	Test           string `json:"test,omitempty"`
}

// Check returns a *lifecycle.ValidationError naming the first missing plan
// ("plans.implementation", "plans.backout", "plans.test"), or nil.
func (p Plans) Check() error {
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

// Approval is one approver's decision.
type Approval struct {
	Approver string    `json:"approver"`
	Decision Decision  `json:"decision"`
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

// Override is the explicit decision to schedule a change despite its
// conflicts.
type Override struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// RiskAssessment records how a change's risk was reached.
type RiskAssessment struct {
	Level         Risk      `json:"level"`                   // the higher of Rules and Questionnaire
	Rules         Risk      `json:"rules"`                   // the rule-based calculator's level
	Matched       []string  `json:"matched,omitempty"`       // "name: reason" of each rule that matched, in rule order
	Questionnaire Risk      `json:"questionnaire,omitempty"` // the questionnaire's level; empty without answers
	Score         int       `json:"score,omitempty"`         // the questionnaire's score
	Template      string    `json:"template,omitempty"`      // set when the level is a standard template's
	At            time.Time `json:"at"`                      // when it was assessed
}

// Clone returns a deep copy of c. A nil c gives nil.
func (c *Change) Clone() *Change {
	if c == nil {
		return nil
	}
	d := *c
	d.ConfigItems = slices.Clone(c.ConfigItems)
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
	*c = x
	return nil
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
	for _, a := range c.Approvals {
		if a.Decision == "" {
			return lifecycle.Invalid("approvals.decision", "a decision is required")
		}
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
	return c.Authority.Status(c.Approvals) == Approved
}

// Snapshot returns the process-neutral view of the change. Attributes hold
// "type", "risk", "requester", "outcome", "planned_start" and
// "planned_end" (RFC 3339), "conflicts" (a count) and "config_items"
// (comma-separated), when set.
func (c *Change) Snapshot() lifecycle.Snapshot {
	s := lifecycle.Snapshot{
		State:    string(c.State),
		Title:    c.Title,
		Group:    c.Group,
		Assignee: c.Assignee,
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
