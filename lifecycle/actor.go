package lifecycle

import "slices"

// Actor is whoever performs an operation: a person, a team's bot, or the
// library itself (see [System]). Roles gate operations such as accepting a
// major incident or approving a change.
type Actor struct {
	ID    string   `json:"id"`
	Roles []string `json:"roles,omitempty"`
}

// System is the actor the library uses for work it does on its own, such as
// auto-closing resolved incidents or reacting to another process's events.
var System = Actor{ID: "system", Roles: []string{RoleSystem}}

// RoleSystem is held by [System]. Role-gated operations accept it.
const RoleSystem = "system"

// HasRole reports whether the actor holds role. [RoleSystem] holds every role.
func (a Actor) HasRole(role string) bool {
	return slices.Contains(a.Roles, role) || slices.Contains(a.Roles, RoleSystem)
}

// Validate returns a *ValidationError for the field "actor" when the actor
// has no ID.
func (a Actor) Validate() error {
	if a.ID == "" {
		return Invalid("actor", "an actor ID is required")
	}
	return nil
}

// Require returns a *ForbiddenError unless the actor holds role.
func (a Actor) Require(role, action string) error {
	if a.HasRole(role) {
		return nil
	}
	return &ForbiddenError{Actor: a.ID, Action: action, Reason: "needs role " + `"` + role + `"`}
}
