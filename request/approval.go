package request

import (
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// ApprovalPolicy says who approves an order of a catalogue item. Its text
// form is its name ("manager"); unknown names are rejected when text or
// JSON is decoded.
type ApprovalPolicy string

// The approval policies.
const (
	// ApprovalNone needs no approval: an order goes straight to
	// fulfilment.
	ApprovalNone ApprovalPolicy = "none"
	// ApprovalManager needs the approval of the manager of the person the
	// item is for; the host says who that is.
	ApprovalManager ApprovalPolicy = "manager"
	// ApprovalGroup needs the approvals of the members of a named group,
	// counted as the [Approval]'s [Decision] says.
	ApprovalGroup ApprovalPolicy = "group"
)

var approvalPolicies = []ApprovalPolicy{ApprovalNone, ApprovalManager, ApprovalGroup}

// ApprovalPolicies returns every approval policy.
func ApprovalPolicies() []ApprovalPolicy { return slices.Clone(approvalPolicies) }

// String returns the policy's name, e.g. "group".
func (p ApprovalPolicy) String() string { return string(p) }

// Valid reports whether p is one of [ApprovalPolicies].
func (p ApprovalPolicy) Valid() bool { return slices.Contains(approvalPolicies, p) }

// MarshalText returns the policy's name, or a *lifecycle.ValidationError
// for an unknown policy.
func (p ApprovalPolicy) MarshalText() ([]byte, error) {
	return lifecycle.MarshalEnum("policy", approvalPolicies, p)
}

// UnmarshalText parses a policy's name, rejecting unknown names (the
// empty one included) with a *lifecycle.ValidationError.
func (p *ApprovalPolicy) UnmarshalText(b []byte) error {
	v, err := lifecycle.ParseEnum("policy", approvalPolicies, string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Decision says how a group's approvals decide an order. Its spellings are
// those of change.Policy ("all", "any", "quorum"). Its text form is its
// name; unknown names are rejected when text or JSON is decoded.
type Decision string

// The decisions.
const (
	// DecisionAll approves when every member of the group has approved.
	DecisionAll Decision = "all"
	// DecisionAny approves when one member has approved.
	DecisionAny Decision = "any"
	// DecisionQuorum approves when the [Approval]'s Quorum of members
	// have approved.
	DecisionQuorum Decision = "quorum"
)

var decisions = []Decision{DecisionAll, DecisionAny, DecisionQuorum}

// Decisions returns every decision.
func Decisions() []Decision { return slices.Clone(decisions) }

// String returns the decision's name, e.g. "quorum".
func (d Decision) String() string { return string(d) }

// Valid reports whether d is one of [Decisions].
func (d Decision) Valid() bool { return slices.Contains(decisions, d) }

// MarshalText returns the decision's name, or a *lifecycle.ValidationError
// for an unknown decision.
func (d Decision) MarshalText() ([]byte, error) {
	return lifecycle.MarshalEnum("decide", decisions, d)
}

// UnmarshalText parses a decision's name, rejecting unknown names (the
// empty one included) with a *lifecycle.ValidationError.
func (d *Decision) UnmarshalText(b []byte) error {
	v, err := lifecycle.ParseEnum("decide", decisions, string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Approval is a catalogue item's approval policy: a definition of who
// approves its orders and how their decisions count, not the approving
// itself. The policy is always spelled out, [ApprovalNone] included, so
// that an item that forgets its policy is refused rather than taken to
// need no approval.
//
// JSON: {"policy": "group", "group": "finance-approvers", "decide":
// "quorum", "quorum": 2}.
type Approval struct {
	// Policy says who approves. Required.
	Policy ApprovalPolicy `json:"policy"`
	// Group names the approving group under [ApprovalGroup] (and is empty
	// under the other policies).
	Group string `json:"group,omitempty"`
	// Decide says how the group's approvals count under [ApprovalGroup]
	// (and is empty under the other policies).
	Decide Decision `json:"decide,omitempty"`
	// Quorum is the number of approvals needed under [DecisionQuorum],
	// at least 1 (and zero under the other decisions).
	Quorum int `json:"quorum,omitempty"`
}

// Validate reports the first problem with the approval policy as a
// *lifecycle.ValidationError naming the field: "approval.policy" when it
// is missing or unknown, "approval.group" and "approval.decide" when a
// group policy lacks them (or another policy sets them), and
// "approval.quorum" when a quorum decision has no quorum of at least 1 or
// another decision sets one.
func (a Approval) Validate() error {
	if a.Policy == "" {
		return lifecycle.Invalid("approval.policy", "a policy is required (none, manager or group)")
	}
	if _, err := lifecycle.ParseEnum("approval.policy", approvalPolicies, string(a.Policy)); err != nil {
		return err
	}
	if a.Policy != ApprovalGroup {
		switch {
		case a.Group != "":
			return lifecycle.Invalid("approval.group", "only policy group names a group, not %s", a.Policy)
		case a.Decide != "":
			return lifecycle.Invalid("approval.decide", "only policy group decides by all, any or quorum, not %s", a.Policy)
		case a.Quorum != 0:
			return lifecycle.Invalid("approval.quorum", "a quorum is only meaningful with decide quorum")
		}
		return nil
	}
	if err := checkText("approval.group", a.Group, lifecycle.MaxNameLength, true); err != nil {
		return err
	}
	if a.Decide == "" {
		return lifecycle.Invalid("approval.decide", "policy group needs a decision (all, any or quorum)")
	}
	if _, err := lifecycle.ParseEnum("approval.decide", decisions, string(a.Decide)); err != nil {
		return err
	}
	switch {
	case a.Decide == DecisionQuorum && a.Quorum < 1:
		return lifecycle.Invalid("approval.quorum", "decide quorum needs a quorum of at least 1, not %d", a.Quorum)
	case a.Decide != DecisionQuorum && a.Quorum != 0:
		return lifecycle.Invalid("approval.quorum", "a quorum is only meaningful with decide quorum")
	}
	return nil
}
