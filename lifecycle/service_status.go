package lifecycle

import "slices"

// Status is where an IT [ITService] stands in its lifecycle, following the
// status chain of the ITIL service portfolio: the pipeline (requirements
// through released), the catalogue (operational) and retirement (retiring,
// retired). Each status belongs to one ITIL [Stage] ([Status.Stage]) and one
// [PortfolioPart] ([Status.Part]).
type Status string

// The service statuses, in lifecycle order.
const (
	StatusRequirements Status = "requirements" // strategy: the business need is being gathered
	StatusDefined      Status = "defined"      // strategy: the service is defined (outcomes, utility, warranty)
	StatusAnalysed     Status = "analysed"     // strategy: the business case is analysed, awaiting approval
	StatusApproved     Status = "approved"     // strategy: approved by portfolio management
	StatusChartered    Status = "chartered"    // strategy: the service charter is issued, design is funded
	StatusDesigned     Status = "designed"     // design: the service design package is complete
	StatusDeveloped    Status = "developed"    // transition: the service is developed
	StatusBuilt        Status = "built"        // transition: the release is built
	StatusTested       Status = "tested"       // transition: the release passed validation and testing
	StatusReleased     Status = "released"     // transition: deployed, awaiting go-live
	StatusOperational  Status = "operational"  // operation: live, in the service catalogue
	StatusRetiring     Status = "retiring"     // transition: being phased out, still live
	StatusRetired      Status = "retired"      // transition: decommissioned (final)
)

var serviceStatuses = []Status{
	StatusRequirements, StatusDefined, StatusAnalysed, StatusApproved, StatusChartered,
	StatusDesigned, StatusDeveloped, StatusBuilt, StatusTested, StatusReleased,
	StatusOperational, StatusRetiring, StatusRetired,
}

// Statuses returns every service status, in lifecycle order.
func Statuses() []Status { return slices.Clone(serviceStatuses) }

// String returns the status's spelling, e.g. "operational".
func (s Status) String() string { return string(s) }

// Valid reports whether s is one of [Statuses].
func (s Status) Valid() bool { return slices.Contains(serviceStatuses, s) }

// MarshalText returns the status's spelling, or a *ValidationError for an
// unknown status.
func (s Status) MarshalText() ([]byte, error) { return MarshalEnum("status", serviceStatuses, s) }

// UnmarshalText parses a status, rejecting unknown spellings with a
// *ValidationError.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseEnum("status", serviceStatuses, string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Stage returns the ITIL lifecycle stage the status belongs to:
//
//	strategy    requirements, defined, analysed, approved, chartered
//	design      designed
//	transition  developed, built, tested, released, retiring, retired
//	operation   operational
//
// Retirement is a transition activity in ITIL (a service is moved out of the
// live environment under change control), so retiring and retired belong to
// transition. [StageContinualImprovement] spans every stage and is never
// returned; an unknown status has the empty stage.
func (s Status) Stage() Stage {
	switch s {
	case StatusRequirements, StatusDefined, StatusAnalysed, StatusApproved, StatusChartered:
		return StageStrategy
	case StatusDesigned:
		return StageDesign
	case StatusDeveloped, StatusBuilt, StatusTested, StatusReleased, StatusRetiring, StatusRetired:
		return StageTransition
	case StatusOperational:
		return StageOperation
	}
	return ""
}

// Part returns the part of the service portfolio that holds a service in
// this status: the pipeline (requirements through released), the catalogue
// (operational) or retirement ([PortfolioRetired]: retiring and retired).
// A retiring service has left the catalogue, since it is no longer offered
// to new customers, though it is still live for its current ones until it
// is retired (see [ITService.Live]). An unknown status has the empty part.
func (s Status) Part() PortfolioPart {
	switch {
	case s == StatusOperational:
		return PortfolioCatalogue
	case s == StatusRetiring || s == StatusRetired:
		return PortfolioRetired
	case s.Valid():
		return PortfolioPipeline
	}
	return ""
}

// Stage is one of the five stages of the ITIL service lifecycle.
type Stage string

// The ITIL lifecycle stages. Continual service improvement spans the other
// four: it is the stage of the improvement register ([Improvement]), not of
// any service status.
const (
	StageStrategy             Stage = "strategy"
	StageDesign               Stage = "design"
	StageTransition           Stage = "transition"
	StageOperation            Stage = "operation"
	StageContinualImprovement Stage = "continual_improvement"
)

var lifecycleStages = []Stage{StageStrategy, StageDesign, StageTransition, StageOperation, StageContinualImprovement}

// Stages returns every stage, in lifecycle order.
func Stages() []Stage { return slices.Clone(lifecycleStages) }

// String returns the stage's spelling, e.g. "design".
func (s Stage) String() string { return string(s) }

// Statuses returns the service statuses in the stage, in lifecycle order
// (none for [StageContinualImprovement]).
func (s Stage) Statuses() []Status {
	var out []Status
	for _, st := range serviceStatuses {
		if st.Stage() == s {
			out = append(out, st)
		}
	}
	return out
}

// MarshalText returns the stage's spelling, or a *ValidationError for an
// unknown stage.
func (s Stage) MarshalText() ([]byte, error) { return MarshalEnum("stage", lifecycleStages, s) }

