package request

import "github.com/itsmkit/itsm/lifecycle"

// eventOrder is the event of a request's first history record.
const eventOrder = "order"

// commandEvents lists the events of the commands, in the order of the
// package's documentation.
var commandEvents = []Command{Approve{}, Reject{}, AskRequester{}, Answer{}, AssignTask{}, StartTask{}, CloseTask{}, CloseItem{}, CancelItem{}, Cancel{}}

// AccessRules returns the request process's default access rules: one
// rule per event of its history records, the order first, in the order of
// [Events]. Any actor but [lifecycle.System] may fire each of them: the
// commands check who decides themselves, as their documentation says (an
// approval or a rejection is one of the item's approvers', an answer the
// requester's or the person the request is for). A [Service] whose
// Config names no policy applies them; a host extends or replaces them by
// building its own [lifecycle.AccessPolicy] from them, for example to let
// only a task's group close it. Each call returns a new slice.
func AccessRules() []lifecycle.Rule {
	anyone := lifecycle.Rule{Anyone: true}
	var rules []lifecycle.Rule
	for _, ev := range Events() {
		rules = append(rules, anyone.For(ProcessRequest, ev))
	}
	return rules
}

// Events returns the events of a request's history records: "order",
// then one per [Command]. The access rules guard them.
func Events() []string {
	out := []string{eventOrder}
	for _, c := range commandEvents {
		out = append(out, c.event())
	}
	return out
}

// EventOf returns the event of the history record cmd writes, which the
// access rules guard. A nil cmd has none ("").
func EventOf(cmd Command) string {
	if lifecycle.NilCommand(cmd) != nil {
		return ""
	}
	return cmd.event()
}
