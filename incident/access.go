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
		rule(eventOpen, anyone),
		rule(string(EventAssign), anyone),
		rule(string(EventEscalateFunctional), followUp),
		rule(string(EventEscalateHierarchical), followUp),
		rule(string(EventHold), anyone),
		rule(string(EventResume), followUp),
		rule(string(EventResolve), followUp),
		rule(string(EventReopen), anyone),
		rule(string(EventClose), followUp),
		rule(string(EventCancel), anyone),
		rule(string(EventUpdate), anyone),
		rule(string(EventComment), anyone),
		rule(string(EventWorkNote), followUp),
		rule(string(EventCallerUpdate), anyone),
		rule(string(EventProposeMajor), anyone),
		rule(string(EventAcceptMajor), manager),
		rule(string(EventRejectMajor), manager),
		rule(string(EventSetParent), anyone),
		rule(string(EventLinkProblem), followUp),
		rule(string(EventUnlinkProblem), anyone),
		rule(string(EventLinkChange), followUp),
		rule(string(EventUnlinkChange), anyone),
		rule(lifecycle.EventRedact, lifecycle.Rule{Roles: []string{lifecycle.RoleDataProtection}}),
	}
}

// rule is r guarding event of the incident process.
func rule(event string, r lifecycle.Rule) lifecycle.Rule {
	r.Process, r.Event = Process, event
	return r
}

// EventOf returns the event cmd fires first: the event its history
// record carries and the access rules guard. A nil cmd has none ("").
func EventOf(cmd Command) Event {
	if lifecycle.NilCommand(cmd) != nil {
		return ""
	}
	return cmd.event()
}
