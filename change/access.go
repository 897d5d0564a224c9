package change

import "github.com/itsmkit/itsm/lifecycle"

// eventCreate is the event of a change's first history record.
const eventCreate = "create"

// AccessRules returns the change process's default access rules: one rule
// per event, creation and redaction included, in the order of [Events].
// A redaction needs [lifecycle.RoleDataProtection]; any actor may fire
// the other events. Who may approve or reject (the approvers a change's
// type and risk name, never the requester) and who may schedule despite
// conflicts ([RoleChangeManager]) depend on the change, and stay the
// commands' own rules. [lifecycle.System] may fire the library's own
// follow-up: scheduling a change once its approvals authorize it. A
// [Service] whose Config names no policy applies them; a host extends or
// replaces them by building its own [lifecycle.AccessPolicy] from them.
// Each call returns a new slice.
func AccessRules() []lifecycle.Rule {
	anyone := lifecycle.Rule{Anyone: true}
	rules := []lifecycle.Rule{anyone.For(Process, eventCreate)}
	for _, ev := range allEvents {
		r := anyone
		if ev == EventSchedule {
			r.System = true
		}
		rules = append(rules, r.For(Process, string(ev)))
	}
	return append(rules, lifecycle.Rule{Roles: []string{lifecycle.RoleDataProtection}}.For(Process, lifecycle.EventRedact))
}

// EventOf returns the event cmd fires: the event its history record
// carries and the access rules guard. A nil cmd has none ("").
func EventOf(cmd Command) Event {
	if lifecycle.NilCommand(cmd) != nil {
		return ""
	}
	return cmd.event()
}
