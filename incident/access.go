package incident

import "github.com/itsmkit/itsm/lifecycle"

// AccessRules returns the incident process's default access rules, as
// data: only a holder of [RoleMajorIncidentManager] (or
// [lifecycle.System]) accepts or rejects a major incident candidate;
// every other event is open to any actor. A [Service] asks them through
// [Config].Access unless the host gives a policy of its own; a host
// extends them by appending its rules to what this returns. Each call
// returns a new slice.
func AccessRules() []lifecycle.Rule {
	return []lifecycle.Rule{
		{Process: Process, Event: string(EventAcceptMajor), Roles: []string{RoleMajorIncidentManager}},
		{Process: Process, Event: string(EventRejectMajor), Roles: []string{RoleMajorIncidentManager}},
	}
}