// UnmarshalText parses a stage, rejecting unknown spellings with a
// *ValidationError.
func (s *Stage) UnmarshalText(b []byte) error {
	v, err := ParseEnum("stage", lifecycleStages, string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// PortfolioPart is one of the three parts of the ITIL service portfolio.
type PortfolioPart string

// The portfolio parts. Their spellings are "pipeline", "catalogue" and
// "retired" (the last one names the retirement part as a whole).
const (
	// PortfolioPipeline holds services proposed or in development
	// (requirements through released).
	PortfolioPipeline PortfolioPart = "pipeline"
	// PortfolioCatalogue holds the services offered to customers
	// (operational).
	PortfolioCatalogue PortfolioPart = "catalogue"
	// PortfolioRetired is the retirement part: services being phased out
	// (retiring) and retired ones, including proposals withdrawn before
	// going live.
	PortfolioRetired PortfolioPart = "retired"
)

var portfolioParts = []PortfolioPart{PortfolioPipeline, PortfolioCatalogue, PortfolioRetired}

// Statuses returns the service statuses in the part, in lifecycle order
// (none for an unknown part).
func (p PortfolioPart) Statuses() []Status {
	var out []Status
	for _, st := range serviceStatuses {
		if st.Part() == p {
			out = append(out, st)
		}
	}
	return out
}

// PortfolioParts returns every portfolio part.
func PortfolioParts() []PortfolioPart { return slices.Clone(portfolioParts) }

// String returns the part's spelling, e.g. "catalogue".
func (p PortfolioPart) String() string { return string(p) }

// MarshalText returns the part's spelling, or a *ValidationError for an
// unknown part.
func (p PortfolioPart) MarshalText() ([]byte, error) {
	return MarshalEnum("portfolio", portfolioParts, p)
}

// UnmarshalText parses a portfolio part, rejecting unknown spellings with a
// *ValidationError.
func (p *PortfolioPart) UnmarshalText(b []byte) error {
	v, err := ParseEnum("portfolio", portfolioParts, string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ServiceEvent is an event of the service machine (see [ServiceDiagram]).
type ServiceEvent string

// The service events.
const (
	// ServiceAdvance moves a service one status forward along the chain
	// requirements → ... → released → operational. Going live (released →
	// operational) needs an owner and at least one agreement of kind
	// [AgreementSLA].
	ServiceAdvance ServiceEvent = "advance"
	// ServiceReject sends a proposal in review (defined or analysed) back
	// to requirements: portfolio management did not accept it as it stands.
	ServiceReject ServiceEvent = "reject"
	// ServiceRework sends a service in transition (developed, built, tested
	// or released) back to designed: a design flaw was found, typically by
	// testing.
	ServiceRework ServiceEvent = "rework"
	// ServicePhaseOut starts retiring an operational service: it stays
	// live (in the catalogue) while consumers move off it. Role-gated.
	ServicePhaseOut ServiceEvent = "phase_out"
	// ServiceReinstate cancels a phase-out: retiring → operational. It
	// needs an owner and an agreement of kind [AgreementSLA], like going
	// live. Role-gated.
	ServiceReinstate ServiceEvent = "reinstate"
	// ServiceRetire retires a service from any status but retired: from the
	// pipeline it withdraws a proposal, from the catalogue it decommissions
	// the service. Refused while incidents are open or changes scheduled
	// against the service. Role-gated.
	ServiceRetire ServiceEvent = "retire"
)

var serviceEvents = []ServiceEvent{
	ServiceAdvance, ServiceReject, ServiceRework, ServicePhaseOut, ServiceReinstate, ServiceRetire,
}

// ServiceEvents returns every service event.
func ServiceEvents() []ServiceEvent { return slices.Clone(serviceEvents) }

// String returns the event's spelling, e.g. "phase_out".
func (e ServiceEvent) String() string { return string(e) }

// MarshalText returns the event's spelling, or a *ValidationError for an
// unknown event.
func (e ServiceEvent) MarshalText() ([]byte, error) { return MarshalEnum("event", serviceEvents, e) }

// UnmarshalText parses a service event, rejecting unknown spellings with a
// *ValidationError.
func (e *ServiceEvent) UnmarshalText(b []byte) error {
	v, err := ParseEnum("event", serviceEvents, string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// Criticality is how much the business depends on a service.
type Criticality string

// The criticalities, most critical first. A service defined without one is
// [CriticalityMedium].
const (
	CriticalityCritical Criticality = "critical"
	CriticalityHigh     Criticality = "high"
	CriticalityMedium   Criticality = "medium"
	CriticalityLow      Criticality = "low"
)

var criticalities = []Criticality{CriticalityCritical, CriticalityHigh, CriticalityMedium, CriticalityLow}

// Criticalities returns every criticality, most critical first.
func Criticalities() []Criticality { return slices.Clone(criticalities) }

// String returns the criticality's spelling, e.g. "high".
func (c Criticality) String() string { return string(c) }

// MarshalText returns the criticality's spelling, or a *ValidationError for
// an unknown one.
func (c Criticality) MarshalText() ([]byte, error) {
	return MarshalEnum("criticality", criticalities, c)
}

// UnmarshalText parses a criticality, rejecting unknown spellings with a
// *ValidationError.
func (c *Criticality) UnmarshalText(b []byte) error {
	v, err := ParseEnum("criticality", criticalities, string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
