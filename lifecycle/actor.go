package lifecycle

import (
	"slices"
	"unicode/utf8"
)

// Actor is whoever performs an operation: a person, a team's bot, or the
// library itself (see [System]). Roles gate operations such as accepting a
// major incident or approving a change.
//
// Trust boundary: the library believes the Actor it is given. Hosts
// authenticate the caller and build the Actor themselves. No Actor they
// build is [System], whatever its ID and roles; a host still refuses a
// request that claims to be it (see [Actor.ClaimsSystem]).
type Actor struct {
	// ID identifies the actor (a user name, a bot's name, "system"). It is
	// required by every operation and recorded in the audit history.
	ID string `json:"id"`
	// Roles are the roles the host granted the actor, e.g.
	// "major-incident-manager" or [RoleServiceOwner]. Never copy them
	// from an untrusted request without filtering out [RoleSystem].
	Roles []string `json:"roles,omitempty"`
	// Groups are the assignment groups the actor belongs to, as the host's
	// directory says: an [AccessPolicy] reads them for
	// [RelationGroupMember] when it has no Members of its own.
	Groups []string `json:"groups,omitempty"`
	// Tenants are the tenants (companies, organisations) the actor acts
	// in. An [AccessPolicy] that keeps tenants apart lets it read,
	// change and create only those tenants' records; an actor with none
	// acts only on the records that carry no tenant.
	Tenants []string `json:"tenants,omitempty"`

	// system marks [System]: no Actor built outside this package, and no
	// Actor decoded from JSON, carries it.
	system bool
}

// System is the actor the library uses for work it does on its own, such as
// auto-closing resolved incidents or reacting to another process's events.
// It holds every role, but an [AccessPolicy] lets it fire only the events
// its rules let System fire (see [Rule].System): the processes' default
// rules name the library's own follow-ups. Hosts must never act as System
// on behalf of a user, nor accept an actor with its ID or role from a
// request.
var System = Actor{ID: "system", Roles: []string{RoleSystem}, system: true}

// In returns a acting in tenant alone ("" being the records with no
// tenant): the actor of a follow-up, which stays in the tenant of the
// record it follows from, whoever asked for it and whatever else they
// may act in.
func (a Actor) In(tenant string) Actor {
	a.Tenants = []string{tenant}
	return a
}

// IsSystem reports whether a is [System] itself: the library's own actor,
// as only this package can build it. An actor that merely has System's ID
// or holds [RoleSystem] is not.
func (a Actor) IsSystem() bool { return a.system }

// RoleSystem is the role [System] lists. It grants nothing by itself:
// only System holds every role ([Actor.HasRole]). A host still strips or
// refuses it on any actor built from user input (an HTTP header, a JSON
// body, a token claim the user controls), as [Actor.ClaimsSystem] tells.
const RoleSystem = "system"

// HasRole reports whether the actor holds role. [System] holds every
// role; an actor that merely carries [RoleSystem] or System's ID holds
// only the roles it lists.
func (a Actor) HasRole(role string) bool {
	return a.system || slices.Contains(a.Roles, role)
}

// ClaimsSystem reports whether the actor holds [RoleSystem] or has
// [System]'s ID. A host calls it on every actor it builds from a request
// and refuses the request when it reports true: only the library's own
// automated work may act as the system.
func (a Actor) ClaimsSystem() bool {
	return a.ID == System.ID || slices.Contains(a.Roles, RoleSystem)
}

// Validate returns a *ValidationError for the field "actor" when the actor
// has no ID.
func (a Actor) Validate() error {
	if a.ID == "" {
		return Invalid("actor", "an actor ID is required")
	}
	if n := utf8.RuneCountInString(a.ID); n > MaxNameLength {
		return Invalid("actor", "an actor ID of %d characters, longer than the %d allowed", n, MaxNameLength)
	}
	return nil
}

// Require returns a *ForbiddenError unless the actor holds role (which
// [System] does).
func (a Actor) Require(role, action string) error {
	if a.HasRole(role) {
		return nil
	}
	return &ForbiddenError{Actor: a.ID, Action: action, Reason: "needs role " + `"` + role + `"`}
}
