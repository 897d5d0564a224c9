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
		followUp.For(Process, eventOpen),
		anyone.For(Process, string(EventAssess)),
		anyone.For(Process, string(EventConfirm)),
		anyone.For(Process, string(EventMarkDuplicate)),
		anyone.For(Process, string(EventCancel)),
		anyone.For(Process, string(EventStartFix)),
		anyone.For(Process, string(EventAcceptRisk)),
		followUp.For(Process, string(EventResolve)),
		anyone.For(Process, string(EventComplete)),
		lifecycle.Rule{Roles: []string{RoleProblemManager}}.For(Process, string(EventReanalyze)),
		anyone.For(Process, string(EventAssign)),
		anyone.For(Process, string(EventUpdate)),
		anyone.For(Process, string(EventWorkNote)),
		followUp.For(Process, string(EventLinkIncident)),
		anyone.For(Process, string(EventUnlinkIncident)),
		anyone.For(Process, string(EventLinkChange)),
		anyone.For(Process, string(EventRecordKnownError)),
		lifecycle.Rule{Roles: []string{lifecycle.RoleDataProtection}}.For(Process, lifecycle.EventRedact),
	}
}

// EventOf returns the event cmd fires: the event its history record
// carries and the access rules guard. A nil cmd has none ("").
func EventOf(cmd Command) Event {
	if lifecycle.NilCommand(cmd) != nil {
		return ""
	}
	return cmd.event()
}
