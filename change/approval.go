package change

import (
	"fmt"
	"slices"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Roles the package's defaults use.
const (
	// RoleChangeManager approves normal changes under [DefaultAuthorities]
	// and is needed to schedule a change despite its conflicts.
	RoleChangeManager = "change-manager"
	// RoleECAB marks members of the emergency change advisory board, who
	// approve emergency changes under [DefaultAuthorities].
	RoleECAB = "ecab"
)

// Authority is a change authority: who approves the changes of some types
// and risk levels, and when their decisions authorize the change.
//
// Membership is either a list of named Approvers (actor IDs), a Role, or
// both (an actor qualifies by either). The requester of a change and the
// actor who opened it are never among its approvers, whatever the
// membership says: when approval is requested they are recorded in
// Excluded on the change's copy of the authority, and they neither decide
// nor count toward the policy.
type Authority struct {
	// Name identifies the authority, e.g. "CAB" or "ECAB".
	Name string `json:"name"`
	// Types are the change types it authorizes (normal, emergency).
	Types []Type `json:"types"`
	// Risks are the risk levels it covers; empty means every level.
	Risks []Risk `json:"risks,omitempty"`
	// Approvers are its named approvers (actor IDs).
	Approvers []string `json:"approvers,omitempty"`
	// Role, when set, makes every holder of the role an approver too.
	Role string `json:"role,omitempty"`
	// Policy says when the approvals authorize the change.
	Policy Policy `json:"policy"`
	// Quorum is the number of approvals needed under PolicyQuorum (zero
	// under the other policies).
	Quorum int `json:"quorum,omitempty"`
	// Excluded are the actors who may not decide on one particular change:
	// its requester and the actor who opened it, sorted. The change's copy
	// of the authority gets them when approval is requested; a configured
	// authority (in [Rules]) leaves it empty.
	Excluded []string `json:"excluded,omitempty"`
}

// DefaultAuthorities returns the authorities used when [Rules] has none:
// normal changes of any risk are authorized by one holder of
// [RoleChangeManager] (the "CAB", policy any), emergency changes by one
// holder of [RoleECAB] (the "ECAB", policy any). Standard changes are
// pre-authorized and need no authority.
func DefaultAuthorities() []Authority {
	return []Authority{
		{Name: "CAB", Types: []Type{Normal}, Role: RoleChangeManager, Policy: PolicyAny},
		{Name: "ECAB", Types: []Type{Emergency}, Role: RoleECAB, Policy: PolicyAny},
	}
}

// Clone returns a deep copy of a.
func (a Authority) Clone() Authority {
	a.Types = slices.Clone(a.Types)
	a.Risks = slices.Clone(a.Risks)
	a.Approvers = slices.Clone(a.Approvers)
	a.Excluded = slices.Clone(a.Excluded)
	return a
}

// Covers reports whether a authorizes changes of type t at risk r.
func (a Authority) Covers(t Type, r Risk) bool {
	return slices.Contains(a.Types, t) && (len(a.Risks) == 0 || slices.Contains(a.Risks, r))
}

// Validate checks the authority and returns a *lifecycle.ValidationError
// naming the first problem.
func (a Authority) Validate() error {
	if strings.TrimSpace(a.Name) == "" {
		return lifecycle.Invalid("authority.name", "a name is required")
	}
	field := func(f string) string { return "authority " + a.Name + ": " + f }
	if len(a.Types) == 0 {
		return lifecycle.Invalid(field("types"), "at least one change type is required")
	}
	for _, t := range a.Types {
		if err := checkType(t); err != nil {
			return lifecycle.Invalid(field("types"), "unknown change type %q", t)
		}
		if t == Standard {
			return lifecycle.Invalid(field("types"), "standard changes are pre-authorized and take no authority")
		}
	}
	for _, r := range a.Risks {
		if r.Rank() < 1 {
			return lifecycle.Invalid(field("risks"), "unknown risk level %q", r)
		}
	}
	for _, id := range a.Approvers {
		if strings.TrimSpace(id) == "" {
			return lifecycle.Invalid(field("approvers"), "an empty approver ID is not allowed")
		}
	}
	if len(a.Approvers) == 0 && a.Role == "" {
		return lifecycle.Invalid(field("approvers"), "named approvers or a role are required")
	}
	switch a.Policy {
	case PolicyAny:
	case PolicyAll:
		if a.Role != "" || len(a.Approvers) == 0 {
			return lifecycle.Invalid(field("policy"), "policy all needs named approvers and no role (a role's holders cannot be counted)")
		}
	case PolicyQuorum:
		if a.Quorum < 1 {
			return lifecycle.Invalid(field("quorum"), "policy quorum needs a quorum of at least 1")
		}
		if a.Role == "" && a.Quorum > len(a.Approvers) {
			return lifecycle.Invalid(field("quorum"), "quorum %d exceeds the %d named approvers", a.Quorum, len(a.Approvers))
		}
	default:
		return lifecycle.Invalid(field("policy"), "unknown policy %q (valid: any, all, quorum)", a.Policy)
	}
	if a.Policy != PolicyQuorum && a.Quorum != 0 {
		return lifecycle.Invalid(field("quorum"), "a quorum is only meaningful with policy quorum")
	}
	if len(a.Excluded) > 0 {
		return lifecycle.Invalid(field("excluded"), "excluded actors are set per change when approval is requested, not configured")
	}
	return nil
}

// Member reports whether actor belongs to the authority: named as an
// approver or holding its role. It does not consult Excluded; see
// [Authority.CheckApprover].
func (a Authority) Member(actor lifecycle.Actor) bool {
	return slices.Contains(a.Approvers, actor.ID) || (a.Role != "" && actor.HasRole(a.Role))
}

// Eligible returns the named approvers who may decide: Approvers without
// the Excluded ones, in order. Holders of Role are eligible too (unless
// excluded) but cannot be listed.
func (a Authority) Eligible() []string {
	out := make([]string, 0, len(a.Approvers))
	for _, id := range a.Approvers {
		if !slices.Contains(a.Excluded, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// CheckApprover returns nil when actor may decide on the change this
// authority was resolved for, and a *lifecycle.ForbiddenError otherwise:
// no Excluded actor may (the requester and who opened the change), nor
// may anyone outside the authority.
func (a Authority) CheckApprover(actor lifecycle.Actor) error {
	if slices.Contains(a.Excluded, actor.ID) {
		return &lifecycle.ForbiddenError{Actor: actor.ID, Action: "approve a change",
			Reason: "the requester, or whoever opened the change, cannot approve it"}
	}
	if !a.Member(actor) {
		return &lifecycle.ForbiddenError{Actor: actor.ID, Action: "approve a change", Reason: "not an approver of change authority " + a.Name + " (" + a.describeMembers() + ")"}
	}
	return nil
}

func (a Authority) describeMembers() string {
	var parts []string
	if len(a.Approvers) > 0 {
		parts = append(parts, "approvers "+strings.Join(a.Approvers, ", "))
	}
	if a.Role != "" {
		parts = append(parts, `role "`+a.Role+`"`)
	}
	return strings.Join(parts, " or ")
}

// Needed returns how many approvals the policy requires: 1 under any,
// every eligible named approver (see [Authority.Eligible]) under all, the
// quorum under quorum; never less than 1.
func (a Authority) Needed() int {
	switch a.Policy {
	case PolicyAll:
		return max(1, len(a.Eligible()))
	case PolicyQuorum:
		return max(1, a.Quorum)
	default:
		return 1
	}
}

// Attainable returns nil when the eligible approvers can meet the policy,
// and otherwise a *lifecycle.ValidationError for the field "authority"
// naming the authority: under all, no named approver is eligible; under
// quorum N or any without a role, fewer than N (or 1) are. With a role
// the holders cannot be counted, so quorum and any are taken as
// attainable.
func (a Authority) Attainable() error {
	eligible := len(a.Eligible())
	need := 0
	switch a.Policy {
	case PolicyAll:
		need = 1
	case PolicyQuorum:
		if a.Role == "" {
			need = a.Quorum
		}
	default:
		if a.Role == "" {
			need = 1
		}
	}
	if eligible >= need {
		return nil
	}
	return lifecycle.Invalid("authority", "change authority %s cannot authorize this change: %d of its named approvers may decide (%s cannot approve what they requested or opened) and %s needs %d",
		a.Name, eligible, strings.Join(a.Excluded, ", "), a.policyName(), need)
}

// Status returns the outcome of decisions under a's policy: Rejected as
// soon as any counted decision is a rejection, Approved once the policy
// is met, and "" while approval is pending. Only one decision per
// approver counts (the first), and none by an Excluded actor; under all,
// only the eligible named approvers' approvals count.
func (a Authority) Status(decisions []Approval) Decision {
	seen := make(map[string]bool, len(decisions))
	approved := 0
	for _, d := range decisions {
		if seen[d.Approver] || slices.Contains(a.Excluded, d.Approver) {
			continue
		}
		seen[d.Approver] = true
		switch d.Decision {
		case Rejected:
			return Rejected
		case Approved:
			if a.Policy == PolicyAll && !slices.Contains(a.Approvers, d.Approver) {
				continue
			}
			approved++
		}
	}
	if approved >= a.Needed() {
		return Approved
	}
	return ""
}

func (a Authority) policyName() string {
	if a.Policy == PolicyQuorum {
		return fmt.Sprintf("quorum %d", a.Quorum)
	}
	return "policy " + string(a.Policy)
}

// String describes the authority, e.g. `CAB (role "change-manager", any)`.
func (a Authority) String() string {
	p := string(a.Policy)
	if a.Policy == PolicyQuorum {
		p = fmt.Sprintf("quorum %d", a.Quorum)
	}
	return a.Name + " (" + a.describeMembers() + ", " + p + ")"
}
