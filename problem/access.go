package problem

import "github.com/itsmkit/itsm/lifecycle"

// eventOpen is the event of a problem's first history record.
const eventOpen = "open"

// AccessRules returns the problem process's default access rules: one
// rule per event, opening and redaction included, in the order of
// [Events]. Reanalyzing needs [RoleProblemManager]; a redaction needs
// [lifecycle.RoleDataProtection]; any actor may fire the other events.
// [lifecycle.System] may fire the library's own follow-ups: the
// reactor's opening of a problem for an incident and its resolving of a
// problem a change fixed, and linking a duplicate's incidents to the
// original. A [Service] whose Config names no policy applies them; a host
// extends or replaces them by building its own [lifecycle.AccessPolicy]
// from them. Each call returns a new slice.
func AccessRules() []lifecycle.Rule {
	anyone := lifecycle.Rule{Anyone: true}
	followUp := lifecycle.Rule{Anyone: true, System: true}
	return []lifecycle.Rule{
		rule(eventOpen, followUp),
		rule(string(EventAssess), anyone),
		rule(string(EventConfirm), anyone),
		rule(string(EventMarkDuplicate), anyone),
		rule(string(EventCancel), anyone),
		rule(string(EventStartFix), anyone),
		rule(string(EventAcceptRisk), anyone),
		rule(string(EventResolve), followUp),
		rule(string(EventComplete), anyone),
		rule(string(EventReanalyze), lifecycle.Rule{Roles: []string{RoleProblemManager}}),
		rule(string(EventAssign), anyone),
		rule(string(EventUpdate), anyone),
		rule(string(EventWorkNote), anyone),
		rule(string(EventLinkIncident), followUp),
		rule(string(EventUnlinkIncident), anyone),
		rule(string(EventLinkChange), anyone),
		rule(string(EventRecordKnownError), anyone),
		rule(lifecycle.EventRedact, lifecycle.Rule{Roles: []string{lifecycle.RoleDataProtection}}),
	}
}

// rule is r guarding event of the problem process.
func rule(event string, r lifecycle.Rule) lifecycle.Rule {
	r.Process, r.Event = Process, event
	return r
}

// EventOf returns the event cmd fires: the event its history record
// carries and the access rules guard. A nil cmd has none ("").
func EventOf(cmd Command) Event {
	if lifecycle.NilCommand(cmd) != nil {
		return ""
	}
	return cmd.event()
}
