package lifecycle

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Consent says how a [Panel]'s approvals decide. Its text form is its
// name ("quorum"); unknown names are rejected when text or JSON is
// decoded.
type Consent string

// The consents.
const (
	// ConsentAny approves at the first approval.
	ConsentAny Consent = "any"
	// ConsentAll approves once every eligible named approver has
	// approved.
	ConsentAll Consent = "all"
	// ConsentQuorum approves once the panel's Quorum of distinct
	// approvers have approved.
	ConsentQuorum Consent = "quorum"
)

var consents = []Consent{ConsentAny, ConsentAll, ConsentQuorum}

// Consents returns every consent.
func Consents() []Consent { return slices.Clone(consents) }

// String returns the consent's name, e.g. "all".
func (c Consent) String() string { return string(c) }

// Valid reports whether c is one of [Consents].
func (c Consent) Valid() bool { return slices.Contains(consents, c) }

// MarshalText returns the consent's name, or a *ValidationError for an
// unknown one.
func (c Consent) MarshalText() ([]byte, error) { return MarshalEnum("consent", consents, c) }

// UnmarshalText parses a consent's name, rejecting unknown names (the
// empty one included) with a *ValidationError.
func (c *Consent) UnmarshalText(b []byte) error {
	v, err := ParseEnum("consent", consents, string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Decision is an approver's answer: approved or rejected. Its text form
// is its name; unknown names are rejected when text or JSON is decoded.
type Decision string

// The decisions.
const (
	Approved Decision = "approved"
	Rejected Decision = "rejected"
)

var decisions = []Decision{Approved, Rejected}

// Decisions returns both decisions.
func Decisions() []Decision { return slices.Clone(decisions) }

// String returns the decision's name.
func (d Decision) String() string { return string(d) }

// MarshalText returns the decision's name, or a *ValidationError for an
// unknown one.
func (d Decision) MarshalText() ([]byte, error) { return MarshalEnum("decision", decisions, d) }

// UnmarshalText parses a decision's name, rejecting unknown names with a
// *ValidationError.
func (d *Decision) UnmarshalText(b []byte) error {
	v, err := ParseEnum("decision", decisions, string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Vote is one approver's decision, recorded on the record it decides.
//
// JSON: {"approver": "carol", "decision": "approved", "comment": "...",
// "at": "2026-03-02T10:00:00Z"}. Decoding also reads the form
// {"approved": true, "time": ...} that service requests store.
type Vote struct {
	// Approver is the deciding actor's ID.
	Approver string `json:"approver"`
	// Decision is approved or rejected.
	Decision Decision `json:"decision"`
	// Comment is the approver's comment.
	Comment string `json:"comment,omitempty"`
	// At is when the decision was taken.
	At time.Time `json:"at"`
}

// UnmarshalJSON decodes a vote in either stored form (see [Vote]).
func (v *Vote) UnmarshalJSON(b []byte) error {
	type plain Vote
	var w struct {
		plain
		Approved *bool     `json:"approved"`
		Time     time.Time `json:"time"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	out := Vote(w.plain)
	if w.Approved != nil {
		if out.Decision != "" {
			return Invalid("approved", "a vote has either a decision or approved, not both")
		}
		out.Decision = Rejected
		if *w.Approved {
			out.Decision = Approved
		}
	}
	if out.At.IsZero() {
		out.At = w.Time
	}
	if out.Decision == "" {
		return Invalid("decision", "a vote needs a decision (approved or rejected)")
	}
	*v = out
	return nil
}

// Panel is who decides on one approval and how their decisions count:
// the authority model that change authorities and service request
// approvals share.
//
// Membership is a list of named Approvers (actor IDs), a Role, or both
// (an actor qualifies by either). Excluded actors never decide and never
// count, whatever the membership says: the requester of a change and
// whoever opened it, or the requester of a service request and the
// person it is for.
//
// A rejection decides at once under [ConsentAny] and [ConsentAll]. Under
// [ConsentQuorum] it decides once the eligible approvers who have not
// decided cannot make up the quorum, or at once with Veto or when
// a Role makes the panel's size unknown.
type Panel struct {
	Approvers []string // the named approvers (actor IDs)
	Role      string   // when set, its holders are approvers too
	Consent   Consent
	Quorum    int      // approvals needed under ConsentQuorum
	Excluded  []string // who may not decide on this one approval
	Veto      bool     // any rejection decides, under every consent
}

// Exclude returns p with ids (the empty ones aside) among its Excluded,
// each once.
func (p Panel) Exclude(ids ...string) Panel {
	p.Excluded = slices.Clone(p.Excluded)
	for _, id := range ids {
		if id != "" && !slices.Contains(p.Excluded, id) {
			p.Excluded = append(p.Excluded, id)
		}
	}
	return p
}

// Member reports whether actor belongs to the panel: named as an
// approver or holding its role. It does not consult Excluded; see
// [Panel.Admit].
func (p Panel) Member(actor Actor) bool {
	return slices.Contains(p.Approvers, actor.ID) || (p.Role != "" && actor.HasRole(p.Role))
}

// Eligible returns the named approvers who may decide: Approvers
// without the Excluded ones and without repeats, in order. Holders of
// Role are eligible too (unless excluded) but cannot be listed.
func (p Panel) Eligible() []string {
	out := make([]string, 0, len(p.Approvers))
	for _, id := range p.Approvers {
		if !slices.Contains(p.Excluded, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Admit returns nil when actor may decide now, given the votes cast
// already: a *ForbiddenError for action when actor is excluded or not a
// member, and a *ValidationError for the field "approver" when actor has
// decided already (each approver decides once).
func (p Panel) Admit(actor Actor, action string, votes []Vote) error {
	switch {
	case slices.Contains(p.Excluded, actor.ID):
		return &ForbiddenError{Actor: actor.ID, Action: action,
			Reason: "the requester, whoever opened it and whoever it is for cannot approve it"}
	case !p.Member(actor):
		return &ForbiddenError{Actor: actor.ID, Action: action, Reason: "not an approver (" + p.Members() + ")"}
	case slices.ContainsFunc(votes, func(v Vote) bool { return v.Approver == actor.ID }):
		return Invalid("approver", "%s has decided already", actor.ID)
	}
	return nil
}

// Members describes the membership, e.g. `approvers carol, dave or role
// "change-manager"`.
func (p Panel) Members() string {
	var parts []string
	if len(p.Approvers) > 0 {
		parts = append(parts, "approvers "+strings.Join(p.Approvers, ", "))
	}
	if p.Role != "" {
		parts = append(parts, `role "`+p.Role+`"`)
	}
	if len(parts) == 0 {
		return "nobody"
	}
	return strings.Join(parts, " or ")
}

// Needed returns how many approvals the consent requires: 1 under any,
// every eligible named approver under all, the quorum under quorum;
// never less than 1.
func (p Panel) Needed() int {
	switch p.Consent {
	case ConsentAll:
		return max(1, len(p.Eligible()))
	case ConsentQuorum:
		return max(1, p.Quorum)
	}
	return 1
}

// Shortfall returns how many more eligible approvers the consent needs
// than the panel has: 0 when its approvals can be met. Holders of Role
// cannot be counted, so a panel with a role falls short only under all,
// which counts named approvers alone.
func (p Panel) Shortfall() int {
	if p.Role != "" && p.Consent != ConsentAll {
		return 0
	}
	need := p.Needed()
	if p.Consent == ConsentAll && len(p.Eligible()) > 0 {
		return 0
	}
	return max(0, need-len(p.Eligible()))
}

// Decided reports whether votes decide the approval, and if so whether
// they approve it. Only each approver's first vote counts, none by an
// Excluded actor, and under all only the named approvers' ([Panel.Admit]
// keeps non-members from voting; see [Panel] for when a rejection
// decides).
func (p Panel) Decided(votes []Vote) (done, approved bool) {
	seen := make(map[string]bool, len(votes))
	yes, no := 0, 0
	for _, v := range votes {
		if seen[v.Approver] || slices.Contains(p.Excluded, v.Approver) {
			continue
		}
		seen[v.Approver] = true
		if p.Consent == ConsentAll && !slices.Contains(p.Approvers, v.Approver) {
			continue
		}
		if v.Decision == Approved {
			yes++
		} else {
			no++
		}
	}
	need := p.Needed()
	switch {
	case no > 0 && (p.Veto || p.Consent != ConsentQuorum || p.Role != ""):
		return true, false
	case no > 0 && len(p.Eligible())-no < need:
		return true, false
	case yes >= need:
		return true, true
	}
	return false, false
}
