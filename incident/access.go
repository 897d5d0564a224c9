package incident

import "github.com/itsmkit/itsm/lifecycle"

// AccessRules returns the incident process's default access rules: one
// rule per event, opening and redaction included, in the order of
// [Events]. Accepting and rejecting a major incident needs
// [RoleMajorIncidentManager]; a redaction needs
// [lifecycle.RoleDataProtection]; any actor may fire the other events.
// [lifecycle.System] may fire the library's own follow-ups: the
// auto-close, the SLA reactions (escalations), a problem's settling of its
// incidents (resolve, resume, link_problem), a change's links and a known
// error's workaround (work_note). A [Service] whose Config names no
// policy applies them; a host extends or replaces them by building its
// own [lifecycle.AccessPolicy] from them. Each call returns a new slice.
func AccessRules() []lifecycle.Rule {
	anyone := lifecycle.Rule{Anyone: true}
	followUp := lifecycle.Rule{Anyone: true, System: true}
	manager := lifecycle.Rule{Roles: []string{RoleMajorIncidentManager}}
	return []lifecycle.Rule{
		anyone.For(Process, eventOpen),
		anyone.For(Process, string(EventAssign)),
		followUp.For(Process, string(EventEscalateFunctional)),
		followUp.For(Process, string(EventEscalateHierarchical)),
		anyone.For(Process, string(EventHold)),
		followUp.For(Process, string(EventResume)),
		followUp.For(Process, string(EventResolve)),
		anyone.For(Process, string(EventReopen)),
		followUp.For(Process, string(EventClose)),
		anyone.For(Process, string(EventCancel)),
		anyone.For(Process, string(EventUpdate)),
		anyone.For(Process, string(EventComment)),
		followUp.For(Process, string(EventWorkNote)),
		anyone.For(Process, string(EventCallerUpdate)),
		anyone.For(Process, string(EventProposeMajor)),
		manager.For(Process, string(EventAcceptMajor)),
		manager.For(Process, string(EventRejectMajor)),
		anyone.For(Process, string(EventSetParent)),
		followUp.For(Process, string(EventLinkProblem)),
		anyone.For(Process, string(EventUnlinkProblem)),
		followUp.For(Process, string(EventLinkChange)),
		anyone.For(Process, string(EventUnlinkChange)),
		lifecycle.Rule{Roles: []string{lifecycle.RoleDataProtection}}.For(Process, lifecycle.EventRedact),
	}
}

// EventOf returns the event cmd fires first: the event its history
// record carries and the access rules guard. A nil cmd has none ("").
func EventOf(cmd Command) Event {
	if lifecycle.NilCommand(cmd) != nil {
		return ""
	}
	return cmd.event()
}
