package lifecycle

import "errors"

// serviceCheck is what the service machine's guards inspect: the service as
// it would stand after the command's inputs are applied, the actor, and the
// open work the orchestrator fetched before firing (guards do no I/O).
type serviceCheck struct {
	svc   *ITService
	actor Actor
	work  ServiceWork
}

// pipelineChain is the forward order that ServiceAdvance follows.
var pipelineChain = []Status{
	StatusRequirements, StatusDefined, StatusAnalysed, StatusApproved, StatusChartered,
	StatusDesigned, StatusDeveloped, StatusBuilt, StatusTested, StatusReleased, StatusOperational,
}

var serviceMachine = NewMachine(serviceDefinition())

func serviceDefinition() Definition[Status, ServiceEvent, *serviceCheck] {
	var ts []Transition[Status, ServiceEvent, *serviceCheck]
	for i := 0; i+1 < len(pipelineChain); i++ {
		t := Transition[Status, ServiceEvent, *serviceCheck]{
			Event: ServiceAdvance,
			From:  []Status{pipelineChain[i]},
			To:    pipelineChain[i+1],
		}
		if t.To == StatusOperational {
			t.Guard = guardGoLive
		}
		ts = append(ts, t)
	}
	ts = append(ts,
		Transition[Status, ServiceEvent, *serviceCheck]{
			Event: ServiceReject,
			From:  []Status{StatusDefined, StatusAnalysed},
			To:    StatusRequirements,
		},
		Transition[Status, ServiceEvent, *serviceCheck]{
			Event: ServiceRework,
			From:  []Status{StatusDeveloped, StatusBuilt, StatusTested, StatusReleased},
			To:    StatusDesigned,
		},
		Transition[Status, ServiceEvent, *serviceCheck]{
			Event: ServicePhaseOut,
			From:  []Status{StatusOperational},
			To:    StatusRetiring,
		},
		Transition[Status, ServiceEvent, *serviceCheck]{
			Event: ServiceReinstate,
			From:  []Status{StatusRetiring},
			To:    StatusOperational,
			Guard: guardGoLive,
		},
		Transition[Status, ServiceEvent, *serviceCheck]{
			Event: ServiceRetire,
			From: []Status{
				StatusRequirements, StatusDefined, StatusAnalysed, StatusApproved, StatusChartered,
				StatusDesigned, StatusDeveloped, StatusBuilt, StatusTested, StatusReleased,
				StatusOperational, StatusRetiring,
			},
			To:    StatusRetired,
			Guard: guardRetire,
		},
	)
	return Definition[Status, ServiceEvent, *serviceCheck]{
		Process:     ProcessService,
		Initial:     StatusRequirements,
		States:      serviceStatuses,
		Events:      serviceEvents,
		Transitions: ts,
	}
}

// liveRequirements returns why s cannot be live (operational or retiring):
// it needs an owner and at least one agreement of kind SLA (an OLA or an
// underpinning contract supports an SLA but never replaces it). Nil when
// it can.
func liveRequirements(s *ITService) error {
	var errs []error
	if s.Owner == "" {
		errs = append(errs, Invalid("owner", "a live service needs an owner"))
	}
	if !s.HasAgreement(AgreementSLA) {
		errs = append(errs, Invalid("agreements", "a live service needs at least one SLA agreement (an OLA or underpinning contract does not count)"))
	}
	return errors.Join(errs...)
}

func guardGoLive(c *serviceCheck) error { return liveRequirements(c.svc) }

func guardRetire(c *serviceCheck) error {
	if !c.work.None() {
		return &OpenWorkError{ServiceWork: c.work}
	}
	return nil
}

// ServiceDiagram returns the service machine as a Mermaid state diagram.
// Guards are not drawn: going live and reinstating need an owner and an
// SLA agreement; retiring needs no open incidents and no scheduled changes.
// Who may phase out, reinstate and retire (the service's owner or
// [RoleServiceOwner], by default) is the access rules' to say
// ([PortfolioAccessRules]).
func ServiceDiagram() string { return serviceMachine.Mermaid() }

// Allowed returns the events the service machine allows from s, sorted.
// Guards are not consulted.
func (s Status) Allowed() []ServiceEvent { return serviceMachine.Allowed(s) }

// Final reports whether no event leaves s (only [StatusRetired]).
func (s Status) Final() bool { return serviceMachine.Final(s) }

// Target returns the status event leads to from s, and whether the machine
// has that pair. Guards are not consulted.
func (s Status) Target(event ServiceEvent) (Status, bool) { return serviceMachine.Target(s, event) }
