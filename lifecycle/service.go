package lifecycle

import (
	"fmt"
	"slices"
	"time"
)

// ProcessService is the process name of service records: it appears in
// their events ([Notification.Process]), IDs ([NotificationID]) and errors.
const ProcessService = "service"

// RoleServiceOwner is the role that may phase out, reinstate and retire any
// service, and hand any service to a new owner, by the default access
// rules ([PortfolioAccessRules]). A service's own [ITService.Owner] may do
// so without the role.
const RoleServiceOwner = "service-owner"

// ITService is an IT service in the service portfolio (the ITIL entity, not an
// orchestrator: that is [Portfolio]). Its [Status] moves through the
// pipeline, the catalogue and retirement under the service machine (see
// [ServiceDiagram]), changed only through [ITService.Apply] or a [Portfolio].
//
// Invariant: a live service (operational or retiring, see [ITService.Live])
// has an owner and at least one SLA among its agreements.
type ITService struct {
	// ID identifies the service, e.g. "SVC01J..." (see [RandomIDs]).
	ID string `json:"id"`
	// Version is 0 before creation, 1 when created, +1 per stored change.
	Version int64 `json:"version"`
	// Name is the service's name, e.g. "E-mail".
	Name string `json:"name"`
	// Owner is the accountable service owner's actor ID; required while
	// the service is live.
	Owner string `json:"owner,omitempty"`
	// Description says what the service offers, for people.
	Description string `json:"description,omitempty"`
	// Criticality is how much the business depends on the service.
	Criticality Criticality `json:"criticality"`
	// ConfigItems are the IDs of the configuration items the service runs
	// on, in the order they were added, without duplicates.
	ConfigItems []string `json:"config_items,omitempty"`
	// Agreements link the service to its agreements (SLAs, OLAs and
	// underpinning contracts, as held by the sla package), each with its
	// kind, in the order they were added, without two links to one ID.
	// A live service has at least one of kind [AgreementSLA]. See
	// [AgreementLink] for the JSON form (bare IDs of older documents
	// decode as SLAs).
	Agreements []AgreementLink `json:"agreements,omitempty"`
	// Status is where the service stands in its lifecycle.
	Status Status `json:"status"`
	// History is the audit trail: one [Record] per stored change.
	History []Record `json:"history,omitempty"`
	// CreatedAt is when the service was defined.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at"`
}

// AgreementIDs returns the IDs of the service's agreements, in order (nil
// when it has none): what a host's link table or index needs.
func (s *ITService) AgreementIDs() []string {
	if len(s.Agreements) == 0 {
		return nil
	}
	ids := make([]string, len(s.Agreements))
	for i, l := range s.Agreements {
		ids[i] = l.ID
	}
	return ids
}

// HasAgreement reports whether the service links to at least one
// agreement of kind k.
func (s *ITService) HasAgreement(k AgreementKind) bool {
	return slices.ContainsFunc(s.Agreements, func(l AgreementLink) bool { return l.Kind == k })
}

// Clone returns a deep copy of s (nil stays nil).
func (s *ITService) Clone() *ITService {
	if s == nil {
		return nil
	}
	c := *s
	c.ConfigItems = slices.Clone(s.ConfigItems)
	c.Agreements = slices.Clone(s.Agreements)
	c.History = CloneHistory(s.History)
	return &c
}

// Snapshot returns the process-neutral view of the service: its status as
// State, its ID as Service, its creation time as OpenedAt, and its name,
// owner, criticality, stage and portfolio part as Attributes.
func (s *ITService) Snapshot() Snapshot {
	return Snapshot{
		State:    string(s.Status),
		Title:    s.Name,
		Service:  s.ID,
		Owner:    s.Owner,
		OpenedAt: s.CreatedAt,
		Attributes: map[string]string{
			"name":        s.Name,
			"owner":       s.Owner,
			"criticality": string(s.Criticality),
			"stage":       string(s.Status.Stage()),
			"portfolio":   string(s.Status.Part()),
		},
	}
}

// Live reports whether the service is live: operational (in the catalogue)
// or retiring (in retirement, but still serving its current customers).
func (s *ITService) Live() bool { return s.Status == StatusOperational || s.Status == StatusRetiring }

// ServiceWork is the work still open against a service, as the host's
// [Dependents] reports it: incidents not yet resolved and changes scheduled
// (authorised but not yet implemented and reviewed).
type ServiceWork struct {
	// OpenIncidents counts the incidents against the service that are
	// not yet resolved.
	OpenIncidents int `json:"open_incidents"`
	// ScheduledChanges counts the changes against the service that are
	// authorised but not yet closed.
	ScheduledChanges int `json:"scheduled_changes"`
}

// None reports whether no work is open.
func (w ServiceWork) None() bool { return w.OpenIncidents <= 0 && w.ScheduledChanges <= 0 }

// OpenWorkError is the reason a service may not be retired: work is still
// open against it. It comes wrapped in a *[TransitionError].
type OpenWorkError struct {
	ServiceWork
}

// Error renders, e.g., "2 open incident(s) and 1 scheduled change(s) depend on it".
func (e *OpenWorkError) Error() string {
	return fmt.Sprintf("%d open incident(s) and %d scheduled change(s) depend on it",
		e.OpenIncidents, e.ScheduledChanges)
}
