package lifecycle

// The events that create a service and an improvement.
const (
	eventDefine  = "define"
	eventPropose = "propose"
)

// serviceEdits are the events of the service commands that edit a
// service rather than move it, in the order of the commands.
var serviceEdits = []string{"update", "add_agreement", "remove_agreement", "add_config_item", "remove_config_item"}

// PortfolioAccessRules returns the default access rules of the service
// portfolio ([ProcessService]) and the improvement register
// ([ProcessImprovement]): one rule per event, creation included. Phasing
// out, reinstating and retiring a service needs its owner or
// [RoleServiceOwner], and so does changing its owner, which carries that
// right (a field rule of the update, named "service.owner"); any actor may fire the
// other events. No follow-up
// of the library acts on services or improvements, so no rule lets
// [System]. A [Portfolio] whose Config names no policy applies them; a
// host extends or replaces them by building its own [AccessPolicy] from
// them. Each call returns a new slice.
func PortfolioAccessRules() []Rule {
	anyone := Rule{Anyone: true}
	owner := Rule{Roles: []string{RoleServiceOwner}, Relations: []Relation{RelationOwner}}
	rules := []Rule{anyone.For(ProcessService, eventDefine)}
	for _, ev := range serviceEvents {
		r := anyone
		if ev == ServicePhaseOut || ev == ServiceReinstate || ev == ServiceRetire {
			r = owner
		}
		rules = append(rules, r.For(ProcessService, string(ev)))
	}
	for _, ev := range serviceEdits {
		rules = append(rules, anyone.For(ProcessService, ev))
	}
	handOver := owner.For(ProcessService, serviceEdits[0])
	handOver.Name, handOver.Fields = "service.owner", []string{FieldOwner}
	rules = append(rules, handOver, anyone.For(ProcessImprovement, eventPropose))
	for _, ev := range improvementEvents {
		rules = append(rules, anyone.For(ProcessImprovement, string(ev)))
	}
	return rules
}

// ServiceEventOf returns the event cmd fires on a service in status
// from: its machine event, or the edit it makes (its history record's
// event, which the access rules guard); "" when it fires none from there,
// or cmd is nil.
func ServiceEventOf(cmd ServiceCommand, from Status) string {
	if NilCommand(cmd) != nil {
		return ""
	}
	return serviceEvent(cmd, from)
}

// ImprovementEventOf returns the event cmd fires on an improvement; ""
// for a nil cmd.
func ImprovementEventOf(cmd ImprovementCommand) ImprovementEvent {
	if NilCommand(cmd) != nil {
		return ""
	}
	return cmd.event()
}
