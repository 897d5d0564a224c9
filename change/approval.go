package change

import (
	"encoding/json"
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
// nor count toward the policy. The counting is the kernel's
// [lifecycle.Panel] (see [Authority.Panel]), with a veto: under every
// policy a single rejection rejects the change, which returns to new with
// its approvals cleared.
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
	Policy lifecycle.Consent `json:"policy"`
	// Quorum is the number of approvals needed under ConsentQuorum (zero
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
		{Name: "CAB", Types: []Type{Normal}, Role: RoleChangeManager, Policy: lifecycle.ConsentAny},
		{Name: "ECAB", Types: []Type{Emergency}, Role: RoleECAB, Policy: lifecycle.ConsentAny},
	}
}

// UnmarshalJSON decodes the authority, reporting a bad policy under the
// name "policy".
func (a *Authority) UnmarshalJSON(b []byte) error {
	type plain Authority
	return lifecycle.Renamed(json.Unmarshal(b, (*plain)(a)), "consent", "policy")
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
	case lifecycle.ConsentAny:
	case lifecycle.ConsentAll:
		if a.Role != "" || len(a.Approvers) == 0 {
			return lifecycle.Invalid(field("policy"), "policy all needs named approvers and no role (a role's holders cannot be counted)")
		}
	case lifecycle.ConsentQuorum:
		if a.Quorum < 1 {
			return lifecycle.Invalid(field("quorum"), "policy quorum needs a quorum of at least 1")
		}
		if a.Role == "" && a.Quorum > len(a.Approvers) {
			return lifecycle.Invalid(field("quorum"), "quorum %d exceeds the %d named approvers", a.Quorum, len(a.Approvers))
		}
	default:
		return lifecycle.Invalid(field("policy"), "unknown policy %q (valid: any, all, quorum)", a.Policy)
	}
	if a.Policy != lifecycle.ConsentQuorum && a.Quorum != 0 {
		return lifecycle.Invalid(field("quorum"), "a quorum is only meaningful with policy quorum")
	}
	if len(a.Excluded) > 0 {
		return lifecycle.Invalid(field("excluded"), "excluded actors are set per change when approval is requested, not configured")
	}
	return nil
}

// Panel returns the authority as the kernel counts it: its members, its
// policy and its exclusions, with a veto.
func (a Authority) Panel() lifecycle.Panel {
	return lifecycle.Panel{Approvers: slices.Clone(a.Approvers), Role: a.Role, Consent: a.Policy,
		Quorum: a.Quorum, Excluded: slices.Clone(a.Excluded), Veto: true}
}

// Attainable returns nil when the eligible approvers can meet the policy
// (see [lifecycle.Panel.Shortfall]), and otherwise a
// *lifecycle.ValidationError for the field "authority" naming the
// authority.
func (a Authority) Attainable() error {
	p := a.Panel()
	short := p.Shortfall()
	if short == 0 {
		return nil
	}
	eligible := len(p.Eligible())
	return lifecycle.Invalid("authority", "change authority %s cannot authorize this change: %d of its named approvers may decide (%s cannot approve what they requested or opened) and %s needs %d",
		a.Name, eligible, strings.Join(a.Excluded, ", "), a.policyName(), eligible+short)
}

func (a Authority) policyName() string {
	if a.Policy == lifecycle.ConsentQuorum {
		return fmt.Sprintf("quorum %d", a.Quorum)
	}
	return "policy " + string(a.Policy)
}

// String describes the authority, e.g. `CAB (role "change-manager", any)`.
func (a Authority) String() string {
	p := string(a.Policy)
	if a.Policy == lifecycle.ConsentQuorum {
		p = fmt.Sprintf("quorum %d", a.Quorum)
	}
	return a.Name + " (" + a.Panel().Members() + ", " + p + ")"
}
