package request

import (
	"encoding/json"
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
	// counted as the [Approval]'s Decide says.
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
	Decide lifecycle.Consent `json:"decide,omitempty"`
	// Quorum is the number of approvals needed under
	// [lifecycle.ConsentQuorum], at least 1 (and zero under the other
	// consents).
	Quorum int `json:"quorum,omitempty"`
}

// UnmarshalJSON decodes the policy, reporting a bad decide value under
// the name "decide".
func (a *Approval) UnmarshalJSON(b []byte) error {
	type plain Approval
	return lifecycle.Renamed(json.Unmarshal(b, (*plain)(a)), "consent", "decide")
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
	if _, err := lifecycle.ParseEnum("approval.decide", lifecycle.Consents(), string(a.Decide)); err != nil {
		return err
	}
	switch {
	case a.Decide == lifecycle.ConsentQuorum && a.Quorum < 1:
		return lifecycle.Invalid("approval.quorum", "decide quorum needs a quorum of at least 1, not %d", a.Quorum)
	case a.Decide != lifecycle.ConsentQuorum && a.Quorum != 0:
		return lifecycle.Invalid("approval.quorum", "a quorum is only meaningful with decide quorum")
	}
	return nil
}
